"""The reader on an OpenAI-compatible server: the wire (mocked transport), then a real `python -m llama_cpp.server`."""

from __future__ import annotations

import doctest
import json
import sys
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

import rag.models.remote as remote
from rag import RAG, Settings
from rag.cli import build_parser, settings_from
from rag.errors import LLMUnavailable, RagError
from rag.models.generation import Prompt
from rag.models.presets import PRESETS, model_file
from rag.models.remote import RemoteGenerator, estimate_tokens
from tests.conftest import SEEDS
from tests.servers import child_env, free_port, rag_cli, running

CHAT = Prompt(messages=(("system", "Answer from the sources."), ("user", "Who?")), grammar='root ::= "x"')


def sse(*pieces: str) -> bytes:
    events = [{"choices": [{"index": 0, "delta": {"role": "assistant"}}]}]
    events += [{"choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]} for p in pieces]
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events).encode() + b"data: [DONE]\n\n"


def server(handler: Callable[[httpx.Request], httpx.Response]) -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/models":
            return httpx.Response(200, json={"object": "list", "data": [{"id": "served-model", "object": "model"}]})
        return handler(request)

    return seen, httpx.MockTransport(record)


def chat_calls(seen: list[httpx.Request]) -> list[dict[str, Any]]:
    return [json.loads(r.content) for r in seen if r.url.path == "/v1/chat/completions"]


def read(gen: RemoteGenerator, prompt: Prompt = CHAT) -> str:
    return "".join(gen.stream(prompt, max_tokens=80, temperature=0.0, stop=("\n", "Question:")))


def test_docstring_examples() -> None:
    result = doctest.testmod(remote)
    assert result.attempted > 0 and result.failed == 0


def test_streams_the_reply_and_sends_the_reader_settings_and_the_key() -> None:
    seen, transport = server(lambda r: httpx.Response(200, content=sse("Dmitry ", "Zhirnov [1]."),
                                                      headers={"content-type": "text/event-stream"}))
    gen = RemoteGenerator("http://llm.test:8080/v1/", api_key="k3y", transport=transport)
    assert gen.name == "served-model" and gen.has_chat_template and gen.url == "http://llm.test:8080"
    assert read(gen) == "Dmitry Zhirnov [1]."
    body = chat_calls(seen)[0]
    assert body["messages"] == [{"role": "system", "content": "Answer from the sources."},
                                {"role": "user", "content": "Who?"}]
    assert body["stream"] is True and body["max_tokens"] == 80 and body["temperature"] == 0.0
    assert body["stop"] == ["\n", "Question:"] and body["grammar"] == 'root ::= "x"' and body["model"] == "served-model"
    assert all(r.headers["authorization"] == "Bearer k3y" for r in seen)


def test_a_server_that_refuses_the_grammar_field_is_asked_again_without_it_and_never_again() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "grammar" in json.loads(request.content):
            return httpx.Response(400, json={"error": {"message": "Unrecognized request argument: grammar"}})
        return httpx.Response(200, content=sse("ok [1]."))

    seen, transport = server(handler)
    gen = RemoteGenerator("http://llm.test", model="m", transport=transport)
    assert read(gen) == "ok [1]." and read(gen) == "ok [1]."
    assert ["grammar" in b for b in chat_calls(seen)] == [True, False, False]


def test_one_retry_after_a_5xx_then_a_clear_error() -> None:
    replies = [httpx.Response(503, text="loading"), httpx.Response(200, content=sse("fine"))]
    seen, transport = server(lambda r: replies.pop(0))
    assert read(RemoteGenerator("http://llm.test", model="m", transport=transport)) == "fine"
    assert len(chat_calls(seen)) == 2

    seen, transport = server(lambda r: httpx.Response(500, json={"error": {"message": "out of memory"}}))
    with pytest.raises(LLMUnavailable, match="out of memory.*check the server's log"):
        read(RemoteGenerator("http://llm.test", model="m", transport=transport))
    assert len(chat_calls(seen)) == 2  # exactly one retry


def test_connection_refused_twice_names_the_fix() -> None:
    seen: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(LLMUnavailable, match=r"No LLM server answers at http://llm.test.*llama_cpp.server.*"
                                             r"unset RAG_LLM_URL"):
        RemoteGenerator("http://llm.test", transport=httpx.MockTransport(refuse))  # finding its model name
    gen = RemoteGenerator("http://llm.test", model="m", transport=httpx.MockTransport(refuse))
    seen.clear()
    with pytest.raises(LLMUnavailable, match="No LLM server answers"):
        read(gen)
    assert len(seen) == 2


@pytest.mark.parametrize("status, fix", [(401, "RAG_LLM_API_KEY"), (404, "RAG_LLM_MODEL"),
                                         (400, "check the server's log")])
def test_refusals_name_the_fix(status: int, fix: str) -> None:
    _, transport = server(lambda r: httpx.Response(status, json={"error": {"message": "nope"}}))
    with pytest.raises(LLMUnavailable, match=fix):
        read(RemoteGenerator("http://llm.test", model="m", transport=transport), Prompt(messages=(("user", "q"),)))


def test_an_error_event_mid_stream_is_an_error() -> None:
    body = sse("half").replace(b"data: [DONE]", b'data: {"error": {"message": "context overflow"}}')
    _, transport = server(lambda r: httpx.Response(200, content=body))
    with pytest.raises(LLMUnavailable, match="context overflow"):
        read(RemoteGenerator("http://llm.test", model="m", transport=transport))


def test_the_copy_constraint_needs_logits_and_is_refused_by_name() -> None:
    _, transport = server(lambda r: httpx.Response(200, content=sse("x")))
    gen = RemoteGenerator("http://llm.test", model="m", transport=transport)
    with pytest.raises(RagError, match="cannot constrain decoding"):
        list(gen.stream(Prompt(text="Q: A:"), max_tokens=4, temperature=0, stop=(), allowed=lambda ids: None))
    with pytest.raises(RagError, match="no tokenizer"):
        gen.detokenize([1])
    assert len(gen.tokenize("Zamir Kabulov")) == estimate_tokens("Zamir Kabulov")


def test_settings_env_and_cli_flag_choose_the_remote_reader(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_LLM_URL", "http://env.test:1")
    monkeypatch.setenv("RAG_LLM_TIMEOUT", "7.5")
    assert Settings.from_env().llm_url == "http://env.test:1" and Settings.from_env().llm_timeout == 7.5
    args = build_parser().parse_args(["ask", "q", "--llm-url", "http://flag.test:2"])
    assert settings_from(args).llm_url == "http://flag.test:2"  # the flag beats the environment
    monkeypatch.setattr(RemoteGenerator, "_first_model", lambda self: "served")
    gen = RAG(Settings(index_dir=tmp_path, llm_url="http://flag.test:2", n_ctx=4096))._open_generator()
    assert isinstance(gen, RemoteGenerator) and gen.name == "served" and gen.n_ctx == 4096


# ---------------------------------------------------------------------------------------------- a real server
QWEN = PRESETS["qwen2.5-coder-0.5b"]


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    if not QWEN.installed():
        pytest.skip(f"the 0.5B preset is not installed: {QWEN.install_command}")
    models = Path(Settings().models_dir)
    gguf = model_file(QWEN.name, models)
    port = free_port()
    log = tmp_path_factory.mktemp("llm-server") / "server.log"
    args = [sys.executable, "-m", "rag.models.llama_server", "--model", str(gguf), "--host", "127.0.0.1", "--port",
            str(port), "--n_ctx", "2048", "--n_threads", "2"]
    with running(args, f"http://127.0.0.1:{port}/v1/models", log, timeout=120):
        yield f"http://127.0.0.1:{port}"


@pytest.mark.realmodel
def test_estimate_never_undercounts_the_real_tokenizer_on_a_prompt() -> None:
    from llama_cpp import Llama

    from rag.answer.reader import chat_prefix

    llm = Llama(model_path=str(model_file("gemma-270m", Settings().models_dir)), vocab_only=True, verbose=False)
    for _, text in chat_prefix().messages:
        assert estimate_tokens(text) >= len(llm.tokenize(text.encode(), add_bos=False))


@pytest.mark.realmodel
def test_rag_reads_with_a_real_llama_cpp_server(llm_server: str, real_rag: RAG) -> None:
    rag = RAG(Settings.from_env(index_dir=real_rag.settings.index_dir, llm_url=llm_server),
              embedder=real_rag.embedder)
    answer = rag.ask("Who is Russia's ambassador to Afghanistan?")
    assert isinstance(rag.generator, RemoteGenerator) and rag.generator.grammar_ok  # the server took the grammar
    assert not answer.abstained, answer.text
    assert answer.citations and "[1]" in answer.text
    sources = {p.name: " ".join(p.read_text(encoding="utf-8").split()) for p in SEEDS.iterdir()}
    for c in answer.citations:
        assert " ".join(c.quote.split()) in sources[c.source]


@pytest.mark.realmodel
def test_cli_ask_with_llm_url_flag(llm_server: str, real_rag: RAG) -> None:
    out = rag_cli("ask", "Who is Russia's ambassador to Afghanistan?", "--json", "--index-dir",
                  str(real_rag.settings.index_dir), "--llm-url", llm_server)
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["citations"] and not body["abstained"], body


@pytest.mark.realmodel
def test_a_dead_llm_url_is_a_clear_error(real_rag: RAG) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    rag = RAG(Settings.from_env(index_dir=real_rag.settings.index_dir, llm_url=dead), embedder=real_rag.embedder)
    with pytest.raises(LLMUnavailable, match=f"No LLM server answers at {dead}.*unset RAG_LLM_URL"):
        rag.ask("Who is Russia's ambassador to Afghanistan?")
    out = rag_cli("ask", "Who is Zamir Kabulov?", "--index-dir", str(real_rag.settings.index_dir),
                  env=child_env(RAG_LLM_URL=dead))
    assert out.returncode == 2 and "No LLM server answers" in out.stderr and "Traceback" not in out.stderr

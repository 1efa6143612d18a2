"""`rag serve` on fakes: OpenAI's shapes, citations, every bad input a 4xx naming the fix, the key, the 429 line."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any, Iterator, Sequence

import httpx
import pytest
from starlette.testclient import TestClient

from app.openai_api import create_app
from rag import RAG, Settings
from rag.models.generation import AllowedFn, Prompt
from rag.models.presets import PRESETS
from tests.conftest import SEEDS, FakeEmbedder, FakeGenerator

Q = "Who is Russia's ambassador to Afghanistan?"
REPLY = "Dmitry Zhirnov is the ambassador [1]."


def ask(content: str = Q, **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": content}], **extra}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("api-index")
    RAG(Settings(index_dir=path), embedder=FakeEmbedder(), generator=FakeGenerator()).ingest([SEEDS])
    return path


def make_rag(index: Path, generator: Any = None, **settings: Any) -> RAG:
    s = Settings(index_dir=index, models_dir=index.parent / "models", abstain_threshold=0.0, **settings)
    return RAG(s, embedder=FakeEmbedder(), generator=generator or FakeGenerator(chat=True, default=REPLY))


@pytest.fixture
def client(index: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_rag(index))) as c:
        yield c


def error_of(response: httpx.Response, status: int, code: str | None = None) -> str:
    """The OpenAI error object's message, after checking the status and the object's shape."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert "Traceback" not in error["message"]
    if code:
        assert error["code"] == code
    return str(error["message"])


# ---------------------------------------------------------------------------------------------- happy paths
def test_chat_completion_carries_the_answer_and_its_citations(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json=ask())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "chat.completion" and body["model"] == "fake-chat"
    text = body["choices"][0]["message"]["content"]
    assert "Zhirnov" in text and "[1]" in text and body["choices"][0]["finish_reason"] == "stop"
    assert body["abstained"] is False
    cite = body["citations"][0]
    assert set(cite) == {"n", "source", "title", "url", "date", "outlet", "quote"}
    assert cite["n"] == 1 and "Zhirnov" in cite["quote"]
    assert cite["quote"] in " ".join((SEEDS / cite["source"]).read_text(encoding="utf-8").split())


def test_streaming_sends_the_same_text_then_citations_then_done(client: TestClient) -> None:
    plain = client.post("/v1/chat/completions", json=ask()).json()
    with client.stream("POST", "/v1/chat/completions", json=ask(stream=True)) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in r.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    events = [json.loads(line[len("data: "):]) for line in lines[:-1]]
    assert all(e["object"] == "chat.completion.chunk" for e in events)
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in events)
    assert text == plain["choices"][0]["message"]["content"]
    last = events[-1]
    assert last["choices"][0]["finish_reason"] == "stop"
    assert last["citations"] == plain["citations"] and last["abstained"] is False


def test_earlier_turns_are_the_history_and_the_last_user_message_the_question(index: Path) -> None:
    gen = FakeGenerator(chat=True, default=REPLY)
    with TestClient(create_app(make_rag(index, gen))) as c:
        r = c.post("/v1/chat/completions", json={"messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Who is Zamir Kabulov?"},
            {"role": "assistant", "content": "Special Envoy of the Russian President [1]"},
            {"role": "user", "content": [{"type": "text", "text": Q}]}]})
    assert r.status_code == 200, r.text
    shown = "\n".join(c for _, c in gen.prompts[-1].messages)
    assert Q in shown and "You are terse." not in shown  # the reader's own system prompt, not the client's


def test_models_lists_the_loaded_model_first(client: TestClient) -> None:
    data = client.get("/v1/models").json()["data"]
    assert data[0]["id"] == "fake-chat" and data[0]["loaded"] is True
    assert {d["id"] for d in data[1:]} <= set(PRESETS)


def test_search_returns_passages_with_metadata_and_no_model_call(index: Path) -> None:
    gen = FakeGenerator(chat=True, default=REPLY)
    with TestClient(create_app(make_rag(index, gen))) as c:
        r = c.post("/v1/search", json={"query": "Russian ambassador Afghanistan", "top_k": 3})
    assert r.status_code == 200, r.text
    hits = r.json()["data"]
    assert len(hits) == 3 and hits[0]["rank"] == 1 and hits[0]["text"] and hits[0]["source"]
    assert {"title", "url", "date", "outlet", "score"} <= set(hits[0])
    assert gen.prompts == []


def test_health_answers(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"


def test_options_reach_the_pipeline(index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rag = make_rag(index)
    seen: dict[str, Any] = {}
    real = rag.stream

    def spy(question: str, **options: Any) -> Any:
        seen.update(options, question=question)
        return real(question, **options)

    monkeypatch.setattr(rag, "stream", spy)
    with TestClient(create_app(rag)) as c:
        r = c.post("/v1/chat/completions", json=ask(temperature=0.5, max_tokens=20, since="2020-01-01",
                                                    outlets=["Reuters"], as_of="2023-03-10", top_k=4))
    assert r.status_code in (200,), r.text
    assert seen["temperature"] == 0.5 and seen["max_tokens"] == 20 and seen["top_k"] == 4
    assert seen["since"] == "2020-01-01" and seen["outlets"] == ["Reuters"] and seen["as_of"] == "2023-03-10"


# ---------------------------------------------------------------------------------------------- bad input
BIG = 2_000


@pytest.fixture
def small(index: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_rag(index, serve_max_body=BIG))) as c:
        yield c


def test_body_over_the_limit_is_413(small: TestClient) -> None:
    assert "RAG_SERVE_MAX_BODY" in error_of(small.post("/v1/chat/completions", json=ask("x" * BIG)), 413)

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted while read
        yield b'{"messages": [{"role": "user", "content": "'
        for _ in range(10):
            yield b"y" * 500
        yield b'"}]}'

    r = small.post("/v1/chat/completions", content=chunked(), headers={"Content-Type": "application/json"})
    error_of(r, 413, "body_too_large")
    error_of(small.post("/v1/search", json={"query": "x" * BIG}), 413)


@pytest.mark.parametrize("body, param, fix", [
    (b"{not json", None, "not valid JSON"),
    (b"", None, "body is empty"),
    (b"[1, 2]", None, "not an object"),
    (b"\xff\xfe{}", None, "not valid JSON"),
    (json.dumps({"messages": "hi"}).encode(), "messages", "Invalid field `messages`"),
    (json.dumps({"messages": []}).encode(), "messages", "at least 1"),
    (json.dumps(ask(stream="yes")).encode(), "stream", "boolean"),
    (json.dumps(ask(temperature="0.5")).encode(), "temperature", "number"),
    (json.dumps(ask(temperature=7)).encode(), "temperature", "less than or equal"),
    (json.dumps(ask(max_tokens=0)).encode(), "max_tokens", "greater than"),
    (json.dumps(ask(n=3)).encode(), "n", "less than or equal"),
    (json.dumps(ask(outlets=[1])).encode(), "outlets", "Invalid field"),
    (json.dumps({"messages": [{"role": "wizard", "content": "hi"}]}).encode(), "messages.0.role", "Input should be"),
    (json.dumps({"messages": [{"role": "user", "content": 5}]}).encode(), "messages.0.content", "Invalid field"),
])
def test_malformed_or_mistyped_bodies_are_400_naming_the_field(client: TestClient, body: bytes, param: str | None,
                                                                fix: str) -> None:
    r = client.post("/v1/chat/completions", content=body, headers={"Content-Type": "application/json"})
    message = error_of(r, 400)
    assert fix in message and r.json()["error"]["param"] == param
    assert "Fix" in message or "send" in message


@pytest.mark.parametrize("messages, code", [
    ([{"role": "user", "content": "   "}], "empty_question"),
    ([{"role": "user", "content": None}], "empty_question"),
    ([{"role": "system", "content": "Be brief."}], "no_question"),
    ([{"role": "assistant", "content": "Hello"}], "no_question"),
])
def test_no_question_is_400_naming_the_fix(client: TestClient, messages: list[dict[str, Any]], code: str) -> None:
    message = error_of(client.post("/v1/chat/completions", json={"messages": messages}), 400, code)
    assert "question" in message


def test_a_question_too_long_is_400_from_the_pipeline(client: TestClient) -> None:
    message = error_of(client.post("/v1/chat/completions", json=ask("why " * 1000)), 400, "invalid_input")
    assert "shorter" in message or "characters" in message


@pytest.mark.parametrize("extra, fix", [
    ({"since": "yesterday-ish"}, "YYYY-MM-DD"),
    ({"since": "2023-04-01", "until": "2023-03-01"}, "Swap them"),
])
def test_bad_filters_are_400_naming_the_fix(client: TestClient, extra: dict[str, Any], fix: str) -> None:
    assert fix in error_of(client.post("/v1/chat/completions", json=ask(**extra)), 400)
    assert fix in error_of(client.post("/v1/search", json={"query": "ambassador", **extra}), 400)


def test_unknown_model_is_404_naming_the_models_route(client: TestClient) -> None:
    message = error_of(client.post("/v1/chat/completions", json=ask(model="gpt-4o")), 404, "model_not_found")
    assert "GET /v1/models" in message
    assert client.post("/v1/chat/completions", json=ask(model="fake-chat")).status_code == 200


def test_another_installed_preset_is_400_naming_the_fix(client: TestClient) -> None:
    assert PRESETS["gemma-270m"].installed()  # the packaged default
    message = error_of(client.post("/v1/chat/completions", json=ask(model="gemma-270m")), 400, "model_not_loaded")
    assert "rag serve --model gemma-270m" in message


def test_a_preset_not_installed_is_404_naming_its_install_command(client: TestClient) -> None:
    missing = [p for p in PRESETS.values() if not p.installed()]
    if not missing:
        pytest.skip("every preset is installed here")
    message = error_of(client.post("/v1/chat/completions", json=ask(model=missing[0].name)), 404, "model_not_found")
    assert missing[0].make_target in message


def test_search_bad_input(client: TestClient) -> None:
    error_of(client.post("/v1/search", json={"query": "  "}), 400, "empty_question")
    error_of(client.post("/v1/search", json={"top_k": 3}), 400)
    error_of(client.post("/v1/search", json={"query": "x", "top_k": 500}), 400)


def test_no_index_is_409_naming_the_ingest(tmp_path: Path) -> None:
    with TestClient(create_app(make_rag(tmp_path / "empty"))) as c:
        message = error_of(c.post("/v1/chat/completions", json=ask()), 409, "no_index")
    assert "rag ingest" in message


def test_unknown_route_and_wrong_method_are_openai_errors(client: TestClient) -> None:
    assert "/v1/chat/completions" in error_of(client.get("/v1/nothing"), 404)
    error_of(client.get("/v1/chat/completions"), 405)


def test_a_bug_is_a_500_without_a_traceback(index: Path) -> None:
    class Broken(FakeGenerator):
        def stream(self, prompt: Prompt, **kw: Any) -> Iterator[str]:  # type: ignore[override]
            raise ZeroDivisionError("boom")

    with TestClient(create_app(make_rag(index, Broken(chat=True))), raise_server_exceptions=False) as c:
        message = error_of(c.post("/v1/chat/completions", json=ask()), 500, "internal_error")
    assert "rag serve" in message and "boom" not in message


# ---------------------------------------------------------------------------------------------- the key
ROUTES = [("GET", "/v1/models", None), ("POST", "/v1/chat/completions", ask()), ("POST", "/v1/search",
          {"query": "ambassador"}), ("GET", "/docs", None), ("GET", "/openapi.json", None), ("GET", "/nowhere", None)]


@pytest.mark.parametrize("method, path, body", ROUTES)
def test_with_a_key_set_no_route_but_health_answers_without_it(index: Path, method: str, path: str,
                                                                body: Any) -> None:
    with TestClient(create_app(make_rag(index, api_key="s3cret"))) as c:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
            r = c.request(method, path, json=body, headers=headers)
            assert "RAG_API_KEY" in error_of(r, 401, "invalid_api_key")
            assert r.headers["www-authenticate"] == "Bearer"
        ok = c.request(method, path, json=body, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == (404 if path == "/nowhere" else 200)
        assert c.get("/health").status_code == 200


# ---------------------------------------------------------------------------------------------- the line
class Gate(FakeGenerator):
    """A chat generator that holds each answer after its first piece until `open` is set; `ends` records whether
    each stream ran to its end ("done") or was closed early ("closed")."""

    def __init__(self) -> None:
        super().__init__(chat=True, default=REPLY)
        self.open = threading.Event()
        self.started = threading.Semaphore(0)
        self.ends: list[str] = []

    def stream(self, prompt: Prompt, *, max_tokens: int, temperature: float, stop: Sequence[str],
               allowed: AllowedFn | None = None) -> Iterator[str]:
        self.started.release()
        try:
            yield "Dmitry"
            assert self.open.wait(30)
            yield from super().stream(prompt, max_tokens=max_tokens, temperature=temperature, stop=stop)
            self.ends.append("done")
        except GeneratorExit:
            self.ends.append("closed")
            raise


def test_a_full_line_gets_429_with_retry_after_and_every_other_request_is_answered(index: Path) -> None:
    gate = Gate()
    app = create_app(make_rag(index, gate, serve_queue=2))

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=60) as c:
            calls = [asyncio.create_task(c.post("/v1/chat/completions", json=ask())) for _ in range(6)]
            await asyncio.to_thread(gate.started.acquire, True, 30)  # one answer is being made
            for _ in range(100):  # 1 running + 2 waiting: the other 3 are refused at once
                if sum(t.done() for t in calls) == 3:
                    break
                await asyncio.sleep(0.05)
            health = (await c.get("/health")).json()
            gate.open.set()
            return [*(await asyncio.gather(*calls)), httpx.Response(200, json=health)]

    *responses, health = asyncio.run(burst())
    assert health.json()["busy"] is True and health.json()["waiting"] == 2  # the loop answered meanwhile
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 200, 200, 429, 429, 429]
    for r in responses:
        if r.status_code == 429:
            assert int(r.headers["retry-after"]) >= 1
            assert "Retry-After" in error_of(r, 429, "rate_limit_exceeded")
        else:
            assert r.json()["citations"]


def test_a_client_that_leaves_frees_the_model(index: Path) -> None:
    """The raw ASGI conversation of a client that disconnects while its answer is being made."""
    gate = Gate()
    app = create_app(make_rag(index, gate))
    body = json.dumps(ask(stream=True)).encode()

    async def leave_then_ask_again() -> httpx.Response:
        gone = asyncio.Event()
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop(0)
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: Any) -> None:
            pass

        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": "/v1/chat/completions", "raw_path": b"",
                 "query_string": b"", "root_path": "", "headers": [(b"content-type", b"application/json")],
                 "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 2)}
        call = asyncio.create_task(app(scope, receive, send))
        await asyncio.to_thread(gate.started.acquire, True, 30)
        gone.set()  # the client goes away while the model is in the middle of its answer
        await asyncio.wait_for(call, 10)  # the request ends without waiting for the answer
        gate.open.set()  # the model's next piece comes: the worker sees the client left and closes the stream
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=30) as c:
            return await c.post("/v1/chat/completions", json=ask())  # the slot is free again

    again = asyncio.run(leave_then_ask_again())
    assert again.status_code == 200, again.text
    assert gate.ends == ["closed", "done"]

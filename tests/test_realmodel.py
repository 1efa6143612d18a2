"""The real default models (packaged MiniLM + Gemma 3 270M GGUF), real Chroma: the path a user runs."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag import RAG, Settings

from .conftest import ROOT, SEEDS

pytestmark = pytest.mark.realmodel
Q = "Who is Russia's ambassador to Afghanistan?"
SEED_FILES = {p.name for p in SEEDS.glob("*.txt")}


def cli(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def test_api_answers_with_citations_that_name_seed_files(real_rag: RAG):
    a = real_rag.ask(Q)
    assert not a.abstained
    assert a.citations and all(c.source in SEED_FILES and c.text.strip() for c in a.citations)
    assert "[1]" in a.text
    assert "Zhirnov" in a.citations[0].quote and a.short and a.short in a.citations[0].quote


def test_stream_yields_text_pieces_then_the_same_answer_as_ask(real_rag: RAG):
    items = list(real_rag.stream(Q))
    pieces = [i for i in items if isinstance(i, str)]
    assert pieces and items[-1].text == real_rag.ask(Q).text  # temperature 0: deterministic


def test_real_model_abstains_on_an_off_topic_question(real_rag: RAG):
    a = real_rag.ask("Who won the 2022 FIFA World Cup final?")
    assert a.abstained and a.closest


def test_cli_ingest_twice_then_ask_json(tmp_path):
    env = {"RAG_INDEX_DIR": str(tmp_path / "idx")}
    first = cli("ingest", "seeds/", env=env)
    assert first.returncode == 0, first.stderr
    assert "added 5 / updated 0 / removed 0 / unchanged 0" in first.stdout
    second = cli("ingest", "seeds/", env=env)
    assert "added 0 / updated 0 / removed 0 / unchanged 5 articles (0 chunks stored)" in second.stdout
    out = cli("ask", Q, "--json", env=env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["abstained"] is False and data["citations"]
    for c in data["citations"]:
        assert c["source"] in SEED_FILES and c["text"] and isinstance(c["n"], int) and c["title"]


def test_cli_errors_are_messages_with_exit_code_2(tmp_path):
    out = cli("ask", "anything", "--index-dir", str(tmp_path / "none"))
    assert out.returncode == 2 and "run `rag ingest seeds/` first" in out.stderr and "Traceback" not in out.stderr
    out = cli("ask", "anything", "--model", str(tmp_path / "missing.gguf"), env={"RAG_INDEX_DIR": str(tmp_path)})
    assert out.returncode == 2 and "Traceback" not in out.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_chroma_server_ingest_and_query(tmp_path, real_rag: RAG):
    chroma = Path(sys.executable).with_name("chroma")
    port = _free_port()
    proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        settings = Settings.from_env(chroma_host="127.0.0.1", chroma_port=port, collection="server_news")
        rag = RAG(settings, embedder=real_rag.embedder, generator=real_rag.generator)
        report = rag.ingest([SEEDS])
        assert report.added == 5 and rag.store().where.startswith("Chroma server")
        assert rag.ingest([SEEDS]).unchanged == 5
        a = rag.ask(Q)
        assert a.citations and all(c.source in SEED_FILES for c in a.citations)
        assert not (tmp_path / "server-data").parent.joinpath(".rag").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


NO_NETWORK = r"""
import socket, sys
attempts = []
real_connect = socket.socket.connect
def guard(self, address):
    host = address[0] if isinstance(address, tuple) else address
    local = isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1"))
    if local or self.family == socket.AF_UNIX:
        return real_connect(self, address)
    attempts.append(address)
    raise OSError(f"network disabled in this test: {address}")
socket.socket.connect = guard
socket.socket.connect_ex = lambda self, address: (attempts.append(address), 111)[1]
real_getaddrinfo = socket.getaddrinfo
def guarded_getaddrinfo(host, *a, **k):
    if host not in (None, "localhost", "127.0.0.1", "::1"):
        attempts.append(("dns", host))
        raise socket.gaierror(f"network disabled in this test: {host}")
    return real_getaddrinfo(host, *a, **k)
socket.getaddrinfo = guarded_getaddrinfo
from rag import RAG, Settings
rag = RAG(Settings.from_env(index_dir=sys.argv[1]))
rag.ingest([sys.argv[2]])
a = rag.ask("Who is Russia's ambassador to Afghanistan?")
assert a.citations, a
print("ATTEMPTS", len(attempts), attempts)
"""


def test_no_network_connection_is_attempted_during_ingest_and_ask(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    out = subprocess.run([sys.executable, "-c", NO_NETWORK, str(tmp_path / "idx"), str(SEEDS)], capture_output=True,
                         text=True, cwd=ROOT, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "ATTEMPTS 0 []" in out.stdout, out.stdout


def test_rag_eval_on_the_dev_set_writes_all_four_outputs(tmp_path, real_rag: RAG):
    env = {"RAG_INDEX_DIR": str(real_rag.settings.index_dir)}
    out = cli("eval", "--limit", "6", "--out", str(tmp_path / "eval"), env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    for name in ("results.jsonl", "summary.json", "report.md", "metrics.png", "latency.png"):
        assert (tmp_path / "eval" / name).stat().st_size > 0, name
    summary = json.loads((tmp_path / "eval" / "summary.json").read_text())
    assert "Answer correct" in out.stdout and summary


# ---- the instruct tier: the 0.5B preset through the chat reader (skips, saying how to include it, when not installed)
QWEN = "qwen2.5-coder-0.5b"


@pytest.fixture(scope="module")
def qwen_rag(real_rag: RAG) -> RAG:
    from rag.models.presets import PRESETS

    if not PRESETS[QWEN].installed():
        pytest.skip(f"the {QWEN} preset is not installed: run `make model-qwen-0.5b` to include these tests")
    return RAG(real_rag.settings.with_overrides(model=QWEN), embedder=real_rag.embedder).load()


class TestQwen05Preset:
    def test_answers_in_a_sentence_with_its_marker_after_it(self, qwen_rag: RAG):
        a = qwen_rag.ask(Q)
        assert a.model == QWEN
        if a.abstained:  # a 0.5B model may decline; it must then say so, not write markers alone
            assert a.citations == [] and a.closest
            return
        assert a.citations and a.citations[0].quote  # what it cites is a shown sentence
        assert re.fullmatch(r"[^\[\]]*\w[^\[\]]* \[1\]\.?", a.text), a.text  # text first, then one marker

    def test_abstains_when_the_articles_do_not_say(self, qwen_rag: RAG):
        a = qwen_rag.ask("Who won the 2022 FIFA World Cup final?")
        assert a.abstained and a.closest

    def test_streams_text_pieces_then_the_checked_answer(self, qwen_rag: RAG):
        items = list(qwen_rag.stream("Who is the Taliban's foreign minister?"))
        pieces = [i for i in items if isinstance(i, str)]
        final = items[-1]
        assert len(pieces) > 1 and not isinstance(final, str)
        assert final.abstained or (final.citations and "[1]" in final.text)


def test_the_prompt_cache_restores_the_prefix_without_evaluating_it_and_answers_the_same(real_rag: RAG, tmp_path,
                                                                                         monkeypatch):
    from rag.answer import prompts

    gen = real_rag.generator
    prompt = (prompts.FEW_SHOT_PREFIX + "\nSources:\n[1] The Portvale harbour bridge reopened on Thursday after "
              "eight weeks of repairs.\nQuestion: When did the bridge reopen?\nAnswer:")

    def complete() -> str:
        return str(gen.llm.create_completion(prompt, max_tokens=8, temperature=0)["choices"][0]["text"])

    gen.warm(prompts.FEW_SHOT_PREFIX)
    expected = complete()
    gen.warm(prompts.FEW_SHOT_PREFIX, cache_dir=tmp_path)  # evaluates, then saves
    [saved] = tmp_path.glob("*.kv")
    with monkeypatch.context() as m:
        m.setattr(gen.llm, "eval", lambda tokens: pytest.fail("the cached prefix was evaluated again"))
        gen.warm(prompts.FEW_SHOT_PREFIX, cache_dir=tmp_path)
    assert complete() == expected
    saved.write_bytes(b"not a llama.cpp state")  # a damaged cache is evaluated again and rewritten
    gen.warm(prompts.FEW_SHOT_PREFIX, cache_dir=tmp_path)
    assert saved.stat().st_size > 1000 and complete() == expected

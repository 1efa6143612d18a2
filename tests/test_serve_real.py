"""`rag serve` for real: the official `openai` client against a served seeds index, and two servers on one Chroma
server, where an ingest from the CLI is answered from by both (the lexical index follows the store's generation)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from tests.conftest import SEEDS
from tests.servers import BIN, child_env, free_port, rag_cli, running

pytestmark = pytest.mark.realmodel

Q = "Who is Russia's ambassador to Afghanistan?"
KEY = "test-key-123"
ARTICLES = {p.name: " ".join(p.read_text(encoding="utf-8").split()) for p in SEEDS.iterdir() if p.is_file()}


def check_citations(citations: list[dict[str, Any]], articles: dict[str, str] = ARTICLES) -> None:
    """Every citation has the documented fields, names a real article, and quotes it word for word."""
    assert citations
    for c in citations:
        assert {"n", "source", "title", "url", "date", "outlet", "quote"} <= set(c)
        assert c["source"] in articles, c
        assert " ".join(c["quote"].split()) in articles[c["source"]], c


def serve(args: list[str], port: int, log: Path, **env: str) -> Any:
    return running([str(BIN / "rag"), "serve", "--port", str(port), *args], f"http://127.0.0.1:{port}/health", log,
                   env=child_env(**env), timeout=240)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`rag serve` (the default model) over a seeds index ingested by the CLI, with a key required."""
    tmp = tmp_path_factory.mktemp("serve")
    out = rag_cli("ingest", str(SEEDS), "--index-dir", str(tmp / "idx"))
    assert out.returncode == 0, out.stderr
    port = free_port()
    with serve(["--index-dir", str(tmp / "idx")], port, tmp / "serve.log", RAG_API_KEY=KEY):
        yield f"http://127.0.0.1:{port}/v1"


def test_openai_client_gets_an_answer_with_citations(served: str) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=served, api_key=KEY, max_retries=0, timeout=120)
    reply = client.chat.completions.create(model="gemma-270m", messages=[{"role": "user", "content": Q}])
    text = reply.choices[0].message.content or ""
    extra = reply.model_extra or {}
    assert "Zhirnov" in text and "[1]" in text, text
    assert extra["abstained"] is False
    check_citations(extra["citations"])
    assert any("Zhirnov" in c["quote"] for c in extra["citations"])
    assert [m.id for m in client.models.list()][0] == "gemma-270m"


def test_openai_client_streams_the_same_answer_and_the_citations_last(served: str) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=served, api_key=KEY, max_retries=0, timeout=120)
    plain = client.chat.completions.create(model="gemma-270m", messages=[{"role": "user", "content": Q}])
    chunks = list(client.chat.completions.create(model="gemma-270m", stream=True,
                                                  messages=[{"role": "user", "content": Q}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    last = chunks[-1].model_extra or {}
    assert chunks[-1].choices[0].finish_reason == "stop"
    check_citations(last["citations"])
    assert last["citations"] == (plain.model_extra or {})["citations"]


def test_openai_client_errors_are_typed_and_name_the_fix(served: str) -> None:
    import openai

    with pytest.raises(openai.AuthenticationError, match="RAG_API_KEY"):
        openai.OpenAI(base_url=served, api_key="wrong", max_retries=0).models.list()
    client = openai.OpenAI(base_url=served, api_key=KEY, max_retries=0)
    with pytest.raises(openai.NotFoundError, match="GET /v1/models"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": Q}])
    with pytest.raises(openai.BadRequestError, match="question"):
        client.chat.completions.create(model="gemma-270m", messages=[{"role": "user", "content": " "}])
    assert httpx.get(served.removesuffix("/v1") + "/health").json()["status"] == "ok"  # no key needed


EXTRA = """---
title: Quillbury opens its river bridge
outlet: Quillbury Courier
date: 2023-03-03
---
The mayor of Quillbury, Ottoline Fenwick, opened the new Tarrow river bridge on Friday. The bridge cost
4.2 million pounds and took two years to build. Fenwick said the crossing would cut the drive to the
station by twenty minutes.
"""


def test_two_servers_on_one_chroma_server_answer_from_an_ingest_made_after_they_started(tmp_path: Path) -> None:
    chroma_port, a_port, b_port = free_port(), free_port(), free_port()
    store = ["--chroma-host", "127.0.0.1", "--chroma-port", str(chroma_port)]
    # Each process its own cache folder, as on separate machines: none can read another's saved BM25 index.
    cache = {name: str(tmp_path / f"cache-{name}") for name in ("a", "b", "cli")}
    chroma = [str(BIN / "chroma"), "run", "--path", str(tmp_path / "chroma-data"), "--host", "127.0.0.1",
              "--port", str(chroma_port)]
    with running(chroma, f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat", tmp_path / "chroma.log", timeout=90), \
            serve(store, a_port, tmp_path / "a.log", XDG_CACHE_HOME=cache["a"]), \
            serve(store, b_port, tmp_path / "b.log", XDG_CACHE_HOME=cache["b"]):
        a, b = f"http://127.0.0.1:{a_port}/v1", f"http://127.0.0.1:{b_port}/v1"
        body = {"messages": [{"role": "user", "content": Q}]}
        early = httpx.post(f"{a}/chat/completions", json=body, timeout=120)
        assert early.status_code == 409 and "rag ingest" in early.json()["error"]["message"]

        out = rag_cli("ingest", str(SEEDS), *store, env=child_env(XDG_CACHE_HOME=cache["cli"]))
        assert out.returncode == 0, out.stderr
        for url in (b, a):  # b never saw an index before; a saw none at its first question
            reply = httpx.post(f"{url}/chat/completions", json=body, timeout=120)
            assert reply.status_code == 200, reply.text
            assert "Zhirnov" in reply.json()["choices"][0]["message"]["content"]
            check_citations(reply.json()["citations"])

        more = tmp_path / "more"
        more.mkdir()
        (more / "quillbury.txt").write_text(EXTRA, encoding="utf-8")
        out = rag_cli("ingest", str(SEEDS), str(more), *store, env=child_env(XDG_CACHE_HOME=cache["cli"]))
        assert out.returncode == 0, out.stderr
        for url in (a, b):  # both see the new article at their next request: dense (the server) and BM25 (rebuilt)
            hits = httpx.post(f"{url}/search", json={"query": "Ottoline Fenwick Tarrow bridge", "top_k": 3},
                              timeout=60).json()["data"]
            assert hits[0]["source"] == "quillbury.txt" and hits[0]["outlet"] == "Quillbury Courier", hits
            reply = httpx.post(f"{url}/chat/completions", timeout=120, json={"messages": [
                {"role": "user", "content": "Who is the mayor of Quillbury?"}]}).json()
            assert "Fenwick" in reply["choices"][0]["message"]["content"], reply
            check_citations(reply["citations"], {**ARTICLES, "quillbury.txt": " ".join(EXTRA.split())})
    for name in ("a", "b"):  # each server rebuilt its own BM25 copy from the store when the generation moved
        saved = list(Path(cache[name]).rglob("lexical/chunks.json"))
        assert saved and json.loads(saved[0].read_text())["generation"] >= 2, saved


if __name__ == "__main__":  # pragma: no cover - run one file by hand
    sys.exit(pytest.main([__file__, "-q"]))

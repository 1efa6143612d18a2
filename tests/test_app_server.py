"""app start-up and wiring on fakes: address, seeding an empty index, example questions, the queued events,
and the /ask endpoint through gradio_client against the app served in-process."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from app import server
from app.examples import example_questions
from app.ui import LLM, build, corpus_examples
from rag import RAG, RagError

from .conftest import SEEDS, FakeEmbedder, FakeGenerator

Q = "Who is Russia's ambassador to Afghanistan?"


def test_address_defaults_to_localhost_7860_and_honours_gradio_env(monkeypatch):
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    assert server.address() == ("127.0.0.1", 7860)
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "8123")
    assert server.address() == ("0.0.0.0", 8123)
    monkeypatch.setenv("GRADIO_SERVER_PORT", "eighty")
    with pytest.raises(RagError, match="GRADIO_SERVER_PORT"):
        server.address()


def test_upload_dir_from_env(monkeypatch, tmp_path):
    monkeypatch.delenv("RAG_UPLOAD_DIR", raising=False)
    assert server.upload_dir() == server.ROOT / "uploads"
    monkeypatch.setenv("RAG_UPLOAD_DIR", str(tmp_path / "up"))
    assert server.upload_dir() == tmp_path / "up"


def test_prepare_loads_models_and_seeds_an_empty_index_once(settings, tmp_path, capsys):
    rag = RAG(settings, embedder=FakeEmbedder(), generator=FakeGenerator())
    loads = []
    real_load = rag.load
    rag.load = lambda step=None: loads.append(1) or real_load(step)  # type: ignore[method-assign]
    server.prepare(rag, SEEDS)
    assert loads == [1]  # both models load at start-up, before any question
    assert len(rag.articles()) == len(list(SEEDS.glob("*.txt")))
    out = capsys.readouterr().out
    assert "adding the seed articles" in out
    assert "loading the embedder" in out and "loading the lexical index" in out  # start-up shows its progress
    server.prepare(rag, SEEDS)
    assert "adding the seed articles" not in capsys.readouterr().out  # not empty any more


def test_example_questions_come_from_the_corpus(fake_rag):
    questions = corpus_examples(fake_rag)
    assert 1 <= len(questions) <= 4 and all(q.startswith("Who is ") and q.endswith("?") for q in questions)
    corpus = " ".join(c.text for c in fake_rag.store().all_chunks())
    for q in questions:
        assert q[len("Who is "):-1] in corpus  # every example names someone the articles mention
    assert example_questions([]) == []


def test_generation_is_queued_one_at_a_time_and_only_ask_is_public(fake_rag, tmp_path):
    demo = build(fake_rag, tmp_path / "uploads")
    fns = {f.api_name: f for f in demo.fns.values()}
    model_users = [f for f in fns.values() if f.name in ("respond", "upload", "ask_api")]
    assert len(model_users) == 5  # Enter, Ask button, example click; upload; /ask
    assert all(f.concurrency_limit == 1 and f.concurrency_id == LLM for f in model_users)
    public = [name for name, f in fns.items() if f.api_visibility == "public"]
    assert public == ["ask"]
    stop_cancels = [d for d in demo.get_config_file()["dependencies"] if d["cancels"]]
    respond_ids = sorted(i for i, f in demo.fns.items() if f.name == "respond")
    assert stop_cancels and all(sorted(d["cancels"]) == respond_ids for d in stop_cancels)


def test_chatbot_never_renders_markup_it_did_not_build(fake_rag, tmp_path):
    config = build(fake_rag, tmp_path / "uploads").get_config_file()
    [chat] = [c["props"] for c in config["components"] if c["type"] == "chatbot"]
    assert chat["sanitize_html"] is True and chat["render_markdown"] is False
    assert chat["latex_delimiters"] == [] and chat["allow_tags"] is False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")  # Gradio's own pandas deprecations
def test_ask_endpoint_via_gradio_client_on_fakes(settings, fake_embedder, fake_rag, tmp_path: Path):
    from gradio_client import Client

    rag = RAG(settings, embedder=fake_embedder, generator=FakeGenerator(default=" Dmitry Zhirnov"))
    demo = build(rag, tmp_path / "uploads")
    demo.queue(default_concurrency_limit=1)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, ssr_mode=False)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        got = client.predict(Q, api_name="/ask")
        assert got == rag.ask(Q).to_json()
        assert got["answer"].startswith("Dmitry Zhirnov")
        with pytest.raises(Exception, match="The question is empty"):
            client.predict("", api_name="/ask")
    finally:
        demo.close()

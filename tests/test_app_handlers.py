"""app.handlers on fakes: streaming into per-session turns, follow-ups, stop, clear, errors, uploads, /ask."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest

from app.handlers import Handlers
from app.session import Turn, history
from app.uploads import safe_name
from rag import RAG

from .conftest import FakeGenerator

Q = "Who is Russia's ambassador to Afghanistan?"


def handlers(settings, fake_embedder, tmp_path: Path, *replies, chat=False) -> tuple[Handlers, FakeGenerator]:
    gen = FakeGenerator(replies, chat=chat)
    rag = RAG(settings, embedder=fake_embedder, generator=gen)
    return Handlers(rag, tmp_path / "uploads"), gen


def ask(h: Handlers, question: str, turns: list[Turn] | None = None, **options) -> list[tuple]:
    """What one press of Ask produces: the instant echo, then every streamed update."""
    _, chat, turns = h.submit(question, turns or [])
    assert chat[-2]["role"] == "user" and "Searching" in chat[-1]["content"]
    return list(h.respond(turns, **options))


def no_progress(*_args, **_kwargs) -> None:
    return None


class Select:
    """A stand-in for gr.SelectData (only the fields the handlers read)."""

    def __init__(self, index=None, value=None) -> None:
        self.index, self.value = index, value


def test_submit_echoes_the_question_and_clears_the_box(fake_rag, settings, fake_embedder, tmp_path):
    h, _ = handlers(settings, fake_embedder, tmp_path)
    box, chat, turns = h.submit("  Who is he?  ", [])
    assert box == "" and turns == [Turn("Who is he?", status="Searching the articles…")]
    assert chat[0] == {"role": "user", "content": "Who is he?"}
    with pytest.raises(gr.Error, match="Type a question"):
        h.submit("   ", [])


def test_answer_streams_piece_by_piece_then_shows_sources(fake_rag, settings, fake_embedder, tmp_path):
    h, _ = handlers(settings, fake_embedder, tmp_path, " Dmitry Zhirnov")
    outputs = ask(h, Q)
    chats = [o[0][-1]["content"] for o in outputs]
    assert any("Dmitry" in c and "Zhirnov" not in c and "cursor" in c for c in chats)  # a partial answer
    final_chat, final_sources, turns = outputs[-1]
    assert "Dmitry Zhirnov" in final_chat[-1]["content"] and ">[1]</span>" in final_chat[-1]["content"]
    assert "003_26008f194e877180.txt" in final_sources and "<mark>" in final_sources
    assert all(o[1] == gr.skip() for o in outputs[1:-1])  # sources are not re-sent per token
    [turn] = turns
    assert turn.answer is not None and turn.answer.text.startswith("Dmitry Zhirnov") and turn.done
    assert turn.answer.text.endswith("[1]")


def test_settings_reach_the_pipeline(fake_rag, settings, fake_embedder, tmp_path, monkeypatch):
    h, _ = handlers(settings, fake_embedder, tmp_path, " Dmitry Zhirnov")
    seen = {}
    real = h.rag.stream

    def spy(question, history=None, **options):
        seen.update(options, history=history)
        return real(question, history=history, **options)

    monkeypatch.setattr(h.rag, "stream", spy)
    ask(h, Q, top_k=3.0, temperature=0.4, max_passages=2.0)
    assert seen["top_k"] == 3 and seen["temperature"] == 0.4 and seen["max_passages"] == 2


def test_follow_up_gets_the_earlier_turns_as_history(fake_rag, settings, fake_embedder, tmp_path, monkeypatch):
    h, gen = handlers(settings, fake_embedder, tmp_path, " Dmitry Zhirnov", " Amir Khan Muttaqi")
    turns = ask(h, Q)[-1][2]
    seen = {}
    real = h.rag.stream

    def spy(question, history=None, **options):
        seen["history"] = history
        return real(question, history=history, **options)

    monkeypatch.setattr(h.rag, "stream", spy)
    first = turns[0].answer.text
    assert "Dmitry Zhirnov" in first
    turns = ask(h, "Whom did he meet in Kabul?", turns)[-1][2]
    assert seen["history"] == [{"role": "user", "content": Q}, {"role": "assistant", "content": first}]
    assert len(turns) == 2 and [t.question for t in turns] == [Q, "Whom did he meet in Kabul?"]
    assert "Whom did he meet in Kabul?" in gen.prompts[1].text


def test_each_session_keeps_its_own_conversation(fake_rag, settings, fake_embedder, tmp_path):
    """Handlers hold no conversation: two sessions' turns, streamed interleaved, never mix."""
    h, _ = handlers(settings, fake_embedder, tmp_path, " Dmitry Zhirnov", " Amir Khan Muttaqi")
    _, _, a = h.submit(Q, [])
    _, _, b = h.submit("Who is the Taliban foreign minister?", [])
    stream_a, stream_b = h.respond(a), h.respond(b)
    next(stream_a), next(stream_b)
    out_a, out_b = list(stream_a)[-1], list(stream_b)[-1]
    assert [t.question for t in out_a[2]] == [Q] and [t.question for t in out_b[2]] == [b[0].question]
    assert out_a[2][0].answer.short == "Dmitry Zhirnov" and out_b[2][0].answer.short == "Amir Khan Muttaqi"
    assert "Dmitry Zhirnov" in out_a[0][-1]["content"] and "Dmitry Zhirnov" not in out_b[0][-1]["content"]
    assert "003_26008f194e877180.txt" in out_a[1] and "Taliban foreign minister" in out_b[1]


def test_stop_keeps_what_streamed_and_leaves_it_out_of_the_history(fake_rag, settings, fake_embedder, tmp_path):
    h, _ = handlers(settings, fake_embedder, tmp_path, " Dmitry Zhirnov")
    _, _, turns = h.submit(Q, [])
    stream = h.respond(turns)
    next(stream), next(stream)  # the echo and the first piece
    stream.close()  # what Gradio's cancel does to the generator
    chat, sources, turns = h.stop(turns)
    assert turns[0].stopped and turns[0].partial.strip() == "Dmitry"
    assert "Stopped." in chat[-1]["content"] and "Dmitry" in chat[-1]["content"]
    assert "stopped" in sources
    assert history(turns) == [{"role": "user", "content": Q}]
    assert list(h.respond(turns)) == []  # nothing left to answer


def test_clear_empties_the_chat_and_sources(fake_rag, settings, fake_embedder, tmp_path):
    h, _ = handlers(settings, fake_embedder, tmp_path)
    chat, sources, turns = h.clear()
    assert chat == [] and turns == [] and "Every answer cites" in sources


def test_errors_become_messages_that_say_what_to_do(settings, fake_embedder, tmp_path, recwarn):
    h, _ = handlers(settings, fake_embedder, tmp_path, " x")  # nothing ingested in this index
    chat, sources, turns = ask(h, Q)[-1]
    assert "rag ingest seeds/" in turns[0].error and "rag ingest seeds/" in chat[-1]["content"]
    assert "Could not answer" in chat[-1]["content"] and "Traceback" not in chat[-1]["content"]
    chat, _, turns = ask(h, "x" * (settings.max_question_chars + 1))[-1]
    assert "Ask a shorter question" in turns[0].error


def test_unexpected_failure_is_reported_not_swallowed(fake_rag, settings, fake_embedder, tmp_path, monkeypatch,
                                                     recwarn):
    h, _ = handlers(settings, fake_embedder, tmp_path)

    def boom(*_a, **_k):
        raise ValueError("disk on fire")

    monkeypatch.setattr(h.rag, "stream", boom)
    chat, _, turns = ask(h, Q)[-1]
    assert "ValueError: disk on fire" in turns[0].error and "terminal" in turns[0].error


def test_clicking_a_message_shows_that_turns_sources(fake_rag, settings, fake_embedder, tmp_path):
    h, _ = handlers(settings, fake_embedder, tmp_path, " Dmitry Zhirnov", " Amir Khan Muttaqi")
    turns = ask(h, Q)[-1][2]
    turns = ask(h, "Who is the Taliban foreign minister?", turns)[-1][2]
    assert "Russia&#x27;s ambassador" in h.select_turn(turns, Select(index=1))
    assert "Taliban foreign minister" in h.select_turn(turns, Select(index=3))
    assert "Taliban foreign minister" in h.select_turn(turns, Select(index=None))
    assert h.pick_example(Select(value={"text": "Who is X?"})) == "Who is X?"


def test_upload_copies_checks_and_ingests(fake_rag, settings, fake_embedder, tmp_path, recwarn):
    h, _ = handlers(settings, fake_embedder, tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = inbox / "Zorblax festival.md"
    good.write_text("# Zorblax bakery festival\n\nThe mayor of Zorblax, Kira Vent, opened the festival.\n")
    pdf = inbox / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    empty = inbox / "empty.txt"
    empty.write_text("")
    big = inbox / "big.txt"
    big.write_text("word " * (settings.max_file_bytes // 5 + 1))

    table, header, accordion, cleared, status = h.upload([str(good), str(pdf), str(empty), str(big)],
                                                          progress=no_progress)
    saved = tmp_path / "uploads" / "Zorblax_festival.md"
    assert saved.exists() and cleared is None
    assert "Zorblax_festival.md" in table and "6 articles" in header and "6 articles" in accordion.label
    assert "added 1" in status
    assert "report.pdf" in status and ".txt, .md or .html" in status
    assert "empty.txt" in status and "big.txt" in status and "RAG_MAX_FILE_BYTES" in status
    assert {str(w.message) for w in recwarn if "report.pdf" in str(w.message)}  # also a gr.Warning toast

    *_, status = h.upload([str(good)], progress=no_progress)
    assert "unchanged 1" in status  # the same rules as `rag ingest`: nothing re-embedded
    with pytest.raises(gr.Error, match="Choose one or more"):
        h.upload([], progress=no_progress)


def test_upload_limits_the_number_of_files(fake_rag, settings, fake_embedder, tmp_path, recwarn):
    h, _ = handlers(settings, fake_embedder, tmp_path)
    h.max_upload_files = 2
    files = []
    for i in range(3):
        f = tmp_path / f"a{i}.txt"
        f.write_text(f"Article {i} about the Zorblax festival and its many visitors.")
        files.append(str(f))
    *_, status = h.upload(files, progress=no_progress)
    assert "over the limit of 2" in status and "Nothing was added" in status


def test_upload_names_cannot_escape_the_uploads_folder():
    assert safe_name("../../x/<img src=x onerror=alert(1)>.TXT") == "img_src_x_onerror_alert_1.txt"
    assert safe_name("..") == "article"


def test_ask_api_returns_the_rag_ask_json_shape(fake_rag, settings, fake_embedder, tmp_path):
    h, gen = handlers(settings, fake_embedder, tmp_path)
    gen.default = " Dmitry Zhirnov"
    out = h.ask_api(Q)
    assert out == h.rag.ask(Q).to_json()  # exactly what `rag ask --json` prints
    assert {"answer", "abstained", "citations", "flagged", "closest"} <= set(out)
    assert out["answer"].startswith("Dmitry Zhirnov") and out["abstained"] is False
    assert out["citations"][0]["source"] == "003_26008f194e877180.txt"
    with pytest.raises(gr.Error, match="empty"):
        h.ask_api("  ")

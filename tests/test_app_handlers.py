"""app.handlers on fakes: streaming into per-session turns, follow-ups, stop, clear, errors, uploads, /ask,
and the date / outlet filters over a hand-made dated corpus."""

from __future__ import annotations

import json
import socket
from datetime import date
from pathlib import Path

import gradio as gr
import pytest

from app.handlers import Handlers, outlet_choices
from app.session import Turn, history
from app.uploads import safe_name
from rag import RAG, Article

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
    saved = tmp_path / "uploads" / "Zorblax festival.md"  # the name is kept (tests/test_uploads.py has more)
    assert saved.exists() and cleared is None
    assert "Zorblax festival.md" in table and "6 articles" in header and "6 articles" in accordion.label
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
    assert safe_name("../../x/<img src=x onerror=alert(1)>.TXT") == "_img src=x onerror=alert(1)_.txt"
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


# ---------------------------------------------------------------------------------------------- filters
# A hand-made dated corpus: the same town in two months, and a near-copy of the March story in another outlet.
MAYOR_Q = "Who is the mayor of Quillmere?"
JAN_TEXT = ("Ada Brenn was elected mayor of Quillmere on Thursday, the town council said. "
            "The new mayor of Quillmere, Ada Brenn, promised to repair the old ferry pier before the summer. "
            "Brenn, a former harbour pilot, won 61 percent of the vote.")
MAR_TEXT = ("Tomas Reyl was sworn in as mayor of Quillmere on Wednesday after a recount. "
            "The mayor of Quillmere, Tomas Reyl, said the ferry pier would close for repairs in April. "
            "Reyl, who ran the town's lifeboat station for a decade, thanked the volunteers who counted the ballots.")
DATED = [
    {"title": "Quillmere elects Ada Brenn as mayor", "text": JAN_TEXT, "publish_date": "2023-01-12",
     "outlet": "Harbour Gazette", "authors": ["Lena Ortiz"], "url": "https://harbour-gazette.example/quillmere-mayor"},
    {"title": "Tomas Reyl sworn in as Quillmere mayor", "text": MAR_TEXT, "publish_date": "2023-03-08",
     "outlet": "Valley Times", "authors": ["Sam Okafor"], "url": "https://valley-times.example/quillmere-reyl"},
    {"title": "Tomas Reyl sworn in as mayor of Quillmere", "text": MAR_TEXT, "publish_date": "2023-03-09",
     "outlet": "Coast Wire", "url": "https://coast-wire.example/reyl"},
]


def write_dated_corpus(folder: Path) -> Path:
    """The records above as a JSONL file in `folder` (shared with the browser test)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "quillmere.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in DATED), encoding="utf-8")
    return path


@pytest.fixture
def dated(settings, fake_embedder, tmp_path) -> tuple[Handlers, FakeGenerator]:
    """Handlers over the dated corpus alone, answering with a queue of replies set by each test."""
    h, gen = handlers(settings, fake_embedder, tmp_path)
    h.rag.ingest([write_dated_corpus(tmp_path / "dated")])
    return h, gen


def cited(turns: list[Turn]) -> list[tuple[str, str]]:
    answer = turns[-1].answer
    assert answer is not None
    return [(c.outlet, c.date) for c in (answer.closest if answer.abstained else answer.citations)]


def test_date_and_outlet_filters_decide_which_article_is_cited(dated):
    h, gen = dated
    gen.replies = [" Tomas Reyl", " Ada Brenn", " Ada Brenn"]
    turns = ask(h, MAYOR_Q, since="2023-03-01")[-1][2]
    assert cited(turns) == [("Valley Times", "2023-03-08")]  # the earlier of the two copies, the other named
    assert turns[-1].answer.citations[0].also_in == ("Coast Wire",)
    turns = ask(h, MAYOR_Q, turns, since="", until=" 31 January 2023 ")[-1][2]
    assert cited(turns) == [("Harbour Gazette", "2023-01-12")]
    chat, sources, turns = ask(h, MAYOR_Q, turns, outlets=["Harbour Gazette"])[-1]
    assert cited(turns) == [("Harbour Gazette", "2023-01-12")]
    assert "Harbour Gazette" in sources and "12 Jan 2023" in sources and "by Lena Ortiz" in sources
    assert "published 12 Jan 2023" in chat[-1]["content"]


def test_filters_and_as_of_reach_the_pipeline_parsed(dated, monkeypatch):
    h, gen = dated
    gen.default = " Tomas Reyl"
    seen = {}
    real = h.rag.stream

    def spy(question, history=None, **options):
        seen.update(options)
        return real(question, history=history, **options)

    monkeypatch.setattr(h.rag, "stream", spy)
    ask(h, MAYOR_Q, since="2023-03-01", until="", outlets=["Valley Times", "Coast Wire"], as_of="2023-03-10")
    assert seen["since"] == date(2023, 3, 1) and seen["until"] is None and seen["as_of"] == date(2023, 3, 10)
    assert seen["outlets"] == ["Valley Times", "Coast Wire"]
    ask(h, MAYOR_Q, since=None, until=None, outlets=None, as_of=None)
    assert seen["since"] is seen["until"] is seen["outlets"] is seen["as_of"] is None  # blank = no limit


def test_a_date_that_does_not_parse_is_a_message_naming_the_box_not_a_traceback(dated, recwarn):
    h, gen = dated
    chat, sources, turns = ask(h, MAYOR_Q, since="2023-13-45")[-1]
    assert turns[-1].error.startswith("The “Since” box: Could not read '2023-13-45' as a date: use YYYY-MM-DD")
    assert "Could not answer" in chat[-1]["content"] and "YYYY-MM-DD" in chat[-1]["content"]
    assert "Traceback" not in chat[-1]["content"] and gen.prompts == []  # nothing was asked of the model
    assert not [w for w in recwarn if "box" in str(w.message)]  # the box warned when it was left: no second toast
    *_, turns = ask(h, MAYOR_Q, turns, as_of="03/04/2023")[-1]
    assert "“As of” box" in turns[-1].error and "ambiguous" in turns[-1].error
    *_, turns = ask(h, MAYOR_Q, turns, since="2023-03-01", until="2023-01-01")[-1]
    assert "Swap them" in turns[-1].error  # the library's own check of the window


def test_date_boxes_warn_when_left_with_a_bad_date(recwarn):
    Handlers.check_dates("2023-03-01", "", None)
    assert not [w for w in recwarn if "box" in str(w.message)]
    Handlers.check_dates("", "yesterday-ish", "")
    [warning] = [w for w in recwarn if "box" in str(w.message)]
    assert "The “Until” box" in str(warning.message) and "YYYY-MM-DD" in str(warning.message)


def test_outlet_box_offers_the_corpus_outlets_most_articles_first(dated, settings, fake_embedder, tmp_path):
    h, _ = dated
    assert h.outlet_filter().choices == [("Coast Wire (1)", "Coast Wire"), ("Harbour Gazette (1)", "Harbour Gazette"),
                                         ("Valley Times (1)", "Valley Times")]
    nothing = RAG(settings.with_overrides(index_dir=tmp_path / "no-index"), embedder=fake_embedder)
    assert Handlers(nothing, tmp_path / "uploads").outlet_filter().choices == []  # no index yet: no outlets
    assert outlet_choices([Article("k1", "a", "t", "h", 1, outlet="B"), Article("k2", "b", "t", "h", 1, outlet="A"),
                           Article("k3", "c", "t", "h", 1, outlet="B"), Article("k4", "d", "t", "h", 1)]) == \
        [("B (2)", "B"), ("A (1)", "A")]


def test_ask_api_takes_the_filters_as_optional_parameters(dated):
    h, gen = dated
    gen.replies = [" Ada Brenn", " Tomas Reyl", " Tomas Reyl"]
    out = h.ask_api(MAYOR_Q, until="2023-01-31")
    assert [(c["outlet"], c["date"]) for c in out["citations"]] == [("Harbour Gazette", "2023-01-12")]
    out = h.ask_api(MAYOR_Q, outlets="Valley Times, Coast Wire", as_of="2023-03-10")
    assert {c["outlet"] for c in out["citations"]} <= {"Valley Times", "Coast Wire"}
    assert h.ask_api(MAYOR_Q)["citations"]  # no filters: as before
    with pytest.raises(gr.Error, match="since: Could not read 'soon' as a date"):
        h.ask_api(MAYOR_Q, since="soon")


@pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")  # Gradio's own pandas deprecations
def test_ask_endpoint_filters_through_gradio_client_and_plain_calls_still_work(dated):
    from gradio_client import Client

    from app.ui import build

    h, gen = dated
    gen.default = " Tomas Reyl"
    demo = build(h.rag, h.upload_dir)
    demo.queue(default_concurrency_limit=1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, ssr_mode=False)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        plain = client.predict(MAYOR_Q, api_name="/ask")  # existing callers: the question alone
        assert plain == h.rag.ask(MAYOR_Q).to_json()
        gen.default = " Ada Brenn"
        got = client.predict(MAYOR_Q, until="2023-01-31", api_name="/ask")
        assert [(c["outlet"], c["date"]) for c in got["citations"]] == [("Harbour Gazette", "2023-01-12")]
        got = client.predict(MAYOR_Q, outlets=["Harbour Gazette"], api_name="/ask")
        assert {c["outlet"] for c in got["citations"]} == {"Harbour Gazette"}
        with pytest.raises(Exception, match="until: Could not read"):
            client.predict(MAYOR_Q, until="31/31/2023", api_name="/ask")
    finally:
        demo.close()


def test_handler_docstring_examples():
    import doctest

    import app.handlers

    result = doctest.testmod(app.handlers)
    assert result.attempted > 0 and result.failed == 0

"""Question validation in one place (rag.answer.question): undecodable text, control characters, emptiness."""

from __future__ import annotations

import doctest

import gradio as gr
import pytest

import rag.answer.question as question_module
from app.handlers import Handlers
from rag import RAG, BadQuestion
from rag.answer.question import clean

from .conftest import FakeGenerator

Q = "Who is Russia's ambassador to Afghanistan?"


def test_docstring_examples():
    result = doctest.testmod(question_module)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("raw", [
    "\x00\x01\x02\x1b\x7f",  # C0 controls and DEL
    "\u200b\u202e\u2066\ufeff",  # zero-width space, bidi override and isolate, BOM
    "\x1c\x1d\x85\u2028 \t\n",  # separators Python calls whitespace
    "\udcff\ud800",  # lone surrogates only
    "?!…",  # punctuation, no word
])
def test_questions_with_nothing_to_ask_are_empty(raw):
    with pytest.raises(BadQuestion, match="empty.*type a question"):
        clean(raw)


def test_undecodable_bytes_and_lone_surrogates_become_encodable_text():
    # What a terminal hands over for bytes it could not decode (Python's surrogateescape), and JSON's "\ud800".
    for raw in ("Who is the mayor of Caf\udce9?", "Who is the mayor of \ud83d Zorblax?", "\udcc3\udca9t\udce9 mayor"):
        text = clean(raw)
        text.encode("utf-8")  # no UnicodeEncodeError: every tokenizer can take it
        assert "mayor" in text and "\ufffd" in text
    assert clean("\udcc3\udca9t\udce9") == "ét\ufffd"  # the UTF-8 bytes among them are restored


def test_cleaning_keeps_what_words_need():
    assert clean("  Who  is\tthe   mayor?\n") == "Who is the mayor?"
    assert clean("Cafe\u0301 owners?") == "Café owners?"  # NFC
    assert clean("کتاب\u200cها کجاست؟") == "کتاب\u200cها کجاست؟"  # the Persian zero-width non-joiner stays
    assert clean("Who is 李强?") == "Who is 李强?"
    with pytest.raises(BadQuestion, match="limit is 10"):
        clean("x" * 11, max_chars=10)
    with pytest.raises(BadQuestion, match="must be text"):
        clean(None)


# ---------------------------------------------------------------- through the pipeline (regressions)
def rag_on(settings, fake_embedder, *replies) -> tuple[RAG, FakeGenerator]:
    gen = FakeGenerator(replies)
    return RAG(settings, embedder=fake_embedder, generator=gen), gen


@pytest.mark.parametrize("bad", ["\udcff", "\ud800"])
def test_lone_surrogate_in_a_question_is_answered_not_a_type_error(fake_rag, settings, fake_embedder, bad):
    # Before: the tokenizers raised (TypeError: TextEncodeInput with the real embedder, UnicodeEncodeError here).
    rag, gen = rag_on(settings, fake_embedder, " Dmitry Zhirnov")
    answer = rag.ask(Q[:-1] + bad + "?")
    assert not answer.abstained and answer.short == "Dmitry Zhirnov"
    answer.question.encode("utf-8")
    gen.prompts[0].text.encode("utf-8")
    # retrieval alone (a public method) cleans too
    assert rag.retrieve(Q + bad)


def test_lone_surrogate_in_the_history_of_a_follow_up_is_no_type_error(fake_rag, settings, fake_embedder):
    rag, _ = rag_on(settings, fake_embedder, " Sirajuddin Haqqani")
    history = [{"role": "user", "content": "Who is Zamir Kabulov\udcff?"},
               {"role": "assistant", "content": "Special Envoy of the Russian President\ud800 [1]"}]
    answer = rag.ask("Did he meet any other Taliban leader?", history=history)
    answer.retrieval_query.encode("utf-8")


def test_question_of_control_characters_is_empty_through_the_pipeline(fake_rag, settings, fake_embedder):
    rag, gen = rag_on(settings, fake_embedder, " x")
    with pytest.raises(BadQuestion, match="empty"):
        rag.ask("\x00\x07\x1b\x7f\u200b")
    assert gen.prompts == []  # nothing reached the model


def test_app_refuses_a_control_character_question_at_once_and_shows_the_cleaned_text(fake_rag, settings,
                                                                                       fake_embedder, tmp_path):
    rag, _ = rag_on(settings, fake_embedder, " Dmitry Zhirnov")
    h = Handlers(rag, tmp_path / "uploads")
    with pytest.raises(gr.Error, match="empty"):
        h.submit("\x00\x07\u200b", [])
    _, _, turns = h.submit(Q[:-1] + "\udcff?", [])
    turns[-1].question.encode("utf-8")  # what the page shows back can be sent as JSON
    *_, (chat, _, turns) = list(h.respond(turns))
    assert not turns[-1].error and "Dmitry Zhirnov" in chat[-1]["content"]

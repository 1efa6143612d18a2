"""A chat model's reply, tidied (marker-only, runaway repetition, marker placement, declines), alone and through the
pipeline on a fake chat generator with queued replies. The cases are invented, in the shapes small models produce."""

from __future__ import annotations

import pytest

from rag import RAG
from rag.answer import prompts
from rag.answer.chat_output import declines, keep_supporting_markers, tidy
from rag.answer.question import read as read_question
from rag.answer.reader import read

from .conftest import FakeGenerator

Q = "Who is Russia's ambassador to Afghanistan?"


@pytest.mark.parametrize("raw", ["[1]", " [2] ", "[1] [2] [3] [2] [1] [1] [1] [1]", "[1][2]."])
def test_a_reply_of_markers_only_leaves_no_text(raw):
    reply = tidy(raw, 3)
    assert reply.text == "" and "marker-only" in reply.problems and not reply.declined
    assert reply.pointed and set(reply.pointed) <= {1, 2, 3}


def test_a_run_of_markers_collapses_to_its_distinct_numbers():
    reply = tidy("The envoy arrived in Kabul [1] [2] [1] [1] [2] [1] [1]", 3)
    assert reply.text == "The envoy arrived in Kabul [1] [2]" and "repetition" in reply.problems


def test_a_phrase_repeated_until_max_tokens_is_cut_after_its_first_saying():
    raw = "The talks were held in Doha [2], in Doha [2], in Doha [2], in Doha [2], in Doha"
    reply = tidy(raw, 3)
    assert reply.text.count("Doha") == 1 and reply.text.startswith("The talks were held in Doha [2]")
    assert "repetition" in reply.problems


def test_a_sentence_said_twice_is_kept_once():
    reply = tidy("Prices rose by 4 percent [1]. Prices rose by 4 percent [1].", 2)
    assert reply.text == "Prices rose by 4 percent [1]." and "repetition" in reply.problems


def test_markers_written_before_their_sentences_move_after_them():
    reply = tidy("[2] The mayor opened the bridge in 1998. [1] Traffic has doubled.", 2)
    assert reply.text == "The mayor opened the bridge in 1998 [2]. Traffic has doubled [1]."
    assert "markers-moved" in reply.problems


def test_markers_after_the_sentence_stay_where_they_are():
    assert tidy("The mayor opened the bridge [2].", 2) == tidy("The mayor opened the bridge [2].", 2)
    assert tidy("The mayor opened the bridge [2].", 2).text == "The mayor opened the bridge [2]."
    assert tidy("The mayor opened the bridge. [2]", 2).problems == ()


def test_markers_naming_sources_never_shown_are_dropped_and_spelled_out_markers_normalised():
    reply = tidy("The mayor opened it [Source 2] [7].", 3)
    assert reply.text == "The mayor opened it [2]." and "unknown-source" in reply.problems


@pytest.mark.parametrize("raw", [
    "NOT IN SOURCES", "Not in the sources.", "The sources do not say who won the vote.",
    "The provided articles don't mention the price.", "There is no information about this in the sources.",
    "I cannot answer that from the given text.", "Unknown.", "None of the sources mention a date [1].",
])
def test_a_decline_in_the_models_own_words_is_recognised(raw):
    assert tidy(raw, 3).declined and declines(raw)


@pytest.mark.parametrize("raw", [
    "The minister did not comment on the deal [1].", "No agreement was reached in Doha [2].",
    "The article was published on Monday [1].",
])
def test_negations_about_the_world_are_answers_not_declines(raw):
    reply = tidy(raw, 3)
    assert not reply.declined and reply.text


def test_only_the_markers_whose_passage_supports_the_claim_alone_are_kept():
    passages = {1: "The bridge was opened by Paula Meres in 1998.", 2: "Traffic to Ulvik has doubled since then."}
    assert keep_supporting_markers("Paula Meres opened the bridge in 1998 [1][2].", passages) == \
        "Paula Meres opened the bridge in 1998 [1]."
    both = "Paula Meres opened the bridge, and traffic to Ulvik doubled [1][2]."
    assert keep_supporting_markers(both, passages) == both  # neither alone supports it: both stay


def test_the_chat_reader_sends_the_fixed_examples_and_stops_at_the_end_of_the_line():
    gen = FakeGenerator(["Dmitry Zhirnov [1]."], chat=True)
    from .test_reader import passage

    shown = [passage("Dmitry Zhirnov is the Russian ambassador to Afghanistan.")]
    run = read(gen, read_question(Q), shown, max_tokens=48, temperature=0.0)
    assert "".join(run.pieces) == "Dmitry Zhirnov [1]." and run.style == "chat"
    messages = gen.prompts[0].messages
    assert messages[0] == ("system", prompts.CHAT_SYSTEM) and messages[1:-1] == prompts.CHAT_EXAMPLES
    assert "Zhirnov" in messages[-1][1] and messages[-1][0] == "user"


# ---- through the pipeline: RAG.ask on the seeds with a fake chat model
@pytest.fixture
def chat_rag(fake_rag: RAG) -> RAG:
    fake_rag._generator = FakeGenerator(chat=True)
    return fake_rag


def replies(rag: RAG, *texts: str) -> None:
    assert isinstance(rag._generator, FakeGenerator)
    rag._generator.replies = list(texts)


def test_pipeline_a_marker_only_reply_is_an_abstention_with_the_closest_passages(chat_rag: RAG):
    replies(chat_rag, "[1] [2] [3] [2] [1] [1] [1] [1] [1]")
    a = chat_rag.ask(Q)
    assert a.abstained and a.closest and "[" not in a.text


def test_pipeline_a_decline_in_other_words_is_an_abstention(chat_rag: RAG):
    replies(chat_rag, "The provided sources do not mention the ambassador.")
    assert chat_rag.ask(Q).abstained


def test_pipeline_leading_markers_end_up_after_the_sentence_they_support(chat_rag: RAG):
    replies(chat_rag, "[1] Dmitry Zhirnov is the Russian ambassador.")
    a = chat_rag.ask(Q)
    assert not a.abstained and a.text.startswith("Dmitry Zhirnov is the Russian ambassador [1]")
    assert "Zhirnov" in a.citations[0].quote


def test_pipeline_a_runaway_reply_is_cut_and_checked(chat_rag: RAG):
    replies(chat_rag, "Dmitry Zhirnov is the ambassador [1] [1] [1] [1], the ambassador [1], the ambassador [1], "
                      "the ambassador [1]")
    a = chat_rag.ask(Q)
    assert not a.abstained and a.text.count("ambassador") == 1 and a.text.count("[1]") == 1

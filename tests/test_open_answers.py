"""Open questions (summary, why, how, list, yes/no, compare, timeline): the shape, the sentence choice, both readers
and the checks, on fakes over the seeds. Questions here are hand-made, not taken from any evaluation set."""

import pytest

from rag import RAG
from rag.answer import prompts
from rag.answer.open_answer import Item, parse_written, render, verdict
from rag.answer.question import read
from rag.answer.shape import shape_of
from rag.errors import BadInput
from rag.records import Chunk, Passage

from .conftest import FakeGenerator


@pytest.mark.parametrize("question, shape", [
    ("Give me an overview of the week's diplomacy.", "summary"),
    ("Can you summarise the talks in Kabul?", "summary"),
    ("What happened at the meeting in Moscow?", "summary"),
    ("Tell me about the new embassy.", "summary"),
    ("Why did the minister resign?", "why"),
    ("What were the main reasons for the delay?", "why"),
    ("Explain why the vote failed.", "why"),
    ("How did the opposition react to the decision?", "how"),
    ("What was the reaction in Brussels?", "how"),
    ("What did the mayor say about the strike?", "how"),
    ("What kinds of projects were discussed?", "list"),
    ("What measures did the two sides agree on?", "list"),
    ("What are the main concerns of aid groups?", "list"),
    ("Is the border still closed?", "yesno"),
    ("Did the court approve the merger?", "yesno"),
    ("How do the two parties' plans differ?", "compare"),
    ("Compare the views of Paris and Berlin.", "compare"),
    ("What happened, in order, after the election?", "timeline"),
    ("Give me a timeline of the negotiations.", "timeline"),
    ("How did the strike unfold over the week?", "timeline"),
    ("How is the new plan different from the old one?", "compare"),
    ("After the vote, did the party change its leader?", "yesno"),
    ("Who is the new ambassador?", "factoid"),
    ("How many people were hurt?", "factoid"),
    ("When did the talks start?", "factoid"),
    ("Which countries signed the deal?", "factoid"),
    ("Is it Tuesday or Wednesday?", "factoid"),
])
def test_the_shape_of_hand_made_questions(question, shape):
    assert shape_of(question) == shape


def test_a_question_is_read_once_into_a_record():
    q = read("  And why did he go there? ", [("user", "Who visited Kabul?"), ("assistant", "Zamir Kabulov [1].")])
    assert q.text == "And why did he go there?" and q.shape == "why" and q.is_open
    assert "Kabulov" in q.query  # the follow-up is rewritten with the conversation for retrieval
    assert read("Who is the envoy?").answer_type == "person" and not read("Who is the envoy?").is_open


def _p(n, sentence, doc="a", date="", start=0):
    c = Chunk(id=doc, doc_key=doc, source=doc, title="", text=sentence, start=0, end=len(sentence), index=0, date=date)
    return Passage(n, sentence, c, start, start + len(sentence))


def test_a_verdict_only_when_a_sentence_states_the_proposition():
    assert verdict("Has the bank raised rates?", [_p(1, "The bank raised rates on Monday.")]) == "Yes."
    assert verdict("Has the bank raised rates?", [_p(1, "The bank has not raised rates.")]) == "No."
    assert verdict("Has the bank raised rates?", [_p(1, "Inflation stayed high.")]) == ""


def test_no_verdict_from_a_sentence_that_shares_the_words_but_not_the_proposition():
    # the words of "still on the sanctions list" are all there, but the sentence says the firm came *off* it
    assert verdict("Is the firm still on the sanctions list?",
                   [_p(1, "Regulators took the firm off the sanctions list in May.")]) == ""
    assert verdict("Did the union approve the deal?", [_p(1, "The deal angered the union's members.")]) == ""
    assert verdict("Is the mine still open?", [_p(1, "The mine is still open to visitors.")]) == "Yes."
    assert verdict("Does the mine still employ miners?", [_p(1, "The mine still employs 300 miners.")]) == "Yes."


def test_render_and_parse_are_inverse_for_bullets():
    items = [Item("Aid was promised [1]."), Item("Trade grew [2].")]
    assert parse_written(render("list", "", items), "list") == ("", items)
    assert render("timeline", "", [Item("Talks began [1].", "2024-05-01")]) == "- 2024-05-01: Talks began [1]."


Q_OPEN = "Why did Russia decide to recognise the Taliban government?"


def make(settings, fake_embedder, *replies, chat=False, open_answers=None):
    gen = FakeGenerator(replies, chat=chat)
    return RAG(settings.with_overrides(open_answers=open_answers), embedder=fake_embedder, generator=gen), gen


def test_the_base_model_quotes_two_to_six_cited_sentences_from_the_articles(settings, fake_embedder, fake_rag):
    rag, gen = make(settings, fake_embedder)
    a = rag.ask(Q_OPEN)
    assert a.kind == "why" and a.mode == "quoted" and not a.abstained
    assert gen.prompts == []  # no generation: the sentences are the articles' own
    assert 2 <= len(a.claims) <= 6 and all(c.supported and c.markers for c in a.claims)
    quotes = {c.n: " ".join(c.quote.split()) for c in a.citations}
    for text, cites in a.sentences:  # each sentence is its cited passage, word for word
        assert cites and " ".join(text.split()).startswith(quotes[cites[0].n].rstrip(".!?”\"").split("[")[0][:40])
    assert len({c.doc_key for c in a.citations}) >= 2  # from more than one article


def test_a_list_is_bullets_and_a_timeline_is_in_date_order(settings, fake_embedder, fake_rag):
    rag, _ = make(settings, fake_embedder)
    a = rag.ask("What kinds of cooperation did Russia and the Taliban discuss?")
    assert a.kind == "list" and all(line.startswith("- ") for line in a.text.splitlines())
    t = rag.ask("Give me a timeline of Russia's relations with the Taliban.")
    assert t.kind == "timeline"
    assert all(line.startswith("- ") for line in t.text.splitlines())  # the seeds state no publish date: no lead


def test_a_chat_model_quotes_too_unless_written_answers_are_asked_for(settings, fake_embedder, fake_rag):
    rag, gen = make(settings, fake_embedder, "Russia recognised the Taliban government [1].", chat=True)
    a = rag.ask(Q_OPEN)
    assert a.mode == "quoted" and gen.prompts == [] and len(a.claims) >= 2  # measured: quoting covers more
    bad, _ = make(settings, fake_embedder, chat=True, open_answers="paraphrased")
    with pytest.raises(BadInput, match="quoted' or 'written'"):
        bad.ask(Q_OPEN)


def test_a_chat_model_writes_and_each_sentence_is_checked_alone(settings, fake_embedder, fake_rag):
    reply = ("Russia recognised the Taliban government [1]. Moscow also sent troops to Kabul [2]. "
             "The decision was about economic ties [3].")
    rag, gen = make(settings, fake_embedder, reply, chat=True, open_answers="written")
    a = rag.ask(Q_OPEN)
    assert a.mode == "written" and a.kind == "why"
    prompt = gen.prompts[0]
    assert prompt.messages[0] == ("system", prompts.OPEN_SYSTEM) and prompt.grammar == prompts.OPEN_GRAMMARS[
        "paragraph"]
    assert prompts.OPEN_INSTRUCTIONS["why"] in prompt.messages[-1][1]
    assert any("troops" in c.text for c in a.flagged)  # a claim its passage does not hold is struck
    assert "troops" not in a.text and all(c.supported for c in a.claims if c.text in a.text)


def test_a_chat_model_that_declines_gives_the_product_decline(settings, fake_embedder, fake_rag):
    rag, _ = make(settings, fake_embedder, "NOT IN SOURCES", chat=True, open_answers="written")
    a = rag.ask("Summarise what the articles say about the talks.")
    assert a.abstained and a.text == prompts.ABSTAIN_MESSAGE and a.closest


def test_a_written_answer_with_nothing_supported_falls_back_to_quotes(settings, fake_embedder, fake_rag):
    rag, _ = make(settings, fake_embedder, "Bananas grew in Oslo last spring [1].", chat=True, open_answers="written")
    a = rag.ask(Q_OPEN)
    assert not a.abstained and a.mode == "quoted" and a.citations


def test_yes_no_written_answers_keep_their_verdict(settings, fake_embedder, fake_rag):
    rag, gen = make(settings, fake_embedder, "No. Russia removed the Taliban from its list [1].", chat=True,
                    open_answers="written")
    a = rag.ask("Is the Taliban still on Russia's list of banned organisations?")
    assert a.kind == "yesno" and gen.prompts[0].grammar == prompts.OPEN_GRAMMARS["yesno"]
    if not a.abstained and a.mode == "written":
        assert a.text.startswith("No. ")


def test_follow_up_why_after_an_answer_is_an_open_answer(settings, fake_embedder, fake_rag):
    rag, _ = make(settings, fake_embedder)
    a = rag.ask("And why?", history=[{"role": "user", "content": "Did Russia recognise the Taliban government?"},
                                     {"role": "assistant", "content": "Russia recognised the Taliban government [1]."}])
    assert a.kind == "why" and "Taliban" in a.retrieval_query and not a.abstained

"""RAG.ask / RAG.stream on fakes: citations, grounding, abstention, streaming, follow-ups, bad input."""

import pytest

from rag import RAG, Answer, BadQuestion
from rag.answer import prompts

from .conftest import FakeGenerator

Q = "Who is Russia's ambassador to Afghanistan?"


def make(settings, fake_embedder, *replies, chat=False, **over):
    gen = FakeGenerator(replies, chat=chat)
    rag = RAG(settings.with_overrides(**over), embedder=fake_embedder, generator=gen)
    return rag, gen


@pytest.fixture
def ingested(settings, fake_embedder, fake_rag):
    return settings  # the seeds are in settings.index_dir now


def test_base_model_gets_few_shot_prompt_and_answer_cites_the_copied_sentence(ingested, fake_embedder):
    rag, gen = make(ingested, fake_embedder, " Dmitry Zhirnov")
    a = rag.ask(Q)
    assert not a.abstained
    assert a.short == "Dmitry Zhirnov"
    [c] = a.citations
    assert a.text == f"Dmitry Zhirnov — “{' '.join(c.quote.split())}” [1]"  # the span, then the sentence it is from
    assert c.n == 1 and c.source.endswith(".txt") and "Dmitry Zhirnov" in c.quote
    assert c.text[c.quote_start:c.quote_end] == c.quote
    prompt = gen.prompts[0].text
    assert prompt.startswith(prompts.FEW_SHOT_PREFIX) and prompt.rstrip().endswith("Answer:")
    assert f"Question: {Q}" in prompt and "[1] " in prompt
    assert all(cl.supported for cl in a.claims)


def test_span_not_in_the_sources_cannot_be_generated_and_abstains(ingested, fake_embedder):
    rag, _ = make(ingested, fake_embedder, " Vladimir Ivanovsky")
    a = rag.ask(Q)
    assert a.abstained and a.text == prompts.ABSTAIN_MESSAGE
    assert a.citations == [] and len(a.closest) == 3  # the reader saw one sentence; the abstention lists three
    assert [c.n for c in a.closest] == [1, 2, 3]


def shown_sources(prompt) -> int:
    """How many numbered sources a prompt shows to the model (the query part of a few-shot prompt)."""
    text = prompt.messages[-1][1] if prompt.messages else prompt.text[len(prompts.FEW_SHOT_PREFIX):]
    return sum(line.startswith("[") for line in text.splitlines())


def test_sentences_read_follow_the_model_unless_set(ingested, fake_embedder):
    base, base_gen = make(ingested, fake_embedder, " Dmitry Zhirnov")
    chat, chat_gen = make(ingested, fake_embedder, "Dmitry Zhirnov is the ambassador [1].", chat=True)
    fixed, fixed_gen = make(ingested, fake_embedder, "Dmitry Zhirnov is the ambassador [1].", chat=True,
                            max_passages=2)
    for rag in (base, chat, fixed):
        rag.ask(Q)
    assert shown_sources(base_gen.prompts[0]) == 1  # the few-shot copy reader: the best sentence only
    assert shown_sources(chat_gen.prompts[0]) == 3  # a chat model picks among the best three
    assert shown_sources(fixed_gen.prompts[0]) == 2  # max_passages set: it wins


def test_answer_of_the_wrong_type_or_echo_abstains(ingested, fake_embedder):
    rag, _ = make(ingested, fake_embedder, " the Taliban", " the Taliban")
    assert rag.ask("How many personnel did the Soviet Union lose in Afghanistan?").abstained  # not a number
    assert rag.ask("What is the Taliban?").abstained  # only repeats the question


def test_chat_model_unsupported_claim_is_removed_and_flagged(ingested, fake_embedder):
    reply = "Dmitry Zhirnov is the Russian ambassador [1]. He was born in Omsk in 1961 [1]."
    rag, gen = make(ingested, fake_embedder, reply, chat=True)
    a = rag.ask(Q)
    assert gen.prompts[0].messages[0] == ("system", prompts.CHAT_SYSTEM)
    assert a.text == "Dmitry Zhirnov is the Russian ambassador [1]."
    [flag] = a.flagged
    assert "Omsk" in flag.text and "1961" in flag.missing


def test_chat_answer_with_nothing_supported_falls_back_to_quoting_the_best_passage(ingested, fake_embedder):
    rag, _ = make(ingested, fake_embedder, "Boris Johnson is the ambassador [1].", chat=True)
    a = rag.ask(Q)
    assert not a.abstained and a.text.startswith("The articles say: “") and a.text.endswith("[1]")
    assert a.citations[0].quote in a.text and len(a.flagged) == 1


def test_chat_model_saying_not_in_sources_abstains(ingested, fake_embedder):
    rag, _ = make(ingested, fake_embedder, "NOT IN SOURCES", chat=True)
    assert rag.ask(Q).abstained


class QuotingChat(FakeGenerator):
    """A chat model that answers by quoting shown sources [3] then [1], so both claims are supported."""

    def stream(self, prompt, **kw):
        lines = dict(line.split("] ", 1) for line in prompt.messages[-1][1].splitlines() if line.startswith("["))
        self.default = f"{lines['[3'].rstrip('.')} [3]. {lines['[1'].rstrip('.')} [1]."
        yield from super().stream(prompt, **kw)


def test_markers_are_renumbered_in_order_of_appearance(ingested, fake_embedder):
    gen = QuotingChat(chat=True)
    rag = RAG(ingested.with_overrides(max_passages=4), embedder=fake_embedder, generator=gen)
    a = rag.ask("Who met Muttaqi and what did Muttaqi praise?")
    assert not a.flagged
    first, second = a.claims
    assert first.markers == (1,) and second.markers == (2,)
    assert [c.n for c in a.citations] == [1, 2]
    assert a.citations[0].quote.rstrip(".") in first.text  # old [3] is now [1]


def test_low_relevance_abstains_before_generation(ingested, fake_embedder):
    rag, gen = make(ingested, fake_embedder, " Russia", abstain_threshold=5.0)
    a = rag.ask(Q)
    assert a.abstained and gen.prompts == []  # the model was never called


def test_stream_yields_pieces_then_the_answer(ingested, fake_embedder):
    rag, _ = make(ingested, fake_embedder, " Dmitry Zhirnov")
    items = list(rag.stream(Q))
    assert [i for i in items if isinstance(i, str)] == [" Dmitry", " Zhirnov"]
    assert isinstance(items[-1], Answer) and items[-1].timings.first_token_s is not None


def test_follow_up_is_rewritten_with_history_for_retrieval(ingested, fake_embedder):
    rag, _ = make(ingested, fake_embedder, " Sirajuddin Haqqani", max_passages=3)  # the fake embedder ranks loosely
    history = [{"role": "user", "content": "Who is Zamir Kabulov?"},
               {"role": "assistant", "content": "Special Envoy of the Russian President [1]"}]
    a = rag.ask("Did he meet any other Taliban leader?", history=history)
    assert "Zamir Kabulov" in a.retrieval_query
    assert not a.abstained and a.kind == "yesno"  # an open answer: the evidence from the articles, cited
    assert any("Haqqani" in c.quote for c in a.citations)


@pytest.mark.parametrize("question,match", [("", "empty"), ("   \n", "empty"), ("x" * 100_000, "limit is 2,000")])
def test_bad_questions_name_the_fix(ingested, fake_embedder, question, match):
    rag, _ = make(ingested, fake_embedder)
    with pytest.raises(BadQuestion, match=match):
        rag.ask(question)


def test_json_shape_matches_the_cli_contract(ingested, fake_embedder):
    rag, _ = make(ingested, fake_embedder, " Dmitry Zhirnov")
    j = rag.ask(Q).to_json()
    assert set(j) >= {"answer", "abstained", "citations"}
    assert set(j["citations"][0]) >= {"n", "source", "title", "text"}


def test_load_requiring_an_index_names_the_fix_before_loading_any_model(settings):
    from rag import NoIndex

    rag = RAG(settings)  # no fakes: loading a model here would fail with ModelNotFound (empty models_dir)
    with pytest.raises(NoIndex, match="rag ingest"):
        rag.load(require_index=True)

"""Evaluation metrics against hand-computed cases: containment, F1, hit@k, MRR, citations, abstention, percentiles."""

import pytest

from rag.evaluation import metrics as m
from rag.evaluation.qa import QAItem
from rag.evaluation.rtqa import choice_credit, lexical_overlap, score_choices
from rag.evaluation.runner import QuestionResult, score_answer, sentence_checks
from rag.evaluation.summary import format_table, summarise
from rag.records import Answer, Citation, Timings


def test_normalise_drops_markers_punctuation_articles_and_digit_groups():
    assert m.normalise("The envoy, Zhirnov [1][2]!") == "envoy zhirnov"
    assert m.normalise("over 15,000 personnel") == "over 15000 personnel"
    assert m.normalise("Russia’s “brave decision”") == "russia brave decision"


@pytest.mark.parametrize("answer, golds, expected", [
    ("Dmitry Zhirnov [1]", ["Zhirnov"], True),
    ("Russian Ambassador Dmitry Zhirnov [1].", ["Dmitry Zhirnov", "Zhirnov"], True),
    ("Zhirnova [1]", ["Zhirnov"], False),  # whole words only
    ("in 2021 [1]", ["2021"], True),
    ("It lost over 15,000 personnel [1]", ["15,000"], True),
    ("The Lavrov", ["Sergey Lavrov"], False),
    ("anything", [], False),
])
def test_contains_answer(answer, golds, expected):
    assert m.contains_answer(answer, golds) is expected


def test_token_f1_by_hand():
    # pred {sergey, lavrov, minister}, gold {lavrov}: P = 1/3, R = 1, F1 = 2/3 / (4/3) = 0.5
    assert m.token_f1("Sergey Lavrov, the minister", "Lavrov") == pytest.approx(0.5)
    # pred {amir, khan, muttaqi} vs gold {muttaqi}: 0.5; vs gold {amir, khan, muttaqi}: 1.0 -> max = 1.0
    assert m.best_f1("Amir Khan Muttaqi [1]", ["Muttaqi", "Amir Khan Muttaqi"]) == 1.0
    assert m.token_f1("Moscow", "Kabul") == 0.0
    assert m.best_f1("Moscow", []) == 0.0


def test_hit_at_k_and_reciprocal_rank():
    ranked = ["a.txt", "b.txt", "a.txt", "c.txt"]
    assert m.hit_at_k(ranked, ["c.txt"], 3) == 0.0
    assert m.hit_at_k(ranked, ["c.txt"], 4) == 1.0
    assert m.reciprocal_rank(ranked, ["b.txt", "c.txt"], 5) == 0.5
    assert m.reciprocal_rank(ranked, ["c.txt"], 4) == 0.25
    assert m.reciprocal_rank(ranked, ["c.txt"], 3) == 0.0
    assert m.first_gold_rank(ranked, ["z.txt"]) is None


def test_citation_precision_and_recall_parts():
    passages = ["Zhirnov met Muttaqi.", "Lavrov spoke in Moscow.", "Dmitry Zhirnov is the envoy."]
    assert m.citations_with_answer(passages, ["Zhirnov"]) == 2  # precision 2/3
    assert m.citation_recall(["x.txt", "y.txt"], ["y.txt"]) == 1.0
    assert m.citation_recall(["x.txt"], ["y.txt"]) == 0.0


def test_citations_supporting_counts_each_citation_alone():
    passages = {1: "Dmitry Zhirnov met Muttaqi in Kabul.", 2: "Lavrov spoke in Moscow."}
    claims = [("Zhirnov met Muttaqi in Kabul [1][2].", (1, 2))]
    assert m.citations_supporting(claims, passages) == 1  # [1] supports it alone, [2] does not
    assert m.citations_supporting([("Putin met Biden [1].", (1,))], passages) == 0


def test_lexical_baseline_threshold():
    passages = {1: "Dmitry Zhirnov met Muttaqi in Kabul."}
    assert m.lexical_passes("Zhirnov met Muttaqi [1].", (1,), passages)
    assert not m.lexical_passes("Zhirnov met Putin and Biden [1].", (1,), passages)  # 2/5 < 0.6
    assert not m.lexical_passes("Zhirnov met Muttaqi.", (), passages)


def test_percentiles_by_hand():
    assert m.percentile([4, 1, 3, 2], 50) == 2.5
    assert m.percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert m.percentile([7], 95) == 7.0
    assert m.percentile([], 50) is None
    assert m.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)


def _answer(text, cites, abstained=False, ttft=0.5, total=1.0):
    citations = [Citation(n=n, source=src, title="", text=quote, quote=quote) for n, src, quote in cites]
    return Answer(question="q", text=text, abstained=abstained, citations=citations,
                  timings=Timings(retrieval_s=0.1, first_token_s=ttft, total_s=total))


def _result(item, answer, ranked):
    sentences = sentence_checks(answer)
    return QuestionResult(id=item.id, kind=item.kind, question=item.question, answerable=item.answerable,
                          gold_answers=list(item.answers), gold_sources=list(item.sources), answer=answer.text,
                          abstained=answer.abstained, sentences=sentences,
                          scores=score_answer(item, answer, ranked, sentences=sentences),
                          timings={"retrieval_s": 0.1, "first_token_s": answer.timings.first_token_s,
                                   "total_s": answer.timings.total_s})


def test_summary_aggregates_by_hand():
    a1 = QAItem("a1", "Who is the envoy?", ("Zhirnov",), ("z.txt",), True)
    a2 = QAItem("a2", "Who is the minister?", ("Lavrov",), ("l.txt",), True)
    u1 = QAItem("u1", "Who won the cup?", (), (), False, kind="unanswerable")
    u2 = QAItem("u2", "What is the weather?", (), (), False, kind="unanswerable")
    results = [
        # correct, cited twice: [1] holds the answer (gold source), [2] does not
        _result(a1, _answer("Dmitry Zhirnov met Muttaqi [1][2].",
                            [(1, "z.txt", "Dmitry Zhirnov met Muttaqi in Kabul."), (2, "x.txt", "Muttaqi spoke.")],
                            ttft=1.0, total=2.0), ["x.txt", "z.txt"]),
        # false abstention
        _result(a2, _answer("I can't find it.", [], abstained=True, ttft=None, total=0.5), ["l.txt"]),
        # correct abstention, and a wrong answer with one uncited sentence
        _result(u1, _answer("x", [], abstained=True, ttft=None, total=0.4), []),
        _result(u2, _answer("It is sunny. Rain later [1].", [(1, "w.txt", "Rain later today.")],
                            ttft=3.0, total=4.0), []),
    ]
    s = summarise(results)
    v = {k: e["value"] for k, e in s["metrics"].items()}
    assert v["hit@1"] == 0.5 and v["hit@k"] == 1.0  # a1: rank 2, a2: rank 1
    assert v["mrr"] == pytest.approx(0.75)  # (1/2 + 1) / 2
    assert v["answer_contains"] == 0.5 and v["false_abstention"] == 0.5
    assert v["abstention_accuracy"] == 0.5
    assert v["citation_precision"] == 0.5  # a1 only: 1 of 2 citations holds "Zhirnov"
    assert v["citation_recall"] == 1.0
    assert v["citation_support"] == pytest.approx(2 / 3, abs=1e-3)  # a1 [1] yes, [2] no; u2 [1] yes
    assert v["faithfulness"] == pytest.approx(2 / 3, abs=1e-3)  # 3 sentences, "It is sunny." has no citation
    assert v["fully_cited"] == 0.5  # a1 fully cited, u2 not
    assert s["metrics"]["false_abstention"]["met"] is False
    lat = s["latency"]
    assert lat["n_ttft"] == 2 and lat["ttft_p50"] == 2.0 and lat["total_p50"] == pytest.approx(1.25)
    assert s["by_kind"]["unanswerable"] == {"questions": 2, "answerable": 0, "correct": 0, "abstained": 1}
    table = format_table(s)
    assert "Answer correct" in table and "MISS" in table and "4 questions" in table


def test_choice_credit_and_overlap():
    assert choice_credit([0.1, 0.5, 0.5, 0.2], 2) == 0.5
    assert choice_credit([0.1, 0.5, 0.4, 0.2], 1) == 1.0
    assert choice_credit([0.1, 0.5, 0.4, 0.2], 0) == 0.0
    assert lexical_overlap("Buffalo Bills", "The Bills won.") == 0.5
    assert lexical_overlap("", "x") == 0.0


def test_score_choices_prefers_the_mentioned_choice(fake_embedder):
    passages = ["Damar Hamlin of the Buffalo Bills collapsed on Monday night.", "The weather was cold."]
    scored = score_choices("Hamlin plays for which team?", ["Cincinnati Bengals", "Buffalo Bills"], passages,
                           fake_embedder.embed)
    assert scored[1]["lexical"] == 1.0 and scored[0]["lexical"] == 0.0
    assert scored[1]["score"] > scored[0]["score"]
    assert score_choices("q", ["a", "b"], [], fake_embedder.embed)[0]["score"] == 0.0


def test_answer_span_drops_verbatim_evidence_quotes_only():
    passage = "The Afghan Foreign Minister, Amir Khan Muttaqi, met Dmitry Zhirnov, the Russian ambassador."
    assert m.answer_span(f"Amir Khan Muttaqi — “{passage}” [1]", [passage]) == "Amir Khan Muttaqi [1]"
    assert m.answer_span(f"“{passage}” [1]", [passage]) == f"“{passage}” [1]"  # only a quote: keep it
    not_verbatim = "Zhirnov — “a quote no passage holds” [1]"
    assert m.answer_span(not_verbatim, [passage]) == not_verbatim


def test_correctness_is_judged_on_the_span_not_the_quoted_sentence():
    passage = "The Afghan Foreign Minister, Amir Khan Muttaqi, met Dmitry Zhirnov, the Russian ambassador."
    item = QAItem("q05", "Who is the Russian ambassador in Kabul?", ("Dmitry Zhirnov", "Zhirnov"), ("z.txt",), True)
    wrong = Answer(question=item.question, text=f"Amir Khan Muttaqi — “{passage}” [1]", abstained=False,
                   citations=[Citation(n=1, source="z.txt", title="", text=passage, quote=passage)],
                   short="Amir Khan Muttaqi")
    s = score_answer(item, wrong, ["z.txt"], sentences=sentence_checks(wrong))
    assert s["contains"] == 0.0 and s["f1"] == 0.0
    assert s["contains_with_quotes"] == 1.0 and s["citations_with_answer"] == 1
    no_short = Answer(question=item.question, text=wrong.text, abstained=False, citations=wrong.citations)
    assert score_answer(item, no_short, ["z.txt"])["contains"] == 0.0  # same verdict from the text alone

"""Runs QA items through the same `RAG.ask` as every other face and scores each answer (one record per question)."""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

from ..answer.grounding import check_answer, lexical_support
from ..errors import BadQuestion
from ..records import Answer
from . import metrics as m
from .qa import QAItem

log = logging.getLogger(__name__)


@dataclass
class QuestionResult:
    """One question's answer, what it cited, what retrieval returned, its scores and its timings."""

    id: str
    kind: str
    question: str
    answerable: bool
    gold_answers: list[str]
    gold_sources: list[str]
    answer: str
    abstained: bool
    answer_span: str = ""  # what correctness is judged on: the answer without its evidence quotes
    confidence: float = 0.0
    retrieval_query: str = ""
    retrieved: list[dict[str, Any]] = field(default_factory=list)  # top-k {source, title, score}
    citations: list[dict[str, Any]] = field(default_factory=list)  # {n, source, title, quote, text}
    sentences: list[dict[str, Any]] = field(default_factory=list)  # answer sentences and their checks
    scores: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    history: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def run_questions(rag: Any, items: Sequence[QAItem], *, k: int | None = None, progress: bool = True,
                  temperature: float = 0.0) -> list[QuestionResult]:
    """Ask every item (temperature 0 by default), re-run retrieval on its retrieval query, and score it."""
    from tqdm import tqdm

    k = k or rag.settings.top_k
    out: list[QuestionResult] = []
    bar = tqdm(items, desc="questions", unit="q", file=sys.stderr, disable=not progress)
    for item in bar:
        out.append(run_one(rag, item, k=k, temperature=temperature))
        bar.set_postfix_str(f"correct {sum(r.scores.get('contains') or 0 for r in out)}/{len(out)}")
    return out


def run_one(rag: Any, item: QAItem, *, k: int, temperature: float = 0.0) -> QuestionResult:
    """One question through `rag.ask`; a question the product rejects (BadQuestion) is recorded, not fatal."""
    base: dict[str, Any] = dict(id=item.id, kind=item.kind, question=item.question, answerable=item.answerable,
                gold_answers=list(item.answers), gold_sources=list(item.sources), history=list(item.history))
    try:
        answer = rag.ask(item.question, history=list(item.history) or None, temperature=temperature)
    except BadQuestion as exc:
        log.warning("question %s rejected: %s", item.id, exc)
        return QuestionResult(**base, answer="", abstained=True, error=str(exc),
                              scores=score_answer(item, None, []))
    t0 = time.perf_counter()
    hits = rag.retrieve(answer.retrieval_query or item.question, k)
    retrieve_s = time.perf_counter() - t0
    ranked = [h.chunk.source for h in hits]
    t = answer.timings
    result = QuestionResult(
        **base, answer=answer.text, abstained=answer.abstained, confidence=round(answer.confidence, 4),
        answer_span="" if answer.abstained else span_of(answer),
        retrieval_query=answer.retrieval_query,
        retrieved=[{"source": h.chunk.source, "title": h.chunk.title, "score": round(h.score, 5)} for h in hits],
        citations=[{"n": c.n, "source": c.source, "title": c.title, "quote": c.quote, "text": c.text}
                   for c in answer.citations],
        timings={"retrieval_s": t.retrieval_s, "first_token_s": t.first_token_s, "total_s": t.total_s,
                 "eval_retrieve_s": round(retrieve_s, 4)},
    )
    result.sentences = sentence_checks(answer)
    result.scores = score_answer(item, answer, ranked, sentences=result.sentences)
    return result


def span_of(answer: Answer) -> str:
    """The answer proper: the reader's copied span when it reports one (`Answer.short`), else the text without
    evidence quotes (metrics.answer_span)."""
    short = getattr(answer, "short", "") or ""
    if short.strip():
        return short.strip()
    return m.answer_span(answer.text, [p for c in answer.citations for p in (c.quote, c.text) if p])


def cited_passages(answer: Answer) -> dict[int, str]:
    """{n: the sentence the product showed and cites} (the chunk text when a citation carries no quote)."""
    return {c.n: c.quote or c.text for c in answer.citations}


def sentence_checks(answer: Answer) -> list[dict[str, Any]]:
    """Every sentence of a (non-abstained) answer, checked by the product's checker and by the lexical baseline."""
    if answer.abstained:
        return []
    passages = cited_passages(answer)
    out = []
    for claim in check_answer(answer.text, passages):
        cited = " ".join(passages[n] for n in claim.markers if n in passages)
        lex = lexical_support(claim.text, cited) if cited else 0.0
        out.append({"text": claim.text, "markers": list(claim.markers), "supported": claim.supported,
                    "support": claim.support, "missing": list(claim.missing), "lexical": round(lex, 3),
                    "lexical_pass": bool(cited) and lex >= m.LEXICAL_THRESHOLD,
                    "cited": bool(claim.markers) and all(n in passages for n in claim.markers)})
    return out


def score_answer(item: QAItem, answer: Answer | None, ranked_sources: Sequence[str], *, k: int = 5,
                 sentences: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Per-question scores. None marks a metric that does not apply to this question (see report.py)."""
    answered = answer is not None and not answer.abstained
    text = answer.text if answered and answer else ""
    s: dict[str, Any] = {"answered": answered}
    gold = item.answerable and bool(item.sources)
    k = max(k, len(ranked_sources))
    s["hit@1"] = m.hit_at_k(ranked_sources, item.sources, 1) if gold else None
    s["hit@k"] = m.hit_at_k(ranked_sources, item.sources, k) if gold else None
    s["rr"] = m.reciprocal_rank(ranked_sources, item.sources, k) if gold else None
    s["gold_rank"] = m.first_gold_rank(ranked_sources, item.sources) if gold else None
    span = span_of(answer) if answered and answer else ""
    if item.answerable:
        s["contains"] = 1.0 if answered and m.contains_answer(span, item.answers) else 0.0
        s["contains_with_quotes"] = 1.0 if answered and m.contains_answer(text, item.answers) else 0.0
        s["f1"] = round(m.best_f1(span, item.answers), 4) if answered else 0.0
    else:
        s["contains"] = s["contains_with_quotes"] = s["f1"] = None
    cites = answer.citations if answered and answer else []
    s["citations"] = len(cites)
    if item.answerable and answered:
        s["citations_with_answer"] = m.citations_with_answer([c.quote or c.text for c in cites], item.answers)
        s["cited_gold_source"] = m.citation_recall([c.source for c in cites], item.sources) if item.sources else None
    else:
        s["citations_with_answer"] = s["cited_gold_source"] = None
    sentences = sentences or []
    passages = cited_passages(answer) if answered and answer else {}
    s["citations_supporting"] = m.citations_supporting(
        [(x["text"], tuple(x["markers"])) for x in sentences], passages) if answered else None
    s["sentences"] = len(sentences)
    s["sentences_supported"] = sum(x["supported"] for x in sentences)
    s["sentences_lexical"] = sum(x["lexical_pass"] for x in sentences)
    s["sentences_uncited"] = sum(not x["cited"] for x in sentences)
    s["fully_cited"] = (1.0 if sentences and s["sentences_uncited"] == 0 else 0.0) if answered else None
    s["claims_removed"] = len(answer.flagged) if answered and answer else 0  # unsupported, dropped by the product
    s["abstained"] = 0.0 if answered else 1.0
    return s

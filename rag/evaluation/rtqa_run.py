"""Runs RealTime QA end to end: corpus -> own index -> retrieval, generated answer and choice scoring per question."""

from __future__ import annotations

import logging
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any, Sequence

from ..errors import BadQuestion
from ..search.dates import time_window
from . import metrics as m
from .rtqa import (
    LEX_WEIGHT,
    PAPER,
    SPLITS,
    RTQAQuestion,
    build_corpus,
    choice_credit,
    load_questions,
    open_index,
    score_choices,
    split_of,
)
from .runner import span_of

log = logging.getLogger(__name__)


def run_realtimeqa(rag: Any, folder: str | Path, out: str | Path, *, limit: int | None = None,
                   progress: bool = True) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Build (or reuse) the benchmark index under `out`, ask every question; returns (rows, summary)."""
    from tqdm import tqdm

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    questions = load_questions(folder)
    if limit:
        questions = questions[:limit]
    corpus = build_corpus(folder, out / "realtimeqa-corpus")
    bench, ingest = open_index(rag, out, corpus, progress=progress)
    k = bench.settings.top_k
    t0 = time.perf_counter()
    bench.load()
    warm_hits = bench.retrieve(questions[0].question, k) if questions else []  # first query builds BM25
    first_query_s = time.perf_counter() - t0
    log.info("models loaded and BM25 built in %.1f s (%d hits)", first_query_s, len(warm_hits))
    rows = []
    bar = tqdm(questions, desc="realtimeqa questions", unit="q", file=sys.stderr, disable=not progress)
    for q in bar:
        rows.append(ask_one(bench, q, k, corpus.texts))
        bar.set_postfix_str(f"mc {sum(r['mc_credit'] for r in rows):.0f}/{len(rows)}")
    summary = summarise(rows, ingest, corpus, k, first_query_s)
    summary["run"] = {"model": bench.model_name, "embedder": getattr(bench.embedder, "name", ""),
                      "top_k": k, "index": str(bench.settings.index_dir), "date": time.strftime("%Y-%m-%d %H:%M")}
    return rows, summary


def ask_one(bench: Any, q: RTQAQuestion, k: int, texts: dict[str, str]) -> dict[str, Any]:
    """Retrieve (timed), score the four choices against the retrieved chunks, and ask the product."""
    as_of = question_day(q.date)  # "this week" in a quiz means the week it was asked, not today
    t0 = time.perf_counter()
    hits = bench.retrieve(q.question, k, window=time_window(q.question, as_of or date.today()))
    retrieval_s = time.perf_counter() - t0
    chunks = [h.chunk.text for h in hits]
    article_urls = list(dict.fromkeys(h.chunk.url for h in hits if h.chunk.url))
    scored = score_choices(q.question, q.choices, chunks, bench.embedder.embed)
    row: dict[str, Any] = {
        "id": q.id, "week": q.week, "split": q.split, "question": q.question, "choices": list(q.choices),
        "correct": q.correct,
        "retrieved": [{"source": h.chunk.source, "title": h.chunk.title, "url": h.chunk.url} for h in hits],
        "answer_in_chunks": m.contains_answer(" \n ".join(chunks), [q.correct]),
        "answer_in_articles": m.contains_answer(" \n ".join(texts.get(u, "") for u in article_urls), [q.correct]),
        "choice_scores": scored,
        "mc_pick": max(range(len(q.choices)), key=lambda i: scored[i]["score"]),
        "mc_credit": choice_credit([s["score"] for s in scored], q.answer),
        "mc_credit_dense": choice_credit([s["dense"] for s in scored], q.answer),
        "mc_credit_lexical": choice_credit([s["lexical"] for s in scored], q.answer),
        "retrieval_s": round(retrieval_s, 4),
    }
    try:
        answer = bench.ask(q.question, temperature=0, as_of=as_of)
    except BadQuestion as exc:
        log.warning("question %s rejected: %s", q.id, exc)
        row.update(answer="", answer_span="", abstained=True, answer_contains=False, answer_contains_other=False,
                   answer_contains_with_quotes=False, error=str(exc), first_token_s=None, total_s=None,
                   sentence_holds_answer=False)
        row["outcome"] = outcome(row)
        return row
    text = "" if answer.abstained else answer.text
    span = "" if answer.abstained else span_of(answer)  # the answer without the sentence it quotes
    others = [c for i, c in enumerate(q.choices) if i != q.answer]
    row.update(answer=answer.text, answer_span=span, abstained=answer.abstained,
               answer_contains=bool(span) and m.contains_answer(span, [q.correct]),
               answer_contains_other=bool(span) and m.contains_answer(span, others),
               answer_contains_with_quotes=bool(text) and m.contains_answer(text, [q.correct]),
               citations=[{"n": c.n, "source": c.source, "url": c.url, "quote": c.quote} for c in answer.citations],
               first_token_s=answer.timings.first_token_s, total_s=answer.timings.total_s)
    # The sentence the reader saw (the quote it cites, or the closest one when it abstained): does it hold the
    # correct choice? That splits a wrong answer into "wrong sentence" and "right sentence, wrong span".
    seen = [c.quote for c in (answer.closest[:1] if answer.abstained else answer.citations)]
    row["sentence_holds_answer"] = bool(seen) and m.contains_answer(" \n ".join(seen), [q.correct])
    row["outcome"] = outcome(row)
    return row


OUTCOMES = ("right", "retrieval miss", "wrong sentence", "wrong span", "wrong abstention")


def outcome(row: dict[str, Any]) -> str:
    """Where a question was won or lost: right; retrieval miss (the correct choice is not in the top-k
    chunks); wrong abstention (it is, and the product abstained); wrong sentence (it answered from a sentence
    without the correct choice); wrong span (the sentence held it, the copied span did not).

    >>> outcome({"answer_contains": False, "answer_in_chunks": True, "abstained": False,
    ...          "sentence_holds_answer": True})
    'wrong span'
    """
    if row["answer_contains"]:
        return "right"
    if not row["answer_in_chunks"]:
        return "retrieval miss"
    if row["abstained"]:
        return "wrong abstention"
    return "wrong span" if row.get("sentence_holds_answer") else "wrong sentence"


def question_day(text: str) -> date | None:
    """The benchmark's question_date ("2023/01/05") as a date; None when missing or malformed.

    >>> question_day("2023/01/05"), question_day("")
    (datetime.date(2023, 1, 5), None)
    """
    try:
        return datetime.strptime(text.strip(), "%Y/%m/%d").date()
    except ValueError:
        return None


# The figures reported per split (tune, report, all): what each change of issue 23 is chosen and reported on.
SPLIT_FIGURES = {
    "answer_in_topk_chunks": "answer_in_chunks",
    "answer_contains_correct": "answer_contains",
    "answer_contains_other_choice": "answer_contains_other",
    "abstained": "abstained",
    "mc_accuracy": "mc_credit",
}


def split_figures(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per split ("tune", "report", "all"): the question count and the share of each SPLIT_FIGURES measure.

    A row's split comes from its id's week, so a results.jsonl written before the split existed scores too.

    >>> rows = [{"id": "20230106_0", "answer_in_chunks": True, "mc_credit": 1.0},
    ...         {"id": "20230217_0", "answer_in_chunks": False, "mc_credit": 0.5}]
    >>> f = split_figures(rows)
    >>> f["tune"]["answer_in_topk_chunks"], f["report"]["mc_accuracy"], f["all"]["questions"]
    (1.0, 0.5, 2)
    """
    out: dict[str, dict[str, Any]] = {}
    for name in SPLITS:
        part = [r for r in rows if name == "all" or split_of(str(r.get("id", ""))) == name]
        figures: dict[str, Any] = {"questions": len(part)}
        for label, key in SPLIT_FIGURES.items():
            have = [float(r[key]) for r in part if r.get(key) is not None]
            figures[label] = round(sum(have) / len(have), 4) if have else None
        out[name] = figures
    return out


def summarise(rows: list[dict[str, Any]], ingest: dict[str, Any], corpus: Any, k: int,
              first_query_s: float) -> dict[str, Any]:
    def share(key: str) -> float | None:
        return None if not rows else round(sum(float(r[key]) for r in rows) / len(rows), 4)

    ttft = [r["first_token_s"] for r in rows if r.get("first_token_s") is not None]
    in_top = [r for r in rows if r["answer_in_chunks"]]
    total = [r["total_s"] for r in rows if r.get("total_s") is not None]
    retrieval = [r["retrieval_s"] for r in rows]
    return {
        "questions": len(rows),
        "corpus": {"weeks": corpus.weeks, "articles": corpus.articles, "articles_with_text": corpus.with_text},
        "ingest": ingest,
        "metrics": {
            "answer_in_topk_chunks": share("answer_in_chunks"),
            "answer_in_topk_articles": share("answer_in_articles"),
            "answer_contains_correct": share("answer_contains"),
            "answer_contains_other_choice": share("answer_contains_other"),
            "answer_contains_correct_with_quotes": share("answer_contains_with_quotes"),
            "abstained": share("abstained"),
            "mc_accuracy": share("mc_credit"),
            "mc_accuracy_dense_only": share("mc_credit_dense"),
            "mc_accuracy_lexical_only": share("mc_credit_lexical"),
            # Of the questions whose correct choice is in the top-k chunks, the share answered right: the
            # reader's own score, apart from retrieval.
            "answer_right_when_in_topk": None if not in_top else round(
                sum(r["answer_contains"] for r in in_top) / len(in_top), 4),
            "questions_in_topk": len(in_top),
        },
        "outcomes": {o: sum(r.get("outcome") == o for r in rows) for o in OUTCOMES},
        "splits": split_figures(rows),
        "paper": PAPER,
        "scorer": {"top_k": k, "lex_weight": LEX_WEIGHT},
        "latency": {
            "first_query_s": round(first_query_s, 2),
            "retrieval_p50": m.percentile(retrieval, 50), "retrieval_p95": m.percentile(retrieval, 95),
            "ttft_p50": m.percentile(ttft, 50), "ttft_p95": m.percentile(ttft, 95),
            "total_p50": m.percentile(total, 50), "total_p95": m.percentile(total, 95),
            "n_ttft": len(ttft), "n_total": len(total),
        },
    }

"""Sweep the open-answer sentence choice (chunks, MMR lambda, relevance floor, word budget) on an open-question set.

Retrieval and sentence vectors are computed once per question; each setting then re-picks sentences and scores
key-point recall exactly as `rag eval` does for a quoted answer. For tuning on dev sets only (never a held-out set).

    python scripts/tune_open.py rag/data/open_seed.jsonl [--index-dir DIR --collection NAME]
"""

from __future__ import annotations

import argparse
import itertools
from datetime import date
from typing import Any

from rag import RAG, Settings
from rag.answer import selection
from rag.answer.question import read
from rag.evaluation.open_set import POINT_COSINE, covered_by_terms, load
from rag.search import passages as psg
from rag.search.dates import time_window


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("qa_file")
    ap.add_argument("--index-dir")
    ap.add_argument("--collection")
    args = ap.parse_args()
    rag = RAG(Settings.from_env(index_dir=args.index_dir, collection=args.collection))
    items = [i for i in load(args.qa_file)]
    cache: list[Any] = []
    for it in items:
        q = read(it.question, list(it.history) or None)
        as_of = date.fromisoformat(it.as_of) if it.as_of else date.today()
        hits = rag.retrieve(q.query, 20, window=time_window(q.text, as_of))
        per_k = {}
        for k in (5, 10, 15, 20):
            vectors: dict = {}
            scored = psg.score_sentences(q, psg.candidate_sentences(hits[:k]), rag.embedder,
                                         vectors=vectors)
            per_k[k] = (scored, vectors)
        pv = rag.embedder.embed([k.point for k in it.key_points]) if it.key_points else []
        cache.append((it, per_k, pv))
    print("confidence answerable:", sorted(round(c[1][10][0][0].score, 3) for c in cache if c[0].answerable))
    print("confidence unanswerable:", sorted(round(c[1][10][0][0].score, 3) for c in cache if not c[0].answerable))
    rows = []
    for k, lam, floor, words, most in itertools.product((5, 10, 15, 20), (0.3, 0.5, 0.6, 0.7, 0.85),
                                                        (0.0, 0.6, 0.75, 0.85), (110, 140, 150, 160),
                                                        (4, 5, 6, 7)):
        recalls, lengths = [], []
        for it, per_k, pv in cache:
            if not it.answerable:
                continue
            scored, vectors = per_k[k]
            picked = selection.mmr(scored, vectors, limit=8, lam=lam)
            chosen = selection.enough(picked, least=2, most=most, floor=floor, max_words=words)
            text = " ".join(p.sentence for p in chosen)
            svs = [vectors[psg.sentence_key(p)] for p in chosen]
            cov = [covered_by_terms(kp.terms, text) or any(sum(a * b for a, b in zip(v, s)) >= POINT_COSINE
                                                           for s in svs) for kp, v in zip(it.key_points, pv)]
            recalls.append(sum(cov) / len(cov))
            lengths.append(len(text.split()))
        rows.append((sum(recalls) / len(recalls), sum(lengths) / len(lengths), k, lam, floor, words, most))
    rows.sort(reverse=True)
    for r in rows[:15]:
        print("recall %.3f words %.0f | chunks %d lambda %.2f floor %.2f max_words %d most %d" % r)
    base = [r for r in rows if r[2:] == (10, 0.7, 0.0, 150, 6)]
    print("current:", base)


if __name__ == "__main__":
    main()

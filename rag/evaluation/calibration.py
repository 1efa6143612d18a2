"""`rag calibrate`: choose the pre-generation abstention threshold on a mix of questions (default: the seed dev
set and, when its folder is given, the RealTime QA questions over their own index).

Rule: the best shown sentence's relevance score is computed for every question (retrieval only, no LLM).
The threshold is the highest score cut that still keeps at least (1 - MAX_FALSE_ABSTAIN) of the answerable
questions, which maximises abstention on unanswerable ones under that budget. RealTime QA questions are all
answerable (multiple choice, answered by that week's news), so they only pull the cut down: a threshold fitted
on five seed articles alone cut a third of a real archive's questions. Half of the issue's 10 %
false-abstention budget goes here; the other half is left for the after-generation gate.

>>> choose_threshold([0.9, 0.8, 0.7, 0.6], [0.5, 0.65], max_false_abstain=0.25)
0.7
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Sequence

from ..answer.gate import CALIBRATION_FILE, calibrated_threshold

MAX_FALSE_ABSTAIN = 0.05
DEV_SET = Path(__file__).resolve().parent.parent / "data" / "dev_questions.jsonl"


def choose_threshold(answerable: Sequence[float], unanswerable: Sequence[float],
                     max_false_abstain: float = MAX_FALSE_ABSTAIN) -> float:
    """Highest cut t (from the observed scores) with share(answerable < t) <= max_false_abstain."""
    best = 0.0
    for t in sorted(set(answerable) | set(unanswerable)):
        lost = sum(s < t for s in answerable) / max(1, len(answerable))
        if lost <= max_false_abstain:
            best = t
    return round(best, 4)


def best_scores(rag: Any, rows: Sequence[dict]) -> tuple[list[float], list[float]]:
    """(answerable, unanswerable) lists of the best shown sentence's score per question."""
    ans: list[float] = []
    un: list[float] = []
    for row in rows:
        _, shown = rag.passages(row["question"], row.get("history"))
        score = shown[0].score if shown else 0.0
        (ans if row.get("answerable", True) else un).append(score)
    return ans, un


def calibrate(rag: Any, rows: Sequence[dict], groups: Sequence[tuple[str, Any, Sequence[dict]]] = ()) -> dict:
    """Fit the threshold on `rows` (asked of `rag`) plus each (name, rag, rows) group asked of its own index."""
    per_group = {"seed": best_scores(rag, rows)}
    for name, other, more in groups:
        per_group[name] = best_scores(other, more)
    ans = [x for a, _ in per_group.values() for x in a]
    un = [x for _, u in per_group.values() for x in u]
    t = choose_threshold(ans, un)
    s = rag.settings
    return {
        "threshold": t,
        "method": f"highest cut keeping >= {1 - MAX_FALSE_ABSTAIN:.0%} of answerable questions (best sentence score)",
        "answerable_kept": round(sum(x >= t for x in ans) / max(1, len(ans)), 3),
        "unanswerable_abstained": round(sum(x < t for x in un) / max(1, len(un)), 3),
        "questions": {name: {"answerable": len(a), "unanswerable": len(u),
                             "answerable_kept": round(sum(x >= t for x in a) / max(1, len(a)), 3)}
                      for name, (a, u) in per_group.items()},
        "settings": {"top_k": s.top_k, "max_passages": s.max_passages, "chunk_chars": s.chunk_chars,
                     "embedder": getattr(rag.embedder, "name", "")},
        "date": time.strftime("%Y-%m-%d"),
    }


def realtimeqa_group(rag: Any, folder: str | Path, out: str | Path) -> tuple[str, Any, list[dict]]:
    """The RealTime QA questions as answerable rows, with a RAG on the benchmark's own index (built or reused)."""
    from .rtqa import build_corpus, load_questions, open_index

    out = Path(out)
    corpus = build_corpus(folder, out / "realtimeqa-corpus")
    bench, _ = open_index(rag, out, corpus, progress=False)
    rows = [{"question": q.question, "answerable": True} for q in load_questions(folder)]
    return "realtimeqa", bench, rows


def calibrate_cli(rag: Any, qa_file: str | None, realtimeqa: str | None = None,
                  realtimeqa_out: str | None = None) -> int:
    path = Path(qa_file) if qa_file else DEV_SET
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    groups = [realtimeqa_group(rag, realtimeqa, realtimeqa_out or "eval_out/rtqa")] if realtimeqa else []
    result = calibrate(rag, rows, groups)
    CALIBRATION_FILE.write_text(json.dumps(result, indent=2) + "\n")
    calibrated_threshold.cache_clear()
    print(json.dumps(result, indent=2))
    print(f"saved to {CALIBRATION_FILE}")
    return 0

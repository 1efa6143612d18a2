"""`rag calibrate`: choose the pre-generation abstention threshold on a QA file (default: the dev set).

Rule: the best shown sentence's relevance score is computed for every question (retrieval only, no LLM).
The threshold is the highest score cut that still keeps at least (1 - MAX_FALSE_ABSTAIN) of the answerable
questions, which maximises abstention on unanswerable ones under that budget. Half of the issue's 10 %
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


def calibrate(rag: Any, rows: Sequence[dict]) -> dict:
    ans: list[float] = []
    un: list[float] = []
    for row in rows:
        _, shown = rag.passages(row["question"], row.get("history"))
        score = shown[0].score if shown else 0.0
        (ans if row.get("answerable", True) else un).append(score)
    t = choose_threshold(ans, un)
    s = rag.settings
    return {
        "threshold": t,
        "method": f"highest cut keeping >= {1 - MAX_FALSE_ABSTAIN:.0%} of answerable questions (best sentence score)",
        "answerable_kept": round(sum(x >= t for x in ans) / max(1, len(ans)), 3),
        "unanswerable_abstained": round(sum(x < t for x in un) / max(1, len(un)), 3),
        "questions": {"answerable": len(ans), "unanswerable": len(un)},
        "settings": {"top_k": s.top_k, "max_passages": s.max_passages, "chunk_chars": s.chunk_chars,
                     "embedder": getattr(rag.embedder, "name", "")},
        "date": time.strftime("%Y-%m-%d"),
    }


def calibrate_cli(rag: Any, qa_file: str | None) -> int:
    path = Path(qa_file) if qa_file else DEV_SET
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    result = calibrate(rag, rows)
    CALIBRATION_FILE.write_text(json.dumps(result, indent=2) + "\n")
    calibrated_threshold.cache_clear()
    print(json.dumps(result, indent=2))
    print(f"saved to {CALIBRATION_FILE}")
    return 0

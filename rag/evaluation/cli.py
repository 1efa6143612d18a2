"""`rag eval`: parse -> run the evaluation -> write the outputs -> print the summary table."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from .open_set import is_open_file
from .qa import DEV_SET, load_qa


def run_eval(rag: Any, args: argparse.Namespace) -> int:
    """Run the dev set (or a QA file), or RealTime QA with --realtimeqa DIR; returns the exit code."""
    out = Path(getattr(args, "out", None) or "eval_out")
    limit = getattr(args, "limit", None)
    if getattr(args, "realtimeqa", None):
        return _realtimeqa(rag, Path(args.realtimeqa), out, limit)
    qa_file = Path(args.qa_file) if getattr(args, "qa_file", None) else None
    if qa_file is not None and qa_file.is_file() and is_open_file(qa_file):
        from .open_run import run

        return run(rag, qa_file, out, limit)
    return _qa(rag, Path(args.qa_file) if getattr(args, "qa_file", None) else DEV_SET, out, limit)


def _qa(rag: Any, qa_file: Path, out: Path, limit: int | None) -> int:
    from .report import write_report
    from .runner import run_questions
    from .summary import format_table, summarise

    items = load_qa(qa_file)[:limit] if limit else load_qa(qa_file)
    t0 = time.perf_counter()
    rag.load()  # models load before the first question, as in the app: TTFT measures answering, not loading
    load_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    results = run_questions(rag, items, temperature=0.0)
    run = {"qa_file": qa_file.name, "questions": len(items), "model": rag.model_name,
           "embedder": getattr(rag.embedder, "name", ""), "top_k": rag.settings.top_k, "temperature": 0,
           "cores": os.cpu_count(), "model_load_s": round(load_s, 1),
           "run_minutes": round((time.perf_counter() - t1) / 60, 2), "date": time.strftime("%Y-%m-%d %H:%M")}
    summary = summarise(results, run)
    paths = write_report(results, summary, out, title=qa_file.name)
    print(format_table(summary))
    print(f"\n{len(items)} questions in {run['run_minutes']:.1f} min (models loaded in {load_s:.1f} s).")
    print("Wrote " + ", ".join(str(p) for p in paths.values()))
    return 0


def _realtimeqa(rag: Any, folder: Path, out: Path, limit: int | None) -> int:
    from .rtqa_report import table, write_realtimeqa
    from .rtqa_run import run_realtimeqa

    t0 = time.perf_counter()
    rows, summary = run_realtimeqa(rag, folder, out, limit=limit)
    summary["run"]["minutes"] = round((time.perf_counter() - t0) / 60, 1)
    paths = write_realtimeqa(rows, summary, out)
    print(table(summary))
    print(f"\nRun took {summary['run']['minutes']:.1f} min. Wrote " + ", ".join(str(p) for p in paths.values()))
    return 0

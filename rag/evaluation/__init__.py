"""Evaluation face: score `RAG.ask` on a QA file (`rag eval`) or on RealTime QA (`rag eval --realtimeqa DIR`).

    qa.py              QA file format: load and validate (errors name the line and the fix)
    metrics.py         pure metric functions, each with its formula
    runner.py          questions -> RAG.ask -> per-question scores
    summary.py         per-question scores -> summary (targets, latency percentiles, by kind) and its table
    report.py          results.jsonl, summary.json, report.md, charts for a QA run
    charts.py          matplotlib (Agg) PNGs: metric bars with targets, latency histograms, comparisons
    rtqa.py            RealTime QA files -> own corpus and index; the multiple-choice scorer
    rtqa_run.py        RealTime QA questions through retrieval, the choice scorer and RAG.ask
    rtqa_report.py     its table, report and charts beside the paper's figures
    cli.py             `rag eval` (called by rag/cli.py)
"""

from .qa import DEV_SET, QAItem, load_qa

__all__ = ["DEV_SET", "QAItem", "load_qa"]

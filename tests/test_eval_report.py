"""The evaluation run and report writer on a tiny fake run: all four outputs, summary metrics, the CLI table."""

import argparse
import json

from rag.evaluation.cli import run_eval
from rag.evaluation.qa import load_qa
from rag.evaluation.report import write_report
from rag.evaluation.runner import run_questions
from rag.evaluation.summary import METRICS, summarise

QUESTIONS = [
    {"id": "ok", "question": "Who is the Russian ambassador in Kabul?", "answers": ["Dmitry Zhirnov", "Zhirnov"],
     "sources": ["002_4d463e3a40082f53.txt", "003_26008f194e877180.txt"], "answerable": True},
    {"id": "missed", "question": "Who is Russia's foreign minister?", "answers": ["Lavrov"],
     "sources": ["000_35ceaa0b824bc6bf.txt"], "answerable": True},
    {"id": "none", "question": "Who won the 2022 FIFA World Cup?", "answers": [], "sources": [], "answerable": False},
]


def _qa_file(tmp_path):
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n", encoding="utf-8")
    return path


def test_fake_run_writes_all_four_outputs(tmp_path, fake_rag, fake_generator):
    # The base-model reader copies a span of a shown sentence; an empty reply means "abstain".
    fake_generator.replies = [" Dmitry Zhirnov", "", ""]
    results = run_questions(fake_rag, load_qa(_qa_file(tmp_path)), progress=False)
    assert [r.abstained for r in results] == [False, True, True]
    assert results[0].scores["contains"] == 1.0 and results[0].citations
    assert results[0].sentences and results[0].sentences[0]["supported"]

    summary = summarise(results, {"qa_file": "tiny.jsonl"})
    out = tmp_path / "out"
    paths = write_report(results, summary, out, title="tiny")
    for name in ("results.jsonl", "summary.json", "report.md", "metrics.png", "latency.png"):
        assert (out / name).stat().st_size > 0, name
    assert set(paths) >= {"results", "summary", "report", "metrics_chart", "latency_chart"}

    saved = json.loads((out / "summary.json").read_text())
    assert {spec.key for spec in METRICS} <= set(saved["metrics"])
    assert saved["metrics"]["answer_contains"]["value"] == 0.5
    assert saved["metrics"]["false_abstention"]["value"] == 0.5
    assert saved["metrics"]["abstention_accuracy"]["value"] == 1.0
    assert saved["metrics"]["citation_precision"]["value"] == 1.0
    assert saved["metrics"]["faithfulness"]["value"] == 1.0
    assert saved["latency"]["total_p50"] is not None
    lines = (out / "results.jsonl").read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["answer"].startswith("Dmitry Zhirnov")
    report = (out / "report.md").read_text()
    assert "![" in report and "metrics.png" in report and "| missed |" in report


def test_run_eval_cli_prints_the_table(tmp_path, fake_rag, fake_generator, capsys):
    fake_generator.replies = [" Dmitry Zhirnov"]
    args = argparse.Namespace(qa_file=str(_qa_file(tmp_path)), out=str(tmp_path / "cli"), realtimeqa=None, limit=2)
    assert run_eval(fake_rag, args) == 0
    printed = capsys.readouterr().out
    assert "Answer correct (contains a gold answer)" in printed and "2 questions" in printed
    assert (tmp_path / "cli" / "report.md").exists()

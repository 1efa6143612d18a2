"""Writes a dev-set run: results.jsonl (one line per question), summary.json, charts (PNG) and report.md."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Sequence

from . import charts
from .runner import QuestionResult
from .summary import DEFINITIONS, LATENCY_TARGETS, METRICS, format_table

log = logging.getLogger(__name__)


def write_jsonl(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def write_json(data: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def write_report(results: Sequence[QuestionResult], summary: dict[str, Any], out: Path,
                 title: str = "evaluation") -> dict[str, Path]:
    """All four outputs into `out`; returns {name: path}."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "results": write_jsonl([r.to_json() for r in results], out / "results.jsonl"),
        "summary": write_json(summary, out / "summary.json"),
        "metrics_chart": charts.metric_bars(summary, out / "metrics.png", f"How well the product answers ({title})"),
        "latency_chart": charts.latency_chart(
            [r.timings["first_token_s"] for r in results if r.timings.get("first_token_s") is not None],
            [r.timings["total_s"] for r in results if r.timings.get("total_s") is not None],
            out / "latency.png", f"How long an answer takes ({title})", LATENCY_TARGETS["ttft_p50"],
            retrieval=[r.timings["retrieval_s"] for r in results if r.timings.get("retrieval_s") is not None]),
    }
    paths["report"] = out / "report.md"
    paths["report"].write_text(markdown(results, summary, title), encoding="utf-8")
    log.info("wrote %s", ", ".join(str(p) for p in paths.values()))
    return paths


def markdown(results: Sequence[QuestionResult], summary: dict[str, Any], title: str) -> str:
    run = summary.get("run", {})
    lines = [f"# Ask the news: {title}", ""]
    if run:
        lines += [", ".join(f"**{k}**: {v}" for k, v in run.items()), ""]
    lines += ["## Summary", "", "```", format_table(summary), "```", "",
              "`ok` / `MISS`: meets / misses the target set in issue 3 (default models, dev set, temperature 0).",
              "", "![Metrics: each bar is a share between 0 and 1, with the target where one is set](metrics.png)",
              "", "*Each bar is one metric; green meets its target (dashed line), red misses it, blue has no "
              "target. The right column says what it counts (e.g. 6 of 58 questions).*", "",
              "![Latency: histograms of time to first token and total time per question](latency.png)", "",
              "*How long answers take on this machine: p50 is the median, p95 the time 95 in 100 questions "
              "beat.*", "", "## By kind of question", "",
              "| kind | questions | answerable | correct | abstained |", "|---|---:|---:|---:|---:|"]
    for kind, row in summary["by_kind"].items():
        lines.append(f"| {kind} | {row['questions']} | {row['answerable']} | {row['correct']} | "
                     f"{row['abstained']} |")
    lines += ["", "## How each metric is computed", ""]
    for spec in METRICS:
        lines.append(f"- **{spec.label}** (`{spec.key}`): {DEFINITIONS[spec.key]}.")
    lines += [f"- **Latency**: {DEFINITIONS['latency']}.", ""]
    lines += _misses(results)
    return "\n".join(lines) + "\n"


def _misses(results: Sequence[QuestionResult], limit: int = 40) -> list[str]:
    wrong = [r for r in results if (r.answerable and not r.scores.get("contains"))
             or (not r.answerable and r.scores.get("answered"))]
    if not wrong:
        return ["## Misses", "", "None: every answerable question was answered correctly and every unanswerable "
                "one abstained.", ""]
    lines = ["## Misses", "", f"{len(wrong)} question(s) answered wrongly, abstained on wrongly, or answered "
             f"although the articles do not hold the answer (first {limit} shown; all in results.jsonl).", "",
             "| id | question | gold | answer |", "|---|---|---|---|"]
    for r in wrong[:limit]:
        gold = " / ".join(r.gold_answers) if r.answerable else "(should abstain)"
        answer = "(abstained)" if not r.scores.get("answered") else r.answer
        lines.append(f"| {r.id} | {_cell(r.question)} | {_cell(gold)} | {_cell(answer)} |")
    return lines + [""]


def _cell(text: str, width: int = 160) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= width else text[: width - 1] + "…"

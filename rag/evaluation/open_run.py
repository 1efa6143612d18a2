"""`rag eval OPEN_FILE`: ask every open question through `RAG.ask`, score it (open_set.py), summarise, report."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from ..answer.grounding import MARKER
from ..errors import RagError
from . import metrics as m
from .open_set import OpenItem, load, score

# Targets of issue 21 (default model / qwen2.5-coder-1.5b), shown beside the figures.
TARGETS = {"recall": 0.55, "support": 0.90, "declined": 0.80, "words": 150}


def run(rag: Any, path: Path, out: Path, limit: int | None = None) -> int:
    items = load(path)[:limit] if limit else load(path)
    t0 = time.perf_counter()
    rag.load()
    load_s = time.perf_counter() - t0
    rows = [ask_one(rag, item) for item in _progress(items)]
    summary = summarise(rows)
    summary["run"] = {"file": path.name, "questions": len(items), "model": rag.model_name, "cores": os.cpu_count(),
                      "cpu": m.cpu_name(), "model_load_s": round(load_s, 1),
                      "minutes": round((time.perf_counter() - t0 - load_s) / 60, 2),
                      "date": time.strftime("%Y-%m-%d %H:%M")}
    out.mkdir(parents=True, exist_ok=True)
    (out / "open_results.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    (out / "open_summary.json").write_text(json.dumps(summary, indent=2))
    (out / "open_report.md").write_text(markdown(rows, summary))
    print(table(summary))
    print(f"\nWrote {out / 'open_results.jsonl'}, {out / 'open_summary.json'}, {out / 'open_report.md'}")
    return 0


def _progress(items: Sequence[OpenItem]) -> Any:
    from tqdm import tqdm

    return tqdm(items, desc="open questions", unit="q", file=sys.stderr)


def ask_one(rag: Any, item: OpenItem) -> dict[str, Any]:
    """One question: its answer, citations, scores and timings (an error is recorded, not raised)."""
    row: dict[str, Any] = {"id": item.id, "kind": item.kind, "question": item.question, "answerable": item.answerable}
    try:
        answer = rag.ask(item.question, history=list(item.history) or None, as_of=item.as_of or None,
                         temperature=0.0)
    except RagError as exc:
        row.update(error=str(exc), scores={"declined": False})
        return row
    quotes = {c.n: c.quote for c in answer.citations}
    # The answer's own sentences (its kept claims: what the text shows, as the product segmented it); the scorer
    # checks each again against the sentence it cites. Re-splitting the text would cut quotes at "No. 1" or "St.".
    sentences = [c.text for c in answer.claims if c.supported] if not answer.abstained else []
    clean = [" ".join(MARKER.sub(" ", s).split()) for s in sentences]
    vectors = rag.embedder.embed(clean + [k.point for k in item.key_points]) if clean or item.key_points else []
    row.update(answer=answer.text, abstained=answer.abstained, shape=answer.kind, mode=answer.mode,
               confidence=answer.confidence,
               citations=[{"n": c.n, "source": c.source, "url": c.url, "date": c.date, "quote": c.quote}
                          for c in answer.citations],
               cites_source=any(c.source in item.sources or c.url in item.sources for c in answer.citations),
               timings={"first_token_s": answer.timings.first_token_s, "total_s": answer.timings.total_s},
               scores=score(item, answer.text, answer.abstained, quotes, vectors[:len(clean)], vectors[len(clean):],
                            sentences=sentences))
    return row


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means over the set (answerable / unanswerable / all) and per question kind."""
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    answered = [r for r in rows if not r.get("abstained", True) and "answer" in r]

    def mean(values: Sequence[float]) -> float | None:
        return round(sum(values) / len(values), 3) if values else None

    sentences = sum(r["scores"].get("sentences", 0) for r in answered)
    verdicts = [r["scores"]["verdict_right"] for r in ans if "verdict_right" in r["scores"]]
    totals = [r["timings"]["total_s"] for r in rows if r.get("timings")]
    firsts = [r["timings"]["first_token_s"] for r in rows if r.get("timings") and r["timings"]["first_token_s"]]
    return {
        "recall": mean([r["scores"].get("recall", 0.0) for r in ans]),
        "recall_terms_only": mean([r["scores"].get("recall_terms", 0.0) for r in ans]),
        "words_mean": mean([r["scores"]["words"] for r in answered]),
        "support": round(sum(r["scores"]["supported"] for r in answered) / sentences, 3) if sentences else None,
        "every_sentence_cited": mean([float(r["scores"]["cited"] == r["scores"]["sentences"]) for r in answered]),
        "declined_unanswerable": mean([float(r.get("abstained", False)) for r in una]),
        "declined_answerable": mean([float(r.get("abstained", False)) for r in ans]),
        "restates": sum(bool(r["scores"].get("restates")) for r in answered),
        "cites_a_gold_source": mean([float(r.get("cites_source", False)) for r in ans if not r.get("abstained")]),
        "yes_no_right": mean([float(v) for v in verdicts]),
        "yes_no_asked": len(verdicts),
        "modes": {mode: sum(r.get("mode") == mode for r in answered) for mode in ("quoted", "written")},
        "shape_right": mean([float(r.get("shape") == r["kind"]) for r in rows if "shape" in r]),
        "total_p50": m.percentile(totals, 50), "total_p95": m.percentile(totals, 95),
        "first_token_p50": m.percentile(firsts, 50), "first_token_p95": m.percentile(firsts, 95),
        "answerable": len(ans), "unanswerable": len(una),
        "by_kind": {k: {"n": len(g), "recall": mean([r["scores"].get("recall", 0.0) for r in g])}
                    for k in sorted({r["kind"] for r in ans}) for g in [[r for r in ans if r["kind"] == k]]},
        "errors": sum(1 for r in rows if r.get("error")),
    }


def table(s: dict[str, Any]) -> str:
    def f(v: Any) -> str:
        return "–" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    lines = [
        "| measure | value | target |", "|---|---|---|",
        f"| key-point recall (terms or paraphrase) | {f(s['recall'])} "
        f"| ≥ {TARGETS['recall']} seeds, ≥ 0.45 RealTime QA (default model) |",
        f"| key-point recall, terms only | {f(s['recall_terms_only'])} | |",
        f"| words per answer (mean) | {f(s['words_mean'])} | ≤ {TARGETS['words']} |",
        f"| citation support (sentences passing the checker) | {f(s['support'])} | ≥ {TARGETS['support']} |",
        f"| answers with every sentence cited | {f(s['every_sentence_cited'])} | 1 |",
        f"| unanswerable declined | {f(s['declined_unanswerable'])} | ≥ {TARGETS['declined']} |",
        f"| answerable declined | {f(s['declined_answerable'])} | |",
        f"| answers that only restate the question | {s['restates']} | 0 |",
        f"| yes/no verdict right (of {s['yes_no_asked']}) | {f(s['yes_no_right'])} | |",
        f"| question shape read right | {f(s['shape_right'])} | |",
        f"| first words p50 / p95 (s) | {f(s['first_token_p50'])} / {f(s['first_token_p95'])} | |",
        f"| whole answer p50 / p95 (s) | {f(s['total_p50'])} / {f(s['total_p95'])} | |",
    ]
    kinds = ", ".join(f"{k} {v['recall']:.2f} ({v['n']})" for k, v in s["by_kind"].items() if v["recall"] is not None)
    return "\n".join(lines) + f"\n\nrecall by kind: {kinds}\nanswers: {s['modes']}; errors: {s['errors']}"


def markdown(rows: Sequence[dict[str, Any]], summary: dict[str, Any]) -> str:
    out = [f"# Open questions: {summary['run']['file']} ({summary['run']['model']})", "", table(summary), ""]
    for r in rows:
        sc = r.get("scores", {})
        head = f"## {r['id']} ({r['kind']}, {'answerable' if r['answerable'] else 'unanswerable'})"
        out += [head, "", f"Q: {r['question']}", "", "```", r.get("answer", r.get("error", "")), "```",
                f"recall {sc.get('recall', '–')}, words {sc.get('words')}, supported {sc.get('supported')}/"
                f"{sc.get('sentences')}", ""]
    return "\n".join(out)

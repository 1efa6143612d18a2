"""Retrieval-only RealTime QA runs (issue 23): top-5 recall and MC accuracy per split, for re-ranking variants.

No LLM: each question is retrieved once (hybrid, as of its date, `--depth` candidates), then every variant
re-orders those candidates and is scored on its top 5: the correct choice's text in them (recall) and the
multiple-choice scorer of `rag eval --realtimeqa` over them. Choose on the tune weeks; the report weeks are
printed beside them so their figure is recorded once.

    .venv/bin/python scripts/rtqa_retrieval.py --index DIR/realtimeqa-index --out exp.json \
        --variants none,mpnet-int8-256,mpnet-fp32-256
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RTQA = ROOT.parent / "shared" / "benchmarks" / "realtimeqa"


def cpu() -> str:
    """CPU model and its AVX-512 / VNNI flags, printed beside every timing."""
    model, flags = "unknown", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and model == "unknown":
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    vnni = "avx512_vnni" in flags or "avx_vnni" in flags
    return f"{model}, {os.cpu_count()} cores, avx512f={'avx512f' in flags}, vnni={vnni}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="a realtimeqa-index folder (use a copy: BM25 caches)")
    ap.add_argument("--collection", default="realtimeqa")
    ap.add_argument("--realtimeqa", type=Path, default=RTQA)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--variants", default="none", help="comma list: none, mpnet-<int8|fp32>-<max len>[-d<depth>]"
                    "[-w<weight>], e.g. mpnet-int8-256-d20-w1")
    ap.add_argument("--overlap", type=int, default=None, help="the index's chunk overlap (for the record only)")
    a = ap.parse_args()

    from rag import RAG, Settings
    from rag.evaluation import metrics as m
    from rag.evaluation.rtqa import choice_credit, load_questions, score_choices
    from rag.evaluation.rtqa_report import split_table
    from rag.evaluation.rtqa_run import question_day, split_figures
    from rag.search.dates import time_window
    from rag.search.rerank import Reranker

    rag = RAG(Settings.from_env(index_dir=a.index, collection=a.collection))
    questions = load_questions(a.realtimeqa)
    rag.load()
    rag.retrieve(questions[0].question, 5)
    t0 = time.perf_counter()
    candidates = []
    for q in questions:
        window = time_window(q.question, question_day(q.date) or date.today())
        candidates.append(rag.retrieve(q.question, a.depth, window=window))
    retrieval_s = (time.perf_counter() - t0) / len(questions)
    print(f"retrieved {len(questions)} x {a.depth} candidates, {retrieval_s * 1000:.0f} ms/question [{cpu()}]",
          file=sys.stderr)

    rerankers: dict[str, Any] = {}
    results: dict[str, Any] = {"cpu": cpu(), "depth": a.depth, "retrieval_ms": round(retrieval_s * 1000, 1),
                               "overlap": a.overlap, "index": str(a.index), "variants": {}}
    for name in [v.strip() for v in a.variants.split(",") if v.strip()]:
        t0 = time.perf_counter()
        if name == "none":
            order = [list(c[:5]) for c in candidates]
        else:
            parts = name.split("-")
            variant, max_len = parts[1], int(parts[2])
            depth = next((int(p[1:]) for p in parts[3:] if p.startswith("d")), a.depth)
            weight = next((float(p[1:]) for p in parts[3:] if p.startswith("w")), 1.0)
            key = f"{variant}-{max_len}"
            if key not in rerankers:
                from rag.models.mpnet import model_folder
                from rag.models.onnx_embedding import OnnxEmbedder

                emb = OnnxEmbedder(model_folder(rag.settings.models_dir), rag.settings.models_dir, variant=variant,
                                   max_seq_length=max_len)
                rerankers[key] = Reranker(emb)
            rr = rerankers[key]
            rr.depth, rr.weight = depth, weight
            order = [rr.rerank(q.question, c)[:5] for q, c in zip(questions, candidates)]
        seconds = (time.perf_counter() - t0) / len(questions)
        rows = []
        for q, hits in zip(questions, order):
            chunks = [h.chunk.text for h in hits]
            scored = score_choices(q.question, q.choices, chunks, rag.embedder.embed)
            rows.append({"id": q.id, "answer_in_chunks": m.contains_answer(" \n ".join(chunks), [q.correct]),
                         "mc_credit": choice_credit([s["score"] for s in scored], q.answer),
                         "top5": [h.chunk.id for h in hits]})
        figures = split_figures(rows)
        results["variants"][name] = {"seconds_per_question": round(seconds, 3), "splits": figures,
                                     "rows": rows}
        print(f"\n== {name}: {seconds:.3f} s/question re-ranking (first pass embeds, later passes hit the cache) "
              f"[{cpu()}]")
        print(split_table(figures))
        a.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

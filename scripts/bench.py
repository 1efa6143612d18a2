"""Speed table (issues 3 and 12), every ratio measured side by side in one run. Prints a table; never pass/fail.

    make bench                                     # everything, ~10 minutes on 2 cores
    .venv/bin/python scripts/bench.py --skip-ingest --skip-scale --skip-decode   # just the cold `rag ask`
    .venv/bin/python scripts/bench.py --scale-index DIR --scale-collection realtimeqa   # a built RealTime QA index

Each part runs in a fresh child process (this script with --part), so import costs, peak memory and
start-up are what a user sees, and no part warms the next one's caches:
- ingest: the first --ingest-articles RealTime QA articles (read at run time from the benchmark folder, never
  copied into the repo; the seeds when it is absent) ingested into a new index: the whole `RAG.ingest` call
  (embedder load included, a progress callback as the CLI passes) against a raw sentence-transformers (torch)
  encode of the same *article text*, each character once (sentence-aligned windows without overlap; model load
  excluded, batch 32 as its default); the text the ingest embedded over the article text; the embedder alone
  on the index's chunks, and per ONNX variant, batch and threads (--variants); peak RSS of the ingest
  process; then the unchanged re-ingest.
- every row carries the CPU model and whether it has AVX-512 and VNNI (int8 speed depends on them).
- cold `rag ask`: `rag ask Q` in a new process over a seeds index, wall time, median of --cold-runs, with
  the default embedder and with RAG_EMBEDDER=torch.
- scale: in a new process, import + load both models + the first retrieval at a RealTime QA-sized index, then
  retrieval p50/p95 over the benchmark's questions.
- decode (issue 3): warm time-to-first-token on dev questions; decode tokens/s of raw llama-cpp-python
  `create_completion(stream=True)`, our LlamaGenerator.stream, with an allow-all logits hook, and with the
  reader's copy constraint on a long copy, all on the same prompt and token count.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RTQA = ROOT.parent / "shared" / "benchmarks" / "realtimeqa"
DEV = ROOT / "rag" / "data" / "dev_questions.jsonl"
TARGETS = {"ingest": "≥ 2× raw torch (≥ 2.5× with AVX-512 VNNI)", "rss": "≤ 1200 MB",
           "reingest": "≤ 15 s (all 2,395 articles)",
           "cold": "≤ 3 s", "scale": "≤ 3 s (13-week index)", "p95": "≤ 150 ms", "ttft": "≤ 1.0 s",
           "decode": "≥ 0.95× raw"}


# ---------------------------------------------------------------------------------------------- child parts
def cpu_info() -> dict[str, Any]:
    """The CPU model and the instruction sets that decide int8 speed (printed beside every timing)."""
    model, flags = "unknown CPU", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and model == "unknown CPU":
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return {"model": model, "cores": os.cpu_count() or 1, "avx2": "avx2" in flags, "avx512": "avx512f" in flags,
            "vnni": bool(flags & {"avx512_vnni", "avx_vnni"})}


def cpu_tag() -> str:
    c = cpu_info()
    isa = "AVX-512" if c["avx512"] else "AVX2" if c["avx2"] else "no AVX2"
    return f"{c['model']}, {c['cores']} cores, {isa}{' + VNNI' if c['vnni'] else ', no VNNI'}"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # Linux: kB


def part_ingest(a: argparse.Namespace) -> dict[str, Any]:
    from rag import RAG

    rag = RAG(index_dir=a.index, collection="bench", max_file_bytes=500_000_000)
    t0 = time.perf_counter()
    # With a progress callback, as every face calls it (the CLI's bar): the count of the true total is timed too.
    report = rag.ingest([a.corpus], progress=lambda done, total, what: None)
    seconds = time.perf_counter() - t0
    embedded = sum(len(c.text) for c in rag.store().all_chunks()) if report.chunks_embedded else 0
    return {"chunks": report.chunks_embedded, "articles": report.added + report.updated,
            "unchanged": report.unchanged, "seconds": seconds, "rss_mb": peak_rss_mb(),
            "embedder": getattr(rag.embedder, "name", ""), "embedded_chars": embedded,
            "overlap": rag.settings.chunk_overlap_sentences}


def article_texts(corpus: Path) -> list[str]:
    """The cleaned text of every article under `corpus`, as ingest reads it (no chunking)."""
    from rag.ingest.loading import Pending, Walk, scan

    texts = []
    for item in scan([corpus], max_file_bytes=500_000_000, salt="bench", walk=Walk()):
        if isinstance(item, Pending):
            texts.append(item.build().text)
    return texts


def part_articles(a: argparse.Namespace) -> dict[str, Any]:
    """A raw sentence-transformers (torch) encode of the articles' text, each text embedded once.

    The model reads at most 256 word pieces, so each article is cut into sentence-aligned windows of the
    chunk size without overlap (what any user must do to embed all of it); model load excluded, batch 32 (its
    default)."""
    from sentence_transformers import SentenceTransformer

    from rag.config import Settings
    from rag.ingest.chunking import chunk_document
    from rag.models.embedding import default_embedder_path
    from rag.records import Document

    texts = article_texts(a.corpus)
    size = Settings.from_env().chunk_chars
    windows = [c.text for i, t in enumerate(texts)
               for c in chunk_document(Document(key=str(i), source="a", title="", text=t, content_hash="h"),
                                       max_chars=size, overlap=0)]
    model = SentenceTransformer(str(default_embedder_path()), device="cpu", local_files_only=True)
    model.encode(windows[:32], batch_size=32, show_progress_bar=False)
    t0 = time.perf_counter()
    model.encode(windows, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    return {"seconds": time.perf_counter() - t0, "articles": len(texts), "windows": len(windows),
            "article_chars": sum(len(t) for t in texts), "threads": __import__("torch").get_num_threads()}


def part_variants(a: argparse.Namespace) -> dict[str, Any]:
    """The ONNX embedder alone on an index's chunk texts, per (variant, batch, threads): texts/s."""
    from rag import RAG
    from rag.models.embedding import default_embedder_path
    from rag.models.onnx_embedding import OnnxEmbedder

    rag = RAG(index_dir=a.index, collection="bench")
    texts = [c.text for c in rag.store().all_chunks()][:a.n]
    out = {}
    for spec in a.embedder.split(","):
        variant, batch, threads = spec.split(":")
        emb = OnnxEmbedder(default_embedder_path(), rag.settings.models_dir, variant=variant,
                           batch_size=int(batch), threads=int(threads))
        emb.embed(texts[:16])
        t0 = time.perf_counter()
        emb.embed(texts)
        out[spec] = len(texts) / (time.perf_counter() - t0)
    return {"rates": out, "texts": len(texts)}


def part_encode(a: argparse.Namespace) -> dict[str, Any]:
    """Chunks/s of the embedder alone on the chunk texts of an index (model loaded and warmed first)."""
    from rag import RAG

    rag = RAG(index_dir=a.index, collection="bench")
    texts = [c.text for c in rag.store().all_chunks()]
    if a.embedder == "torch-raw":  # plain sentence-transformers, as a user of the library would call it
        from sentence_transformers import SentenceTransformer

        from rag.models.embedding import default_embedder_path

        model = SentenceTransformer(str(default_embedder_path()), device="cpu", local_files_only=True)

        def encode(batch: list[str]) -> Any:
            return model.encode(batch, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    else:
        embedder = rag.embedder
        encode = embedder.embed
    encode(texts[:32])
    t0 = time.perf_counter()
    encode(texts)
    seconds = time.perf_counter() - t0
    return {"chunks": len(texts), "seconds": seconds}


def part_scale(a: argparse.Namespace) -> dict[str, Any]:
    """Import, load both models, first retrieval (BM25 loaded or built); then retrieval latency."""
    started = time.time()
    from rag import RAG

    imported = time.time()
    rag = RAG(index_dir=a.index, collection=a.collection)
    questions = _questions(a.source, a.n)
    rag.load()
    rag.retrieve(questions[0])
    first = time.time()
    t0 = time.perf_counter()
    rag.retrieve(questions[1])
    second = time.perf_counter() - t0
    times = []
    for q in questions[2:]:
        t0 = time.perf_counter()
        rag.retrieve(q)
        times.append(time.perf_counter() - t0)
    return {"started": started, "imports_s": imported - started, "first_done": first, "second_s": second,
            "times": times, "chunks": rag.store().count(), "rss_mb": peak_rss_mb()}


def part_decode(a: argparse.Namespace) -> dict[str, Any]:
    from rag import RAG
    from rag.answer.reader import ANCHOR_BIAS, CopySpans, build_prompt, copy_constraint
    from rag.models.generation import Prompt

    rag = RAG(index_dir=a.index, collection="bench").load()
    gen = rag.generator
    questions = _questions(str(DEV), a.n)
    rag.ask(questions[0])  # warm-up: caches, first-call allocations
    ttft, skipped = [], 0
    for q in questions:
        t0 = time.perf_counter()
        first = None
        for item in rag.stream(q):
            if first is None and isinstance(item, str):
                first = time.perf_counter() - t0
        if first is None:
            skipped += 1
        else:
            ttft.append(first)
    q = questions[0]
    _query, shown = rag.passages(q)
    shown = shown[:rag.reads()]
    prompt = build_prompt(q, shown, chat=gen.has_chat_template)
    out: dict[str, Any] = {"ttft": ttft, "skipped": skipped, "speeds": {}}
    if prompt.text is None:
        return out  # a chat model's prompt is messages: the raw completion comparison needs text
    text = prompt.text
    llm = gen.llm  # type: ignore[attr-defined]  # the raw llama_cpp.Llama under our wrapper

    def raw() -> Any:
        for ch in llm.create_completion(text, max_tokens=a.tokens, temperature=0.0, stream=True, top_k=1):
            yield ch["choices"][0]["text"]

    def ours() -> Any:
        return gen.stream(Prompt(text=text), max_tokens=a.tokens, temperature=0.0, stop=())

    def masked() -> Any:  # a hook that allows every token: the logits-processor path over a long generation
        return gen.stream(Prompt(text=text), max_tokens=a.tokens, temperature=0.0, stop=(),
                          allowed=lambda generated: None)

    speeds: dict[str, list[float]] = {"raw llama-cpp-python": [], "ours (stream)": [], "ours + logits hook": []}
    for _ in range(a.runs):
        for name, fn in (("raw llama-cpp-python", raw), ("ours (stream)", ours), ("ours + logits hook", masked)):
            speeds[name].append(decode_rate(fn())[0])
    # The reader's real copy constraint made to copy a long run (its sources joined and repeated, no early
    # stop), so the per-token cost of computing the allowed set and masking is what is timed.
    real = copy_constraint(gen, shown, question=q)
    long_src = sum(real.sources, []) * 3
    words = real.word_tokens or set()
    starts = [[i for i, t in enumerate(long_src) if t in words]]
    long_copy = CopySpans([long_src], stop_ids=real.stop_ids, starts=starts,
                          can_stop=lambda generated: False, prior=[[0.5] * len(long_src)], bias=ANCHOR_BIAS)
    copy = []
    for _ in range(a.runs):
        long_copy.confidences.clear()
        rate, n = decode_rate(gen.stream(prompt, max_tokens=a.tokens, temperature=0.0, stop=(), allowed=long_copy))
        if n:
            copy.append(rate)
    speeds["ours + the reader's copy constraint (long copy)"] = copy
    out.update(speeds=speeds, prompt_tokens=len(gen.tokenize(text)), context=rag.settings.context_tokens)
    return out


def decode_rate(pieces: Any) -> tuple[float, int]:
    """tokens/s after the first token; llama-cpp-python streams one piece per token, so pieces are counted."""
    first = None
    n = 0
    for _piece in pieces:
        if first is None:
            first = time.perf_counter()
            continue
        n += 1
    end = time.perf_counter()
    return (n / (end - first) if first and end > first and n else 0.0), n


def _questions(source: str, n: int) -> list[str]:
    """Questions without history from a QA JSONL file, or the RealTime QA folder's questions."""
    path = Path(source)
    if path.is_dir():
        from rag.evaluation.rtqa import load_questions

        return [q.question for q in load_questions(path)][:n]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if not r.get("history")][:n]


PARTS = {"ingest": part_ingest, "encode": part_encode, "scale": part_scale, "decode": part_decode,
         "articles": part_articles, "variants": part_variants}


# ---------------------------------------------------------------------------------------------- the parent
def child(part: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--part", part, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"bench part {part} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def rag_command() -> list[str]:
    exe = Path(sys.executable).with_name("rag")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "rag"]


def cold_ask(index: Path, question: str, runs: int, env: dict[str, str]) -> list[float]:
    walls = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run([*rag_command(), "ask", question, "--index-dir", str(index), "--collection", "bench"],
                              capture_output=True, text=True, env={**os.environ, **env}, cwd=ROOT)
        walls.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise SystemExit(f"`rag ask` failed:\n{proc.stderr[-2000:]}")
    return walls


def subset_corpus(folder: Path, articles: int, dest: Path) -> Path:
    """The first `articles` RealTime QA articles (deduplicated by URL) as one JSONL file under dest."""
    sys.path.insert(0, str(ROOT))
    from rag.evaluation.rtqa import build_corpus

    corpus = build_corpus(folder, dest / "weeks")
    lines: list[str] = []
    for path in sorted(corpus.folder.glob("*.jsonl")):
        lines += [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if len(lines) >= articles:
            break
    out = dest / "articles.jsonl"
    out.write_text("\n".join(lines[:articles]) + "\n", encoding="utf-8")
    return out


def pct(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100)."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--skip-ingest", action="store_true", help="skip ingest vs raw torch encode and peak RSS")
    ap.add_argument("--skip-cold", action="store_true", help="skip the cold `rag ask` runs")
    ap.add_argument("--skip-torch-cold", action="store_true", help="skip the cold `rag ask` with RAG_EMBEDDER=torch")
    ap.add_argument("--skip-scale", action="store_true", help="skip load + first query and retrieval latency")
    ap.add_argument("--skip-decode", action="store_true", help="skip warm TTFT and decode speed")
    ap.add_argument("--ingest-articles", type=int, default=100, help="RealTime QA articles to ingest (default 100)")
    ap.add_argument("--cold-runs", type=int, default=5)
    ap.add_argument("--variants", default="int8:4:2,int8:16:2,int8:32:2,fp32:4:2,fp32:16:2,int8:4:1",
                    help="ONNX variant:batch:threads settings to time alone ('' skips them)")
    ap.add_argument("--scale-index", type=Path, help="a RealTime QA index (default: eval_out/rtqa/realtimeqa-index "
                    "when present, else the ingest part's index)")
    ap.add_argument("--scale-collection", default="realtimeqa")
    ap.add_argument("--scale-questions", type=int, default=100, help="questions for retrieval latency")
    ap.add_argument("--realtimeqa", type=Path, default=RTQA, help="the RealTime QA benchmark folder")
    ap.add_argument("--questions", type=int, default=20, help="dev questions for TTFT")
    ap.add_argument("--tokens", type=int, default=64, help="tokens to decode per speed run")
    ap.add_argument("--runs", type=int, default=5, help="decode runs per variant")
    # internal: run one part in this process and print its JSON
    ap.add_argument("--part", choices=sorted(PARTS), help=argparse.SUPPRESS)
    ap.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--collection", default="bench", help=argparse.SUPPRESS)
    ap.add_argument("--embedder", default="", help=argparse.SUPPRESS)
    ap.add_argument("--source", default=str(DEV), help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=20, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.part:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(PARTS[a.part](a)))
        return 0

    work = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    rows: list[tuple[str, str, str, str, str]] = []  # measure, this run, reference, ratio, target
    try:
        seeds_index = work / "seeds-index"
        need_seeds = not (a.skip_cold and a.skip_decode)
        if need_seeds:
            child("ingest", "--index", str(seeds_index), "--corpus", str(ROOT / "seeds"))
        ingest_index = work / "ingest-index"
        parts = [("ingest", a.skip_ingest, lambda: ingest_rows(a, work, ingest_index)),
                 ("cold `rag ask`", a.skip_cold, lambda: cold_rows(a, seeds_index)),
                 ("scale", a.skip_scale, lambda: scale_rows(a, ingest_index)),
                 ("decode", a.skip_decode, lambda: decode_rows(a, seeds_index))]
        for name, skip, run in parts:
            if skip:
                continue
            try:
                rows += run()
            except SystemExit as exc:  # one part failing still prints the others
                print(exc, file=sys.stderr)
                rows.append((name, "failed (see above)", "", "", ""))
            print(f"bench: {name} done", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tag = cpu_tag()  # every timing was taken on this CPU: int8 speed depends on AVX-512 / VNNI
    print(f"\nCPU: {tag}")
    print("\n| measure | this run | reference, same run | ratio | target | CPU |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + f" | {tag} |")
    return 0


def ingest_rows(a: argparse.Namespace, work: Path, index: Path) -> list[tuple[str, str, str, str, str]]:
    if a.realtimeqa.is_dir():
        corpus = subset_corpus(a.realtimeqa, a.ingest_articles, work / "corpus")
        what = f"{a.ingest_articles} RealTime QA articles"
    else:
        corpus, what = ROOT / "seeds", "the seeds (no RealTime QA folder)"
    first = child("ingest", "--index", str(index), "--corpus", str(corpus))
    again = child("ingest", "--index", str(index), "--corpus", str(corpus))
    articles = child("articles", "--corpus", str(corpus))
    torch = child("encode", "--index", str(index), "--embedder", "torch-raw")
    ours = child("encode", "--index", str(index))
    # The reference is the time a raw torch encode needs for the same article text, each character once; the
    # ingest's speed-up is that time over the ingest's (reading, chunking, embedding, storing, load included).
    speedup = articles["seconds"] / first["seconds"]
    chars = articles["article_chars"]
    torch_rate = torch["chunks"] / torch["seconds"]
    ours_rate = ours["chunks"] / ours["seconds"]
    rows = [
        (f"ingest, {what} ({first['chunks']} chunks, overlap {first['overlap']} sentence(s), embedder "
         f"{first['embedder']}, load included)",
         f"{first['seconds']:.1f} s ({first['chunks'] / first['seconds']:.1f} chunks/s, "
         f"{chars / first['seconds'] / 1000:.1f} k article chars/s)",
         f"raw torch encode of the same article text {articles['seconds']:.1f} s ({articles['windows']} "
         f"non-overlapping windows, {chars / articles['seconds'] / 1000:.1f} k chars/s, {articles['threads']} "
         "threads)", f"{speedup:.2f}×", TARGETS["ingest"]),
        ("text embedded by the ingest / article text", f"{first['embedded_chars'] / max(1, chars):.2f}×",
         f"{first['embedded_chars']:,} of {chars:,} chars", "", "1.00× (no text embedded twice)"),
        ("embedder alone on the index's chunks (loaded, warmed)", f"{ours_rate:.1f} chunks/s",
         f"raw torch encode {torch_rate:.1f} chunks/s", f"{ours_rate / torch_rate:.2f}×", ""),
        ("peak RSS of the ingest process", f"{first['rss_mb']:.0f} MB", "", "", TARGETS["rss"]),
        (f"unchanged re-ingest ({again['unchanged']} articles)", f"{again['seconds']:.2f} s", "", "",
         TARGETS["reingest"]),
    ]
    if a.variants:
        r = child("variants", "--index", str(index), "--embedder", a.variants, "--n", "800")
        best = max(r["rates"].values())
        for spec, rate in r["rates"].items():
            variant, batch, threads = spec.split(":")
            rows.append((f"ONNX {variant}, batch {batch}, {threads} thread(s), alone on {r['texts']} chunks",
                         f"{rate:.1f} chunks/s", f"raw torch encode {torch_rate:.1f} chunks/s",
                         f"{rate / torch_rate:.2f}×", "best" if rate == best else ""))
    return rows


def cold_rows(a: argparse.Namespace, index: Path) -> list[tuple[str, str, str, str, str]]:
    question = _questions(str(DEV), 1)[0]
    walls = cold_ask(index, question, a.cold_runs, {})
    med = statistics.median(walls)
    ref, ratio = "", ""
    if not a.skip_torch_cold:
        torch = cold_ask(index, question, max(1, min(3, a.cold_runs)), {"RAG_EMBEDDER": "torch"})
        ref = f"RAG_EMBEDDER=torch {statistics.median(torch):.2f} s (median of {len(torch)})"
        ratio = f"{statistics.median(torch) / med:.2f}× faster"
    return [(f"cold `rag ask` wall (new process, seeds index; median of {len(walls)}, "
             f"min {min(walls):.2f}, max {max(walls):.2f})", f"{med:.2f} s", ref, ratio, TARGETS["cold"])]


def scale_rows(a: argparse.Namespace, fallback: Path) -> list[tuple[str, str, str, str, str]]:
    index, collection = a.scale_index, a.scale_collection
    default = ROOT / "eval_out" / "rtqa" / "realtimeqa-index"
    if index is None and default.is_dir():
        index = default
    if index is None:
        if not fallback.is_dir():
            return [("load + first query", "skipped: no index (give --scale-index or drop --skip-ingest)", "", "",
                     TARGETS["scale"])]
        index, collection = fallback, "bench"
    source = str(a.realtimeqa) if a.realtimeqa.is_dir() else str(DEV)
    t0 = time.time()
    r = child("scale", "--index", str(index), "--collection", collection, "--source", source,
              "--n", str(a.scale_questions + 2))
    wall = r["first_done"] - t0
    times = r["times"]
    return [
        (f"load + first query, new process ({r['chunks']} chunks at {index.name}; imports {r['imports_s']:.2f} s)",
         f"{wall:.2f} s", f"second query {r['second_s'] * 1000:.0f} ms", "", TARGETS["scale"]),
        (f"retrieval p50 / p95 ({len(times)} questions, {r['chunks']} chunks)",
         f"{pct(times, 50) * 1000:.0f} / {pct(times, 95) * 1000:.0f} ms", "", "", TARGETS["p95"]),
        ("peak RSS of that process", f"{r['rss_mb']:.0f} MB", "", "", ""),
    ]


def decode_rows(a: argparse.Namespace, index: Path) -> list[tuple[str, str, str, str, str]]:
    r = child("decode", "--index", str(index), "--n", str(a.questions))
    med = statistics.median
    ttft = r["ttft"]
    rows = [(f"warm TTFT median ({len(ttft)} dev questions; {r['skipped']} abstained before generating)",
             f"{med(ttft):.3f} s", f"p90 {pct(ttft, 90):.3f} s", "", TARGETS["ttft"])]
    speeds = r["speeds"]
    raw = med(speeds.get("raw llama-cpp-python") or [0.0])
    for name, vals in speeds.items():
        if name == "raw llama-cpp-python" or not vals:
            continue
        rows.append((f"decode, {name} ({a.tokens} tokens, median of {len(vals)})", f"{med(vals):.1f} tok/s",
                     f"raw llama-cpp-python {raw:.1f} tok/s", f"{med(vals) / raw:.2f}×" if raw else "",
                     TARGETS["decode"] if "copy" not in name else ""))
    if "prompt_tokens" in r:
        rows.append(("prompt tokens (few-shot prefix cached + sources)", str(r["prompt_tokens"]),
                     f"sources budget {r['context']}", "", ""))
    return rows


if __name__ == "__main__":
    raise SystemExit(main())

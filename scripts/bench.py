"""Latency benchmark (issue 3): warm time-to-first-token on the seeds, and decode speed of our generator
against raw llama-cpp-python on the same prompt. Prints a table; never a pass/fail test.

    make bench            # or: .venv/bin/python scripts/bench.py [--questions N] [--tokens N]

TTFT is measured the way a user feels it: from calling RAG.stream() to the first answer piece, including
retrieval, sentence scoring and prompt prefill (the few-shot prefix is served from the KV cache).
Decode speed: tokens/s after the first token, for (a) raw `Llama.create_completion(stream=True)`, (b) our
LlamaGenerator.stream with no constraint, (c) with the copy constraint the reader uses, all on the same
prompt and the same number of tokens.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag import RAG  # noqa: E402
from rag.search import passages as psg  # noqa: E402
from rag.models.generation import Prompt  # noqa: E402
from rag.answer.reader import ANCHOR_BIAS, CopySpans, build_prompt, copy_constraint  # noqa: E402


def ttft(rag: RAG, questions: list[str]) -> tuple[list[float], int]:
    """Seconds from RAG.stream() to the first answer piece; also how many questions abstained before generating."""
    times, skipped = [], 0
    for q in questions:
        t0 = time.perf_counter()
        first = None
        for item in rag.stream(q):
            if first is None and isinstance(item, str):
                first = time.perf_counter() - t0
        if first is None:
            skipped += 1
        else:
            times.append(first)
    return times, skipped


def decode_rate(pieces) -> tuple[float, int]:
    """tokens/s after the first token. llama-cpp-python streams one piece per generated token, so pieces are
    counted (re-tokenising the text would merge runs such as "\n\n" and undercount)."""
    first = None
    n = 0
    for _piece in pieces:
        if first is None:
            first = time.perf_counter()
            continue
        n += 1
    end = time.perf_counter()
    return (n / (end - first) if first and end > first and n else 0.0), n


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", type=int, default=20, help="dev questions for TTFT (answerable first)")
    ap.add_argument("--tokens", type=int, default=64, help="tokens to decode per speed run")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    rag = RAG()
    if rag.store(create=True).count() == 0:
        rag.ingest([ROOT / "seeds"])
    rag.load()
    gen = rag.generator
    rows = [json.loads(line) for line in (ROOT / "rag/data/dev_questions.jsonl").read_text().splitlines() if line]
    questions = [r["question"] for r in rows if not r.get("history")][: args.questions]
    rag.ask(questions[0])  # warm-up: caches, first-call allocations

    times, skipped = ttft(rag, questions)

    # Decode speed on one realistic prompt (the reader's prompt for a seed question).
    q = questions[0]
    hits = rag.retrieve(q)
    shown = psg.select(psg.score_sentences(q, psg.candidate_sentences(hits), rag.embedder),
                       max_passages=rag.reads(), token_budget=rag.settings.context_tokens,
                       count_tokens=lambda t: len(gen.tokenize(t)))
    prompt = build_prompt(q, shown, chat=False)
    count = lambda t: len(gen.tokenize(t))  # noqa: E731
    llm = gen.llm  # the raw llama_cpp.Llama under our wrapper

    def raw():
        for ch in llm.create_completion(prompt.text, max_tokens=args.tokens, temperature=0.0, stream=True, top_k=1):
            yield ch["choices"][0]["text"]

    def ours():
        return gen.stream(Prompt(text=prompt.text), max_tokens=args.tokens, temperature=0.0, stop=())

    # A hook that allows every token measures the logits-processor path over the same long generation.
    def masked():
        return gen.stream(Prompt(text=prompt.text), max_tokens=args.tokens, temperature=0.0, stop=(),
                          allowed=lambda generated: None)

    speeds: dict[str, list[float]] = {"raw llama-cpp-python": [], "ours (stream)": [], "ours + logits hook": []}
    for _ in range(args.runs):
        for name, fn in (("raw llama-cpp-python", raw), ("ours (stream)", ours), ("ours + logits hook", masked)):
            rate, _n = decode_rate(fn())
            speeds[name].append(rate)
    # The reader's real copy constraint, made to copy a long run: one source (the shown sentences, joined and
    # repeated so it outlasts --tokens)
    # and no early stop, so the per-token cost of computing the allowed set and masking is what is timed.
    real = copy_constraint(gen, shown, question=questions[0])
    long_src = sum(real.sources, []) * 3
    word_tokens = real.word_tokens or set()
    long_copy = CopySpans([long_src], stop_ids=real.stop_ids,
                          starts=[[i for i, t in enumerate(long_src) if t in word_tokens]],
                          can_stop=lambda generated: False, prior=[[0.5] * len(long_src)], bias=ANCHOR_BIAS)
    c_times = []
    for _ in range(args.runs):
        long_copy.confidences.clear()
        rate, n = decode_rate(gen.stream(prompt, max_tokens=args.tokens, temperature=0.0, stop=(),
                                         allowed=long_copy))
        if n:
            c_times.append(rate)
    med = statistics.median
    raw_rate = med(speeds["raw llama-cpp-python"])
    print("\n| measure | value | target |")
    print("|---|---|---|")
    print(f"| warm TTFT median ({len(times)} seed questions; {skipped} abstained before generating) "
          f"| {med(times):.3f} s | ≤ 1.0 s |")
    print(f"| warm TTFT p90 | {sorted(times)[int(0.9 * (len(times) - 1))]:.3f} s | |")
    for name, vals in speeds.items():
        ratio = med(vals) / raw_rate if raw_rate else 0
        print(f"| decode, {name} ({args.tokens} tokens, median of {args.runs}) | {med(vals):.1f} tok/s "
              f"({ratio:.2f}× raw) | ≥ 0.95× raw |")
    if c_times:
        print(f"| decode, ours + the reader's copy constraint (long copy) | {med(c_times):.1f} tok/s "
              f"({med(c_times) / raw_rate:.2f}× raw) | |")
    print(f"| prompt tokens (few-shot prefix cached + sources) | {count(prompt.text)} | context budget "
          f"{rag.settings.context_tokens} for sources |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

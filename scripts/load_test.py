"""Load test of `rag serve` (issue 22): N concurrent clients x M questions on loopback, bounded in count and time.

    .venv/bin/python scripts/load_test.py                      # 16 clients x 4 questions, default model, seeds
    .venv/bin/python scripts/load_test.py --url http://127.0.0.1:8000/v1 --key KEY   # a server already running

Without --url it ingests the seeds into a temporary index with the CLI and starts `rag serve` on a free
127.0.0.1 port (stopped at the end). Each client asks its questions one after another; a 429 is retried after its
Retry-After (at most --max-tries times per question). Passes when every request is answered (none lost), every
429 carried Retry-After, and every answer is for its own question: its cited quotes (the closest passages when
it abstained) hold that question's word. Prints p50/p95 latency from the first try to the answer (429 waits
included) and of the answered tries alone, and the CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Questions about the seeds, each with words its own cited sentence holds and the other questions' do not (checked
# on the default model, 2026-12-04): an answer that came back to the wrong request fails the check.
QUESTIONS = [
    ("Who is the Russian ambassador in Kabul?", "Zhirnov"),
    ("Who is Zamir Kabulov?", "Kabulov"),
    ("Which country was the first to officially recognise the Taliban government?", "first country"),
    ("In which city was the Taliban delegation hosted by Russia?", "hosted"),
    ("What kind of trafficking did Lavrov say the Taliban is campaigning to curb?", "narcotics"),
    ("In which regions is Russia trying to boost its influence through its Taliban outreach?", "outreach"),
    ("Who is the Taliban's foreign minister?", "Taliban Foreign Minister"),
    ("What year did the Taliban come back to power in Afghanistan?", "2021"),
]


@dataclass
class Result:
    client: int
    question: str
    word: str
    status: int = 0
    tries: int = 0
    throttled: int = 0
    throttled_without_retry_after: int = 0
    latency_s: float = 0.0  # first try -> answer, 429 waits included
    answered_try_s: float = 0.0  # the try that was answered
    abstained: bool = False
    own: bool = False  # the cited quotes hold the question's word
    error: str = ""
    quotes: list[str] = field(default_factory=list)


async def client(n: int, questions: list[tuple[str, str]], url: str, key: str, max_tries: int,
                 deadline: float) -> list[Result]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    out = []
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300) as http:
        for question, word in questions:
            r = Result(n, question, word)
            t0 = time.perf_counter()
            while r.tries < max_tries and time.monotonic() < deadline:
                r.tries += 1
                t_try = time.perf_counter()
                try:
                    reply = await http.post("/chat/completions", json={
                        "model": None, "messages": [{"role": "user", "content": question}]})
                except httpx.HTTPError as exc:
                    r.error = f"{type(exc).__name__}: {exc}"
                    break
                r.status = reply.status_code
                if reply.status_code == 429:
                    r.throttled += 1
                    wait = reply.headers.get("retry-after")
                    if wait is None:
                        r.throttled_without_retry_after += 1
                    await asyncio.sleep(float(wait or 1))
                    continue
                r.answered_try_s = time.perf_counter() - t_try
                body = reply.json()
                if reply.status_code != 200:
                    r.error = str(body.get("error", body))[:200]
                    break
                r.abstained = bool(body.get("abstained"))
                cites = body.get("closest", []) if r.abstained else body.get("citations", [])
                r.quotes = [c["quote"] for c in cites]
                r.own = any(re.search(re.escape(word), q, re.I) for q in r.quotes)
                break
            r.latency_s = time.perf_counter() - t0
            out.append(r)
    return out


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between the closest ranks (as the eval reports)."""
    if not values:
        return float("nan")
    xs = sorted(values)
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def cpu() -> str:
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
    except OSError:
        return platform.processor()
    model = re.search(r"Model name:\s*(.+)", text)
    flags = set(re.findall(r"\b(avx512\w*|avx_vnni|avx2)\b", text))
    vnni = "yes" if {"avx512_vnni", "avx_vnni"} & flags else "no"
    return (f"{model.group(1).strip() if model else '?'}, {os.cpu_count()} cores visible; AVX2 "
            f"{'yes' if 'avx2' in flags else 'no'}, AVX-512 {'yes' if 'avx512f' in flags else 'no'}, VNNI {vnni}")


async def baseline(url: str, key: str) -> dict[str, Result]:
    """Each question once, alone: the answer every loaded request must match, and the unloaded latency."""
    deadline = time.monotonic() + 300
    results = await client(-1, QUESTIONS, url, key, 3, deadline)
    return {r.question: r for r in results}


async def run(url: str, key: str, clients: int, per_client: int, max_tries: int, seconds: float) -> list[Result]:
    deadline = time.monotonic() + seconds
    plans = [[QUESTIONS[(i + k) % len(QUESTIONS)] for k in range(per_client)] for i in range(clients)]
    batches = await asyncio.gather(*(client(i, plan, url, key, max_tries, deadline) for i, plan in enumerate(plans)))
    return [r for batch in batches for r in batch]


def report(results: list[Result], expected: int, wall: float, alone: dict[str, Result]) -> bool:
    answered = [r for r in results if r.status == 200]
    alone_s = [r.answered_try_s for r in alone.values()]
    print(f"each question alone first: {sum(r.own for r in alone.values())}/{len(alone)} cite their own passages; "
          f"p50 {percentile(alone_s, 50):.2f} s, max {max(alone_s, default=float('nan')):.2f} s")
    same = sum(r.quotes == alone[r.question].quotes for r in answered if r.question in alone)
    print(f"answers under load citing exactly what the question cited alone: {same}/{len(answered)}")
    lost = expected - len(answered)
    mixed = [r for r in answered if not r.own]
    throttled = sum(r.throttled for r in results)
    no_header = sum(r.throttled_without_retry_after for r in results)
    e2e = [r.latency_s for r in answered]
    tries = [r.answered_try_s for r in answered]
    print(f"requests: {expected} ({len({r.client for r in results})} clients); answered {len(answered)}, "
          f"lost {lost}, answers citing another question's passages {len(mixed)}, abstained "
          f"{sum(r.abstained for r in answered)}")
    print(f"429s: {throttled} (without Retry-After: {no_header}); most tries for one question: "
          f"{max((r.tries for r in results), default=0)}")
    print(f"latency, first try to answer (429 waits included): p50 {percentile(e2e, 50):.2f} s, "
          f"p95 {percentile(e2e, 95):.2f} s, max {max(e2e, default=float('nan')):.2f} s")
    print(f"latency of the answered try alone:                 p50 {percentile(tries, 50):.2f} s, "
          f"p95 {percentile(tries, 95):.2f} s")
    print(f"wall {wall:.1f} s, {len(answered) / wall:.2f} answers/s ({wall / max(1, len(answered)):.2f} s of model "
          f"time per answer); mean answered try {statistics.mean(tries) if tries else float('nan'):.2f} s")
    print(f"CPU: {cpu()}")
    for r in results:
        if r.status != 200 or not r.own:
            print(f"  ! client {r.client}: {r.question!r} -> {r.status} {r.error} quotes={r.quotes}")
    ok = lost == 0 and not mixed and no_header == 0
    print("PASS" if ok else "FAIL")
    return ok


def wait_ready(url: str, proc: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"rag serve exited with {proc.returncode}")
        try:
            if httpx.get(url.removesuffix("/v1") + "/health", timeout=2).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"rag serve not ready after {seconds:g} s")


def measure(url: str, key: str, a: argparse.Namespace) -> bool:
    alone = asyncio.run(baseline(url, key))
    t0 = time.perf_counter()
    results = asyncio.run(run(url, key, a.clients, a.questions, a.max_tries, a.seconds))
    return report(results, a.clients * a.questions, time.perf_counter() - t0, alone)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", help="a running server's /v1 URL (default: start one over a temporary seeds index)")
    p.add_argument("--key", default=os.environ.get("RAG_API_KEY", ""), help="its API key, if it wants one")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--questions", type=int, default=4, help="questions per client")
    p.add_argument("--max-tries", type=int, default=60, help="tries per question (429s retried after Retry-After)")
    p.add_argument("--seconds", type=float, default=600, help="stop retrying after this long")
    a = p.parse_args()
    if a.url:
        return 0 if measure(a.url, a.key, a) else 1
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}  # the default model and settings
    with tempfile.TemporaryDirectory(prefix="rag-load-") as tmp:
        index = str(Path(tmp) / "idx")
        done = subprocess.run([str(BIN / "rag"), "ingest", str(ROOT / "seeds"), "--index-dir", index], env=env,
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"rag ingest failed: {done.stderr}")
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        log = open(Path(tmp) / "serve.log", "wb")
        proc = subprocess.Popen([str(BIN / "rag"), "serve", "--index-dir", index, "--port", str(port)], env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/v1"
            wait_ready(url, proc, 240)
            print(f"rag serve on {url} (the default model over the seeds); {a.clients} clients x {a.questions} "
                  "questions", flush=True)
            ok = measure(url, "", a)
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

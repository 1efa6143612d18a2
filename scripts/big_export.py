"""Make a large JSONL export from the RealTime QA articles and ingest it, reporting time and peak RSS.

    python scripts/big_export.py --mb 50 --out /tmp/big     # writes /tmp/big/export.jsonl, ingests it

Records are repeated with changed URLs until the file reaches the size, as a newsroom export of many
articles would be. The benchmark texts are read at run time and written only under --out (never the repo).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

RTQA = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks" / "realtimeqa"


def make_export(target: Path, megabytes: float) -> tuple[int, int]:
    articles = []
    for week in sorted(RTQA.glob("*_gcs.jsonl")):
        for line in week.read_text(encoding="utf-8").splitlines():
            for art in json.loads(line).get("search_result") or []:
                if art.get("text"):
                    articles.append(art)
    if not articles:
        sys.exit(f"no RealTime QA articles under {RTQA}")
    size, n, copy = 0, 0, 0
    with target.open("w", encoding="utf-8") as fh:
        while size < megabytes * 1e6:
            for art in articles:
                rec = {"url": f"{art['url']}#copy{copy}" if copy else art["url"], "title": art.get("title", ""),
                       "text": art["text"], "publish_date": art.get("publish_date", ""),
                       "authors": art.get("authors") or []}
                line = json.dumps(rec, ensure_ascii=False) + "\n"
                fh.write(line)
                size += len(line.encode("utf-8"))
                n += 1
                if size >= megabytes * 1e6:
                    break
            copy += 1
    return n, size


def _hwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=50.0, help="size of the export in MB")
    ap.add_argument("--out", type=Path, default=Path("/tmp/big-export"), help="folder for the export and its index")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    export = args.out / "export.jsonl"
    records, size = make_export(export, args.mb)
    print(f"export: {records:,} records, {size / 1e6:.1f} MB at {export}", flush=True)
    t0 = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "rag", "ingest", str(export), "--json",
                              "--index-dir", str(args.out / "index")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    peak_mb, ticks = 0.0, 0
    while child.poll() is None:  # the kernel's high-water mark, read while it runs (kept if it is stopped)
        peak_mb = max(peak_mb, _hwm_mb(child.pid))
        time.sleep(2)
        ticks += 1
        if ticks % 30 == 0:
            print(f"  {time.perf_counter() - t0:6.0f} s, peak RSS so far {peak_mb:,.0f} MB", flush=True)
    stdout, stderr = child.communicate()
    wall = time.perf_counter() - t0
    peak_mb = max(peak_mb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    if child.returncode != 0:
        print(stderr[-2000:], file=sys.stderr)
        return child.returncode
    report = json.loads(stdout)
    print(json.dumps({"records": records, "mb": round(size / 1e6, 1), "wall_s": round(wall, 1),
                      "peak_rss_mb": round(peak_mb, 1), "added": report["added"],
                      "records_read": report["records_read"], "skipped": len(report["skipped"]),
                      "chunks_embedded": report["chunks_embedded"], "chunks_reused": report["chunks_reused"],
                      "duplicate_groups": report["duplicate_groups"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

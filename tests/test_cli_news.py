"""The CLI end to end on the real default models: dated citations from JSONL and HTML, filters, ingest JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rag.ingest.metadata import normalise_date

pytestmark = pytest.mark.realmodel
RTQA = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks" / "realtimeqa"
PAGE = """<html><head><title>Portvale Times | Bridge</title><meta property="og:site_name" content="Portvale Times">
<meta property="og:title" content="Harbour bridge reopens"><meta name="author" content="Ann Lee">
<meta property="article:published_time" content="2024-05-02T09:00:00Z"></head><body><nav>Home | News</nav>
<article><h1>Harbour bridge reopens</h1><p>The Portvale harbour bridge reopened on Thursday after eight weeks of
repairs, the city council said.</p><p>Ferries that carried commuters during the closure stop on Friday.</p>
</article><footer>Contact us</footer></body></html>"""


def rag(*args: str, index: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag", *args, "--index-dir", str(index)], capture_output=True,
                          text=True, timeout=600)


def test_cli_citations_carry_metadata_and_filters_hold(tmp_path):
    corpus = tmp_path / "news"
    corpus.mkdir()
    (corpus / "bridge.html").write_text(PAGE)
    weeks = sorted(RTQA.glob("*_gcs.jsonl"))
    if not weeks:
        pytest.skip(f"RealTime QA benchmark not found at {RTQA}")
    row = json.loads(weeks[0].read_text().splitlines()[0])
    records = [a for a in row["search_result"] if a.get("text") and a.get("publish_date")][:3]
    (corpus / "rtqa.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    index = tmp_path / "index"
    out = rag("ingest", str(corpus), "--json", index=index)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["added"] == 1 + len(records) and report["records_read"] == 1 + len(records)

    out = rag("ask", "When did the Portvale harbour bridge reopen?", "--json", index=index)
    assert out.returncode == 0, out.stderr
    cites = [c for c in (lambda a: a["citations"] + a["closest"])(json.loads(out.stdout))]
    page = next(c for c in cites if c["source"] == "bridge.html")
    assert (page["date"], page["outlet"], page["author"]) == ("2024-05-02", "Portvale Times", "Ann Lee")

    first = records[0]
    out = rag("ask", first["title"], "--json", index=index)
    cites = (lambda a: a["citations"] + a["closest"])(json.loads(out.stdout))
    rec = next(c for c in cites if c["url"] == first["url"])
    assert rec["date"] == normalise_date(first["publish_date"]) != "" and rec["outlet"]

    out = rag("ask", "When did the Portvale harbour bridge reopen?", "--json", "--until", "2024-01-01", index=index)
    assert out.returncode == 0, out.stderr
    cites = (lambda a: a["citations"] + a["closest"])(json.loads(out.stdout))
    assert cites and all(c["date"] and c["date"] <= "2024-01-01" for c in cites)

    out = rag("ask", "When did the bridge reopen?", "--since", "31/31/2024", index=index)
    assert out.returncode == 2 and "YYYY-MM-DD" in out.stderr and "Traceback" not in out.stderr

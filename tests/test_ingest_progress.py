"""The ingest progress total is the true chunk count from the first report on (it used to be the first batch's),
and the bar's clock starts before the first batch, so its first rate is a true one."""

import json
import time

from rag import RAG
from rag.ingest.progress import IngestBar


def _export(tmp_path, n):
    path = tmp_path / "wire.jsonl"
    path.write_text("\n".join(json.dumps({"url": f"https://wire.example/{i}", "title": f"Harbour {i}",
                                          "text": f"Harbour {i} opened a new pier on Monday. " * 60})
                              for i in range(n)) + "\n", encoding="utf-8")
    return path


def test_every_progress_report_carries_the_final_total(settings, fake_embedder, fake_generator, tmp_path):
    calls = []
    rag = RAG(settings, embedder=fake_embedder, generator=fake_generator)
    report = rag.ingest([_export(tmp_path, 100)], progress=lambda done, total, what: calls.append((done, total)))
    assert report.chunks_embedded > 256  # more than one flush, so a first-batch total would show
    assert calls and {total for _, total in calls} == {report.chunks_embedded}
    assert calls[-1][0] == report.chunks_embedded
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_an_unchanged_reingest_reports_no_progress(settings, fake_embedder, fake_generator, tmp_path):
    export = _export(tmp_path, 3)
    rag = RAG(settings, embedder=fake_embedder, generator=fake_generator)
    rag.ingest([export])
    calls = []
    rag.ingest([export], progress=lambda done, total, what: calls.append((done, total)))
    assert calls == []


def test_first_tick_rate_counts_time_before_the_first_batch(capsys):
    bar = IngestBar()
    time.sleep(0.2)  # the first batch takes a while before progress is first reported
    bar(100, 400, "embedding")
    rate = bar.bar.format_dict["n"] / (bar.bar.format_dict["elapsed"] or 1e-9)
    bar.close()
    assert rate < 1000  # 100 chunks in >= 0.2 s, not 100 chunks in a few microseconds
    assert bar.bar.total == 400


def test_disabled_bar_draws_nothing(capsys):
    bar = IngestBar(enabled=False)
    bar(1, 2, "embedding")
    bar.close()
    assert bar.bar is None and capsys.readouterr().err == ""

"""The ingest bar's clock starts before the first batch, so its first rate is a true one."""

import time

from rag.ingest.progress import IngestBar


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

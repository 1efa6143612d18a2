"""The ingest progress bar the faces draw: one tqdm bar on stderr, fed by ingest's progress(done, total, what).

The ingest reports progress only once it knows the true total (after its first batch), so the bar is created
late; its clock starts when the bar object is made (before the ingest), and its rate is the plain average
(done / elapsed), so the first tick shows a true rate instead of a batch over a few microseconds.
"""

from __future__ import annotations

import sys
import time
from typing import Any


class IngestBar:
    """progress(done, total, what) -> one tqdm bar; a no-op when disabled. Call close() when the ingest ends."""

    def __init__(self, prefix: str = "", enabled: bool = True) -> None:
        self.prefix = prefix
        self.enabled = enabled
        self.started = time.time()
        self.bar: Any = None

    def __call__(self, done: int, total: int, what: str) -> None:
        if not self.enabled or total == 0:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="chunk", desc=f"{self.prefix}{what}", file=sys.stderr, smoothing=0)
            self.bar.start_t = self.started  # the time before the first batch counts (tqdm reads start_t)
        self.bar.total = total  # the ingest reports its true total; keep the bar's in step should it change
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

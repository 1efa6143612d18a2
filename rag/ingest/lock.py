"""One ingest at a time per index: an exclusive lock file, refused (not queued) with a message."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import IngestBusy


@contextmanager
def exclusive(path: Path, where: str) -> Iterator[None]:
    """Hold `path` locked for the block; raise IngestBusy at once if another process holds it.

    The OS drops the lock when its holder dies (even by kill -9), so a crashed ingest never blocks the next.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise IngestBusy(f"Another ingest into {where} is running ({holder}). Wait for it to finish, "
                             "then run this one again.") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        try:
            yield
        finally:
            fh.truncate(0)
            fcntl.flock(fh, fcntl.LOCK_UN)

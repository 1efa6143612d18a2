"""One model call at a time for the HTTP face: a bounded line of waiting requests, and the call in a worker thread.

Why: the LLM is not re-entrant, and every waiting request holds its body and a connection, so an unbounded line
lets a burst exhaust memory. A request that finds the line full is refused at once (429, Retry-After). The call
runs in a thread of its own so the event loop keeps answering (/health, 429s), and it stops after the next
piece when the client goes away, which frees the slot for the next request.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from typing import Any, Callable, Iterator


class QueueFull(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class ModelSlot:
    """An asyncio lock with at most `queue` waiters (FIFO); acquire and release on the event loop only."""

    def __init__(self, queue: int, typical_s: float = 2.0) -> None:
        self.queue = max(0, queue)
        self.waiting = 0
        self.mean_s = typical_s  # running mean of a call's duration, for Retry-After
        self._lock = asyncio.Lock()
        self._started = 0.0

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    def retry_after(self) -> int:
        """Seconds until the line has probably moved: everyone ahead, at the mean call duration (1..120)."""
        return max(1, min(120, math.ceil(self.mean_s * (self.waiting + 1))))

    async def acquire(self) -> None:
        if self._lock.locked() and self.waiting >= self.queue:
            raise QueueFull(self.retry_after())
        self.waiting += 1
        try:
            await self._lock.acquire()
        finally:
            self.waiting -= 1
        self._started = time.monotonic()

    def release(self) -> None:
        self.mean_s = 0.7 * self.mean_s + 0.3 * (time.monotonic() - self._started)
        self._lock.release()


class Job:
    """Run `make()` (an iterator such as `rag.stream(...)`) to its end in one worker thread; `result` gets its last
    item that is not a str (the Answer). `cancel()` stops it after the next item and closes the iterator in that
    thread (which releases the model); `on_done` then runs on the event loop."""

    def __init__(self, make: Callable[[], Iterator[Any]], on_done: Callable[[], None]) -> None:
        self.loop = asyncio.get_running_loop()
        self.result: asyncio.Future[Any] = self.loop.create_future()
        self._make, self._on_done = make, on_done
        self._stop = threading.Event()
        threading.Thread(target=self._run, name="rag-serve-call", daemon=True).start()

    def cancel(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        final: Any = None
        error: BaseException | None = None
        try:
            source = self._make()
            try:
                for item in source:
                    if not isinstance(item, str):
                        final = item
                    if self._stop.is_set():
                        break
            finally:
                close = getattr(source, "close", None)
                if close is not None:
                    close()
        except BaseException as exc:  # noqa: BLE001 - handed to the request, which turns it into a reply
            error = exc
        try:
            self.loop.call_soon_threadsafe(self._finish, final, error)
        except RuntimeError:  # the server stopped meanwhile: nobody waits for this result
            pass

    def _finish(self, final: Any, error: BaseException | None) -> None:
        self._on_done()
        if self.result.done():
            return
        if error is not None:
            self.result.set_exception(error)
        elif final is None:
            self.result.set_exception(RuntimeError("the answer stream ended without an answer"))
        else:
            self.result.set_result(final)

"""Consume an iterator in a thread of its own and hand its items over a queue.

Why: Gradio may call next() on a streaming handler from a different worker thread each time, and drops
(rather than closes) the generator when Stop cancels it. The llama.cpp generator holds a threading.RLock
across its yields, and an RLock must be released by the thread that took it; a cancelled answer dropped
in another thread would keep the model locked for good. Here one thread takes the iterator from start to
end (and closes it), so the lock is always released where it was taken, and Stop ends generation early.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")
_DONE = object()


def in_thread(make: Callable[[], Iterator[T]], name: str = "rag-stream") -> Iterator[T]:
    """Yield what `make()` yields, computed in a dedicated thread; closing this generator stops that thread.

    >>> list(in_thread(lambda: iter([1, 2, 3])))
    [1, 2, 3]
    """
    items: queue.Queue = queue.Queue()
    stop = threading.Event()

    def run() -> None:
        try:
            source = make()
            try:
                for item in source:
                    items.put((item, None))
                    if stop.is_set():
                        break
            finally:
                close = getattr(source, "close", None)
                if close is not None:
                    close()  # in this thread: releases whatever the iterator holds
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            items.put((_DONE, exc))
            return
        items.put((_DONE, None))

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item, error = items.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()

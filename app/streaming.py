"""Consume an iterator in a thread of its own and hand its items over a queue.

Why: Gradio may call next() on a streaming handler from a different worker thread each time, and drops
(rather than closes) the generator when Stop cancels it. A dropped llama.cpp stream would hold the model
until the garbage collector got to it, so the next question would wait. Here one thread runs the iterator
from start to end and closes it as soon as the consumer goes away, so Stop frees the model at once."""

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

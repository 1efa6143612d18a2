"""app.streaming.in_thread: one thread runs the iterator start to end, so a lock taken inside is released
by the thread that took it, even when the consumer (a cancelled Gradio stream) stops early."""

from __future__ import annotations

import threading
import time

import pytest

from app.streaming import in_thread


def locked_source(lock: threading.RLock, seen: dict, n: int = 50):
    with lock:  # what LlamaGenerator.stream does
        seen["thread"] = threading.get_ident()
        try:
            for i in range(n):
                seen["produced"] = i
                yield i
                time.sleep(0.005)
        finally:
            seen["released_in"] = threading.get_ident()


def test_items_arrive_in_order_and_errors_are_re_raised():
    assert list(in_thread(lambda: iter("abc"))) == ["a", "b", "c"]

    def broken():
        yield 1
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        list(in_thread(broken))


def test_stopping_early_releases_the_lock_in_the_thread_that_took_it():
    lock, seen = threading.RLock(), {}
    stream = in_thread(lambda: locked_source(lock, seen))
    assert next(stream) == 0
    stream.close()  # Stop: the consumer goes away mid-answer
    deadline = time.monotonic() + 5
    while "released_in" not in seen and time.monotonic() < deadline:
        time.sleep(0.01)
    assert seen["released_in"] == seen["thread"] != threading.get_ident()
    assert seen["produced"] < 49  # generation ended early, not at max tokens
    assert lock.acquire(timeout=1)  # anyone can take the model next
    lock.release()


def test_consumed_from_different_threads_still_works():
    """Gradio may call next() from a different worker thread each time."""
    lock, seen = threading.RLock(), {}
    stream = in_thread(lambda: locked_source(lock, seen, n=4))
    got = []

    def step():
        got.append(next(stream, None))

    for _ in range(5):
        t = threading.Thread(target=step)
        t.start()
        t.join()
    assert got == [0, 1, 2, 3, None]
    assert seen["released_in"] == seen["thread"] and lock.acquire(timeout=1)

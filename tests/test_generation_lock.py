"""A stream closed from another thread (the app's Stop button) must release the model for the next answer."""

import threading

from rag.models import generation
from rag.models.generation import LlamaGenerator, Prompt


class _FakeLlama:
    metadata: dict = {}

    def token_eos(self) -> int:
        return 0

    def create_completion(self, prompt, **kw):
        for word in ["a", "b", "c"]:
            yield {"choices": [{"text": word}]}


def test_stream_closed_in_another_thread_releases_the_model(tmp_path, monkeypatch):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    monkeypatch.setattr(generation, "_load", lambda *a: _FakeLlama())
    gen = LlamaGenerator(model)  # the real class and its real lock; only llama.cpp is stood in for
    stream = gen.stream(Prompt(text="q"), max_tokens=3, temperature=0.0, stop=())
    started = threading.Thread(target=lambda: next(stream))  # generation starts on one thread...
    started.start()
    started.join(5)
    closer = threading.Thread(target=stream.close)  # ...and is stopped from another, as Gradio does
    closer.start()
    closer.join(5)
    assert gen.lock.acquire(timeout=5), "the model stayed locked after Stop"  # a third thread's next answer
    gen.lock.release()

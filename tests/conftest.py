"""Shared fixtures: deterministic fakes plugged into the real seams, a real Chroma in tmp_path, and a
session-wide RAG on the real default models (the `realmodel` tier, which runs in CI too)."""

from __future__ import annotations

import hashlib
import math
import re
import shutil
from pathlib import Path
from typing import Iterator, Sequence

import pytest

from rag import RAG, Settings
from rag.models.generation import AllowedFn, Prompt

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


class FakeEmbedder:
    """Bag of words hashed into 512 dimensions, unit length: similar words -> similar vectors, no model."""

    name = "fake-bow"

    def __init__(self) -> None:
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(len(texts))
        out = []
        for t in texts:
            v = [0.0] * 512
            for w in re.findall(r"\w+", t.lower()):
                v[int(hashlib.md5(w.encode()).hexdigest(), 16) % 512] += 1.0
            norm = math.sqrt(sum(x * x for x in v)) or 1.0
            out.append([x / norm for x in v])
        return out


class FakeGenerator:
    """Replies from a queue (or a fixed default), word by word; records every prompt it was given.

    Tokens are words with their leading space, so the copy constraint can be exercised for real.
    """

    def __init__(self, replies: Sequence[str] = (), chat: bool = False, default: str = "") -> None:
        self.replies = list(replies)
        self.default = default
        self.has_chat_template = chat
        self.name = "fake-chat" if chat else "fake-base"
        self.prompts: list[Prompt] = []
        self.vocab: dict[str, int] = {"\n": 0}
        self.inverse: dict[int, str] = {0: "\n"}
        self.warmed: list[str] = []

    def _id(self, piece: str) -> int:
        if piece not in self.vocab:
            self.vocab[piece] = len(self.vocab)
            self.inverse[self.vocab[piece]] = piece
        return self.vocab[piece]

    def tokenize(self, text: str) -> list[int]:
        return [self._id(p) for p in re.findall(r"\n|\s?[^\s]+", text)]

    def detokenize(self, ids: Sequence[int]) -> str:
        return "".join(self.inverse.get(i, "") for i in ids)

    def warm(self, prefix: str, cache_dir: Path | None = None) -> None:
        self.warmed.append(prefix)

    def stream(self, prompt: Prompt, *, max_tokens: int, temperature: float, stop: Sequence[str],
               allowed: AllowedFn | None = None) -> Iterator[str]:
        self.prompts.append(prompt)
        reply = self.replies.pop(0) if self.replies else self.default
        generated: list[int] = []
        for piece in re.findall(r"\s?[^\s]+", reply)[:max_tokens]:
            tid = self._id(piece)
            if allowed is not None:
                ok = allowed(generated)
                if ok is not None and tid not in ok:
                    return  # a real masked decoder could not have produced this token
            generated.append(tid)
            yield piece


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def fake_generator() -> FakeGenerator:
    return FakeGenerator()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index", models_dir=tmp_path / "models", abstain_threshold=0.0)


@pytest.fixture
def fake_rag(settings: Settings, fake_embedder: FakeEmbedder, fake_generator: FakeGenerator) -> RAG:
    """A RAG on fakes with the seeds ingested into a real Chroma folder under tmp_path."""
    rag = RAG(settings, embedder=fake_embedder, generator=fake_generator)
    rag.ingest([SEEDS])
    return rag


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(SEEDS, dst)
    return dst


@pytest.fixture(scope="session")
def real_rag(tmp_path_factory: pytest.TempPathFactory) -> RAG:
    """The real default models (packaged MiniLM + Gemma 3 270M GGUF) over the seeds, in a temp index."""
    index = tmp_path_factory.mktemp("real-index")
    rag = RAG(Settings.from_env(index_dir=index))
    rag.ingest([SEEDS])
    return rag.load()

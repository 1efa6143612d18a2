"""Re-ranking the head of the fused ranking with a second, stronger embedder (optional; off by default).

The first `depth` hits of hybrid retrieval are re-ordered by the RRF of two rankings: their order as
retrieved (dense + BM25 + date prior) and their cosine to the question under the re-ranking embedder
(all-mpnet-base-v2). Fusing rather than replacing keeps what the hybrid order earns: on RealTime QA, re-sorting
by an embedder's cosine alone lost recall that BM25 and the date prior had found (issue 23).

>>> rerank_order([0.1, 0.9, 0.5], k=60)   # cosine order 1, 2, 0 fused with the retrieved order 0, 1, 2
[1, 0, 2]
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

from ..errors import ModelNotFound
from ..models.embedding import Embedder
from ..records import Hit


def rerank_order(similarities: Sequence[float], k: int = 60, weight: float = 1.0) -> list[int]:
    """Positions 0..n-1 (the retrieved order) re-ordered by RRF of that order and the similarities' order.

    `weight` scales the similarity ranking's share; ties keep the retrieved order.
    """
    n = len(similarities)
    by_sim = sorted(range(n), key=lambda i: (-similarities[i], i))
    sim_rank = {i: r + 1 for r, i in enumerate(by_sim)}
    score = {i: 1.0 / (k + i + 1) + weight / (k + sim_rank[i]) for i in range(n)}
    return sorted(range(n), key=lambda i: (-score[i], i))


class Reranker:
    """The head of a hit list re-ordered by a second embedder, with an LRU cache of passage vectors.

    The cache holds one vector per passage text: a chunk that is a candidate again (popular stories are) is
    embedded once per process.
    """

    def __init__(self, embedder: Embedder, depth: int = 20, k: int = 60, weight: float = 1.0,
                 cache_size: int = 20_000) -> None:
        self.embedder = embedder
        self.depth = depth
        self.k = k
        self.weight = weight
        self.cache_size = cache_size
        self._cache: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return str(getattr(self.embedder, "name", "reranker"))

    def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]:
        """`hits` with their first `depth` re-ordered (the rest keep their places after them)."""
        head, tail = list(hits[:self.depth]), list(hits[self.depth:])
        if len(head) < 2:
            return list(hits)
        sims = self.similarities(query, [h.chunk.text for h in head])
        return [head[i] for i in rerank_order(sims, self.k, self.weight)] + tail

    def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
        keys = [hashlib.sha1(t.encode("utf-8", "surrogatepass")).hexdigest() for t in texts]
        with self._lock:
            known = {k: self._cache[k] for k in keys if k in self._cache}
            for k in known:
                self._cache.move_to_end(k)
        todo = {k: t for k, t in zip(keys, texts) if k not in known}
        vectors = self.embedder.embed([query, *todo.values()])
        q, fresh = vectors[0], dict(zip(todo, vectors[1:]))
        with self._lock:
            for k, v in fresh.items():
                self._cache[k] = v
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        known.update(fresh)
        return [sum(a * b for a, b in zip(q, known[k])) for k in keys]


def load_reranker(setting: str, models_dir: str | Path, depth: int = 20) -> Reranker | None:
    """The re-ranker a RAG_RERANK value names: "" (off, the default) or "mpnet" (all-mpnet-base-v2, ONNX int8).

    The pipeline passes it to `Retriever(reranker=...)`; loading it assembles the model from its part wheels
    and exports it to ONNX on first use (rag/models/mpnet.py).
    """
    value = (setting or "").strip().lower()
    if value in ("", "off", "none"):
        return None
    if value not in RERANKERS:
        raise ModelNotFound(f"Unknown re-ranker {setting!r}: use one of {', '.join(RERANKERS)} or leave RAG_RERANK "
                            "empty.")
    from ..models.mpnet import model_folder
    from ..models.onnx_embedding import OnnxEmbedder

    variant, max_len = RERANKERS[value]
    embedder = OnnxEmbedder(model_folder(models_dir), models_dir, variant=variant, max_seq_length=max_len)
    return Reranker(embedder, depth=depth)


# name -> (ONNX variant, max word pieces per passage). fp32: the ONNX export matches sentence-transformers (cosine
# 1.0000 on test texts), while dynamic int8 does not hold for mpnet (cosine 0.91-0.94 to torch; on RealTime QA
# tune weeks its re-ranking left top-5 recall at 0.500 and cut MC accuracy 0.628 -> 0.583). Off by default.
RERANKERS = {"mpnet": ("fp32", 256), "mpnet-int8": ("int8", 256)}

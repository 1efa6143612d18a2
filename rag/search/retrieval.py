"""question -> Hit[]: dense (Chroma) and BM25 (bm25s) rankings fused by reciprocal rank fusion.

RRF score of a chunk = sum over rankings of 1 / (k + rank), rank starting at 1:

>>> fuse({"a": 1, "b": 2}, {"b": 1, "c": 2}, k=60)[0][0]
'b'
"""

from __future__ import annotations

import logging
import threading

from ..models.embedding import Embedder
from ..records import Article, Chunk, Filters, Hit
from ..store import ChromaStore
from .dates import DateWindow
from .lexical import LexicalCache
from .rerank import Reranker

log = logging.getLogger(__name__)


def fuse(*rankings: dict[str, int], k: int = 60) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of rankings given as {id: rank (1 = best)}; best first, ties by id."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for cid, rank in ranking.items():
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


class Retriever:
    """Hybrid retrieval over one ChromaStore: dense + BM25 fused, one chunk per near-duplicate group."""

    def __init__(self, store: ChromaStore, embedder: Embedder, lexical: LexicalCache, *, candidates: int = 30,
                 rrf_k: int = 60, reranker: Reranker | None = None) -> None:
        self.store = store
        self.reranker = reranker  # optional second embedder over the head of the fused list (rerank.py)
        self.embedder = embedder
        self.lexical = lexical
        self.candidates = candidates
        self.rrf_k = rrf_k
        self._articles: tuple[int, dict[str, Article]] | None = None
        self._lock = threading.Lock()

    def articles(self) -> dict[str, Article]:
        """The manifest (article key -> Article), cached until the store's generation moves."""
        generation = self.store.state().generation
        with self._lock:
            if self._articles is None or self._articles[0] != generation:
                self._articles = (generation, self.store.articles())
            return self._articles[1]

    def copies(self, doc_key: str) -> list[Article]:
        """The other stored articles in `doc_key`'s near-duplicate group."""
        articles = self.articles()
        me = articles.get(doc_key)
        if me is None or not me.group:
            return []
        return [a for a in articles.values() if a.group == me.group and a.key != doc_key]

    def search(self, query: str, top_k: int = 5, filters: Filters | None = None,
               window: DateWindow | None = None) -> list[Hit]:
        vector = self.embedder.embed([query])[0]
        lexical = self.lexical.get()  # first: it reopens the store if another process changed it
        dense = self.store.query(vector, self.candidates, filters)
        lex = lexical.search(query, self.candidates, filters)
        dense_rank = {c.id: i + 1 for i, (c, _) in enumerate(dense)}
        lex_rank = {cid: i + 1 for i, (cid, _) in enumerate(lex)}
        similarity = {c.id: s for c, s in dense}
        chunks = {c.id: c for c, _ in dense}
        rankings = [dense_rank, lex_rank]
        fused = fuse(*rankings, k=self.rrf_k)
        want = max(top_k, self.reranker.depth) if self.reranker is not None else top_k
        missing = [cid for cid, _ in fused[:want * 3] if cid not in chunks]
        chunks.update({c.id: c for c in self.store.get(missing)})
        if window is not None:
            fused = _prefer_window(fused, chunks, window, self.rrf_k)
        # One sort after the prior: copies of one story score exactly alike, and the first published (the
        # original) stands for them.
        fused.sort(key=lambda kv: (-kv[1], _published(chunks.get(kv[0])), kv[0]))
        groups = {k: a.group or k for k, a in self.articles().items()}
        hits: list[Hit] = []
        taken: dict[str, str] = {}  # near-duplicate group -> the article that represents it in these hits
        for cid, score in fused:
            chunk = chunks.get(cid)
            if chunk is None:
                continue
            group = groups.get(chunk.doc_key, chunk.doc_key)
            if taken.setdefault(group, chunk.doc_key) != chunk.doc_key:
                continue  # a near-copy of an article already in the list adds nothing new
            hits.append(Hit(chunk=chunk, score=score, dense_rank=dense_rank.get(cid), lexical_rank=lex_rank.get(cid),
                            dense_similarity=similarity.get(cid)))
            if len(hits) >= want:
                break
        if self.reranker is not None:
            hits = self.reranker.rerank(query, hits)
        return hits[:top_k]


def _prefer_window(fused: list[tuple[str, float]], chunks: dict[str, Chunk], window: DateWindow,
                   k: int) -> list[tuple[str, float]]:
    """A soft prior for time-relative questions: chunks dated inside the window gain a first-rank RRF share."""
    lo, hi = window.since.isoformat(), window.until.isoformat()
    bonus = 1.0 / (k + 1)
    return [(cid, score + (bonus if cid in chunks and lo <= chunks[cid].date[:10] <= hi else 0.0))
            for cid, score in fused]  # re-sorted by the caller, once


def _published(chunk: Chunk | None) -> str:
    """A sort key: the publish date, undated (or not fetched) last."""
    return chunk.date[:10] if chunk is not None and chunk.date else "9999"

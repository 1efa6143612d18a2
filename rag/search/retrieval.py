"""question -> Hit[]: dense (Chroma) and BM25 (bm25s) rankings fused by reciprocal rank fusion.

RRF score of a chunk = sum over rankings of 1 / (k + rank), rank starting at 1:

>>> fuse({"a": 1, "b": 2}, {"b": 1, "c": 2}, k=60)[0][0]
'b'
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Sequence

from ..models.embedding import Embedder
from ..records import Chunk, Hit
from ..store import ChromaStore

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
STOPWORDS = frozenset("""
a an the and or but if of at by for with about against between into through during before after above below to
from up down in out on off over under again further then once here there when where why how all any both each
few more most other some such no nor not only own same so than too very can will just should now is are was were
be been being have has had having do does did doing would could might must shall may i me my we our you your he
him his she her it its they them their what which who whom this that these those am as until while s t don also
said says say tell told according
""".split())


def words(text: str) -> list[str]:
    """Lower-cased word tokens, possessive 's dropped: "Russia’s envoy" -> ['russia', 'envoy']."""
    out = []
    for w in _TOKEN.findall(text):
        w = re.sub(r"['’](s|S)$", "", w).lower()
        out.append(w)
    return out


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS]


def fuse(*rankings: dict[str, int], k: int = 60) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of rankings given as {id: rank (1 = best)}; best first, ties by id."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for cid, rank in ranking.items():
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


class LexicalIndex:
    """BM25 over every chunk in the store, built with bm25s; rebuilt when the store's contents change."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG
        self.chunks = list(chunks)
        self.ids = [c.id for c in self.chunks]
        corpus = [content_words(f"{c.title} {c.text}") for c in self.chunks]
        self.retriever = bm25s.BM25()
        # bm25s takes pre-split tokens; our tokenizer keeps names and numbers intact.
        self.retriever.index(corpus, show_progress=False)
        self.vocab = set(self.retriever.vocab_dict) if getattr(self.retriever, "vocab_dict", None) else None

    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        terms = content_words(query)
        if self.vocab is not None:
            terms = [t for t in terms if t in self.vocab]
        if not terms or not self.chunks:
            return []
        n = min(n, len(self.chunks))
        docs, scores = self.retriever.retrieve([terms], k=n, show_progress=False)
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if float(s) > 0]


class Retriever:
    """Hybrid retrieval over one ChromaStore."""

    def __init__(self, store: ChromaStore, embedder: Embedder, *, candidates: int = 30, rrf_k: int = 60) -> None:
        self.store = store
        self.embedder = embedder
        self.candidates = candidates
        self.rrf_k = rrf_k
        self._lexical: LexicalIndex | None = None
        self._lexical_stamp: tuple[int, int] | None = None
        self._version = 0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Call after the store changed (ingest): the BM25 index is rebuilt on the next search."""
        with self._lock:
            self._version += 1

    def lexical(self) -> LexicalIndex:
        stamp = (self._version, self.store.count())
        with self._lock:
            if self._lexical is None or self._lexical_stamp != stamp:
                self._lexical = LexicalIndex(self.store.all_chunks())
                self._lexical_stamp = stamp
            return self._lexical

    def search(self, query: str, top_k: int = 5) -> list[Hit]:
        vector = self.embedder.embed([query])[0]
        dense = self.store.query(vector, self.candidates)
        lexical = self.lexical()
        lex = lexical.search(query, self.candidates)
        dense_rank = {c.id: i + 1 for i, (c, _) in enumerate(dense)}
        lex_rank = {cid: i + 1 for i, (cid, _) in enumerate(lex)}
        similarity = {c.id: s for c, s in dense}
        chunks = {c.id: c for c, _ in dense}
        fused = fuse(dense_rank, lex_rank, k=self.rrf_k)[:top_k]
        missing = [cid for cid, _ in fused if cid not in chunks]
        if missing:
            by_id = {c.id: c for c in lexical.chunks}
            for cid in missing:
                if cid in by_id:
                    chunks[cid] = by_id[cid]
        return [
            Hit(chunk=chunks[cid], score=score, dense_rank=dense_rank.get(cid), lexical_rank=lex_rank.get(cid),
                dense_similarity=similarity.get(cid))
            for cid, score in fused if cid in chunks
        ]

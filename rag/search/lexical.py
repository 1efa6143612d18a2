"""BM25 over every chunk (bm25s), saved beside the index and memory-mapped at start instead of rebuilt.

The saved index carries the store's generation number; when an ingest (this process or another) moves the
generation, the next search rebuilds it from the store and saves it again. With a Chroma server the copy
lives in a per-user cache folder, so each machine pulls the corpus once per change, not once per start.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
from array import array
from pathlib import Path
from typing import Iterable

import numpy as np

from ..records import Chunk, Filters
from ..store import ChromaStore, date_ord, outlet_key
from ..text import INDEX_TERMS_VERSION, index_terms

log = logging.getLogger(__name__)

_SIDE = "chunks.json"  # ids, article keys, dates and outlets of the indexed chunks, in index order


class LexicalIndex:
    """A BM25 index plus the per-chunk fields needed to filter it (date window, outlets)."""

    def __init__(self, retriever: object, ids: list[str], dates: np.ndarray, outlets: list[str],
                 generation: int) -> None:
        self.retriever = retriever
        self.ids = ids
        self.dates = dates
        self.outlets = outlets
        self.generation = generation
        vocab = getattr(retriever, "vocab_dict", None)
        self.vocab = set(vocab) if vocab else None

    @classmethod
    def build(cls, chunks: Iterable[Chunk], generation: int) -> LexicalIndex:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG
        ids: list[str] = []
        dates = array("i")
        outlets: list[str] = []
        # Terms become numbers as they come (4 bytes a token, not a string object each: a 100k-chunk archive
        # holds ~10M tokens), and bm25s indexes the numbers with this vocabulary.
        vocab: dict[str, int] = {}
        corpus: list[array] = []
        for c in chunks:
            ids.append(c.id)
            dates.append(date_ord(c.date))
            outlets.append(outlet_key(c.outlet))
            terms = index_terms(f"{c.title} {c.text}") or ["_"]  # the title is a field of every chunk
            corpus.append(array("i", [vocab.setdefault(t, len(vocab)) for t in terms]))
        retriever = bm25s.BM25()
        if corpus:
            retriever.index((corpus, vocab), show_progress=False)
        return cls(retriever, ids, np.asarray(dates, dtype=np.int32), outlets, generation)

    def save(self, folder: Path) -> None:
        """Write atomically (a temp folder renamed into place), so a reader never sees half an index."""
        if not self.ids:
            return
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".lexical-", dir=folder.parent))
        try:
            self.retriever.save(str(tmp), show_progress=False)  # type: ignore[attr-defined]
            (tmp / _SIDE).write_text(json.dumps({"generation": self.generation, "terms": INDEX_TERMS_VERSION,
                                                 "ids": self.ids,
                                                 "dates": self.dates.tolist(), "outlets": self.outlets}))
            old = folder.with_name(folder.name + ".old")
            if folder.exists():
                os.replace(folder, old)
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The saved index, memory-mapped; None when missing or unreadable (it is then rebuilt)."""
        try:
            import bm25s

            logging.getLogger("bm25s").setLevel(logging.WARNING)
            side = json.loads((folder / _SIDE).read_text())
            if side.get("terms") != INDEX_TERMS_VERSION:
                return None  # built with other terms: rebuilt on the spot
            retriever = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
            return cls(retriever, list(side["ids"]), np.asarray(side["dates"], dtype=np.int32),
                       list(side["outlets"]), int(side["generation"]))
        except (OSError, ValueError, KeyError) as exc:
            if folder.exists():
                log.warning("lexical index at %s unreadable (%s); rebuilding it", folder, exc)
            return None

    def mask(self, filters: Filters | None) -> np.ndarray | None:
        """1.0 for chunks inside the filters, 0.0 outside (None: no filter)."""
        if not filters:
            return None
        keep = np.ones(len(self.ids), dtype=bool)
        if filters.since:
            keep &= self.dates >= date_ord(filters.since.isoformat())
        if filters.until:
            keep &= (self.dates <= date_ord(filters.until.isoformat())) & (self.dates > 0)
        if filters.outlets:
            wanted = {outlet_key(o) for o in filters.outlets}
            keep &= np.fromiter((o in wanted for o in self.outlets), dtype=bool, count=len(self.outlets))
        return keep.astype(np.float32)

    def search(self, query: str, n: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        terms = index_terms(query)
        if self.vocab is not None:
            terms = [t for t in terms if t in self.vocab]
        if not terms or not self.ids:
            return []
        mask = self.mask(filters)
        if mask is not None and not mask.any():
            return []
        n = min(n, len(self.ids))
        docs, scores = self.retriever.retrieve([terms], k=n, show_progress=False,  # type: ignore[attr-defined]
                                               weight_mask=mask)
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if float(s) > 0]


class LexicalCache:
    """The current LexicalIndex for one store: loaded from `folder`, rebuilt when the generation moved."""

    def __init__(self, store: ChromaStore, folder: Path) -> None:
        self.store = store
        self.folder = folder
        self._index: LexicalIndex | None = None
        self._lock = threading.Lock()

    def get(self) -> LexicalIndex:
        generation = self.store.sync().generation
        with self._lock:
            if self._index is None or self._index.generation != generation:
                index = LexicalIndex.load(self.folder)
                if index is None or index.generation != generation:
                    index = self.rebuild(generation)
                self._index = index
            return self._index

    def rebuild(self, generation: int | None = None) -> LexicalIndex:
        """Build from every chunk in the store and save it (ingest calls this once it has changed the store)."""
        if generation is None:
            generation = self.store.state().generation
        index = LexicalIndex.build(self.store.all_chunks(), generation)
        try:
            index.save(self.folder)
        except OSError as exc:  # a read-only index folder still answers; it just rebuilds at each start
            log.warning("could not save the lexical index to %s (%s)", self.folder, exc)
        self._index = index
        return index

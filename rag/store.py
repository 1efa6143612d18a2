"""The only module importing chromadb: chunks, the article manifest and the index state, in a folder or a server.

Two collections per index: `<name>` holds chunks with their vectors (cosine space), and `<name>-articles` is
the manifest: one entry per article, written only after all its chunks are stored, plus one state entry (the
generation number, bumped by every ingest that changed the corpus, and whether the last ingest finished).
Both live in Chroma, so a Chroma server shares them between processes exactly like an index folder does.
We always pass our own vectors: Chroma's default embedding function would download a model.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TypeVar

from .errors import NoIndex, StoreUnavailable
from .records import Article, Chunk, Filters

log = logging.getLogger(__name__)

_BATCH = 1000  # Chroma rejects very large single writes; 1000 rows stays well under its max batch
_STATE_ID = "__state__"
_UNIT = [1.0]  # manifest entries carry no meaning in vector space, but Chroma wants a vector per row
T = TypeVar("T")


@dataclass(frozen=True)
class State:
    generation: int = 0  # bumped by every ingest that changed the corpus: readers rebuild caches when it moves
    clean: bool = True  # False while an ingest runs (or after one was killed): the next ingest repairs first


def _guard(method: Callable[..., T]) -> Callable[..., T]:
    """Turn chromadb's errors (damaged files, a server gone) into a message that names the fix."""

    @functools.wraps(method)
    def wrapper(self: ChromaStore, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except (NoIndex, StoreUnavailable):
            raise
        except Exception as exc:  # chromadb raises many types (sqlite, rust bindings, http)
            raise self.unavailable(exc) from exc

    return wrapper


class ChromaStore:
    """Chunks + vectors + metadata, and the article manifest, in Chroma."""

    def __init__(self, *, path: Path | None = None, host: str = "", port: int = 0,
                 collection: str = "news_articles", create: bool = True) -> None:
        self.host, self.port, self.path = host, int(port or 0), path
        self.where = f"Chroma server {host}:{port}" if host else f"{path}"
        self.name = collection
        if not create:
            self.require(path, host)
        self._open(create)
        self.seen = self.state().generation  # the generation this process's view of the index reflects

    @staticmethod
    def require(path: Path | None, host: str = "") -> None:
        """NoIndex, naming the fix, when an embedded index folder holds no index (cheap: chromadb not imported)."""
        if not host and not (Path(str(path)) / "chroma.sqlite3").exists():
            raise NoIndex(f"No index at {path} yet: run `rag ingest seeds/` first (or give --index-dir).")

    def _open(self, create: bool) -> None:
        host, path, collection = self.host, self.path, self.name
        try:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
            if host:
                self.client = chromadb.HttpClient(host=host, port=self.port, settings=chroma_settings)
                self.client.heartbeat()
            else:
                assert path is not None
                Path(path).mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except Exception as exc:
            raise self.unavailable(exc) from exc
        # Any: chromadb's type stubs want numpy arrays and literal include-lists; this module is the boundary.
        self.col: Any = self._collection(collection, create)
        self.manifest: Any = self._collection(f"{collection}-articles", create=True)

    def sync(self) -> State:
        """The index's state; when another process changed the index since we looked, reopen it first.

        An embedded Chroma keeps its vector index in this process's memory: after another process's ingest,
        it would still return deleted chunks and miss new ones. A server needs no reopening.
        """
        state = self.state()
        if state.generation != self.seen:
            if not self.host:
                from chromadb.api.client import SharedSystemClient

                SharedSystemClient.clear_system_cache()  # drop the cached system, so the files are read again
                self._open(create=False)
            self.seen = state.generation
        return state

    def unavailable(self, exc: BaseException) -> StoreUnavailable:
        text = f"{type(exc).__name__}: {exc}"
        if self.host:
            fix = "check that `chroma run --path DIR --host HOST --port PORT` is running and reachable"
        elif any(s in text.lower() for s in ("malformed", "not a database", "pull logs", "corrupt", "disk image",
                                             "no such table", "database error")):
            fix = (f"the index files are damaged. Move the folder aside and ingest again: "
                   f"`mv {self.path} {self.path}.damaged && rag ingest <your articles>`")
        else:
            fix = "check the folder is writable and not used by another Chroma version"
        return StoreUnavailable(f"Cannot use the index at {self.where} ({text[:300]}). Fix: {fix}.")

    @_guard
    def _collection(self, name: str, create: bool) -> Any:
        if create:
            return self.client.get_or_create_collection(name=name, embedding_function=None,
                                                        metadata={"hnsw:space": "cosine"})
        try:
            return self.client.get_collection(name=name, embedding_function=None)
        except Exception as exc:
            if "does not exist" in str(exc) or "not found" in str(exc).lower():
                raise NoIndex(f"No collection '{name}' in {self.where}: run `rag ingest seeds/` first.") from None
            raise

    # ------------------------------------------------------------------ chunks
    @_guard
    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]], hashes: dict[str, str],
            text_keys: Sequence[str] | None = None) -> None:
        """Upsert chunks (ids are deterministic, so a re-run after a crash overwrites, never duplicates).
        `text_keys` (one per chunk) let a later identical text reuse the stored vector (see `vectors_for`)."""
        for i in range(0, len(chunks), _BATCH):
            part = chunks[i:i + _BATCH]
            keys = text_keys[i:i + _BATCH] if text_keys is not None else [""] * len(part)
            self.col.upsert(
                ids=[c.id for c in part],
                embeddings=[list(v) for v in vectors[i:i + _BATCH]],
                documents=[c.text for c in part],
                metadatas=[_meta(c, hashes[c.doc_key]) | {"text_key": k} for c, k in zip(part, keys)],
            )

    @_guard
    def vectors_for(self, text_keys: Sequence[str]) -> dict[str, list[float]]:
        """Stored vectors of chunks whose text key is among `text_keys` (syndicated copies embed nothing)."""
        out: dict[str, list[float]] = {}
        for i in range(0, len(text_keys), _BATCH):
            res = self.col.get(where={"text_key": {"$in": list(text_keys[i:i + _BATCH])}},
                               include=["embeddings", "metadatas"])
            for m, v in zip(res["metadatas"], res["embeddings"]):
                out[str(m.get("text_key", ""))] = [float(x) for x in v]
        return out

    @_guard
    def delete(self, ids: Sequence[str]) -> None:
        for i in range(0, len(ids), _BATCH):
            self.col.delete(ids=list(ids[i:i + _BATCH]))

    @_guard
    def count(self) -> int:
        return int(self.col.count())

    def chunk_hashes(self) -> Iterator[tuple[str, str, str]]:
        """(chunk id, article key, content hash) of every stored chunk: one metadata-only scan (for repair)."""
        for ids, metas, _ in self._scan(self.col, include=["metadatas"]):
            for cid, m in zip(ids, metas):
                yield cid, str(m.get("doc_key", "")), str(m.get("content_hash", ""))

    def all_chunks(self) -> Iterator[Chunk]:
        for ids, metas, docs in self._scan(self.col, include=["metadatas", "documents"]):
            yield from (_chunk(cid, m, d) for cid, m, d in zip(ids, metas, docs))

    @_guard
    def get(self, ids: Sequence[str]) -> list[Chunk]:
        if not ids:
            return []
        res = self.col.get(ids=list(ids), include=["metadatas", "documents"])
        by_id = {cid: _chunk(cid, m, d) for cid, m, d in zip(res["ids"], res["metadatas"], res["documents"])}
        return [by_id[i] for i in ids if i in by_id]

    @_guard
    def query(self, vector: Sequence[float], n: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        """Nearest chunks by cosine inside `filters`; returns (chunk, similarity) best first."""
        total = self.count()
        if total == 0:
            return []
        where = chroma_where(filters)
        res = self.col.query(query_embeddings=[list(vector)], n_results=min(n, total), where=where,
                             include=["metadatas", "documents", "distances"])
        rows = zip(res["ids"][0], res["metadatas"][0], res["documents"][0], res["distances"][0])
        return [(_chunk(cid, m, d), 1.0 - float(dist)) for cid, m, d, dist in rows if m is not None]

    # ------------------------------------------------------------------ manifest
    def articles(self) -> dict[str, Article]:
        """Every completely stored article, by key."""
        out: dict[str, Article] = {}
        for ids, metas, _ in self._scan(self.manifest, include=["metadatas"]):
            for aid, m in zip(ids, metas):
                if aid != _STATE_ID:
                    a = _article(m)
                    out[a.key] = a
        return out

    @_guard
    def put_articles(self, articles: Sequence[Article]) -> None:
        for i in range(0, len(articles), _BATCH):
            part = articles[i:i + _BATCH]
            self.manifest.upsert(ids=[article_id(a.key) for a in part], embeddings=[_UNIT] * len(part),
                                 metadatas=[_article_meta(a) for a in part])

    @_guard
    def delete_articles(self, keys: Sequence[str]) -> None:
        for i in range(0, len(keys), _BATCH):
            self.manifest.delete(ids=[article_id(k) for k in keys[i:i + _BATCH]])

    @_guard
    def state(self) -> State:
        res = self.manifest.get(ids=[_STATE_ID], include=["metadatas"])
        if not res["ids"]:
            # An index from before the manifest (or a new one): clean only if it holds no chunks.
            return State(generation=0, clean=self.count() == 0)
        m = res["metadatas"][0]
        return State(generation=int(m.get("generation", 0)), clean=bool(m.get("clean", True)))

    @_guard
    def set_state(self, state: State) -> None:
        self.manifest.upsert(ids=[_STATE_ID], embeddings=[_UNIT],
                             metadatas=[{"generation": state.generation, "clean": state.clean}])

    @_guard
    def _page(self, col: Any, include: list[str], offset: int) -> dict[str, Any]:
        # Pages of 1,000 rows: paging 48,580 chunks took 244-282 MB of Chroma's memory at this size, 363-533 MB
        # at 5,000, in about the same time (the lexical rebuild at the end of an ingest reads every chunk).
        return dict(col.get(include=include, limit=_BATCH, offset=offset))

    def _scan(self, col: Any, include: list[str]) -> Iterator[tuple[list[str], list[dict], list[str]]]:
        offset = 0
        while True:
            res = self._page(col, include, offset)
            ids = res["ids"]
            if not ids:
                return
            docs = res.get("documents") or [""] * len(ids)
            yield ids, res["metadatas"], docs
            offset += len(ids)


def article_id(key: str) -> str:
    import hashlib

    return "a" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def date_ord(iso: str) -> int:
    """'2023-03-09' -> 20230309 (Chroma filters compare numbers, not strings); 0 when unknown."""
    digits = iso[:10].replace("-", "")
    return int(digits) if len(digits) == 8 and digits.isdigit() else 0


def outlet_key(outlet: str) -> str:
    return " ".join(outlet.lower().split())


def chroma_where(filters: Filters | None) -> dict[str, Any] | None:
    """A Chroma `where` for a date window and outlets. An undated article is outside any date window."""
    if not filters:
        return None
    parts: list[dict[str, Any]] = []
    if filters.since:
        parts.append({"date_ord": {"$gte": date_ord(filters.since.isoformat())}})
    if filters.until:
        parts.append({"date_ord": {"$lte": date_ord(filters.until.isoformat())}})
    if filters.until and not filters.since:
        parts.append({"date_ord": {"$gt": 0}})
    if filters.outlets:
        parts.append({"outlet_key": {"$in": [outlet_key(o) for o in filters.outlets]}})
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _meta(c: Chunk, content_hash: str) -> dict[str, Any]:
    return {
        "doc_key": c.doc_key, "source": c.source, "title": c.title, "start": c.start, "end": c.end,
        "index": c.index, "outlet": c.outlet, "outlet_key": outlet_key(c.outlet), "url": c.url, "date": c.date,
        "date_ord": date_ord(c.date), "author": c.author, "content_hash": content_hash,
    }


def _chunk(cid: str, m: dict, text: str) -> Chunk:
    return Chunk(
        id=cid, doc_key=m["doc_key"], source=m["source"], title=m.get("title", ""), text=text or "",
        start=int(m.get("start", 0)), end=int(m.get("end", 0)), index=int(m.get("index", 0)),
        outlet=m.get("outlet", ""), url=m.get("url", ""), date=m.get("date", ""), author=m.get("author", ""),
    )


def _article_meta(a: Article) -> dict[str, Any]:
    return {"key": a.key, "source": a.source, "title": a.title, "content_hash": a.content_hash, "chunks": a.chunks,
            "outlet": a.outlet, "url": a.url, "date": a.date, "author": a.author, "signature": a.signature,
            "group": a.group}


def _article(m: dict) -> Article:
    return Article(key=str(m["key"]), source=str(m.get("source", "")), title=str(m.get("title", "")),
                   content_hash=str(m.get("content_hash", "")), chunks=int(m.get("chunks", 0)),
                   outlet=str(m.get("outlet", "")), url=str(m.get("url", "")), date=str(m.get("date", "")),
                   author=str(m.get("author", "")), signature=str(m.get("signature", "")),
                   group=str(m.get("group", "")))

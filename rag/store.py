"""The only module importing chromadb: an embedded folder (PersistentClient) or a server (HttpClient).

We always pass our own vectors: Chroma's default embedding function would download a model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .errors import NoIndex, StoreUnavailable
from .records import Chunk

log = logging.getLogger(__name__)

_BATCH = 1000  # Chroma rejects very large single writes; 1000 rows stays well under its max batch


@dataclass(frozen=True)
class DocState:
    """What the index holds for one article: its content hash and chunk ids."""

    doc_key: str
    content_hash: str
    folder: str
    chunk_ids: tuple[str, ...]


class ChromaStore:
    """Chunks + vectors + metadata in one Chroma collection (cosine space)."""

    def __init__(self, *, path: Path | None = None, host: str = "", port: int = 0,
                 collection: str = "news_articles", create: bool = True) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        self.where = f"Chroma server {host}:{port}" if host else f"{path}"
        try:
            if host:
                self.client = chromadb.HttpClient(host=host, port=int(port), settings=chroma_settings)
                self.client.heartbeat()
            else:
                assert path is not None
                if not create and not (Path(path) / "chroma.sqlite3").exists():
                    raise NoIndex(f"No index at {path} yet: run `rag ingest seeds/` first (or give --index-dir).")
                Path(path).mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except NoIndex:
            raise
        except Exception as exc:  # chromadb raises many types (connection, sqlite, value errors)
            hint = ("check that `chroma run --path DIR --host HOST --port PORT` is running and reachable"
                    if host else "check the folder is writable and not used by another Chroma version")
            raise StoreUnavailable(f"Cannot open the index at {self.where}: {exc}. Fix: {hint}.") from exc
        self.name = collection
        # Any: chromadb's type stubs want numpy arrays and literal include-lists; this module is the boundary.
        self.col: Any
        if create:
            self.col = self.client.get_or_create_collection(
                name=collection, embedding_function=None, metadata={"hnsw:space": "cosine"},
            )
        else:
            try:
                self.col = self.client.get_collection(name=collection, embedding_function=None)
            except Exception:
                raise NoIndex(
                    f"No collection '{collection}' in {self.where}: run `rag ingest seeds/` first."
                ) from None

    # ------------------------------------------------------------------ writes
    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]], doc_meta: dict[str, dict]) -> None:
        for i in range(0, len(chunks), _BATCH):
            part = chunks[i:i + _BATCH]
            self.col.upsert(
                ids=[c.id for c in part],
                embeddings=[list(v) for v in vectors[i:i + _BATCH]],
                documents=[c.text for c in part],
                metadatas=[_meta(c, doc_meta[c.doc_key]) for c in part],
            )

    def delete(self, ids: Sequence[str]) -> None:
        for i in range(0, len(ids), _BATCH):
            self.col.delete(ids=list(ids[i:i + _BATCH]))

    # ------------------------------------------------------------------ reads
    def count(self) -> int:
        return int(self.col.count())

    def doc_states(self) -> dict[str, DocState]:
        """Every article in the index with its content hash (one metadata-only scan)."""
        states: dict[str, list[Any]] = {}
        for ids, metas, _ in self._scan(include=["metadatas"]):
            for cid, m in zip(ids, metas):
                key = m["doc_key"]
                entry = states.setdefault(key, [m.get("content_hash", ""), m.get("folder", ""), []])
                entry[2].append(cid)
        return {k: DocState(k, h, f, tuple(ids)) for k, (h, f, ids) in states.items()}

    def all_chunks(self) -> list[Chunk]:
        out: list[Chunk] = []
        for ids, metas, docs in self._scan(include=["metadatas", "documents"]):
            out.extend(_chunk(cid, m, d) for cid, m, d in zip(ids, metas, docs))
        return out

    def get(self, ids: Sequence[str]) -> list[Chunk]:
        if not ids:
            return []
        res = self.col.get(ids=list(ids), include=["metadatas", "documents"])
        by_id = {cid: _chunk(cid, m, d) for cid, m, d in zip(res["ids"], res["metadatas"], res["documents"])}
        return [by_id[i] for i in ids if i in by_id]

    def query(self, vector: Sequence[float], n: int) -> list[tuple[Chunk, float]]:
        """Nearest chunks by cosine; returns (chunk, similarity) best first."""
        total = self.count()
        if total == 0:
            return []
        res = self.col.query(query_embeddings=[list(vector)], n_results=min(n, total),
                             include=["metadatas", "documents", "distances"])
        rows = zip(res["ids"][0], res["metadatas"][0], res["documents"][0], res["distances"][0])
        return [(_chunk(cid, m, d), 1.0 - float(dist)) for cid, m, d, dist in rows]

    def _scan(self, include: list[str]):  # type: ignore[no-untyped-def]
        offset = 0
        while True:
            res = self.col.get(include=include, limit=_BATCH * 5, offset=offset)
            ids = res["ids"]
            if not ids:
                return
            docs = res.get("documents") or [""] * len(ids)
            yield ids, res["metadatas"], docs
            offset += len(ids)


def _meta(c: Chunk, doc: dict) -> dict[str, Any]:
    return {
        "doc_key": c.doc_key, "source": c.source, "title": c.title, "start": c.start, "end": c.end,
        "index": c.index, "outlet": c.outlet, "url": c.url, "date": c.date,
        "content_hash": doc["content_hash"], "folder": doc["folder"],
    }


def _chunk(cid: str, m: dict, text: str) -> Chunk:
    return Chunk(
        id=cid, doc_key=m["doc_key"], source=m["source"], title=m.get("title", ""), text=text or "",
        start=int(m.get("start", 0)), end=int(m.get("end", 0)), index=int(m.get("index", 0)),
        outlet=m.get("outlet", ""), url=m.get("url", ""), date=m.get("date", ""),
    )

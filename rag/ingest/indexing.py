"""Ingest: Documents -> Chunks -> vectors -> store, idempotently (unchanged articles embed nothing).

Rules: an unchanged file (same bytes) is left alone; a changed file's chunks are replaced (new ones written
before old ones are deleted, so a failure never leaves it missing); an article whose file is gone from a
folder being ingested is removed. A file that exists but cannot be read now keeps what the index holds.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .chunking import chunk_document
from .loading import load_paths
from ..records import Chunk, Document, IngestReport
from ..store import ChromaStore

log = logging.getLogger(__name__)

# progress(done, total, what): called as chunks are embedded, so faces can draw a bar.
Progress = Callable[[int, int, str], None]
_EMBED_BATCH = 64  # chunks per embedder call: large enough for throughput, small enough for a smooth bar


# embed(texts) -> unit vectors. A function, so the embedder model is only loaded when there is work.
Embed = Callable[[Sequence[str]], list[list[float]]]


def ingest(paths: Iterable[str | Path], *, store: ChromaStore, embed: Embed, chunk_chars: int,
           overlap: int, max_file_bytes: int, progress: Progress | None = None) -> IngestReport:
    loaded = load_paths(paths, max_file_bytes=max_file_bytes)
    states = store.doc_states()
    docs: dict[str, Document] = {}
    for d in loaded.documents:
        docs.setdefault(d.key, d)  # the same record twice in one JSONL: first wins

    added = updated = unchanged = 0
    to_embed: list[Chunk] = []
    replaced: list[str] = []
    meta: dict[str, dict] = {}
    for key, doc in docs.items():
        old = states.get(key)
        if old and old.content_hash == doc.content_hash:
            unchanged += 1
            continue
        chunks = chunk_document(doc, max_chars=chunk_chars, overlap=overlap)
        meta[key] = {"content_hash": doc.content_hash, "folder": doc.folder}
        to_embed.extend(chunks)
        if old:
            updated += 1
            new_ids = {c.id for c in chunks}
            replaced.extend(i for i in old.chunk_ids if i not in new_ids)
        else:
            added += 1

    gone = _removed(states, docs, loaded.folders)
    total = len(to_embed)
    if progress:
        progress(0, total, "embedding")
    for i in range(0, total, _EMBED_BATCH):
        batch = to_embed[i:i + _EMBED_BATCH]
        vectors = embed([c.text for c in batch])
        store.add(batch, vectors, meta)
        if progress:
            progress(min(i + _EMBED_BATCH, total), total, "embedding")
    stale = replaced + [cid for key in gone for cid in states[key].chunk_ids]
    if stale:
        store.delete(stale)
    report = IngestReport(added=added, updated=updated, removed=len(gone), unchanged=unchanged,
                          skipped=list(loaded.skipped), chunks_embedded=total)
    log.info("ingest: %s", report.summary())
    return report


def _removed(states: dict, docs: dict[str, Document], folders: list[str]) -> list[str]:
    """Keys in the index under a walked folder whose file no longer exists (or no longer holds that record)."""
    out = []
    for key, state in states.items():
        if key in docs:
            continue
        file_path = key.split("#", 1)[0]
        in_walked = any(state.folder == f or file_path.startswith(f.rstrip("/") + "/") for f in folders)
        if not in_walked:
            continue
        if not Path(file_path).exists():
            out.append(key)
        elif "#" in key and any(d.key.split("#", 1)[0] == file_path for d in docs.values()):
            out.append(key)  # the JSONL file was read and no longer holds this record
    return out

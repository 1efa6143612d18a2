"""Ingest: a stream of articles -> chunks -> vectors -> store, transactional per article and idempotent.

- An unchanged article (same key, same bytes, same chunking) costs a hash: it is never parsed or embedded.
- Reading and chunking run in a thread while the previous batch embeds (ONNX Runtime releases the GIL), and
  a bounded queue keeps memory flat however large the input.
- An article is stored when its manifest entry is, written after all its chunks; a changed article's old
  chunks go only after its new ones are in. A killed ingest leaves the index marked unclean, and the next one
  first deletes whatever no complete article owns, so a re-run gives exactly the chunks of a clean ingest.
- Only one ingest runs per index (lock.exclusive); a second is refused with a message.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from ..errors import BadInput
from ..records import Article, Chunk, Document, IngestReport, Skip
from ..store import ChromaStore, State
from . import manifest as mf
from . import near_duplicates
from .chunking import chunk_document, chunk_ids
from .loading import Pending, Walk, scan

log = logging.getLogger(__name__)

# Bump when cleaning or chunking changes what a file turns into: every article is then re-read and re-embedded.
INGEST_VERSION = "3"
# progress(done, total, what): chunks embedded so far and the chunks this ingest will embed in all. The total
# comes from a counting pass over the same input in a thread of its own (hash, clean and chunk; nothing kept),
# so progress is first reported once that pass is done: a bar drawn then never has to grow its total (it used to
# start at the first batch's size, "266/266", and count on past it).
Progress = Callable[[int, int, str], None]
# embed(texts) -> unit vectors. A function, so the embedder model is only loaded when there is work.
Embed = Callable[[Sequence[str]], list[list[float]]]
_FLUSH_CHUNKS = 256  # chunks embedded and written together: big enough to amortise Chroma's per-call cost
_QUEUE_ARTICLES = 64  # articles read ahead of the embedder: bounds memory on huge inputs


@dataclass(frozen=True)
class _Ready:
    doc: Document
    chunks: list[Chunk]
    old: Article | None
    signature: str


@dataclass(frozen=True)
class _Seen:
    key: str
    unchanged: bool  # False: present but unusable now (what the index holds for it is kept)


_DONE = object()


def ingest(paths: Iterable[str | Path], *, store: ChromaStore, embed: Embed, chunk_chars: int, overlap: int,
           max_file_bytes: int, progress: Progress | None = None, embedder_name: str = "") -> IngestReport:
    t0 = time.perf_counter()
    paths = list(paths)
    state = store.sync()  # another process may have changed the index since this one opened it
    manifest = store.articles()
    if not state.clean:
        stale = mf.stale_chunks(store.chunk_hashes(), manifest)
        log.warning("the last ingest did not finish: removing %d partial chunk(s)", len(stale))
        store.delete(stale)
    store.set_state(State(state.generation, clean=False))

    walk = Walk()
    # An article's vectors belong to one embedder: after a change of embedder (torch -> ONNX int8, another
    # model folder) every article counts as changed, so the next ingest re-embeds it instead of mixing spaces.
    salt = f"v{INGEST_VERSION}/{chunk_chars}/{overlap}/{embedder_name}"
    items: queue.Queue = queue.Queue(maxsize=_QUEUE_ARTICLES)
    reader = threading.Thread(target=_read, name="ingest-reader", daemon=True,
                              args=(scan(paths, max_file_bytes=max_file_bytes, salt=salt, walk=walk), manifest,
                                    items, chunk_chars, overlap))
    reader.start()
    total: list[int] = []  # filled by the counter when it has read everything
    counter = threading.Thread(target=_count, name="ingest-counter", daemon=True,
                               args=(paths, max_file_bytes, salt, manifest, chunk_chars, overlap, total))
    if progress:
        counter.start()

    seen: set[str] = set()
    skipped: list[Skip] = []
    batch: list[_Ready] = []
    counts = {"added": 0, "updated": 0, "unchanged": 0, "chunks": 0, "known": 0, "reused": 0}

    def report_progress() -> None:
        if progress and (total or not counter.is_alive()):  # a failed count falls back to the chunks known
            progress(counts["chunks"], max(total[0] if total else 0, counts["known"]), "embedding")

    def flush() -> None:
        if not batch:
            return
        chunks = [c for r in batch for c in r.chunks]
        keys = [text_key(embedder_name, c.text) for c in chunks]
        vectors = _vectors(store, embed, chunks, keys)
        counts["reused"] += sum(1 for k in keys if k in vectors.reused)
        store.add(chunks, [vectors[k] for k in keys], {r.doc.key: r.doc.content_hash for r in batch}, keys)
        store.put_articles([_article(r) for r in batch])
        old_ids = [cid for r in batch if r.old for cid in chunk_ids(r.old.key, r.old.content_hash, r.old.chunks)
                   if r.old.content_hash != r.doc.content_hash]
        store.delete(old_ids)
        for r in batch:
            counts["updated" if r.old else "added"] += 1
        counts["chunks"] += len(chunks)
        batch.clear()
        report_progress()

    while True:
        item = items.get()
        if item is _DONE:
            break
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, Skip):
            log.info("%s", item.reason)  # the report carries every skip; each face shows them
            skipped.append(item)
        elif isinstance(item, _Seen):
            seen.add(item.key)
            counts["unchanged"] += item.unchanged
        else:
            seen.add(item.doc.key)
            batch.append(item)
            counts["known"] += len(item.chunks)
            if sum(len(r.chunks) for r in batch) >= _FLUSH_CHUNKS:
                flush()
    flush()
    if progress and counts["chunks"]:
        counter.join()  # it reads faster than the embedder works: done by now on any input that took a flush
        report_progress()

    gone = mf.gone(manifest, walk, seen)
    if gone:
        store.delete_articles(gone)  # the entry goes first: a crash now leaves only stale chunks to repair
        store.delete([cid for key in gone for cid in chunk_ids(key, manifest[key].content_hash,
                                                                 manifest[key].chunks)])
    changed = bool(counts["added"] or counts["updated"] or gone)
    groups = _group_duplicates(store, changed)
    store.set_state(State(state.generation + 1 if changed else state.generation, clean=True))
    store.seen = state.generation + 1 if changed else state.generation  # this process wrote it: nothing to reload
    report = IngestReport(added=counts["added"], updated=counts["updated"], removed=len(gone),
                          unchanged=counts["unchanged"], skipped=skipped, chunks_embedded=counts["chunks"],
                          records_read=walk.records, duplicate_groups=groups, chunks_reused=counts["reused"],
                          seconds=time.perf_counter() - t0)
    log.info("ingest: %s", report.summary())
    return report


def text_key(embedder_name: str, text: str) -> str:
    """Identity of a chunk's text for one embedder: an identical text (a syndicated copy) has the same vector."""
    return hashlib.sha256(f"{embedder_name}\x00{text}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


class _Vectors(dict):
    """text key -> vector, remembering which came from the store rather than the embedder."""

    reused: set[str]


def _vectors(store: ChromaStore, embed: Embed, chunks: list[Chunk], keys: list[str]) -> _Vectors:
    """Vectors for `chunks`: stored ones for texts the index already holds, the embedder for the rest (once)."""
    out = _Vectors(store.vectors_for(sorted(set(keys))))
    out.reused = set(out)
    todo = {k: c.text for k, c in zip(keys, chunks) if k not in out}
    if todo:
        out.update(zip(todo, embed(list(todo.values()))))
    return out


def _read(stream: Iterable[Pending | Skip], manifest: dict[str, Article], out: queue.Queue, chunk_chars: int,
          overlap: int) -> None:
    """The reader thread: hash, skip the unchanged, clean, chunk and sign the rest, in order."""
    try:
        for item in _prepared(stream, manifest, chunk_chars, overlap, sign=True):
            out.put(item)
    except BaseException as exc:  # noqa: BLE001 - re-raised in the ingesting thread
        out.put(exc)
    finally:
        out.put(_DONE)


def _count(paths: list[str | Path], max_file_bytes: int, salt: str, manifest: dict[str, Article],
           chunk_chars: int, overlap: int, total: list[int]) -> None:
    """The counter thread: the chunks the reader will produce, from a second pass that keeps nothing.

    Cleaning and chunking cost ~1 % of embedding them, so the true total is known seconds into an ingest.
    """
    try:
        stream = scan(paths, max_file_bytes=max_file_bytes, salt=salt, walk=Walk())
        n = sum(len(item.chunks) for item in _prepared(stream, manifest, chunk_chars, overlap, sign=False)
                if isinstance(item, _Ready))
    except Exception as exc:  # noqa: BLE001 - the reader meets the same error and reports it
        log.debug("ingest counter stopped: %s", exc)
        return
    total.append(n)


def _prepared(stream: Iterable[Pending | Skip], manifest: dict[str, Article], chunk_chars: int, overlap: int,
              sign: bool) -> Iterator[_Ready | _Seen | Skip]:
    """Hash, skip the unchanged, clean, chunk (and with `sign`, sign) the rest, in order."""
    produced: dict[str, str] = {}  # key -> where it was read first
    for item in stream:
        if isinstance(item, Skip):
            yield item
            continue
        where = item.where or item.source
        if item.key in produced:  # the same URL twice in one export: the first record wins
            yield Skip(where, f"Skipped {where}: its \"url\" repeats the record at {produced[item.key]}, "
                              "which is kept. Give each article its own url, or drop the repeat.", "repeated-url")
            continue
        produced[item.key] = where
        old = manifest.get(item.key)
        if old and old.content_hash == item.content_hash:
            yield _Seen(item.key, unchanged=True)
            continue
        try:
            doc = item.build()
        except BadInput as exc:
            yield _Seen(item.key, unchanged=False)
            yield Skip(where, str(exc), _kind(str(exc)))
            continue
        chunks = chunk_document(doc, max_chars=chunk_chars, overlap=overlap)
        yield _Ready(doc, chunks, old, near_duplicates.signature(doc.text) if sign else "")


def _kind(reason: str) -> str:
    for word, kind in (("empty", "empty"), ("binary", "binary"), ("UTF-8", "encoding"), ("no article text", "empty")):
        if word in reason:
            return kind
    return "unreadable"


def _article(r: _Ready) -> Article:
    d = r.doc
    return Article(key=d.key, source=d.source, title=d.title, content_hash=d.content_hash, chunks=len(r.chunks),
                   outlet=d.outlet, url=d.url, date=d.date, author=d.author, signature=r.signature,
                   group=r.old.group if r.old else "")


def _group_duplicates(store: ChromaStore, changed: bool) -> int:
    """Re-group near-copies over every stored article when the corpus changed; return the number of groups."""
    articles = store.articles()
    if changed:
        groups = near_duplicates.group({k: a.signature for k, a in articles.items() if a.signature})
        moved = [replace(a, group=groups.get(k, k)) for k, a in articles.items() if a.group != groups.get(k, k)]
        store.put_articles(moved)
        articles.update({a.key: a for a in moved})
    sizes: dict[str, int] = {}
    for a in articles.values():
        sizes[a.group or a.key] = sizes.get(a.group or a.key, 0) + 1
    return sum(1 for n in sizes.values() if n > 1)

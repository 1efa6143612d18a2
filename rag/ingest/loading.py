"""Files -> a stream of articles to store (.txt, .md, .html, JSONL exports); knows nothing of models.

Every article is identified and hashed before it is cleaned, so an unchanged one costs a hash, not a parse.
Keys do not depend on where the folder lies: `seeds/002.txt` for a file found under a walked `seeds/`,
`export.jsonl#https://…` for a JSONL record. A JSONL export is read line by line: the size limit applies to
each record, and memory stays bounded however large the file is.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..errors import BadInput
from ..records import Document, Skip
from . import metadata
from .cleaning import clean_article, fallback_title

log = logging.getLogger(__name__)

TEXT_TYPES = {".txt", ".text", ".md", ".markdown"}
HTML_TYPES = {".html", ".htm"}
RECORD_TYPES = {".jsonl", ".ndjson"}
SUPPORTED = TEXT_TYPES | HTML_TYPES | RECORD_TYPES
SIDECAR = ".meta.json"  # `article.txt.meta.json` beside an article holds its metadata (not an article itself)


@dataclass(frozen=True)
class Pending:
    """An article found and hashed, not yet cleaned: `build()` reads it (raises BadInput naming the fix)."""

    key: str
    source: str
    content_hash: str
    build: Callable[[], Document]
    where: str = ""  # how a skip names it ("export.jsonl line 12"); empty = `source`


@dataclass
class Walk:
    """What a scan saw, for deciding removals: only what is positively gone is removed."""

    prefixes: list[str] = field(default_factory=list)  # "seeds/": every file under it was listed
    files: set[str] = field(default_factory=set)  # file keys present (readable or not)
    complete: set[str] = field(default_factory=set)  # file keys read whole: a record missing from them is gone
    records: int = 0  # articles read (files and JSONL records), before skipping


def scan(paths: Iterable[str | Path], *, max_file_bytes: int, salt: str, walk: Walk) -> Iterator[Pending | Skip]:
    """Every article under `paths`, lazily. `salt` (ingest version + chunking) is mixed into content hashes."""
    roots = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists() and not path.is_symlink():
            raise BadInput(f"No such file or folder: {path}. Check the path, e.g. `rag ingest seeds/`.")
        roots.append(path)
    for path in roots:
        if path.is_dir():
            root = path.resolve()
            prefix = f"{root.name or 'root'}/"
            walk.prefixes.append(prefix)
            for item in _walk(root):
                if isinstance(item, Skip):
                    yield item
                else:
                    rel = item.relative_to(root).as_posix()
                    yield from _file(item, prefix + rel, max_file_bytes, salt, walk)
        else:
            parent = path.resolve().parent.name or "root"
            yield from _file(path, f"{parent}/{path.name}", max_file_bytes, salt, walk)


def _walk(root: Path) -> Iterator[Path | Skip]:
    """Files under `root` in name order, hidden ones ignored; links followed once (loops reported, not walked)."""
    seen_dirs = {os.path.realpath(root)}
    problems: list[Skip] = []

    def unlistable(err: OSError) -> None:
        problems.append(Skip(str(err.filename), f"Skipped folder {err.filename}: cannot list it ({err.strerror}). "
                             "Fix its permissions (e.g. `chmod u+rx`) or move it out of the folder.", "unreadable"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable, followlinks=True):
        yield from problems
        problems.clear()
        keep = []
        for d in sorted(dirnames):
            full = os.path.join(dirpath, d)
            if d.startswith("."):
                continue
            real = os.path.realpath(full)
            if real in seen_dirs:
                yield Skip(full, f"Skipped {full}: a link back into a folder already read (a loop); nothing to do, "
                                 "or remove the link.", "link")
                continue
            seen_dirs.add(real)
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith(SIDECAR):
                continue
            full_path = Path(dirpath) / name
            if full_path.is_symlink() and not full_path.exists():
                yield Skip(name, f"Skipped {full_path}: a link to a file that does not exist. Fix or remove the link.",
                           "link")
                continue
            yield full_path
    yield from problems


def _file(path: Path, key: str, max_file_bytes: int, salt: str, walk: Walk) -> Iterator[Pending | Skip]:
    walk.files.add(key)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        yield Skip(path.name, f"Skipped {path.name}: unknown file type '{suffix or '(none)'}'. "
                              f"Supported: {', '.join(sorted(SUPPORTED))}; convert it or remove it from the folder.",
                   "unknown-type")
        return
    try:
        if suffix in RECORD_TYPES:
            yield from _records(path, key, max_file_bytes, salt, walk)
            return
        walk.records += 1
        size = path.stat().st_size
        if size > max_file_bytes:
            yield Skip(path.name, f"Skipped {path.name}: {size:,} bytes is over the {max_file_bytes:,}-byte limit for "
                                  "one article; split it or raise RAG_MAX_FILE_BYTES.", "too-large")
            return
        raw = path.read_bytes()
    except OSError as exc:
        yield Skip(path.name, f"Skipped {path}: cannot read it ({exc.strerror or exc}). Fix its permissions "
                              "(e.g. `chmod u+r`) or move it out of the folder; what the index holds for it is kept.",
                   "unreadable")
        return
    side = path.with_name(path.name + SIDECAR)
    if side.is_file():  # its metadata is part of the article: editing the sidecar re-reads the article
        try:
            raw_side = side.read_bytes()
        except OSError:
            raw_side = b""
        digest = _hash(salt, raw + b"\x00" + raw_side)
    else:
        digest = _hash(salt, raw)
    walk.complete.add(key)
    yield Pending(key=key, source=path.name, content_hash=digest,
                  build=lambda: _document(raw, path, key, digest))


def _hash(salt: str, raw: bytes) -> str:
    return hashlib.sha256(salt.encode() + b"\x00" + raw).hexdigest()


def _document(raw: bytes, path: Path, key: str, digest: str) -> Document:
    text = decode(raw, path.name)
    suffix = path.suffix.lower()
    if suffix in HTML_TYPES:
        body, meta = metadata.from_html(text)
    else:
        body, meta = metadata.from_front_matter(text)
        if suffix in (".md", ".markdown"):
            heading = re.search(r"^#\s+(.+)$", body, re.M)
            if heading and not meta.title:
                meta = replace(meta, title=heading.group(1).strip())
            body = _strip_markdown(body)
    meta = (metadata.from_sidecar(path) or metadata.ArticleMeta()).fill(meta)
    return make_document(body, key=key, source=path.name, content_hash=digest, meta=meta)


def _records(path: Path, key: str, max_file_bytes: int, salt: str, walk: Walk) -> Iterator[Pending | Skip]:
    """JSONL article records, streamed: `text` required; see metadata.from_record for the other fields."""
    complete = True
    with path.open("rb") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            walk.records += 1
            where = f"{path.name} line {lineno}"
            if len(line) > max_file_bytes:
                complete = False
                yield Skip(where, f"Skipped {where}: the record is {len(line):,} bytes, over the "
                                  f"{max_file_bytes:,}-byte limit for one article; shorten it or raise "
                                  "RAG_MAX_FILE_BYTES.", "too-large")
                continue
            try:
                rec = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                complete = False
                msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
                yield Skip(where, f"Skipped {where}: not a JSON object ({msg}). Each line must be one JSON "
                                  "object with a \"text\" field.", "not-json")
                continue
            body = rec.get("text") if isinstance(rec, dict) else None
            if not isinstance(body, str) or not body.strip():
                complete = False
                yield Skip(where, f"Skipped {where}: no \"text\" field. Each record needs the article text.",
                           "no-text")
                continue
            url = str(rec.get("url") or "")
            rec_key = f"{key}#{url or f'line{lineno}'}"
            digest = _hash(salt, line)
            yield Pending(key=rec_key, source=f"{path.name}:{lineno}", content_hash=digest, where=where,
                          build=_record_builder(rec, body, rec_key, f"{path.name}:{lineno}", digest))
    if complete:
        walk.complete.add(key)


def _record_builder(rec: dict[str, Any], body: str, key: str, source: str, digest: str) -> Callable[[], Document]:
    return lambda: make_document(body, key=key, source=source, content_hash=digest, meta=metadata.from_record(rec))


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode(raw: bytes, name: str) -> str:
    """Text of a file: UTF-8, or UTF-16/32 with a byte-order mark; BadInput for empty, binary and other files."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                break
            if not text.strip():
                break
            return text
    if not raw.strip():
        raise BadInput(f"Skipped {name}: the file is empty. Add the article text or remove the file.")
    if b"\x00" in raw[:8192]:
        raise BadInput(f"Skipped {name}: it looks binary (NUL bytes, no UTF-16 byte-order mark). Save the article "
                       "as UTF-8 text (.txt, .md or .html).")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"Skipped {name}: not valid UTF-8 (byte {exc.start}). Re-save it as UTF-8, "
            f"e.g. `iconv -f latin1 -t utf-8 {name} > fixed.txt`."
        ) from None


def make_document(raw_text: str, *, key: str, source: str, content_hash: str,
                  meta: metadata.ArticleMeta | None = None) -> Document:
    meta = meta or metadata.ArticleMeta()
    cleaned = clean_article(raw_text, title=meta.title)
    if not cleaned.text.strip():
        raise BadInput(f"Skipped {source}: no article text left after removing page chrome.")
    return Document(
        key=key, source=source, title=cleaned.title or fallback_title(cleaned.text), text=cleaned.text,
        content_hash=content_hash, outlet=meta.outlet or cleaned.outlet, url=meta.url, date=meta.date,
        author=meta.author,
    )


_MD_MARKUP = [
    (re.compile(r"^#{1,6}\s*", re.M), ""),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"^\s*[-*+]\s+", re.M), ""),
    (re.compile(r"^>\s?", re.M), ""),
    (re.compile(r"`([^`]*)`"), r"\1"),
]


def _strip_markdown(text: str) -> str:
    for pattern, repl in _MD_MARKUP:
        text = pattern.sub(repl, text)
    return text


def load(paths: Iterable[str | Path], max_file_bytes: int = 5_000_000) -> tuple[list[Document], list[Skip]]:
    """Every article under `paths`, read whole, and what was skipped (for tools and tests; ingest streams)."""
    docs: list[Document] = []
    skips: list[Skip] = []
    for item in scan(paths, max_file_bytes=max_file_bytes, salt="", walk=Walk()):
        if isinstance(item, Skip):
            skips.append(item)
            continue
        try:
            docs.append(item.build())
        except BadInput as exc:
            skips.append(Skip(item.source, str(exc)))
    return docs, skips

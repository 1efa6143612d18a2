"""Files -> Document records (.txt, .md, .html, .jsonl article records); knows nothing of models."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable, Iterator

from .cleaning import clean_article, fallback_title
from ..errors import BadInput
from ..records import Document

log = logging.getLogger(__name__)

TEXT_TYPES = {".txt", ".text", ".md", ".markdown"}
HTML_TYPES = {".html", ".htm"}
RECORD_TYPES = {".jsonl", ".ndjson"}
SUPPORTED = TEXT_TYPES | HTML_TYPES | RECORD_TYPES


@dataclass
class Loaded:
    """What a folder walk produced: documents, the folders walked, and the files skipped with why."""

    documents: list[Document] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def load_paths(paths: Iterable[str | Path], max_file_bytes: int = 5_000_000) -> Loaded:
    """Load every supported file under `paths` (folders are walked recursively, hidden files ignored)."""
    out = Loaded()
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise BadInput(f"No such file or folder: {path}. Check the path, e.g. `rag ingest seeds/`.")
        if path.is_dir():
            out.folders.append(str(path.resolve()))
            files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
            folder = str(path.resolve())
        else:
            files, folder = [path], ""
        for file in files:
            try:
                out.documents.extend(load_file(file, folder=folder, max_file_bytes=max_file_bytes))
            except BadInput as exc:
                log.warning("%s", exc)
                out.skipped.append(str(exc))
    return out


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def load_file(path: Path, folder: str = "", max_file_bytes: int = 5_000_000) -> list[Document]:
    """One file -> Documents (a JSONL file holds many). Raises BadInput naming the file and the fix."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise BadInput(
            f"Skipped {path.name}: unknown file type '{suffix or '(none)'}'. "
            f"Supported: {', '.join(sorted(SUPPORTED))}; convert it or remove it from the folder."
        )
    size = path.stat().st_size
    if size > max_file_bytes:
        raise BadInput(
            f"Skipped {path.name}: {size:,} bytes is over the {max_file_bytes:,}-byte limit for one article; "
            "split it or raise RAG_MAX_FILE_BYTES."
        )
    raw = path.read_bytes()
    text = decode(raw, path.name)
    key = str(path.resolve())
    digest = hashlib.sha256(raw).hexdigest()
    if suffix in RECORD_TYPES:
        return list(_records(text, path, key, digest, folder))
    if suffix in HTML_TYPES:
        page = parse_html(text)
        doc = make_document(page.text, key=key, source=path.name, content_hash=digest, folder=folder,
                            title=page.title, outlet=page.outlet, url=page.url, date=page.date)
    elif suffix in (".md", ".markdown"):
        heading = re.search(r"^#\s+(.+)$", text, re.M)
        doc = make_document(_strip_markdown(text), key=key, source=path.name, content_hash=digest, folder=folder,
                            title=heading.group(1).strip() if heading else "")
    else:
        doc = make_document(text, key=key, source=path.name, content_hash=digest, folder=folder)
    return [doc]


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text, or BadInput for empty, binary and non-UTF-8 files."""
    if not raw.strip():
        raise BadInput(f"Skipped {name}: the file is empty. Add the article text or remove the file.")
    if b"\x00" in raw[:8192]:
        raise BadInput(f"Skipped {name}: it looks binary (NUL bytes). Save the article as .txt, .md or .html.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"Skipped {name}: not valid UTF-8 (byte {exc.start}). Re-save it as UTF-8, "
            f"e.g. `iconv -f latin1 -t utf-8 {name} > fixed.txt`."
        ) from None


def make_document(raw_text: str, *, key: str, source: str, content_hash: str, folder: str = "",
                  title: str = "", outlet: str = "", url: str = "", date: str = "") -> Document:
    cleaned = clean_article(raw_text, title=title)
    if not cleaned.text.strip():
        raise BadInput(f"Skipped {source}: no article text left after removing page chrome.")
    return Document(
        key=key, source=source, title=cleaned.title or fallback_title(cleaned.text), text=cleaned.text,
        content_hash=content_hash, outlet=outlet or cleaned.outlet, url=url, date=date, folder=folder,
    )


def _records(text: str, path: Path, key: str, digest: str, folder: str) -> Iterator[Document]:
    """JSONL article records: `text` required; `title`, `url`, `publish_date`/`date`, `outlet` optional."""
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            log.warning("Skipped %s line %d: not JSON (%s). Each line must be one JSON object.",
                        path.name, lineno, exc.msg)
            continue
        body = rec.get("text") if isinstance(rec, dict) else None
        if not isinstance(body, str) or not body.strip():
            log.warning("Skipped %s line %d: no \"text\" field. Each record needs the article text.",
                        path.name, lineno)
            continue
        url = str(rec.get("url") or "")
        rec_key = f"{key}#{url or lineno}"
        rec_hash = hashlib.sha256(line.encode("utf-8")).hexdigest()
        try:
            yield make_document(
                body, key=rec_key, source=path.name if not url else _source_from(path.name, rec, lineno),
                content_hash=rec_hash, folder=folder, title=str(rec.get("title") or ""),
                outlet=str(rec.get("outlet") or rec.get("source") or ""), url=url,
                date=str(rec.get("publish_date") or rec.get("date") or ""),
            )
        except BadInput as exc:
            log.warning("%s (line %d)", exc, lineno)


def _source_from(file_name: str, rec: dict, lineno: int) -> str:
    return f"{file_name}:{lineno}"


class _PageParser(HTMLParser):
    """Visible text with block structure kept as lines; title, site name, url and date from <head>."""

    SKIP = {"script", "style", "noscript", "nav", "footer", "header", "aside", "form", "svg", "button", "template"}
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "tr",
             "blockquote", "figcaption", "pre", "ul", "ol", "table", "main"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.in_title = False
        self.in_h1 = False
        self.title = ""
        self.h1 = ""
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip_depth += 1
        elif tag == "title":
            self.in_title = True
        elif tag == "h1":
            self.in_h1 = True
        elif tag == "meta":
            a = {k.lower(): (v or "") for k, v in attrs}
            name = (a.get("property") or a.get("name") or "").lower()
            if name and a.get("content"):
                self.meta[name] = a["content"]
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skip_depth:
            self.skip_depth -= 1
        elif tag == "title":
            self.in_title = False
        elif tag == "h1":
            self.in_h1 = False
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
            return
        if self.skip_depth:
            return
        if self.in_h1:
            self.h1 += data
        self.parts.append(data)


@dataclass(frozen=True)
class Page:
    text: str
    title: str
    outlet: str
    url: str
    date: str


def parse_html(html: str) -> Page:
    """Readable text of an HTML page; scripts, styles and navigation are dropped, never executed."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    lines = [re.sub(r"[ \t]+", " ", ln).strip() for ln in "".join(parser.parts).split("\n")]
    text = "\n".join(ln for ln in lines if ln)
    m = parser.meta
    title = m.get("og:title") or parser.h1.strip() or parser.title.strip()
    return Page(
        text=text, title=" ".join(title.split()), outlet=m.get("og:site_name", ""),
        url=m.get("og:url", ""), date=m.get("article:published_time", "") or m.get("date", ""),
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

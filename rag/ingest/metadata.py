"""Article metadata (title, outlet, author, url, publish date) from HTML, front matter, sidecars and records.

Dates are normalised to ISO `YYYY-MM-DD`; an unknown date stays "" (never a file's modification time).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArticleMeta:
    title: str = ""
    outlet: str = ""
    author: str = ""
    url: str = ""
    date: str = ""  # ISO YYYY-MM-DD or ""


def normalise_date(value: Any) -> str:
    """'2023-03-09T10:00:00+00:00', 'March 9, 2023', '2023/03/09' -> '2023-03-09'; '' when unparseable."""
    if isinstance(value, (date, datetime)):
        return value.strftime("%Y-%m-%d")
    text = str(value or "").strip()
    if not text:
        return ""
    m = re.match(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return ""
    try:
        from dateutil import parser

        return parser.parse(text, default=datetime(1, 1, 1)).strftime("%Y-%m-%d") if re.search(r"\d{4}", text) else ""
    except (ValueError, OverflowError, ImportError):
        return ""


def _host(url: str) -> str:
    host = urlparse(url).netloc.lower()
    return host[4:] if host.startswith("www.") else host


def _authors(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v).strip() for v in value if str(v).strip())
    return str(value or "").strip()


def _first(rec: dict[str, Any], *names: str) -> Any:
    for n in names:
        if rec.get(n):
            return rec[n]
    return ""


def from_record(rec: dict[str, Any]) -> ArticleMeta:
    """A JSONL record's fields: title, url, publish_date/date/published, outlet/source/site_name, authors/author."""
    url = str(rec.get("url") or "")
    return ArticleMeta(title=str(rec.get("title") or "").strip(),
                       outlet=str(_first(rec, "outlet", "source", "site_name") or _host(url)).strip(),
                       author=_authors(_first(rec, "authors", "author", "byline")), url=url,
                       date=normalise_date(_first(rec, "publish_date", "date", "published", "published_at")))


_FRONT = re.compile(r"\A\ufeff?---[ \t]*\n(?P<body>.*?)\n---[ \t]*\n", re.S)


def from_front_matter(text: str) -> tuple[str, ArticleMeta]:
    """A leading `---` block of `key: value` lines, and the text without it."""
    m = _FRONT.match(text)
    if not m:
        return text, ArticleMeta()
    rec: dict[str, str] = {}
    for line in m.group("body").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            rec[key.strip().lower()] = value.strip().strip("\"'")
    return text[m.end():], from_record(rec)


def from_sidecar(path: Path) -> ArticleMeta | None:
    """`<article>.meta.json` beside an article; None when absent; a warning naming the file when invalid."""
    if not path.is_file():
        return None
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("Ignored %s: not a readable JSON object (%s). Fix it or remove it.", path.name, exc)
        return None
    if not isinstance(rec, dict):
        log.warning("Ignored %s: it must hold one JSON object of metadata fields.", path.name)
        return None
    return from_record(rec)


def from_html(html: str, url: str = "") -> tuple[str, ArticleMeta]:
    """Main text (paragraphs as lines) and metadata of a news page by trafilatura; never fetches anything."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url or None, with_metadata=True, include_comments=False,
                                      include_tables=False, favor_recall=True)
    if doc is None:
        return "", ArticleMeta(url=url)
    get = (lambda k: getattr(doc, k, None)) if not isinstance(doc, dict) else doc.get
    text = str(get("text") or "")
    day = normalise_date(get("date"))
    if not day:
        from htmldate import find_date

        day = normalise_date(find_date(html, extensive_search=False, original_date=True) or "")
    return text, ArticleMeta(title=str(get("title") or ""), outlet=str(get("sitename") or ""),
                             author=str(get("author") or ""), url=str(get("url") or url or ""), date=day)

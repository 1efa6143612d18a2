"""Article metadata (title, outlet, author, url, publish date) from HTML, front matter, sidecars and records."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

# Keys read from front matter, sidecars and JSONL records (case, "-" and spaces folded to "_"); first present wins.
TITLE_KEYS = ("title", "headline")
DATE_KEYS = ("publish_date", "published", "date", "published_at", "date_published", "datepublished")
OUTLET_KEYS = ("outlet", "source", "site_name", "sitename", "publisher")
AUTHOR_KEYS = ("authors", "author", "byline")
URL_KEYS = ("url", "link", "canonical_url")
SIDECAR_SUFFIX = ".meta.json"

# trafilatura's own date search, made strict: no "extensive" guessing from copyright lines or dates in the
# text (a footer's "© 2025" would become 2025-01-01); only markup that states a publish date, and the URL.
_DATE_PARAMS = {"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%d"}


@dataclass(frozen=True)
class ArticleMeta:
    """What is known about an article; "" for anything unknown. `date` is ISO YYYY-MM-DD, never a file time."""

    title: str = ""
    outlet: str = ""
    author: str = ""
    url: str = ""
    date: str = ""

    def fill(self, other: ArticleMeta | None) -> ArticleMeta:
        """These fields, with the empty ones taken from `other` (e.g. a sidecar over what the page says)."""
        if other is None:
            return self
        return replace(self, **{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)})


# --- dates ------------------------------------------------------------------------------------------

def read_date(text: str) -> date | None:
    """The calendar date `text` names, when it names year, month and day; None otherwise (no guessed parts).

    >>> read_date("2023-03-09T23:30:00-05:00"), read_date("March 2023")
    (datetime.date(2023, 3, 9), None)
    """
    from dateutil import parser  # light; kept lazy so importing the ingest package stays cheap

    readings = []
    # Two different defaults: a part the text did not give takes the default, so the two readings disagree.
    for default in (datetime(2000, 1, 1), datetime(2004, 2, 2)):
        try:
            readings.append(parser.parse(text, default=default).date())
        except (ValueError, OverflowError):
            return None
    return readings[0] if readings[0] == readings[1] else None


def normalise_date(value: Any) -> str:
    """ISO 'YYYY-MM-DD' for a publish date in any common written form; '' when unknown or unreadable.

    A timestamp keeps the calendar date it was written in (its own time zone), as the outlet printed it.
    Bare numbers are never read as epoch seconds.

    >>> [normalise_date(v) for v in ("2023/03/09", "March 9, 2023", "2023-03-09T23:30:00-05:00", 1678320000, "")]
    ['2023-03-09', '2023-03-09', '2023-03-09', '', '']
    """
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        d: date | None = value
    elif isinstance(value, str) and value.strip() and not re.fullmatch(r"\s*\d{1,7}\s*|\s*\d{9,}\s*", value):
        d = read_date(value.strip())
    else:
        return ""
    if d is None or not 1900 <= d.year <= date.today().year + 1:
        return ""
    return d.isoformat()


# --- fields from mappings (front matter, sidecars, records) -------------------------------------------

def host_of(url: str) -> str:
    """The URL's host without a leading www. ('' when there is none): the outlet when nothing names it."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(t for t in (_text(v) for v in value) if t)
    if isinstance(value, Mapping):  # JSON-LD style {"name": ...}
        return _text(value.get("name", ""))
    if value is None or isinstance(value, bool):
        return ""
    return " ".join(str(value).split())


def _first(record: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = record.get(key)
        if value not in (None, "", [], ()):
            return value
    return ""


def _keys(record: Mapping[str, Any]) -> dict[str, Any]:
    """Field names folded: "Publish-Date" and "publish date" both read as publish_date."""
    return {re.sub(r"[\s-]+", "_", str(k).strip().lower()): v for k, v in record.items()}


def from_mapping(record: Mapping[str, Any]) -> ArticleMeta:
    """ArticleMeta from loosely named fields; the outlet falls back to the URL's host."""
    norm = _keys(record)
    url = _text(_first(norm, URL_KEYS))
    return ArticleMeta(
        title=_text(_first(norm, TITLE_KEYS)),
        outlet=_text(_first(norm, OUTLET_KEYS)) or host_of(url),
        author=_text(_first(norm, AUTHOR_KEYS)),
        url=url,
        date=normalise_date(_first(norm, DATE_KEYS)),
    )


def from_record(rec: Mapping[str, Any]) -> ArticleMeta:
    """Metadata of a JSONL article record (title, url, publish_date/date/published, outlet/source, authors)."""
    return from_mapping(rec)


_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(?P<body>.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_KEY_VALUE = re.compile(r"^(?P<key>[A-Za-z][\w -]*?)\s*:\s*(?P<value>.*)$")
_LIST_ITEM = re.compile(r"^\s+-\s+(?P<value>.+)$|^-\s+(?P<top>.+)$")


def _scalar(raw: str) -> Any:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    if raw.startswith("[") and raw.endswith("]"):
        return [_scalar(p) for p in raw[1:-1].split(",") if p.strip()]
    return raw


def from_front_matter(text: str) -> tuple[str, ArticleMeta]:
    """(body, metadata) of a .txt/.md article that opens with a `---` block of `key: value` lines.

    Text without such a block comes back unchanged with empty metadata. Lists may be `[a, b]` or `- a` lines.

    >>> body, meta = from_front_matter("---\\ntitle: Talks resume\\ndate: 9 March 2023\\n---\\nEnvoys met.\\n")
    >>> body, meta.title, meta.date
    ('Envoys met.\\n', 'Talks resume', '2023-03-09')
    """
    m = _FRONT.match(text)
    if not m:
        return text, ArticleMeta()
    record: dict[str, Any] = {}
    last = ""
    for line in m.group("body").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = _LIST_ITEM.match(line)
        kv = _KEY_VALUE.match(line)
        if item and last:
            value = _scalar(item.group("value") or item.group("top"))
            previous = record.get(last)
            record[last] = (previous if isinstance(previous, list) else [previous] if previous else []) + [value]
        elif kv:
            last = kv.group("key").strip()
            record[last] = _scalar(kv.group("value"))
        else:
            return text, ArticleMeta()  # not key: value lines, so a rule under an opening line, not front matter
    return text[m.end():], from_mapping(record)


def sidecar_path(path: str | Path) -> Path | None:
    """The sidecar itself when given one, else the one beside the article (`story.txt.meta.json`, then
    `story.meta.json`); None when there is none."""
    path = Path(path)
    if path.name.endswith(SIDECAR_SUFFIX):
        return path if path.is_file() else None
    for candidate in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_suffix(SIDECAR_SUFFIX)):
        if candidate.is_file():
            return candidate
    return None


def from_sidecar(path: str | Path) -> ArticleMeta | None:
    """Metadata from a `.meta.json` sidecar (given, or beside the article given); None when absent or unusable.

    An unreadable or invalid sidecar is never fatal: a warning names the file and the fix, and the article
    is ingested with what its own text says.
    """
    found = sidecar_path(path)
    if found is None:
        return None
    path = found
    fix = "Fix it (a JSON object such as {\"title\": ..., \"date\": \"2023-03-09\"}) or delete it"
    try:
        record = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("Ignored %s: cannot read it (%s). %s.", path, exc, fix)
        return None
    except json.JSONDecodeError as exc:
        log.warning("Ignored %s: not valid JSON (line %d, column %d: %s). %s.", path, exc.lineno, exc.colno,
                    exc.msg, fix)
        return None
    if not isinstance(record, dict):
        log.warning("Ignored %s: it holds a JSON %s, not an object. %s.", path, type(record).__name__, fix)
        return None
    meta = from_mapping(record)
    raw_date = _first(_keys(record), DATE_KEYS)
    if raw_date and not meta.date:
        log.warning("%s: date %r is not a full date; the article's date stays unknown. Use YYYY-MM-DD.",
                    path, raw_date)
    return meta


# --- HTML ---------------------------------------------------------------------------------------------

def from_html(html: str, url: str = "") -> tuple[str, ArticleMeta]:
    """(main article text, one paragraph a line; metadata) of a saved news page. Never fetches anything.

    trafilatura finds the article body and the title, site name, author and date (JSON-LD, og: and meta
    tags, bylines); htmldate, strictly, fills a missing date. A page where trafilatura finds no article text
    falls back to its baseline extractor.
    """
    import trafilatura  # heavy (lxml, justext): only when an HTML file is ingested
    from htmldate import find_date
    from trafilatura.metadata import extract_metadata

    doc: Any = trafilatura.bare_extraction(html, url=url or None, with_metadata=True, include_comments=False,
                                           include_tables=True, date_extraction_params=_DATE_PARAMS)
    text = (doc.text or "").strip() if doc is not None else ""
    if not text:
        # Measured on hand-made pages: trafilatura kept every paragraph of a two-paragraph brief (186 chars),
        # so its baseline (JSON-LD articleBody, <article>, <p>, else the whole body) is only for pages where it
        # found nothing; on a one-line page the baseline was no better (it kept the navigation too).
        text = trafilatura.baseline(html)[1].strip()
    if doc is None:  # no article found: the page's metadata may still say what it is
        tree = trafilatura.load_html(html)
        doc = extract_metadata(tree, default_url=url or None, date_config=_DATE_PARAMS) if tree is not None else None
    if doc is None:
        return text, ArticleMeta(url=url, outlet=host_of(url))
    page_url = _text(doc.url) or url
    day = normalise_date(doc.date or "")
    tree = trafilatura.load_html(html) if not day else None  # a tree: htmldate would download a URL-like string
    if tree is not None:
        day = normalise_date(find_date(tree, extensive_search=False, original_date=True, url=page_url or None) or "")
    return text, ArticleMeta(
        title=_text(doc.title),
        outlet=_text(doc.sitename) or host_of(page_url),
        author=_text((doc.author or "").replace(";", ",")),
        url=page_url,
        date=day,
    )

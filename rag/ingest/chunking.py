"""Document -> sentence spans -> Chunk[]; pure and deterministic, offsets into the cleaned text.

Sentences end at . ! ? (plus closing quotes) before a space and a capital, digit or quote, but not after
common abbreviations or initials:

>>> text = 'Mr. Lavrov spoke. The U.S. did not! Why?'
>>> [text[sp.start:sp.end] for sp in split_sentences(text)]
['Mr. Lavrov spoke.', 'The U.S. did not!', 'Why?']

Chunks pack whole sentences up to `max_chars`, repeating `overlap` sentences at the next chunk's start:

>>> [c.text for c in chunk_document(_doc('One two. Three four. Five six.'), max_chars=21, overlap=1)]
['One two. Three four.', 'Three four. Five six.']
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ..records import Chunk, Document

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "col", "lt", "sgt", "capt", "gov", "sen", "rep",
    "pres", "vs", "etc", "inc", "ltd", "co", "corp", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "approx", "dept", "est", "fig", "mt", "ft",
}
_WORD_BEFORE = re.compile(r"[A-Za-z]+$")
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])|[.!?…]+[\"'”’)\]]*$|\n")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def split_sentences(text: str, offset: int = 0) -> list[Span]:
    """Sentence spans (start, end) of `text`, shifted by `offset`; whitespace trimmed, newlines always split."""
    spans: list[Span] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if m.group().strip() and _is_abbreviation(text, m.start()):
            continue
        _add(spans, text, start, end, offset)
        start = end
    _add(spans, text, start, len(text), offset)
    return spans


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    # Only the letters just before the dot matter (an abbreviation is short): looking at the whole text before
    # it made splitting quadratic in the article's length (a fifth of a core during a large ingest).
    word = _WORD_BEFORE.search(text, max(0, dot - 32), dot)
    if not word:
        return False
    w = word.group()
    # Initials ("U.S.", "J. Smith") and listed abbreviations do not end sentences.
    return len(w) == 1 or w.lower() in _ABBREVIATIONS


def _add(spans: list[Span], text: str, start: int, end: int, offset: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    s = start + lead
    spans.append(Span(offset + s, offset + s + len(stripped)))


def chunk_id(key: str, content_hash: str, index: int) -> str:
    """Stable id from the article's key (not its absolute path), content and position: same bytes, same ids,
    wherever the folder or the index lies; so a re-run after a crash overwrites instead of duplicating."""
    digest = hashlib.sha256(f"{key}\x00{content_hash}\x00{index}".encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:24]


def chunk_ids(key: str, content_hash: str, count: int) -> list[str]:
    """The ids of an article's `count` chunks (what the manifest needs to delete them without a scan)."""
    return [chunk_id(key, content_hash, i) for i in range(count)]


def chunk_document(doc: Document, max_chars: int = 700, overlap: int = 1) -> list[Chunk]:
    """Pack whole sentences into chunks of at most `max_chars` (a longer sentence is a chunk alone)."""
    sents = split_sentences(doc.text)
    chunks: list[Chunk] = []
    i = 0
    while i < len(sents):
        j = i + 1
        while j < len(sents) and sents[j].end - sents[i].start <= max_chars:
            j += 1
        start, end = sents[i].start, sents[j - 1].end
        index = len(chunks)
        chunks.append(Chunk(
            id=chunk_id(doc.key, doc.content_hash, index), doc_key=doc.key, source=doc.source, title=doc.title,
            text=doc.text[start:end], start=start, end=end, index=index,
            outlet=doc.outlet, url=doc.url, date=doc.date, author=doc.author,
        ))
        if j >= len(sents):
            break
        nxt = max(j - overlap, i + 1)
        # Overlap only when the next chunk can still take a new sentence; else it would repeat this one's tail.
        i = nxt if sents[j].end - sents[nxt].start <= max_chars else j
    return chunks


def _doc(text: str) -> Document:
    """A throwaway Document for the examples above."""
    return Document(key="k", source="s.txt", title="t", text=text, content_hash="h")

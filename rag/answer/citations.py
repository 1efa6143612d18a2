"""Reader output + numbered passages -> final answer text with [n] markers renumbered 1..k, and Citations.

>>> renumber("Kabul [3]. Moscow [1][3].", )
('Kabul [1]. Moscow [2][1].', {3: 1, 1: 2})
"""

from __future__ import annotations

import re
from typing import Sequence

from ..records import Citation, Passage
from .grounding import MARKER


def renumber(text: str) -> tuple[str, dict[int, int]]:
    """Markers renumbered in order of first appearance; returns the text and {old: new}."""
    mapping: dict[int, int] = {}
    for group in MARKER.findall(text):
        for x in re.split(r"\s*,\s*", group):
            mapping.setdefault(int(x), len(mapping) + 1)
    return apply_mapping(text, mapping), mapping


def apply_mapping(text: str, mapping: dict[int, int]) -> str:
    """Rewrite every [n] marker through `mapping` (numbers it lacks stay as they are).

    >>> apply_mapping("A [3]. B [1, 3].", {3: 1, 1: 2})
    'A [1]. B [2, 1].'
    """

    def sub(m: re.Match[str]) -> str:
        return "[" + ", ".join(str(mapping.get(int(x), int(x))) for x in re.split(r"\s*,\s*", m.group(1))) + "]"

    return MARKER.sub(sub, text)


def citation(p: Passage, n: int) -> Citation:
    """The cited passage is the chunk the sentence came from; the sentence is the highlighted quote."""
    c = p.chunk
    q_start = p.start - c.start
    return Citation(
        n=n, source=c.source, title=c.title, text=c.text, quote=p.sentence, quote_start=q_start,
        quote_end=q_start + len(p.sentence), doc_start=c.start, doc_end=c.end, chunk_id=c.id,
        doc_key=c.doc_key, outlet=c.outlet, url=c.url, date=c.date, author=c.author, score=p.score,
    )


def citations_for(mapping: dict[int, int], passages: Sequence[Passage]) -> list[Citation]:
    by_n = {p.n: p for p in passages}
    out = [citation(by_n[old], new) for old, new in mapping.items() if old in by_n]
    return sorted(out, key=lambda c: c.n)


def find_source(span: str, passages: Sequence[Passage]) -> Passage | None:
    """The best-ranked passage that contains `span` (whitespace and case folded), if any."""
    key = " ".join(span.split()).lower()
    if not key:
        return None
    for p in passages:  # passages are numbered best first
        if key in " ".join(p.sentence.split()).lower():
            return p
    return None

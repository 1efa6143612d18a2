"""Claim-by-claim support check: each answer sentence against the passages its [n] markers cite.

Deterministic and model-free. A claim is supported when every name and number in it appears in a cited
passage and enough of its content words do (light stemming, so "recognised"/"recognition" match):

>>> check_claim("Zhirnov is the ambassador [1].", (1,), {1: "Ambassador Dmitry Zhirnov met Muttaqi."}).supported
True
>>> check_claim("Lavrov is the ambassador [1].", (1,), {1: "Ambassador Dmitry Zhirnov met Muttaqi."}).missing
('lavrov',)
>>> [c.markers for c in split_claims("Paris [1]. It is big [2][3]. Old. [4]")]
[(1,), (2, 3), (4,)]
>>> [c.text for c in split_claims("- Aid was sent [1].\\n- 2023-01-05: talks began [2].")]
['Aid was sent [1].', 'talks began [2].']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..records import Claim
from ..text import STOPWORDS, stem, words

MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "first": "1", "second": "2", "third": "3",
    "fourth": "4", "fifth": "5",
}
_CLAIM_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")
_LINE_LEAD = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(?:(?:\d{4}-\d\d-\d\d|undated):\s+)?")
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)")

# Share of a claim's content words that must appear in its cited passages (names/numbers must all appear).
# 0.6 lets a claim paraphrase ("recognised the government" vs "recognition of the government") while a
# claim that adds a new predicate ("... and expelled its diplomats") fails.
MIN_WORD_SUPPORT = 0.6


@dataclass(frozen=True)
class Facts:
    names: set[str]
    numbers: set[str]
    words: set[str]


def facts(text: str) -> Facts:
    """Names (capitalised words not opening a sentence), numbers, and stemmed content words of `text`."""
    clean = MARKER.sub(" ", text)
    names: set[str] = set()
    for sent in re.split(r"(?<=[.!?])\s+", clean):
        tokens = re.findall(r"[A-Za-z][\w’'-]*", sent)
        for i, tok in enumerate(tokens):
            base = re.sub(r"['’]s$", "", tok)
            if not base[:1].isupper() or base.lower() in STOPWORDS or len(base) < 2:
                continue
            # A capital opening a sentence is a name only when the next word is capitalised too ("Sergey Lavrov").
            if i > 0 or (i + 1 < len(tokens) and tokens[i + 1][:1].isupper()):
                names.add(base.lower())
    numbers = {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", clean)}
    ws = words(clean)
    numbers |= {_NUMBER_WORDS[w] for w in ws if w in _NUMBER_WORDS}
    content = {stem(w) for w in ws if w not in STOPWORDS and not w.isdigit() and w not in _NUMBER_WORDS}
    return Facts(names, numbers, content)


def _passage_index(passages: str) -> tuple[set[str], set[str], set[str]]:
    ws = words(passages)
    plain = set(ws)
    stems = {stem(w) for w in ws}
    numbers = {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", passages)}
    numbers |= {_NUMBER_WORDS[w] for w in ws if w in _NUMBER_WORDS}
    return plain, stems, numbers


def check_claim(text: str, markers: tuple[int, ...], passages: dict[int, str]) -> Claim:
    """Check one claim against the passages it cites (markers that point nowhere support nothing)."""
    cited = " ".join(passages[m] for m in markers if m in passages)
    f = facts(text)
    if not cited:
        missing = tuple(sorted(f.names | f.numbers))
        return Claim(text=text, markers=markers, supported=False, support=0.0, missing=missing)
    plain, stems, numbers = _passage_index(cited)
    missing_names = sorted(n for n in f.names if not all(p in plain for p in words(n)))
    missing_numbers = sorted(n for n in f.numbers if n not in numbers)
    found_words = [w for w in f.words if w in stems]
    word_support = len(found_words) / len(f.words) if f.words else 1.0
    total = len(f.names) + len(f.numbers) + len(f.words)
    hits = (len(f.names) - len(missing_names)) + (len(f.numbers) - len(missing_numbers)) + len(found_words)
    support = hits / total if total else 1.0
    missing_words = sorted(w for w in f.words if w not in stems) if word_support < MIN_WORD_SUPPORT else []
    supported = not missing_names and not missing_numbers and word_support >= MIN_WORD_SUPPORT
    return Claim(text=text, markers=markers, supported=supported, support=round(support, 3),
                 missing=tuple(missing_names + missing_numbers + missing_words))


def split_claims(answer: str) -> list[Claim]:
    """Answer text -> claims with their markers (unchecked: supported=False, support=0)."""
    out = []
    # "One. [1] Two. [2]": a marker right after a full stop belongs to that sentence -> "One [1]. Two [2]."
    text = _MARKERS_AFTER_STOP.sub(lambda m: f"{m.group(2)}{m.group(1)}", answer.strip())
    # Each line is a claim of its own (a list's bullets, a timeline's dated lines); the bullet and the date lead
    # are the answer's layout, not part of what its passage must say.
    pieces = [p for line in text.splitlines() for p in _CLAIM_END.split(_LINE_LEAD.sub("", line))]
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        markers = tuple(int(n) for group in MARKER.findall(piece) for n in re.split(r"\s*,\s*", group))
        out.append(Claim(text=piece, markers=markers, supported=False, support=0.0))
    return out


def check_answer(answer: str, passages: dict[int, str]) -> list[Claim]:
    """Every claim of `answer`, checked. A claim without a marker is unsupported by definition."""
    return [check_claim(c.text, c.markers, passages) if c.markers
            else Claim(text=c.text, markers=(), supported=False, support=0.0, missing=("no citation",))
            for c in split_claims(answer)]


def lexical_support(claim: str, passage: str) -> float:
    """An independent baseline for evaluation: unigram precision of the claim's non-stopwords (no stemming)."""
    cw = [w for w in words(MARKER.sub(" ", claim)) if w not in STOPWORDS]
    if not cw:
        return 1.0
    pw = set(words(passage))
    return sum(w in pw for w in cw) / len(cw)

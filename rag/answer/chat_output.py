"""A chat model's reply, tidied: markers after the sentence they support, no marker-only or looping text, and
"not in the sources" recognised in the model's own words.

Small instruct models break the answer format in a few recurring ways: a reply that is only "[1]", a run of
markers or a phrase repeated until max_tokens, markers written before the sentence they belong to, markers
naming sources that were never shown. `tidy` repairs what can be repaired and reports what it found; the
grounding check then verifies what is left, claim by claim.

>>> tidy("[1] Dmitry Zhirnov is the ambassador. [2] He met Muttaqi.", 2).text
'Dmitry Zhirnov is the ambassador [1]. He met Muttaqi [2].'
>>> r = tidy("[1] [2] [3] [2] [1] [1] [1]", 3)
>>> r.text, r.problems, r.pointed
('', ('marker-only',), (1, 2, 3))
>>> tidy("The sources do not say who won.", 3).declined
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from .grounding import MARKER, check_claim, split_claims

# Marker spellings small models use for the requested "[n]": "[Source 2]", "[2][3]", "(2)" right after a word.
_SOURCE_WORD = re.compile(r"\[\s*(?:source|src|passage)s?\s*(\d+)\s*\]", re.I)
_GROUP = re.compile(r"(?:\s*\[\d+(?:\s*,\s*\d+)*\])+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SPECIAL = re.compile(r"<\|[^|>]*\|>|</?s>")
_WORD = re.compile(r"[^\W_]", re.UNICODE)

# "Not in the sources" in the model's own words. A sentence declines when it says the sources / articles / text
# lack something (a negation within a few words of one of those nouns), or speaks of its own inability to answer.
# A negation about the world ("the minister did not comment [1]") is not a decline: it names no source.
_META = r"(?:sources?|articles?|passages?|context|texts?|information|documents?|excerpts?|provided|given)"
_NEG = r"(?:not|no|n't|nothing|none|neither|nor|never|without|lacks?|absent|unclear|unknown|insufficient)"
_DECLINE = re.compile(
    rf"\b{_META}\b[^.!?]{{0,60}}?(?:\b{_NEG}\b|n't)|\b{_NEG}\b[^.!?]{{0,40}}?\b{_META}\b"
    r"|\bI\s+(?:cannot|can't|can not|am unable|am not able|do not know|don't know|could not|couldn't)\b"
    r"|\bnot in (?:the )?sources\b|^\s*(?:unknown|n/?a|none)\s*[.!]?\s*$",
    re.I,
)

REPEAT_MIN_WORDS = 3  # a phrase of this many words said twice in a row is a loop ("the the" is not)


@dataclass(frozen=True)
class ChatReply:
    """The tidied reply. `text` is "" when nothing but markers or declines was left."""

    text: str
    declined: bool = False
    problems: tuple[str, ...] = ()  # what was repaired: marker-only, repetition, markers-moved, unknown-source
    pointed: tuple[int, ...] = ()  # sources a marker-only reply pointed at, in order


def tidy(raw: str, n_sources: int) -> ChatReply:
    """Repair the reply's shape (see the module docstring); markers outside 1..n_sources are dropped."""
    problems: list[str] = []
    text = _SPECIAL.sub("", raw or "").strip()
    text = _SOURCE_WORD.sub(r"[\1]", text)
    text, bad = _drop_unknown(text, n_sources)
    if bad:
        problems.append("unknown-source")
    text, looped = _cut_loops(text)
    if looped:
        problems.append("repetition")
    words_left = _WORD.search(MARKER.sub(" ", text))
    if not words_left:
        pointed = tuple(dict.fromkeys(int(n) for g in MARKER.findall(text) for n in re.split(r"\s*,\s*", g)))
        return ChatReply("", False, tuple(["marker-only"] + [p for p in problems if p != "repetition"]), pointed)
    if _leading_markers(text):
        text = _move_leading_markers(text)
        problems.append("markers-moved")
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    declines = [bool(_DECLINE.search(MARKER.sub(" ", s))) for s in sentences]
    if declines and (declines[0] or all(declines)):
        return ChatReply("", True, tuple(problems))
    kept = " ".join(s for s, d in zip(sentences, declines) if not d)
    return ChatReply(_squeeze(kept), False, tuple(problems))


def declines(text: str) -> bool:
    """Does `text` say the sources do not hold the answer (in any wording)?

    >>> declines("The articles don't mention his age."), declines("He did not attend the talks [1].")
    (True, False)
    """
    return bool(_DECLINE.search(MARKER.sub(" ", text)))


def _drop_unknown(text: str, n: int) -> tuple[str, bool]:
    """Remove marker numbers outside 1..n (a marker group left empty disappears)."""
    bad = False

    def sub(m: re.Match[str]) -> str:
        nonlocal bad
        nums = [int(x) for x in re.split(r"\s*,\s*", m.group(1))]
        ok = [x for x in nums if 1 <= x <= n]
        bad = bad or len(ok) < len(nums)
        return "[" + ", ".join(map(str, ok)) + "]" if ok else ""

    return MARKER.sub(sub, text), bad


def _cut_loops(text: str) -> tuple[str, bool]:
    """Collapse a run of markers to its distinct numbers and cut a phrase or sentence the model repeats.

    >>> _cut_loops("Kabul [1] [2] [1] [1] [2] [1]")
    ('Kabul [1] [2]', True)
    >>> _cut_loops("He met the envoy in Kabul, the envoy in Kabul, the envoy in Kabul, the envoy")
    ('He met the envoy in Kabul', True)
    >>> _cut_loops("Talks ended [1]. Talks ended [1]. More [2].")
    ('Talks ended [1]. More [2].', True)
    """
    changed = False

    def group(m: re.Match[str]) -> str:
        nonlocal changed
        nums = [int(n) for g in MARKER.findall(m.group(0)) for n in re.split(r"\s*,\s*", g)]
        distinct = list(dict.fromkeys(nums))
        if len(distinct) < len(nums):
            changed = True
        return " " + " ".join(f"[{n}]" for n in distinct)

    text = _GROUP.sub(group, text).strip()
    # A sentence said twice (anywhere): keep its first occurrence.
    seen: set[str] = set()
    out = []
    for s in _SENTENCE_END.split(text):
        key = " ".join(MARKER.sub(" ", s).lower().split()).strip(".!? ")
        if key and key in seen:
            changed = True
            continue
        seen.add(key)
        out.append(s)
    text = " ".join(out)
    # A phrase of REPEAT_MIN_WORDS+ tokens said again right after itself: keep the first saying only.
    tokens = text.split()
    for size in range(REPEAT_MIN_WORDS, len(tokens) // 2 + 1):
        for i in range(len(tokens) - 2 * size + 1):
            a = [t.strip(",;.").lower() for t in tokens[i:i + size]]
            b = [t.strip(",;.").lower() for t in tokens[i + size:i + 2 * size]]
            if a == b and sum(bool(_WORD.search(MARKER.sub("", t))) for t in a) >= 2:
                return " ".join(tokens[:i + size]).rstrip(",;"), True
    return text, changed


def _leading_markers(text: str) -> bool:
    """Does the reply put markers before its sentences ("[1] Zhirnov is ..."), not after them?"""
    return bool(re.match(r"\s*\[\d", text)) and bool(_WORD.search(MARKER.sub(" ", text)))


def _move_leading_markers(text: str) -> str:
    """"[1] A. [2] B." -> "A [1]. B [2]." : each marker group moves to the end of the sentence after it."""
    parts = re.split(r"((?:\[\d+(?:\s*,\s*\d+)*\]\s*)+)", text)
    out: list[str] = []
    pending = ""
    for part in parts:
        if MARKER.match(part.strip() or "x") and not _WORD.search(MARKER.sub(" ", part)):
            pending += " " + " ".join(part.split())
            continue
        body = part.strip()
        if not body:
            continue
        if pending:
            end = re.search(r"[.!?]*$", body)
            cut = end.start() if end else len(body)
            body = f"{body[:cut].rstrip()}{pending}{body[cut:]}"
            pending = ""
        out.append(body)
    if pending and out:  # markers after the last sentence too: they belong to it
        out[-1] = _attach(out[-1], pending)
    return " ".join(out)


def _attach(sentence: str, markers: str) -> str:
    end = re.search(r"[.!?]*$", sentence)
    cut = end.start() if end else len(sentence)
    return f"{sentence[:cut].rstrip()}{markers}{sentence[cut:]}"


def _squeeze(text: str) -> str:
    text = re.sub(r"\s+([.,;!?])", r"\1", " ".join(text.split()))
    return re.sub(r"\]\s*\.", "].", re.sub(r"(\S)\[", r"\1 [", text)).strip()


def keep_supporting_markers(text: str, passages: Mapping[int, str]) -> str:
    """For a claim citing several sources, keep only those that support it alone (all of them if none does).

    >>> keep_supporting_markers("Zhirnov is the ambassador [1][2].", {1: "Zhirnov, the ambassador, said.", 2: "Rain."})
    'Zhirnov is the ambassador [1].'
    """
    out = []
    for claim in split_claims(text):
        markers = tuple(dict.fromkeys(claim.markers))
        if len(markers) > 1:
            alone = tuple(m for m in markers if check_claim(claim.text, (m,), dict(passages)).supported)
            if alone and alone != markers:
                body = MARKER.sub("", claim.text)
                claim_text = _attach(_squeeze(body), " " + " ".join(f"[{m}]" for m in alone))
                out.append(_squeeze(claim_text))
                continue
        out.append(claim.text)
    return " ".join(out)

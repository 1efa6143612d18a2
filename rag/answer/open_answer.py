"""Open answers as items: one sentence each, with the marker of the passage it comes from; rendered by shape.

An answer is a verdict (yes/no questions only) and items. Each item is checked alone against the passage it
cites; a timeline item's date is a `lead` shown before it, never part of what is checked (the date comes from
the article's metadata, not from the sentence).

>>> render("list", "", [Item("Aid was promised [1]."), Item("Trade grew [2].")])
'- Aid was promised [1].\\n- Trade grew [2].'
>>> render("yesno", "No.", [Item("It was removed from the list [1].")])
'No. It was removed from the list [1].'
>>> verdict, items = parse_written("Yes. Russia did so [2]. Kabul welcomed it [1].", "yesno")
>>> verdict, [i.text for i in items]
('Yes.', ['Russia did so [2].', 'Kabul welcomed it [1].'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from ..records import Claim, Passage, Question
from ..text import stems, words
from .citations import apply_mapping, renumber
from .gate import echoes_question
from .grounding import MARKER, check_claim, split_claims

BULLETED = ("list", "timeline")
VERDICTS = ("Yes.", "No.", "The articles don't say.")
# Words that only qualify a yes/no question's proposition ("is it *still* banned?"): a sentence need not hold them.
_QUALIFIERS = {"still", "current", "currenc", "now", "yet", "ever", "realli", "alreadi", "actual", "offici"}
_NEGATIONS = {"not", "no", "never", "neither", "nor", "longer"}
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_VERDICT = re.compile(r"^\s*(yes|no|the articles don't say|the articles do not say)\b[.,!]?\s*", re.I)


@dataclass(frozen=True)
class Item:
    """One answer sentence with its marker(s); `lead` is shown before it and not checked (a timeline's date)."""

    text: str
    lead: str = ""


def quoted(question: Question, shown: Sequence[Passage]) -> tuple[str, list[Item]]:
    """The extractive answer: each shown sentence as it stands in its article, cited; a verdict only when a
    sentence states the question's proposition outright (see `verdict`)."""
    items = [Item(f"{_sentence(p.sentence)} [{p.n}]" + _end(p.sentence)) for p in shown]
    return (verdict(question.text, shown) if question.shape == "yesno" else ""), items


def assemble(question: Question, lead: str, items: Sequence[Item],
             shown: Sequence[Passage]) -> tuple[str, list[Claim], dict[int, int]] | None:
    """Check each item alone against the passage(s) it cites, keep those that hold, order a timeline, render
    the text and number its markers 1..k. Returns (text, claims kept then struck, {old marker: new}), or None when
    nothing holds up or what holds only restates the question."""
    passages = {p.n: p.sentence for p in shown}
    checked = []
    for item in items:
        marks = markers(item)
        claim = check_claim(item.text, marks, passages) if marks else \
            Claim(text=item.text, markers=(), supported=False, support=0.0, missing=("no citation",))
        checked.append((item, claim))
    kept = [(i, c) for i, c in checked if c.supported]
    struck = [c for _, c in checked if not c.supported]
    if not kept or echoes_question(" ".join(c.text for _, c in kept), question.text):
        return None
    if question.shape == "timeline":
        kept = in_time_order(kept, {p.n: p for p in shown})
    text, mapping = renumber(render(question.shape, lead, [i for i, _ in kept]))
    claims = [replace(c, text=apply_mapping(c.text, mapping), markers=tuple(mapping.get(m, m) for m in c.markers))
              for c in [c for _, c in kept] + struck]
    return text, claims, mapping


def in_time_order(items: Sequence[tuple[Item, Claim]], passages: Mapping[int, Passage]) -> list[tuple[Item, Claim]]:
    """A timeline: items in the order their cited articles were published (undated last; one article's
    sentences in text order), each led by that date when the article has one."""
    def cited(claim: Claim) -> Passage | None:
        return passages.get(claim.markers[0]) if claim.markers else None

    def when(claim: Claim) -> tuple[str, str, int]:
        p = cited(claim)
        return (p.chunk.date[:10] or "9999", p.chunk.doc_key, p.start) if p else ("9999", "", 0)

    ordered = sorted(items, key=lambda ic: when(ic[1]))
    return [(Item(i.text, _date(cited(c))), c) for i, c in ordered]


def verdict(question: str, shown: Sequence[Passage]) -> str:
    """"Yes." / "No." when a shown sentence states the question's proposition outright: its words (prepositions
    included, articles, auxiliaries and qualifiers such as "still" aside) stand in the sentence in the question's
    order, at most MAX_GAP other words apart; "No." when a negation stands among them. "" (no verdict, the
    evidence alone) otherwise. Sharing the words is not enough: "removed the Taliban *from* its list" does not
    say the Taliban are *on* it.

    >>> from rag.records import Chunk
    >>> c = Chunk(id="x", doc_key="x", source="x", title="", text="", start=0, end=0, index=0)
    >>> ask = lambda q, s: verdict(q, [Passage(1, s, c, 0, 1)])
    >>> ask("Did Russia recognise the Taliban?", "Russia recognised the Taliban in July.")
    'Yes.'
    >>> ask("Did Russia recognise the Taliban?", "Russia has not recognised the Taliban.")
    'No.'
    >>> ask("Is the Taliban still banned?", "The Taliban is no longer banned.")
    'No.'
    >>> ask("Is the Taliban still banned?", "Moscow lifted its ban on the group.")
    ''
    >>> ask("Are the Taliban still on Russia's list of banned groups?",
    ...     "Russia decided to remove the Taliban from its list of banned groups.")
    ''
    """
    asked = _proposition(question)
    if not asked:
        return ""
    for p in shown:
        gaps = _ordered_run(asked, _proposition(p.sentence))
        if gaps is not None:
            return "No." if _NEGATIONS & set(gaps) or "n't" in p.sentence else "Yes."
    return ""


MAX_GAP = 3  # other words allowed between two of the proposition's ("Russia *has formally* recognised")
# Words a proposition does without: articles, possessive determiners, auxiliaries (the question's inversion).
# Dropped before stemming (Snowball makes "does" "doe" and "its" "it").
_FILLER = {"a", "an", "the", "its", "their", "his", "her", "our", "any", "do", "does", "did", "is", "are", "was",
           "were", "be", "been", "has", "have", "had", "will", "would", "can", "could", "so", "far"}


def _proposition(text: str) -> list[str]:
    return [w for w in stems([w for w in words(text) if w not in _FILLER]) if w not in _QUALIFIERS]


def _ordered_run(asked: Sequence[str], sentence: Sequence[str]) -> list[str] | None:
    """The words between the asked words when all of them stand in `sentence` in order, each at most MAX_GAP
    words after the previous; None when they do not."""
    for start in (i for i, w in enumerate(sentence) if w == asked[0]):
        at, between = start, list[str]()
        for want in asked[1:]:
            nxt = next((j for j in range(at + 1, min(len(sentence), at + 2 + MAX_GAP)) if sentence[j] == want), None)
            if nxt is None:
                break
            between += sentence[at + 1:nxt]
            at = nxt
        else:
            return between
    return None


def render(shape: str, lead: str, items: Sequence[Item]) -> str:
    """Bullets for lists and timelines (a timeline's date first), else one paragraph; the verdict opens it."""
    if shape in BULLETED:
        lines = [f"- {i.lead}: {i.text}" if i.lead else f"- {i.text}" for i in items]
        return "\n".join(([lead] if lead else []) + lines)
    return " ".join(([lead] if lead else []) + [i.text for i in items])


def parse_written(text: str, shape: str) -> tuple[str, list[Item]]:
    """A model's reply -> (verdict, items): one item per bullet line or sentence, bullets and a leading verdict
    stripped (the verdict is kept only for yes/no questions)."""
    lead = ""
    m = _VERDICT.match(text)
    if m and shape == "yesno":
        word = m.group(1).lower()
        lead = "Yes." if word == "yes" else "No." if word == "no" else VERDICTS[2]
        text = text[m.end():]
    items: list[Item] = []
    for line in text.splitlines():
        line = _BULLET.sub("", line).strip()
        if not line:
            continue
        items += [Item(c.text) for c in split_claims(line)]
    return lead, items


def markers(item: Item) -> tuple[int, ...]:
    return tuple(int(n) for g in MARKER.findall(item.text) for n in re.split(r"\s*,\s*", g))


def _sentence(text: str) -> str:
    """The sentence on one line, its final stop removed (the marker goes before it)."""
    return " ".join(text.split()).rstrip(".!?").rstrip()


def _end(text: str) -> str:
    stripped = text.rstrip()
    return stripped[-1] if stripped[-1:] in ".!?" else "."


def _date(p: Passage | None) -> str:
    """The cited article's publish date, or no lead at all when nobody stated it."""
    return p.chunk.date[:10] if p is not None and p.chunk.date else ""

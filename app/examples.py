"""Example questions derived from the ingested articles: "Who is <name>?" for the people they name most."""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

# A person's name is most reliably recognised generically by the title news writing puts before it:
# "Foreign Minister Amir Khan Muttaqi", "Ambassador Dmitry Zhirnov". No name or answer is hard-coded.
ROLES = (
    "Ambassador", "Envoy", "Minister", "President", "Secretary", "Spokesperson", "Spokesman", "Spokeswoman",
    "Governor", "Mayor", "Chancellor", "Premier", "Director", "Chief", "Commander", "General", "Senator",
    "Representative", "Judge", "Chairman", "Chairwoman", "Chair", "CEO", "Leader", "Officer", "Prince", "King",
    "Queen", "Pope", "Dr.", "Prof.",
)
_WORD = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_NAME = r"(" + _WORD + r"(?:\s+" + _WORD + r"){1,2})"
_ROLE = r"(?:" + "|".join(re.escape(r) for r in ROLES) + r")"
# "Minister Amir Khan Muttaqi", "Ambassador to Afghanistan Dmitry Zhirnov"
_NAME_AFTER_ROLE = re.compile(r"\b" + _ROLE + r"(?:\s+(?:to|of|for)\s+(?:the\s+)?" + _WORD + r")?\s+" + _NAME + r"\b")
# "Zamir Kabulov, Special Envoy of ...", "Dmitry Zhirnov, the Russian ambassador to Kabul"
_NAME_BEFORE_ROLE = re.compile(r"\b" + _NAME + r",\s+(?:the\s+|a\s+)?(?:[\w’'-]+\s+){0,3}(?i:" + _ROLE + r")\b")
_NOT_NAMES = {w for r in ROLES for w in r.split()} | {"The", "Of", "To", "And", "For"}


def names_after_roles(texts: Iterable[str]) -> Counter[str]:
    """How many texts mention each role-preceded (or role-followed) name.

    >>> names_after_roles(["Foreign Minister Amir Khan Muttaqi met Dmitry Zhirnov, the Russian ambassador."])
    Counter({'Amir Khan Muttaqi': 1, 'Dmitry Zhirnov': 1})
    """
    counts: Counter[str] = Counter()
    for text in texts:
        found = set()
        for m in [*_NAME_AFTER_ROLE.finditer(text), *_NAME_BEFORE_ROLE.finditer(text)]:
            name = m.group(1)
            if not (set(name.split()) & _NOT_NAMES):
                found.add(name)
        counts.update(sorted(found))
    return counts


def example_questions(texts: Iterable[str], limit: int = 4) -> list[str]:
    """Up to `limit` "Who is <name>?" questions about the people the articles talk about most.

    Names are ranked by how many texts mention their surname, then how often, so a person named once
    in a "read next" teaser ranks below the people the articles are about.

    >>> example_questions(["President Ada Lovelace met Turing.", "Envoy Alan Turing stayed; Turing left."])
    ['Who is Alan Turing?', 'Who is Ada Lovelace?']
    """
    texts = list(texts)
    names = names_after_roles(texts)
    score = {}
    for name in names:
        surname = re.compile(r"\b" + re.escape(name.split()[-1]) + r"\b")
        hits = [len(surname.findall(t)) for t in texts]
        score[name] = (-sum(1 for h in hits if h), -sum(hits), name)
    chosen: list[str] = []
    for name in sorted(names, key=score.__getitem__):
        # Drop a shorter form of a name already listed ("Khan Muttaqi" after "Amir Khan Muttaqi").
        if not any(name in other or other in name for other in chosen):
            chosen.append(name)
    return [f"Who is {name}?" for name in chosen[:limit]]

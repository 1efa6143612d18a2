"""Abstention gates: before generation (is any shown sentence relevant enough?) and after it (does the
answer have the type the question asks for, and is it more than an echo of the question?).

The relevance threshold is calibrated on the dev set by `rag calibrate` and stored in data/calibration.json.

>>> expected_type("How many runners registered?"), expected_type("When did it open?"), expected_type("Why?")
('number', 'time', '')
>>> fits_type("More than 4,000", "number"), fits_type("the governor", "number"), fits_type("many nations", "number")
(True, False, False)
>>> fits_type("in 2021", "date"), fits_type("on Friday", "date")
(False, True)
>>> fits_type("the Taliban", "name", "Who leads the Taliban?"), fits_type("Russia", "name", "Which Russian firm?")
(False, False)
>>> expected_type("Who is the new ambassador?"), expected_type("Who criticised the move?")
('person', 'name')
>>> expected_type("Where will the talks be held?"), fits_type("in Istanbul", "place"), fits_type("in talks", "place")
('place', True, False)
>>> fits_type("the United Arab Emirates", "person"), fits_type("June 2", "name"), fits_type("Dmitry Zhirnov", "person")
(False, False, True)
>>> expected_type("How long did the war last?"), expected_type("What share of voters agreed?")
('duration', 'share')
>>> fits_type("a nine-year conflict", "duration"), fits_type("1979", "duration"), fits_type("40%", "share")
(True, False, True)
>>> expected_type("In which city will the talks take place?"), expected_type("Which sectors grew?")
('name', '')
>>> expected_type("What is the total value of the deals?"), expected_type("What is the deal about?")
('number', '')
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path

from ..text import STOPWORDS, words

CALIBRATION_FILE = Path(__file__).resolve().parent.parent / "data" / "calibration.json"

_MONTHS = ("january february march april may june july august september october november december "
           "jan feb mar apr jun jul aug sep sept oct nov dec").split()
_TIME_WORDS = set(_MONTHS) | set(
    "monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow week weeks month months "
    "year years decade decades century spring summer autumn fall winter morning evening night ago since "
    "recently earlier later last next".split())
# Nouns whose instances have proper names: "In which city ...?" is answered by a name ("Istanbul").
_NAMED = ("city", "cities", "country", "countries", "nation", "nations", "town", "towns", "capital", "state",
          "states", "province", "provinces", "court", "courts", "agency", "agencies", "organisation", "organisations",
          "organization", "organizations", "company", "companies", "firm", "firms", "manufacturer", "manufacturers",
          "bank", "banks", "newspaper", "newspapers", "outlet", "outlets", "party", "parties", "university")
# Of those, the nouns a country can answer ("which nation", "which state"); a country is no company or court.
_GEO = {"city", "cities", "country", "countries", "nation", "nations", "town", "towns", "capital", "state", "states",
        "province", "provinces"}
_AUX = "(did|does|do|is|was|were|are|has|have|had|will|would|can|could|should|the|a|an|his|her|its|their)"
_UNITS = set("year years month months week weeks day days hour hours minute minutes decade decades century "
             "centuries".split())
_FRACTIONS = set("percent percentage half halves third thirds quarter quarters majority minority".split())
# Nouns of roles people hold, and verbs only people do: "who" questions with them ask for a person.
_ROLES = set("ambassador ambassadors minister ministers president presidents leader leaders envoy envoys head heads "
             "chief chiefs spokesman spokeswoman spokesperson governor mayor director ceo chairman chairwoman chair "
             "commander secretary king queen premier chancellor author writer reporter editor founder judge "
             "negotiator representative emir prince successor predecessor".split())
# Heads of institution names: "the Russian Supreme Court" is no answer to "who is the supreme leader?"
_INSTITUTION = re.compile(r"\b(?:[A-Z][\w’'-]*\s+)*(Court|Ministry|Council|Government|Parliament|Assembly|Committee|"
                          r"Commission|Agency|Bank|Party|Army|Police|University|Office|Department|Union|"
                          r"Organi[sz]ation|Embassy|Senate|Congress|Cabinet|Bureau)\b")
_PERSON_VERBS = (r"\bwho (heads|headed|leads|led|wrote|writes|chairs|chaired|runs|ran|founded|directs|directed|"
                 r"commands|commanded|authored)\b")
_COUNTRIES = [line.strip() for line in (Path(__file__).resolve().parent.parent / "data" / "countries.txt").read_text(
    encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
_COUNTRY = re.compile(r"\b(" + "|".join(re.escape(c) for c in sorted(_COUNTRIES, key=len, reverse=True)) + r")\b")
_NUMBER_WORDS = set("one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
                    "hundred hundreds thousand thousands million millions billion billions dozen dozens "
                    "first second third fourth fifth half no none zero".split())  # not "many": it answers no "how many"


def expected_type(question: str) -> str:
    """'number', 'duration', 'share', 'year', 'month', 'date', 'weekday', 'time', 'place', 'person', 'name' or
    '' (any), from the question's wh-phrase."""
    q = question.lower().strip()
    if re.search(r"\bhow long\b(?! ago)", q):
        return "duration"
    if re.search(r"\b(what|which) (percentage|share|proportion|fraction)\b", q):
        return "share"
    if re.search(r"\bhow (many|much|old|far|big|large)\b|\bwhat (number|amount)\b", q) or re.search(
            r"\bwhat (is|was|are|were) (the |its |their )?(\w+ )?(value|cost|price|worth|population|amount)\b", q):
        return "number"
    if re.search(r"\bday of the week\b", q):
        return "weekday"
    m = re.search(r"\b(what|which) (year|month|date|day)\b", q)
    if m:
        return {"year": "year", "month": "month"}.get(m.group(2), "date")
    # "when" asks for a time only as the question word, not inside a clause ("... urge when dealing with")
    if re.search(r"^(and |but |so )?(since |until )?when\b|\bwhen (did|was|were|is|are|will|does|do|has|have)\b", q):
        return "time"
    if re.search(r"^(and |but |so )?where\b|\bwhere (is|was|were|are|did|do|does|will|would|has|have|had)\b", q):
        return "place"
    if re.search(r"^(and |but |so )?(who|whom|whose)\b|\b(who|whom)\b|\bwhat is (the|his|her|its|their) name\b", q):
        # "Who is the ambassador?", "Who wrote it?" ask for a person; "Who criticised it?" may be a group or a state
        return "person" if _ROLES & set(words(q)) or re.search(_PERSON_VERBS, q) else "name"
    # "which city", "which Russian companies", "what newspaper": a proper name (not "what did the court say")
    if named_noun(q):
        return "name"
    return ""


_NAMED_NOUN = re.compile(rf"\b(which|what) ((?!{_AUX}\b)\w+ ){{0,2}}(?P<noun>{'|'.join(_NAMED)})\b")


def named_noun(question: str) -> str:
    """The noun after "which"/"what" whose instances have proper names ("city" in "In which city ...?"), or ''.

    >>> named_noun("Which Serbian arms manufacturer made them?"), named_noun("What did the court say?")
    ('manufacturer', '')
    """
    m = _NAMED_NOUN.search(question.lower())
    return m.group("noun") if m else ""


_CALENDAR = set(_MONTHS) | {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}  # not names
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_RELATIVE_DAYS = {"today", "yesterday", "tomorrow", "tonight"}


def fits_type(span: str, kind: str, question: str = "") -> bool:
    """Does `span` have the type the question asks for? A name must be new: not already in the question."""
    if not kind:
        return True
    ws = words(span)
    has_digit = bool(re.search(r"\d", span))
    has_year = bool(re.search(r"\b(1[89]|20)\d\d\b", span))
    months = any(w in _MONTHS[:12] for w in ws)
    if kind == "number":
        return has_digit or any(w in _NUMBER_WORDS for w in ws)
    if kind == "duration":
        return any(w in _UNITS for w in ws)
    if kind == "share":
        return "%" in span or any(w in _FRACTIONS for w in ws)
    if kind == "year":
        return has_year
    if kind == "month":
        return months
    if kind == "weekday":
        return any(w in _WEEKDAYS | _RELATIVE_DAYS for w in ws)
    if kind == "date":
        return (months and has_digit) or any(w in _WEEKDAYS | _RELATIVE_DAYS for w in ws)
    if kind == "time":
        return has_year or any(w in _TIME_WORDS for w in ws)
    if kind in ("name", "person", "place"):  # a place is named too: "in Istanbul", "in Afghanistan’s central bank"
        if kind == "person":  # a country or an institution is not a person: "Afghanistan" or "the Supreme Court"
            span = _COUNTRY.sub(" ", _INSTITUTION.sub(" ", span))  # cannot answer "who is the new ambassador?"
        elif named_noun(question) not in _GEO | {""}:  # a country is no company, court or bank
            span = _COUNTRY.sub(" ", span)
        asked = set(words(question))
        # Up to a demonym for names ("Russia" is no answer to "which Russian firm?") but not for places ("in
        # Afghanistan" does say where the Afghan money is held).
        same = (lambda w: w in asked) if kind == "place" else (lambda w: _is_asked(w, asked))
        return any(w[:1].isupper() and not same(w.lower()) and w.lower() not in STOPWORDS
                   and w.lower() not in _CALENDAR for w in re.findall(r"[A-Za-z][\w’']*", span))
    return True


def wants_list(question: str) -> bool:
    """Does the question ask for several named things ("Which countries ...?")? Then "A and B" is the answer.

    >>> wants_list("In which countries were there attacks?"), wants_list("Which country was first?")
    (True, False)
    """
    plural = [n for n in _NAMED if n.endswith("s") and n[:-1] in _NAMED or n.endswith("ies")]
    return bool(re.search(rf"\b(which|what) ((?!{_AUX}\b)\w+ ){{0,2}}({'|'.join(plural)})\b", question.lower()))


def _is_asked(word: str, asked: set[str]) -> bool:
    """Is `word` one of the question's words, up to a demonym ("Russia" for "Russian", "Afghanistan" for "Afghan")?"""
    if word in asked:
        return True
    for a in asked:
        n = len(os.path.commonprefix([a, word]))
        if n >= 5 and n >= min(len(a), len(word)) - 2:
            return True
    return False


def echoes_question(span: str, question: str) -> bool:
    """True when the answer adds no content word that the question did not already contain."""
    span_words = [w for w in words(span) if w not in STOPWORDS]
    q = set(words(question))
    return not span_words or all(w in q for w in span_words)


@lru_cache(maxsize=1)
def calibrated_threshold() -> float:
    """The relevance threshold chosen on the dev set (0.0 = never abstain before generation)."""
    try:
        data = json.loads(CALIBRATION_FILE.read_text())
        return float(data["threshold"])
    except (OSError, ValueError, KeyError):
        return 0.0

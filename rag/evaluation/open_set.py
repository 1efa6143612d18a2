"""Open questions (summary, why, how, list, yes/no, compare, timeline) and how an answer to one is scored.

A question file is JSONL; each line: {"id", "question", "kind", "answerable", "key_points": [{"point", "terms"}],
"sources", "as_of"?, "expect"? ("yes"/"no" for yes/no questions), "history"?}. Key points are written by people
from the articles. A key point is covered by an answer when

* every one of its `terms` ("|"-separated alternatives) occurs in the answer as whole words, compared after
  Snowball stemming ("recognised" matches "recognize|recognized"), or
* some answer sentence's embedding has cosine >= POINT_COSINE with the key point's text (a paraphrase).

>>> covered_by_terms(["econom|trade", "central asia"], "Moscow wants trade ties in Central Asia [2].")
True
>>> covered_by_terms(["econom|trade", "central asia"], "Moscow wants trade [2].")
False
>>> restates("Why did Russia recognise the Taliban?", "Russia recognised the Taliban [1].")
True
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..answer.grounding import MARKER, check_claim
from ..answer.open_answer import parse_written
from ..answer.shape import OPEN_SHAPES
from ..errors import BadInput
from ..text import STOPWORDS, stems, words

DATA = Path(__file__).resolve().parent.parent / "data"
SEED_SET = DATA / "open_seed.jsonl"
RTQA_SET = DATA / "open_rtqa.jsonl"
# all-MiniLM-L6-v2 cosine at which an answer sentence states a key point in other words. Chosen before any answer
# was scored: paraphrase pairs of one fact sit above ~0.75 with this model, sentences that share a topic but state
# different facts mostly between 0.4 and 0.7. Term matches are reported on their own as the stricter figure.
POINT_COSINE = 0.75


@dataclass(frozen=True)
class KeyPoint:
    point: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class OpenItem:
    id: str
    question: str
    kind: str
    answerable: bool
    key_points: tuple[KeyPoint, ...] = ()
    sources: tuple[str, ...] = ()
    as_of: str = ""
    expect: str = ""
    history: tuple[dict[str, str], ...] = field(default_factory=tuple)


def is_open_file(path: Path) -> bool:
    """Does the file's first question carry key points (an open set), rather than gold answers?"""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                try:
                    return "key_points" in json.loads(line)
                except ValueError:
                    return False
    return False


def load(path: str | Path) -> list[OpenItem]:
    """Read an open-question file; BadInput names the line and the fix."""
    path = Path(path)
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name} line {n}"
        try:
            raw = json.loads(line)
            points = tuple(KeyPoint(str(k["point"]), tuple(str(t) for t in k["terms"])) for k in raw["key_points"])
            kind = str(raw.get("kind", ""))
            if kind not in OPEN_SHAPES:
                raise BadInput(f"{where}: kind {kind!r} is not one of {', '.join(OPEN_SHAPES)}; fix the line.")
            out.append(OpenItem(id=str(raw.get("id", n)), question=str(raw["question"]), kind=kind,
                                answerable=bool(raw["answerable"]), key_points=points,
                                sources=tuple(str(s) for s in raw.get("sources", [])),
                                as_of=str(raw.get("as_of") or ""),
                                expect=str(raw.get("expect") or ""), history=tuple(raw.get("history") or ())))
        except (ValueError, KeyError, TypeError) as exc:
            raise BadInput(f"{where} is not an open question ({exc}): each line needs question, kind, answerable and "
                           "key_points [{point, terms}]; see rag/evaluation/open_set.py.") from None
    return out


def _stemmed(text: str) -> list[str]:
    return stems(words(text))


def covered_by_terms(terms: Sequence[str], answer: str) -> bool:
    """Every term (alternatives split on "|") occurs as whole stemmed words in the answer."""
    seq = _stemmed(MARKER.sub(" ", answer))
    padded = " " + " ".join(seq) + " "
    for term in terms:
        alternatives = [" " + " ".join(_stemmed(a)) + " " for a in term.split("|") if _stemmed(a)]
        if not any(a in padded for a in alternatives):
            return False
    return True


def restates(question: str, answer: str) -> bool:
    """An answer whose every content word is already in the question says nothing new."""
    asked = set(_stemmed(question))
    said = [s for w, s in zip(words(MARKER.sub(" ", answer)), _stemmed(MARKER.sub(" ", answer))) if w not in STOPWORDS]
    return all(s in asked for s in said)


def answer_sentences(answer: str, kind: str) -> tuple[str, list[str]]:
    """(verdict, sentences) of a rendered answer: bullets, a timeline's date lead and the verdict taken off."""
    text = "\n".join(re.sub(r"^(\s*-\s*)(?:\d{4}-\d\d-\d\d|undated):\s*", r"\1", line) for line in answer.splitlines())
    verdict, items = parse_written(text, "yesno" if kind == "yesno" else kind)
    return verdict, [i.text for i in items]


def score(item: OpenItem, answer_text: str, abstained: bool, quotes: dict[int, str],
          sentence_vectors: Sequence[Sequence[float]], point_vectors: Sequence[Sequence[float]],
          sentences: Sequence[str] | None = None) -> dict[str, Any]:
    """Per-question scores (see the module docstring and README "Open answers"). `sentences`: the answer's
    sentences as the product made them (default: split from the text)."""
    verdict, split = answer_sentences(answer_text, item.kind) if not abstained else ("", [])
    sentences = list(split if sentences is None else sentences)
    cited = [bool(MARKER.search(s)) for s in sentences]
    supported = [check_claim(s, tuple(int(n) for g in MARKER.findall(s) for n in re.split(r"\s*,\s*", g)),
                             quotes).supported for s in sentences]
    row: dict[str, Any] = {"declined": abstained, "sentences": len(sentences),
                           "words": len(words(MARKER.sub(" ", answer_text))) if not abstained else 0,
                           "cited": sum(cited), "supported": sum(supported),
                           "restates": (not abstained) and restates(item.question, answer_text)}
    if not item.answerable:
        return row
    by_terms = [covered_by_terms(k.terms, answer_text) and not abstained for k in item.key_points]
    by_vector = [(not abstained) and any(_cos(pv, sv) >= POINT_COSINE for sv in sentence_vectors)
                 for pv in point_vectors]
    covered = [a or b for a, b in zip(by_terms, by_vector)]
    row.update(points=len(item.key_points), covered=sum(covered), covered_terms=sum(by_terms),
               recall=sum(covered) / len(item.key_points), recall_terms=sum(by_terms) / len(item.key_points),
               covered_which=[k.point for k, c in zip(item.key_points, covered) if c])
    if item.expect:
        row["verdict"] = verdict
        row["verdict_right"] = verdict.lower().startswith(item.expect.lower())
    return row


def _cos(a: Sequence[float], b: Sequence[float]) -> float:
    return float(sum(x * y for x, y in zip(a, b)))

"""Abstention gates: before generation (is any shown sentence relevant enough?) and after it (does the
answer have the type the question asks for, and is it more than an echo of the question?).

The relevance threshold is calibrated by `rag calibrate` and stored in data/calibration.json. Answer types
themselves live in `answer_types` (one module for the gate, the reader and the scorer).

>>> echoes_question("the Taliban", "Who leads the Taliban?"), echoes_question("Haibatullah", "Who leads it?")
(True, False)
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from ..text import STOPWORDS, terms, words
from .answer_types import fits_type, proper_names

__all__ = ["CALIBRATION_FILE", "calibrated_threshold", "echoes_question", "fits_type",
           "names_missing"]

CALIBRATION_FILE = Path(__file__).resolve().parent.parent / "data" / "calibration.json"


def echoes_question(span: str, question: str) -> bool:
    """True when the answer adds no content word that the question did not already contain."""
    span_words = [w for w in words(span) if w not in STOPWORDS]
    q = set(words(question))
    return not span_words or all(w in q for w in span_words)


def names_missing(question: str, texts: Sequence[str]) -> list[str]:
    """Names the question asks about that none of `texts` mentions (as a whole run of words; "Russian" counts for
    "Russia"). An open question about someone the retrieved articles never name is one they do not answer.

    >>> names_missing("How did Iran react to the move by Russia?", ["Russian diplomats met in Kabul."])
    ['Iran']
    """
    runs = [" " + " ".join(terms(t)) + " " for t in texts]
    missing = []
    for name in proper_names(question):
        key = " ".join(terms(name))
        if key and not any(f" {key} " in r for r in runs) and not _acronym_in(name, texts):
            missing.append(name)
    return missing


def _acronym_in(name: str, texts: Sequence[str]) -> bool:
    """"US" / "U.S." / "UN" stand for a run of capitalised words ("United States") or the dotted form.

    >>> _acronym_in("US", ["The United States froze assets."]), _acronym_in("UN", ["The U.N. met."])
    (True, True)
    """
    letters = name.replace(".", "")
    if not (letters.isupper() and letters.isalpha() and 2 <= len(letters) <= 5):
        return False
    for text in texts:
        if re.search(r"\b" + r"\.?".join(letters) + r"\b\.?", text):
            return True
        initials = "".join(w[0] if w[0].isupper() else " " for w in re.findall(r"[A-Za-z]+", text)
                           if w not in ("of", "the", "and"))
        if any(letters in run for run in initials.split()):  # inside a run of capitalised words
            return True
    return False


@lru_cache(maxsize=1)
def calibrated_threshold() -> float:
    """The calibrated relevance threshold (0.0 = never abstain before generation)."""
    try:
        data = json.loads(CALIBRATION_FILE.read_text())
        return float(data["threshold"])
    except (OSError, ValueError, KeyError):
        return 0.0

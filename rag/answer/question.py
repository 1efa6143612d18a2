"""A question as typed -> clean text every later stage can encode: one validation for every face.

Questions arrive from a terminal (undecodable bytes become lone surrogates), from JSON (a lone "\\ud800"
is legal there) and from a browser (pasted control and bidi characters). Tokenizers refuse lone surrogates
(`TypeError: TextEncodeInput`, `UnicodeEncodeError`), and a question made only of such characters must
count as empty, not reach retrieval.

>>> clean("  Who is\\x00 the\\u200b mayor?\\n")
'Who is the mayor?'
>>> clean("caf\\udce9 prices")  # "café" typed in a Latin-1 terminal: the byte is unknown, not an error
'caf\\ufffd prices'
"""

from __future__ import annotations

import unicodedata
from typing import Any

from ..errors import BadQuestion
from ..records import Question
from ..search.followup import normalise_history, rewrite
from . import answer_types
from .shape import shape_of

# Format characters that belong to words: zero-width (non-)joiners shape Persian, Arabic and Indic scripts
# and build emoji sequences. Every other format character (bidi overrides, zero-width space, BOM, soft
# hyphen) is invisible noise in a question.
_KEEP_FORMAT = {"\u200c", "\u200d"}
EXAMPLE = "\"Who is Russia's ambassador to Afghanistan?\""


def clean(question: object, max_chars: int = 0) -> str:
    """The question NFC-normalised, lone surrogates replaced by U+FFFD, control and format characters
    dropped, whitespace collapsed. Raises BadQuestion when nothing askable is left or it is over `max_chars`
    (0 = no limit); both messages name the fix."""
    if not isinstance(question, str):
        raise BadQuestion(f"The question must be text, not {type(question).__name__}: pass a string, e.g. "
                          f"{EXAMPLE}")
    text = unicodedata.normalize("NFC", _replace_surrogates(question))
    text = " ".join("".join(_keep(c) for c in text).split())
    if not any(c.isalnum() for c in text):
        raise BadQuestion("The question is empty (it has no letters or digits): type a question about the "
                          f"articles, e.g. {EXAMPLE}")
    if max_chars and len(text) > max_chars:
        raise BadQuestion(f"The question is {len(text):,} characters long; the limit is {max_chars:,}. "
                          "Ask a shorter question (a sentence or two).")
    return text


def read(question: object, history: Any = None, max_chars: int = 0) -> Question:
    """The question read once for every stage: cleaned, its retrieval query (a follow-up rewritten with the
    history, which is caller's text too and cleaned the same way), its shape and the asked type of entity."""
    text = clean(question, max_chars)
    query = clean(rewrite(text, normalise_history(history)))
    return Question(text=text, query=query, shape=shape_of(text), answer_type=answer_types.expected_type(text))


def _keep(c: str) -> str:
    """Whitespace of any kind becomes a space; control, format and surrogate characters go."""
    if c.isspace():
        return " "
    category = unicodedata.category(c)
    if category in ("Cc", "Cs") or (category == "Cf" and c not in _KEEP_FORMAT):
        return ""
    return c


def _replace_surrogates(text: str) -> str:
    """Bytes a terminal could not decode come back as UTF-8 where they were UTF-8; anything else that
    cannot be encoded (a lone surrogate) becomes U+FFFD, the replacement character.

    >>> _replace_surrogates("\\udcc3\\udca9t\\udce9 \\ud800")
    'ét\\ufffd \\ufffd'
    """
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    # Only U+DC80..U+DCFF carry an undecodable byte (Python's surrogateescape); other surrogates have none.
    text = "".join("\ufffd" if "\ud800" <= c <= "\udfff" and not "\udc80" <= c <= "\udcff" else c for c in text)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")

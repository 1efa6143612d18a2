"""Follow-up questions ("What else did he discuss?") -> a self-contained retrieval query, using the history.

Deterministic: a question that leans on earlier turns (a pronoun, "else", "also", or very few content words)
gets the previous question and the names in the previous answer added to its retrieval query.

>>> rewrite("What else did he discuss?", [("user", "Who is Zamir Kabulov?"), ("assistant", "Russia's envoy [1].")])
'What else did he discuss? (Who is Zamir Kabulov? Russia)'
>>> rewrite("Who is Zamir Kabulov?", [("user", "Hi"), ("assistant", "Hello")])
'Who is Zamir Kabulov?'
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Sequence

from ..answer.grounding import MARKER
from ..text import content_words, words

_ANAPHORA = {
    "he", "she", "it", "they", "him", "her", "them", "his", "hers", "its", "their", "theirs", "this", "that",
    "these", "those", "there", "else", "also", "other", "same", "former", "latter", "then",
}
_NAME = re.compile(r"\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*")


Turn = tuple[str, str]  # (role, content)


def normalise_history(history: Any) -> list[Turn]:
    """Accept [{"role", "content"}], [(role, content)] or [(question, answer)] pairs; return (role, content)."""
    turns: list[Turn] = []
    for item in history or []:
        if isinstance(item, dict):
            role, content = str(item.get("role", "")), item.get("content", "")
            if isinstance(content, list):  # Gradio multimodal content: keep the text parts
                content = " ".join(str(c.get("text", "")) if isinstance(c, dict) else str(c) for c in content)
            turns.append((role, str(content or "")))
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            a, b = item
            if a in ("user", "assistant", "system"):
                turns.append((str(a), str(b or "")))
            else:  # a (question, answer) pair
                turns.append(("user", str(a or "")))
                turns.append(("assistant", str(b or "")))
    return [(r, c) for r, c in turns if r in ("user", "assistant") and c.strip()]


def is_followup(question: str) -> bool:
    ws = words(question)
    return bool(_ANAPHORA & set(ws)) or len(content_words(question)) <= 1


def rewrite(question: str, history: Sequence[Turn] | Iterable[Any] | None) -> str:
    turns = normalise_history(history)
    if not turns or not is_followup(question):
        return question
    last_q = next((c for r, c in reversed(turns) if r == "user"), "")
    last_a = next((c for r, c in reversed(turns) if r == "assistant"), "")
    names = []
    for name in _NAME.findall(MARKER.sub(" ", last_a)):
        name = re.sub(r"['’]s$", "", name)
        if name.lower() not in last_q.lower() and name not in names and name.lower() not in ("the", "i"):
            names.append(name)
    extra = " ".join([last_q.strip()] + names[:4]).strip()
    return f"{question} ({extra})" if extra else question

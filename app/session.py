"""One browser session's conversation: a list of Turn records kept in gr.State (never a module global)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from rag import Answer


@dataclass
class Turn:
    """A question and what became of it: streaming (`partial`), answered, stopped or failed."""

    question: str
    partial: str = ""  # text streamed so far
    answer: Answer | None = None
    error: str = ""
    stopped: bool = False
    status: str = ""  # shown while no text has streamed yet (e.g. waiting for the model)

    @property
    def done(self) -> bool:
        return self.answer is not None or self.stopped or bool(self.error)


def history(turns: Sequence[Turn]) -> list[dict[str, str]]:
    """Earlier turns as the [{"role", "content"}] list `rag.stream(history=...)` takes (raw text, not HTML).

    A turn that was stopped or failed keeps its question (follow-ups may lean on it) but no answer.

    >>> history([Turn("Who?", answer=None, stopped=True), Turn("Why?")])
    [{'role': 'user', 'content': 'Who?'}, {'role': 'user', 'content': 'Why?'}]
    """
    out: list[dict[str, str]] = []
    for t in turns:
        out.append({"role": "user", "content": t.question})
        if t.answer is not None:
            out.append({"role": "assistant", "content": t.answer.text})
    return out

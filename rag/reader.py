"""Numbered passages + question -> answer text, streamed. The prompt style is chosen from the model.

* Base model (no chat template, e.g. the default Gemma 3 270M): a few-shot completion prompt, and decoding
  constrained to copy a contiguous span of one shown sentence (`CopySpans`), so the answer cannot contain
  words the sources lack. The citation is then the sentence the span was copied from.
* Chat model (has a chat template): instructions in a chat prompt; the model writes sentences with [n]
  markers, which the grounding check verifies afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from . import gate, prompts
from .generation import Generator, Prompt
from .records import Passage


def sources_block(passages: Sequence[Passage]) -> str:
    return "\n".join(prompts.SOURCE_LINE.format(n=p.n, text=" ".join(p.sentence.split())) for p in passages)


def build_prompt(question: str, passages: Sequence[Passage], chat: bool) -> Prompt:
    question = " ".join(question.split())
    if chat:
        return Prompt(messages=(
            ("system", prompts.CHAT_SYSTEM),
            ("user", prompts.CHAT_USER.format(sources=sources_block(passages), question=question)),
        ))
    return Prompt(text=prompts.FEW_SHOT_PREFIX + prompts.COMPLETION_QUERY.format(
        sources=sources_block(passages), question=question))


class CopySpans:
    """Allowed-next-token function: the generated ids must be a contiguous run of one source's ids.

    The first token must start a word; after that only tokens that continue some matching run, or the
    newline that ends the answer, are allowed.

    >>> c = CopySpans([[5, 6, 7], [6, 8]], stop_ids={0}, word_start={5, 6})
    >>> sorted(c([])), sorted(c([6])), sorted(c([6, 7]))
    ([5, 6], [0, 7, 8], [0])
    """

    def __init__(self, sources: Sequence[Sequence[int]], stop_ids: set[int], word_start: set[int],
                 can_stop: Callable[[Sequence[int]], bool] | None = None) -> None:
        self.sources = [list(s) for s in sources]
        self.stop_ids = set(stop_ids)
        self.starts = {t for s in self.sources for t in s if t in word_start}
        self.can_stop = can_stop  # may the answer end here? (it must add something the question lacks)
        self.confidences: list[float] = []  # filled by the decoder: P(chosen token | allowed tokens) per step

    def __call__(self, generated: Sequence[int]) -> set[int]:
        g = list(generated)
        if not g:
            return set(self.starts)
        n = len(g)
        allowed: set[int] = set()
        for src in self.sources:
            for i in range(len(src) - n + 1):
                if src[i:i + n] == g and i + n < len(src):
                    allowed.add(src[i + n])
        if not allowed or self.can_stop is None or self.can_stop(g):
            allowed |= self.stop_ids  # at a sentence's end the answer must stop, ready or not
        return allowed


def copy_constraint(gen: Generator, passages: Sequence[Passage], kind: str = "", question: str = "") -> CopySpans:
    """Token runs of each shown sentence, as the model would read them after "Answer:".

    `kind` (from gate.expected_type) narrows where a span may start: a "who" answer starts at a capitalised
    word, a "how many" answer at a number, a "when" answer at a date word, a preposition or a number. When no
    shown token fits, any word start is allowed. With `question`, the answer may only end once it holds a
    word the question does not and fits `kind` ("the Taliban" cannot end an answer to "What list did Russia
    take the Taliban off?"; it must go on to "... from its list of banned organizations").
    """
    sources = [gen.tokenize(" " + " ".join(p.sentence.split())) for p in passages]
    stop_ids = set(gen.tokenize("\n")[:1])
    vocab = {t for s in sources for t in s}
    word_start = {t for t in vocab if gen.detokenize([t]).startswith(" ")}
    typed = {t for t in word_start if _starts_type(gen.detokenize([t]).strip(), kind)}

    def can_stop(generated: Sequence[int]) -> bool:
        span = gen.detokenize(generated)
        return not gate.echoes_question(span, question) and gate.fits_type(span, kind, question)

    return CopySpans(sources, stop_ids, typed or word_start, can_stop if question else None)


_TIME_START = {"in", "on", "at", "since", "by", "last", "next", "early", "late", "mid", "the", "this", "that"}


def _starts_type(word: str, kind: str) -> bool:
    if not kind or not word:
        return True
    if kind == "name":
        return word[:1].isupper() or word.lower() in ("the", "a", "an")
    if kind == "number":
        return word[:1].isdigit() or gate.fits_type(word, "number") or word.lower() in ("over", "more", "about",
                                                                                     "nearly", "almost", "some")
    if kind in ("time", "year", "month", "date"):
        return word[:1].isdigit() or gate.fits_type(word, "time") or word.lower() in _TIME_START
    return True


@dataclass
class ReaderRun:
    prompt: Prompt
    style: str  # "extract" (base model, copy-constrained) or "chat"
    pieces: Iterator[str]
    constraint: CopySpans | None = None

    @property
    def first_token_confidence(self) -> float | None:
        """How sure the model was of where the copied span starts (None for chat models / fakes)."""
        c = self.constraint.confidences if self.constraint else []
        return c[0] if c else None


def read(gen: Generator, question: str, passages: Sequence[Passage], *, max_tokens: int,
         temperature: float) -> ReaderRun:
    chat = gen.has_chat_template
    prompt = build_prompt(question, passages, chat)
    if chat:
        pieces = gen.stream(prompt, max_tokens=max_tokens * 3, temperature=temperature, stop=())
        return ReaderRun(prompt, "chat", pieces)
    constraint = copy_constraint(gen, passages, gate.expected_type(question), question)
    pieces = gen.stream(prompt, max_tokens=max_tokens, temperature=temperature, stop=prompts.COMPLETION_STOP,
                        allowed=constraint)
    return ReaderRun(prompt, "extract", pieces, constraint)

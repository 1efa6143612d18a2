"""Token budget: every reader prompt fits the model's context window by construction (pure functions).

    n_ctx = prompt frame (instructions or few-shot prefix + the question) + sources + answer + MARGIN

The frame is counted with the question in it, so a long question leaves less room for sources; a question
that leaves no room for even one sentence is refused with a message. A sentence longer than the room left
is cut to a window of whole words (the stretch holding most of the question's words); a sentence that does
not fit beside the ones already chosen is dropped. Token counts come from the caller (`count`), usually the
generator's own tokenizer, so the budget is exact for the model that reads the prompt.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, Sequence

from ..errors import BadQuestion, RagError
from ..models.generation import Prompt
from ..records import Passage

CountTokens = Callable[[str], int]
Focus = Callable[[str], bool]  # is this word one the question asks about?

# Tokens a sources line adds around its sentence: "[12] " and the newline that ends it (measured on
# Gemma 3's tokenizer: 4 for n < 10, 5 for n >= 10).
LINE_TOKENS = 5
# Tokenising a prompt's pieces apart can differ from tokenising the whole at each seam (a space or newline
# merging with its neighbour); a few tokens of slack cover every seam of a short prompt.
MARGIN = 16
# What a chat template wraps around the messages: turn markers and role names (Qwen 2.5's adds 13 tokens).
CHAT_TEMPLATE_TOKENS = 32
# The least room for sources worth asking the model with: one ordinary news sentence (20-60 tokens).
MIN_SOURCE_TOKENS = 64
# A sentence is cut only to a window at least this long; less room than that, and it is dropped instead.
MIN_CUT_TOKENS = 24
# A "word" longer than this is text without spaces (Chinese, Japanese, a pasted hash): cut it between characters.
LONG_WORD_CHARS = 40


def prompt_tokens(prompt: Prompt, count: CountTokens) -> int:
    """Tokens `prompt` takes in the context: the text plus BOS, or the messages plus the chat template."""
    if prompt.messages:
        return sum(count(content) for _, content in prompt.messages) + CHAT_TEMPLATE_TOKENS
    return count(prompt.text) + 1


def sources_room(*, n_ctx: int, frame_tokens: int, question_tokens: int, answer_tokens: int, cap: int) -> int:
    """Tokens left for the sources block, at most `cap`. BadQuestion when the question leaves too little.

    `frame_tokens` is the whole prompt without sources (it includes the question's `question_tokens`).

    >>> sources_room(n_ctx=2048, frame_tokens=400, question_tokens=12, answer_tokens=48, cap=900)
    900
    >>> sources_room(n_ctx=2048, frame_tokens=1950, question_tokens=1512, answer_tokens=48, cap=900)
    Traceback (most recent call last):
    ...
    rag.errors.BadQuestion: The question is 1,512 tokens long for the model; with the instructions and the \
article text, at most 1,482 fit its 2,048-token context. Ask a shorter question (a sentence or two).
    """
    room = n_ctx - frame_tokens - answer_tokens - MARGIN
    if room >= MIN_SOURCE_TOKENS:
        return min(cap, room)
    allowed = question_tokens + room - MIN_SOURCE_TOKENS
    if allowed <= 0:  # even an empty question would not fit: the setting is wrong, not the question
        raise RagError(f"The model's context window ({n_ctx:,} tokens) is too small for the prompt "
                       f"({frame_tokens - question_tokens:,} tokens before the question and sources, and "
                       f"{answer_tokens:,} for the answer): raise RAG_N_CTX / n_ctx or lower max_tokens.")
    raise BadQuestion(f"The question is {question_tokens:,} tokens long for the model; with the instructions and "
                      f"the article text, at most {allowed:,} fit its {n_ctx:,}-token context. "
                      "Ask a shorter question (a sentence or two).")


def line_tokens(sentence: str, count: CountTokens) -> int:
    """Tokens one sentence takes as a sources line (the reader collapses its whitespace)."""
    return count(" ".join(sentence.split())) + LINE_TOKENS


def fit(passages: Sequence[Passage], *, room: int, count: CountTokens, limit: int,
        focus: Focus | None = None) -> list[Passage]:
    """Up to `limit` of `passages` (in order) whose lines together take at most `room` tokens.

    A passage that does not fit in the room left is dropped and the next one tried, unless it is longer
    than its share (room / limit): then it is cut to a window (see `window`) of its share or the room left,
    whichever is less, so one huge sentence cannot crowd out the others.

    >>> from rag.records import Chunk
    >>> chunk = Chunk(id="c", doc_key="k", source="s.txt", title="t", text="", start=0, end=0, index=0)
    >>> ps = [Passage(0, s, chunk, 0, len(s)) for s in ("word " * 500, "a short one")]
    >>> [len(p.sentence.split()) for p in fit(ps, room=120, count=lambda t: len(t.split()), limit=3)]
    [35, 3]
    """
    out: list[Passage] = []
    used = 0
    share = room // max(limit, 1)
    for p in passages:
        if len(out) >= limit:
            break
        left = room - used
        cost = line_tokens(p.sentence, count)
        if cost > left:
            target = min(left, share) - LINE_TOKENS
            if cost <= share or target < MIN_CUT_TOKENS:
                continue  # an ordinary sentence that does not fit beside the chosen ones
            a, b = window(p.sentence, target, count, focus)
            p = replace(p, sentence=p.sentence[a:b], start=p.start + a, end=p.start + b)
            cost = line_tokens(p.sentence, count)
            if not p.sentence or cost > left:
                continue
        used += cost
        out.append(p)
    return out


def window(text: str, max_tokens: int, count: CountTokens, focus: Focus | None = None) -> tuple[int, int]:
    """(start, end) of the stretch of `text` kept when it must fit `max_tokens`: whole words (characters
    inside a word longer than LONG_WORD_CHARS), placed where most `focus` words are; (0, len) if it fits.

    >>> count = lambda t: len(t.split())
    >>> text = "one two three four five six seven eight nine ten"
    >>> a, b = window(text, 3, count, focus=lambda w: w == "six"); text[a:b]
    'five six seven'
    >>> a, b = window("ＡＢＣＤＥＦ" * 10, 1, lambda t: len(t)); b - a
    1
    """
    if count(text) <= max_tokens:
        return 0, len(text)
    units = _units(text)
    if not units or max_tokens <= 0:
        return 0, 0
    hits = [bool(focus and focus(text[a:b])) for a, b in units]

    def cost(i: int, j: int) -> int:
        return count(text[units[i][0]:units[j - 1][1]])

    # The longest run of units that fits (binary search: cost grows with the run), then its best placement.
    lo, hi = 0, len(units)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if cost(0, mid) <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    size = max(lo, 1)
    start = _best_start(hits, size)
    end = start + size
    while end - start > 1 and cost(start, end) > max_tokens:  # another placement may take more tokens
        end -= 1
    a, b = units[start][0], units[end - 1][1]
    if count(text[a:b]) > max_tokens:  # a single unit over the budget (one huge token run): nothing fits
        return 0, 0
    return a, b


def _units(text: str) -> list[tuple[int, int]]:
    """Word spans; a word longer than LONG_WORD_CHARS is split into its characters."""
    out: list[tuple[int, int]] = []
    for m in re.finditer(r"\S+", text):
        if m.end() - m.start() > LONG_WORD_CHARS:
            out.extend((i, i + 1) for i in range(m.start(), m.end()))
        else:
            out.append((m.start(), m.end()))
    return out


def _best_start(hits: Sequence[bool], size: int) -> int:
    """Start of the `size`-long window holding the most hits, centred on them: of the neighbouring windows
    that hold the same hits, the middle one (0 without hits: the text's own beginning).

    >>> _best_start([0, 0, 0, 1, 1, 0, 0, 0, 0], 4)
    2
    """
    best = current = sum(hits[:size])
    start = 0
    for i in range(1, len(hits) - size + 1):
        current += hits[i + size - 1] - hits[i - 1]
        if current > best:
            best, start = current, i
    if not best:
        return 0
    last, current = start, best
    while last + size < len(hits):
        current += hits[last + size] - hits[last]
        if current != best:
            break
        last += 1
    return (start + last + 1) // 2  # a tie leans later: the answer tends to follow the asked words


def trim(passages: Sequence[Passage], fits: Callable[[Sequence[Passage]], bool]) -> list[Passage]:
    """The longest leading run of `passages` for which `fits` holds (the final check on the whole prompt)."""
    out = list(passages)
    while out and not fits(out):
        out.pop()
    return out

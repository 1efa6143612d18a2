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

from ..models.generation import Generator, Prompt
from ..records import Passage, Question
from ..text import terms
from . import answer_types, gate, prompts

# Logit bonus, at the answer's first token, for starts next to the words the sentence shares with the
# question (scaled by anchor_prior, 0..1). The model alone often copies a fluent phrase from the wrong end of
# the right sentence ("Amir Khan Muttaqi" for "who is the Russian ambassador" in "... Muttaqi praised ...
# during a meeting with Dmitry Zhirnov, the Russian ambassador to Kabul").
ANCHOR_BIAS = 4.0
TYPED_MAX_WORDS = 8  # longest answer to a typed question ("China, the United Arab Emirates, and Uzbekistan")
TYPE_WINDOW = 3  # a typed answer shows its type within its first words ("in early March", "the UN Council")


# Sentences the reader sees when `max_passages` is 0 (auto).
# * A base model, read with the few-shot copy prompt: 1. Measured on the dev set with the 270M model (share
#   of answer spans right, before the anchor bias): 1 -> 0.64, 2 -> 0.50, 3 -> 0.45, 6 -> 0.40. The best
#   sentence holds the answer 8 times in 10; a second one misleads the tiny model more than it helps.
# * A chat (instruct) model: 3. The best three sentences hold the answer for 84 % of dev questions, the best
#   one for 81 %, and an instruct model can pick among sources. Not measured here: no instruct GGUF can be
#   installed offline.
BASE_MODEL_SENTENCES = 1
CHAT_MODEL_SENTENCES = 3


def sentences_to_read(gen: Generator, setting: int) -> int:
    """How many of the best sentences the reader sees: `setting`, or chosen from the model when it is 0."""
    if setting > 0:
        return setting
    return CHAT_MODEL_SENTENCES if gen.has_chat_template else BASE_MODEL_SENTENCES


def sources_block(passages: Sequence[Passage]) -> str:
    return "\n".join(prompts.SOURCE_LINE.format(n=p.n, text=" ".join(p.sentence.split())) for p in passages)


def build_prompt(question: str, passages: Sequence[Passage], chat: bool) -> Prompt:
    question = " ".join(question.split())
    if chat:
        return Prompt(messages=(
            ("system", prompts.CHAT_SYSTEM),
            *prompts.CHAT_EXAMPLES,
            ("user", prompts.CHAT_USER.format(sources=sources_block(passages), question=question)),
        ), grammar=prompts.CHAT_GRAMMAR)
    return Prompt(text=prompts.FEW_SHOT_PREFIX + prompts.COMPLETION_QUERY.format(
        sources=sources_block(passages), question=question))


def chat_prefix() -> Prompt:
    """The fixed head of every chat prompt (system prompt and worked examples), for warming the KV cache."""
    return Prompt(messages=(("system", prompts.CHAT_SYSTEM), *prompts.CHAT_EXAMPLES))


class CopySpans:
    """Allowed-next-token function: the generated ids must be a contiguous run of one source's ids.

    `starts[k]` holds the positions of source k where an answer may begin (word starts that fit the asked
    type); after the first token only tokens that continue a matching run, or the newline that ends the
    answer, are allowed. `prior[k][i]` (0..1) rates start position i; `bias` turns it into logit bonuses
    that follow the start positions still matching the generated prefix (a token that occurs twice, like
    "the", is nudged toward the occurrence with the better start).

    >>> c = CopySpans([[5, 6, 7], [6, 8]], stop_ids={0}, starts=[[0, 1], [0]])
    >>> sorted(c([])), sorted(c([6])), sorted(c([6, 7]))
    ([5, 6], [0, 7, 8], [0])
    >>> c = CopySpans([[5, 6, 7, 6, 9]], stop_ids={0}, starts=[[1, 3]], prior=[[0, 0.0, 0, 1.0, 0]], bias=2.0)
    >>> c.bias([]), c.bias([6])
    ({6: 2.0}, {7: 0.0, 9: 2.0, 0: 2.0})
    """

    def __init__(self, sources: Sequence[Sequence[int]], stop_ids: set[int], starts: Sequence[Sequence[int]],
                 can_stop: Callable[[Sequence[int]], bool] | None = None,
                 prior: Sequence[Sequence[float]] | None = None, bias: float = 0.0, max_words: int = 0,
                 word_tokens: set[int] | None = None, join_ids: set[int] | None = None,
                 break_ids: set[int] | None = None) -> None:
        self.sources = [list(s) for s in sources]
        self.stop_ids = set(stop_ids)
        self.start_positions = [(k, i) for k, pos in enumerate(starts) for i in pos if i < len(self.sources[k])]
        self.prior = [list(p) for p in prior] if prior is not None else None
        self.bias_scale = bias
        self.can_stop = can_stop  # may the answer end here? (it must add something the question lacks)
        self.max_words = max_words  # 0 = as long as the sentence
        self.word_tokens = word_tokens  # tokens that begin a word (to count words against max_words)
        self.join_ids = set(join_ids or ())  # "," and " and": a list answer may not stop right before them
        self.break_ids = set(break_ids or ())  # ",", ";", "—": a typed answer that is complete ends there
        self.confidences: list[float] = []  # filled by the decoder: P(chosen token | allowed tokens) per step
        self._memo: tuple[tuple[int, ...], list[tuple[int, int]]] | None = None

    def _matches(self, g: Sequence[int]) -> list[tuple[int, int]]:
        """Start positions whose run begins with `g`; the decoder asks twice per token (allowed, then bias)."""
        key = tuple(g)
        if self._memo is None or self._memo[0] != key:
            n, want = len(key), list(key)
            self._memo = (key, [(k, i) for k, i in self.start_positions if self.sources[k][i:i + n] == want])
        return self._memo[1]

    def __call__(self, generated: Sequence[int]) -> set[int]:
        g = list(generated)
        matches = self._matches(g)
        if not g:
            return {self.sources[k][i] for k, i in matches}
        if self.max_words and self.word_tokens and sum(t in self.word_tokens for t in g) >= self.max_words:
            return set(self.stop_ids)  # a typed answer (a name, a number, a date) is short or it is not there
        n = len(g)
        allowed = {self.sources[k][i + n] for k, i in matches if i + n < len(self.sources[k])}
        if not allowed or self.can_stop is None or self.can_stop(g):
            if not allowed & self.join_ids:  # "Afghanistan" must go on to "... and Russia" when a list is asked
                allowed |= self.stop_ids  # at a sentence's end the answer must stop, ready or not
                if self.can_stop is not None and all(self._breaks(k, i + n) for k, i in matches):
                    return set(self.stop_ids)  # "in Istanbul", not "in Istanbul, according to a statement on"
        return allowed

    def _breaks(self, k: int, j: int) -> bool:
        """Does source k break off at position j (a ";" or dash, or a comma before a word, not "15,000")?"""
        src = self.sources[k]
        if j >= len(src) or src[j] not in self.break_ids:
            return False
        after = src[j + 1] if j + 1 < len(src) else None
        return after is None or self.word_tokens is None or after in self.word_tokens or after in self.break_ids

    def bias(self, generated: Sequence[int]) -> dict[int, float]:
        """Logit bonus per allowed next token: bias * the best prior among the start positions it continues.

        Once one start position is left, every allowed token gets the same bonus, which changes nothing.
        """
        if not self.bias_scale or self.prior is None:
            return {}
        g = list(generated)
        n = len(g)
        out: dict[int, float] = {}
        best = 0.0
        for k, i in self._matches(g):
            value = self.bias_scale * self.prior[k][i]
            best = max(best, value)
            if i + n < len(self.sources[k]):
                t = self.sources[k][i + n]
                out[t] = max(out.get(t, 0.0), value)
        if g:
            for t in self.stop_ids:
                out[t] = best
        return out


def anchor_prior(word_texts: Sequence[str], question: str) -> list[float]:
    """Per word of a sentence, 0..1: how close it sits to the words the question shares with the sentence.

    A word the question already holds gets 0 (an answer adds something new); a stopword takes the value of
    the content word after it ("the credentials" starts where "credentials" does). Closeness sums 1/d over
    the shared words, d counted in content words; a word also takes its right neighbour's closeness if
    higher (a name starts one word before the word next to the anchor); then the best word is scaled to 1.

    >>> [round(x, 2) for x in anchor_prior(["met", "Dmitry", "Zhirnov,", "the", "Russian", "ambassador"],
    ...                                    "Who is the Russian ambassador?")]
    [0.56, 1.0, 1.0, 0.0, 0.0, 0.0]
    """
    q = set(terms(question))
    ts = [terms(w) for w in word_texts]
    content = [i for i, t in enumerate(ts) if t]
    rank = {i: k for k, i in enumerate(content)}
    shared = [rank[i] for i in content if any(x in q for x in ts[i])]
    raw = [0.0] * len(word_texts)
    for i in content:
        if any(x in q for x in ts[i]) or not shared:
            continue
        raw[i] = sum(1.0 / abs(rank[i] - j) for j in shared)
    for i in range(len(raw) - 2, -1, -1):  # stopwords borrow from the next word
        if not ts[i]:
            raw[i] = raw[i + 1]
    # A start one word before the best word is as good: "Dmitry" begins the name that "Zhirnov" ends.
    raw = [max(x, raw[i + 1]) if x and i + 1 < len(raw) else x for i, x in enumerate(raw)]
    top = max(raw, default=0.0)
    return [x / top if top else 0.0 for x in raw]


def copy_constraint(gen: Generator, passages: Sequence[Passage], kind: str = "", question: str = "") -> CopySpans:
    """Token runs of each shown sentence, as the model would read them after "Answer:".

    `kind` (from answer_types.expected_type) narrows where a span may start: at a named entity of the asked
    type that the question lacks (spaCy's recogniser, read on the whole sentence), or up to two function
    words before it ("in Istanbul", "over 15,000"). When no shown sentence holds one, there is no start and
    the reader abstains. With `question`, the answer may only end once it holds a word the question does not
    and covers such an entity ("the Taliban" cannot end an answer to "What list did Russia take the Taliban
    off?"; it must go on to "... from its list of banned organizations").
    """
    texts_shown = [" ".join(p.sentence.split()) for p in passages]
    sources = [gen.tokenize(" " + t) for t in texts_shown]
    stop_ids = set(gen.tokenize("\n")[:1])
    word_tokens = {t for src in sources for t in src if gen.detokenize([t]).startswith(" ")}
    starts: list[list[int]] = []
    typed: list[list[int]] = []
    prior: list[list[float]] = []
    for sentence, src in zip(texts_shown, sources):
        pos = [i for i, t in enumerate(src) if t in word_tokens]
        texts = [gen.detokenize(src[a:b]).strip() for a, b in zip(pos, pos[1:] + [len(src)])]
        starts.append(pos)
        typed.append([pos[j] for j in sorted(typed_starts(sentence, texts, kind, question))])
        row = [0.0] * len(src)
        if question:
            for i, value in zip(pos, anchor_prior(texts, question)):
                row[i] = value
        prior.append(row)
    if kind:  # a typed question whose type shows nowhere in the shown sentences gets no start: it abstains
        starts = typed

    def can_stop(generated: Sequence[int]) -> bool:
        span = gen.detokenize(generated).strip()
        if gate.echoes_question(span, question):
            return False
        return any(answer_types.fits_type(span, kind, question, context=t, whole=True) for t in texts_shown
                   if span in t) or not any(span in t for t in texts_shown) and answer_types.fits_type(
            span, kind, question, whole=True)

    join_ids = {t for w in (",", " and") for t in gen.tokenize(w)[:1]} if answer_types.wants_list(question) else set()
    # A complete typed answer ends at a clause break; dates go on ("June 2, 2025"), and so do lists.
    clause = kind and kind not in ("date", "time", "year", "month") and not join_ids
    break_ids = {t for w in (",", ";", "—", " —") for t in gen.tokenize(w)[:1]} if clause else set()
    return CopySpans(sources, stop_ids, starts, can_stop if question else None, prior, ANCHOR_BIAS,
                     max_words=TYPED_MAX_WORDS if kind else 0, word_tokens=word_tokens, join_ids=join_ids,
                     break_ids=break_ids)


def word_offsets(sentence: str, texts: Sequence[str]) -> list[tuple[int, int]]:
    """Character offsets of each word (as the tokenizer split them) inside `sentence`.

    >>> word_offsets("in  Istanbul, Turkey", ["in", "Istanbul,", "Turkey"])
    [(0, 2), (4, 13), (14, 20)]
    """
    out, at = [], 0
    for w in texts:
        i = sentence.find(w, at) if w else -1
        if i < 0:
            i = at
        out.append((i, i + len(w)))
        at = i + len(w)
    return out


def typed_starts(sentence: str, texts: Sequence[str], kind: str, question: str = "") -> set[int]:
    """Indices of the words where an answer of `kind` may start: the first word of an entity of that kind,
    or one or two function words right before it ("in", "the", "over", "more than"). No kind: every word.

    >>> sorted(typed_starts("Talks were held in Istanbul on Friday.", ["Talks", "were", "held", "in", "Istanbul",
    ...        "on", "Friday."], "place", "Where were the talks held?"))
    [3, 4]
    """
    if not kind:
        return set(range(len(texts)))
    offsets = word_offsets(sentence, texts)
    opening = answer_types.openers(sentence, kind)
    out: set[int] = set()
    for e in answer_types.typed_entities(sentence, kind, question):
        first = next((j for j, (a, b) in enumerate(offsets) if b > e.start), None)
        if first is None:
            continue
        if kind == "place" and not (first and offsets[first - 1][0] in opening):
            continue  # "where" is answered by "in Istanbul", not by "Moscow's positions"
        out.add(first)
        j = first - 1
        while j >= 0 and first - j < TYPE_WINDOW and offsets[j][0] in opening:
            out.add(j)
            j -= 1
    return out


def open_prompt(question: Question, passages: Sequence[Passage]) -> Prompt:
    """The chat prompt for an open answer: the fixed head, then the passages, the question and its shape's ask."""
    grammar = "bullets" if question.shape in ("list", "timeline") else "yesno" if question.shape == "yesno" \
        else "paragraph"
    ask = prompts.OPEN_INSTRUCTIONS.get(question.shape, prompts.OPEN_INSTRUCTIONS["summary"])
    user = prompts.OPEN_USER.format(sources=sources_block(passages), question=" ".join(question.text.split()),
                                    instruction=ask)
    return Prompt(messages=(*open_prefix().messages, ("user", user)), grammar=prompts.OPEN_GRAMMARS[grammar])


def open_prefix() -> Prompt:
    """The fixed head of every open-answer prompt."""
    return Prompt(messages=(("system", prompts.OPEN_SYSTEM), *prompts.OPEN_EXAMPLES))


def write(gen: Generator, question: Question, passages: Sequence[Passage], *, temperature: float) -> Iterator[str]:
    """A chat model writes the open answer (the grounding check comes after)."""
    return gen.stream(open_prompt(question, passages), max_tokens=prompts.OPEN_MAX_TOKENS, temperature=temperature,
                      stop=prompts.OPEN_STOP)


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


def read(gen: Generator, question: Question, passages: Sequence[Passage], *, max_tokens: int,
         temperature: float) -> ReaderRun:
    """The factoid reader: a chat model answers in one cited line; a base model copies a span of the asked type
    (question.answer_type) from the shown sentences."""
    chat = gen.has_chat_template
    prompt = build_prompt(question.text, passages, chat)
    if chat:
        pieces = gen.stream(prompt, max_tokens=prompts.CHAT_MAX_TOKENS, temperature=temperature,
                            stop=prompts.CHAT_STOP)
        return ReaderRun(prompt, "chat", pieces)
    constraint = copy_constraint(gen, passages, question.answer_type, question.text)
    if not constraint.start_positions:  # nothing of the asked type to copy: no answer, and no need to ask the model
        return ReaderRun(prompt, "extract", iter(()), constraint)
    pieces = gen.stream(prompt, max_tokens=max_tokens, temperature=temperature, stop=prompts.COMPLETION_STOP,
                        allowed=constraint)
    return ReaderRun(prompt, "extract", pieces, constraint)

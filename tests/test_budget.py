"""Every reader prompt fits the context window: an over-long sentence, a long question, both reader styles."""

from __future__ import annotations

import doctest
import random
import re
from pathlib import Path
from typing import Iterator

import pytest

import rag.answer.budget as budget
from app.handlers import Handlers
from rag import RAG, BadQuestion, Settings
from rag.models.generation import Prompt
from rag.records import Chunk, Passage

from .conftest import FakeGenerator

ASK = "Who opened the Zorblax bridge?"
FILLER = ("the river council harbour market trade route season village farmers weather road ferry "
          "workers boats grain winter spring summer autumn harvest prices").split()


class WindowedGenerator(FakeGenerator):
    """The fake generator with llama.cpp's limit: a prompt that does not fit `n_ctx` raises the ValueError
    llama.cpp raises. Like a real tokenizer, it counts each CJK character as a token."""

    n_ctx = 2048

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[tuple[int, int]] = []  # (prompt tokens, max_tokens) of every call

    def tokenize(self, text: str) -> list[int]:
        return [self._id(p) for p in re.findall(r"\n|[\u3000-\u9fff]|\s?[^\s\u3000-\u9fff]+", text)]

    def prompt_tokens(self, prompt: Prompt) -> int:
        if prompt.messages:
            return sum(len(self.tokenize(c)) for _, c in prompt.messages) + 10
        return len(self.tokenize(prompt.text)) + 1

    def stream(self, prompt: Prompt, **kwargs) -> Iterator[str]:  # type: ignore[override]
        n = self.prompt_tokens(prompt)
        self.asked.append((n, kwargs["max_tokens"]))
        if n >= self.n_ctx:
            raise ValueError(f"Requested tokens ({n}) exceed context window of {self.n_ctx}")
        yield from super().stream(prompt, **kwargs)


def one_sentence_article(chars: int = 28_000, seed: int = 0) -> str:
    """A 28 KB "sentence": words with no sentence end, the fact in the middle."""
    rnd = random.Random(seed)
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < chars // 2:
        words.append(rnd.choice(FILLER))
    fact = "the Zorblax bridge was opened by the regional governor Kira Vent in front of a large crowd"
    tail = [rnd.choice(FILLER) for _ in range(len(words))]
    return " ".join(words) + " " + fact + " " + " ".join(tail) + "\n"


@pytest.fixture
def long_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "long.txt").write_text(one_sentence_article())
    (folder / "short.txt").write_text("Farmers in the valley sold their grain at the harbour market on Monday. "
                                      "Prices rose for the third week in a row.\n")
    return folder


def rag_over(folder: Path, settings: Settings, fake_embedder, *replies: str, chat: bool = False
             ) -> tuple[RAG, WindowedGenerator]:
    gen = WindowedGenerator(replies, chat=chat)
    rag = RAG(settings, embedder=fake_embedder, generator=gen)
    rag.ingest([folder])
    return rag, gen


# ---------------------------------------------------------------- regressions through the pipeline
@pytest.mark.parametrize("chat", [False, True], ids=["copy-reader", "chat-reader"])
def test_one_unpunctuated_28kb_sentence_is_cut_to_fit_and_answered(long_corpus, settings, fake_embedder, chat):
    reply = "Kira Vent opened the Zorblax bridge [1]." if chat else " Kira Vent"
    rag, gen = rag_over(long_corpus, settings, fake_embedder, reply, chat=chat)
    answer = rag.ask(ASK)  # before: ValueError: Requested tokens (…) exceed context window of 2048
    [(prompt_tokens, answer_tokens)] = gen.asked
    assert prompt_tokens + answer_tokens <= gen.n_ctx  # the prompt fits, and so does the whole answer
    assert not answer.abstained and "Kira Vent" in answer.text  # the cut kept the stretch the question asks about
    quote = answer.citations[0]
    assert len(quote.quote) < 28_000 and quote.text[quote.quote_start:quote.quote_end] == quote.quote


@pytest.mark.parametrize("chat", [False, True], ids=["copy-reader", "chat-reader"])
def test_question_padded_with_cjk_still_fits_with_fewer_sources(long_corpus, settings, fake_embedder, chat):
    rag, gen = rag_over(long_corpus, settings, fake_embedder, " Kira Vent", chat=chat)
    question = ASK + " " + "桥" * 1000  # 1,031 characters, over 1,000 tokens
    answer = rag.ask(question)  # answers or abstains; before: ValueError from the context window
    assert answer.text
    assert all(n + answer <= gen.n_ctx for n, answer in gen.asked)


def test_question_too_long_in_tokens_is_refused_with_the_fix(long_corpus, settings, fake_embedder):
    rag, gen = rag_over(long_corpus, settings, fake_embedder, " Kira Vent")
    question = ASK + " " + "桥" * 1950  # under the 2,000-character limit, but ~1,950 tokens
    assert len(question) < settings.max_question_chars
    with pytest.raises(BadQuestion, match=r"tokens long.*Ask a shorter question"):
        rag.ask(question)
    assert gen.prompts == []


def test_a_smaller_context_window_shrinks_every_prompt(long_corpus, settings, fake_embedder):
    small = settings.with_overrides(n_ctx=700)
    rag, gen = rag_over(long_corpus, small, fake_embedder, " Kira Vent")
    gen.n_ctx = 700  # the loaded model's window is what counts
    rag.ask(ASK)
    assert all(n + answer <= 700 for n, answer in gen.asked) and gen.asked


def test_app_answers_the_long_sentence_without_something_went_wrong(long_corpus, settings, fake_embedder,
                                                                    tmp_path):
    rag, _ = rag_over(long_corpus, settings, fake_embedder, " Kira Vent")
    h = Handlers(rag, tmp_path / "uploads")
    _, _, turns = h.submit(ASK, [])
    *_, (chat, _, turns) = list(h.respond(turns))
    assert not turns[-1].error, turns[-1].error
    assert "Something went wrong" not in chat[-1]["content"] and "Kira Vent" in chat[-1]["content"]


@pytest.mark.realmodel
def test_real_gemma_answers_or_abstains_on_a_28kb_sentence_and_cjk_padded_questions(long_corpus, tmp_path):
    rag = RAG(Settings.from_env(index_dir=tmp_path / "index"))
    rag.ingest([long_corpus])
    gen = rag.generator
    for question in (ASK, ASK + " " + "新闻桥市长" * 120):  # before: ValueError: Requested tokens (…) exceed …
        answer = rag.ask(question)
        assert answer.text and (answer.abstained or answer.citations)
    rare = "".join(chr(0x4E00 + (i * 7919) % 0x5200) for i in range(1900))  # ~2 tokens a character
    assert len(gen.tokenize(rare)) > gen.n_ctx  # type: ignore[attr-defined]
    with pytest.raises(BadQuestion, match="Ask a shorter question"):
        rag.ask(ASK + " " + rare)


# ---------------------------------------------------------------- the pure functions
def test_docstring_examples():
    result = doctest.testmod(budget)
    assert result.attempted > 0 and result.failed == 0


def words(t: str) -> int:
    return len(t.split())


def passage(text: str, start: int = 100) -> Passage:
    chunk = Chunk(id="c", doc_key="k", source="s.txt", title="t", text=text, start=start,
                  end=start + len(text), index=0)
    return Passage(n=0, sentence=text, chunk=chunk, start=start, end=start + len(text))


@pytest.mark.parametrize("seed", range(20))
def test_fit_never_exceeds_the_room(seed):
    rnd = random.Random(seed)
    ps = [passage(" ".join(rnd.choice(FILLER) for _ in range(rnd.choice([3, 20, 60, 400, 3000]))))
          for _ in range(rnd.randint(1, 8))]
    room, limit = rnd.randint(64, 900), rnd.randint(1, 4)
    out = budget.fit(ps, room=room, count=words, limit=limit)
    assert len(out) <= limit
    assert sum(budget.line_tokens(p.sentence, words) for p in out) <= room
    for p in out:  # a cut sentence is still a stretch of its chunk, at the right offsets
        assert p.chunk.text[p.start - p.chunk.start:p.end - p.chunk.start] == p.sentence
        assert p.sentence == p.sentence.strip()


def test_window_cuts_at_word_boundaries_and_between_characters_of_unspaced_text():
    text = "alpha beta gamma delta epsilon zeta eta theta"
    a, b = budget.window(text, 3, words)
    assert text[a:b] == "alpha beta gamma"  # no focus: the beginning, whole words
    a, b = budget.window(text, 3, words, focus=lambda w: w == "eta")
    assert text[a:b] == "zeta eta theta"
    cjk = "新闻" * 500  # no spaces at all: cut between characters
    a, b = budget.window(cjk, 10, len)
    assert b - a == 10 and cjk[a:b] == cjk[:10]
    assert budget.window("short", 5, len) == (0, 5)


def test_sources_room_counts_the_question_and_names_the_setting_when_nothing_fits():
    room = budget.sources_room(n_ctx=2048, frame_tokens=1500, question_tokens=1100, answer_tokens=48, cap=900)
    assert room == 2048 - 1500 - 48 - budget.MARGIN
    with pytest.raises(BadQuestion, match="Ask a shorter question"):
        budget.sources_room(n_ctx=2048, frame_tokens=2000, question_tokens=1600, answer_tokens=48, cap=900)
    with pytest.raises(Exception, match="RAG_N_CTX"):
        budget.sources_room(n_ctx=256, frame_tokens=400, question_tokens=5, answer_tokens=48, cap=900)


def test_prompt_tokens_counts_bos_and_the_chat_template():
    assert budget.prompt_tokens(Prompt(text="a b c"), words) == 4
    chat = Prompt(messages=(("system", "a b"), ("user", "c")))
    assert budget.prompt_tokens(chat, words) == 3 + budget.CHAT_TEMPLATE_TOKENS


def test_trim_drops_passages_from_the_end_until_the_prompt_fits():
    ps = [passage("one two"), passage("three"), passage("four five six")]
    assert budget.trim(ps, lambda xs: sum(words(p.sentence) for p in xs) <= 3) == ps[:2]
    assert budget.trim(ps, lambda xs: False) == []

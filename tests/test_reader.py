"""The reader's copy constraint and its first-token anchor bias, on the fake tokenizer and a numpy decoder step."""

import numpy as np
import pytest

from rag.answer.question import read as read_question
from rag.answer.reader import TYPED_MAX_WORDS, CopySpans, copy_constraint, read
from rag.models.generation import _Mask
from rag.records import Chunk, Passage

from .conftest import FakeGenerator

SENTENCE = "Muttaqi praised the decision during a meeting with Dmitry Zhirnov, the Russian ambassador to Kabul."


def passage(text: str) -> Passage:
    chunk = Chunk(id="c1", doc_key="d", source="a.txt", title="", text=text, start=0, end=len(text), index=0)
    return Passage(n=1, sentence=text, chunk=chunk, start=0, end=len(text))


def test_who_answer_may_only_start_at_a_new_name_and_copy_on():
    gen = FakeGenerator()
    c = copy_constraint(gen, [passage(SENTENCE)], "name", "Who is the Russian ambassador in Kabul?")
    starts = {gen.detokenize([t]) for t in c([])}
    assert " Dmitry" in starts and " Muttaqi" in starts and " praised" not in starts
    assert " the" not in starts  # "the decision", "the Russian ambassador": no new name follows
    after = {gen.detokenize([t]) for t in c(gen.tokenize(" Dmitry"))}
    assert after == {" Zhirnov,"}  # the sentence's next token (no invented words); not a stop: the name goes on
    assert "\n" in {gen.detokenize([t]) for t in c(gen.tokenize(" Dmitry Zhirnov,"))}  # complete: it may end


def test_anchor_bias_favours_the_start_next_to_the_question_words():
    gen = FakeGenerator()
    c = copy_constraint(gen, [passage(SENTENCE)], "name", "Who is the Russian ambassador in Kabul?")
    bias = c.bias([])
    dmitry, muttaqi = gen.tokenize(" Dmitry")[0], gen.tokenize(" Muttaqi")[0]
    assert bias[dmitry] > bias[muttaqi] >= 0.0
    assert len(set(c.bias([dmitry]).values())) == 1  # one start position left: the same bonus for all, no nudge


def test_mask_adds_the_bias_and_blocks_everything_else():
    gen = FakeGenerator()
    c = copy_constraint(gen, [passage(SENTENCE)], "name", "Who is the Russian ambassador in Kabul?")
    dmitry, muttaqi = gen.tokenize(" Dmitry")[0], gen.tokenize(" Muttaqi")[0]
    scores = np.zeros(len(gen.vocab) + 5, dtype=np.float32)
    scores[muttaqi] = 1.0  # the model alone prefers the wrong name
    mask = _Mask(c, eos=0)
    out = mask(np.array([], dtype=np.int64), scores)
    allowed = set(c([]))
    assert all(np.isneginf(out[i]) for i in range(len(out)) if i not in allowed)
    assert int(np.argmax(out)) == dmitry  # the anchor bias outweighs a small model preference
    assert c.confidences and 0.0 < c.confidences[0] <= 1.0


@pytest.mark.parametrize("question", ["", "Who is the Russian ambassador in Kabul?"])
def test_no_bias_without_shared_words_or_question(question):
    gen = FakeGenerator()
    c = copy_constraint(gen, [passage("Heavy rain delayed the race on Sunday.")], "", question)
    assert all(v == 0.0 for v in c.bias([]).values())


def test_a_typed_answer_starts_where_its_type_shows():
    gen = FakeGenerator()
    text = "Foreign Minister Andrii Sybiha said on Friday that Ukraine will wait until it receives a formal proposal."
    c = copy_constraint(gen, [passage(text)], "date", "On which day did he make his statement?")
    starts = {gen.detokenize([t]).strip() for t in c([])}
    assert starts == {"on", "Friday"}  # opens like a date and shows one within three words; not "until"
    assert c(gen.tokenize(" on")) == set(gen.tokenize(" Friday")), "it may not stop before the day"


def test_a_typed_answer_is_cut_at_the_word_limit():
    gen = FakeGenerator()
    text = "On Monday the new committee of the regional parliament of the northern province met in the capital."
    c = copy_constraint(gen, [passage(text)], "date", "When did the committee meet?")
    words = text.split()
    below = c(gen.tokenize(" " + " ".join(words[:TYPED_MAX_WORDS - 1])))
    assert gen.tokenize(" " + words[TYPED_MAX_WORDS - 1])[0] in below  # one word short: it may go on
    assert c(gen.tokenize(" " + " ".join(words[:TYPED_MAX_WORDS]))) == {0}  # at the limit only the newline (stop)


def test_a_place_starts_at_a_locative_preposition_or_the_name_after_it():
    gen = FakeGenerator()
    text = "Talks outlining Moscow's positions will be held in Istanbul next week."
    c = copy_constraint(gen, [passage(text)], "place", "Where will the talks be held?")
    assert {gen.detokenize([t]).strip() for t in c([])} == {"in", "Istanbul"}  # not "Moscow's": no "in" before it


def test_no_start_of_the_asked_type_means_no_generation():
    gen = FakeGenerator(["Ukraine"])
    text = "Russia will send the same delegation to the talks with Ukraine."
    q = read_question("How many delegates will Russia send?")
    run = read(gen, q, [passage(text)], max_tokens=16, temperature=0.0)
    assert list(run.pieces) == [] and gen.prompts == []  # no number in the sentence: the model is not asked


def test_a_list_question_may_not_stop_before_the_next_item():
    gen = FakeGenerator()
    text = "The group was responsible for attacks in both Afghanistan and Russia last year."
    plural = copy_constraint(gen, [passage(text)], "geo", "In which countries did the group attack?")
    single = copy_constraint(gen, [passage(text)], "geo", "In which country did the group attack?")
    afghanistan = gen.tokenize(" Afghanistan")
    assert plural(afghanistan) == set(gen.tokenize(" and"))  # must go on to "and Russia"
    assert single(afghanistan) == set(gen.tokenize(" and")) | {0}  # may stop


def test_a_complete_typed_answer_ends_at_a_clause_break_but_not_inside_a_number():
    # ids: 1 " in", 2 " Istanbul", 9 ",", 3 " according"; 4 " ", 5 "1", 6 "5", 7 "000", 8 " personnel"
    stop = {0}
    place = CopySpans([[1, 2, 9, 3]], stop, starts=[[0]], can_stop=lambda g: len(g) >= 2,
                      word_tokens={1, 2, 3}, break_ids={9})
    assert place([1, 2]) == stop  # "in Istanbul" is complete and a comma follows: it ends there
    number = CopySpans([[4, 5, 6, 9, 7, 8]], stop, starts=[[0]], can_stop=lambda g: len(g) >= 2,
                       word_tokens={4, 8}, break_ids={9})
    assert 9 in number([4, 5, 6])  # "15" may go on to "15,000": that comma is inside a number

"""Hits -> the few numbered sentences the reader sees (a sentence window), scored against the question.

A sentence's relevance mixes what the embedder thinks (cosine of question and sentence) with how many of
the question's rarer words it holds (IDF-weighted coverage), so names and numbers asked about count.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Callable, Sequence

from ..answer import answer_types
from ..ingest.chunking import split_sentences
from ..models.embedding import Embedder
from ..records import Hit, Passage, Question
from ..text import terms

# Weight of the embedder's cosine in a sentence's relevance (the rest is lexical coverage). Equal weights:
# neither signal alone is reliable on one sentence (cosine blurs names; coverage misses paraphrase).
DENSE_WEIGHT = 0.5
PHRASE_BONUS = 0.1  # small: a tie-breaker between sentences that share the same words
TYPE_BONUS = 0.1  # as small: a sentence holding the asked type ("in August" for "which month") wins a near tie
# No bonus for a person or a name: one is in almost every news sentence. Measured on the seed dev set and the
# 270 RealTime QA questions (sentence holding the answer ranked first): bonus for every kind 0.1 -> the same.
TYPE_BONUS_SKIPS = ("", "name", "person")
CONTEXT_WEIGHT = 0.5  # a follow-up's words count fully; the words its rewrite borrowed from history, half
_MIN_SENTENCE_CHARS = 15  # shorter lines are headings/captions: kept in chunks, never shown alone


def candidate_sentences(hits: Sequence[Hit]) -> list[Passage]:
    """Every sentence of the hit chunks once (chunk overlap repeats sentences), in retrieval order."""
    seen: set[tuple[str, int]] = set()
    out: list[Passage] = []
    for hit in hits:
        c = hit.chunk
        for sp in split_sentences(c.text, offset=c.start):
            text = c.text[sp.start - c.start: sp.end - c.start]
            if len(text) < _MIN_SENTENCE_CHARS or (c.doc_key, sp.start) in seen:
                continue
            seen.add((c.doc_key, sp.start))
            out.append(Passage(n=0, sentence=text, chunk=c, start=sp.start, end=sp.end))
    return out


def sentence_key(p: Passage) -> tuple[str, int]:
    """A sentence's identity across chunks (overlapping chunks hold the same sentence)."""
    return (p.chunk.doc_key, p.start)


def coverage(query_terms: Sequence[str], sentence_terms: set[str], idf: dict[str, float]) -> float:
    """IDF-weighted share of the query's terms found among the sentence's terms (0..1)."""
    q = set(query_terms)
    if not q:
        return 0.0
    total = sum(idf.get(w, 1.0) for w in q)
    return sum(idf.get(w, 1.0) for w in q if w in sentence_terms) / total


def bigrams(ts: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(ts, ts[1:]))


def score_sentences(question: Question, cands: list[Passage], embedder: Embedder,
                    vectors: dict[tuple[str, int], Sequence[float]] | None = None) -> list[Passage]:
    """The candidates with `score` set, best first, for the question as read once (rag/answer/question.py): its
    query (a follow-up rewritten with history), the user's own words and the asked type. `vectors`, when given,
    receives each sentence's embedding under sentence_key(p) (the open-answer reader compares sentences with them).

    score = DENSE_WEIGHT * cosine + (1 - DENSE_WEIGHT) * lexical + PHRASE_BONUS * phrase + TYPE_BONUS * typed,
    where lexical is the IDF-weighted coverage of the query's terms (terms borrowed from history weigh
    CONTEXT_WEIGHT), counting the previous sentence of the same chunk at a quarter weight (a sentence opening
    with "Their talks ..." borrows its subject); phrase is the share of the question's adjacent term pairs
    that also stand adjacent in the sentence ("foreign minister"); typed is 1 when the sentence holds a named
    entity of the kind the question asks for (answer_types: a number, a date, a place, a company ...) that the
    question does not.
    """
    if not cands:
        return []
    query = question.query
    embedded = embedder.embed([query] + [p.sentence for p in cands])
    qv, svs = embedded[0], embedded[1:]
    if vectors is not None:
        vectors.update({sentence_key(p): v for p, v in zip(cands, svs)})
    sent_terms = [terms(p.sentence) for p in cands]
    df = Counter(w for ts in sent_terms for w in set(ts))
    n = len(cands)
    q_terms = terms(query)
    own_terms = set(terms(question.text))
    idf = {w: math.log(1 + n / (1 + df.get(w, 0))) * (1.0 if w in own_terms else CONTEXT_WEIGHT)
           for w in set(q_terms)}
    q_pairs = bigrams(q_terms)
    kind = question.answer_type
    typed = kind not in TYPE_BONUS_SKIPS
    shown = [" ".join(p.sentence.split()) for p in cands]  # as the reader shows them (shares the NER cache)
    if kind:  # one batch through the recogniser; it also tells which names are people (answer_types)
        answer_types.prefetch(shown)
    scored = []
    for i, (p, sv) in enumerate(zip(cands, svs)):
        cos = sum(a * b for a, b in zip(qv, sv))
        own = set(sent_terms[i])
        prev = set(sent_terms[i - 1]) if i > 0 and cands[i - 1].chunk.id == p.chunk.id else set()
        lexical = 0.75 * coverage(q_terms, own, idf) + 0.25 * coverage(q_terms, own | prev, idf)
        phrase = len(q_pairs & bigrams(sent_terms[i])) / len(q_pairs) if q_pairs else 0.0
        s = DENSE_WEIGHT * cos + (1 - DENSE_WEIGHT) * lexical + PHRASE_BONUS * phrase
        if typed and answer_types.typed_entities(shown[i], kind, question.text):
            s += TYPE_BONUS
        scored.append(Passage(n=0, sentence=p.sentence, chunk=p.chunk, start=p.start, end=p.end, score=round(s, 4)))
    scored.sort(key=lambda p: -p.score)
    return scored


def select(scored: Sequence[Passage], *, max_passages: int, token_budget: int,
           count_tokens: Callable[[str], int]) -> list[Passage]:
    """The best sentences, numbered [1]..[n] best first, within the prompt's token budget."""
    out: list[Passage] = []
    used = 0
    for p in scored:
        if len(out) >= max_passages:
            break
        cost = count_tokens(p.sentence) + 4
        if out and used + cost > token_budget:
            continue
        used += cost
        out.append(Passage(n=len(out) + 1, sentence=p.sentence, chunk=p.chunk, start=p.start, end=p.end,
                           score=p.score))
    return out

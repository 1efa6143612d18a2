"""Hits -> the few numbered sentences the reader sees (a sentence window), scored against the question.

A sentence's relevance mixes what the embedder thinks (cosine of question and sentence) with how many of
the question's rarer words it holds (IDF-weighted coverage), so names and numbers asked about count.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Callable, Sequence

from .chunking import split_sentences
from .embedding import Embedder
from .records import Hit, Passage
from .retrieval import content_words

# Weight of the embedder's cosine in a sentence's relevance (the rest is lexical coverage). Equal weights:
# neither signal alone is reliable on one sentence (cosine blurs names; coverage misses paraphrase).
DENSE_WEIGHT = 0.5
_MIN_SENTENCE_CHARS = 25  # shorter lines are headings/captions: kept in chunks, never shown alone


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


def coverage(query_words: Sequence[str], sentence: str, idf: dict[str, float]) -> float:
    """IDF-weighted share of the query's content words found in the sentence (0..1)."""
    q = set(query_words)
    if not q:
        return 0.0
    have = set(content_words(sentence))
    total = sum(idf.get(w, 1.0) for w in q)
    return sum(idf.get(w, 1.0) for w in q if w in have) / total


def score_sentences(query: str, cands: list[Passage], embedder: Embedder) -> list[Passage]:
    """The candidates with `score` set, best first."""
    if not cands:
        return []
    vectors = embedder.embed([query] + [p.sentence for p in cands])
    qv, svs = vectors[0], vectors[1:]
    docs = [set(content_words(p.sentence)) for p in cands]
    df = Counter(w for d in docs for w in d)
    n = len(cands)
    idf = {w: math.log(1 + n / (1 + df.get(w, 0))) for w in set(content_words(query))}
    qw = content_words(query)
    scored = []
    for p, sv in zip(cands, svs):
        cos = sum(a * b for a, b in zip(qv, sv))
        s = DENSE_WEIGHT * cos + (1 - DENSE_WEIGHT) * coverage(qw, p.sentence, idf)
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

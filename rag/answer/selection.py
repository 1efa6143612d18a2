"""Open answers: which sentences to use. Relevant ones, from the articles on the asked story (`on_story`), from
different articles, none saying what another already says: maximal marginal relevance (Carbonell & Goldstein,
1998) over the embedder's sentence vectors.

    MMR(s) = LAMBDA * relevance(s) - (1 - LAMBDA) * max over picked p of cos(s, p)

>>> from rag.records import Chunk, Passage
>>> ch = lambda k: Chunk(id=k, doc_key=k, source=k, title="", text="", start=0, end=0, index=0)
>>> ps = [Passage(0, "Russia recognised the Taliban.", ch("a"), 0, 1, 0.9),
...       Passage(0, "Russia has recognised the Taliban.", ch("b"), 0, 1, 0.88),
...       Passage(0, "Kabul welcomed the move.", ch("c"), 0, 1, 0.7)]
>>> vs = {("a", 0): [1.0, 0.0], ("b", 0): [0.99, 0.14], ("c", 0): [0.0, 1.0]}
>>> [p.chunk.doc_key for p in mmr(ps, vs, limit=3)]
['a', 'c']
"""

from __future__ import annotations

from typing import Sequence

from ..records import Passage
from ..search.passages import sentence_key
from ..text import terms

# Relevance against novelty. 0.7 is the common choice in the summarisation literature; on the seed open set it
# is measured against 0.5 and 0.85 in docs/open-answers.md.
LAMBDA = 0.7
POOL = 30  # the best-scored sentences MMR chooses among; lower ones are rarely on topic
NEAR_COPY_COSINE = 0.9  # two sentences this close say the same thing (syndicated copies, lead repeated in body)
NEAR_COPY_WORDS = 0.7  # ... or share this share of their stemmed words (Jaccard)
SAME_ARTICLE = 0.3  # counted as similarity to an already picked sentence of the same article: prefer new sources
# A quoted sentence after the first must bring at least this many terms that neither the question nor the sentences
# before it hold: a paraphrase of what is said already ("Russia became the first country to recognise ...", once
# per outlet) is left out for one that adds a fact. Dev sets (docs/open-answers.md): 4 / 5 / 6 -> recall 0.507 /
# 0.513 / 0.513 on seeds, 0.239 / 0.242 / 0.239 on RealTime QA, against 0.508 / 0.226 without.
NEW_TERMS = 5
# An article whose best sentence scores below this share of the best sentence's score is about another story: its
# sentences are left out of an open answer. Dev sets (docs/open-answers.md, fourth session): 0.6 / 0.7 / 0.8 / 0.9
# -> recall 0.516 / 0.516 / 0.504 / 0.512 on seeds (five articles on one story: every one passes), 0.251 / 0.280 /
# 0.290 / 0.272 on RealTime QA, against 0.513 / 0.242 without.
STORY_FLOOR = 0.8


def is_sentence(text: str) -> bool:
    """A statement ends with a full stop or "!" (a quote may close after it); a line without one is a headline or a
    caption, and a question ("What happened to the driver?", a sub-heading) states nothing: both are kept for
    retrieval but not quoted as answer sentences.

    >>> is_sentence("Russia’s Recognition Redraws Diplomatic Lines"), is_sentence("He said it was “brave.”")
    (False, True)
    >>> is_sentence("What happened to the driver?"), is_sentence("“Why now?” she asked.")
    (False, True)
    """
    return text.rstrip().rstrip("\"'”’)»").endswith((".", "!"))


def on_story(scored: Sequence[Passage], floor: float = STORY_FLOOR) -> list[Passage]:
    """The scored sentences of the articles whose best sentence scores at least `floor` x the best one's, in order.

    >>> from rag.records import Chunk, Passage
    >>> ch = lambda k: Chunk(id=k, doc_key=k, source=k, title="", text="", start=0, end=0, index=0)
    >>> ps = [Passage(0, "s", ch("a"), 0, 1, 0.8), Passage(0, "s", ch("b"), 0, 1, 0.7),
    ...       Passage(0, "s", ch("c"), 0, 1, 0.5), Passage(0, "s", ch("b"), 2, 3, 0.3)]
    >>> [(p.chunk.doc_key, p.score) for p in on_story(ps)]
    [('a', 0.8), ('b', 0.7), ('b', 0.3)]
    """
    if not scored or scored[0].score <= 0:
        return list(scored)
    best: dict[str, float] = {}
    for p in scored:
        best[p.chunk.doc_key] = max(best.get(p.chunk.doc_key, p.score), p.score)
    cut = floor * max(best.values())
    return [p for p in scored if best[p.chunk.doc_key] >= cut]


def mmr(scored: Sequence[Passage], vectors: dict[tuple[str, int], Sequence[float]], *, limit: int,
        lam: float = LAMBDA) -> list[Passage]:
    """Up to `limit` sentences, in the order MMR picks them (the first is the most relevant)."""
    pool = [p for p in scored if is_sentence(p.sentence)][:POOL]
    words = {sentence_key(p): set(terms(p.sentence)) for p in pool}
    picked: list[Passage] = []
    while pool and len(picked) < limit:
        best: tuple[float, Passage] | None = None
        for p in pool:
            sim = max((_similarity(p, q, vectors, words) for q in picked), default=0.0)
            if sim >= NEAR_COPY_COSINE:
                continue
            value = lam * p.score - (1 - lam) * sim
            if best is None or value > best[0]:
                best = (value, p)
        if best is None:
            break
        picked.append(best[1])
        pool.remove(best[1])
    return picked


def _similarity(p: Passage, q: Passage, vectors: dict[tuple[str, int], Sequence[float]],
                words: dict[tuple[str, int], set[str]]) -> float:
    a, b = words[sentence_key(p)], words[sentence_key(q)]
    if a and b and len(a & b) / len(a | b) >= NEAR_COPY_WORDS:
        return 1.0
    va, vb = vectors.get(sentence_key(p)), vectors.get(sentence_key(q))
    cos = sum(x * y for x, y in zip(va, vb)) if va is not None and vb is not None else 0.0
    if p.chunk.doc_key == q.chunk.doc_key:
        cos = max(cos, SAME_ARTICLE)
    return cos


def novel(picked: Sequence[Passage], asked: str, least_new: int = NEW_TERMS) -> list[Passage]:
    """The picks, in order, without those after the first that add fewer than `least_new` terms to the question's
    and the kept sentences' terms.

    >>> from rag.records import Chunk, Passage
    >>> c = Chunk(id="x", doc_key="x", source="x", title="", text="", start=0, end=0, index=0)
    >>> ps = [Passage(0, s, c, i, i) for i, s in enumerate(["Russia recognised the Taliban government on Thursday.",
    ...       "Russia became the first country to recognise the Taliban government.",
    ...       "Moscow hopes for energy, transport and farming deals with Kabul."])]
    >>> [p.start for p in novel(ps, "Why did Russia recognise the Taliban?")]  # the second adds 3 terms
    [0, 2]
    """
    seen = set(terms(asked))
    out: list[Passage] = []
    for p in picked:
        new = set(terms(p.sentence)) - seen
        if out and len(new) < least_new:
            continue
        out.append(p)
        seen |= new
    return out


def enough(picked: Sequence[Passage], *, least: int, most: int, floor: float, max_words: int) -> list[Passage]:
    """The first `least` picks, then more while each is at least `floor` x the best relevance and the answer stays
    within `max_words` words.

    >>> from rag.records import Chunk, Passage
    >>> c = Chunk(id="x", doc_key="x", source="x", title="", text="", start=0, end=0, index=0)
    >>> ps = [Passage(0, "one two three", c, i, i, s) for i, s in enumerate([0.8, 0.7, 0.65, 0.3])]
    >>> len(enough(ps, least=2, most=5, floor=0.75, max_words=100))
    3
    """
    if not picked:
        return []
    top = max(p.score for p in picked)
    out: list[Passage] = []
    used = 0
    for p in picked:
        n = len(p.sentence.split())
        if len(out) >= most:
            break
        if len(out) >= least and (p.score < floor * top or used + n > max_words):
            continue
        out.append(p)
        used += n
    return out

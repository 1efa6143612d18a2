"""The optional re-ranker: the head of the fused list re-ordered by a second embedder, its passages cached."""

from rag.search.rerank import Reranker, rerank_order


class Favours:
    """A second embedder that knows one word only: passages holding it are the closest to the question."""

    name = "fake-reranker"

    def __init__(self, word: str, question: str) -> None:
        self.word, self.question = word, question
        self.texts: list[str] = []

    def embed(self, texts):
        self.texts += list(texts)
        return [[1.0, 0.0] if self.word in t.lower() or t == self.question else [0.0, 1.0] for t in texts]


def test_fusion_keeps_the_retrieved_order_for_ties_and_lifts_the_closest():
    assert rerank_order([0.2, 0.2, 0.2]) == [0, 1, 2]
    assert rerank_order([0.0, 0.0, 0.0, 0.9]) == [0, 3, 1, 2]  # fused with the retrieved order: lifted, not first
    assert rerank_order([0.0, 0.9, 0.0, 0.0], weight=0.0) == [0, 1, 2, 3]  # weight 0: the retrieved order


def test_the_reranker_moves_a_deeper_candidate_into_the_top_k(fake_rag):
    question = "What did the ambassador say?"
    plain = fake_rag.retrieve(question, 20)
    deep = plain[5].chunk  # sixth: just outside the top 5
    others = [h.chunk.text.lower() for i, h in enumerate(plain) if i != 5]
    word = next(w for w in deep.text.lower().split() if len(w) > 5 and w.isalpha() and not any(w in o for o in others))
    second = Favours(word, question)
    fake_rag.retriever.reranker = Reranker(second, depth=20)
    try:
        top = fake_rag.retrieve(question, 5)
        assert len(top) == 5 and deep.id in [h.chunk.id for h in top]
        seen = len(second.texts)
        again = fake_rag.retrieve(question, 5)
        assert [h.chunk.id for h in again] == [h.chunk.id for h in top]
        assert len(second.texts) == seen + 1  # only the question is embedded again: passages come from the cache
    finally:
        fake_rag.retriever.reranker = None

"""The BM25 index built from term numbers ranks exactly as bm25s does from the terms themselves."""

import numpy as np

from rag.records import Chunk
from rag.search.lexical import LexicalIndex
from rag.text import index_terms

TEXTS = [
    ("Harbour bridge", "The Portvale harbour bridge reopened on Thursday after eight weeks of repairs."),
    ("Ferries", "Ferries that carried commuters during the bridge closure stop running on Friday."),
    ("Council budget", "The city council approved a budget that doubles spending on road repairs."),
    ("Festival", "The lantern festival returns to the old harbour in October, organisers said."),
    ("", ""),  # an empty chunk still gets a row (it never matches)
]


def _chunks() -> list[Chunk]:
    return [Chunk(id=f"c{i}", doc_key=f"d{i}", source=f"d{i}.txt", title=title, text=text, start=0, end=len(text),
                  index=0, date="2024-05-0%d" % (i + 1), outlet="Portvale Times")
            for i, (title, text) in enumerate(TEXTS)]


def test_numbered_terms_rank_and_score_as_bm25s_on_the_terms():
    import bm25s

    index = LexicalIndex.build(_chunks(), generation=3)
    reference = bm25s.BM25()
    reference.index([index_terms(f"{t} {x}") or ["_"] for t, x in TEXTS], show_progress=False)
    for query in ("harbour bridge repairs", "ferries friday", "council budget roads", "lantern"):
        terms = [t for t in index_terms(query) if t in reference.vocab_dict]
        docs, scores = reference.retrieve([terms], k=len(TEXTS), show_progress=False)
        expected = [(f"c{int(d)}", float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]
        got = index.search(query, len(TEXTS))
        assert [cid for cid, _ in got] == [cid for cid, _ in expected]
        assert np.allclose([s for _, s in got], [s for _, s in expected])
    assert index.generation == 3 and index.ids == [f"c{i}" for i in range(len(TEXTS))]


def test_a_saved_index_loads_with_its_rows_and_filters(tmp_path):
    from datetime import date

    from rag.records import Filters

    LexicalIndex.build(_chunks(), generation=1).save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    assert loaded is not None and loaded.generation == 1
    assert [cid for cid, _ in loaded.search("harbour", 5)] == ["c0", "c3"]
    assert [cid for cid, _ in loaded.search("harbour", 5, Filters(since=date(2024, 5, 2)))] == ["c3"]

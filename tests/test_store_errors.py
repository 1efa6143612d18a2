"""A damaged index folder gets a message naming the fix (move it aside, re-ingest), never a traceback."""

from __future__ import annotations

import pytest

from rag import RAG
from rag.errors import StoreUnavailable


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_damaged_sqlite_names_the_fix_on_ask_and_ingest(settings, fake_embedder, fake_generator, seeds_copy, damage):
    RAG(settings, embedder=fake_embedder, generator=fake_generator).ingest([seeds_copy])
    db = settings.index_dir / "chroma.sqlite3"
    raw = db.read_bytes()
    if damage == "garbage":
        db.write_bytes(raw[:100] + b"\x00garbage\xff" * 4000 + raw[100 + 40000:])
    else:
        db.write_bytes(raw[: len(raw) // 3])
    for action in (lambda r: r.ask("Who is Russia's ambassador to Afghanistan?"), lambda r: r.ingest([seeds_copy])):
        fresh = RAG(settings, embedder=fake_embedder, generator=fake_generator)
        with pytest.raises(StoreUnavailable, match=r"mv .*\.damaged && rag ingest"):
            action(fresh)

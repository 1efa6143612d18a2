"""Idempotent ingest into a real Chroma folder (fake embedder): unchanged, updated, removed, bad input."""

import pytest

from rag import RAG
from rag.errors import NoIndex


def test_second_ingest_embeds_nothing(settings, fake_embedder, fake_generator, seeds_copy):
    rag = RAG(settings, embedder=fake_embedder, generator=fake_generator)
    first = rag.ingest([seeds_copy])
    assert (first.added, first.updated, first.removed, first.unchanged) == (5, 0, 0, 0)
    assert first.chunks_embedded == rag.store().count() > 5
    calls = len(fake_embedder.calls)
    second = rag.ingest([seeds_copy])
    assert (second.added, second.updated, second.removed, second.unchanged) == (0, 0, 0, 5)
    assert second.chunks_embedded == 0 and len(fake_embedder.calls) == calls


def test_changed_file_replaces_its_chunks_and_removed_file_leaves(settings, fake_embedder, fake_generator, seeds_copy):
    rag = RAG(settings, embedder=fake_embedder, generator=fake_generator)
    rag.ingest([seeds_copy])
    changed = sorted(seeds_copy.glob("*.txt"))[0]
    changed.write_text("A completely new article. It mentions Ulaanbaatar only.", encoding="utf-8")
    gone = sorted(seeds_copy.glob("*.txt"))[1]
    gone.unlink()
    report = rag.ingest([seeds_copy])
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 1, 1, 3)
    sources = {c.source for c in rag.store().all_chunks()}
    assert gone.name not in sources
    texts = [c.text for c in rag.store().all_chunks() if c.source == changed.name]
    assert texts == ["A completely new article. It mentions Ulaanbaatar only."]


def test_unreadable_file_keeps_what_the_index_holds(settings, fake_embedder, fake_generator, seeds_copy):
    rag = RAG(settings, embedder=fake_embedder, generator=fake_generator)
    rag.ingest([seeds_copy])
    before = rag.store().count()
    victim = sorted(seeds_copy.glob("*.txt"))[0]
    victim.write_bytes("caf\u00e9".encode("latin-1"))
    report = rag.ingest([seeds_copy])
    assert report.removed == 0 and len(report.skipped) == 1 and victim.name in report.skipped[0]
    assert rag.store().count() == before


def test_single_file_ingest_does_not_remove_others(settings, fake_embedder, fake_generator, seeds_copy, tmp_path):
    rag = RAG(settings, embedder=fake_embedder, generator=fake_generator)
    rag.ingest([seeds_copy])
    extra = tmp_path / "extra.txt"
    extra.write_text("Another story about Herat and its airport.")
    report = rag.ingest([extra])
    assert (report.added, report.removed) == (1, 0)
    assert len(rag.articles()) == 6


def test_asking_before_ingest_says_run_ingest(settings, fake_embedder, fake_generator):
    rag = RAG(settings, embedder=fake_embedder, generator=fake_generator)
    with pytest.raises(NoIndex, match="rag ingest"):
        rag.ask("Who is the ambassador?")
    assert not (settings.index_dir / "chroma.sqlite3").exists()  # asking created nothing


def test_articles_lists_titles_outlets_and_chunk_counts(fake_rag):
    arts = fake_rag.articles()
    assert len(arts) == 5 and all(a.chunks >= 1 for a in arts)
    assert any(a.outlet == "MoneyOval" for a in arts)

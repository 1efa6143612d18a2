"""Idempotent ingest into a real Chroma folder (fake embedder): unchanged, updated, removed, bad input."""

import json
import shutil
import subprocess
import sys

import pytest

from rag import RAG, Settings
from rag.errors import IngestBusy, NoIndex
from tests.conftest import SEEDS


def test_second_ingest_embeds_nothing(settings, fake_embedder, fake_generator, seeds_copy):
    rag = RAG(settings, embedder=fake_embedder, generator=fake_generator)
    first = rag.ingest([seeds_copy])
    assert (first.added, first.updated, first.removed, first.unchanged) == (5, 0, 0, 0)
    assert first.chunks_embedded == rag.store().count() > 5
    calls = len(fake_embedder.calls)
    second = rag.ingest([seeds_copy])
    assert (second.added, second.updated, second.removed, second.unchanged) == (0, 0, 0, 5)
    assert second.chunks_embedded == 0 and len(fake_embedder.calls) == calls


def test_a_change_of_embedder_re_embeds_every_article_once(settings, fake_embedder, fake_generator, seeds_copy):
    from tests.conftest import FakeEmbedder

    RAG(settings, embedder=fake_embedder, generator=fake_generator).ingest([seeds_copy])
    other = FakeEmbedder()
    other.name = "another-model"  # e.g. the torch embedder after ONNX int8: its vectors live in another space
    rag = RAG(settings, embedder=other, generator=fake_generator)
    first = rag.ingest([seeds_copy])
    assert (first.added, first.updated, first.unchanged) == (0, 5, 0)
    assert first.chunks_embedded == rag.store().count() == sum(other.calls)
    again = rag.ingest([seeds_copy])
    assert (again.updated, again.unchanged, again.chunks_embedded) == (0, 5, 0)


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
    assert report.removed == 0 and len(report.skipped) == 1 and victim.name in report.skipped[0].reason
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


def test_moved_corpus_and_index_embed_nothing(tmp_path, fake_embedder, fake_generator):
    corpus = tmp_path / "a" / "news"
    shutil.copytree(SEEDS, corpus)
    first = RAG(Settings(index_dir=tmp_path / "idx1", abstain_threshold=0.0), embedder=fake_embedder,
                generator=fake_generator)
    first.ingest([corpus])
    ids = {c.id for c in first.store().all_chunks()}
    moved_corpus = tmp_path / "b" / "news"
    moved_corpus.parent.mkdir()
    shutil.move(str(corpus), str(moved_corpus))
    shutil.copytree(tmp_path / "idx1", tmp_path / "idx2")
    calls = len(fake_embedder.calls)
    second = RAG(Settings(index_dir=tmp_path / "idx2", abstain_threshold=0.0), embedder=fake_embedder,
                 generator=fake_generator)
    report = second.ingest([moved_corpus])
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, 5)
    assert len(fake_embedder.calls) == calls and {c.id for c in second.store().all_chunks()} == ids


def test_a_second_ingest_into_the_same_index_is_refused_with_a_message(settings, fake_embedder, fake_generator,
                                                                       seeds_copy):
    rag = RAG(settings, embedder=fake_embedder, generator=fake_generator)
    rag.ingest([seeds_copy])
    lock = settings.index_dir / "ingest.lock"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time; f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX); "
        "f.write('pid 4242'); f.flush(); print('locked', flush=True); time.sleep(30)"), str(lock)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(IngestBusy, match="Wait for it to finish"):
            rag.ingest([seeds_copy])
    finally:
        holder.kill()
        holder.wait()
    assert rag.ingest([seeds_copy]).unchanged == 5  # the lock dies with its holder


def test_a_reingest_by_another_process_is_seen_by_the_next_question(settings, fake_embedder, fake_generator,
                                                                    seeds_copy):
    """A running app (one RAG) sees a CLI re-ingest (another RAG on the same index): dense and lexical."""
    app = RAG(settings, embedder=fake_embedder, generator=fake_generator)
    app.ingest([seeds_copy])
    assert not any("Ulaanbaatar" in h.chunk.text for h in app.retrieve("Ulaanbaatar yurts"))
    (seeds_copy / "000_35ceaa0b824bc6bf.txt").write_text("Ulaanbaatar builds new yurts for the winter festival.")
    cli = RAG(settings, embedder=fake_embedder, generator=fake_generator)
    assert cli.ingest([seeds_copy]).updated == 1
    hits = app.retrieve("Ulaanbaatar yurts")
    assert hits[0].chunk.text.startswith("Ulaanbaatar") and hits[0].lexical_rank == 1


def test_big_export_with_bad_lines_counts_them(settings, fake_embedder, fake_generator, tmp_path):
    export = tmp_path / "export.jsonl"
    lines = [json.dumps({"url": f"https://wire.example/{i}", "title": f"Story {i}", "publish_date": "2023-03-0"
                         + str(1 + i % 9), "text": f"Story {i} reports on harbour number {i}. " * 5})
             for i in range(40)]
    lines[7] = "{not json"
    lines[9] = json.dumps({"url": "https://wire.example/huge", "text": "Long. " * 2000})
    export.write_text("\n".join(lines) + "\n")
    rag = RAG(settings.with_overrides(max_file_bytes=5_000), embedder=fake_embedder, generator=fake_generator)
    report = rag.ingest([export])
    assert report.added == 38 and report.records_read == 40
    assert sorted((s.where, s.kind) for s in report.skipped) == [("export.jsonl line 10", "too-large"),
                                                                 ("export.jsonl line 8", "not-json")]
    assert report.to_json()["skipped"][0]["where"].startswith("export.jsonl line")
    dated = rag.articles()
    assert dated[0].date == "2023-03-09" and all(a.url.startswith("https://wire.example/") for a in dated)


def test_a_record_repeating_an_earlier_url_is_reported_and_the_first_kept(settings, fake_embedder, fake_generator,
                                                                          tmp_path):
    export = tmp_path / "export.jsonl"
    export.write_text("\n".join(json.dumps(r) for r in [
        {"url": "https://wire.example/a", "text": "The tram line to the airport opens in May."},
        {"url": "https://wire.example/b", "text": "The city library extends its hours on Sundays."},
        {"url": "https://wire.example/a", "text": "A later rewrite of the tram story under the same address."},
    ]) + "\n")
    rag = RAG(settings, embedder=fake_embedder, generator=fake_generator)
    report = rag.ingest([export])
    assert (report.records_read, report.added) == (3, 2)
    assert [(s.where, s.kind) for s in report.skipped] == [("export.jsonl line 3", "repeated-url")]
    assert "export.jsonl line 1," in report.skipped[0].reason and "own url" in report.skipped[0].reason
    assert "1 repeated-url" in report.summary()
    assert any("tram line to the airport" in h.chunk.text for h in rag.retrieve("tram airport"))
    assert rag.ingest([export]).skipped[0].kind == "repeated-url"  # reported again, nothing stored changes


def test_a_syndicated_copy_reuses_the_stored_vectors(settings, fake_embedder, fake_generator, tmp_path):
    story = "The harbour bridge reopened on Thursday after eight weeks of repairs. Ferries stop on Friday."
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(json.dumps({"url": "https://one.example/x", "text": story}) + "\n")
    second.write_text(json.dumps({"url": "https://two.example/x", "text": story}) + "\n")
    rag = RAG(settings, embedder=fake_embedder, generator=fake_generator)
    assert rag.ingest([first]).chunks_reused == 0
    embedded = sum(fake_embedder.calls)
    report = rag.ingest([second])
    assert report.added == 1 and report.chunks_reused == report.chunks_embedded >= 1
    assert sum(fake_embedder.calls) == embedded  # nothing new was embedded
    assert len(rag.retrieve("harbour bridge reopened", top_k=5)) == 1  # and the copies are one group


def test_the_cli_prints_the_first_skips_of_each_kind_and_counts_the_rest(settings, fake_embedder, fake_generator,
                                                                        tmp_path, capsys):
    from rag.cli import _ingest

    export = tmp_path / "export.jsonl"
    rows = [{"url": "https://wire.example/same", "text": f"Version {i} of the council budget story."} for i in range(8)]
    export.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n")
    rag = RAG(settings, embedder=fake_embedder, generator=fake_generator)
    assert _ingest(rag, [str(export)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert sum("repeats the record at export.jsonl line 1," in line for line in err) == 5
    assert "warning: … and 2 more skipped (repeated-url); `rag ingest --json` lists every one." in err
    assert sum("not a JSON object" in line for line in err) == 1


def test_one_skip_over_the_limit_is_still_counted_with_where_to_find_it() -> None:
    from rag.records import IngestReport, Skip

    report = IngestReport(skipped=[Skip(f"e.jsonl line {i}", f"Skipped e.jsonl line {i}.", "not-json")
                                   for i in range(1, 7)])
    lines = report.warnings(per_kind=5, more="see the list")
    assert lines[:5] == [f"Skipped e.jsonl line {i}." for i in range(1, 6)]
    assert lines[5:] == ["… and 1 more skipped (not-json); see the list."]
    assert IngestReport(skipped=report.skipped[:5]).warnings(more="see the list") == lines[:5]

"""kill -9 at three points of an ingest or a re-ingest, then a re-run: exactly the chunks of a clean ingest.

Each run is a real process killed by SIGKILL. The test's driver decides where (it wraps a store method or
the embedder to kill its own process at that call), so the points are exact, not timing-dependent.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rag import RAG, Settings
from tests.conftest import SEEDS, FakeEmbedder, FakeGenerator

DRIVER = textwrap.dedent("""
    import os, signal, sys
    sys.path[:0] = [{root!r}]
    from tests.conftest import FakeEmbedder, FakeGenerator
    import rag.ingest.indexing as indexing
    from rag import RAG, Settings
    from rag.store import ChromaStore

    indexing._FLUSH_CHUNKS = 8  # several batches, so there is a middle to die in
    point, after = sys.argv[3], int(sys.argv[4])
    calls = {{"n": 0}}

    def dying(method):
        def wrapped(self, *args, **kwargs):
            if args and len(args[0]) == 0:
                return method(self, *args, **kwargs)
            calls["n"] += 1
            if calls["n"] > after:
                os.kill(os.getpid(), signal.SIGKILL)
            return method(self, *args, **kwargs)
        return wrapped

    if point != "none":
        setattr(ChromaStore, point, dying(getattr(ChromaStore, point)))
    rag = RAG(Settings(index_dir=sys.argv[1], models_dir=sys.argv[1] + "-models"), embedder=FakeEmbedder(),
              generator=FakeGenerator())
    print(rag.ingest([sys.argv[2]]).summary())
""")
ROOT = Path(__file__).resolve().parent.parent


def run(tmp: Path, index: Path, corpus: Path, point: str = "none", after: int = 0) -> subprocess.CompletedProcess:
    driver = tmp / "driver.py"
    driver.write_text(DRIVER.format(root=str(ROOT)))
    return subprocess.run([sys.executable, str(driver), str(index), str(corpus), point, str(after)],
                          capture_output=True, text=True, timeout=120)


def chunk_ids(index: Path) -> set[str]:
    rag = RAG(Settings(index_dir=index), embedder=FakeEmbedder(), generator=FakeGenerator())
    return {c.id for c in rag.store().all_chunks()}


def clean_ids(tmp: Path, corpus: Path) -> set[str]:
    index = tmp / "clean-index"
    shutil.rmtree(index, ignore_errors=True)
    assert run(tmp, index, corpus).returncode == 0
    return chunk_ids(index)


@pytest.mark.parametrize("point,after", [
    ("add", 2),  # first ingest: killed after two batches of chunks were written
    ("put_articles", 1),  # killed between a batch's chunks and its manifest entries
])
def test_killed_first_ingest_then_rerun_equals_a_clean_ingest(tmp_path, point, after):
    corpus = tmp_path / "news"
    shutil.copytree(SEEDS, corpus)
    index = tmp_path / "index"
    killed = run(tmp_path, index, corpus, point, after)
    assert killed.returncode == -9, killed.stderr
    assert 0 < len(chunk_ids(index)) < len(clean_ids(tmp_path, corpus))  # really half-done
    rerun = run(tmp_path, index, corpus)
    assert rerun.returncode == 0, rerun.stderr
    assert chunk_ids(index) == clean_ids(tmp_path, corpus)
    again = run(tmp_path, index, corpus)
    assert "unchanged 5" in again.stdout


def ingested_then_changed(tmp_path: Path) -> tuple[Path, Path, Path, bytes]:
    """A clean ingest of the seeds, then one file rewritten: (corpus, index, changed file, its old bytes)."""
    corpus = tmp_path / "news"
    shutil.copytree(SEEDS, corpus)
    index = tmp_path / "index"
    assert run(tmp_path, index, corpus).returncode == 0
    victim = sorted(corpus.glob("*.txt"))[0]
    original = victim.read_bytes()
    victim.write_text("Completely new text. " * 200)
    return corpus, index, victim, original


def test_killed_update_then_restored_file_leaves_no_stale_chunks(tmp_path):
    corpus, index, victim, original = ingested_then_changed(tmp_path)
    # killed after the new version's chunks and manifest entry were written, before the old chunks went
    killed = run(tmp_path, index, corpus, "delete", 0)
    assert killed.returncode == -9, killed.stderr
    victim.write_bytes(original)
    rerun = run(tmp_path, index, corpus)
    assert rerun.returncode == 0, rerun.stderr
    assert chunk_ids(index) == clean_ids(tmp_path, corpus)
    rag = RAG(Settings(index_dir=index), embedder=FakeEmbedder(), generator=FakeGenerator())
    assert not any("Completely new text" in c.text for c in rag.store().all_chunks())


def test_killed_update_before_its_manifest_keeps_the_old_version(tmp_path):
    corpus, index, victim, original = ingested_then_changed(tmp_path)
    killed = run(tmp_path, index, corpus, "add", 0)  # new chunks half written, manifest untouched
    assert killed.returncode == -9
    victim.write_bytes(original)
    rerun = run(tmp_path, index, corpus)
    assert "unchanged 5" in rerun.stdout
    assert chunk_ids(index) == clean_ids(tmp_path, corpus)


def test_a_cli_reingest_in_another_process_is_seen_by_a_running_app(tmp_path):
    """The app's RAG stays open; another process re-ingests a changed file; the next question sees it."""
    corpus = tmp_path / "news"
    shutil.copytree(SEEDS, corpus)
    index = tmp_path / "index"
    assert run(tmp_path, index, corpus).returncode == 0
    app = RAG(Settings(index_dir=index), embedder=FakeEmbedder(), generator=FakeGenerator())
    assert not any("Ulaanbaatar" in h.chunk.text for h in app.retrieve("Ulaanbaatar yurts festival"))
    (corpus / "000_35ceaa0b824bc6bf.txt").write_text("Ulaanbaatar builds new yurts for the winter festival.")
    assert "updated 1" in run(tmp_path, index, corpus).stdout
    [top] = app.retrieve("Ulaanbaatar yurts festival", top_k=1)
    assert top.chunk.text.startswith("Ulaanbaatar") and top.dense_rank == 1 and top.lexical_rank == 1

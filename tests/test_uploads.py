"""app.uploads + the upload handler: names keep their identity, no upload replaces a different file, and a
file the ingest refuses is not left in the uploads folder."""

from __future__ import annotations

import doctest
import unicodedata
from pathlib import Path

import pytest

import app.uploads as uploads
from app.handlers import Handlers
from app.uploads import MAX_NAME_BYTES, safe_name, stage
from rag import RAG

from .conftest import FakeGenerator

LIMIT = 5_000_000


def test_docstring_examples():
    result = doctest.testmod(uploads)
    assert result.attempted > 0 and result.failed == 0


def write(folder: Path, name: str, text: str | bytes) -> Path:
    """An uploaded file as Gradio hands it over: its own name, in a temp folder of its own."""
    d = folder / f"upload{len(list(folder.glob('upload*')))}"
    d.mkdir(parents=True)
    p = d / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


# ---------------------------------------------------------------- names
@pytest.mark.parametrize("a,b", [
    ("Новости.txt", "新闻.txt"),  # before: both "article.txt"
    ("report (1).txt", "report [1].txt"),  # before: both "report_1_.txt"
    ("Ελλάδα.md", "Ägypten.md"),
    ("خبر.html", "समाचार.html"),
])
def test_different_names_stay_different(a, b):
    assert safe_name(a) != safe_name(b)
    assert safe_name(a).split(".")[0] in a  # the name itself is kept, not replaced


def test_names_are_normalised_and_safe():
    nfd = unicodedata.normalize("NFD", "Café.txt")
    assert safe_name(nfd) == "Café.txt" == safe_name("Café.txt")  # macOS sends NFD
    assert safe_name("a/b\\..\\c.txt") == "c.txt"
    assert safe_name("evil\u202etxt.exe.txt") == "eviltxt.exe.txt"  # bidi override gone
    assert safe_name("tab\there\nnew.txt") == "tab here new.txt"
    assert safe_name("...txt") == "article.txt" and safe_name(". .md") == "article.md"
    assert safe_name("CON.txt") == "_CON.txt"
    assert safe_name("x.TXT") == "x.txt"
    long = safe_name("新" * 300 + ".txt")
    assert len(long.encode()) <= MAX_NAME_BYTES and long.endswith(".txt") and set(long[:-4]) == {"新"}


# ---------------------------------------------------------------- stage
def test_non_latin_uploads_never_overwrite_each_other(tmp_path):
    inbox, up = tmp_path / "in", tmp_path / "uploads"
    first = stage([write(inbox, "Новости.txt", "Первая статья о мосте.")], up, max_bytes=LIMIT)
    second = stage([write(inbox, "新闻.txt", "第二篇关于桥的文章。")], up, max_bytes=LIMIT)
    assert [p.name for p in first.saved] == ["Новости.txt"] and [p.name for p in second.saved] == ["新闻.txt"]
    assert (up / "Новости.txt").read_text() == "Первая статья о мосте."


def test_same_name_different_file_gets_a_suffix_identical_file_is_reused(tmp_path):
    inbox, up = tmp_path / "in", tmp_path / "uploads"
    v1 = stage([write(inbox, "report.txt", "Version one of the report.")], up, max_bytes=LIMIT)
    v2 = stage([write(inbox, "report.txt", "Version two, a different text.")], up, max_bytes=LIMIT)
    again = stage([write(inbox, "report.txt", "Version two, a different text.")], up, max_bytes=LIMIT)
    assert v1.created == v1.saved == [up / "report.txt"]
    assert v2.saved == [up / "report (2).txt"] and v2.renamed and "report (2).txt" in v2.renamed[0]
    assert again.saved == [up / "report (2).txt"] and again.created == [] and again.renamed
    assert (up / "report.txt").read_text() == "Version one of the report."
    same = stage([write(inbox, "report.txt", "Version one of the report.")], up, max_bytes=LIMIT)
    assert same.saved == [up / "report.txt"] and same.created == [] and same.renamed == []
    assert sorted(p.name for p in up.iterdir()) == ["report (2).txt", "report.txt"]  # no temp files left


def test_two_files_of_one_name_in_one_upload_are_both_kept(tmp_path):
    inbox, up = tmp_path / "in", tmp_path / "uploads"
    staged = stage([write(inbox, "a<b.txt", "first"), write(inbox, "a>b.txt", "second")], up, max_bytes=LIMIT)
    assert [p.name for p in staged.saved] == ["a_b.txt", "a_b (2).txt"]
    assert [p.read_text() for p in staged.saved] == ["first", "second"]


def test_an_uploads_folder_that_cannot_be_written_is_a_reason_not_a_traceback(tmp_path):
    blocked = tmp_path / "uploads"
    blocked.write_text("a file where the folder should be")
    staged = stage([write(tmp_path / "in", "a.txt", "text")], blocked, max_bytes=LIMIT)
    assert staged.saved == [] and "RAG_UPLOAD_DIR" in staged.rejected[0]


def test_refused_before_copying_leaves_nothing(tmp_path):
    inbox, up = tmp_path / "in", tmp_path / "uploads"
    staged = stage([write(inbox, "x.pdf", b"%PDF"), write(inbox, "e.txt", b""), write(inbox, "big.txt", b"x" * 11)],
                   up, max_bytes=10)
    assert len(staged.rejected) == 3 and staged.saved == []
    assert not up.exists() or list(up.iterdir()) == []


# ---------------------------------------------------------------- the handler
def handler(settings, fake_embedder, tmp_path) -> Handlers:
    return Handlers(RAG(settings, embedder=fake_embedder, generator=FakeGenerator()), tmp_path / "uploads")


def no_progress(*_args, **_kwargs) -> None:
    return None


def test_uploading_two_non_latin_names_adds_two_articles(settings, fake_embedder, tmp_path, recwarn):
    h = handler(settings, fake_embedder, tmp_path)
    inbox = tmp_path / "in"
    *_, status = h.upload([str(write(inbox, "Новости.txt", "Мэр Кира Вент открыла мост через реку в понедельник."))],
                          progress=no_progress)
    assert "added 1" in status
    *_, status = h.upload([str(write(inbox, "新闻.txt", "市长基拉·文特周一为新桥剪彩，数千人到场观看。"))],
                          progress=no_progress)
    assert "added 1" in status and "updated" not in status.replace("updated 0", "")  # before: "added 0 / updated 1"
    sources = {a.source for a in h.rag.articles()}
    assert {"Новости.txt", "新闻.txt"} <= sources


def test_a_file_the_ingest_refuses_does_not_stay_in_uploads(settings, fake_embedder, tmp_path, recwarn):
    h = handler(settings, fake_embedder, tmp_path)
    inbox = tmp_path / "in"
    good = write(inbox, "good.txt", "The Zorblax ferry resumed service on Monday after the storm.")
    binary = write(inbox, "binary.txt", b"\x00\x01\x02 not text")
    latin1 = write(inbox, "latin1.txt", "Caf\xe9 owners met the mayor.".encode("latin-1"))
    *_, status = h.upload([str(good), str(binary), str(latin1)], progress=no_progress)
    assert "added 1" in status and "binary.txt" in status and "latin1.txt" in status
    assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == ["good.txt"]  # before: all three stayed


def test_a_renamed_upload_is_told_and_both_articles_are_kept(settings, fake_embedder, tmp_path, recwarn):
    h = handler(settings, fake_embedder, tmp_path)
    inbox = tmp_path / "in"
    h.upload([str(write(inbox, "report.txt", "The Zorblax council approved the budget on Monday."))],
             progress=no_progress)
    *_, status = h.upload([str(write(inbox, "report.txt", "The Zorblax ferry resumed service after the storm."))],
                          progress=no_progress)
    assert "added 1" in status and "report (2).txt" in status
    assert {a.source for a in h.rag.articles()} >= {"report.txt", "report (2).txt"}

"""Loading: file types, metadata, streamed JSONL exports, and every skip named with its fix."""

import json
import os
from pathlib import Path

import pytest

from rag.errors import BadInput
from rag.ingest.loading import load


def test_html_page_text_title_outlet_and_no_script(tmp_path):
    f = tmp_path / "page.html"
    f.write_text("""<html><head><title>Site | Story</title><meta property="og:site_name" content="Daily Wire">
    <meta property="og:title" content="Kabul talks resume"><script>alert(1)</script><style>p{}</style>
    <meta property="article:published_time" content="2025-03-09T10:00:00+00:00"></head>
    <body><nav>Home | World</nav><article><h1>Kabul talks resume</h1><p>Envoys met in Kabul on Monday after a
    long pause in the negotiations between the two delegations.</p>
    <p>They agreed to meet again next month in the same city, officials said.</p></article>
    <footer>© 2025 Daily Wire</footer></body></html>""")
    [doc], skips = load([f])
    assert not skips
    assert doc.title == "Kabul talks resume" and doc.outlet == "Daily Wire" and doc.date == "2025-03-09"
    assert "Envoys met in Kabul on Monday" in doc.text and "They agreed to meet again" in doc.text
    assert "alert" not in doc.text and "Home | World" not in doc.text


def test_markdown_markup_is_removed(tmp_path):
    f = tmp_path / "a.md"
    f.write_text("# Big news\n\nThe **council** voted [yes](http://x) on Monday.\n")
    [doc], _ = load([f])
    assert doc.title == "Big news"
    assert "The council voted yes on Monday." in doc.text


def test_jsonl_records_with_metadata_and_counted_skips(tmp_path):
    f = tmp_path / "a.jsonl"
    rows = [{"title": "One", "url": "http://a.example/1", "text": "First article text here.",
             "publish_date": "2023/01/05"},
            {"title": "Two", "url": "http://b.example/2", "text": "Second article text.", "date": "2023-02-01"},
            {"title": "No text"}]
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")
    docs, skips = load([f])
    assert [d.title for d in docs] == ["One", "Two"]
    assert docs[0].url == "http://a.example/1" and docs[0].date == "2023-01-05" and docs[1].date == "2023-02-01"
    assert docs[0].key != docs[1].key
    assert [(s.where, s.kind) for s in skips] == [("a.jsonl line 3", "no-text"), ("a.jsonl line 4", "not-json")]


def test_a_record_over_the_limit_is_skipped_with_its_line_and_the_rest_are_read(tmp_path):
    f = tmp_path / "export.jsonl"
    rows = [{"url": f"http://x.example/{i}", "text": f"Story number {i} about the harbour."} for i in range(3)]
    rows[1]["text"] = "A very long story. " * 400
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    docs, skips = load([f], max_file_bytes=2_000)
    assert [d.url for d in docs] == ["http://x.example/0", "http://x.example/2"]
    [skip] = skips
    assert skip.where == "export.jsonl line 2" and skip.kind == "too-large" and "RAG_MAX_FILE_BYTES" in skip.reason


def test_a_big_export_is_not_limited_as_one_article(tmp_path):
    f = tmp_path / "export.jsonl"
    with f.open("w") as fh:
        for i in range(300):
            fh.write(json.dumps({"url": f"http://x.example/{i}", "text": f"Story {i}. " + "Words here. " * 30}) + "\n")
    assert f.stat().st_size > 100_000
    docs, skips = load([f], max_file_bytes=100_000)
    assert len(docs) == 300 and not skips


def test_utf16_files_are_text(tmp_path):
    (tmp_path / "u16.txt").write_bytes("Kabul talks resumed on Monday.".encode("utf-16"))
    [doc], skips = load([tmp_path])
    assert doc.text == "Kabul talks resumed on Monday." and not skips


@pytest.mark.parametrize("name,content,kind,message", [
    ("empty.txt", b"  \n", "empty", "empty"),
    ("bin.txt", b"\x00\x01\x02abc", "binary", "binary"),
    ("latin.txt", "caf\u00e9 na\u00efve".encode("latin-1"), "encoding", "UTF-8"),
    ("data.pdf", b"%PDF-1.4", "unknown-type", "unknown file type"),
])
def test_bad_files_are_skipped_with_a_message_naming_the_file_and_fix(tmp_path, name, content, kind, message):
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text("A real article about Kabul.")
    docs, skips = load([tmp_path])
    assert [d.source for d in docs] == ["good.txt"]
    [skip] = skips
    assert name in skip.reason and message in skip.reason


def test_unreadable_file_and_folder_are_named(tmp_path, monkeypatch):
    """A file and a folder we may not read (chmod 000): both named with the fix, the rest read."""
    (tmp_path / "good.txt").write_text("A real article about Kabul.")
    locked = tmp_path / "locked.txt"
    locked.write_text("secret")
    shut = tmp_path / "shut"
    shut.mkdir()
    (shut / "x.txt").write_text("hidden")
    locked.chmod(0)
    shut.chmod(0)
    if os.geteuid() == 0:  # root reads anything: make the OS answer as it does for everyone else
        real_read, real_scandir = Path.read_bytes, os.scandir

        def read_bytes(self):
            if self == locked:
                raise PermissionError(13, "Permission denied", str(self))
            return real_read(self)

        def scandir(path="."):
            if Path(path) == shut:
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
        monkeypatch.setattr(os, "scandir", scandir)
    try:
        docs, skips = load([tmp_path])
    finally:
        locked.chmod(0o644)
        shut.chmod(0o755)
    assert [d.source for d in docs] == ["good.txt"]
    assert [s.kind for s in skips] == ["unreadable", "unreadable"]
    assert all("chmod" in s.reason for s in skips)


def test_links_dangling_and_looping_are_named_not_walked_forever(tmp_path):
    (tmp_path / "good.txt").write_text("A real article about Kabul.")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "loop").symlink_to(tmp_path)
    docs, skips = load([tmp_path])
    assert [d.source for d in docs] == ["good.txt"]
    assert sorted(s.kind for s in skips) == ["link", "link"]
    assert any("does not exist" in s.reason for s in skips) and any("loop" in s.reason for s in skips)


def test_front_matter_and_sidecar_metadata(tmp_path):
    (tmp_path / "a.txt").write_text("---\ntitle: Port reopens\ndate: March 9, 2023\noutlet: Harbour Times\n"
                                    "author: Ann Lee\n---\nThe port reopened on Thursday after repairs.\n")
    (tmp_path / "b.txt").write_text("The bridge closed for a week of repairs.\n")
    (tmp_path / "b.txt.meta.json").write_text(json.dumps({"date": "2023-03-01", "outlet": "City Wire",
                                                          "url": "https://citywire.example/bridge"}))
    docs, skips = load([tmp_path])
    a, b = sorted(docs, key=lambda d: d.source)
    assert not skips and len(docs) == 2  # the sidecar is metadata, not an article
    assert (a.title, a.date, a.outlet, a.author) == ("Port reopens", "2023-03-09", "Harbour Times", "Ann Lee")
    assert "---" not in a.text and a.text.startswith("The port reopened")
    assert (b.date, b.outlet, b.url) == ("2023-03-01", "City Wire", "https://citywire.example/bridge")


def test_no_date_stays_unknown(tmp_path):
    (tmp_path / "a.txt").write_text("The port reopened on Thursday after repairs.\n")
    [doc], _ = load([tmp_path])
    assert doc.date == ""  # never the file's modification time


def test_keys_do_not_depend_on_where_the_folder_lies(tmp_path):
    for parent in ("one", "two"):
        (tmp_path / parent / "news").mkdir(parents=True)
        (tmp_path / parent / "news" / "a.txt").write_text("The port reopened on Thursday.")
    [a], _ = load([tmp_path / "one" / "news"])
    [b], _ = load([tmp_path / "two" / "news"])
    assert a.key == b.key == "news/a.txt"


def test_missing_path_names_the_fix(tmp_path):
    with pytest.raises(BadInput, match="rag ingest seeds/"):
        load([tmp_path / "nope"])

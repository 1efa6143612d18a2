import json

import pytest

from rag.errors import BadInput
from rag.ingest.loading import load_file, load_paths, parse_html


def test_html_page_text_title_outlet_and_no_script(tmp_path):
    f = tmp_path / "page.html"
    f.write_text("""<html><head><title>Site | Story</title><meta property="og:site_name" content="Daily Wire">
    <meta property="og:title" content="Kabul talks resume"><script>alert(1)</script><style>p{}</style></head>
    <body><nav>Home | World</nav><article><h1>Kabul talks resume</h1><p>Envoys met in Kabul on Monday.</p>
    <p>They agreed to meet again.</p></article><footer>© 2025 Daily Wire</footer></body></html>""")
    [doc] = load_file(f)
    assert doc.title == "Kabul talks resume" and doc.outlet == "Daily Wire"
    assert "Envoys met in Kabul on Monday." in doc.text and "They agreed to meet again." in doc.text
    assert "alert" not in doc.text and "Home | World" not in doc.text and "©" not in doc.text


def test_markdown_markup_is_removed(tmp_path):
    f = tmp_path / "a.md"
    f.write_text("# Big news\n\nThe **council** voted [yes](http://x) on Monday.\n")
    [doc] = load_file(f)
    assert doc.title == "Big news"
    assert "The council voted yes on Monday." in doc.text


def test_jsonl_records_with_metadata(tmp_path):
    f = tmp_path / "a.jsonl"
    rows = [{"title": "One", "url": "http://a/1", "text": "First article text here.", "publish_date": "2023/01/05"},
            {"title": "Two", "url": "http://a/2", "text": "Second article text.", "date": "2023-02-01"},
            {"title": "No text"}]
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")
    docs = load_file(f)
    assert [d.title for d in docs] == ["One", "Two"]
    assert docs[0].url == "http://a/1" and docs[0].date == "2023/01/05" and docs[1].date == "2023-02-01"
    assert docs[0].key != docs[1].key


@pytest.mark.parametrize("name,content,message", [
    ("empty.txt", b"  \n", "empty"),
    ("bin.txt", b"\x00\x01\x02abc", "binary"),
    ("latin.txt", "caf\u00e9 na\u00efve".encode("latin-1"), "UTF-8"),
    ("data.pdf", b"%PDF-1.4", "unknown file type"),
])
def test_bad_files_are_skipped_with_a_message_naming_the_file_and_fix(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text("A real article about Kabul.")
    loaded = load_paths([tmp_path])
    assert [d.source for d in loaded.documents] == ["good.txt"]
    [reason] = loaded.skipped
    assert name in reason and message in reason


def test_missing_path_names_the_fix(tmp_path):
    with pytest.raises(BadInput, match="rag ingest seeds/"):
        load_paths([tmp_path / "nope"])


def test_parse_html_keeps_entities_as_text():
    page = parse_html("<p>Tom &amp; Jerry &lt;script&gt;</p>")
    assert page.text == "Tom & Jerry <script>"

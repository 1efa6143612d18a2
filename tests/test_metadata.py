import json
import logging
from datetime import date, datetime
from pathlib import Path

import pytest

from rag.ingest.metadata import (
    ArticleMeta,
    from_front_matter,
    from_html,
    from_record,
    from_sidecar,
    host_of,
    normalise_date,
)
from tests.news_pages import PAGES

RTQA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "realtimeqa"


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", sorted(PAGES))
def test_html_keeps_the_article_drops_the_chrome_and_reads_the_metadata(name):
    page = PAGES[name]
    text, meta = from_html(page.html)
    for paragraph in page.paragraphs:
        assert _squash(paragraph) in _squash(text)
    for chrome in page.chrome:
        assert chrome.lower() not in text.lower()
    assert (meta.title, meta.outlet, meta.author, meta.date) == (page.title, page.outlet, page.author, page.date)


def test_html_paragraphs_are_lines():
    text, _ = from_html(PAGES["full"].html)
    lines = {_squash(ln) for ln in text.splitlines()}
    assert all(_squash(p) in lines for p in PAGES["full"].paragraphs)


def test_html_publish_date_not_modified_date_nor_copyright_year():
    _, full = from_html(PAGES["full"].html)  # dateModified 2023-03-10 in JSON-LD, footer (c) 2024
    _, nodate = from_html(PAGES["nodate"].html)  # only a footer (c) 2024 and a 1998 date in the text
    assert full.date == "2023-03-09" and nodate.date == ""


def test_html_url_and_its_host_and_date_when_the_page_has_none():
    url = "https://www.valleycourier.example/news/2023/03/09/road-closed"
    text, meta = from_html("<html><head><title>Road closed</title></head><body><article><p>The A12 is closed "
                           "northbound after a crash on Thursday.</p></article></body></html>", url=url)
    assert "The A12 is closed" in text
    assert meta.url == url and meta.outlet == "valleycourier.example" and meta.date == "2023-03-09"


def test_html_canonical_url_from_the_page():
    _, meta = from_html(PAGES["full"].html)
    assert meta.url == "https://harbourgazette.example/news/kestrel-bridge-reopens"


@pytest.mark.parametrize("html", ["", "   ", "https://example.com/story", "<html><body><script>x()</script></body>"])
def test_html_without_article_gives_empty_text_and_never_fetches(html, monkeypatch):
    import urllib3

    def no_network(*args, **kwargs):
        raise AssertionError("from_html tried to fetch")

    monkeypatch.setattr(urllib3.PoolManager, "request", no_network)
    text, meta = from_html(html)
    assert text == "" and meta.date == ""


@pytest.mark.parametrize("value,expected", [
    ("2023-03-09", "2023-03-09"),
    ("2023/03/09", "2023-03-09"),
    ("March 9, 2023", "2023-03-09"),
    ("9 March 2023", "2023-03-09"),
    ("Thu, 09 Mar 2023 10:00:00 GMT", "2023-03-09"),
    ("2023-03-09T23:30:00-05:00", "2023-03-09"),  # the date as the outlet wrote it, not moved to UTC
    ("2023-03-09T01:15:00+09:00", "2023-03-09"),
    ("2023-03-09T10:00:00Z", "2023-03-09"),
    (date(2023, 3, 9), "2023-03-09"),
    (datetime(2023, 3, 9, 22, 0), "2023-03-09"),
    ("March 2023", ""),  # no day: unknown, not the 1st
    ("2023", ""),
    ("1678320000", ""),  # epoch seconds are not read as a date
    (1678320000, ""),
    ("yesterday", ""),
    ("2023-02-30", ""),
    ("", ""),
    (None, ""),
    ("0001-01-01", ""),
])
def test_normalise_date(value, expected):
    assert normalise_date(value) == expected


def test_front_matter_is_read_and_removed():
    text = ("---\ntitle: \"Kabul talks resume: envoys meet\"\npublished: 2023-03-09T08:00:00Z\n"
            "site_name: Daily Wire\nauthors: [Ann Lee, Bo Chan]\nlink: https://dailywire.example/kabul\n---\n"
            "Envoys met in Kabul on Monday.\n")
    body, meta = from_front_matter(text)
    assert body == "Envoys met in Kabul on Monday.\n"
    assert meta == ArticleMeta(title="Kabul talks resume: envoys meet", outlet="Daily Wire", author="Ann Lee, Bo Chan",
                               url="https://dailywire.example/kabul", date="2023-03-09")


def test_front_matter_list_lines_and_url_host_as_outlet():
    body, meta = from_front_matter("---\nbyline:\n  - Ann Lee\n  - Bo Chan\nurl: https://www.metro.example/a\n"
                                   "date: 9 March 2023\n---\nText.")
    assert body == "Text." and meta.author == "Ann Lee, Bo Chan" and meta.outlet == "metro.example"
    assert meta.date == "2023-03-09"


@pytest.mark.parametrize("text", [
    "No front matter here.\n---\ntitle: x\n---\n",
    "---\ntitle: never closed\nEnvoys met.\n",
    "---\nA rule under an opening line, then prose.\n---\nMore prose.\n",
])
def test_text_without_front_matter_is_unchanged(text):
    body, meta = from_front_matter(text)
    assert body == text and meta == ArticleMeta()


def test_sidecar_beside_the_article(tmp_path):
    article = tmp_path / "story.txt"
    article.write_text("Envoys met.")
    assert from_sidecar(article) is None
    (tmp_path / "story.txt.meta.json").write_text(json.dumps(
        {"title": "Talks", "publish_date": "2023/03/09", "source": "Wire", "authors": ["Ann Lee"], "url": "u"}))
    expected = ArticleMeta(title="Talks", outlet="Wire", author="Ann Lee", url="u", date="2023-03-09")
    assert from_sidecar(article) == expected
    assert from_sidecar(tmp_path / "story.txt.meta.json") == expected  # the sidecar's own path works too


def test_sidecar_without_the_article_suffix(tmp_path):
    (tmp_path / "story.meta.json").write_text('{"date": "March 9, 2023"}')
    assert from_sidecar(tmp_path / "story.md") == ArticleMeta(date="2023-03-09")


@pytest.mark.parametrize("content,message", [
    ("{not json", "not valid JSON (line 1"),
    ("[1, 2]", "holds a JSON list, not an object"),
    (b"\xff\xfe\x00bad", "cannot read it"),
])
def test_invalid_sidecar_warns_naming_the_file_and_the_fix(tmp_path, caplog, content, message):
    side = tmp_path / "story.txt.meta.json"
    side.write_bytes(content if isinstance(content, bytes) else content.encode())
    with caplog.at_level(logging.WARNING):
        assert from_sidecar(tmp_path / "story.txt") is None
    assert message in caplog.text and str(side) in caplog.text and "delete it" in caplog.text


def test_sidecar_with_an_unreadable_date_keeps_the_rest_and_warns(tmp_path, caplog):
    (tmp_path / "a.txt.meta.json").write_text('{"title": "T", "date": "spring 2023"}')
    with caplog.at_level(logging.WARNING):
        meta = from_sidecar(tmp_path / "a.txt")
    assert meta == ArticleMeta(title="T") and "spring 2023" in caplog.text and "YYYY-MM-DD" in caplog.text


def test_record_fields_and_fallbacks():
    rec = {"title": " One ", "url": "https://www.cnn.example/2023/01/05/x", "publish_date": "2023/01/05",
           "authors": ["A B", "", "C D"], "text": "..."}
    assert from_record(rec) == ArticleMeta(title="One", outlet="cnn.example", author="A B, C D",
                                           url="https://www.cnn.example/2023/01/05/x", date="2023-01-05")
    assert from_record({"date": "2023-02-01", "site_name": "Metro", "author": "Ann"}) == ArticleMeta(
        outlet="Metro", author="Ann", date="2023-02-01")
    assert from_record({"published": None, "authors": None}) == ArticleMeta()
    assert from_record({"Publish Date": "2023-01-05", "Site-Name": "Metro"}) == ArticleMeta(outlet="Metro",
                                                                                        date="2023-01-05")


def test_host_of():
    assert host_of("https://www.usatoday.example/story") == "usatoday.example"
    assert host_of("not a url") == "" and host_of("http://[bad") == ""


def test_fill_takes_only_missing_fields():
    a = ArticleMeta(title="A", date="2023-01-01")
    assert a.fill(ArticleMeta(title="B", outlet="O", date="2020-01-01")) == ArticleMeta(
        title="A", outlet="O", date="2023-01-01")
    assert a.fill(None) is a


@pytest.mark.skipif(not RTQA.is_dir(), reason="RealTime QA benchmark folder not present")
def test_real_realtimeqa_records_give_date_outlet_and_url():
    # Read at run time, never copied: the first results of the first week's file.
    path = sorted(RTQA.glob("*_gcs.jsonl"))[0]
    with path.open() as f:
        results = [r for line in list(f)[:3] for r in json.loads(line)["search_result"]]
    assert results
    for rec in results:
        meta = from_record(rec)
        assert meta.url == rec["url"] and meta.outlet and "www." not in meta.outlet
        assert meta.outlet in rec["url"]
        if rec.get("publish_date"):
            assert meta.date == rec["publish_date"].replace("/", "-")
        if rec.get("authors"):
            assert meta.author.split(", ")[0] == rec["authors"][0].strip()

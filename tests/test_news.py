"""News-native: dates, outlets and authors on citations; date and outlet filters; near-copies collapsed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from rag import RAG, RagError
from rag.records import Filters

STORY = "The harbour bridge in Portvale {verb} on {day} after {n} weeks of repairs, the city council said."
RECORDS = [
    {"url": "https://harbourtimes.example/a", "title": "Bridge closes", "publish_date": "2023-01-10",
     "authors": ["Ann Lee"], "text": STORY.format(verb="closed", day="Tuesday", n=3) + " Traffic moved to ferries."},
    {"url": "https://citywire.example/b", "title": "Bridge reopens", "publish_date": "2023-03-09T08:00:00Z",
     "outlet": "City Wire", "text": STORY.format(verb="reopened", day="Thursday", n=8) + " Ferries stop on Friday."},
    # a syndicated near-copy of the March story in another outlet
    {"url": "https://valleypost.example/c", "title": "Bridge reopens", "publish_date": "2023-03-09",
     "outlet": "Valley Post", "text": STORY.format(verb="reopened", day="Thursday", n=8) + " Ferries stop on Friday."},
    {"url": "https://undated.example/d", "title": "Ferry history", "text": "Portvale ferries first ran in 1901."},
]


@pytest.fixture
def news(tmp_path: Path, settings, fake_embedder, fake_generator) -> RAG:
    export = tmp_path / "export.jsonl"
    export.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    rag = RAG(settings, embedder=fake_embedder, generator=fake_generator)
    report = rag.ingest([export])
    assert report.added == 4 and report.duplicate_groups == 1
    return rag


def test_citations_carry_date_outlet_url_author(news):
    hits = news.retrieve("When did the Portvale harbour bridge close?")
    jan = next(h.chunk for h in hits if "closed" in h.chunk.text)
    assert (jan.date, jan.outlet, jan.url, jan.author) == ("2023-01-10", "harbourtimes.example",
                                                             "https://harbourtimes.example/a", "Ann Lee")


def test_near_copies_fill_one_slot_and_are_named(news):
    hits = news.retrieve("harbour bridge reopened Thursday ferries", top_k=5)
    march = [h.chunk for h in hits if "reopened" in h.chunk.text]
    assert len(march) == 1  # the copy in the other outlet does not take a second slot
    [copy] = news.retriever.copies(march[0].doc_key)
    assert {copy.outlet, march[0].outlet} == {"City Wire", "Valley Post"}


@pytest.mark.parametrize("filters,allowed", [
    (Filters(since=date(2023, 3, 1)), {"https://citywire.example/b", "https://valleypost.example/c"}),
    (Filters(until=date(2023, 1, 31)), {"https://harbourtimes.example/a"}),
    (Filters(outlets=("harbourtimes.example",)), {"https://harbourtimes.example/a"}),
    (Filters(outlets=("valley post",)), {"https://valleypost.example/c"}),
])
def test_filtered_retrieval_never_leaves_the_window(news, filters, allowed):
    hits = news.retrieve("Portvale harbour bridge ferries", top_k=5, filters=filters)
    assert hits and {h.chunk.url for h in hits} <= allowed


def test_filtered_answer_cites_only_inside_the_window(news, fake_generator):
    fake_generator.default = " Tuesday"
    a = news.ask("On what day did the harbour bridge close?", until="2023-01-31")
    assert all(c.date <= "2023-01-31" and c.date for c in a.citations + a.closest)
    a = news.ask("On what day did the harbour bridge close?", since="2023-03-01", outlets=["City Wire"])
    assert all(c.outlet == "City Wire" for c in a.citations + a.closest)
    assert a.to_json()["citations"] == [] or set(a.to_json()["citations"][0]) >= {"date", "outlet", "url", "author"}


@pytest.mark.parametrize("since,until,match", [("03/31", None, "YYYY-MM-DD"), ("2023-03-10", "2023-03-01", "empty")])
def test_bad_dates_get_a_message_naming_the_fix(news, since, until, match):
    with pytest.raises(RagError, match=match):
        news.ask("When did the bridge reopen?", since=since, until=until)


def test_this_week_prefers_that_weeks_articles(news):
    from rag.search.dates import time_window

    window = time_window("What happened to the bridge this week?", date(2023, 3, 10))
    assert window is not None
    hits = news.retrieve("harbour bridge Portvale", top_k=3, window=window)
    assert hits[0].chunk.date.startswith("2023-03")


def test_articles_are_listed_newest_first_with_groups(news):
    arts = news.articles()
    assert [a.date for a in arts] == ["2023-03-09", "2023-03-09", "2023-01-10", ""]
    march = [a for a in arts if a.date == "2023-03-09"]
    assert march[0].group == march[1].group != ""

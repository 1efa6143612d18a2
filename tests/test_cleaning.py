from pathlib import Path

from rag.ingest.cleaning import clean_article, is_chrome
from rag.ingest.loading import load

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed(name: str) -> str:
    return next(SEEDS.glob(f"{name}_*.txt")).read_text(encoding="utf-8")


def test_page_chrome_is_removed_from_news_page():
    text = clean_article(seed("004")).text
    for chrome in ("Loading...", "Getting Data", "Total votes", "Please sign in", "ALSO READ", "All rights reserved",
                   "© 2025", "3 min read", "AvatarMB", "Dogecoin"):
        assert chrome not in text, chrome
    # substantive sentences, including the "Did you know?" fact, are kept
    assert "The Soviet Union’s invasion of Afghanistan in 1979" in text
    assert "primary security guarantor" in text


def test_read_next_headlines_are_kept_but_timestamps_and_prompts_dropped():
    text = clean_article(seed("001")).text
    assert "Pakistan has announced it will appoint an ambassador to Afghanistan" in text
    assert "scheduled for June 2 in Istanbul" in text
    for chrome in ("00:55", "13:40", "Read next", "What is your opinion", "Leave the first comment", "UKRAINE-RUSSIA"):
        assert chrome not in text, chrome


def test_title_and_outlet_found_when_the_page_has_them():
    c = clean_article(seed("004"))
    assert c.title == "Russia’s Formal Recognition of the Taliban Redraws Diplomatic Lines in Central Asia"
    assert c.outlet == "MoneyOval"
    assert "By MoneyOval Bureau" in c.text  # the byline stays: "who wrote it?" is a fair question
    assert "MoneyOval is a global media company" not in c.text  # the outlet's footer blurb goes


def test_glued_sentences_are_separated_and_broken_quotes_joined():
    c = clean_article(seed("000")).text
    assert "Central Asia. Russian Foreign Minister" in c
    assert not c.rstrip().endswith("Source:")
    q = clean_article(seed("002")).text
    assert "in various fields,” stated a spokesperson" in q


def test_is_chrome_keeps_real_sentences():
    assert is_chrome("Total votes: 166")
    assert is_chrome("12:30")
    assert is_chrome("ALSO READ | Something else")
    assert not is_chrome("Russia will send the same delegation to Istanbul.")
    assert not is_chrome("Security Concerns and Counterterrorism Calculations")


def test_every_seed_loads_with_a_title(tmp_path):
    for f in sorted(SEEDS.glob("*.txt")):
        [doc], _ = load([f])
        assert doc.title and doc.text and doc.source == f.name

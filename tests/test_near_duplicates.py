import random

import pytest

from rag.ingest import near_duplicates as nd

_WORDS = ("council harbour bridge vote minister budget storm river market school police court strike talks "
          "league season airport railway hospital energy price union mayor museum festival farmers").split()


def _article(seed: int, n: int = 300) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(_WORDS) + ("." if i % 12 == 11 else "") for i in range(n))


def _edited(text: str, every: int, seed: int = 0) -> str:
    """The same article with one word in `every` changed: a re-published copy with light edits."""
    rng = random.Random(seed)
    words = text.split()
    return " ".join("edited" if i % every == 0 and rng.random() < 0.9 else w for i, w in enumerate(words))


def test_signature_is_compact_deterministic_and_text_sensitive():
    a = _article(1)
    sig = nd.signature(a)
    assert sig == nd.signature(a) and sig.isascii() and len(sig) < 800
    assert nd.signature(a.upper()) == sig  # case does not matter
    assert nd.signature(_article(2)) != sig


def test_similarity_tracks_the_share_of_shared_shingles():
    a = _article(1)
    assert nd.similarity(nd.signature(a), nd.signature(a)) == 1.0
    assert nd.similarity(nd.signature(a), nd.signature(_edited(a, 40))) > 0.6
    assert nd.similarity(nd.signature(a), nd.signature(_article(2))) < 0.2


def test_texts_without_words_are_never_grouped():
    assert nd.signature("") == "" and nd.signature("  ... — !") == ""
    groups = nd.group({"a": "", "b": "", "c": nd.signature(_article(3))})
    assert groups == {"a": "a", "b": "b", "c": "c"}


def test_copies_are_grouped_and_different_articles_are_not():
    base, other = _article(1), _article(2)
    sigs = {"wire/original": nd.signature(base), "paper-b/copy": nd.signature(_edited(base, 50, seed=1)),
            "paper-c/copy": nd.signature(_edited(base, 60, seed=2)), "paper-d/other": nd.signature(other)}
    groups = nd.group(sigs)
    assert groups["wire/original"] == groups["paper-b/copy"] == groups["paper-c/copy"]
    assert groups["paper-d/other"] == "paper-d/other"
    assert groups["paper-b/copy"] == "paper-b/copy"  # without `prefer`, the smallest key represents the group


def test_prefer_chooses_the_representative():
    base = _article(5)
    sigs = {"a": nd.signature(base), "b": nd.signature(_edited(base, 50))}
    dates = {"a": "2023-03-09", "b": "2023-03-01"}
    assert nd.group(sigs, prefer=dates.__getitem__) == {"a": "b", "b": "b"}
    longest_first = {"a": -10, "b": -20}
    assert nd.group(sigs, prefer=longest_first.__getitem__) == {"a": "b", "b": "b"}


def test_grouping_is_deterministic_whatever_the_input_order():
    texts = {f"k{i}": _article(i % 3) if i < 6 else _article(100 + i) for i in range(10)}
    sigs = {k: nd.signature(t) for k, t in texts.items()}
    first = nd.group(sigs)
    reordered = dict(reversed(list(sigs.items())))
    assert nd.group(reordered) == first
    assert len(set(first.values())) == 3 + 4  # three repeated articles, four singletons


def test_threshold_decides():
    base = _article(7)
    copy = _edited(base, 12)  # about one word in 12 changed: J well below 1
    j = nd.similarity(nd.signature(base), nd.signature(copy))
    sigs = {"a": nd.signature(base), "b": nd.signature(copy)}
    assert nd.group(sigs, threshold=max(j - 0.1, 0.05))["b"] == "a"
    assert nd.group(sigs, threshold=min(j + 0.1, 0.95))["b"] == "b"


def test_foreign_or_corrupt_signatures_stay_singletons(caplog):
    good = nd.signature(_article(1))
    sigs = {"a": good, "b": "mh3x64legacy:AAAA", "c": good[:-8] + "!!!!!!!!"}
    assert nd.group(sigs) == {"a": "a", "b": "b", "c": "c"}
    assert "re-ingest" in caplog.text


@pytest.mark.parametrize("threshold", [0.0, 1.0, 1.5])
def test_threshold_out_of_range_is_refused(threshold):
    with pytest.raises(ValueError, match="between 0 and 1"):
        nd.group({}, threshold=threshold)


def test_short_text_is_one_shingle():
    assert nd.shingles("Two words") == {b"two words"}

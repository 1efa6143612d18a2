"""Pure metric functions, each with its formula; no models, no files. Aggregates live in report.py.

Text normalisation used by every answer metric (SQuAD-style, plus citation markers removed):

>>> normalise("The Russian Ambassador, Dmitry Zhirnov [1][2], said 15,000.")
'russian ambassador dmitry zhirnov said 15000'
>>> contains_answer("Dmitry Zhirnov [1]", ["Zhirnov"]), contains_answer("Zhirnova [1]", ["Zhirnov"])
(True, False)
>>> round(token_f1("Sergey Lavrov, the minister", "Lavrov"), 3)
0.5
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from typing import Iterable, Sequence

from ..answer.grounding import MARKER, check_claim, lexical_support

_ARTICLES = {"a", "an", "the"}
_DIGIT_GROUP = re.compile(r"(?<=\d)[,\u202f\u00a0](?=\d{3}\b)")

# An answer sentence passes the independent lexical baseline when at least this share of its non-stopword
# tokens (exact, unstemmed) occur in its cited passages. 0.6 is the same bar the product's checker puts on
# content words (grounding.MIN_WORD_SUPPORT), but without its stemming and its all-names-and-numbers rule:
# where the two disagree, one of them is too lenient or too strict on that sentence.
LEXICAL_THRESHOLD = 0.6


def normalise(text: str) -> str:
    """Lower case, [n] markers and punctuation removed, digit groups joined, articles dropped, spaces collapsed."""
    text = MARKER.sub(" ", text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = _DIGIT_GROUP.sub("", text)
    text = re.sub(r"['’]s\b", "", text)
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(w for w in text.split() if w not in _ARTICLES)


def contains_answer(text: str, golds: Iterable[str]) -> bool:
    """Normalised containment: 1 if some gold g has normalise(g) as a whole-word run inside normalise(text).

    correct_contain(q) = max_g [ " " + norm(g) + " "  ⊆  " " + norm(answer) + " " ]
    """
    hay = f" {normalise(text)} "
    return any(f" {g} " in hay for g in (normalise(g) for g in golds) if g)


_EVIDENCE_QUOTE = re.compile(r"\s*[—–]\s*“(.+?)”\s*(?=\[\d)")


def answer_span(text: str, passages: Iterable[str]) -> str:
    """The answer proper: `text` minus evidence quotes, i.e. a verbatim copy of a cited passage put in “…” after
    a dash ("Zhirnov — “Ambassador Dmitry Zhirnov met …” [1]" -> "Zhirnov [1]"), so a wrong answer is not
    credited for the right words inside the sentence it quotes. An answer that is only a quote keeps it.

    >>> answer_span("Muttaqi — “Muttaqi met Zhirnov.” [1]", ["Muttaqi met Zhirnov."])
    'Muttaqi [1]'
    >>> answer_span("“Muttaqi met Zhirnov.” [1]", ["Muttaqi met Zhirnov."])
    '“Muttaqi met Zhirnov.” [1]'
    """
    cited = [normalise(p) for p in passages]

    def strip(m: re.Match[str]) -> str:
        quote = normalise(m.group(1))
        return " " if quote and any(quote in c for c in cited) else m.group(0)

    span = _EVIDENCE_QUOTE.sub(strip, text).strip()
    return re.sub(r"\s+(?=\[\d)", " ", span) if normalise(span) else text


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD token F1 of normalised tokens: P = |p ∩ g| / |p|, R = |p ∩ g| / |g|, F1 = 2PR / (P + R)."""
    p, g = normalise(prediction).split(), normalise(gold).split()
    common = sum((Counter(p) & Counter(g)).values())
    if not p or not g or common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def best_f1(prediction: str, golds: Iterable[str]) -> float:
    """F1(q) = max over gold answers g of token_f1(answer, g); 0 when there is no gold answer."""
    return max((token_f1(prediction, g) for g in golds), default=0.0)


def first_gold_rank(ranked_sources: Sequence[str], gold_sources: Iterable[str]) -> int | None:
    """1-based rank of the first retrieved chunk whose source file is a gold source, or None."""
    gold = set(gold_sources)
    for i, src in enumerate(ranked_sources, 1):
        if src in gold:
            return i
    return None


def hit_at_k(ranked_sources: Sequence[str], gold_sources: Iterable[str], k: int) -> float:
    """hit@k(q) = 1 if any of the top-k retrieved chunks comes from a gold source file, else 0.

    >>> hit_at_k(["a.txt", "b.txt", "c.txt"], ["c.txt"], 2), hit_at_k(["a.txt", "b.txt", "c.txt"], ["c.txt"], 3)
    (0.0, 1.0)
    """
    rank = first_gold_rank(ranked_sources[:k], gold_sources)
    return 1.0 if rank is not None else 0.0


def reciprocal_rank(ranked_sources: Sequence[str], gold_sources: Iterable[str], k: int) -> float:
    """RR@k(q) = 1 / rank of the first gold-source chunk within the top k, 0 if none; MRR = mean over q.

    >>> reciprocal_rank(["a.txt", "b.txt", "c.txt"], ["b.txt", "c.txt"], 5)
    0.5
    """
    rank = first_gold_rank(ranked_sources[:k], gold_sources)
    return 1.0 / rank if rank else 0.0


def citations_with_answer(passages: Sequence[str], golds: Iterable[str]) -> int:
    """How many cited passages contain a gold answer (normalised containment): the numerator of citation
    precision, whose denominator is the number of citations."""
    golds = list(golds)
    return sum(contains_answer(p, golds) for p in passages)


def citation_recall(cited_sources: Iterable[str], gold_sources: Iterable[str]) -> float:
    """recall(q) = 1 if at least one cited passage comes from a gold source file, else 0."""
    return 1.0 if set(cited_sources) & set(gold_sources) else 0.0


def citations_supporting(claims: Sequence[tuple[str, tuple[int, ...]]], passages: dict[int, str]) -> int:
    """How many citations n support, alone, at least one answer sentence that cites them.

    A citation n counts when some claim carrying [n] passes the product's checker against passage n only:
    check_claim(claim, (n,), {n: passage_n}).supported. (A claim that needs two passages together credits
    neither.) Denominator: the number of citations.
    """
    good = 0
    for n, passage in passages.items():
        if any(n in markers and check_claim(text, (n,), {n: passage}).supported for text, markers in claims):
            good += 1
    return good


def lexical_passes(claim: str, markers: Sequence[int], passages: dict[int, str],
                   threshold: float = LEXICAL_THRESHOLD) -> bool:
    """Independent baseline: lexical_support(claim, cited passages joined) >= threshold (no marker -> False)."""
    cited = " ".join(passages[m] for m in markers if m in passages)
    return bool(cited) and lexical_support(claim, cited) >= threshold


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0..100) by linear interpolation between closest ranks (numpy's default).

    x sorted, h = (n - 1) * p / 100: value = x[⌊h⌋] + (h - ⌊h⌋) * (x[⌈h⌉] - x[⌊h⌋]). None when empty.

    >>> percentile([1, 2, 3, 4], 50), percentile([1, 2, 3, 4], 95), percentile([], 50)
    (2.5, 3.85, None)
    """
    xs = sorted(float(v) for v in values)
    if not xs:
        return None
    h = (len(xs) - 1) * p / 100.0
    lo, hi = math.floor(h), math.ceil(h)
    return round(xs[lo] + (h - lo) * (xs[hi] - xs[lo]), 6)


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    xs = [float(v) for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, None when the denominator is 0 (a metric with nothing to measure)."""
    return numerator / denominator if denominator else None


def cpu_name() -> str:
    """The CPU model and whether it has AVX-512 VNNI (int8 inference is much faster with it), for timing notes."""
    model, flags = "", set[str]()
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            key, _, value = line.partition(":")
            if key.strip() == "model name" and not model:
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        return "unknown CPU"
    simd = "AVX-512 VNNI" if "avx512_vnni" in flags else "AVX-512" if "avx512f" in flags else \
        "AVX2 only" if "avx2" in flags else "no AVX2"
    return f"{model or 'unknown CPU'} ({simd})"

"""Near-duplicate articles (syndicated or re-published copies): MinHash signatures over word shingles, LSH groups."""

from __future__ import annotations

import base64
import logging
import re
from typing import Any, Callable

import numpy as np

log = logging.getLogger(__name__)

# Settings measured on the RealTime QA corpus (2,395 distinct articles, cleaned as ingest cleans them):
# 5-word shingles: one edited word changes only 5 shingles, while two different stories on one topic share
# few 5-word runs. At the threshold below, 3-word shingles added 3 pairs, all different articles on one story
# (follow-ups sharing background); 7-word shingles lost 3 pairs, two of them true updated copies.
SHINGLE_WORDS = 5
# 128 permutations: the estimate of J has a standard error of sqrt(J(1-J)/128), about 0.044 at 0.5; a
# signature is 512 bytes (about 700 characters with its prefix), small enough for per-document metadata.
NUM_PERM = 128
# Estimated Jaccard at or above which two articles count as copies. 0.5 is the knee of the measured curve:
# the 14 RealTime QA groups at 0.5 are mostly one article updated or re-published (11 of 14 true copies when
# read by hand, leaving out two families of scrape failures whose "text" is identical page chrome); the pairs
# between 0.4 and 0.5 are different articles on one story sharing background paragraphs, and raising the bar
# to 0.6 drops true updated copies (J 0.51-0.59) while keeping every false pair (J 0.56-0.73, shared embeds).
THRESHOLD = 0.5

# datasketch >= 2's "affine32" permutations (a bijection on 32-bit hashes; the pre-2.0 "legacy" scheme inflated
# estimates on long texts). Named explicitly: signatures from another scheme or setting are not comparable.
_SCHEME = "affine32"
_FORMAT = f"mh{SHINGLE_WORDS}x{NUM_PERM}{_SCHEME}:"
_WORD = re.compile(r"\w+")
_CANDIDATE_SLACK = 0.15


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[bytes]:
    """Overlapping runs of `size` lower-cased words; a text shorter than that is one shingle.

    >>> sorted(shingles("The cat sat on the mat", size=5))
    [b'cat sat on the mat', b'the cat sat on the']
    """
    words = _WORD.findall(text.lower())
    if not words:
        return set()
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i:i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def signature(text: str) -> str:
    """A compact, storable MinHash signature of the text ("" for a text without words: never grouped)."""
    from datasketch import MinHash  # imports scipy: only at ingest

    grams = shingles(text)
    if not grams:
        return ""
    mh = MinHash(num_perm=NUM_PERM, seed=1, scheme=_SCHEME)
    mh.update_batch(grams)
    packed = np.asarray(mh.hashvalues, dtype="<u4").tobytes()
    return _FORMAT + base64.b64encode(packed).decode("ascii")


def _hashvalues(sig: str) -> np.ndarray | None:
    if not sig.startswith(_FORMAT):
        return None
    try:
        values = np.frombuffer(base64.b64decode(sig[len(_FORMAT):], validate=True), dtype="<u4")
    except ValueError:
        return None
    return values.astype(np.uint32) if len(values) == NUM_PERM else None


def similarity(a: str, b: str) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets, from their signatures (0.0 if either is empty)."""
    va, vb = _hashvalues(a), _hashvalues(b)
    if va is None or vb is None:
        return 0.0
    return float(np.count_nonzero(va == vb)) / NUM_PERM


def group(signatures: dict[str, str], threshold: float = THRESHOLD,
          prefer: Callable[[str], Any] | None = None) -> dict[str, str]:
    """Map each key to its group's representative key (a singleton maps to itself); deterministic.

    Pairs whose estimated Jaccard is >= threshold are joined, and groups are closed under that relation.
    The representative is the member with the smallest `prefer(key)` (e.g. publish date, or minus length),
    ties broken by key; without `prefer`, the smallest key. Empty or foreign signatures stay singletons.
    """
    from datasketch import LeanMinHash, MinHashLSH

    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must lie strictly between 0 and 1, got {threshold}")
    keys = sorted(signatures)
    values: dict[str, np.ndarray] = {}
    foreign = 0
    for key in keys:
        v = _hashvalues(signatures[key])
        if v is not None:
            values[key] = v
        elif signatures[key]:
            foreign += 1
    if foreign:
        log.warning("%d near-duplicate signatures were made with other settings and are left ungrouped; "
                    "re-ingest with --force (or delete the index) to sign them again.", foreign)
    # LSH only proposes candidates, and at its own threshold it misses some pairs just above it (2 of the 28
    # RealTime QA pairs with J >= 0.5). Banding for a lower threshold finds them; the exact check below decides.
    lsh = MinHashLSH(threshold=max(threshold - _CANDIDATE_SLACK, 0.05), num_perm=NUM_PERM)
    hashes = {k: LeanMinHash(seed=1, hashvalues=v, scheme=_SCHEME) for k, v in values.items()}
    for key, mh in hashes.items():
        lsh.insert(key, mh)
    parent = {k: k for k in keys}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for key, mh in hashes.items():
        for other in lsh.query(mh):  # LSH candidates: verify each with the estimated Jaccard
            if other != key and np.count_nonzero(values[key] == values[other]) / NUM_PERM >= threshold:
                ra, rb = find(key), find(other)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, list[str]] = {}
    for key in keys:
        members.setdefault(find(key), []).append(key)
    rank = (lambda k: (prefer(k), k)) if prefer else (lambda k: (k,))
    out: dict[str, str] = {}
    for group_keys in members.values():
        rep = min(group_keys, key=rank)
        out.update({k: rep for k in group_keys})
    return out

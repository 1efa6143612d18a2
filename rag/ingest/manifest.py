"""The manifest's rules: which stored chunks are stale, and which stored articles a scan shows are gone.

An article is stored only when its manifest entry is: the entry is written after all its chunks, and removed
before them. So after a crash, any chunk whose (article, content hash) has no manifest entry is left over
from unfinished work and is deleted, and an article without an entry is simply ingested again.
"""

from __future__ import annotations

from typing import Iterable

from ..records import Article
from .loading import Walk


def stale_chunks(chunks: Iterable[tuple[str, str, str]], manifest: dict[str, Article]) -> list[str]:
    """Ids of chunks (id, article key, content hash) that no complete article owns.

    >>> m = {"a.txt": Article("a.txt", "a.txt", "", "h2", 1)}
    >>> stale_chunks([("1", "a.txt", "h1"), ("2", "a.txt", "h2"), ("3", "b.txt", "h9")], m)
    ['1', '3']
    """
    out = []
    for cid, key, content_hash in chunks:
        owner = manifest.get(key)
        if owner is None or owner.content_hash != content_hash:
            out.append(cid)
    return out


def gone(manifest: dict[str, Article], walk: Walk, seen: set[str]) -> list[str]:
    """Keys of stored articles that the scan shows are no longer there. A file that could not be read (or a
    JSONL file with unreadable lines) keeps what the index holds for it: only what is positively gone goes.

    >>> w = Walk(prefixes=["news/"], files={"news/a.txt", "news/x.jsonl"}, complete={"news/a.txt", "news/x.jsonl"})
    >>> m = {k: Article(k, k, "", "h", 1) for k in ("news/a.txt", "news/b.txt", "news/x.jsonl#u1", "news/x.jsonl#u2",
    ...                                            "other/c.txt")}
    >>> gone(m, w, seen={"news/a.txt", "news/x.jsonl#u1"})
    ['news/b.txt', 'news/x.jsonl#u2']
    """
    out = []
    for key in manifest:
        if key in seen:
            continue
        file_key = key.split("#", 1)[0]
        if file_key in walk.complete:
            out.append(key)  # the file was read whole and no longer holds this article
        elif file_key in walk.files:
            continue  # present but unreadable now: keep what we have
        elif any(file_key.startswith(prefix) for prefix in walk.prefixes):
            out.append(key)  # its folder was listed and the file is not there
    return out

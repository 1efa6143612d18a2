"""Frozen records passed between the pipeline's stages (Document -> Chunk -> Hit -> Citation -> Answer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Document:
    """One cleaned article. `text` is the cleaned text every offset refers to."""

    key: str  # stable identity that survives moving the folder: "seeds/002.txt", "export.jsonl#<url>"
    source: str  # file name shown to people, e.g. 002_4d463e3a40082f53.txt
    title: str
    text: str
    content_hash: str  # sha256 of the raw bytes (+ ingest version): unchanged file -> nothing to embed
    outlet: str = ""
    url: str = ""
    date: str = ""  # publish date, ISO YYYY-MM-DD; "" when unknown (never a file's mtime)
    author: str = ""


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of a Document, with character offsets into Document.text."""

    id: str
    doc_key: str
    source: str
    title: str
    text: str
    start: int
    end: int
    index: int
    outlet: str = ""
    url: str = ""
    date: str = ""
    author: str = ""


@dataclass(frozen=True)
class Article:
    """The manifest's entry for one stored article: written only after all its chunks are stored."""

    key: str
    source: str
    title: str
    content_hash: str
    chunks: int  # how many chunks it has (their ids follow from key, content_hash and index)
    outlet: str = ""
    url: str = ""
    date: str = ""
    author: str = ""
    signature: str = ""  # MinHash of its text, for near-duplicate grouping
    group: str = ""  # key of its near-duplicate group's representative ("" or its own key: no copies)


@dataclass(frozen=True)
class Filters:
    """Which articles a question may draw on: a publish-date window and/or outlets (empty = no limit)."""

    since: date | None = None
    until: date | None = None
    outlets: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.outlets)


@dataclass(frozen=True)
class Question:
    """A question read once (rag/answer/question.py), shared by retrieval, the gate and the readers."""

    text: str  # the user's words, cleaned
    query: str  # what retrieval searches: the text, or a follow-up rewritten with the conversation
    shape: str = "factoid"  # factoid, summary, why, how, list, yesno, compare, timeline (rag/answer/shape.py)
    answer_type: str = ""  # the asked kind of entity (person, place, date, number ...; rag/answer/answer_types.py)

    @property
    def is_open(self) -> bool:
        """Asks for an answer of several sentences, not one short span."""
        return self.shape != "factoid"


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the ranks it got from each retriever."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dense_similarity: float | None = None


@dataclass(frozen=True)
class Passage:
    """A sentence shown to the reader, numbered [n], inside the chunk it came from."""

    n: int
    sentence: str
    chunk: Chunk
    start: int  # offsets of the sentence in the Document's cleaned text
    end: int
    score: float = 0.0


@dataclass(frozen=True)
class Claim:
    """One answer sentence, the markers it carries and what the grounding check found."""

    text: str
    markers: tuple[int, ...]
    supported: bool
    support: float  # 0..1: share of the claim's content words, names and numbers found in its cited passages
    missing: tuple[str, ...] = ()  # names/numbers/words the cited passages do not contain


@dataclass(frozen=True)
class Citation:
    """A passage the answer cites. `text` is the passage; `quote` the sentence that supports the claim."""

    n: int
    source: str
    title: str
    text: str
    quote: str = ""
    quote_start: int = 0  # offsets of `quote` inside `text` (for highlighting)
    quote_end: int = 0
    doc_start: int = 0  # offsets of `text` inside the cleaned article
    doc_end: int = 0
    chunk_id: str = ""
    doc_key: str = ""
    outlet: str = ""
    url: str = ""
    date: str = ""
    author: str = ""
    also_in: tuple[str, ...] = ()  # outlets that carry a near-copy of the same article
    score: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "source": self.source, "title": self.title, "text": self.text, "quote": self.quote,
                "date": self.date, "outlet": self.outlet, "url": self.url, "author": self.author,
                "also_in": list(self.also_in)}


@dataclass(frozen=True)
class Timings:
    retrieval_s: float = 0.0
    first_token_s: float | None = None
    total_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class Answer:
    """What every face renders. `text` carries inline [n] markers that index `citations`."""

    question: str
    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    closest: list[Citation] = field(default_factory=list)  # shown when abstaining
    retrieval_query: str = ""
    confidence: float = 0.0  # relevance of the best shown sentence (what the pre-generation gate compares)
    short: str = ""  # base-model reader: the copied answer span alone (text adds the sentence it came from)
    reader_confidence: float | None = None  # base-model reader: P(first copied token | allowed tokens)
    model: str = ""
    timings: Timings = field(default_factory=Timings)
    kind: str = "factoid"  # the question's shape (factoid, summary, why, how, list, yesno, compare, timeline)
    # How the text was made: "quoted" (sentences or a span copied from the articles) or "written" (by the model).
    mode: str = "quoted"

    @property
    def made(self) -> str:
        """How an open answer was made, in words for people ("Quoted from the articles"); "" for a factoid or a
        decline (every face says the same)."""
        if self.kind == "factoid" or self.abstained:
            return ""
        return {"quoted": "Quoted from the articles", "written": "Written by the model from the articles"}.get(
            self.mode, "")

    @property
    def sentences(self) -> list[tuple[str, list[Citation]]]:
        """Each kept answer sentence with the citations it carries (per-sentence citations)."""
        by_n = {c.n: c for c in self.citations}
        return [(c.text, [by_n[m] for m in c.markers if m in by_n]) for c in self.claims if c.supported]

    @property
    def flagged(self) -> list[Claim]:
        """Claims the grounding check could not verify against their cited passages."""
        return [c for c in self.claims if not c.supported]

    def to_json(self) -> dict[str, Any]:
        """The JSON shape shared by `rag ask --json` and the app's /ask endpoint."""
        return {
            "answer": self.text,
            "kind": self.kind,
            "mode": self.mode,
            "short_answer": self.short,
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
            "flagged": [c.text for c in self.flagged],
            "closest": [c.to_json() for c in self.closest],
        }


@dataclass(frozen=True)
class Skip:
    """Something an ingest could not use, and why (the reason names the fix)."""

    where: str  # file name, or "file.jsonl line 12"
    reason: str
    kind: str = "unreadable"  # empty, binary, encoding, too-large, not-json, no-text, unknown-type, unreadable, link

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class IngestReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[Skip] = field(default_factory=list)
    chunks_embedded: int = 0
    records_read: int = 0  # articles read from files and JSONL records (before skipping)
    duplicate_groups: int = 0  # groups of near-copies among all stored articles
    chunks_reused: int = 0  # chunks whose identical text the index already held: their vector was reused
    seconds: float = 0.0

    def summary(self) -> str:
        line = (
            f"added {self.added} / updated {self.updated} / removed {self.removed} / "
            f"unchanged {self.unchanged} articles ({self.chunks_embedded} chunks stored"
            + (f", {self.chunks_reused} of them copies of text already embedded" if self.chunks_reused else "")
            + ")"
        )
        if self.skipped:
            kinds: dict[str, int] = {}
            for s in self.skipped:
                kinds[s.kind] = kinds.get(s.kind, 0) + 1
            line += f"; skipped {len(self.skipped)} (" + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + ")"
        if self.duplicate_groups:
            line += f"; {self.duplicate_groups} near-duplicate group(s)"
        return line

    def warnings(self, per_kind: int = 5, more: str = "") -> list[str]:
        """The skip reasons to show a person: the first `per_kind` of each kind (each names its fix), then one
        line per kind counting the rest, ending with `more` (where the face lists every one)."""
        seen: dict[str, int] = {}
        out: list[str] = []
        for skip in self.skipped:
            seen[skip.kind] = seen.get(skip.kind, 0) + 1
            if seen[skip.kind] <= per_kind:
                out.append(skip.reason)
        tail = f"; {more}" if more else ""
        out += [f"… and {n - per_kind} more skipped ({kind}){tail}." for kind, n in sorted(seen.items())
                if n > per_kind]
        return out

    def to_json(self) -> dict[str, Any]:
        return {"added": self.added, "updated": self.updated, "removed": self.removed, "unchanged": self.unchanged,
                "records_read": self.records_read, "chunks_embedded": self.chunks_embedded,
                "chunks_reused": self.chunks_reused,
                "duplicate_groups": self.duplicate_groups, "seconds": round(self.seconds, 2),
                "skipped": [{"where": s.where, "kind": s.kind, "reason": s.reason} for s in self.skipped]}

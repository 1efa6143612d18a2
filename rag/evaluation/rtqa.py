"""RealTime QA (Kasai et al., 2023): its weekly search-result articles as one index, its 270 quiz questions asked.

The benchmark folder is read at run time and never copied into the repository: the articles are rewritten,
deduplicated by URL, as one JSONL file per week under `<out>/realtimeqa-corpus/` (the git-ignored output
folder) and ingested into an index of their own (`<out>/realtimeqa-index`, collection `realtimeqa`). A second
run finds that index and embeds nothing (ingest is idempotent).

Multiple-choice scorer (no LLM judge): with P the top-k chunks retrieved for the question, each choice c gets

    score(c) = max over p in P of [ cos(E(question + " " + c), E(p)) + LEX_WEIGHT * lex(c, p) ]

where E is the product's embedder (unit vectors) and lex(c, p) is the share of c's normalised tokens found in
p. The predicted choice is the argmax; a tie among t choices that includes the right one scores 1/t (the
expected accuracy of breaking the tie at random).
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ..errors import BadInput
from ..ingest.progress import IngestBar
from . import metrics as m

log = logging.getLogger(__name__)

# A choice whose every token is in a passage gains a full point: more than the spread of the cosine term
# between choices of one question (typically < 0.2), so an exact mention decides, and the cosine breaks ties
# between choices that are all (or none) mentioned.
LEX_WEIGHT = 1.0
PAPER = {  # Kasai et al. 2023 and the benchmark folder's README
    "gpt3_search_mc": 0.590, "gpt3_closed_book_mc": 0.456, "answer_in_top5_search_articles": 0.48, "chance": 0.25,
}
EXPECTED_ARTICLES = 2395
# The protocol of issue 23: the question weeks are split once, by date, never at random. Every retrieval or
# reader change is chosen on the tune weeks; its report-week figure is recorded once, kept or not, so the
# report weeks stay questions no choice was fitted to (as next week's news is to a user). Weeks are the
# *_qa.jsonl file dates; a week the benchmark gains later belongs to neither split and counts in "all" only.
TUNE_WEEKS = ("20230106", "20230113", "20230120", "20230127", "20230203", "20230210")  # 180 questions
REPORT_WEEKS = ("20230217", "20230224", "20230303")  # 90 questions
SPLITS = ("tune", "report", "all")


def split_of(question_id: str) -> str:
    """"tune" or "report" for a question id or week ("20230106_3", "20230217"), "" for any other week.

    >>> split_of("20230106_3"), split_of("20230303"), split_of("20240101_0")
    ('tune', 'report', '')
    """
    week = question_id.split("_")[0]
    return "tune" if week in TUNE_WEEKS else "report" if week in REPORT_WEEKS else ""


@dataclass(frozen=True)
class RTQAQuestion:
    id: str
    date: str
    question: str
    choices: tuple[str, ...]
    answer: int  # index into choices
    evidence: str = ""
    week: str = ""  # the *_qa.jsonl file's date, e.g. "20230106"

    @property
    def split(self) -> str:
        """"tune", "report" or "" (see TUNE_WEEKS)."""
        return split_of(self.week or self.id)

    @property
    def correct(self) -> str:
        return self.choices[self.answer]


@dataclass(frozen=True)
class Corpus:
    folder: Path  # the derived per-week JSONL files
    articles: int  # distinct URLs
    with_text: int  # of those, articles with text (the rest cannot be ingested)
    weeks: int
    texts: dict[str, str]  # url -> article text (for the article-level recall measure)


def _check_folder(folder: Path) -> None:
    if not folder.is_dir() or not list(folder.glob("*_gcs.jsonl")):
        raise BadInput(f"No RealTime QA files in {folder}: expected 2023MMDD_gcs.jsonl and 2023MMDD_qa.jsonl "
                       "files. Point --realtimeqa at the benchmark folder, e.g. ../shared/benchmarks/realtimeqa.")


def _rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise BadInput(f"{path.name} line {lineno} is not JSON ({exc.msg}); the benchmark file is damaged: "
                           "restore it from the upstream repository.") from None
    return rows


def load_questions(folder: str | Path) -> list[RTQAQuestion]:
    """Every question of the *_qa.jsonl weeks, in week order."""
    folder = Path(folder)
    _check_folder(folder)
    out = []
    for path in sorted(folder.glob("*_qa.jsonl")):
        for row in _rows(path):
            choices = tuple(str(c) for c in row.get("choices") or [])
            try:
                answer = int((row.get("answer") or [""])[0])
                if not 0 <= answer < len(choices):
                    raise ValueError
            except (TypeError, ValueError):
                log.warning("skipped %s %s: no valid answer index", path.name, row.get("question_id"))
                continue
            out.append(RTQAQuestion(id=str(row.get("question_id")), date=str(row.get("question_date", "")),
                                    question=str(row["question_sentence"]).strip(), choices=choices, answer=answer,
                                    evidence=str(row.get("evidence") or ""), week=path.name.split("_")[0]))
    return out


def build_corpus(folder: str | Path, dest: Path) -> Corpus:
    """Articles of all *_gcs.jsonl weeks, deduplicated by URL (first seen wins), as one JSONL per week in dest.

    Files are rewritten only when their content changes, so a re-run leaves the index untouched.
    """
    folder = Path(folder)
    _check_folder(folder)
    dest.mkdir(parents=True, exist_ok=True)
    seen: dict[str, str] = {}
    with_text = 0
    weeks = sorted(folder.glob("*_gcs.jsonl"))
    for path in weeks:
        lines = []
        for row in _rows(path):
            for art in row.get("search_result") or []:
                url = str(art.get("url") or "")
                if not url or url in seen:
                    continue
                text = str(art.get("text") or "")
                seen[url] = text
                if not text.strip():
                    continue
                with_text += 1
                lines.append(json.dumps({"url": url, "title": str(art.get("title") or ""), "text": text,
                                         "publish_date": str(art.get("publish_date") or ""),
                                         "authors": art.get("authors") or []}, ensure_ascii=False))
        target = dest / f"rtqa_{path.name.split('_')[0]}.jsonl"
        content = "\n".join(lines) + "\n"
        if not target.exists() or target.read_text(encoding="utf-8") != content:
            target.write_text(content, encoding="utf-8")
    if len(seen) != EXPECTED_ARTICLES:
        log.warning("found %d distinct article URLs; the benchmark README says %d", len(seen), EXPECTED_ARTICLES)
    return Corpus(folder=dest, articles=len(seen), with_text=with_text, weeks=len(weeks), texts=seen)


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6 if path.exists() else 0.0


def open_index(rag: Any, out: Path, corpus: Corpus, progress: bool = True) -> tuple[Any, dict[str, Any]]:
    """A RAG on the benchmark's own index (built, or reused when already complete) and the ingest facts."""
    from ..pipeline import RAG

    index_dir = out / "realtimeqa-index"
    settings = rag.settings.with_overrides(index_dir=index_dir, collection="realtimeqa")
    bench = RAG(settings, embedder=rag.embedder, generator=rag.generator)
    stats_file = out / "realtimeqa-ingest.json"
    bar = IngestBar("realtimeqa ", enabled=progress)
    t0 = time.perf_counter()
    try:
        report = bench.ingest([corpus.folder], progress=bar)
    finally:
        bar.close()
    seconds = time.perf_counter() - t0
    facts: dict[str, Any] = {"added": report.added, "updated": report.updated, "unchanged": report.unchanged,
                             "removed": report.removed, "chunks_embedded": report.chunks_embedded,
                             "skipped": len(report.skipped), "this_run_s": round(seconds, 1)}
    previous = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    if report.chunks_embedded == 0:  # nothing to embed: the index was built by an earlier run
        facts.update(reused=True, ingest_s=previous.get("ingest_s"), built_at=previous.get("built_at", ""),
                     peak_rss_mb=previous.get("peak_rss_mb"))
    else:  # a build, or the rest of an interrupted one (then the time covers this part only)
        facts.update(reused=False, resumed=report.unchanged > 0, ingest_s=round(seconds, 2),
                     built_at=time.strftime("%Y-%m-%d %H:%M"), peak_rss_mb=round(_peak_rss_mb(), 1))
        stats_file.write_text(json.dumps(facts, indent=2) + "\n")
    facts["chunks"] = bench.store().count()
    facts["index_mb"] = round(folder_mb(index_dir), 1)
    return bench, facts


def _peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3


def lexical_overlap(choice: str, passage: str) -> float:
    """lex(c, p): share of the choice's normalised tokens that occur in the passage (0..1).

    >>> lexical_overlap("Philadelphia Eagles & Kansas City Chiefs", "The Eagles beat the Chiefs.")
    0.4
    """
    tokens = m.normalise(choice).split()
    if not tokens:
        return 0.0
    have = set(m.normalise(passage).split())
    return sum(t in have for t in tokens) / len(tokens)


def score_choices(question: str, choices: Sequence[str], passages: Sequence[str], embed: Any,
                  lex_weight: float = LEX_WEIGHT) -> list[dict[str, float]]:
    """Per choice: best dense, lexical and combined score over the passages (see the module docstring)."""
    if not passages:
        return [{"dense": 0.0, "lexical": 0.0, "score": 0.0} for _ in choices]
    vectors = embed([f"{question} {c}" for c in choices] + list(passages))
    cvs, pvs = vectors[: len(choices)], vectors[len(choices):]
    out = []
    for c, cv in zip(choices, cvs):
        dense = [sum(a * b for a, b in zip(cv, pv)) for pv in pvs]
        lex = [lexical_overlap(c, p) for p in passages]
        combined = [d + lex_weight * x for d, x in zip(dense, lex)]
        out.append({"dense": round(max(dense), 5), "lexical": round(max(lex), 4), "score": round(max(combined), 5)})
    return out


def choice_credit(scores: Sequence[float], answer: int) -> float:
    """1 if the right choice has the unique best score, 1/t if it ties with t-1 others at the top, else 0.

    >>> choice_credit([0.2, 0.9, 0.1, 0.3], 1), choice_credit([0.9, 0.9, 0.1, 0.3], 1), choice_credit([1, 0, 0, 0], 3)
    (1.0, 0.5, 0.0)
    """
    best = max(scores)
    tied = [i for i, s in enumerate(scores) if s == best]
    return 1.0 / len(tied) if answer in tied else 0.0

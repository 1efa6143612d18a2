"""Writes a RealTime QA run: results.jsonl, summary.json, charts beside the paper's figures, report.md, a table."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from . import charts
from .report import write_json, write_jsonl

TITLE = "RealTime QA (Kasai et al., 2023) on this product"


def table(summary: dict[str, Any]) -> str:
    """The benchmark table: this product's measures beside the published ones, then scale and latency."""
    mt, p, ing, lat, k = summary["metrics"], summary["paper"], summary["ingest"], summary["latency"], \
        summary["scorer"]["top_k"]
    rows = [
        ("measure", "this product", "published"),
        (f"correct choice text in the top-{k} retrieved chunks", _f(mt["answer_in_topk_chunks"]),
         f"{p['answer_in_top5_search_articles']:.2f} (answer in top-5 web-search articles)"),
        (f"correct choice text in the articles of those top-{k} chunks", _f(mt["answer_in_topk_articles"]),
         f"{p['answer_in_top5_search_articles']:.2f} (same)"),
        ("generated answer contains the correct choice", _f(mt["answer_contains_correct"]), "-"),
        ("  ... counting the sentence it quotes too", _f(mt.get("answer_contains_correct_with_quotes")), "-"),
        ("  generated answer contains a wrong choice", _f(mt["answer_contains_other_choice"]), "-"),
        ("  abstained", _f(mt["abstained"]), "-"),
        (f"  answered right when the correct choice is in the top-{k} chunks",
         _f(mt.get("answer_right_when_in_topk")) + f" (of {mt.get('questions_in_topk', 0)})", "-"),
        *_outcome_rows(summary),
        ("multiple-choice accuracy (choices scored on retrieved chunks)", _f(mt["mc_accuracy"]),
         f"{p['gpt3_search_mc']:.3f} GPT-3 + search; {p['gpt3_closed_book_mc']:.3f} GPT-3 closed-book; "
         f"{p['chance']:.2f} chance"),
        ("  scorer ablation: embedding term only", _f(mt["mc_accuracy_dense_only"]), ""),
        ("  scorer ablation: lexical term only", _f(mt["mc_accuracy_lexical_only"]), ""),
        ("ingest time (minutes)" + _ingest_note(ing), "n/a" if ing.get("ingest_s") is None
         else f"{ing['ingest_s'] / 60:.1f}", ""),
        ("index size", f"{ing['chunks']:,} chunks, {ing['index_mb']:.0f} MB", ""),
        ("peak memory during the build (RSS)", f"{ing['peak_rss_mb']:.0f} MB" if ing.get("peak_rss_mb") else "n/a",
         ""),
        ("retrieval latency p50 / p95 (s)", f"{_f(lat['retrieval_p50'], 3)} / {_f(lat['retrieval_p95'], 3)}", ""),
        ("time to first token p50 / p95 (s)", f"{_f(lat['ttft_p50'], 2)} / {_f(lat['ttft_p95'], 2)}", ""),
        ("total time per question p50 / p95 (s)", f"{_f(lat['total_p50'], 2)} / {_f(lat['total_p95'], 2)}", ""),
        ("model load + first query (builds BM25) (s)", f"{lat['first_query_s']:.1f}", ""),
    ]
    w0, w1 = max(len(r[0]) for r in rows), max(len(r[1]) for r in rows)
    lines = [f"{r[0].ljust(w0)}  {r[1].rjust(w1)}  {r[2]}".rstrip() for r in rows]
    lines.insert(1, "-" * (w0 + w1 + 40))
    if summary.get("splits"):
        lines += ["", split_table(summary["splits"], k)]
    c = summary["corpus"]
    lines.append(f"{summary['questions']} questions over {c['articles']:,} articles ({c['articles_with_text']:,} with "
                 f"text) from {c['weeks']} weeks, retrieved over the whole index.")
    return "\n".join(lines)


SPLIT_ROWS = (  # (label, key in the split figures)
    ("correct choice in the top-{k} chunks", "answer_in_topk_chunks"),
    ("answer contains the correct choice", "answer_contains_correct"),
    ("answer contains a wrong choice", "answer_contains_other_choice"),
    ("abstained", "abstained"),
    ("multiple-choice accuracy", "mc_accuracy"),
)


def split_table(splits: dict[str, Any], k: int = 5) -> str:
    """The protocol's table (issue 23): each figure on the tune weeks, the report weeks and all weeks.

    >>> print(split_table({"tune": {"questions": 2, "mc_accuracy": 0.5}, "report": {"questions": 1}}))
    ... # doctest: +NORMALIZE_WHITESPACE
    by split (tune weeks 2023-01-06 … 02-10 choose changes; report weeks 2023-02-17 … 03-03 only report)
    measure                              tune (2)  report (1)
    correct choice in the top-5 chunks   n/a       n/a
    answer contains the correct choice   n/a       n/a
    answer contains a wrong choice       n/a       n/a
    abstained                            n/a       n/a
    multiple-choice accuracy             0.500     n/a
    """
    names = [n for n in ("tune", "report", "all") if n in splits]
    head = ["measure", *(f"{n} ({splits[n].get('questions', 0)})" for n in names)]
    rows = [head] + [[label.format(k=k), *(_f(splits[n].get(key)) for n in names)] for label, key in SPLIT_ROWS]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["by split (tune weeks 2023-01-06 … 02-10 choose changes; report weeks 2023-02-17 … 03-03 only report)"]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m rag.evaluation.rtqa_report RESULTS.jsonl`: the split table of a run (an older one too)."""
    import json
    import sys

    from .rtqa_run import split_figures

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m rag.evaluation.rtqa_report RESULTS.jsonl", file=sys.stderr)
        return 2
    rows = [json.loads(line) for line in Path(args[0]).read_text(encoding="utf-8").splitlines() if line.strip()]
    print(split_table(split_figures(rows)))
    return 0


def write_realtimeqa(rows: Sequence[dict[str, Any]], summary: dict[str, Any], out: Path) -> dict[str, Path]:
    out = Path(out)
    mt, p, k = summary["metrics"], summary["paper"], summary["scorer"]["top_k"]
    comparison = [
        (f"Correct choice text found in the top {k} retrieved", [
            (f"this product: in the top-{k} chunks", mt["answer_in_topk_chunks"], "ours"),
            (f"this product: in the articles of the top-{k} chunks", mt["answer_in_topk_articles"], "ours"),
            ("published: in the top-5 web-search articles", p["answer_in_top5_search_articles"], "paper")]),
        ("Multiple-choice accuracy", [
            ("this product: choices scored on retrieved chunks", mt["mc_accuracy"], "ours"),
            ("GPT-3 with the search articles (paper)", p["gpt3_search_mc"], "paper"),
            ("GPT-3 closed-book (paper)", p["gpt3_closed_book_mc"], "paper"),
            ("chance: 1 of 4 choices", p["chance"], "chance")]),
        ("Generated answer (free text, rag.ask)", [
            ("contains the correct choice", mt["answer_contains_correct"], "ours"),
            ("contains a wrong choice", mt["answer_contains_other_choice"], "ours"),
            ("abstained (\"the articles don't say\")", mt["abstained"], "ours")]),
    ]
    caption = (f"{summary['questions']} news-quiz questions (Jan-Mar 2023) asked over one index of "
               f"{summary['corpus']['articles']:,} news articles. 'Correct choice text' = the right option's words "
               "appear (normalised) in the text.\nMultiple-choice accuracy here uses no LLM: each option is scored "
               "by embedding similarity and word overlap with the retrieved chunks; the best-scoring option is "
               "the pick.")
    paths = {
        "results": write_jsonl(rows, out / "results.jsonl"),
        "summary": write_json(summary, out / "summary.json"),
        "chart": charts.comparison_chart(comparison, out / "realtimeqa.png",
                                         f"{TITLE}: {summary['questions']} questions", caption),
        "latency_chart": charts.latency_chart(
            [r["first_token_s"] for r in rows if r.get("first_token_s") is not None],
            [r["total_s"] for r in rows if r.get("total_s") is not None], out / "latency.png",
            f"RealTime QA: how long an answer takes over {summary['ingest']['chunks']:,} chunks", None,
            retrieval=[r["retrieval_s"] for r in rows if r.get("retrieval_s") is not None]),
    }
    paths["report"] = out / "report.md"
    paths["report"].write_text(markdown(summary), encoding="utf-8")
    return paths


def markdown(summary: dict[str, Any]) -> str:
    k = summary["scorer"]["top_k"]
    return "\n".join([
        f"# {TITLE}", "",
        "Benchmark: Kasai et al., *RealTime QA: What's the Answer Right Now?* (NeurIPS 2023 Datasets and "
        "Benchmarks). The files are read at run time and not redistributed.", "",
        "```", table(summary), "```", "",
        "![This product's measures beside the paper's published figures](realtimeqa.png)", "",
        "*Blue: measured here. Grey hatched: published figures (GPT-3 read the top-5 web-search articles of each "
        "question; we retrieve from one shared index of every week's articles, which is harder).*", "",
        "![Latency over the RealTime QA index](latency.png)", "",
        "## How each measure is computed", "",
        f"- **Correct choice text in the top-{k} chunks**: share of questions where the normalised correct choice is "
        f"a whole-word run inside the normalised text of the top-{k} chunks retrieved for the question.",
        f"- **... in the articles of those chunks**: the same over the full texts of the (up to {k}) articles those "
        "chunks come from; the closest match to the paper's article-level figure.",
        "- **Generated answer contains the correct choice**: `rag.ask(question, temperature=0)`; normalised "
        "containment in the answer span (the reader's copied span, without the evidence sentence it quotes); an "
        "abstention scores 0. *Counting the sentence it quotes* uses the whole answer text. *Contains a wrong "
        "choice* counts answer spans naming another option.",
        f"- **Answered right when the correct choice is in the top-{k} chunks**: the same containment, over "
        "only the questions whose correct choice is in those chunks (the reader's share, apart from retrieval).",
        "- **Outcomes** (one per question): *right*; *retrieval miss* (the correct choice is not in the top-k "
        "chunks); *wrong abstention* (it is, and the product abstained); *wrong sentence* (the product answered "
        "from a sentence without it); *wrong span* (the sentence held it, the copied span did not).",
        f"- **Multiple-choice accuracy**: score(c) = max over the top-{k} chunks p of cos(E(question + c), E(p)) "
        f"+ {summary['scorer']['lex_weight']:g} × (share of c's tokens in p); the arg-max choice is the pick; a tie "
        "at the top among t choices including the right one scores 1/t. Ablations use one term alone.",
        "- **Latency**: retrieval = `rag.retrieve(question, k)` wall time, warm (the first query, which builds "
        "the BM25 index, is reported separately); TTFT and total from `Answer.timings`.",
        "- **Ingest**: wall time of `rag.ingest` over the deduplicated articles; index size is the chunk count and "
        "the index folder's size on disk.", ""])


def _outcome_rows(summary: dict[str, Any]) -> list[tuple[str, str, str]]:
    """One row per outcome (right, retrieval miss, wrong sentence, wrong span, wrong abstention): count, share."""
    outcomes = summary.get("outcomes") or {}
    n = max(1, summary["questions"])
    return [(f"  outcome: {name}", f"{count} ({count / n:.3f})", "-") for name, count in outcomes.items()]


def _f(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def _ingest_note(ing: dict[str, Any]) -> str:
    if ing.get("reused"):
        return " [index reused; time of its build]" if ing.get("ingest_s") is not None else " [index reused]"
    return " [resumed build; this part only]" if ing.get("resumed") else ""


if __name__ == "__main__":
    raise SystemExit(main())

"""Per-question results -> the summary: each metric's value, denominator and target, latency percentiles, by kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from . import metrics as m
from .runner import QuestionResult


@dataclass(frozen=True)
class Metric:
    """A reported rate: its key in summary.json, a label a newcomer reads, and the issue's target if any."""

    key: str
    label: str
    group: str
    target: float | None = None
    higher_is_better: bool = True
    unit: str = "questions"  # what n counts
    counted: bool = True  # a share of 0/1 outcomes (so "k of n" is exact); False for means like MRR and F1

    def met(self, value: float | None) -> bool | None:
        if self.target is None or value is None:
            return None
        return value >= self.target if self.higher_is_better else value <= self.target


# Targets are the ones issue 3 sets for the default models on the dev set.
METRICS: tuple[Metric, ...] = (
    Metric("hit@1", "Retrieval: a gold source ranked 1st (hit@1)", "Retrieval"),
    Metric("hit@k", "Retrieval: a gold source in the top k (hit@k)", "Retrieval"),
    Metric("mrr", "Retrieval: mean reciprocal rank (MRR@k)", "Retrieval", counted=False),
    Metric("answer_contains", "Answer correct (contains a gold answer)", "Answers", 0.85),
    Metric("answer_contains_with_quotes", "Answer or the sentence it quotes contains a gold answer", "Answers"),
    Metric("answer_f1", "Answer token F1 vs gold (mean)", "Answers", counted=False),
    Metric("citation_precision", "Citation precision (cited sentence holds the answer)", "Citations", 0.95,
           unit="citations"),
    Metric("citation_support", "Citation support (cited sentence backs its claim)", "Citations", unit="citations"),
    Metric("citation_recall", "Citation recall (a gold source is cited)", "Citations"),
    Metric("faithfulness", "Faithfulness: sentences the checker verifies", "Faithfulness", unit="sentences"),
    Metric("faithfulness_lexical", "Faithfulness: lexical baseline (≥60% of words found)", "Faithfulness",
           unit="sentences"),
    Metric("fully_cited", "Answers with a citation on every sentence", "Faithfulness", 1.0, unit="answers"),
    Metric("abstention_accuracy", "Abstains when the answer is not there", "Abstention", 0.80),
    Metric("false_abstention", "Abstains although the answer is there", "Abstention", 0.10, False),
)
LATENCY_TARGETS = {"ttft_p50": 1.0}  # issue 3: warm time to first token ≤ 1.0 s median

# The formulas, in words a README can carry; q ranges over the questions named in "over".
DEFINITIONS: dict[str, str] = {
    "hit@1": "over answerable questions with gold sources: mean of [source of retrieved chunk 1 ∈ gold sources]",
    "hit@k": "same, any of the top-k chunks (k = settings.top_k) retrieved for the answer's retrieval query",
    "mrr": "mean of 1/rank of the first gold-source chunk within the top k (0 when none)",
    "answer_contains": "over answerable questions: mean of [some normalised gold answer is a whole-word run "
                       "inside the normalised answer span]; an abstention scores 0. The answer span is the "
                       "reader's copied span (Answer.short) or else the answer text without evidence quotes "
                       "(a verbatim cited sentence in “…” after a dash), so a wrong span is not credited for "
                       "the right words in the sentence it quotes",
    "answer_contains_with_quotes": "same over the whole answer text, quotes included (lenient: what a reader "
                                   "who also reads the quoted sentence gets)",
    "answer_f1": "over answerable questions: mean of max over gold answers of SQuAD token F1 of the answer "
                 "span; abstention = 0",
    "citation_precision": "over answered answerable questions: Σ citations whose cited sentence contains a "
                          "gold answer / Σ citations",
    "citation_support": "over answered questions: Σ citations n such that some sentence carrying [n] passes "
                        "the product's checker against passage n alone / Σ citations",
    "citation_recall": "over answered answerable questions: mean of [some citation's source ∈ gold sources]",
    "faithfulness": "over answered questions: Σ answer sentences supported by their cited passages "
                    "(rag.grounding.check_answer) / Σ answer sentences",
    "faithfulness_lexical": f"same, a sentence passes when rag.grounding.lexical_support(sentence, cited "
                            f"passages) ≥ {m.LEXICAL_THRESHOLD} (unstemmed non-stopword precision)",
    "fully_cited": "over answered questions: mean of [every answer sentence carries a [n] marker pointing "
                   "at one of the answer's citations]",
    "abstention_accuracy": "over unanswerable questions: share the product abstained on",
    "false_abstention": "over answerable questions: share the product abstained on (lower is better)",
    "latency": "time to first token (TTFT: question received -> first generated piece; only questions "
               "that reached generation) and total time per ask, p50/p95 by linear interpolation",
}


def summarise(results: Sequence[QuestionResult], run: dict[str, Any] | None = None) -> dict[str, Any]:
    """The summary.json content: {run, metrics: {key: {value, n, target, met}}, latency, by_kind, definitions}."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    answered = [r for r in results if r.scores.get("answered")]
    answered_ok = [r for r in answerable if r.scores.get("answered")]

    def mean_of(rows: Sequence[QuestionResult], key: str) -> tuple[float | None, int, float]:
        vals = [float(r.scores[key]) for r in rows if r.scores.get(key) is not None]
        return m.mean(vals), len(vals), sum(vals)

    def pooled(rows: Sequence[QuestionResult], num: str, den: str) -> tuple[float | None, int, float]:
        n, k = sum(r.scores.get(den) or 0 for r in rows), sum(r.scores.get(num) or 0 for r in rows)
        return m.ratio(k, n), n, k

    values: dict[str, tuple[float | None, int, float]] = {
        "hit@1": mean_of(answerable, "hit@1"),
        "hit@k": mean_of(answerable, "hit@k"),
        "mrr": mean_of(answerable, "rr"),
        "answer_contains": mean_of(answerable, "contains"),
        "answer_contains_with_quotes": mean_of(answerable, "contains_with_quotes"),
        "answer_f1": mean_of(answerable, "f1"),
        "citation_precision": pooled(answered_ok, "citations_with_answer", "citations"),
        "citation_support": pooled(answered, "citations_supporting", "citations"),
        "citation_recall": mean_of(answered_ok, "cited_gold_source"),
        "faithfulness": pooled(answered, "sentences_supported", "sentences"),
        "faithfulness_lexical": pooled(answered, "sentences_lexical", "sentences"),
        "fully_cited": mean_of(answered, "fully_cited"),
        "abstention_accuracy": mean_of(unanswerable, "abstained"),
        "false_abstention": mean_of(answerable, "abstained"),
    }
    metrics_out = {}
    for spec in METRICS:
        value, n, k = values[spec.key]
        metrics_out[spec.key] = {"value": None if value is None else round(value, 4), "n": n, "unit": spec.unit,
                                 "count": int(round(k)) if spec.counted else None,
                                 "target": spec.target, "met": spec.met(value), "label": spec.label,
                                 "higher_is_better": spec.higher_is_better}
    return {
        "run": dict(run or {}),
        "counts": {"questions": len(results), "answerable": len(answerable), "unanswerable": len(unanswerable),
                   "answered": len(answered), "errors": sum(bool(r.error) for r in results),
                   "answers_with_removed_claims": sum(bool(r.scores.get("claims_removed")) for r in answered)},
        "metrics": metrics_out,
        "latency": latency(results),
        "by_kind": by_kind(results),
        "definitions": DEFINITIONS,
    }


def latency(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """p50/p95 (seconds) of TTFT, total time and retrieval time per ask, with the TTFT target."""
    ttft = [r.timings["first_token_s"] for r in results if r.timings.get("first_token_s") is not None]
    total = [r.timings["total_s"] for r in results if r.timings.get("total_s") is not None]
    retrieval = [r.timings["retrieval_s"] for r in results if r.timings.get("retrieval_s") is not None]
    out: dict[str, Any] = {"n_ttft": len(ttft), "n_total": len(total)}
    for name, xs in (("ttft", ttft), ("total", total), ("retrieval", retrieval)):
        for p in (50, 95):
            out[f"{name}_p{p}"] = m.percentile(xs, p)
    out["targets"] = LATENCY_TARGETS
    out["ttft_p50_met"] = None if out["ttft_p50"] is None else out["ttft_p50"] <= LATENCY_TARGETS["ttft_p50"]
    return out


def by_kind(results: Sequence[QuestionResult]) -> dict[str, dict[str, Any]]:
    """Per question kind: how many, how many answered correctly, how many abstained."""
    out: dict[str, dict[str, Any]] = {}
    for r in results:
        row = out.setdefault(r.kind, {"questions": 0, "answerable": 0, "correct": 0, "abstained": 0})
        row["questions"] += 1
        row["answerable"] += int(r.answerable)
        row["correct"] += int(bool(r.scores.get("contains")))
        row["abstained"] += int(not r.scores.get("answered"))
    return out


def format_table(summary: dict[str, Any]) -> str:
    """The summary as an aligned plain-text table (what `rag eval` prints)."""
    rows = [("metric", "value", "target", "n", "")]
    for spec in METRICS:
        e = summary["metrics"][spec.key]
        rows.append((spec.label, _fmt(e["value"]), _target(spec.target, spec.higher_is_better), str(e["n"]),
                     _mark(e["met"])))
    lat = summary["latency"]
    for key, label in (("ttft_p50", "Time to first token p50 (s)"), ("ttft_p95", "Time to first token p95 (s)"),
                       ("total_p50", "Total time per question p50 (s)"),
                       ("total_p95", "Total time per question p95 (s)")):
        target = LATENCY_TARGETS.get(key)
        met = lat.get(f"{key}_met")
        n = lat["n_ttft"] if key.startswith("ttft") else lat["n_total"]
        rows.append((label, _fmt(lat.get(key), 2), _target(target, False), str(n), _mark(met)))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for i, r in enumerate(rows):
        lines.append("  ".join([r[0].ljust(widths[0])] + [c.rjust(widths[j + 1]) for j, c in enumerate(r[1:4])]
                               + [r[4]]).rstrip())
        if i == 0:
            lines.append("-" * (sum(widths[:4]) + 8))
    c = summary["counts"]
    lines.append(f"{c['questions']} questions ({c['answerable']} answerable, {c['unanswerable']} unanswerable); "
                 f"answered {c['answered']}, abstained {c['questions'] - c['answered']}; "
                 f"{c.get('answers_with_removed_claims', 0)} answer(s) had unsupported sentences removed by the "
                 "product's checker before they were shown.")
    return "\n".join(lines)


def _fmt(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def _target(t: float | None, higher: bool) -> str:
    if t is None:
        return ""
    return f"{'≥' if higher else '≤'} {t:g}"


def _mark(met: bool | None) -> str:
    return {True: "ok", False: "MISS", None: ""}[met]

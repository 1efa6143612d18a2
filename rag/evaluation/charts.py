"""PNG charts a newcomer can read without the code: metric bars with targets, latency distributions, RealTime QA."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

log = logging.getLogger(__name__)

GOOD, BAD, NEUTRAL, PAPER = "#2e7d32", "#c62828", "#4a78b5", "#9e9e9e"


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display needed
    import matplotlib.pyplot as plt

    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    return plt


def metric_bars(summary: dict[str, Any], path: Path, title: str) -> Path:
    """One horizontal bar per rate metric (0..1), grouped, with its value, its n and the issue's target."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from .summary import METRICS

    plt = _plt()
    rows: list[tuple[str, Any] | str] = []
    group = None
    for spec in METRICS:
        if spec.group != group:
            rows.append(spec.group)
            group = spec.group
        rows.append((spec.key, spec))
    fig, ax = plt.subplots(figsize=(13, 0.42 * len(rows) + 2.6))
    labels = []
    for i, row in enumerate(rows):
        y = len(rows) - 1 - i
        if isinstance(row, str):
            labels.append((y, row.upper(), True))
            continue
        key, spec = row
        e = summary["metrics"][key]
        value = e["value"]
        color = {True: GOOD, False: BAD, None: NEUTRAL}[e["met"]]
        label = spec.label + ("  (lower is better)" if not spec.higher_is_better else "")
        labels.append((y, label, False))
        if value is None:
            ax.text(0.01, y, "n/a (nothing to measure)", va="center", fontsize=9, color="#555")
            continue
        ax.barh(y, max(value, 0.004), color=color, height=0.7)  # a sliver, so a 0 still shows its colour
        if value >= 0.12:  # the value inside the bar's end, clear of the target line
            ax.text(value - 0.01, y, f"{value:.2f}", va="center", ha="right", fontsize=9, color="white",
                    fontweight="bold")
        else:  # beside a short bar, and past the target line when it would cross the text
            t = spec.target
            x = t + 0.015 if t is not None and value <= t < value + 0.08 else value + 0.01
            ax.text(x, y, f"{value:.2f}", va="center", fontsize=9)
        count = e.get("count")
        note = f"{count} of {e['n']} {spec.unit}" if count is not None else f"mean of {e['n']} {spec.unit}"
        if spec.target is not None:
            ax.plot([spec.target, spec.target], [y - 0.45, y + 0.45], color="black", lw=2, ls="--")
            verdict = "✓ meets" if e["met"] else "✗ misses"
            note += f"   target {'≥' if spec.higher_is_better else '≤'} {spec.target:g}  {verdict}"
        ax.text(1.03, y, note, va="center", fontsize=9, color=color if spec.target is not None else "#333")
    ax.set_yticks([y for y, _, _ in labels])
    ax.set_yticklabels([t for _, t, _ in labels])
    for tick, (_, _, header) in zip(ax.get_yticklabels(), labels):
        if header:
            tick.set_fontweight("bold")
            tick.set_color("#333")
    ax.tick_params(axis="y", length=0)
    ax.set_xlim(0, 1.78)
    ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.spines["bottom"].set_bounds(0, 1)
    ax.set_xlabel("share (0 = none, 1 = all) of the questions, citations or sentences the metric counts")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    c = summary["counts"]
    ax.set_title(f"{title}\n{c['questions']} questions: {c['answerable']} answerable, "
                 f"{c['unanswerable']} whose answer is not in the articles", fontsize=12)
    handles = [Patch(color=GOOD, label="meets the target"), Patch(color=BAD, label="misses the target"),
               Patch(color=NEUTRAL, label="no target set"),
               Line2D([0], [0], color="black", lw=2, ls="--", label="target (issue 3)")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.35, -0.07), ncol=4, fontsize=9, frameon=False)
    fig.text(0.01, 0.01, "Each bar is a share between 0 and 1; the right column says what it counts "
             "(e.g. 6 of 58 questions). Higher is better except where marked.\nRetrieval uses the articles "
             "each question was written from (gold sources). Definitions and formulas: report.md.",
             fontsize=8, color="#444", va="bottom")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return _save(fig, path)


def latency_chart(ttft: Sequence[float], total: Sequence[float], path: Path, title: str,
                  ttft_target: float | None = 1.0, retrieval: Sequence[float] = ()) -> Path:
    """Histograms of time to first token, total time and (if given) retrieval time, with p50/p95 and the target."""
    from matplotlib.ticker import MaxNLocator

    from .metrics import percentile

    plt = _plt()
    panels = [("Time to first token (TTFT)", ttft, ttft_target, "seconds from question to the first generated word"),
              ("Total time per question", total, None, "seconds from question to the finished, checked answer")]
    if retrieval:
        panels.append(("Retrieval time", retrieval, None, "seconds spent finding the passages to read"))
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.6))
    for ax, (name, xs, target, xlabel) in zip(axes, panels):
        ax.set_title(f"{name}: {len(xs)} questions", fontsize=11)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("number of questions")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if not xs:
            ax.text(0.5, 0.5, "no question reached generation", ha="center", transform=ax.transAxes)
            continue
        ax.hist(xs, bins=min(25, max(5, len(xs) // 3)), color=NEUTRAL, edgecolor="white", label="questions")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        for p, style, label in ((50, "-", "median (p50)"), (95, ":", "p95")):
            v = percentile(xs, p)
            ax.axvline(v, color="black", ls=style, lw=1.8, label=f"{label} = {v:.2f} s")
        if target is not None:
            ax.axvline(target, color=BAD, ls="--", lw=1.8, label=f"target: median ≤ {target:g} s")
        ax.set_xlim(left=0)
        ax.set_ylim(top=ax.get_ylim()[1] * 1.5)  # headroom so the legend never hides a bar
        ax.legend(loc="upper right", fontsize=9, framealpha=0.95)
    fig.suptitle(title, fontsize=12)
    fig.text(0.01, 0.01, "p50 = median (half the questions were faster); p95 = 95 in 100 were faster. Questions "
             "where the product abstained before generating have no TTFT and finish fast (the quick cluster of "
             "total time).\nModels were loaded before the first question; timings are wall-clock on this machine "
             "and vary with its load.", fontsize=8, color="#444", va="bottom")
    fig.tight_layout(rect=(0, 0.09, 1, 0.95))
    return _save(fig, path)


def comparison_chart(rows: Sequence[tuple[str, Sequence[tuple[str, float | None, str]]]], path: Path,
                     title: str, caption: str) -> Path:
    """Grouped horizontal bars: for each measure, ours beside the published figures (label, value, kind)."""
    plt = _plt()
    colors = {"ours": NEUTRAL, "paper": PAPER, "chance": "#e0e0e0"}
    n_bars = sum(len(b) for _, b in rows) + len(rows)
    fig, ax = plt.subplots(figsize=(11, 0.45 * n_bars + 2))
    y = n_bars
    ticks, tick_labels, headers = [], [], []
    for measure, bars in rows:
        y -= 1
        ticks.append(y)
        tick_labels.append(measure)
        headers.append(True)
        for label, value, kind in bars:
            y -= 1
            ticks.append(y)
            tick_labels.append(label)
            headers.append(False)
            if value is None:
                ax.text(0.01, y, "n/a", va="center", fontsize=9)
                continue
            ax.barh(y, value, color=colors.get(kind, NEUTRAL), height=0.7,
                    hatch="//" if kind == "paper" else None, edgecolor="white")
            ax.text(value + 0.01, y, f"{value:.3f}", va="center", fontsize=9)
    ax.set_yticks(ticks)
    ax.set_yticklabels(tick_labels)
    for tick, header in zip(ax.get_yticklabels(), headers):
        if header:
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    ax.set_xlim(0, 1.1)
    ax.set_xlabel("share of the questions")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=NEUTRAL, label="this product (measured)"),
                       Patch(facecolor=PAPER, hatch="//", edgecolor="white", label="published (paper / README)"),
                       Patch(color="#e0e0e0", label="chance (1 in 4)")], loc="lower right", fontsize=8)
    ax.set_title(title, fontsize=12)
    fig.text(0.01, 0.01, caption, fontsize=8, color="#444", va="bottom")
    fig.tight_layout(rect=(0, 0.03 + 0.025 * caption.count("\n"), 1, 1))
    return _save(fig, path)


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    _plt().close(fig)
    log.info("wrote %s", path)
    return path

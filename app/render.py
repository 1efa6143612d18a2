"""Answers, sources and the corpus as HTML: every piece of article, question or answer text is escaped.

The Chatbot and gr.HTML both insert strings with innerHTML, so text from articles, questions and the model
must never reach them unescaped. Everything below goes through `esc()`; the only markup is our own.

>>> esc('<img src=x onerror=alert(1)>')
'&lt;img src=x onerror=alert(1)&gt;'
>>> with_markers('Dmitry Zhirnov [1]')
'Dmitry Zhirnov <span class="cite" title="Source 1">[1]</span>'
"""

from __future__ import annotations

import html
import re
from datetime import date
from typing import TYPE_CHECKING, Sequence
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from rag import Answer, Article, Citation, Claim

    from .session import Turn

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")  # [1] or [1, 2], as the library writes them


def esc(text: object) -> str:
    """HTML-escape any value (quotes too, so it is safe inside attributes)."""
    return html.escape(str(text), quote=True)


def with_markers(escaped: str) -> str:
    """Wrap [n] markers in already-escaped text in a badge (the marker text stays visible as [n])."""

    def badge(m: re.Match[str]) -> str:
        nums = ", ".join(n.strip() for n in m.group(1).split(","))
        return f'<span class="cite" title="Source {nums}">[{nums}]</span>'

    return _MARKER.sub(badge, escaped)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # not the locale's


def day_label(iso: str) -> str:
    """A publish date as people read it ("9 Mar 2023"); "" when unknown; a malformed one as it is.

    >>> day_label("2023-03-09"), day_label(""), day_label("2023-3")
    ('9 Mar 2023', '', '2023-3')
    """
    try:
        d = date.fromisoformat(iso[:10])
    except (TypeError, ValueError):
        return iso or ""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def safe_url(url: str) -> str:
    """`url` when it is a plain http(s) address that can be a link; "" otherwise (javascript:, data:, junk).

    >>> safe_url("https://example.org/a?b=1"), safe_url("javascript:alert(1)"), safe_url("//evil.org/x")
    ('https://example.org/a?b=1', '', '')
    """
    url = (url or "").strip()
    if not url or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else ""


def link(url: str, inner_html: str, cls: str = "") -> str:
    """`inner_html` (already escaped) as a link opening in a new tab when `url` is safe, else as it is."""
    href = safe_url(url)
    if not href:
        return inner_html
    klass = f' class="{cls}"' if cls else ""
    return f'<a{klass} href="{esc(href)}" target="_blank" rel="noopener noreferrer nofollow">{inner_html}</a>'


def text_html(text: str) -> str:
    """Escaped text with line breaks kept and citation markers as badges (element content, never attributes,
    so quotes stay as they are: screen readers read the message's aria-label from this string)."""
    return with_markers(html.escape(text, quote=False)).replace("\n", "<br>")


# ---------------------------------------------------------------------------------------------- chat
def chat_messages(turns: Sequence[Turn]) -> list[dict[str, str]]:
    """The Chatbot value: one user and one assistant message per turn, all HTML built here."""
    messages: list[dict[str, str]] = []
    for turn in turns:
        messages.append({"role": "user", "content": text_html(turn.question)})
        messages.append({"role": "assistant", "content": assistant_html(turn)})
    return messages


def assistant_html(turn: Turn) -> str:
    if turn.error:
        return f'<div class="msg-error"><strong>Could not answer.</strong> {esc(turn.error)}</div>'
    if turn.answer is not None:
        return answer_html(turn.answer)
    if turn.stopped:
        partial = f"{text_html(turn.partial)} " if turn.partial.strip() else ""
        return f'{partial}<span class="msg-stopped">Stopped.</span>'
    if turn.partial.strip():
        return f'{text_html(turn.partial)}<span class="cursor">▍</span>'
    return f'<span class="msg-pending">{esc(turn.status or "Searching the articles…")}</span>'


def answer_html(answer: Answer) -> str:
    """A finished answer: the cited text, flagged claims struck through, or an honest abstention."""
    if answer.abstained:
        items = "".join(
            f'<li>“{esc(_clip(c.quote or c.text, 160))}” <span class="cite-file">{esc(_origin(c))}</span></li>'
            for c in answer.closest
        )
        closest = f'<ul class="closest">{items}</ul>' if items else ""
        return (f'<div class="abstain"><div class="abstain-label">Not in the articles</div>'
                f'{esc(answer.text)}{closest}</div>')
    parts = [answer_text_html(answer), mode_html(answer)]
    n = len(answer.citations)
    sources = f"{n} source{'s' if n != 1 else ''}"
    if answer.flagged:
        parts.append(flagged_html(answer.flagged))
        parts.append(f'<div class="answer-meta">Kept only what {sources} support · see Sources</div>')
    elif n:
        parts.append(f'<div class="answer-meta ok">✓ Checked against {sources}{_published(answer.citations)}'
                     " · see Sources</div>")
    return "".join(parts)


def _published(citations: Sequence[Citation]) -> str:
    """" · published 2 Mar 2023" (or a span of dates) for the dated citations, so a stale answer shows as stale."""
    days = sorted({c.date[:10] for c in citations if c.date})
    if not days:
        return ""
    span = day_label(days[0]) if len(days) == 1 else f"{day_label(days[0])} – {day_label(days[-1])}"
    return f" · published {esc(span)}"


def _origin(c: Citation) -> str:
    """Where a passage is from, in one line: outlet, date, file."""
    return " · ".join(x for x in (c.outlet, day_label(c.date), c.source) if x)


def answer_text_html(answer: Answer) -> str:
    """The answer text. An open answer (summary, why, list, timeline ...) as paragraphs and bullets (see
    `blocks_html`). A factoid: when the reader copied a short span, that span leads in bold and the sentence it
    was copied from (which the library appends so the answer can be checked) follows, quieter.

    >>> from rag import Answer
    >>> html = answer_text_html(Answer("q", "Zhirnov — “Zhirnov met <b>.” [1]", False, short="Zhirnov"))
    >>> '<strong class="answer-short">Zhirnov</strong><span class="answer-rest"> — “Zhirnov met &lt;b&gt;.”' in html
    True
    """
    if is_open(answer):  # its `short` (a copied phrase, when there is one) is for evaluation: the text answers
        return f'<div class="answer-text answer-open">{blocks_html(answer.text)}</div>'
    short = (getattr(answer, "short", "") or "").strip()
    if short and answer.text.startswith(short) and len(short) < len(answer.text):
        rest = answer.text[len(short):]
        return (f'<div class="answer-text"><strong class="answer-short">{text_html(short)}</strong>'
                f'<span class="answer-rest">{text_html(rest)}</span></div>')
    return f'<div class="answer-text">{text_html(answer.text)}</div>'


def is_open(answer: Answer) -> bool:
    """An answer to an open question (several cited sentences), not a factoid's short answer."""
    return (getattr(answer, "kind", "factoid") or "factoid") != "factoid"


_BULLET = re.compile(r"^\s*[-•*]\s+")  # "- sentence [n]." as the library writes list and timeline lines
_DATED = re.compile(r"^(\d{4}-\d{2}-\d{2}):\s+")  # a timeline line's leading publish date
_VERDICT = re.compile(r"^(Yes\.|No\.|The articles don't say\.)(?=\s|$)")  # a yes/no answer's opening verdict


def blocks_html(text: str) -> str:
    """An open answer's text as HTML: a run of "- " lines becomes a bullet list (a timeline line's date set
    apart), every other line a paragraph, and a yes/no verdict opening the answer leads in bold. Each piece is
    escaped before any markup is added; [n] markers become badges.

    >>> blocks_html("No. Moscow lifted <b>the ban</b>.")
    '<p><strong class="answer-verdict">No.</strong> Moscow lifted &lt;b&gt;the ban&lt;/b&gt;.</p>'
    >>> html = blocks_html("- 2024-07-03: Talks began.\\n- Aid grew.")
    >>> html.startswith('<ul class="answer-list"><li>'), html.count("<li>"), html.endswith("Aid grew.</li></ul>")
    (True, 2, True)
    >>> '<span class="answer-date" title="2024-07-03">3 Jul 2024</span> Talks began.' in html
    True
    """
    out: list[str] = []
    items: list[str] = []

    def close_list() -> None:
        if items:
            out.append(f'<ul class="answer-list">{"".join(items)}</ul>')
            items.clear()

    for line in text.splitlines():
        line = line.strip()
        if not line:
            close_list()
            continue
        bullet = _BULLET.match(line)
        if bullet:
            line = line[bullet.end():]
            dated = _DATED.match(line)
            date_html = ""
            if dated:
                iso = dated.group(1)
                date_html = f'<span class="answer-date" title="{esc(iso)}">{esc(day_label(iso))}</span> '
                line = line[dated.end():]
            items.append(f"<li>{date_html}{text_html(line)}</li>")
            continue
        close_list()
        verdict = _VERDICT.match(line) if not out else None  # only the answer's first words are a verdict
        if verdict:
            lead, line = f'<strong class="answer-verdict">{esc(verdict.group(1))}</strong>', line[verdict.end():]
            out.append(f"<p>{lead}{text_html(line)}</p>")
        else:
            out.append(f"<p>{text_html(line)}</p>")
    close_list()
    return "".join(out)


def mode_html(answer: Answer) -> str:
    """The small label under an open answer saying how it was made ("" for factoids and unknown modes)."""
    label = answer.made
    if not label:
        return ""
    return f'<div class="answer-mode mode-{esc(answer.mode)}">{esc(label)}</div>'


def flagged_html(claims: Sequence[Claim]) -> str:
    rows = []
    for c in claims:
        missing = f' <span class="missing">(not in the cited passage: {esc(", ".join(c.missing))})</span>' \
            if c.missing else ""
        rows.append(f"<li><s>{text_html(c.text)}</s>{missing}</li>")
    return ('<div class="flagged"><div class="flagged-label">⚠ Removed: not supported by the cited '
            f'sources</div><ul>{"".join(rows)}</ul></div>')


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------------------------------------- sources
EMPTY_SOURCES = (
    '<div class="sources-empty"><div class="sources-empty-title">Sources</div>'
    "Every answer cites the articles. The passages it used appear here, with the sentence that supports "
    "the answer <mark>highlighted</mark>.</div>"
)


def sources_html(turn: Turn | None) -> str:
    """The sources panel for one turn: cited passages, or the closest ones when the answer abstained."""
    if turn is None:
        return EMPTY_SOURCES
    head = f'<div class="sources-q">Sources for <q>{esc(_clip(turn.question, 120))}</q></div>'
    answer = turn.answer
    if answer is None:
        note = "No answer: the question was stopped or failed." if turn.stopped or turn.error else \
            "Reading the articles…"
        return f'<div class="sources">{head}<div class="sources-note">{esc(note)}</div></div>'
    if answer.abstained:
        if not answer.closest:
            note = "No passage was close to the question."
            return f'<div class="sources">{head}<div class="sources-note">{note}</div></div>'
        note = ("The articles do not answer this. These are the closest passages; "
                "the highlighted sentences are the nearest matches.")
        return (f'<div class="sources abstained">{head}<div class="sources-note">{esc(note)}</div>'
                f"{source_cards(answer.closest)}</div>")
    flagged = flagged_html(answer.flagged) if answer.flagged else ""
    return f'<div class="sources">{head}{source_cards(answer.citations)}{flagged}</div>'


def source_cards(citations: Sequence[Citation]) -> str:
    """One card per passage; citations of sentences in the same passage share a card (all highlighted)."""
    groups: dict[str, list[Citation]] = {}
    for i, c in enumerate(citations):
        groups.setdefault(c.chunk_id or f"#{i}", []).append(c)
    return "".join(citation_card(group) for group in groups.values())


def citation_card(group: Sequence[Citation]) -> str:
    """A passage with its title (a link when the article has a web address), outlet, date, author and file,
    the outlets carrying a near-copy, and the supporting sentence(s) marked."""
    c = group[0]
    numbers = "".join(f'<span class="src-n">{esc(x.n)}</span>' for x in group)
    meta = [f'<span class="src-outlet">{esc(c.outlet)}</span>' if c.outlet else "",
            f'<span class="src-date" title="{esc(c.date)}">{esc(day_label(c.date))}</span>' if c.date else "",
            f'<span class="src-author">by {esc(c.author)}</span>' if c.author else "",
            f'<span class="src-file">{esc(c.source)}</span>']
    also = (f'<div class="src-also">also in: {esc(", ".join(c.also_in))}</div>' if c.also_in else "")
    title = link(c.url, esc(c.title or c.source), "src-link")
    return (
        f'<article class="src-card" data-n="{esc(",".join(str(x.n) for x in group))}" data-date="{esc(c.date)}">'
        f'<div class="src-top"><div class="src-ns">{numbers}</div>'
        f'<div class="src-h"><div class="src-title">{title}</div>'
        f'<div class="src-meta">{" · ".join(m for m in meta if m)}</div>{also}</div></div>'
        f'<p class="src-text">{highlighted(c.text, spans_of(group))}</p></article>'
    )


def spans_of(group: Sequence[Citation]) -> list[tuple[str, int, int]]:
    return [(x.quote, x.quote_start, x.quote_end) for x in group]


def highlighted(text: str, spans: Sequence[tuple[str, int, int]]) -> str:
    """`text` escaped, each (quote, start, end) span in <mark>; a quote whose offsets are off is searched for.

    >>> highlighted("A <b>. Zhirnov met Muttaqi. C.", [("Zhirnov met Muttaqi.", 7, 27)])
    'A &lt;b&gt;. <mark>Zhirnov met Muttaqi.</mark> C.'
    >>> highlighted("One. Two. Three.", [("Three.", 0, 3), ("One.", 0, 4)])
    '<mark>One.</mark> Two. <mark>Three.</mark>'
    """
    ranges = []
    for quote, start, end in spans:
        if not (0 <= start < end <= len(text)) or (quote and text[start:end].strip() != quote.strip()):
            found = text.find(quote) if quote else -1
            if found < 0:
                continue
            start, end = found, found + len(quote)
        ranges.append((start, end))
    out, pos = [], 0
    for start, end in sorted(ranges):
        start = max(start, pos)
        if start >= end:
            continue
        out.append(f"{esc(text[pos:start])}<mark>{esc(text[start:end])}</mark>")
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


# ---------------------------------------------------------------------------------------------- corpus
def corpus_html(articles: Sequence[Article]) -> str:
    """The corpus panel: one row per stored article in the order given (the library's: newest first, undated
    last), with its outlet, date and author, and a note tying near-copies of one story together."""
    if not articles:
        return '<div class="corpus-empty">No articles yet: upload .txt, .md or .html files below.</div>'
    notes = copy_notes(articles)
    rows = []
    for a in articles:
        when = (f'<span title="{esc(a.date)}">{esc(day_label(a.date))}</span>' if a.date
                else '<span class="undated">undated</span>')
        author = f'<div class="c-author">by {esc(a.author)}</div>' if a.author else ""
        rows.append(
            f'<tr data-date="{esc(a.date)}"><td class="c-date">{when}</td>'
            f'<td class="c-title">{link(a.url, esc(a.title or a.source))}{author}</td>'
            f'<td>{esc(a.outlet) or "—"}</td>'
            + (f'<td class="c-copies">{notes.get(a.key, "")}</td>' if notes else "")
            + f'<td class="src-file">{esc(a.source)}</td><td class="num">{esc(a.chunks)}</td></tr>'
        )
    copies = "<th>Copies</th>" if notes else ""  # the column only when the corpus holds near-copies
    return (f'<table class="corpus"><thead><tr><th>Published</th><th>Title</th><th>Outlet</th>{copies}'
            f'<th>File</th><th class="num">Chunks</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def copy_notes(articles: Sequence[Article]) -> dict[str, str]:
    """Article key -> HTML note for near-duplicate groups: "3 copies" on the group's representative (the key
    its members' `group` names), "same story as <outlet, date>" on the others."""
    by_key = {a.key: a for a in articles}
    groups: dict[str, list[Article]] = {}
    for a in articles:
        groups.setdefault(a.group or a.key, []).append(a)
    notes: dict[str, str] = {}
    for rep_key, members in groups.items():
        if len(members) < 2:
            continue
        rep = by_key.get(rep_key)
        others = [m for m in members if m.key != rep_key]
        if rep is not None:
            outlets = ", ".join(sorted({m.outlet or m.source for m in others}))
            notes[rep_key] = f'<span class="copies" title="{esc("also in: " + outlets)}">{len(members)} copies</span>'
        name = (rep.outlet or rep.source) if rep is not None else rep_key
        when = f", {day_label(rep.date)}" if rep is not None and rep.date else ""
        title = rep.title if rep is not None else rep_key
        for m in others:
            notes[m.key] = f'<span class="copy-of" title="{esc(title)}">same story as {esc(name + when)}</span>'
    return notes


def corpus_summary(articles: Sequence[Article]) -> str:
    chunks = sum(a.chunks for a in articles)
    return f"{len(articles)} article{'s' if len(articles) != 1 else ''} · {chunks} passages"


def header_html(articles: Sequence[Article], model: str) -> str:
    return (
        '<div class="app-header"><div><h1>Ask the news</h1>'
        '<p>Answers come only from the articles in the corpus. Every answer cites its sources; '
        'claims the sources do not support are flagged, and when the articles do not say, it says so.</p>'
        f'</div><div class="app-stats"><span>{esc(corpus_summary(articles))}</span>{_date_range(articles)}'
        f'<span>model: {esc(model)}</span><span>offline</span></div></div>'
    )


def _date_range(articles: Sequence[Article]) -> str:
    days = sorted(a.date[:10] for a in articles if a.date)
    if not days:
        return ""
    span = day_label(days[0]) if days[0] == days[-1] else f"{day_label(days[0])} – {day_label(days[-1])}"
    return f"<span>{esc(span)}</span>"


def upload_status_html(summary: str, notes: Sequence[str]) -> str:
    """What the last upload did, with every refused or skipped file and why."""
    items = "".join(f"<li>{esc(n)}</li>" for n in notes)
    extra = f'<ul class="upload-notes">{items}</ul>' if items else ""
    return f'<div class="upload-status">{esc(summary)}{extra}</div>'

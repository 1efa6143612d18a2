"""News-page text cleaning: drop page chrome, keep every substantive sentence; find title and outlet.

>>> clean_article("Loading...\\nTotal votes: 166\\nRussia recognised the Taliban.\\n00:55\\nALSO READ | Other").text
'Russia recognised the Taliban.'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Whole lines that are page furniture, never article content.
_CHROME_LINE = re.compile(
    r"""^(?:
        loading\.*|getting\ data|advertisement|skip\ to\ (?:main\ )?content|
        read\ next|related\ articles?|related\ stories|more\ stories|trending(?:\ now)?|
        share(?:\ this(?:\ article)?)?|print|email|comments?|
        what\ is\ your\ opinion\ on\ this\ topic\??|leave\ (?:the\ first|a)\ comment|
        (?:please\ )?(?:sign|log)\ in\ to\ (?:leave\ a\ )?comment.*|
        be\ the\ first\ to\ comment.*|
        total\ votes:?\s*\d+|\(\d+\)|\d+\s+comments?|
        \d+\s+min(?:ute)?s?\ read|
        all\ rights\ reserved\.?|
        avatar\w*|
        source:?|
        did\ you\ know\??|
        (?:©|\(c\)|copyright)\s.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_ALSO_READ = re.compile(r"^(?:also\ read|read\ more|read\ also|see\ also|watch)\s*[|:]", re.IGNORECASE | re.VERBOSE)
_TIMESTAMP = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?$", re.IGNORECASE)
_POLL = re.compile(r"^(?:do|would|will|should)\ you\ (?:think|agree|support)\b.*\?$", re.IGNORECASE | re.VERBOSE)
_BYLINE = re.compile(r"^by\s+(?P<name>[A-Z][\w&.' -]{1,60}?)(?:\s+(?:bureau|staff|desk|news\ desk|team))?$",
                     re.IGNORECASE | re.VERBOSE)
_TRAILING_SOURCE = re.compile(r"\s*Source:\s*$")
_GLUED_SENTENCE = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")  # "Central Asia.Russian" -> two sentences
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class Cleaned:
    text: str
    title: str
    outlet: str


def normalise(text: str) -> str:
    """Unicode NFC, no control characters, unified line breaks, no non-breaking spaces."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    # Each distinct character is looked up once (a per-character lookup was over half of reading and chunking).
    drop = {ord(ch): None for ch in set(text) if ch not in "\n\t" and unicodedata.category(ch)[0] == "C"}
    return text.translate(drop) if drop else text


def is_chrome(line: str) -> bool:
    """True for a line that is page furniture (navigation, counters, prompts, timestamps, copyright)."""
    s = line.strip()
    if not s:
        return True
    if _CHROME_LINE.match(s) or _ALSO_READ.match(s) or _TIMESTAMP.match(s) or _POLL.match(s):
        return True
    # A one- or two-word line with no sentence punctuation is a section label ("Ukraine", "UKRAINE-RUSSIA").
    return len(_WORDS.findall(s)) <= 2 and not _SENTENCE_END.search(s)


def _is_headline(line: str) -> bool:
    words = _WORDS.findall(line)
    return 3 <= len(words) <= 25 and not _SENTENCE_END.search(line.strip())


def clean_article(raw: str, title: str = "") -> Cleaned:
    """Cleaned text (one paragraph a line), a title and the outlet when the page names them."""
    lines = [ln.strip() for ln in normalise(raw).split("\n")]
    # A loading placeholder near the top marks the end of the site header (tickers, other headlines).
    for i, ln in enumerate(lines[:12]):
        if ln.lower().rstrip(".") in ("loading", "getting data"):
            head_end = i
            while head_end + 1 < len(lines) and (is_chrome(lines[head_end + 1])):
                head_end += 1
            lines = lines[head_end + 1:]
            break
    outlet = ""
    kept: list[str] = []
    for ln in lines:
        m = _BYLINE.match(ln)
        if m and len(_WORDS.findall(ln)) <= 6:
            outlet = outlet or m.group("name").strip()  # kept in the text too: "who wrote it?" is a fair question
        if is_chrome(ln):
            continue
        ln = _TRAILING_SOURCE.sub("", ln)
        ln = _GLUED_SENTENCE.sub(" ", ln)
        if kept and ln == kept[-1]:  # image captions are often repeated (alt text + caption)
            continue
        # A quote broken over lines: "...fields,”" + "stated a spokesperson" belong together.
        if kept and (ln[:1].islower() or (ln[:1] in "\"“‘'" and re.search(r"\b[a-z]+$", kept[-1]))):
            kept[-1] = f"{kept[-1]} {ln}"
            continue
        kept.append(ln)
    # Drop a footer blurb about the outlet itself ("MoneyOval is a global media company ...").
    if outlet:
        kept = [ln for ln in kept if not re.match(rf"^{re.escape(outlet)} is an? \w+", ln)]
    if not title and kept and _is_headline(kept[0]):
        title = kept[0]
    return Cleaned(text="\n".join(kept).strip(), title=title.strip(), outlet=outlet)


def fallback_title(text: str, limit: int = 90) -> str:
    """A title for a page that has none: its first sentence, cut at a word boundary."""
    first = text.split("\n", 1)[0]
    m = re.search(r"[.!?](\s|$)", first)
    if m:
        first = first[: m.start() + 1]
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"

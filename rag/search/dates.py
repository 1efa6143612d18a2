"""Dates people type (--since/--until) and time words in a question ("last week") -> a DateWindow."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

from ..errors import RagError
from ..ingest.metadata import read_date

ACCEPTED = "use YYYY-MM-DD, e.g. 2023-03-01 (2023/03/01, 1 March 2023 and March 1, 2023 work too)"

# "Recently", "lately", "latest": news usage means roughly the last month. The window only ranks (or filters
# when asked), so a generous span costs little while a tight one would hide the story a reader meant.
RECENT_DAYS = 30


class BadDate(RagError):
    """A date given for --since/--until (or the app's date fields) could not be read."""


@dataclass(frozen=True)
class DateWindow:
    """Inclusive publish-date range a question points at; `phrase` is the words that set it."""

    since: date
    until: date
    phrase: str


# --- dates people type ------------------------------------------------------------------------------

_NUMERIC_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")


def parse_user_date(text: str | date) -> date:
    """A full calendar date from what a person typed; BadDate naming the accepted forms otherwise.

    >>> parse_user_date("2023-03-09"), parse_user_date("9 March 2023"), parse_user_date("March 9, 2023")
    (datetime.date(2023, 3, 9), datetime.date(2023, 3, 9), datetime.date(2023, 3, 9))
    """
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    s = " ".join(str(text).split())
    if not s:
        raise BadDate(f"Empty date: {ACCEPTED}.")
    numeric = _NUMERIC_DMY.match(s)
    first, second = (int(numeric.group(1)), int(numeric.group(2))) if numeric else (0, 0)
    if numeric and first <= 12 and second <= 12 and first != second:
        # 03/04/2023 is 3 April in most of the world and March 4 in the US: refuse to guess.
        raise BadDate(f"'{s}' is ambiguous (day/month or month/day?): {ACCEPTED}.")
    parsed = read_date(s)
    if parsed is None:
        raise BadDate(f"Could not read '{s}' as a date: {ACCEPTED}.")
    return parsed


# --- time words in a question -----------------------------------------------------------------------

_WEEKDAYS = [d.lower() for d in calendar.day_name]  # monday .. sunday
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple of": 2, "few": 3,
                 "several": 5}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_NUM = r"(?P<n>\d+|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_UNIT = r"(?P<unit>day|week|month|year)s?"
_WEEKDAY = r"(?P<weekday>" + "|".join(_WEEKDAYS) + r")"


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _back(as_of: date, n: int, unit: str) -> date:
    """The first day of the last `n` units ending on as_of (inclusive): 7 days ending on as_of for a week."""
    if unit == "day":
        return as_of - timedelta(days=n - 1)
    if unit == "week":
        return as_of - timedelta(days=7 * n - 1)
    months = n if unit == "month" else 12 * n
    return _add_months(as_of, -months) + timedelta(days=1)


def _latest_month(as_of: date, month: int) -> int:
    """The year of the latest `month` that began on or before as_of ("in March" asked in January = last March)."""
    return as_of.year if month <= as_of.month else as_of.year - 1


def _latest_day(as_of: date, month: int, day: int) -> date | None:
    for year in (as_of.year, as_of.year - 1):
        try:
            d = date(year, month, day)
        except ValueError:
            continue
        if d <= as_of:
            return d
    return None


Span = tuple[date, date]
_Rule = Callable[[re.Match[str], date], "Span | None"]


def _rolling(m: re.Match[str], as_of: date) -> Span:
    raw = (m.groupdict().get("n") or "1").lower()
    n = int(raw) if raw.isdigit() else _NUMBER_WORDS[" ".join(raw.split())]
    return _back(as_of, max(n, 1), m.group("unit").lower()), as_of


def _calendar(m: re.Match[str], as_of: date) -> Span:
    which, unit = m.group("which").lower(), m.group("unit").lower()
    step = 0 if which == "this" else -1
    if unit == "week":
        start = _monday(as_of) + timedelta(weeks=step)
        return start, start + timedelta(days=6)
    if unit == "month":
        first = _add_months(as_of.replace(day=1), step)
        return _month_span(first.year, first.month)
    return date(as_of.year + step, 1, 1), date(as_of.year + step, 12, 31)


def _weekend(m: re.Match[str], as_of: date) -> Span:
    saturday = as_of - timedelta(days=(as_of.weekday() - 5) % 7)
    if m.group("which").lower() == "last" and as_of.weekday() >= 5:
        saturday -= timedelta(weeks=1)  # "last weekend", asked on a weekend: the one before
    return saturday, saturday + timedelta(days=1)


def _weekday(m: re.Match[str], as_of: date) -> Span | None:
    if "which" not in m.groupdict() and re.search(r"\b[A-Z]\w*\s+$", m.string[:m.start()]):
        return None  # a bare weekday after a capitalised word is a name too ("Black Friday", "Easter Sunday")
    back = (as_of.weekday() - _WEEKDAYS.index(m.group("weekday").lower())) % 7
    if back == 0 and (m.groupdict().get("which") or "").lower() == "last":
        back = 7  # "last Sunday" said on a Sunday is a week ago; "on Sunday" is today
    day = as_of - timedelta(days=back)
    return day, day


def _explicit_day(m: re.Match[str], as_of: date) -> Span | None:
    month, day = _MONTHS[m.group("month").lower()], int(m.group("day"))
    if m.group("year"):
        try:
            d: date | None = date(int(m.group("year")), month, day)
        except ValueError:
            return None
    else:
        d = _latest_day(as_of, month, day)
    return (d, d) if d else None


def _explicit_month(m: re.Match[str], as_of: date) -> Span:
    month = _MONTHS[m.group("month").lower()]
    return _month_span(int(m.group("year")) if m.group("year") else _latest_month(as_of, month), month)


def _explicit_year(m: re.Match[str], as_of: date) -> Span:
    year = int(m.group("year"))
    return date(year, 1, 1), date(year, 12, 31)


def _fixed(days_back: int, length: int = 1) -> _Rule:
    return lambda m, as_of: (as_of - timedelta(days=days_back + length - 1), as_of - timedelta(days=days_back))


# The language's time words as a table rather than dateparser's search_dates (installed with htmldate): measured
# on hand-made questions, it returns one day, not a range ("last week" -> 2023-03-03), reads the modal "may"
# and the verb "march" as months, and finds nothing in "recently" or "this past weekend".
# (pattern, resolver). Every match in the question is resolved; the earliest (then longest) one wins, so
# "in the last week" (rolling 7 days) beats the "last week" inside it (the previous calendar week).
_RULES: list[tuple[str, _Rule]] = [
    (r"today|tonight|this (?:morning|afternoon|evening)", _fixed(0)),
    (r"yesterday|last night", _fixed(1)),
    (r"(?:in |over |during |within )?(?:the )?(?:past|last|previous) " + _NUM + " " + _UNIT, _rolling),
    (r"(?:in |over |during |within )?(?:the |this )past " + _UNIT, _rolling),
    (r"(?:in |over |during |within )the (?:last|previous) " + _UNIT + r"(?! of\b)", _rolling),
    (r"(?P<which>this|last|previous) (?P<unit>week|month|year)(?! of\b)", _calendar),
    (r"(?P<which>this past|past|this|last|the) weekend", _weekend),
    (r"(?P<which>on|last|this|past) " + _WEEKDAY, _weekday),
    # A bare weekday before a capitalised word is part of a name ("the Sunday Times").
    (_WEEKDAY + r"(?!\s(?-i:[A-Z]))", _weekday),
    (r"recent|recently|lately|latest|newest|most recent|these days", _fixed(0, RECENT_DAYS)),
    (r"(?:on )?" + _MONTH + r" " + _DAY + r"(?:,? " + _YEAR + r")?", _explicit_day),
    (r"(?:on )?(?:the )?" + _DAY + r"(?: of)? " + _MONTH + r"(?:,? " + _YEAR + r")?", _explicit_day),
    (r"(?:(?:in|during|since|early|late|until|through|of) |mid-|mid )" + _MONTH + r"(?:,? " + _YEAR + r")?",
     _explicit_month),
    (_MONTH + r",? " + _YEAR, _explicit_month),
    (r"(?:in|during|since|of) " + _YEAR, _explicit_year),
]
_COMPILED = [(re.compile(r"(?<![\w-])(?:" + p + r")(?![\w-])", re.IGNORECASE), fn) for p, fn in _RULES]
_SINCE = re.compile(r"\bsince\s*$", re.IGNORECASE)


def time_window(question: str, as_of: date) -> DateWindow | None:
    """The publish-date window the question's time words point at, seen from `as_of`; None without any.

    Windows end no later than as_of (nothing is published after it); a window wholly after as_of
    ("next week", "in 2031") says nothing about publish dates and is ignored. "since X" runs to as_of.

    >>> time_window("Who won the election last week?", date(2023, 3, 10))
    DateWindow(since=datetime.date(2023, 2, 27), until=datetime.date(2023, 3, 5), phrase='last week')
    >>> time_window("Who is Zamir Kabulov?", date(2023, 3, 10)) is None
    True
    """
    text = " ".join(question.split())
    found: list[tuple[int, int, DateWindow]] = []
    for pattern, resolve in _COMPILED:
        for m in pattern.finditer(text):
            span = resolve(m, as_of)
            if span is None or span[0] > as_of:
                continue
            since, until = span[0], min(span[1], as_of)
            start, phrase = m.start(), m.group(0)
            since_word = _SINCE.search(text[:start])
            if since_word or phrase.lower().startswith("since "):
                until = as_of
                if since_word:
                    start, phrase = since_word.start(), text[since_word.start():m.end()]
            found.append((start, -(m.end() - start), DateWindow(since, until, phrase)))
    if not found:
        return None
    return min(found, key=lambda f: (f[0], f[1]))[2]

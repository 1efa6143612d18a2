from datetime import date

import pytest

from rag.errors import RagError
from rag.search.dates import RECENT_DAYS, BadDate, DateWindow, parse_user_date, time_window

FRIDAY = date(2023, 3, 10)  # as_of in most cases below: a Friday
D = date


@pytest.mark.parametrize("text", ["2023-03-09", "2023/03/09", "9 March 2023", "March 9, 2023", "Mar 9 2023",
                                  "9 Mar 2023", "2023-03-09T10:00:00Z", " 2023-03-09 "])
def test_user_dates_in_common_forms(text):
    assert parse_user_date(text) == date(2023, 3, 9)


def test_unambiguous_day_first_and_passthrough():
    assert parse_user_date("31/03/2023") == date(2023, 3, 31)
    assert parse_user_date("1/01/2023") == date(2023, 1, 1)  # day and month agree: nothing to guess
    assert parse_user_date(date(2023, 1, 2)) == date(2023, 1, 2)


@pytest.mark.parametrize("text,words", [
    ("03/31", "Could not read '03/31' as a date: use YYYY-MM-DD, e.g. 2023-03-01"),
    ("2023", "Could not read '2023'"),
    ("March 2023", "Could not read 'March 2023'"),
    ("next week", "Could not read 'next week'"),
    ("2023-02-30", "Could not read '2023-02-30'"),
    ("", "Empty date: use YYYY-MM-DD"),
    ("03/04/2023", "'03/04/2023' is ambiguous"),
])
def test_bad_user_dates_name_the_accepted_form(text, words):
    with pytest.raises(BadDate) as err:
        parse_user_date(text)
    assert words in str(err.value) and "YYYY-MM-DD" in str(err.value)
    assert isinstance(err.value, RagError)


@pytest.mark.parametrize("question,since,until,phrase", [
    ("What happened today in the markets?", D(2023, 3, 10), D(2023, 3, 10), "today"),
    ("Who resigned yesterday?", D(2023, 3, 9), D(2023, 3, 9), "yesterday"),
    ("Which team won this week?", D(2023, 3, 6), D(2023, 3, 10), "this week"),
    ("Which bank failed last week?", D(2023, 2, 27), D(2023, 3, 5), "last week"),
    ("What changed in the last week?", D(2023, 3, 4), D(2023, 3, 10), "in the last week"),
    ("What did the council do this past week?", D(2023, 3, 4), D(2023, 3, 10), "this past week"),
    ("Any storms over the past 3 days?", D(2023, 3, 8), D(2023, 3, 10), "over the past 3 days"),
    ("Who led in the last two weeks?", D(2023, 2, 25), D(2023, 3, 10), "in the last two weeks"),
    ("Which film topped the box office this month?", D(2023, 3, 1), D(2023, 3, 10), "this month"),
    ("What did the bank decide last month?", D(2023, 2, 1), D(2023, 2, 28), "last month"),
    ("Who won the most awards this year?", D(2023, 1, 1), D(2023, 3, 10), "this year"),
    ("Who won the league last year?", D(2022, 1, 1), D(2022, 12, 31), "last year"),
    ("What did the minister say on Sunday?", D(2023, 3, 5), D(2023, 3, 5), "on Sunday"),
    ("What did she announce Friday?", D(2023, 3, 10), D(2023, 3, 10), "Friday"),
    ("Who spoke last Friday?", D(2023, 3, 3), D(2023, 3, 3), "last Friday"),
    ("What happened this past weekend?", D(2023, 3, 4), D(2023, 3, 5), "this past weekend"),
    ("Who recently joined the board?", D(2023, 2, 9), D(2023, 3, 10), "recently"),
    ("What is the latest on the strike?", D(2023, 2, 9), D(2023, 3, 10), "latest"),
    ("What happened on March 9?", D(2023, 3, 9), D(2023, 3, 9), "on March 9"),
    ("What happened on 9 March 2022?", D(2022, 3, 9), D(2022, 3, 9), "on 9 March 2022"),
    ("What did the court rule in December?", D(2022, 12, 1), D(2022, 12, 31), "in December"),
    ("What was agreed in March?", D(2023, 3, 1), D(2023, 3, 10), "in March"),
    ("How has the price moved since Monday?", D(2023, 3, 6), D(2023, 3, 10), "since Monday"),
    ("What has changed since January?", D(2023, 1, 1), D(2023, 3, 10), "since January"),
    ("Who won the election in 2022?", D(2022, 1, 1), D(2022, 12, 31), "in 2022"),
])
def test_time_words_resolve_to_a_window(question, since, until, phrase):
    assert time_window(question, FRIDAY) == DateWindow(since, until, phrase)


def test_recent_window_length():
    window = time_window("Who recently joined the board?", FRIDAY)
    assert window is not None and (window.until - window.since).days == RECENT_DAYS - 1


@pytest.mark.parametrize("question", [
    "Who is Russia's ambassador to Afghanistan?",
    "Who may win the race?",  # a modal verb, not the month
    "Will the workers march on the capital?",
    "What did the Sunday Times report?",  # a weekday inside a name
    "Were Black Friday sales up?",
    "What will happen next week?",  # the future says nothing about publish dates
    "What is planned in 2031?",
])
def test_no_time_words_no_window(question):
    assert time_window(question, FRIDAY) is None


def test_weekday_on_the_day_itself_and_last_weekday():
    sunday = date(2023, 3, 5)
    assert time_window("What happened on Sunday?", sunday) == DateWindow(sunday, sunday, "on Sunday")
    assert time_window("What happened last Sunday?", sunday).since == date(2023, 2, 26)


def test_month_name_asked_early_in_the_year_is_last_year():
    assert time_window("What was agreed in November?", date(2023, 1, 15)).since == date(2022, 11, 1)


def test_last_week_of_a_month_is_that_month():
    assert time_window("What happened during the last week of January?", FRIDAY).since == date(2023, 1, 1)


def test_first_time_phrase_wins_and_window_never_passes_as_of():
    window = time_window("Last month's vote was delayed until this week?", FRIDAY)
    assert window.phrase == "Last month"
    w = time_window("What happened this week?", date(2023, 3, 7))
    assert w.until == date(2023, 3, 7)

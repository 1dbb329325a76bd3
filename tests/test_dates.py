"""Target dates: the phrasings people use, and the ones refused with a hint."""

from datetime import date

import pytest

from mentoring.dates import Dated, check_due, latest_due, parse_due, split_due
from mentoring.errors import InvalidInput

TODAY = date(2026, 11, 21)


@pytest.mark.parametrize(
    ("text", "goal", "due"),
    [
        (
            "Get promoted to Senior Engineer by 2027-05-15",
            "Get promoted to Senior Engineer",
            date(2027, 5, 15),
        ),
        ("Give a talk at PyCon by March 2027", "Give a talk at PyCon", date(2027, 3, 31)),
        ("Ship the CLI in 3 months", "Ship the CLI", date(2027, 2, 21)),
        ("Ship the CLI within two weeks", "Ship the CLI", date(2026, 12, 5)),
        ("Learn Rust by 2027", "Learn Rust", date(2027, 12, 31)),
        ("Talk at a meetup by Q2 2027", "Talk at a meetup", date(2027, 6, 30)),
        ("Give a talk by end of Q2 2027", "Give a talk", date(2027, 6, 30)),
        ("Mentor two juniors by June.", "Mentor two juniors", date(2027, 6, 30)),
        ("Write a post by 15 May", "Write a post", date(2027, 5, 15)),
        ("Write a post by 15/06/2027", "Write a post", date(2027, 6, 15)),
        ("Run the retro by end of next month", "Run the retro", date(2026, 12, 31)),
        ("Close the quarter by the end of the year", "Close the quarter", date(2026, 12, 31)),
        ("Lead the migration by next friday", "Lead the migration", date(2026, 11, 27)),
    ],
)
def test_split_due_reads_common_phrasings(text: str, goal: str, due: date) -> None:
    """Each phrasing the help shows (and a few more) yields the goal text and its last day."""
    dated = split_due(text, TODAY)
    assert (dated.text, dated.due_on) == (goal, due)


@pytest.mark.parametrize(
    "text",
    [
        "Get promoted by demonstrating leadership",
        "Speak at a meetup in Berlin",
        "Ship it by next sprint",
    ],
)
def test_prose_after_by_stays_part_of_the_goal(text: str) -> None:
    """A "by"/"in" clause that isn't a date is left in the text, with no date."""
    dated = split_due(text, TODAY)
    assert (dated.text, dated.due_on) == (text, None)


def test_the_last_by_is_the_date_clause() -> None:
    """ "by leading X by March" keeps the first "by" in the goal."""
    dated = split_due("Get promoted by leading the migration by March 2027", TODAY)
    assert dated == split_due("Get promoted by leading the migration by March 2027", TODAY)
    assert dated.text == "Get promoted by leading the migration"
    assert dated.due_on == date(2027, 3, 31)


@pytest.mark.parametrize(
    ("phrase", "hint"),
    [
        ("31/31/2027", "couldn't read"),
        ("2027-02-30", "couldn't read"),
        ("12", "couldn't read"),
        ("2020-01-01", "in the past"),
        ("05/06/2027", "day-first or month-first"),
        ("2090", "years away"),
    ],
)
def test_unreadable_or_wrong_dates_are_refused_with_a_hint(phrase: str, hint: str) -> None:
    """Bad dates raise InvalidInput saying what is wrong, never a guess."""
    with pytest.raises(InvalidInput, match=hint):
        parse_due(phrase, TODAY)


@pytest.mark.parametrize(
    ("phrase", "message"),
    [
        ("2047-11-21", "2047-11-21 is more than 20 years away; pick a date up to 2046-12-31."),
        (
            "in 21 years",
            "“in 21 years” (2047-11-21) is more than 20 years away; pick a date up to 2046-12-31.",
        ),
    ],
)
def test_a_date_21_years_ahead_is_refused_naming_the_limit(phrase: str, message: str) -> None:
    """The refusal says how far is too far and the last date allowed, quoting what was typed."""
    with pytest.raises(InvalidInput) as refused:
        parse_due(phrase, TODAY)
    assert str(refused.value) == message


def test_a_date_19_years_ahead_is_accepted() -> None:
    """Far but within the limit: kept as given."""
    assert parse_due("2045-11-21", TODAY) == date(2045, 11, 21)


def test_check_due_allows_up_to_the_end_of_the_twentieth_year() -> None:
    """The shared check: 2046-12-31 passes, 2047-01-01 does not, a picked date is not quoted."""
    assert latest_due(TODAY) == date(2046, 12, 31)
    assert check_due(date(2046, 12, 31), TODAY) == date(2046, 12, 31)
    with pytest.raises(InvalidInput, match=r"^2047-01-01 is more than 20 years away"):
        check_due(date(2047, 1, 1), TODAY)
    with pytest.raises(InvalidInput, match=r"^Pick a date in the future\.$"):
        check_due(date(2026, 11, 20), TODAY)


@pytest.mark.parametrize(
    ("text", "goal", "due"),
    [
        ("Cut p95 latency by 20%", "Cut p95 latency by 20%", None),
        ("Reduce build time by 5 minutes", "Reduce build time by 5 minutes", None),
        ("Speed up the import by 3x", "Speed up the import by 3x", None),
        (
            "Grow signups by 15 percent by March 2027",
            "Grow signups by 15 percent",
            date(2027, 3, 31),
        ),
        ("Ship the beta by 15 March 2027", "Ship the beta", date(2027, 3, 15)),
        ("Ship the beta by 30th", "Ship the beta", date(2026, 11, 30)),
    ],
)
def test_an_amount_after_by_is_part_of_the_goal_not_a_date(
    text: str, goal: str, due: date | None
) -> None:
    """ "by 20%" or "by 5 minutes" is how much, never when: the text keeps it and no date (let
    alone one in the past) is read from it; "by 15 March" and "by 30th" still are dates."""
    assert split_due(text, TODAY) == Dated(goal, due)

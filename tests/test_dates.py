"""Target dates: the phrasings people use, and the ones refused with a hint."""

from datetime import date

import pytest

from mentoring.dates import parse_due, split_due
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

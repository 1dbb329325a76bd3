"""Cadence maths: parsing, occurrences, and wall-clock times that survive DST changes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from handlers.meetings import schedule as schedule_handlers
from mentoring.errors import InvalidInput
from mentoring.meetings.cadence import (
    Cadence,
    CadenceSpec,
    first_cadence,
    parse_cadence,
    weekly,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("weekly tue 15:00", CadenceSpec(weekly(1, 1), time(15, 0), None)),
        ("biweekly thursday 9:30", CadenceSpec(weekly(2, 3), time(9, 30), None)),
        (
            "every 3 weeks mon 10:00 Europe/Berlin",
            CadenceSpec(weekly(3, 0), time(10), "Europe/Berlin"),
        ),
        ("Every other week Fri 3pm", CadenceSpec(weekly(2, 4), time(15), None)),
        (
            "fortnightly wed 12:30am America/New_York",
            CadenceSpec(weekly(2, 2), time(0, 30), "America/New_York"),
        ),
        ("every two weeks sun 7:05", CadenceSpec(weekly(2, 6), time(7, 5), None)),
    ],
)
def test_schedules_people_write_are_read(text: str, expected: CadenceSpec) -> None:
    """The documented forms and their obvious variants parse to the same cadence."""
    assert parse_cadence(text) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("sometimes tue 15:00", "couldn't read"),
        ("weekly funday 15:00", "day of the week"),
        ("weekly tue 25:00", "time of day"),
        ("weekly tue 15", "needs minutes"),
        ("weekly tue 13pm", "isn't a time"),
        ("every 13 weeks tue 15:00", "1 to 12"),
        ("weekly tue 15:00 Mars/Olympus", "time zone"),
        ("weekly tue", "day and the time"),
    ],
)
def test_bad_schedules_say_what_is_wrong(text: str, hint: str) -> None:
    """Each mistake gets its own sentence, not a generic refusal."""
    with pytest.raises(InvalidInput) as refused:
        parse_cadence(text)
    assert hint in str(refused.value)


def test_first_meeting_is_the_next_matching_slot() -> None:
    """Set on a Tuesday after 15:00, a Tuesday-15:00 cadence starts the week after."""
    spec = CadenceSpec(weekly(1, 1), time(15), None)
    tuesday_evening = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 17:00 in Berlin
    assert first_cadence(spec, "Europe/Berlin", tuesday_evening).anchor == date(2026, 12, 1)
    tuesday_morning = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert first_cadence(spec, "Europe/Berlin", tuesday_morning).anchor == date(2026, 11, 24)


def test_biweekly_keeps_its_phase() -> None:
    """Every other week counts from the first meeting, whatever instant one asks from."""
    cadence = Cadence(weekly(2, 3), time(9, 30), "Europe/Berlin", date(2026, 12, 3))
    days = [day for day, _ in cadence.upcoming(datetime(2026, 12, 4, tzinfo=UTC), 3)]
    assert days == [date(2026, 12, 17), date(2026, 12, 31), date(2027, 1, 14)]
    assert cadence.next_after(datetime(2026, 11, 1, tzinfo=UTC))[0] == date(2026, 12, 3)


@pytest.mark.parametrize(
    ("tz", "before", "after", "offsets"),
    [
        # Europe: spring forward on 28 March 2027, fall back on 25 October 2026.
        ("Europe/Berlin", date(2027, 3, 23), date(2027, 3, 30), (1, 2)),
        ("Europe/Berlin", date(2026, 10, 20), date(2026, 10, 27), (2, 1)),
        # America: spring forward on 14 March 2027, fall back on 1 November 2026.
        ("America/New_York", date(2027, 3, 9), date(2027, 3, 16), (-5, -4)),
        ("America/New_York", date(2026, 10, 27), date(2026, 11, 3), (-4, -5)),
    ],
)
def test_meetings_stay_at_their_wall_clock_time_across_dst(
    tz: str, before: date, after: date, offsets: tuple[int, int]
) -> None:
    """15:00 local stays 15:00 local on both sides of each transition; the UTC instant moves."""
    cadence = Cadence(weekly(1, 1), time(15), tz, before)
    first, second = cadence.upcoming(datetime.combine(before, time(0), tzinfo=UTC), 2)
    assert (first[0], second[0]) == (before, after)
    for (day, start), offset in zip((first, second), offsets, strict=True):
        local = start.astimezone(cadence.zone)
        assert (local.date(), local.time()) == (day, time(15))
        assert local.utcoffset() == timedelta(hours=offset)
    assert second[1] - first[1] == timedelta(days=7, hours=offsets[0] - offsets[1])


def test_a_time_inside_the_spring_gap_moves_forward() -> None:
    """02:30 does not exist in Berlin on 28 March 2027: the meeting is at 03:30 that day."""
    cadence = Cadence(weekly(1, 6), time(2, 30), "Europe/Berlin", date(2027, 3, 21))
    start = cadence.start_of(date(2027, 3, 28))
    assert start == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert start.astimezone(cadence.zone).time() == time(3, 30)


def test_a_time_that_happens_twice_means_the_first() -> None:
    """01:30 happens twice in New York on 1 November 2026: the meeting is at the first one."""
    cadence = Cadence(weekly(1, 6), time(1, 30), "America/New_York", date(2026, 10, 25))
    assert cadence.start_of(date(2026, 11, 1)) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


SET_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Berlin


def next_three(text: str, now: datetime = SET_AT) -> list[tuple[date, time]]:
    """The local date and time of the first three meetings of `text`, set at `now` in Berlin."""
    cadence = first_cadence(parse_cadence(text), "Europe/Berlin", now)
    return [
        (day, start.astimezone(cadence.zone).time())
        for day, start in cadence.upcoming(now - timedelta(seconds=1), 3)
    ]


TUESDAYS_AT_3PM = [(date(2026, 12, day), time(15)) for day in (1, 8, 15)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("weekly tuesday at 15:00", TUESDAYS_AT_3PM),
        ("every tuesday 15:00", TUESDAYS_AT_3PM),
        ("on tuesday at 3pm", TUESDAYS_AT_3PM),
        ("Every Tuesday, at 3 pm", TUESDAYS_AT_3PM),
        ("tue 15:00", TUESDAYS_AT_3PM),
        (
            "every other thursday 9:30",
            [
                (date(2026, 12, 3), time(9, 30)),
                (date(2026, 12, 17), time(9, 30)),
                (date(2026, 12, 31), time(9, 30)),
            ],
        ),
        (
            "every 3 weeks on monday at 10am",
            [
                (date(2026, 12, 7), time(10)),
                (date(2026, 12, 28), time(10)),
                (date(2027, 1, 18), time(10)),
            ],
        ),
    ],
)
def test_weekly_schedules_read_as_people_say_them(
    text: str, expected: list[tuple[date, time]]
) -> None:
    """Natural phrasings of a weekly cadence ("at", "on", "every", "3 pm") mean what they say."""
    assert next_three(text) == expected


FIRST_MONDAYS = [
    (date(2026, 12, 7), time(10)),
    (date(2027, 1, 4), time(10)),
    (date(2027, 2, 1), time(10)),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("first monday 10:00", FIRST_MONDAYS),
        ("first Monday of the month at 10:00", FIRST_MONDAYS),
        ("monthly on the first monday at 10am", FIRST_MONDAYS),
        ("every 1st mon 10:00", FIRST_MONDAYS),
        (
            "last friday 16:00",
            [
                (date(2026, 12, 25), time(16)),
                (date(2027, 1, 29), time(16)),
                (date(2027, 2, 26), time(16)),
            ],
        ),
        (
            "second wednesday of every month 12:30",
            [
                (date(2026, 12, 9), time(12, 30)),
                (date(2027, 1, 13), time(12, 30)),
                (date(2027, 2, 10), time(12, 30)),
            ],
        ),
        (
            "the 15th 10:00",
            [
                (date(2026, 12, 15), time(10)),
                (date(2027, 1, 15), time(10)),
                (date(2027, 2, 15), time(10)),
            ],
        ),
        (
            "monthly on the 1st at 9am",  # 9:00 on 1 December has passed: January first
            [(date(2027, 1, 1), time(9)), (date(2027, 2, 1), time(9)), (date(2027, 3, 1), time(9))],
        ),
    ],
)
def test_monthly_schedules(text: str, expected: list[tuple[date, time]]) -> None:
    """A weekday of the month (first to fourth, or last) or a date of the month, every month."""
    assert next_three(text) == expected


def test_a_monthly_meeting_keeps_its_wall_clock_time_across_dst() -> None:
    """Last Sunday 15:00 in Berlin: 14:00 UTC in February, 13:00 UTC on the spring-forward day."""
    cadence = first_cadence(
        parse_cadence("last sunday 15:00"), "Europe/Berlin", datetime(2027, 2, 1, tzinfo=UTC)
    )
    (february, first), (march, second) = cadence.upcoming(datetime(2027, 2, 1, tzinfo=UTC), 2)
    assert (february, march) == (date(2027, 2, 28), date(2027, 3, 28))
    assert (first, second) == (
        datetime(2027, 2, 28, 14, tzinfo=UTC),
        datetime(2027, 3, 28, 13, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("sometimes tue 15:00", "weekly tue 15:00"),
        ("daily 9:00", "weekly tue 9:00"),
        ("on the 1st", "monthly on the 1st 15:00"),
        ("weekyl tuesday 15:00", "weekly tue 15:00"),
        ("weekly tue 15", "weekly tue 15:00"),
        ("15:00 every tuesday", "weekly tue 15:00"),
        ("weekly tuesdya 15:00", "weekly tue 15:00"),
        ("montly first monday 10:00", "first mon 10:00"),
        ("biweekly thursday at 9:30 America/New_York pls", "biweekly thu 9:30 America/New_York"),
        ("the 15 10:00", "monthly on the 15th 10:00"),
    ],
)
def test_an_unreadable_schedule_is_answered_with_the_closest_valid_form(
    text: str, suggestion: str
) -> None:
    """The refusal offers a form that reads, built from the words that could be read."""
    with pytest.raises(InvalidInput) as refused:
        parse_cadence(text)
    assert f"Did you mean `{suggestion}`?" in str(refused.value)
    parse_cadence(suggestion)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("the 31st 10:00", "1st to the 28th"),
        ("fifth monday 10:00", "couldn't read"),
        ("monthly tue 15:00", "which Tuesday"),
        ("weekly first monday 10:00", "monthly"),
        ("first monday", "day and the time"),
    ],
)
def test_monthly_mistakes_say_what_is_wrong(text: str, hint: str) -> None:
    """A date some months lack, a fifth weekday, or a monthly rule without its week is refused."""
    with pytest.raises(InvalidInput) as refused:
        parse_cadence(text)
    assert hint in str(refused.value)


def test_the_cadence_says_what_it_is() -> None:
    """Monthly cadences describe themselves in words, like weekly ones."""
    described = {
        text: first_cadence(parse_cadence(text), "Europe/Berlin", SET_AT).describe()
        for text in ("first monday 10:00", "last fri 16:00", "the 15th 10:00", "weekly tue 3pm")
    }
    assert described == {
        "first monday 10:00": "Every month on the first Monday at 10:00 (Europe/Berlin)",
        "last fri 16:00": "Every month on the last Friday at 16:00 (Europe/Berlin)",
        "the 15th 10:00": "Every month on the 15th at 10:00 (Europe/Berlin)",
        "weekly tue 3pm": "Every week on Tuesday at 15:00 (Europe/Berlin)",
    }


def test_every_schedule_the_readme_and_the_help_show_is_read() -> None:
    """The README's and the help's schedule examples, typed as shown, all parse."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("| `/mentor schedule weekly tue 15:00` |", 1)[1].split("\n", 1)[0]
    shown = re.findall(r"`([^`]+)`", section)
    helped = re.findall(r"`([^`]+)`", schedule_handlers.SCHEDULE_FORMS)
    forms = [text for text in shown + helped if re.search(r"\d", text) and text.count(" ") >= 2]
    assert len(forms) >= 12  # the examples, not the words between them (`3pm`, `of the month`)
    for text in forms:
        parse_cadence(text.removeprefix("/mentor schedule "))

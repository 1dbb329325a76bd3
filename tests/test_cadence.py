"""Cadence maths: parsing, occurrences, and wall-clock times that survive DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from mentoring.errors import InvalidInput
from mentoring.meetings.cadence import Cadence, CadenceSpec, first_cadence, parse_cadence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("weekly tue 15:00", CadenceSpec(1, 1, time(15, 0), None)),
        ("biweekly thursday 9:30", CadenceSpec(2, 3, time(9, 30), None)),
        ("every 3 weeks mon 10:00 Europe/Berlin", CadenceSpec(3, 0, time(10), "Europe/Berlin")),
        ("Every other week Fri 3pm", CadenceSpec(2, 4, time(15), None)),
        (
            "fortnightly wed 12:30am America/New_York",
            CadenceSpec(2, 2, time(0, 30), "America/New_York"),
        ),
        ("every two weeks sun 7:05", CadenceSpec(2, 6, time(7, 5), None)),
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
    spec = CadenceSpec(1, 1, time(15), None)
    tuesday_evening = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 17:00 in Berlin
    assert first_cadence(spec, "Europe/Berlin", tuesday_evening).anchor == date(2026, 12, 1)
    tuesday_morning = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert first_cadence(spec, "Europe/Berlin", tuesday_morning).anchor == date(2026, 11, 24)


def test_biweekly_keeps_its_phase() -> None:
    """Every other week counts from the first meeting, whatever instant one asks from."""
    cadence = Cadence(2, 3, time(9, 30), "Europe/Berlin", date(2026, 12, 3))
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
    cadence = Cadence(1, 1, time(15), tz, before)
    first, second = cadence.upcoming(datetime.combine(before, time(0), tzinfo=UTC), 2)
    assert (first[0], second[0]) == (before, after)
    for (day, start), offset in zip((first, second), offsets, strict=True):
        local = start.astimezone(cadence.zone)
        assert (local.date(), local.time()) == (day, time(15))
        assert local.utcoffset() == timedelta(hours=offset)
    assert second[1] - first[1] == timedelta(days=7, hours=offsets[0] - offsets[1])


def test_a_time_inside_the_spring_gap_moves_forward() -> None:
    """02:30 does not exist in Berlin on 28 March 2027: the meeting is at 03:30 that day."""
    cadence = Cadence(1, 6, time(2, 30), "Europe/Berlin", date(2027, 3, 21))
    start = cadence.start_of(date(2027, 3, 28))
    assert start == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert start.astimezone(cadence.zone).time() == time(3, 30)


def test_a_time_that_happens_twice_means_the_first() -> None:
    """01:30 happens twice in New York on 1 November 2026: the meeting is at the first one."""
    cadence = Cadence(1, 6, time(1, 30), "America/New_York", date(2026, 10, 25))
    assert cadence.start_of(date(2026, 11, 1)) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)

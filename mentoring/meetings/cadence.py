"""Meeting cadence: "every N weeks on a weekday at a wall-clock time, in an IANA zone".

A schedule is stored as wall-clock time plus zone, never as a UTC instant, so a Tuesday 15:00
meeting stays at 15:00 local across daylight-saving changes. Occurrences are counted from an
anchor date (the first meeting), so "every 2 weeks" keeps its phase.

Wall-clock times a DST change makes impossible or ambiguous follow zoneinfo's rule (fold=0):
a time in the spring-forward gap moves forward by the gap (02:30 becomes 03:30), and a time
that happens twice at fall-back means the first of the two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mentoring.errors import InvalidInput

MAX_INTERVAL_WEEKS = 12
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SCHEDULE_EXAMPLE = (
    "`/mentor schedule weekly tue 15:00`, `/mentor schedule biweekly thursday 9:30` or "
    "`/mentor schedule every 3 weeks mon 10:00 Europe/Berlin`"
)

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_INTERVAL = re.compile(
    r"^(?:(?P<weekly>weekly|every\s+week)"
    r"|(?P<biweekly>biweekly|bi-weekly|fortnightly|every\s+other\s+week)"
    r"|every\s+(?P<n>\d{1,2}|one|two|three|four|five|six)\s+weeks?)\s+(?P<rest>.*)$",
    re.IGNORECASE,
)
_TIME = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm)?$", re.IGNORECASE)


@dataclass(frozen=True)
class CadenceSpec:
    """What a person typed: the zone is None when they left it to the default."""

    interval_weeks: int
    weekday: int  # 0 = Monday
    at: time
    tz: str | None


@dataclass(frozen=True)
class Cadence:
    interval_weeks: int
    weekday: int
    at: time
    tz: str
    anchor: date  # local date of the first meeting; always a `weekday`

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def start_of(self, local_day: date) -> datetime:
        """The UTC instant the meeting on `local_day` starts."""
        return datetime.combine(local_day, self.at, tzinfo=self.zone).astimezone(UTC)

    def occurrence_on_or_after(self, local_day: date) -> date:
        """The first meeting date on or after `local_day` (never before the anchor)."""
        if local_day <= self.anchor:
            return self.anchor
        period = 7 * self.interval_weeks
        steps = -(-(local_day - self.anchor).days // period)  # ceiling division
        return self.anchor + timedelta(days=steps * period)

    def next_after(self, instant: datetime) -> tuple[date, datetime]:
        """The first meeting that starts strictly after `instant`: (local date, UTC start)."""
        local_day = instant.astimezone(self.zone).date() - timedelta(days=1)
        day = self.occurrence_on_or_after(local_day)
        while self.start_of(day) <= instant:
            day += timedelta(weeks=self.interval_weeks)
        return day, self.start_of(day)

    def upcoming(self, instant: datetime, count: int) -> list[tuple[date, datetime]]:
        """The next `count` meetings after `instant`."""
        found: list[tuple[date, datetime]] = []
        cursor = instant
        for _ in range(count):
            day, start = self.next_after(cursor)
            found.append((day, start))
            cursor = start
        return found

    def describe(self) -> str:
        every = (
            "Every week"
            if self.interval_weeks == 1
            else (
                "Every other week"
                if self.interval_weeks == 2
                else f"Every {self.interval_weeks} weeks"
            )
        )
        return f"{every} on {WEEKDAYS[self.weekday].title()} at {self.at:%H:%M} ({self.tz})"


def parse_cadence(text: str) -> CadenceSpec:
    """`weekly tue 15:00`, `biweekly thursday 9:30`, `every 3 weeks mon 10:00 Europe/Berlin`."""
    match = _INTERVAL.match(" ".join(text.split()))
    if match is None:
        raise InvalidInput(f"I couldn't read that schedule. Try {SCHEDULE_EXAMPLE}.")
    if match.group("weekly"):
        interval = 1
    elif match.group("biweekly"):
        interval = 2
    else:
        raw = match.group("n").lower()
        interval = _NUMBERS[raw] if raw in _NUMBERS else int(raw)
    if not 1 <= interval <= MAX_INTERVAL_WEEKS:
        raise InvalidInput(f"Meet every 1 to {MAX_INTERVAL_WEEKS} weeks.")
    words = match.group("rest").split()
    if len(words) not in (2, 3):
        raise InvalidInput(f"Say the day and the time, like {SCHEDULE_EXAMPLE}.")
    weekday = parse_weekday(words[0])
    at = parse_time(words[1])
    tz = check_zone(words[2]) if len(words) == 3 else None
    return CadenceSpec(interval, weekday, at, tz)


def parse_weekday(word: str) -> int:
    word = word.lower().rstrip(".,")
    if len(word) >= 2:
        for index, name in enumerate(WEEKDAYS):
            if name.startswith(word) and (
                len(word) >= 3 or word in ("mo", "tu", "we", "th", "fr", "sa", "su")
            ):
                return index
    raise InvalidInput(
        f"`{word}` isn't a day of the week; use mon, tue, wed, thu, fri, sat or sun."
    )


def parse_time(word: str) -> time:
    match = _TIME.match(word)
    if match is None:
        raise InvalidInput(f"`{word}` isn't a time; use 24-hour `15:00` or `3pm`.")
    hour, minute = int(match.group("h")), int(match.group("m") or 0)
    ampm = (match.group("ampm") or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            raise InvalidInput(f"`{word}` isn't a time; use 24-hour `15:00` or `3pm`.")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    elif match.group("m") is None:
        raise InvalidInput(f"`{word}` needs minutes, like `{hour}:00`.")
    if hour > 23 or minute > 59:
        raise InvalidInput(f"`{word}` isn't a time of day.")
    return time(hour, minute)


def check_zone(name: str) -> str:
    """An IANA zone name such as `Europe/Berlin`; refused when the zone database lacks it."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidInput(
            f"`{name}` isn't a time zone I know; use an IANA name like `Europe/Berlin` or "
            "`America/New_York`."
        ) from error
    return name


def first_cadence(spec: CadenceSpec, tz: str, now: datetime) -> Cadence:
    """The cadence whose first meeting is the first matching slot after `now`."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    first = today + timedelta(days=(spec.weekday - today.weekday()) % 7)
    probe = Cadence(spec.interval_weeks, spec.weekday, spec.at, tz, first)
    if probe.start_of(first) <= now:
        first += timedelta(weeks=1)
    return Cadence(spec.interval_weeks, spec.weekday, spec.at, tz, first)

"""Meeting cadence: a recurrence rule (weekly, every N weeks, or monthly) with a wall-clock time,
in an IANA zone.

A schedule is stored as wall-clock time plus zone, never as a UTC instant, so a Tuesday 15:00
meeting stays at 15:00 local across daylight-saving changes. Which days a pair meets is an
RFC 5545 recurrence rule (an RRULE such as `FREQ=MONTHLY;BYDAY=1MO`), and the days themselves
are computed by dateutil's `rrule` from an anchor date (the first meeting), so "every 2 weeks"
keeps its phase and "the last Friday" knows how long each month is.

Wall-clock times a DST change makes impossible or ambiguous follow zoneinfo's rule (fold=0):
a time in the spring-forward gap moves forward by the gap (02:30 becomes 03:30), and a time
that happens twice at fall-back means the first of the two.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from mentoring.dates import local_date
from mentoring.errors import InvalidInput

MAX_INTERVAL_WEEKS = 12
LAST_MONTHDAY = 28  # every month has one; the 29th to the 31st would skip some months
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SCHEDULE_EXAMPLE = (
    "`/mentor schedule weekly tue 15:00`, `/mentor schedule every other thursday 9:30` or "
    "`/mentor schedule first monday of the month 10:00`"
)

_RFC_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3,
    "fourth": 4, "4th": 4, "last": -1,
}  # fmt: skip
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_PERIOD = re.compile(
    r"^(?:(?P<weekly>weekly|every\s+week|each\s+week)"
    r"|(?P<biweekly>biweekly|bi-weekly|fortnightly|every\s+other\s+week|every\s+second\s+week"
    r"|every\s+other(?=\s))"
    r"|every\s+(?P<n>\d{1,2}|one|two|three|four|five|six)\s+weeks?"
    r"|(?P<monthly>monthly|every\s+month|each\s+month))(?=\s|$)",
)
_FILLER = {"at", "on", "the", "of", "in", "each", "every", "month"}
_TIME = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm)?$", re.IGNORECASE)
_MONTHDAY = re.compile(r"^(?P<n>\d{1,2})(?:st|nd|rd|th)$")


@dataclass(frozen=True)
class Rule:
    """Which days a pair meets: every `interval_weeks` weeks on `weekday`, or (when monthly)
    on the `nth` `weekday` of each month (-1 for the last) or on day `monthday` of each month."""

    interval_weeks: int  # 0 when monthly
    weekday: int | None = None  # 0 = Monday; None for a date of the month
    nth: int | None = None
    monthday: int | None = None

    @property
    def monthly(self) -> bool:
        return self.interval_weeks == 0

    @property
    def rrule(self) -> str:
        """The rule as RFC 5545 writes it (without DTSTART: the anchor supplies it)."""
        if self.monthday is not None:
            return f"FREQ=MONTHLY;BYMONTHDAY={self.monthday}"
        day = _RFC_DAYS[self.weekday or 0]
        if self.monthly:
            return f"FREQ=MONTHLY;BYDAY={self.nth}{day}"
        return f"FREQ=WEEKLY;INTERVAL={self.interval_weeks};BYDAY={day}"

    @classmethod
    def from_rrule(cls, text: str) -> Rule:
        """The rule `rrule` wrote (the stored form)."""
        parts = dict(part.split("=", 1) for part in text.split(";"))
        if "BYMONTHDAY" in parts:
            return cls(0, monthday=int(parts["BYMONTHDAY"]))
        found = re.fullmatch(r"(?P<nth>[+-]?\d)?(?P<day>[A-Z]{2})", parts["BYDAY"])
        if found is None:
            raise ValueError(f"not a rule this version writes: {text}")
        weekday = _RFC_DAYS.index(found.group("day"))
        if parts["FREQ"] == "MONTHLY":
            return cls(0, weekday, nth=int(found.group("nth")))
        return cls(int(parts.get("INTERVAL", "1")), weekday)

    def describe(self) -> str:
        if self.monthday is not None:
            return f"Every month on the {ordinal(self.monthday)}"
        day = WEEKDAYS[self.weekday or 0].title()
        if self.monthly:
            return f"Every month on the {_ORDINAL_WORDS[self.nth or 1]} {day}"
        every = {1: "Every week", 2: "Every other week"}.get(
            self.interval_weeks, f"Every {self.interval_weeks} weeks"
        )
        return f"{every} on {day}"

    def days(self, anchor: date) -> rrule:
        """The meeting days from `anchor` on, as midnights (dateutil works in datetimes)."""
        return rrulestr(self.rrule, dtstart=datetime.combine(anchor, time()))


def weekly(interval_weeks: int, weekday: int) -> Rule:
    return Rule(interval_weeks, weekday)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class CadenceSpec:
    """What a person typed: the zone is None when they left it to the default."""

    rule: Rule
    at: time
    tz: str | None


@dataclass(frozen=True)
class Cadence:
    rule: Rule
    at: time
    tz: str
    anchor: date  # local date of the first meeting; always one of the rule's days

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def start_of(self, local_day: date) -> datetime:
        """The UTC instant the meeting on `local_day` starts."""
        return datetime.combine(local_day, self.at, tzinfo=self.zone).astimezone(UTC)

    def _days_from(self, local_day: date) -> Iterator[date]:
        """The rule's days on or after `local_day` (never before the anchor)."""
        start = datetime.combine(max(local_day, self.anchor), time())
        for moment in self.rule.days(self.anchor).xafter(start, inc=True):
            yield moment.date()

    def occurrence_on_or_after(self, local_day: date) -> date:
        """The first meeting date on or after `local_day` (never before the anchor)."""
        return next(self._days_from(local_day))

    def next_after(self, instant: datetime) -> tuple[date, datetime]:
        """The first meeting that starts strictly after `instant`: (local date, UTC start)."""
        local_day = local_date(instant, self.tz) - timedelta(days=1)
        for day in self._days_from(local_day):
            if self.start_of(day) > instant:
                return day, self.start_of(day)
        raise AssertionError("an unbounded rule always has a next day")

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
        return f"{self.rule.describe()} at {self.at:%H:%M} ({self.tz})"


_UNREADABLE = "I couldn't read that schedule."
_NO_TIME = "Say the day and the time."


def parse_cadence(text: str) -> CadenceSpec:
    """A day, a time and an optional IANA zone, weekly, every N weeks or monthly:
    `weekly tue 15:00`, `every other thursday 9:30`, `first monday of the month at 10am`,
    `the 15th 10:00 Europe/Berlin`. A refusal offers the closest form that reads."""
    try:
        return _read(text)
    except InvalidInput as refusal:
        suggestion = closest_schedule(text)
        if suggestion is not None:
            raise InvalidInput(f"{refusal} Did you mean `{suggestion}`?") from None
        if str(refusal) in (_UNREADABLE, _NO_TIME):
            raise InvalidInput(f"{refusal} Try {SCHEDULE_EXAMPLE}.") from None
        raise


def _words(text: str) -> tuple[list[str], str | None]:
    """The words of `text`, lower-cased, with "3 pm" as one word; and the zone named in it
    (an IANA name keeps its case), taken out of the words."""
    words, zone = [], None
    for word in text.replace(",", " ").split():
        if "/" in word or word.lower() == "utc":
            zone = "UTC" if word.lower() == "utc" else word
        else:
            words.append(word.lower())
    return re.sub(r"(\d)\s+(am|pm)\b", r"\1\2", " ".join(words)).split(), zone


def _read(text: str) -> CadenceSpec:
    words, zone = _words(text)
    tz = check_zone(zone) if zone is not None else None
    joined = " ".join(words)
    interval, monthly, rest = None, False, joined
    period = _PERIOD.match(joined)
    if period is not None:
        rest = joined[period.end() :]
        if period.group("weekly"):
            interval = 1
        elif period.group("biweekly"):
            interval = 2
        elif period.group("monthly"):
            monthly = True
        else:
            raw = period.group("n")
            interval = _NUMBERS[raw] if raw in _NUMBERS else int(raw)
            if not 1 <= interval <= MAX_INTERVAL_WEEKS:
                raise InvalidInput(f"Meet every 1 to {MAX_INTERVAL_WEEKS} weeks.")
    tokens = rest.split()
    monthly = monthly or "month" in tokens
    tokens = [word for word in tokens if word not in _FILLER]
    if len(tokens) < 2 or not re.search(r"\d", tokens[-1]) or _MONTHDAY.match(tokens[-1]):
        raise InvalidInput(_NO_TIME)
    *day_words, time_word = tokens
    return CadenceSpec(_rule(day_words, interval, monthly), parse_time(time_word), tz)


def _rule(words: list[str], interval: int | None, monthly: bool) -> Rule:
    """The days named by `words` (`tue`, `first monday`, `15th`), every `interval` weeks when
    the person said so, or monthly."""
    if len(words) == 1 and (found := _MONTHDAY.match(words[0])):
        day = int(found.group("n"))
        if not 1 <= day <= LAST_MONTHDAY:
            raise InvalidInput(
                f"Pick a date from the 1st to the {LAST_MONTHDAY}th, which every month has, "
                "or a weekday of the month like `last friday 15:00`."
            )
        if interval is not None:
            raise InvalidInput(f"The {ordinal(day)} comes round monthly, not every few weeks.")
        return Rule(0, monthday=day)
    if len(words) == 2 and words[0] in _ORDINALS:
        weekday = parse_weekday(words[1])
        if interval is not None:
            raise InvalidInput(f"`{words[0]} {words[1]}` comes round monthly, not every few weeks.")
        return Rule(0, weekday, nth=_ORDINALS[words[0]])
    if len(words) == 1:
        if interval is None and not monthly and _loose_weekday(words[0]) is None:
            raise InvalidInput(_UNREADABLE)  # `daily 9:00`: no period, and no day either
        weekday = parse_weekday(words[0])
        if monthly:
            raise InvalidInput(
                f"Say which {WEEKDAYS[weekday].title()} of the month: first, second, third, "
                f"fourth or last, like `first {WEEKDAYS[weekday][:3]} 15:00`."
            )
        return Rule(interval or 1, weekday)
    raise InvalidInput(_UNREADABLE)


def closest_schedule(text: str) -> str | None:
    """The form `parse_cadence` reads that is nearest to `text`: the words of it that could be
    read (a misspelt day or period taken as the nearest one), in the documented order, with
    `tue` or `15:00` where the day or the time is missing. None when nothing could be read,
    or what was read can't be had (an unknown zone, the 29th to the 31st)."""
    words, zone = _words(text)
    if zone is not None:
        try:
            check_zone(zone)
        except InvalidInput:
            return None
    period, day, nth, monthday, at = "weekly", None, None, None, None
    read = False
    for index, word in enumerate(words):
        before = words[index - 1] if index else ""
        after = words[index + 1] if index + 1 < len(words) else ""
        if word.isdigit() and after.startswith("week"):
            period = {1: "weekly", 2: "biweekly"}.get(
                int(word), f"every {min(int(word), MAX_INTERVAL_WEEKS)} weeks"
            )
        elif word in ("weekly", "biweekly", "bi-weekly", "fortnightly", "other", "monthly"):
            period = {"weekly": "weekly", "monthly": "monthly"}.get(word, "biweekly")
        elif ((found := _MONTHDAY.match(word)) and _loose_weekday(after) is None) or (
            word.isdigit() and before == "the"
        ):
            monthday = max(int(found.group("n") if found else word), 1)
        elif word in _ORDINALS or word == "fifth":
            nth = _ORDINALS.get(word, -1)
        elif (clock := _loose_time(word)) is not None:
            at = clock
        elif word == "month":
            period = "monthly"
        elif word not in _FILLER and (weekday := _loose_weekday(word)) is not None:
            day = weekday
        elif near := difflib.get_close_matches(
            word, ("weekly", "biweekly", "fortnightly", "monthly"), 1, 0.75
        ):
            period = {"fortnightly": "biweekly"}.get(near[0], near[0])
        else:
            continue
        read = True
    if not read or (monthday is not None and monthday > LAST_MONTHDAY):
        return None
    short, at = WEEKDAYS[1 if day is None else day][:3], at or "15:00"
    if monthday is not None:
        form = f"monthly on the {ordinal(monthday)} {at}"
    elif nth is not None or period == "monthly":
        form = f"{_ORDINAL_WORDS[nth or 1]} {short} {at}"
    else:
        form = f"{period} {short} {at}"
    form = f"{form} {zone}" if zone is not None else form
    try:
        _read(form)
    except InvalidInput:
        return None
    return form


def _loose_time(word: str) -> str | None:
    """`15` → `15:00`, `3pm` → `15:00`, `13pm` → `13:00`; None for what is no time of day."""
    found = re.fullmatch(r"(\d{1,2})(?:[:.h](\d{2}))?(am|pm)?", word)
    if found is None:
        return None
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    if found.group(3) and 1 <= hour <= 12:
        hour = hour % 12 + (12 if found.group(3) == "pm" else 0)
    return f"{hour}:{minute:02d}" if hour <= 23 and minute <= 59 else None


def _loose_weekday(word: str) -> int | None:
    try:
        return parse_weekday(word)
    except InvalidInput:
        pass
    near = difflib.get_close_matches(word, WEEKDAYS, 1, 0.6) if len(word) >= 4 else []
    return WEEKDAYS.index(near[0]) if near else None


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
    """The cadence whose first meeting is the first of the rule's days that starts after `now`
    (for a rule every N weeks, in any week: the first meeting sets the phase)."""
    today = local_date(now, tz)
    any_week = spec.rule if spec.rule.monthly else replace(spec.rule, interval_weeks=1)
    first, _ = Cadence(any_week, spec.at, tz, today).next_after(now)
    return Cadence(spec.rule, spec.at, tz, first)

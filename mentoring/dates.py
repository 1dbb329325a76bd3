"""Target dates: "by 2027-05-15", "by March 2027", "in 3 months".

Parsing is dateparser's; the rules on top are ours: a month or a year means its last day
("by March" is the end of March), a date must not be in the past nor more than
`MAX_YEARS_AHEAD` years away (`check_due`, which form datepickers go through too), and a
day/month order that could be read both ways is refused rather than guessed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateparser.date import DateDataParser

from mentoring.errors import FieldError, InvalidInput

MAX_YEARS_AHEAD = 20

_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|"
    "july|august|september|october|november|december"
)
_WEEKDAYS = (
    "mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|"
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
_DATE_WORDS = re.compile(
    rf"\d|\b(?:{_MONTHS}|{_WEEKDAYS}|today|tomorrow)\b"
    r"|\b(?:next|this|end of(?: the)?)\s+(?:week|month|quarter|year)\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = "a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_RELATIVE = re.compile(
    rf"^(?:in|within)\s+(?:\d+|{_NUMBER_WORDS})\s+(?:day|week|month|year)s?$"
    rf"|^(?:\d+|{_NUMBER_WORDS})\s+(?:day|week|month|year)s?$"
    rf"|^(?:next|this)\s+(?:week|month|quarter|year|{_WEEKDAYS})$|^tomorrow$",
    re.IGNORECASE,
)
# Greedy body: the last "by" is the date clause ("Get promoted by leading X by March 2027").
_TRAILING_BY = re.compile(r"^(?P<body>.*)\s+by\s+(?P<when>\S.*?)[.!]?$", re.IGNORECASE | re.DOTALL)
_TRAILING_IN = re.compile(
    rf"^(?P<body>.*?)\s+(?P<when>(?:in|within)\s+(?:\d+|{_NUMBER_WORDS})\s+"
    r"(?:day|week|month|year)s?)[.!]?$",
    re.IGNORECASE | re.DOTALL,
)
# "by 20%", "by 5 minutes", "by 3x": an amount, not a date ("by 15 March", "by 20th" are dates).
_MEASURE = re.compile(
    rf"^\d+(?:[.,]\d+)?\s*(?:%|percent\b|x\b"
    rf"|(?!(?:st|nd|rd|th|{_MONTHS}|day|week|month|year|days|weeks|months|years)\b)[a-z]+\b)",
    re.IGNORECASE,
)
_END_OF = re.compile(r"^(?:the\s+)?end\s+of\s+(?P<rest>.+)$", re.IGNORECASE)
_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})$")
_YEAR = re.compile(r"^\d{4}$")


MAX_ZONE_NAME = 64  # IANA's longest is 32; the columns that keep a zone hold 64


def known_zone(name: str | None) -> str | None:
    """`name` if it is an IANA zone this system knows, else None (a zone read from storage or
    from a form's metadata is checked before it is used)."""
    if not name or len(name) > MAX_ZONE_NAME or not name.isascii():
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name no file could have
        return None
    return name


def local_date(now: datetime, tz: str | None) -> date:
    """The date on the wall clock of `tz` at the instant `now`: the one way a person's "today"
    is worked out (form date checks, overdue, due soon, pauses, nudges). No zone, or one this
    system does not know, counts as UTC; mentoring.zones says whose zone applies."""
    zone = known_zone(tz)
    return now.astimezone(ZoneInfo(zone) if zone else UTC).date()


@dataclass(frozen=True)
class Dated:
    """Text with its target-date clause taken off, and the date it named (if any)."""

    text: str
    due_on: date | None


def split_due(text: str, today: date) -> Dated:
    """Take a trailing "by <date>" or "in <n> <units>" off `text`.

    A "by" clause that does not look like a date at all ("by mentoring juniors") or names an
    amount ("by 20%", "by 5 minutes") stays part of the text; one that looks like a date but
    cannot be read is refused with an example.
    """
    for pattern in (_TRAILING_IN, _TRAILING_BY):
        match = pattern.match(text.strip())
        if match is None:
            continue
        when = match.group("when").strip()
        if _MEASURE.match(when) or not (_DATE_WORDS.search(when) or _RELATIVE.match(when)):
            continue
        return Dated(text=match.group("body").strip(), due_on=parse_due(when, today))
    return Dated(text=text.strip(), due_on=None)


def parse_due(phrase: str, today: date) -> date:
    """The last day `phrase` allows, or InvalidInput saying how to write it."""
    phrase = phrase.strip()
    due = _read(phrase, today)
    if due is None:
        raise InvalidInput(
            f"I couldn't read the date “{phrase}”. Try `by 2027-05-15`, `by March 2027` "
            "or `in 3 months`."
        )
    return check_due(due, today, phrase)


def latest_due(today: date) -> date:
    """The last target date allowed: the end of the year `MAX_YEARS_AHEAD` years on."""
    return date(today.year + MAX_YEARS_AHEAD, 12, 31)


def check_due(due: date, today: date, phrase: str | None = None) -> date:
    """`due` if it is a target date we accept (not past, not beyond `latest_due`), else
    InvalidInput. Every way a date comes in goes through here: typed (`phrase`, quoted back)
    or picked from a form's calendar (no phrase), so a date gets the same answer either way."""
    shown = due.isoformat()
    if phrase is not None and phrase != shown:
        shown = f"“{phrase}” ({shown})"
    if due < today:
        if phrase is None:
            raise InvalidInput("Pick a date in the future.")
        raise InvalidInput(f"{shown} is in the past; pick a future date.")
    latest = latest_due(today)
    if due > latest:
        raise InvalidInput(
            f"{shown} is more than {MAX_YEARS_AHEAD} years away; "
            f"pick a date up to {latest.isoformat()}."
        )
    return due


def check_picked_due(due: date | None, today: date, field: str = "due") -> date | None:
    """A date from a form's datepicker, checked as `check_due` checks a typed one; a refusal is
    a FieldError for `field`, so the form shows it beside the date."""
    if due is None:
        return None
    try:
        return check_due(due, today)
    except InvalidInput as refused:
        raise FieldError(field, str(refused)) from refused


def _read(phrase: str, today: date) -> date | None:
    end_of = _END_OF.match(phrase)
    if end_of:
        return _end_of(end_of.group("rest"), today)
    phrase = re.sub(r"^within\b", "in", phrase, flags=re.IGNORECASE)
    if _ISO.match(phrase):
        try:
            return date.fromisoformat(_zero_pad_iso(phrase))
        except ValueError:
            return None
    numeric = _NUMERIC.match(phrase)
    if numeric:
        first, second = int(numeric.group(1)), int(numeric.group(2))
        if first <= 12 and second <= 12 and first != second:
            raise InvalidInput(
                f"“{phrase}” could be read day-first or month-first; write it as "
                "`2027-05-06` or `6 May 2027`."
            )
    if phrase.isdigit() and not _YEAR.match(phrase):
        return None
    if _YEAR.match(phrase):
        return date(int(phrase), 12, 31)
    base = datetime(today.year, today.month, today.day, 12, 0)
    parser = DateDataParser(
        languages=["en"],
        settings={"PREFER_DATES_FROM": "future", "RELATIVE_BASE": base},
    )
    data = parser.get_date_data(phrase)
    if data.date_obj is None:
        return None
    parsed = data.date_obj.date()
    if _RELATIVE.match(phrase):
        return parsed
    if data.period == "month":
        return _month_end(parsed.year, parsed.month)
    if data.period == "year":
        return date(parsed.year, 12, 31)
    if data.period == "quarter":
        last_month = ((parsed.month - 1) // 3) * 3 + 3
        return _month_end(parsed.year, last_month)
    return parsed


def _end_of(rest: str, today: date) -> date | None:
    """ "end of the year", "end of this month", "end of March", "end of Q3"."""
    words = rest.strip().lower().split()
    ahead = 1 if words[:1] == ["next"] else 0
    unit = words[-1] if len(words) <= 2 and words[0] in ("the", "this", "next", words[-1]) else ""
    if unit == "year":
        return date(today.year + ahead, 12, 31)
    if unit == "month":
        year, month = divmod(today.month - 1 + ahead, 12)
        return _month_end(today.year + year, month + 1)
    if unit == "quarter":
        year, month = divmod(((today.month - 1) // 3 + ahead) * 3 + 2, 12)
        return _month_end(today.year + year, month + 1)
    return _read(rest, today)  # a month, quarter or year already reads as its last day


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _zero_pad_iso(phrase: str) -> str:
    year, month, day = phrase.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"

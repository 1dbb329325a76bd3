"""Whether two people share working hours: at least SHARED_HOURS of their working days
(09:00–18:00 local, in each person's Slack time zone) overlap on the day in question. Someone
whose zone is unknown is not excluded for it (nothing says they don't share hours)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WORKDAY = (time(9), time(18))
SHARED_HOURS = 2


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _workday(zone: ZoneInfo, day: date) -> tuple[datetime, datetime]:
    start, end = (datetime.combine(day, moment, tzinfo=zone) for moment in WORKDAY)
    return start, end


def overlap(one: str | None, other: str | None, day: date) -> timedelta | None:
    """How long the two working days overlap around `day` (None when a zone is unknown)."""
    first, second = _zone(one), _zone(other)
    if first is None or second is None:
        return None
    start, end = _workday(first, day)
    best = timedelta(0)
    for shift in (-1, 0, 1):  # the other's working day may fall on the day before or after
        other_start, other_end = _workday(second, day + timedelta(days=shift))
        shared = min(end, other_end) - max(start, other_start)
        best = max(best, shared)
    return best


def share_hours(one: str | None, other: str | None, day: date) -> bool:
    """At least SHARED_HOURS overlap, or a zone is unknown."""
    shared = overlap(one, other, day)
    return shared is None or shared >= timedelta(hours=SHARED_HOURS)

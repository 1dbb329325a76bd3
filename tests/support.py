"""Test helpers: a frozen clock, and pairs and schedules set up straight through the rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from fakeslack.payloads import TEAM
from mentoring.cadence import parse_cadence
from mentoring.meetings import ScheduleView, set_schedule
from mentoring.model import Actor, PairInfo, Target
from mentoring.pairs import create_pair

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def T(**offset: float) -> datetime:  # noqa: N802  (reads as a time: T(days=3))
    return T0 + timedelta(**offset)


class FrozenClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **offset: float) -> None:
        self.now += timedelta(**offset)


def pair_up(
    engine: Engine,
    mentor: str = "UMENTOR",
    mentee: str = "UMENTEE",
    channel: str = "C1",
    actor: Actor | None = None,
) -> PairInfo:
    """Pair two people straight through the rules (no Slack), as `mentee` unless told."""
    return create_pair(
        engine,
        actor or Actor(mentee),
        team_id=TEAM,
        mentor_id=mentor,
        mentee_id=mentee,
        channel_id=channel,
        now=T0,
    )


def schedule_meetings(
    engine: Engine,
    text: str = "weekly tue 15:00 Europe/Berlin",
    *,
    mentee: str = "UMENTEE",
    now: datetime = T0,
    default_tz: str = "UTC",
    member_tz: tuple[str | None, str | None] = (None, None),
) -> ScheduleView:
    """Set the cadence of `mentee`'s only pair straight through the rules (no Slack)."""
    return set_schedule(
        engine,
        Actor(mentee),
        Target(),
        parse_cadence(text),
        default_tz=default_tz,
        member_tz=member_tz,
        now=now,
    )

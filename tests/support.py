"""Test helpers: a frozen clock, the fake Slack's clock, pacing's virtual time, pairs and
schedules set up straight through the rules, a dispatcher wired as in production, and a scan of
every table for words and ids."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import FIRST_COMPLETED, Future, wait
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import SQLModel

from bot.scheduler import build_dispatcher, make_dispatch_client
from bot.settings import Settings
from fakeslack.payloads import TEAM
from mentoring.meetings.cadence import parse_cadence
from mentoring.meetings.schedule import ScheduleView, set_schedule
from mentoring.model import Actor, PairInfo, Target
from mentoring.pairs import create_pair
from outbox import Dispatcher, Limits
from outbox.pacing import Sent
from storage.db import session_scope

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


class SlackClock:
    """The fake Slack's clock (seconds, like ``time.monotonic``): real time, plus however far a
    test moved it on — to make a response_url 31 minutes old without waiting."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.ahead

    def advance(self, **offset: float) -> None:
        self.ahead += timedelta(**offset).total_seconds()


class VirtualTime:
    """Pacing's time in tests (outbox.pacing.Timeline): a post takes no time, and the seconds
    pacing waits for with nothing in flight pass at once. So a pass paced one second per
    channel, or resting after a 429, takes the seconds it should on this timeline and
    none of the test's."""

    def __init__(self, wall_start: datetime = T0) -> None:
        self.now = 0.0
        self.wall_start = wall_start.timestamp()
        self.lock = threading.Lock()

    def monotonic(self) -> float:
        with self.lock:
            return self.now

    def wall(self) -> float:
        return self.wall_start + self.monotonic()

    def wait(
        self, running: Collection[Future[Sent]], timeout: float | None, stopping: threading.Event
    ) -> set[Future[Sent]]:
        if running:  # what is in flight finishes before this timeline moves on
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            return done
        if not stopping.is_set():
            with self.lock:
                self.now += 0.001 if timeout is None else timeout
        return set()


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


FAST = Limits(channel_interval=0.0, per_minute=60_000, concurrency=4)


def dispatcher(
    engine: Engine,
    settings: Settings,
    worker: str = "w1",
    client: WebClient | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    limits: Limits = FAST,
) -> Dispatcher:
    """A dispatcher wired as in production (bot.scheduler), talking to the fake Slack at
    `settings`, on a clock frozen at T0, paced only by `limits` (no pacing unless told) on
    a `VirtualTime` of its own."""
    return build_dispatcher(
        engine,
        client or make_dispatch_client(settings),
        clock or FrozenClock(T0),
        worker,
        limits,
        VirtualTime(),
    )


def scan(engine: Engine, needles: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """Every column of every table (SQLModel.metadata) that holds text, JSON or bytes, searched
    for each needle: (table, column, needle) for each hit. Columns are picked by what they
    hold, not by their declared type (SQLModel's `str` fields are AutoString, not String)."""
    hits = []
    with session_scope(engine) as session:
        for table in SQLModel.metadata.sorted_tables:
            for row in session.execute(table.select()):
                for name, value in row._mapping.items():
                    if isinstance(value, bytes):
                        text = value.decode("utf-8", "replace")
                    elif isinstance(value, str):
                        text = value
                    elif isinstance(value, dict | list):
                        text = json.dumps(value, ensure_ascii=False)
                    else:
                        continue
                    hits += [(table.name, name, n) for n in needles if _found(n, text)]
    return hits


def _found(needle: str, text: str) -> bool:
    """`needle` in `text` as a whole word (UMENTEE is not in UMENTEE2)."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(needle)}(?![A-Za-z0-9])", text) is not None


def outside_work(hits: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The hits outside the work queue, which records every request, refused ones too."""
    return [hit for hit in hits if hit[0] not in ("work", "workstep")]

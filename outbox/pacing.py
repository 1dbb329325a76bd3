"""Pacing: the workspace budget shared through the database, and one post at a time per channel.

Slack allows about one message per second per channel, and the workspace has a budget per
minute that every dispatching process shares. `take_budget` is that budget: a token bucket in
the database. `send_paced` sends a batch with each channel paced on its own and one budget
token per post, so a slow or rate-limited channel never holds up the others.

Pacing reads time and waits through a `Timeline` it is handed: `REAL_TIME` in production, and
in tests a timeline whose seconds pass only when pacing waits (tests.support.VirtualTime), so
a test of a one-second spacing or a 30-second Retry-After waits on no real time.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from mentoring.prompts import Outgoing
from storage import ledger
from storage.db import session_scope
from storage.models import DispatchBudget

BUDGET = "workspace"
MIN_BUDGET_POLL = 0.05  # seconds between asking the database for budget when it has none
# A pass takes half a second's worth of tokens at a time and spends them as its posts go out:
# Slack counts a post when it arrives, up to about this long after its token was granted.
SPENT_WITHIN = 1.0


@dataclass(frozen=True)
class Limits:
    """How fast one dispatcher may post: Slack's per-channel pace and the workspace budget."""

    channel_interval: float = 1.0  # seconds between two posts in one channel
    per_minute: int = 300  # workspace-wide budget
    concurrency: int = 8  # posts in flight at once


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Sent:
    """What one attempt to post came to, as far as pacing is concerned."""

    status: str  # sent, planned (back for a retry), failed
    rest: float = 0.0  # seconds the channel should rest (Retry-After)
    workspace: bool = False  # rest the whole pass, not only this channel


class Timeline(Protocol):
    """Where pacing reads the time and waits."""

    def monotonic(self) -> float:
        """Seconds, for intervals within one process."""
        ...

    def wall(self) -> float:
        """Seconds since the epoch, for the budget every process shares."""
        ...

    def wait(
        self, running: Collection[Future[Sent]], timeout: float | None, stopping: threading.Event
    ) -> set[Future[Sent]]:
        """Wait until one of `running` is done, `timeout` seconds pass or `stopping` is set
        (with nothing running); return the posts that are done."""
        ...


class RealTime:
    """The machine's clocks, and waits that take the time they say."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    def wait(
        self, running: Collection[Future[Sent]], timeout: float | None, stopping: threading.Event
    ) -> set[Future[Sent]]:
        if not running:
            stopping.wait(0.001 if timeout is None else timeout)
            return set()
        done, _ = wait(running, timeout=timeout, return_when=FIRST_COMPLETED)
        return done


REAL_TIME = RealTime()


def take_budget(engine: Engine, wanted: int, per_minute: int, wall: float) -> int:
    """Take up to `wanted` posts from the workspace's budget; returns how many were granted.

    One token bucket for all processes. It holds at most half a second's worth (at least 1)
    and refills at the rate that leaves room for that burst over a minute and SPENT_WITHIN,
    so no 60-second window — Slack counts a sliding minute, as posts arrive — ever carries
    more than `per_minute` posts, even with each post going out a while after its token.
    """
    capacity = max(1.0, per_minute / 120.0)
    rate = max(per_minute - capacity, 1.0) / (60.0 + SPENT_WITHIN)
    while True:
        try:
            with session_scope(engine) as session:
                row = ledger.budget_row(session, BUDGET)
                if row is None:
                    row = DispatchBudget(name=BUDGET, tokens=capacity, refilled_at=wall)
                    with session.begin_nested():
                        session.add(row)
                elapsed = max(0.0, wall - row.refilled_at)
                tokens = min(capacity, row.tokens + elapsed * rate)
                granted = min(wanted, int(tokens))
                row.tokens = tokens - granted
                row.refilled_at = max(row.refilled_at, wall)
                session.add(row)
                return granted
        except IntegrityError:
            continue  # another process created the row first: take from theirs


class Pacer:
    """The workspace budget, taken from the database's shared bucket half a second's worth at a
    time, and a pause for everything after a 429. Monotonic seconds."""

    def __init__(
        self, limits: Limits, take: Callable[[int], int], monotonic: Callable[[], float]
    ) -> None:
        self.take_shared = take
        self.monotonic = monotonic
        self.rate = limits.per_minute / 60.0
        self.chunk = max(1, int(self.rate / 2))
        self.tokens = 0
        self.ask_again_at = 0.0
        self.rest_until = 0.0

    def budget_wait(self) -> float:
        """Seconds until this pass may post again (0: now, and a token is reserved)."""
        now = self.monotonic()
        if self.rest_until > now:
            return self.rest_until - now
        if self.tokens >= 1:
            return 0.0
        if now < self.ask_again_at:
            return self.ask_again_at - now
        self.tokens += self.take_shared(self.chunk)
        if self.tokens >= 1:
            return 0.0
        self.ask_again_at = now + max(MIN_BUDGET_POLL, 1 / self.rate)
        return self.ask_again_at - now

    def take(self) -> None:
        self.tokens -= 1

    def rest_all(self, seconds: float) -> None:
        self.rest_until = max(self.rest_until, self.monotonic() + seconds)


def send_paced(
    pool: ThreadPoolExecutor,
    pacer: Pacer,
    limits: Limits,
    outgoing: Sequence[Outgoing],
    send: Callable[[Outgoing], Sent],
    stopping: threading.Event,
    timeline: Timeline = REAL_TIME,
) -> tuple[Counter[str], list[Outgoing]]:
    """Send every row, one at a time per channel, as fast as the budget allows.

    Returns the count of each outcome and the rows never handed to `send`: none, unless
    `stopping` was set, after which nothing new is sent and the posts in flight are waited for.
    """
    monotonic = timeline.monotonic
    outcomes: Counter[str] = Counter()
    queues: dict[str, deque[Outgoing]] = {}
    for out in outgoing:
        queues.setdefault(out.recipient, deque()).append(out)
    order = itertools.count()
    ready = [(0.0, next(order), channel) for channel in queues]
    heapq.heapify(ready)
    running: dict[Future[Sent], tuple[str, float]] = {}
    while ready or running:
        if stopping.is_set():
            ready.clear()
        while ready and len(running) < limits.concurrency:
            # The budget is asked only once the channel may post: a token taken while it
            # rests would be spent a second late, outside what the bucket leaves room for.
            delay = ready[0][0] - monotonic()
            if delay <= 0:
                delay = pacer.budget_wait()
            if delay > 0:
                break
            _, _, channel = heapq.heappop(ready)
            pacer.take()
            out = queues[channel].popleft()
            running[pool.submit(send, out)] = (channel, monotonic())
        timeout = None
        if ready and len(running) < limits.concurrency:
            rest = ready[0][0] - monotonic()
            timeout = max(0.001, rest if rest > 0 else pacer.budget_wait())
        for future in timeline.wait(running, timeout, stopping):
            channel, started = running.pop(future)
            result = future.result()
            outcomes[result.status] += 1
            if result.workspace:
                pacer.rest_all(result.rest)
            if queues[channel] and not stopping.is_set():
                next_time = max(started + limits.channel_interval, monotonic() + result.rest)
                heapq.heappush(ready, (next_time, next(order), channel))
    unsent = [out for queue in queues.values() for out in queue]
    return outcomes, unsent

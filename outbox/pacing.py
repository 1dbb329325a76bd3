"""Pacing: the workspace budget shared through the database, and one post at a time per channel.

Slack allows about one message per second per channel, and the workspace has a budget per
minute that every dispatching process shares. `take_budget` is that budget: a token bucket in
the database. `send_paced` sends a batch with each channel paced on its own and one budget
token per post, so a slow or rate-limited channel never holds up the others.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from mentoring.prompts import Outgoing
from storage import ledger
from storage.db import session_scope
from storage.models import DispatchBudget

BUDGET = "workspace"
MIN_BUDGET_POLL = 0.05  # seconds between asking the database for budget when it has none


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


def take_budget(engine: Engine, wanted: int, per_minute: int, wall: float) -> int:
    """Take up to `wanted` posts from the workspace's budget; returns how many were granted.

    One token bucket for all processes. It holds at most half a second's worth (at least 1)
    and refills at the rate that leaves room for that burst, so no 60-second window — Slack
    counts a sliding minute — ever carries more than `per_minute` posts.
    """
    capacity = max(1.0, per_minute / 120.0)
    rate = max(per_minute - capacity, 1.0) / 60.0
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
        self,
        limits: Limits,
        take: Callable[[int], int],
        monotonic: Callable[[], float] = time.monotonic,
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
    monotonic: Callable[[], float] = time.monotonic,
) -> tuple[Counter[str], list[Outgoing]]:
    """Send every row, one at a time per channel, as fast as the budget allows.

    Returns the count of each outcome and the rows never handed to `send`: none, unless
    `stopping` was set, after which nothing new is sent and the posts in flight are waited for.
    """
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
            when = ready[0][0]
            delay = max(when - monotonic(), pacer.budget_wait())
            if delay > 0:
                break
            _, _, channel = heapq.heappop(ready)
            pacer.take()
            out = queues[channel].popleft()
            running[pool.submit(send, out)] = (channel, monotonic())
        timeout = None
        if ready and len(running) < limits.concurrency:
            timeout = max(0.001, ready[0][0] - monotonic(), pacer.budget_wait())
        if not running:
            stopping.wait(timeout or 0.001)
            continue
        done, _ = wait(running, timeout=timeout, return_when=FIRST_COMPLETED)
        for future in done:
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

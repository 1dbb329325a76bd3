"""The dispatcher: one pass sends every prompt that is due, once, within Slack's limits.

A pass plans the meetings that are due to be planned, then claims due ledger rows in batches
(mentoring.deliveries) and sends them from a small thread pool. Slack allows about one message
per second per channel, and the workspace has a budget (per minute, shared by every process
through the database): the pass paces each channel on its own and takes one budget token per
post, so a slow or rate-limited channel never holds up the others.

Faults: a 429 puts the row back for after Retry-After (and rests the whole pass, since Slack
does not say whether the channel or the workspace was over its limit); a 5xx, a
timeout or a dropped connection puts it back with backoff, marked uncertain — the next attempt
first looks in the channel's history for the message (each post carries its ledger key in
message metadata), so a post that reached Slack unanswered is never repeated. Permanent errors
(channel_not_found, is_archived, not_in_channel, account_inactive, …) fail the row and warn the
pair's members by DM, once.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from handlers import dashboard
from handlers.goals.roadmap import share_roadmap
from handlers.outgoing import render
from handlers.runtime import Clock, slack_error
from mentoring import deliveries
from mentoring.deliveries import Outgoing, Skipped

logger = logging.getLogger("mentorbot.dispatch")

METADATA_EVENT = "mentorbot_prompt"
CLAIM_BATCH = 200
HISTORY_LOOKBACK = 200
MIN_BUDGET_POLL = 0.05  # seconds between asking the database for budget when it has none
RETRYABLE = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
NEEDS_ATTENTION = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "restricted_action",
    }
)
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
)


@dataclass(frozen=True)
class Limits:
    """How fast one dispatcher may post: Slack's per-channel pace and the workspace budget."""

    channel_interval: float = 1.0  # seconds between two posts in one channel
    per_minute: int = 300  # workspace-wide budget
    concurrency: int = 8  # posts in flight at once


@dataclass
class TickReport:
    planned: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        parts = [f"planned {self.planned} meeting(s)"]
        parts += [f"{status} {count}" for status, count in sorted(self.outcomes.items())]
        if self.reasons:
            parts.append(
                "(" + ", ".join(f"{r}: {n}" for r, n in sorted(self.reasons.items())) + ")"
            )
        return ", ".join(parts)


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


@dataclass(frozen=True)
class Sent:
    status: str  # sent, planned (back for a retry), failed
    rest: float = 0.0  # seconds the channel should rest (Retry-After)
    workspace: bool = False  # rest the whole pass, not only this channel


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        client: WebClient,
        clock: Clock,
        *,
        worker: str,
        limits: Limits = Limits(),
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.client = client
        self.clock = clock
        self.worker = worker
        self.limits = limits
        self.monotonic = monotonic
        self.wall = wall
        self._lock = threading.Lock()

    def tick(self, at: datetime | None = None) -> TickReport:
        """One pass as of `at` (default: the clock, read again for each batch it claims)."""
        report = TickReport()
        with self._lock:
            report.planned = deliveries.plan_due(self.engine, at or self.clock())
            pacer = Pacer(self.limits, self._take_budget, self.monotonic)
            with ThreadPoolExecutor(self.limits.concurrency, thread_name_prefix="dispatch") as pool:
                while True:
                    now = at or self.clock()
                    ids = deliveries.claim(self.engine, now, self.worker, CLAIM_BATCH)
                    if not ids:
                        break
                    # Prepared one by one: each is a short transaction, and on SQLite parallel
                    # ones would only queue for the write lock.
                    prepared = [self._prepare(delivery_id, now) for delivery_id in ids]
                    for item in prepared:
                        if isinstance(item, Skipped):
                            report.outcomes["skipped"] += 1
                            report.reasons[item.reason] += 1
                    outgoing = [item for item in prepared if isinstance(item, Outgoing)]
                    self._send_paced(pool, pacer, outgoing, now, report)
                    self._redraw_homes(prepared)
        if report.planned or report.outcomes:
            logger.info("dispatch pass", extra={"summary": report.summary()})
        return report

    def _redraw_homes(self, prepared: list[Outgoing | Skipped]) -> None:
        """Redraw the App Home of pairs whose review opened, closed or was called off in this
        batch. Only those: what merely moves with time (the next meeting) is drawn afresh
        whenever a Home is opened, and views.publish has a rate limit of its own."""
        pairs = {item.redraws_home_of for item in prepared if item.redraws_home_of is not None}
        dashboard.redraw_homes(self.engine, self.clock, self.client, pairs)

    def _take_budget(self, wanted: int) -> int:
        return deliveries.take_budget(self.engine, wanted, self.limits.per_minute, self.wall())

    def _prepare(self, delivery_id: int, now: datetime) -> Outgoing | Skipped:
        return deliveries.prepare(self.engine, delivery_id, self.worker, now)

    def _send_paced(
        self,
        pool: ThreadPoolExecutor,
        pacer: Pacer,
        outgoing: list[Outgoing],
        now: datetime,
        report: TickReport,
    ) -> None:
        """Send every row, one at a time per channel, as fast as the budget allows."""
        queues: dict[str, deque[Outgoing]] = {}
        for out in outgoing:
            queues.setdefault(out.recipient, deque()).append(out)
        order = itertools.count()
        ready = [(0.0, next(order), channel) for channel in queues]
        heapq.heapify(ready)
        running: dict[Future[Sent], tuple[str, float]] = {}
        while ready or running:
            while ready and len(running) < self.limits.concurrency:
                when = ready[0][0]
                delay = max(when - self.monotonic(), pacer.budget_wait())
                if delay > 0:
                    break
                _, _, channel = heapq.heappop(ready)
                pacer.take()
                out = queues[channel].popleft()
                running[pool.submit(self._send, out, now)] = (channel, self.monotonic())
            timeout = None
            if ready and len(running) < self.limits.concurrency:
                timeout = max(0.001, ready[0][0] - self.monotonic(), pacer.budget_wait())
            if not running:
                time.sleep(timeout or 0.001)
                continue
            done, _ = wait(running, timeout=timeout, return_when=FIRST_COMPLETED)
            for future in done:
                channel, started = running.pop(future)
                result = future.result()
                report.outcomes[result.status] += 1
                if result.workspace:
                    pacer.rest_all(result.rest)
                if queues[channel]:
                    next_time = max(
                        started + self.limits.channel_interval, self.monotonic() + result.rest
                    )
                    heapq.heappush(ready, (next_time, next(order), channel))

    def _send(self, out: Outgoing, now: datetime) -> Sent:
        """Post one row and record what happened. Never raises."""
        try:
            return self._post(out, now)
        except Exception:
            logger.exception("dispatch failed", extra={"delivery": out.delivery_id})
            status = deliveries.retry_later(
                self.engine,
                out,
                self.worker,
                now,
                wait=BACKOFF[-1],
                error="internal",
                uncertain=True,
            )
            return Sent(status)

    def _post(self, out: Outgoing, now: datetime) -> Sent:
        message = render(out)
        try:
            if out.uncertain:
                found = self._find_posted(out)
                if found is not None:
                    channel, ts = found
                    deliveries.mark_sent(self.engine, out, self.worker, channel, ts, now)
                    logger.info(
                        "delivery found already posted", extra={"delivery": out.delivery_id}
                    )
                    return Sent("sent")
            posted = self.client.chat_postMessage(
                channel=out.recipient,
                text=message["text"],
                blocks=message["blocks"],
                metadata={"event_type": METADATA_EVENT, "event_payload": {"delivery": out.key}},
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            return self._failed(out, now, error)
        except OSError as error:  # timeouts, refused or dropped connections
            logger.warning(
                "slack unreachable", extra={"delivery": out.delivery_id, "error": repr(error)}
            )
            status = deliveries.retry_later(
                self.engine,
                out,
                self.worker,
                now,
                wait=_backoff(out),
                error="timeout",
                uncertain=True,
            )
            return Sent(status)
        deliveries.mark_sent(self.engine, out, self.worker, posted["channel"], posted["ts"], now)
        logger.info("delivery sent", extra={"delivery": out.delivery_id, "kind": out.kind})
        self._attach_roadmap(out, posted["channel"])
        return Sent("sent")

    def _attach_roadmap(self, out: Outgoing, channel: str) -> None:
        """A review summary just posted gets the roadmap picture below it: once, best effort
        (a lost answer is not retried, so the picture can go missing but never doubles)."""
        picture = out.review.picture if out.review is not None else None
        if picture is None or picture.empty or out.review is None:
            return
        number = out.review.review.number
        share_roadmap(self.client, channel, picture, f"The roadmap at review {number}.")

    def _failed(self, out: Outgoing, now: datetime, error: SlackApiError) -> Sent:
        code = slack_error(error)
        status = error.response.status_code
        extra = {"delivery": out.delivery_id, "error": code, "status": status}
        if status == 429 or code == "ratelimited":
            rest = _retry_after(error.response.headers)
            logger.warning("rate limited", extra={**extra, "retry_after": rest})
            result = deliveries.retry_later(
                self.engine,
                out,
                self.worker,
                now,
                wait=timedelta(seconds=rest),
                error="ratelimited",
                uncertain=False,
                counts=False,
            )
            return Sent(result, rest=rest, workspace=True)
        if status >= 500 or code in RETRYABLE:
            logger.warning("slack error, will retry", extra=extra)
            result = deliveries.retry_later(
                self.engine, out, self.worker, now, wait=_backoff(out), error=code, uncertain=True
            )
            return Sent(result)
        logger.warning("delivery failed", extra=extra)
        if code in NEEDS_ATTENTION:
            deliveries.mark_failed(self.engine, out, self.worker, now, code)
        else:
            deliveries.mark_failed(self.engine, out, self.worker, now, code, warn=False)
        return Sent("failed")

    def _find_posted(self, out: Outgoing) -> tuple[str, str] | None:
        """The message this row already posted, if an unanswered attempt reached Slack."""
        channel = out.recipient
        if out.audience != "channel":
            channel = self.client.conversations_open(users=out.recipient)["channel"]["id"]
        history = self.client.conversations_history(
            channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
        )
        for message in history.get("messages", []):
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_EVENT and payload.get("delivery") == out.key:
                return channel, str(message["ts"])
        return None


def _backoff(out: Outgoing) -> timedelta:
    return BACKOFF[min(out.attempts, len(BACKOFF) - 1)]


def _retry_after(headers: Any) -> float:
    try:
        value = headers.get("Retry-After") or headers.get("retry-after")
        return max(1.0, float(value))
    except (TypeError, ValueError):
        return 1.0

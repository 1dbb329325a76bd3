"""The dispatcher: one pass sends every scheduled message that is due, once, within Slack's
limits.

A pass plans the meetings that are due to be planned (mentoring.prompts), then claims due
ledger rows in batches (outbox.claims), asks the domain what each says or why it is skipped,
and sends them from a small thread pool, each channel paced on its own within the workspace
budget (outbox.pacing). While one batch is sent, the next is claimed and decided, so the posts
never wait for those reads. What a message looks like, and what follows a post, are passed in:
`render` builds the message, `after_post` runs after a row was posted, `on_changed` hears which
pairs a batch changed. This package knows no listener.

Faults: a 429 puts the row back for after Retry-After (and rests the whole pass, since Slack
does not say whether the channel or the workspace was over its limit); a 5xx, a timeout or a
dropped connection puts it back with backoff, marked uncertain — the next attempt first looks
in the channel's history for the message (outbox.recovery), so a post that reached Slack
unanswered is never repeated. Permanent errors (channel_not_found, is_archived,
not_in_channel, account_inactive, …) fail the row and warn the pair's members by DM, once.

`stop()` ends a pass early: nothing new is posted, the posts in flight are recorded, and every
row claimed but not posted is handed back (outbox.outcomes.release) for the next pass.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from mentoring.prompts import Outgoing, Skipped, plan_due, prepare
from outbox.claims import claim
from outbox.outcomes import mark_failed, mark_sent, release, retry_later
from outbox.pacing import (
    DEFAULT_LIMITS,
    REAL_TIME,
    Limits,
    Pacer,
    Sent,
    Timeline,
    send_paced,
    take_budget,
)
from outbox.recovery import find_posted, metadata_of

logger = logging.getLogger("mentorbot.dispatch")

Clock = Callable[[], datetime]
Render = Callable[[Outgoing], dict[str, Any]]
AfterPost = Callable[[Outgoing, str], None]
OnChanged = Callable[[frozenset[int]], None]

CLAIM_BATCH = 200
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


@dataclass(frozen=True)
class _Batch:
    """Rows claimed together as of `now`: their ids, and what was decided for the first
    `len(prepared)` of them (all, unless the dispatcher was stopped meanwhile)."""

    now: datetime
    ids: list[int]
    prepared: list[Outgoing | Skipped]


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        client: WebClient,
        clock: Clock,
        *,
        worker: str,
        render: Render,
        after_post: AfterPost | None = None,
        on_changed: OnChanged | None = None,
        limits: Limits = DEFAULT_LIMITS,
        timeline: Timeline = REAL_TIME,
    ) -> None:
        self.engine = engine
        self.client = client
        self.clock = clock
        self.worker = worker
        self.render = render
        self.after_post = after_post
        self.on_changed = on_changed
        self.limits = limits
        self.timeline = timeline
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Stop for good, from any thread: a pass under way posts nothing new, records the
        posts in flight and hands every other claimed row back before it returns; a later
        pass of this dispatcher does nothing."""
        self._stopping.set()

    def tick(self, at: datetime | None = None) -> TickReport:
        """One pass as of `at` (default: the clock, read again for each batch it claims)."""
        report = TickReport()
        with self._lock:
            if self._stopping.is_set():
                return report
            report.planned = plan_due(self.engine, at or self.clock())
            pacer = Pacer(self.limits, self._take_budget, self.timeline.monotonic)
            with (
                ThreadPoolExecutor(self.limits.concurrency, thread_name_prefix="dispatch") as pool,
                ThreadPoolExecutor(1, thread_name_prefix="dispatch-ahead") as ahead,
            ):
                batch = self._claim_batch(at)
                while batch is not None:
                    # The next batch is claimed and prepared while this one is sent, so the
                    # posts never wait for the reads that decide what they say.
                    upcoming = (
                        None if self._stopping.is_set() else ahead.submit(self._claim_batch, at)
                    )
                    self._send_batch(batch, pool, pacer, report)
                    batch = upcoming.result() if upcoming is not None else None
                    if batch is None:  # what this batch made due (a failed post's warnings)
                        batch = self._claim_batch(at)
        if report.planned or report.outcomes:
            logger.info("dispatch pass", extra={"summary": report.summary()})
        return report

    def _claim_batch(self, at: datetime | None) -> _Batch | None:
        """Claim the next due rows and decide what each says; None when nothing is due."""
        if self._stopping.is_set():
            return None
        now = at or self.clock()
        ids = claim(self.engine, now, self.worker, CLAIM_BATCH)
        if not ids:
            return None
        # Decided one by one, in this thread: the posts are what runs in parallel.
        prepared: list[Outgoing | Skipped] = []
        for delivery_id in ids:
            if self._stopping.is_set():
                break
            prepared.append(prepare(self.engine, delivery_id, self.worker, now))
        return _Batch(now, ids, prepared)

    def _send_batch(
        self, batch: _Batch, pool: ThreadPoolExecutor, pacer: Pacer, report: TickReport
    ) -> None:
        """Send a claimed batch within the limits; hand back what was not sent (stopping)."""
        for item in batch.prepared:
            if isinstance(item, Skipped):
                report.outcomes["skipped"] += 1
                report.reasons[item.reason] += 1
        outgoing = [item for item in batch.prepared if isinstance(item, Outgoing)]
        outcomes, unsent = send_paced(
            pool,
            pacer,
            self.limits,
            outgoing,
            partial(self._send, now=batch.now),
            self._stopping,
            self.timeline,
        )
        report.outcomes.update(outcomes)
        unprepared = batch.ids[len(batch.prepared) :]
        self._release([out.delivery_id for out in unsent] + unprepared, batch.now, report)
        self._changed(batch.prepared)

    def _release(self, delivery_ids: list[int], now: datetime, report: TickReport) -> None:
        released = release(self.engine, delivery_ids, self.worker, now)
        if released:
            report.outcomes["released"] += released
            logger.info("claimed rows handed back", extra={"rows": released})

    def _changed(self, prepared: list[Outgoing | Skipped]) -> None:
        """Tell `on_changed` which pairs this batch changed, sent or skipped (a review opened,
        closed or was called off). Only those: what merely moves with time (the next meeting)
        is not a change the pass made."""
        pairs = frozenset[int]().union(*(item.changed for item in prepared))
        if not pairs or self.on_changed is None:
            return
        try:
            self.on_changed(pairs)
        except Exception:  # the changes are saved; whoever listens tries again another time
            logger.exception("on_changed failed", extra={"pairs": sorted(pairs)})

    def _take_budget(self, wanted: int) -> int:
        return take_budget(self.engine, wanted, self.limits.per_minute, self.timeline.wall())

    def _send(self, out: Outgoing, now: datetime) -> Sent:
        """Post one row and record what happened. Never raises."""
        try:
            return self._post(out, now)
        except Exception:
            logger.exception("dispatch failed", extra={"delivery": out.delivery_id})
            status = retry_later(
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
        message = self.render(out)
        try:
            if out.uncertain:
                found = find_posted(self.client, out)
                if found is not None:
                    channel, ts = found
                    mark_sent(self.engine, out, self.worker, channel, ts, now)
                    logger.info(
                        "delivery found already posted", extra={"delivery": out.delivery_id}
                    )
                    return Sent("sent")
            posted = self.client.chat_postMessage(
                channel=out.recipient,
                text=message["text"],
                blocks=message["blocks"],
                metadata=metadata_of(out),
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            return self._failed(out, now, error)
        except OSError as error:  # timeouts, refused or dropped connections
            logger.warning(
                "slack unreachable", extra={"delivery": out.delivery_id, "error": repr(error)}
            )
            status = retry_later(
                self.engine,
                out,
                self.worker,
                now,
                wait=_backoff(out),
                error="timeout",
                uncertain=True,
            )
            return Sent(status)
        mark_sent(self.engine, out, self.worker, posted["channel"], posted["ts"], now)
        logger.info("delivery sent", extra={"delivery": out.delivery_id, "kind": out.kind})
        self._after_post(out, posted["channel"])
        return Sent("sent")

    def _after_post(self, out: Outgoing, channel: str) -> None:
        """Whatever follows a post (a picture under a review summary): once, best effort. The
        row is recorded sent already, so a failure here is logged and never retried."""
        if self.after_post is None:
            return
        try:
            self.after_post(out, channel)
        except Exception:
            logger.exception("after_post failed", extra={"delivery": out.delivery_id})

    def _failed(self, out: Outgoing, now: datetime, error: SlackApiError) -> Sent:
        code = slack_error(error)
        status = error.response.status_code
        extra = {"delivery": out.delivery_id, "error": code, "status": status}
        if status == 429 or code == "ratelimited":
            rest = _retry_after(error.response.headers)
            logger.warning("rate limited", extra={**extra, "retry_after": rest})
            result = retry_later(
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
            result = retry_later(
                self.engine, out, self.worker, now, wait=_backoff(out), error=code, uncertain=True
            )
            return Sent(result)
        logger.warning("delivery failed", extra=extra)
        if code in NEEDS_ATTENTION:
            mark_failed(self.engine, out, self.worker, now, code)
        else:
            mark_failed(self.engine, out, self.worker, now, code, warn=False)
        return Sent("failed")


def slack_error(error: SlackApiError) -> str:
    """Slack's error code, or the HTTP status when the answer had no code."""
    data = error.response.data if isinstance(error.response.data, dict) else {}
    return str(data.get("error") or f"http_{error.response.status_code}")


def _backoff(out: Outgoing) -> timedelta:
    return BACKOFF[min(out.attempts, len(BACKOFF) - 1)]


def _retry_after(headers: Any) -> float:
    try:
        value = headers.get("Retry-After") or headers.get("retry-after")
        return max(1.0, float(value))
    except (TypeError, ValueError):
        return 1.0

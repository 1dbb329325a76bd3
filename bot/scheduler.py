"""The in-process scheduler: APScheduler runs a dispatcher pass (outbox) every few seconds, and
every hour of the bot's clock prunes what the bot no longer needs (mentoring.inbox.prune; ended
pairs too, when DELETE_ENDED_PAIRS_AFTER_DAYS is set) and plans drift nudges
(mentoring.nudges.plan_nudges) and the coordinators' weekly digests (mentoring.digest.plan_digests),
which the dispatcher then sends like any other ledger row.
The dispatcher is wired here to Slack's side: the messages, the roadmap picture under a review
summary and the Home redraws come from handlers.outgoing.

The database is the source of truth, not APScheduler: its only job is a timer, so its default
in-memory job store is enough. Every process may run one (`SCHEDULER_ENABLED`): the ledger's
atomic claims keep each prompt to a single post however many dispatchers run.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.clock import clock_for
from bot.logs import configure_logging
from bot.settings import Settings
from handlers import outgoing
from handlers.runtime import Clock
from mentoring import digest, forgetting, inbox, nudges
from outbox import Dispatcher, Limits
from outbox.pacing import DEFAULT_LIMITS, REAL_TIME, Timeline
from storage.db import make_engine
from workqueue import queue

logger = logging.getLogger("mentorbot.scheduler")

HOUSEKEEPING_EVERY = timedelta(hours=1)
SLACK_TIMEOUT = 15  # seconds; a post that takes longer is retried after a history check


def worker_name() -> str:
    """Who holds a claim, for the ledger: host, process and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def make_dispatch_client(settings: Settings) -> WebClient:
    """A WebClient that never retries by itself: the dispatcher decides (a retry after a
    5xx or a timeout must first check whether the post went through)."""
    return WebClient(
        token=settings.bot_token,
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT,
        retry_handlers=[],
    )


def build_dispatcher(
    engine: Engine,
    client: WebClient,
    clock: Clock,
    worker: str,
    limits: Limits = DEFAULT_LIMITS,
    timeline: Timeline = REAL_TIME,
    coordinators: frozenset[str] = frozenset(),
) -> Dispatcher:
    """A dispatcher with the production wiring: Slack's messages, the roadmap picture under a
    review summary, and the App Homes redrawn for the pairs a batch changed. `timeline` is
    the time pacing reads and waits on (outbox.pacing)."""
    return Dispatcher(
        engine,
        client,
        clock,
        worker=worker,
        limits=limits,
        timeline=timeline,
        render=outgoing.render,
        after_post=lambda out, channel: outgoing.attach_roadmap(client, out, channel),
        on_changed=lambda pairs: outgoing.redraw_changed(
            engine, clock, client, pairs, coordinators
        ),
    )


def make_dispatcher(
    settings: Settings, engine: Engine, clock: Clock, timeline: Timeline = REAL_TIME
) -> Dispatcher:
    limits = Limits(
        per_minute=settings.budget_per_minute, concurrency=settings.dispatch_concurrency
    )
    client = make_dispatch_client(settings)
    return build_dispatcher(
        engine, client, clock, worker_name(), limits, timeline, settings.coordinators
    )


def start_scheduler(dispatcher: Dispatcher, settings: Settings) -> BackgroundScheduler:
    """Run `dispatcher.tick` now and then every `tick_seconds`; a pass still running when the
    next is due makes that one wait (coalesced), never overlap."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        _tick,
        IntervalTrigger(seconds=settings.tick_seconds),
        args=(dispatcher,),
        id="dispatch",
        coalesce=True,
        max_instances=1,
        next_run_time=dispatcher.clock(),
    )
    scheduler.add_job(
        Hourly(
            dispatcher.engine,
            dispatcher.clock,
            settings.delete_ended_pairs_after_days,
            settings.coordinators,
        ),
        IntervalTrigger(seconds=settings.tick_seconds),
        id="housekeeping",
        coalesce=True,
        max_instances=1,
        next_run_time=dispatcher.clock(),
    )
    scheduler.start()
    logger.info("scheduler started", extra={"every_seconds": settings.tick_seconds})
    return scheduler


def stop_scheduler(scheduler: BackgroundScheduler, dispatcher: Dispatcher) -> None:
    """Stop the dispatcher first, so a pass under way posts nothing new and hands its claimed
    rows back, then wait for that pass (and the housekeeping) to return."""
    dispatcher.stop()
    scheduler.shutdown(wait=True)
    logger.info("scheduler stopped")


def _tick(dispatcher: Dispatcher) -> None:
    try:
        dispatcher.tick()
    except Exception:  # logged with its stack; the next pass tries again
        logger.exception("dispatch pass failed")


def run_scheduler(settings: Settings, stop: Any) -> None:
    """The scheduler as a process of its own (`python -m bot scheduler`, or a child of `run`):
    passes every few seconds and hourly housekeeping until `stop` (an Event) is set; then the
    pass under way posts what is in flight and hands the rest back."""
    configure_logging(settings.log_level_number, settings.log_format)
    engine = make_engine(settings.database_url)
    dispatcher = make_dispatcher(settings, engine, clock_for(settings.clock_file))
    scheduler = start_scheduler(dispatcher, settings)
    try:
        stop.wait()
    finally:
        stop_scheduler(scheduler, dispatcher)
        engine.dispose()


class Hourly:
    """Housekeeping once an hour by the bot's clock, looked at every pass: with the system
    clock that is every hour; in the sandbox, whose clock jumps, it is at each jump past the
    hour, so nudges are planned at the instant the time machine brought."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        ended_pair_days: int | None,
        coordinators: frozenset[str] = frozenset(),
    ) -> None:
        self.engine, self.clock, self.ended_pair_days = engine, clock, ended_pair_days
        self.coordinators = coordinators
        self.last: datetime | None = None

    def __call__(self) -> None:
        now = self.clock()
        if self.last is not None and now - self.last < HOUSEKEEPING_EVERY:
            return
        self.last = now
        _housekeeping(self.engine, self.clock, self.ended_pair_days, self.coordinators)


def _housekeeping(
    engine: Engine,
    clock: Clock,
    ended_pair_days: int | None = None,
    coordinators: frozenset[str] = frozenset(),
) -> None:
    """Prune, delete the pairs that ended `ended_pair_days` ago (None: keep them), scan for
    drift, then plan the coordinators' digests; each failure is logged and the next hour
    tries again."""
    now = clock()
    try:
        removed = inbox.prune(engine, now) + queue.prune(engine, now)
    except Exception:
        logger.exception("housekeeping failed")
    else:
        if removed:
            logger.info("pruned", extra={"rows": removed})
    try:
        deleted = forgetting.delete_ended_pairs(engine, now, ended_pair_days)
    except Exception:
        logger.exception("deleting ended pairs failed")
    else:
        if deleted:
            logger.info("ended pairs deleted", extra={"pairs": deleted})
    try:
        nudges.plan_nudges(engine, now)
    except Exception:
        logger.exception("drift scan failed")
    try:
        digest.plan_digests(engine, now, coordinators)
    except Exception:
        logger.exception("digest planning failed")

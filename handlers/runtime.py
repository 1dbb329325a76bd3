"""How work after an ack runs: the services, one person's call, and the task that carries it.

A listener acks, then hands a `Task` to `Services.after_ack`: a module-level flow, who acted
and where (`Origin`), the flow's arguments, and where the answer goes (`ReplyTo`). The task is
stored as a row of durable work before the ack leaves (Bolt sends it when the listener
returns), and a worker claims and runs it (`handlers.performing`). A worker that dies leaves
its claim to run out, and another runs the task again: the steps that took effect the first
time (a rule applied through `Call.apply`, a message posted through `Call.post`, the reply)
are replayed from their record, not done twice.
"""

from __future__ import annotations

import importlib
import itertools
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import Engine

from mentoring.dates import known_zone, local_date
from mentoring.errors import MentoringError
from mentoring.model import Actor, Outcome, Target
from mentoring.zones import kept_zone
from outbox.recovery import find_keyed
from workqueue import queue, steps
from workqueue.batching import WorkStore

if TYPE_CHECKING:
    from handlers.kit import Message

logger = logging.getLogger("mentorbot.tasks")

Clock = Callable[[], datetime]
R = TypeVar("R")
WORK_EVENT = "mentorbot_work"  # message metadata marking a post as a piece of work's
TRIGGER_LIFETIME = timedelta(seconds=2.5)  # Slack's trigger_id lasts 3 s; leave a margin


@dataclass(frozen=True)
class Services:
    """The database, the clock, the admins and the coordinators; and, where Slack is served,
    the runner that does the work after each ack."""

    engine: Engine
    clock: Clock
    admins: frozenset[str]
    runner: Runner | None = None
    # Redraws the App Home of both members of each pair a flow changed (handlers.dashboard).
    redraw: Callable[[WebClient, frozenset[int]], None] | None = None
    # Draws the Homes still waiting to be redrawn (before a worker stops).
    flush_homes: Callable[[], None] | None = None
    # Stores each request's work before its ack, where Slack is served (workqueue.batching).
    work_store: WorkStore | None = None
    coordinators: frozenset[str] = frozenset()

    def actor(self, user_id: str) -> Actor:
        return Actor(
            user_id=user_id,
            is_admin=user_id in self.admins,
            is_coordinator=user_id in self.coordinators,
        )

    def after_ack(self, task: Task) -> None:
        """Store the work, then wake a worker (a work store wakes them itself). Slack
        wants its ack within 3 seconds and it is sent when the listener returns — after this
        has stored the work, so nothing acknowledged can be lost."""
        flow, payload = encode(task)
        if self.work_store is not None:
            self.work_store.store(flow, payload, self.clock(), key=task.key)
            return
        work_id = queue.enqueue(self.engine, flow, payload, self.clock(), key=task.key)
        if work_id is not None and self.runner is not None:  # None: a retried delivery
            self.runner.wake(work_id)


@dataclass(frozen=True)
class Origin:
    """Who acted, and where, as Slack told us: what a flow needs besides its own arguments."""

    user_id: str
    channel_id: str | None = None  # where a command was typed
    with_user: str | None = None  # `to @name`: which of the person's pairs
    pair_id: int | None = None  # the pair picked with a chooser's button (before `to @name`)
    team_id: str = ""
    trigger_id: str | None = None  # opens a modal within 3 seconds of the click


@dataclass(frozen=True)
class Call:
    """One person's request as a flow sees it: the services, Slack, who, where and when.
    `now` is read from the clock once, when the work starts. `work_id` names the durable work
    being run (None for a flow called directly) and `attempt` how many times it was claimed."""

    services: Services
    client: WebClient
    origin: Origin
    now: datetime
    work_id: int | None = None
    attempt: int = 1
    received_at: datetime | None = None
    steps: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def engine(self) -> Engine:
        return self.services.engine

    @property
    def user_id(self) -> str:
        return self.origin.user_id

    @property
    def actor(self) -> Actor:
        return self.services.actor(self.origin.user_id)

    @cached_property
    def zone(self) -> str:
        """The acting person's time zone: Slack's, else the one their pair's schedule keeps
        (mentoring.zones), else UTC. Asked of Slack once per call, when first needed."""
        return self.zone_of(self.user_id) or kept_zone(self.engine, self.user_id) or "UTC"

    @property
    def today(self) -> date:
        """The acting person's date now, in their own time zone."""
        return local_date(self.now, self.zone)

    @property
    def target(self) -> Target:
        """The pair the request means: picked with a button, named with `to @name`, or the
        channel it was typed in."""
        return Target(
            with_user=self.origin.with_user,
            channel_id=self.origin.channel_id,
            pair_id=self.origin.pair_id,
        )

    @property
    def replaying(self) -> bool:
        """Whether this work was claimed before: only then can a step have been recorded (a
        first run looks nothing up, which is most of the lookups)."""
        return self.attempt > 1

    def recorded(self, step: int) -> Any:
        """What an earlier run of this work recorded for `step` with `steps.record`, or None."""
        assert self.work_id is not None
        return steps.value_of(self.engine, self.work_id, step) if self.replaying else None

    def apply(self, rule: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Apply a rule once for this work: its writes and its result (or its refusal) are
        recorded together; run again, the work gets the recorded result back."""
        if self.work_id is None:
            return rule(*args, **kwargs)
        step = next(self.steps)
        return steps.once(
            self.engine,
            self.work_id,
            step,
            lambda: rule(*args, **kwargs),
            (MentoringError,),
            replaying=self.replaying,
        )

    def post(
        self, channel: str, message: Message, *, step: int | None = None, **options: Any
    ) -> tuple[str, str]:
        """Post once for this work; returns the channel and ts. A run after one that may have
        posted unanswered (a dead worker) first looks for the post by its metadata key."""
        if self.work_id is None:
            posted = self.client.chat_postMessage(
                channel=channel, text=message["text"], blocks=message.get("blocks"), **options
            )
            return str(posted["channel"]), str(posted["ts"])
        step = next(self.steps) if step is None else step
        done = self.recorded(step)
        if done is None:
            done = steps.record(
                self.engine, self.work_id, step, self._post(channel, message, step, options)
            )
        if done[0] == "failed":  # Slack refused it the first time: the same answer again
            raise _slack_refusal(done[1], done[2])
        return done[1], done[2]

    def _post(
        self, channel: str, message: Message, step: int, options: dict[str, Any]
    ) -> tuple[str, str, Any]:
        """Post, or find the post an earlier run made; what happened, to record."""
        metadata = {"event_type": WORK_EVENT, "event_payload": {"work": f"{self.work_id}:{step}"}}
        if self.replaying:
            found = find_keyed(self.client, channel, channel.startswith(("U", "W")), metadata)
            if found is not None:
                return ("posted", *found)
        try:
            posted = self.client.chat_postMessage(
                channel=channel,
                text=message["text"],
                blocks=message.get("blocks"),
                metadata=metadata,
                **options,
            )
        except SlackApiError as error:
            return ("failed", slack_error(error), error.response.status_code)
        return ("posted", str(posted["channel"]), str(posted["ts"]))

    def once(self, action: Callable[[], R]) -> R:
        """Do a Slack action that changes something (delete a post, share a file, create a
        channel) once for this work: its result is recorded after it succeeds, and a run
        again returns it without acting. (Killed between acting and recording, it acts again.)"""
        if self.work_id is None:
            return action()
        step = next(self.steps)
        done = self.recorded(step)
        if done is not None:
            return done[1]  # type: ignore[no-any-return]
        return steps.record(self.engine, self.work_id, step, ("done", action()))[1]  # type: ignore[no-any-return]

    def open_modal(self, view: dict[str, Any]) -> None:
        """Open a modal with the click's trigger_id — while it is still valid (3 seconds)."""
        if self.received_at is not None and self.now - self.received_at > TRIGGER_LIFETIME:
            raise MentoringError("That took too long to open; please click the button again.")
        self.client.views_open(trigger_id=self.origin.trigger_id, view=view)

    def zone_of(self, user_id: str) -> str | None:
        """The person's Slack time zone (None when Slack has none or cannot say)."""
        return zone_of(self.client, user_id)

    def names_of(self, user_ids: Iterable[str]) -> dict[str, str]:
        """What Slack shows as each person's name, for plain text (buttons); a person Slack
        cannot say anything about is left out."""
        names = {}
        for user_id in dict.fromkeys(user_ids):
            try:
                user = self.client.users_info(user=user_id)["user"]
            except SlackApiError as error:
                logger.info("no name", extra={"user": user_id, "error": slack_error(error)})
                continue
            except OSError as error:  # a dropped connection: the button says "them" instead
                logger.info("no name", extra={"user": user_id, "error": type(error).__name__})
                continue
            profile = user.get("profile") or {}
            name = profile.get("display_name") or user.get("real_name") or user.get("name")
            if name:
                names[user_id] = str(name)
        return names


def zone_of(client: WebClient, user_id: str) -> str | None:
    """The person's Slack time zone, `users.info`'s `tz` (None when Slack has none, one this
    system doesn't know, or cannot say: a refusal or a dropped connection is logged and the
    caller falls back, as mentoring.zones says)."""
    try:
        zone = client.users_info(user=user_id)["user"].get("tz")
    except SlackApiError as error:
        logger.warning("no time zone", extra={"user": user_id, "error": slack_error(error)})
        return None
    except OSError as error:  # URLError, a timeout: the date need not wait for Slack
        logger.warning("no time zone", extra={"user": user_id, "error": type(error).__name__})
        return None
    return known_zone(str(zone)) if zone else None


@dataclass(frozen=True)
class Reply:
    """A flow's answer when its rule changed something: the message for the person (None: say
    nothing) and the pairs whose App Home `perform` redraws — the rule's own `changed`."""

    message: Message | None
    changed: frozenset[int] = frozenset()

    @classmethod
    def after(cls, result: Outcome, message: Message | None) -> Reply:
        return cls(message, result.changed)


Answer = Reply | dict[str, Any] | None
Flow = Callable[..., Answer]


@dataclass(frozen=True)
class ReplyTo:
    """Where a task's answer goes: the interaction's response_url (private to the person, and
    usable where the bot is not a member), or a conversation such as the person's DM."""

    response_url: str | None = None
    channel: str | None = None
    replace: bool = False  # replace the message whose button was clicked
    thread_ts: str | None = None  # answer in this thread of `channel`


@dataclass(frozen=True)
class Task:
    """The work after an ack, as plain values: `args` must be JSON (they are stored)."""

    flow: Flow
    origin: Origin
    args: tuple[Any, ...]
    reply: ReplyTo
    what: str
    key: str | None = None  # stored once per key: a retried Slack event is not work twice


def encode(task: Task) -> tuple[str, str]:
    """The task as stored: the flow's import path, and the rest as JSON."""
    payload = {  # vars(): both are flat, and asdict's deep copy was a tenth of an ack's CPU
        "origin": vars(task.origin),
        "args": list(task.args),
        "reply": vars(task.reply),
        "what": task.what,
    }
    return f"{task.flow.__module__}:{task.flow.__qualname__}", json.dumps(payload)


def decode(flow: str, payload: str) -> Task:
    module, _, name = flow.partition(":")
    stored = json.loads(payload)
    return Task(
        getattr(importlib.import_module(module), name),
        Origin(**stored["origin"]),
        tuple(stored["args"]),
        ReplyTo(**stored["reply"]),
        stored["what"],
    )


class Runner(Protocol):
    def wake(self, work_id: int | None) -> None: ...

    def close(self) -> None: ...


def _slack_refusal(code: str, status: int) -> SlackApiError:
    """A Slack error as the first run got it (recorded), for the run that replays it."""
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="chat.postMessage",
        req_args={},
        data={"ok": False, "error": code},
        headers={},
        status_code=status,
    )
    return SlackApiError(f"The request to the Slack API failed: {code}", response)


def slack_error(error: SlackApiError) -> str:
    """Slack's error code, or the HTTP status when the answer had no code."""
    data = error.response.data if isinstance(error.response.data, dict) else {}
    return str(data.get("error") or f"http_{error.response.status_code}")


class ServicesMiddleware(Middleware):
    """Puts the services in every request's context, where listeners ask for them by name.

    A Middleware subclass rather than a function: Bolt calls it directly instead of building
    every injectable argument for it, which matters on the path to the ack.
    """

    def __init__(self, services: Services) -> None:
        self.services = services

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        req.context["services"] = self.services
        return next()


def register(app: App, services: Services) -> None:
    app.use(ServicesMiddleware(services))


def ack_only(ack: Ack) -> None:
    """Acknowledge an event that needs nothing more."""
    ack()

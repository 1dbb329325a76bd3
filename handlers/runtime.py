"""How work after an ack runs: the services, one person's call, and the task that carries it.

A listener acks, then hands a `Task` to the runner: a module-level flow, who acted and where
(`Origin`), the flow's arguments, and where the answer goes (`ReplyTo`). Tasks are plain
picklable values, so they run in the process that serves Slack (tests, `InlineRunner`) or in a
worker process with its own engine and Slack client (production). `perform` builds the flow's
`Call`, runs it, and finishes in one place: refusals become polite replies, the answer is sent,
and the App Home of every pair the flow's `Reply` says changed is redrawn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy import Engine

from handlers import kit
from mentoring.errors import MentoringError
from mentoring.model import Actor, Outcome, Target

if TYPE_CHECKING:
    from handlers.kit import Message

logger = logging.getLogger("mentorbot.tasks")

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Services:
    """The database, the clock and the admins; and, where Slack is served, the runner that does
    the work after each ack."""

    engine: Engine
    clock: Clock
    admins: frozenset[str]
    runner: Runner | None = None
    # Redraws the App Home of both members of each pair a flow changed (handlers.dashboard).
    redraw: Callable[[WebClient, frozenset[int]], None] | None = None

    def actor(self, user_id: str) -> Actor:
        return Actor(user_id=user_id, is_admin=user_id in self.admins)

    def after_ack(self, task: Task) -> None:
        """Hand slow work on: Slack wants its ack within 3 seconds, and the ack is sent only when
        the listener returns."""
        assert self.runner is not None, "after_ack needs a runner"
        self.runner.submit(task)


@dataclass(frozen=True)
class Origin:
    """Who acted, and where, as Slack told us: what a flow needs besides its own arguments."""

    user_id: str
    channel_id: str | None = None  # where a command was typed
    with_user: str | None = None  # `to @name`: which of the person's pairs
    team_id: str = ""
    trigger_id: str | None = None  # opens a modal within 3 seconds of the click


@dataclass(frozen=True)
class Call:
    """One person's request as a flow sees it: the services, Slack, who, where and when.
    `now` is read from the clock once, when the work starts."""

    services: Services
    client: WebClient
    origin: Origin
    now: datetime

    @property
    def engine(self) -> Engine:
        return self.services.engine

    @property
    def user_id(self) -> str:
        return self.origin.user_id

    @property
    def actor(self) -> Actor:
        return self.services.actor(self.origin.user_id)

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def target(self) -> Target:
        """The pair the request means: named with `to @name`, or the channel it was typed in."""
        return Target(with_user=self.origin.with_user, channel_id=self.origin.channel_id)

    def zone_of(self, user_id: str) -> str | None:
        """The person's Slack time zone (None when Slack has none or cannot say)."""
        try:
            zone = self.client.users_info(user=user_id)["user"].get("tz")
        except SlackApiError as error:
            logger.warning("no time zone", extra={"user": user_id, "error": slack_error(error)})
            return None
        return str(zone) if zone else None


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
    flow: Flow
    origin: Origin
    args: tuple[Any, ...]
    reply: ReplyTo
    what: str


class Runner(Protocol):
    def submit(self, task: Task) -> None: ...

    def close(self) -> None: ...


def perform(task: Task, services: Services, client: WebClient) -> None:
    """Run the task, redraw what it changed, send its answer. Never raises: expected refusals
    become polite replies, anything unexpected is logged with its stack and answered with an
    apology."""
    call = Call(services, client, task.origin, services.clock())
    changed: frozenset[int] = frozenset()
    try:
        answer = task.flow(call, *task.args)
    except MentoringError as refused:
        logger.info("refused", extra={"work": task.what, "reason": type(refused).__name__})
        answer = kit.refusal(str(refused))
    except SlackApiError as error:
        code = slack_error(error)
        logger.warning("slack call failed", extra={"work": task.what, "error": code})
        answer = kit.slack_failure(code)
    except Exception:
        logger.exception("work after ack failed", extra={"work": task.what})
        answer = kit.oops()
    if isinstance(answer, Reply):
        answer, changed = answer.message, answer.changed
    if answer is not None:
        try:
            send(task.reply, answer, client)
        except SlackApiError as error:  # the conversation is gone, say: a line, not a stack
            logger.warning(
                "could not reply", extra={"work": task.what, "error": slack_error(error)}
            )
        except Exception:
            logger.exception("could not reply", extra={"work": task.what})
    if changed and services.redraw is not None:
        services.redraw(client, changed)


def slack_error(error: SlackApiError) -> str:
    """Slack's error code, or the HTTP status when the answer had no code."""
    data = error.response.data if isinstance(error.response.data, dict) else {}
    return str(data.get("error") or f"http_{error.response.status_code}")


def send(reply: ReplyTo, answer: Message, client: WebClient) -> None:
    if reply.response_url:
        payload = {"text": answer["text"], "blocks": answer.get("blocks", [])}
        if reply.replace:
            payload["replace_original"] = True
        else:
            payload["response_type"] = answer.get("response_type", "ephemeral")
        result = WebhookClient(reply.response_url, retry_handlers=client.retry_handlers).send_dict(
            payload
        )
        if result.status_code != 200:
            logger.warning("response_url refused", extra={"status": result.status_code})
    elif reply.channel:
        client.chat_postMessage(
            channel=reply.channel,
            text=answer["text"],
            blocks=answer.get("blocks"),
            thread_ts=reply.thread_ts,
        )


class InlineRunner:
    """Runs each task at once on the submitting thread: in tests, the work after the ack is
    finished before the HTTP response returns, so no test waits for a thread."""

    def __init__(self, services: Services, client: WebClient) -> None:
        self.services = services
        self.client = client

    def submit(self, task: Task) -> None:
        perform(task, self.services, self.client)

    def close(self) -> None:
        pass


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

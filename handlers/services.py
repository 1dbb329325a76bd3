"""What listeners need besides the payload, injected by Bolt from the request context.

`after_ack` is how a listener does slow work: Slack wants its ack within 3 seconds, so the
listener acks, hands the work here, and returns. The work's result is a message for the person;
expected refusals become polite replies, and anything unexpected is logged with its stack and
answered with an apology (the counterpart of the app's error handler, for work after the ack).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from handlers import blocks
from mentoring.errors import MentoringError
from mentoring.model import Actor

Clock = Callable[[], datetime]
Message = dict[str, Any]
Reply = Callable[[Message], None]
Work = Callable[[], Message | None]

logger = logging.getLogger("mentorbot.handlers")


@dataclass(frozen=True)
class Services:
    engine: Engine
    clock: Clock
    admins: frozenset[str]
    executor: Executor

    def actor(self, user_id: str) -> Actor:
        return Actor(user_id=user_id, is_admin=user_id in self.admins)

    def after_ack(self, reply: Reply | None, work: Work, *, what: str) -> None:
        """Run `work` off the request thread and send what it returns through `reply`."""
        self.executor.submit(run_work, reply, work, what)


def run_work(reply: Reply | None, work: Work, what: str) -> None:
    """Do `work`, turn its result or failure into a reply, and never raise."""
    try:
        answer = work()
    except MentoringError as refused:
        logger.info("refused", extra={"work": what, "reason": type(refused).__name__})
        answer = blocks.refusal(str(refused))
    except SlackApiError as error:
        code = str(error.response.get("error") or error.response.status_code)
        logger.warning("slack call failed", extra={"work": what, "error": code})
        answer = blocks.slack_failure(code)
    except Exception:
        logger.exception("work after ack failed", extra={"work": what})
        answer = blocks.oops()
    if answer is None or reply is None:
        return
    try:
        reply(answer)
    except Exception:
        logger.exception("could not reply", extra={"work": what})


def reply_by(respond: Callable[..., Any]) -> Reply:
    """Reply through the interaction's response_url (works where the bot is not a member)."""

    def send(answer: Message) -> None:
        result = respond(**answer)
        if getattr(result, "status_code", 200) != 200:
            logger.warning(
                "response_url refused", extra={"status": result.status_code, "body": result.body}
            )

    return send


def reply_replacing(respond: Callable[..., Any]) -> Reply:
    """Reply by replacing the message whose button was clicked."""
    send = reply_by(respond)

    def replace(answer: Message) -> None:
        send({"text": answer["text"], "blocks": answer.get("blocks", []), "replace_original": True})

    return replace


def reply_in(client: WebClient, channel: str) -> Reply:
    """Reply with a normal message in a conversation (a DM with the bot)."""

    def send(answer: Message) -> None:
        client.chat_postMessage(channel=channel, text=answer["text"], blocks=answer.get("blocks"))

    return send


def register(app: App, services: Services) -> None:
    """Put the services in every request's context, where listeners ask for them by name."""

    def inject_services(context: BoltContext, next: Callable[[], None]) -> None:  # noqa: A002
        context["services"] = services
        next()

    app.use(inject_services)


def ack_only(ack: Ack) -> None:
    """Acknowledge an event or action that needs nothing more."""
    ack()

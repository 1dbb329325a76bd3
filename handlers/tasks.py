"""Work after the ack, as plain values: which flow to run, with what, and where its answer goes.

A Task holds a module-level flow and picklable arguments, so it can run in the process that
serves Slack (tests, `InlineRunner`) or in a worker process with its own database engine and
Slack client (production, `bot.worker.ProcessRunner`). The flow is called as
`flow(services, client, *args)` and returns the message for the person, or None.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from handlers import blocks
from handlers.services import Message, Services
from mentoring.errors import MentoringError

logger = logging.getLogger("mentorbot.tasks")

Flow = Callable[..., Message | None]


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
    args: tuple[Any, ...]
    reply: ReplyTo
    what: str


class Runner(Protocol):
    def submit(self, task: Task) -> None: ...

    def close(self) -> None: ...


def perform(task: Task, services: Services, client: WebClient) -> None:
    """Run the task and send its answer. Never raises: expected refusals become polite replies,
    anything unexpected is logged with its stack and answered with an apology."""
    try:
        answer = task.flow(services, client, *task.args)
    except MentoringError as refused:
        logger.info("refused", extra={"work": task.what, "reason": type(refused).__name__})
        answer = blocks.refusal(str(refused))
    except SlackApiError as error:
        code = slack_error(error)
        logger.warning("slack call failed", extra={"work": task.what, "error": code})
        answer = blocks.slack_failure(code)
    except Exception:
        logger.exception("work after ack failed", extra={"work": task.what})
        answer = blocks.oops()
    if answer is None:
        return
    try:
        send(task.reply, answer, client)
    except Exception:
        logger.exception("could not reply", extra={"work": task.what})


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

"""Running a piece of work that a worker claimed: its flow, its answer (once), the Homes it
changed, and its end in the work table (`perform`); and, for tests, a runner that does all of
that at once on the thread that stored the work (`InlineRunner`).

`perform` finishes in one place: refusals become polite replies, the answer is sent, and the
App Home of every pair the flow's `Reply` says changed is redrawn.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from handlers import kit
from handlers.runtime import (
    Call,
    Reply,
    ReplyTo,
    Services,
    decode,
    slack_error,
)
from mentoring.errors import MentoringError
from storage.db import DATABASE_AWAY
from workqueue import queue, steps
from workqueue.queue import Claimed

if TYPE_CHECKING:
    from handlers.kit import Message

logger = logging.getLogger("mentorbot.tasks")

REPLY_STEP = 0  # the reply's record; a flow's own steps are numbered from 1
BY_DM_STEP = -1  # the response_url refused the reply, which goes by DM (recorded before it does)
# A response_url takes up to 5 messages within 30 minutes of the interaction
# (docs.slack.dev/interactivity/handling-user-interaction#message_responses); the bot sends one.
RESPONSE_URL_LIFETIME = timedelta(minutes=29)  # the 30 minutes, with a margin
REFUSAL_CHARS = 200  # of a response_url's refusal, kept for the log


def perform(claimed: Claimed, services: Services, client: WebClient, worker: str) -> None:
    """Run a claimed piece of work, send its answer, redraw what it changed, and finish it.
    Never raises: expected refusals become polite replies, anything unexpected is logged with
    its stack, answered with an apology, and recorded as failed (it is not retried). Work that
    found the database away is left to run again when its claim's lease runs out (the steps it
    had taken are replayed, not repeated)."""
    failure: str | None = None
    try:
        task = decode(claimed.flow, claimed.payload)
    except Exception:
        logger.exception("work cannot be read", extra={"work": claimed.id})
        queue.finish(services.engine, claimed.id, worker, services.clock(), "unreadable task")
        return
    call = Call(
        services,
        client,
        task.origin,
        services.clock(),
        work_id=claimed.id,
        attempt=claimed.attempts,
        received_at=claimed.received_at,
    )
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
    except DATABASE_AWAY as error:  # not finished: its claim runs out and it runs again
        logger.warning("database away", extra={"work": task.what, "error": type(error).__name__})
        return
    except Exception as error:
        logger.exception("work after ack failed", extra={"work": task.what})
        answer, failure = kit.oops(), f"{type(error).__name__} in {task.what}"
    if isinstance(answer, Reply):
        answer, changed = answer.message, answer.changed
    if answer is not None:
        try:
            _reply_once(call, task.reply, answer, task.what)
        except SlackApiError as error:  # the conversation is gone, say: a line, not a stack
            logger.warning(
                "could not reply", extra={"work": task.what, "error": slack_error(error)}
            )
        except Exception:
            logger.exception("could not reply", extra={"work": task.what})
    if changed and services.redraw is not None:
        services.redraw(client, changed)
    queue.finish(services.engine, claimed.id, worker, services.clock(), failure)


def _reply_once(call: Call, reply: ReplyTo, answer: Message, what: str) -> None:
    """Send the answer, once for this work. A response_url lasts 30 minutes and takes 5
    messages: work that outlived it answers by DM instead, and so does work whose response_url
    Slack refused (for whatever reason: any answer but 200). The refusal is recorded before the
    DM is posted, so a run again goes straight to the DM (found, if it was posted) and never
    answers through the response_url as well."""
    if call.work_id is not None and call.recorded(REPLY_STEP):
        return
    stale = call.received_at is not None and call.now - call.received_at > RESPONSE_URL_LIFETIME
    if reply.response_url and not stale and not _refused_before(call):
        refused = send(reply, answer, call.client)
        if refused is None:
            if call.work_id is not None:
                steps.record(call.engine, call.work_id, REPLY_STEP, True)
            return
        status, error = refused
        logger.warning(
            "response_url refused, answering by DM",
            extra={"work": what, "status": status, "error": error},
        )
        if call.work_id is not None:
            steps.record(call.engine, call.work_id, BY_DM_STEP, refused)
        call.post(call.user_id, answer, step=REPLY_STEP)
    elif reply.channel:
        call.post(reply.channel, answer, step=REPLY_STEP, thread_ts=reply.thread_ts)
    elif reply.response_url:
        call.post(call.user_id, answer, step=REPLY_STEP)


def _refused_before(call: Call) -> bool:
    """Whether an earlier run of this work had its response_url refused (and went by DM)."""
    return call.work_id is not None and call.recorded(BY_DM_STEP) is not None


def send(reply: ReplyTo, answer: Message, client: WebClient) -> tuple[int, str] | None:
    """Answer through the interaction's response_url (private to the person): None when Slack
    took the message, else the HTTP status and body it refused it with."""
    assert reply.response_url is not None
    payload = {"text": answer["text"], "blocks": answer.get("blocks", [])}
    if reply.replace or answer.get("replace_original"):
        payload["replace_original"] = True
    else:
        payload["response_type"] = answer.get("response_type", "ephemeral")
    result = WebhookClient(reply.response_url, retry_handlers=client.retry_handlers).send_dict(
        payload
    )
    if result.status_code == 200:
        return None
    return result.status_code, (result.body or "")[:REFUSAL_CHARS]


class InlineRunner:
    """Runs each piece of work at once on the thread that stored it: in tests, the work after
    the ack is finished before the HTTP response returns, so no test waits for a thread."""

    def __init__(self, services: Services, client: WebClient, worker: str = "inline") -> None:
        self.services = services
        self.client = client
        self.worker = worker

    def wake(self, work_id: int | None) -> None:
        assert work_id is not None, "stores work one by one (no group commit) to run it inline"
        now = self.services.clock()
        for claimed in queue.claim(self.services.engine, self.worker, now, 1, only=work_id):
            perform(claimed, self.services, self.client, self.worker)

    def close(self) -> None:
        pass

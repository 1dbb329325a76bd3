"""Messages: DMs to the bot (Events API `message.im`) and replies in the threads of channels
the bot is in (`message.channels`, `message.groups`)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from handlers.meetings.agenda import channel_reply
from handlers.runtime import Answer, Call, Origin, ReplyTo, Services, Task, ack_only
from handlers.wins.notes import direct_message
from mentoring import inbox
from storage.db import DATABASE_AWAY

logger = logging.getLogger("mentorbot.messages")


def is_person_dm(event: dict[str, Any]) -> bool:
    """A new message a person wrote in their DM with the bot (not an edit, a bot, a join)."""
    return (
        event.get("channel_type") == "im"
        and "subtype" not in event
        and "bot_id" not in event
        and bool(event.get("user"))
    )


def is_thread_reply(event: dict[str, Any]) -> bool:
    """A person's reply in a thread of a channel the bot is in (message.channels/groups)."""
    return (
        event.get("channel_type") in ("channel", "group")
        and "subtype" not in event
        and "bot_id" not in event
        and bool(event.get("user"))
        and bool(event.get("thread_ts"))
        and event.get("thread_ts") != event.get("ts")
    )


def handle_message_event(body: dict[str, Any], event: dict[str, Any], services: Services) -> None:
    """Store the delivery (a DM, or a thread reply in a channel) before the ack — Bolt acks
    when this returns — then apply it after.

    A retry of a delivery that was applied already is acknowledged and ignored.
    """
    event_id = body["event_id"]
    seen = inbox.record_delivery(services.engine, event_id, "message", event, services.clock())
    if seen is inbox.Delivery.DONE:
        return
    services.after_ack(message_task(event_id, event))


def message_task(event_id: str, event: dict[str, Any]) -> Task:
    """The work for a stored message event: a DM, or a reply in a channel thread."""
    reply = ReplyTo(channel=event["channel"], thread_ts=event.get("thread_ts"))
    origin = Origin(user_id=event["user"], channel_id=event["channel"])
    what = "dm" if event.get("channel_type") == "im" else "thread reply"
    key = f"event:{event_id}"  # a retried or replayed delivery is stored once
    return Task(apply_delivery, origin, (event_id, event), reply, what, key)


def apply_delivery(call: Call, event_id: str, event: dict[str, Any]) -> Answer:
    """Apply a stored message event: a DM, or a reply in a channel thread.

    One that fails for a reason that trying again would not change (a bug, something in it the
    database refuses) is recorded as done, the error its outcome, before the error goes on to
    be logged and apologised for once — not at every start, as a pending one would be.
    """
    flow = direct_message if event.get("channel_type") == "im" else channel_reply
    try:
        return flow(call, event_id, event)
    except DATABASE_AWAY:  # the delivery stays pending; its work runs again
        raise
    except Exception as error:
        inbox.give_up(call.engine, event_id, call.now, type(error).__name__)
        raise


def replay_pending(services: Services) -> int:
    """Store the work of message events kept but never applied (the process stopped between
    keeping one and storing its work): once each, keyed by the event id. One that cannot be
    read is set aside with a log line, never retried at every start."""
    pending = inbox.pending_deliveries(services.engine, services.clock())
    for delivery in pending:
        try:
            task = message_task(delivery.event_id, delivery.event)
        except (KeyError, TypeError, AttributeError):
            logger.warning("stored event set aside: unreadable", extra={"event": delivery.event_id})
            inbox.claim_delivery(services.engine, delivery.event_id, services.clock(), "unreadable")
            continue
        services.after_ack(task)
    return len(pending)


def register(app: App) -> None:
    app.event("message", matchers=[is_person_dm])(handle_message_event)
    app.event("message", matchers=[is_thread_reply])(handle_message_event)
    app.event("message")(ack_only)  # edits, joins, bot posts: acknowledged, nothing to do

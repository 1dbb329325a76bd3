"""Direct messages to the bot (Events API `message.im`)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers import flows
from handlers.services import Services, ack_only, reply_in
from mentoring import inbox


def is_person_dm(event: dict[str, Any]) -> bool:
    """A new message a person wrote in their DM with the bot (not an edit, a bot, a join)."""
    return (
        event.get("channel_type") == "im"
        and "subtype" not in event
        and "bot_id" not in event
        and bool(event.get("user"))
    )


def handle_direct_message(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, services: Services
) -> None:
    """Store the delivery before the ack (Bolt acks when this returns), then apply it after.

    A retry of a delivery that was applied already is acknowledged and ignored.
    """
    event_id = body["event_id"]
    seen = inbox.record_delivery(services.engine, event_id, "message", event, services.clock())
    if seen is inbox.Delivery.DONE:
        return
    services.after_ack(
        reply_in(client, event["channel"]),
        lambda: flows.direct_message(services, client, event_id, event),
        what="dm",
    )


def register(app: App) -> None:
    app.event("message", matchers=[is_person_dm])(handle_direct_message)
    app.event("message")(ack_only)  # edits, joins, bot posts: acknowledged, nothing to do

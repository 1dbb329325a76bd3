"""What Slack sends an app: requests signed with its signing secret, and the payloads of slash
commands, events, button clicks and modal submissions, in the shapes Slack gives them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0001"


def slack_signature_headers(
    body: bytes, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """Headers exactly as Slack signs a request: v0=HMAC-SHA256(secret, "v0:{ts}:{body}")."""
    ts = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(ts).encode() + b":" + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": signature}


def slash_command(
    command: str,
    text: str,
    *,
    user: str,
    channel: str,
    response_url: str,
    trigger_id: str = "13345224609.738474920.8088930838d88f008e0",
) -> bytes:
    fields = {
        "token": "verification-token-unused",
        "team_id": TEAM,
        "team_domain": "example",
        "channel_id": channel,
        "channel_name": "directmessage" if channel.startswith("D") else "channel",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0001",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return urlencode(fields).encode()


def message_event(
    event_id: str,
    *,
    user: str,
    text: str,
    channel: str,
    ts: str = "1763715600.000100",
    thread_ts: str | None = None,
    channel_type: str = "im",
) -> bytes:
    """A person's message as the Events API delivers it: in their DM with the bot, or (with
    channel_type "channel"/"group") in a channel the bot is in; `thread_ts` makes it a reply."""
    event = {
        "type": "message",
        "channel_type": channel_type,
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "team": TEAM,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event_callback(event_id, event)


def event_callback(event_id: str, event: dict[str, Any]) -> bytes:
    envelope = {
        "token": "verification-token-unused",
        "team_id": TEAM,
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1763715600,
        "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
        "event": event,
    }
    return json.dumps(envelope).encode()


def block_action(
    action_id: str,
    value: str,
    *,
    user: str,
    response_url: str,
    channel: str = "D0USER",
    message_ts: str = "1763715600.000200",
    message: dict[str, Any] | None = None,
) -> bytes:
    """A button clicked in a message: the container is the message, with a response_url.
    `message`: the clicked message's text and blocks, which Slack sends along."""
    return _button_click(
        action_id,
        value,
        user=user,
        container={"type": "message", "message_ts": message_ts, "channel_id": channel},
        trigger_id="13345224609.738474920.8088930838d88f008e0",
        channel={"id": channel, "name": "directmessage"},
        message={"type": "message", "ts": message_ts, "text": "…", **(message or {})},
        response_url=response_url,
    )


def home_action(action_id: str, value: str, *, user: str) -> bytes:
    """A button clicked on the App Home tab: the container is the view, and unlike a message's
    buttons it comes with no response_url."""
    return _button_click(
        action_id,
        value,
        user=user,
        container={"type": "view", "view_id": "VHOME"},
        trigger_id="13345224609.738474920.8088930838d88f008e1",
        view={"id": "VHOME", "type": "home", "blocks": [], "state": {"values": {}}},
    )


def _button_click(action_id: str, value: str, *, user: str, **where: Any) -> bytes:
    """A block_actions payload for one button, clicked by `user` in the place `where` says."""
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "example"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A0001",
        **where,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b1",
                "value": value,
                "action_ts": "1763715601.000300",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def view_submission(
    callback_id: str, values: dict[str, dict[str, Any]], *, user: str, private_metadata: str
) -> bytes:
    """A modal's submission as Slack sends it: state.values keyed block_id → action_id."""
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "example"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A0001",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "view": {
            "id": "V0001",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
            "hash": "156772938.1827394",
        },
    }
    return urlencode({"payload": json.dumps(payload)}).encode()

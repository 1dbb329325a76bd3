"""Already posted? Each post carries its ledger key in Slack message metadata, so an attempt
that may have reached Slack unanswered (a 5xx, a timeout, a process killed mid-post) is looked
for in the conversation's history before the row is posted again."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from mentoring.prompts import Outgoing

METADATA_EVENT = "mentorbot_prompt"
HISTORY_LOOKBACK = 200


def metadata_of(out: Outgoing) -> dict[str, Any]:
    """The message metadata that marks a post as this row's, whichever attempt made it."""
    return {"event_type": METADATA_EVENT, "event_payload": {"delivery": out.key}}


def find_posted(client: WebClient, out: Outgoing) -> tuple[str, str] | None:
    """The channel and ts of the message this row already posted, if an unanswered attempt
    reached Slack; None when the recent history holds no message of this row."""
    return find_keyed(client, out.recipient, out.audience != "channel", metadata_of(out))


def find_keyed(
    client: WebClient, recipient: str, is_dm: bool, metadata: dict[str, Any]
) -> tuple[str, str] | None:
    """The channel and ts of a recent message in `recipient`'s conversation (a user's DM when
    `is_dm`) that carries exactly `metadata`; None when the recent history holds none."""
    channel = recipient
    if is_dm:
        channel = client.conversations_open(users=recipient)["channel"]["id"]
    history = client.conversations_history(
        channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
    )
    for message in history.get("messages", []):
        found = message.get("metadata") or {}
        if found.get("event_type") == metadata["event_type"] and (
            found.get("event_payload") == metadata["event_payload"]
        ):
            return channel, str(message["ts"])
    return None

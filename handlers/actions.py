"""Buttons. Values carry ids only; every flow re-checks who clicked against the database."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers import blocks, flows
from handlers.services import Message, Services, reply_replacing

ButtonFlow = Callable[[Services, WebClient, str, str], Message]

BUTTONS: dict[str | re.Pattern[str], ButtonFlow] = {
    blocks.SAVE_AS_WIN: flows.save_note_as_win,
    blocks.SAVE_AS_GOAL: flows.save_note_as_goal,
    blocks.DISCARD_NOTE: flows.discard_note,
    re.compile(rf"^{blocks.CHOOSE_PAIR}_\d+$"): flows.choose_pair,
    blocks.UNDO_GOAL_STATUS: flows.undo_goal_status,
    blocks.UNDO_WIN: flows.undo_win,
    blocks.REPOST_WIN: flows.repost_win,
    blocks.END_PAIR: flows.end_pair,
}


def button_listener(flow: ButtonFlow) -> Callable[..., None]:
    """A listener that acks the click, then runs `flow(services, client, clicker, value)` and
    replaces the clicked message with what it returns."""

    def handle_button(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        services: Services,
    ) -> None:
        ack()
        clicker, value = body["user"]["id"], str(action.get("value", ""))
        services.after_ack(
            reply_replacing(respond),
            lambda: flow(services, client, clicker, value),
            what=flow.__name__,
        )

    handle_button.__name__ = f"handle_{flow.__name__}"
    return handle_button


def handle_keep_pair(ack: Ack, respond: Respond) -> None:
    ack()
    respond(**blocks.pair_kept())


def register(app: App) -> None:
    for action_id, flow in BUTTONS.items():
        app.action(action_id)(button_listener(flow))
    app.action(blocks.KEEP_PAIR)(handle_keep_pair)

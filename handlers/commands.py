"""Slash commands. One listener acks all five at once (Slack gives up after 3 s); the verb the
text asks for is found and run after the ack (`handlers.routing`)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App

from handlers.routing import COMMANDS, route
from handlers.runtime import Answer, Call, Origin, ReplyTo, Services, Task
from handlers.slack_text import from_slack


def handle_command(ack: Ack, command: dict[str, Any], services: Services) -> None:
    """Ack, then run the command's verb; its answer goes privately to the person who typed it."""
    ack()
    origin = Origin(
        user_id=command["user_id"],
        channel_id=command.get("channel_id"),
        team_id=command.get("team_id", ""),
        trigger_id=command.get("trigger_id"),
    )
    reply = ReplyTo(response_url=command["response_url"])
    name = command["command"]
    services.after_ack(Task(run_command, origin, (name, command.get("text") or ""), reply, name))


def run_command(call: Call, command: str, text: str) -> Answer:
    routed = route(command, from_slack(text))
    call = replace(call, origin=replace(call.origin, with_user=routed.with_user))
    return routed.verb.run(call, **routed.arguments)


def register(app: App) -> None:
    # One listener for all five: Bolt evaluates each listener's matcher in turn, so fewer
    # listeners ahead of a match means less work before the ack.
    app.command(re.compile("^(" + "|".join(map(re.escape, COMMANDS)) + ")$"))(handle_command)

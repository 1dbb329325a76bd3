"""Slash commands. Each listener acks at once (Slack gives up after 3 s); the work runs after."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from handlers import flows
from handlers.parsing import Request
from handlers.services import Services
from handlers.tasks import Flow, ReplyTo, Task

COMMANDS: dict[str, Flow] = {
    "/goal": flows.goal_command,
    "/win": flows.win_command,
    "/mentor": flows.mentor_command,
    "/agenda": flows.agenda_command,
    "/review": flows.review_command,
}


def handle_command(ack: Ack, command: dict[str, Any], services: Services) -> None:
    """Ack, then run the command's flow; its answer goes privately to the person who typed it."""
    ack()
    reply = ReplyTo(response_url=command["response_url"])
    flow = COMMANDS[command["command"]]
    services.after_ack(Task(flow, (Request.of(command),), reply, command["command"]))


def register(app: App) -> None:
    # One listener for all five: Bolt evaluates each listener's matcher in turn, so fewer
    # listeners ahead of a match means less work before the ack.
    app.command(re.compile("^(" + "|".join(map(re.escape, COMMANDS)) + ")$"))(handle_command)

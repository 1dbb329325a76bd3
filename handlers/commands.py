"""Slash commands. Each listener acks at once (Slack gives up after 3 s) and replies later."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers import blocks, flows
from handlers.parsing import Request
from handlers.services import Message, Services, reply_by

CommandFlow = Callable[[Services, WebClient, Request], Message]

COMMANDS: dict[str, CommandFlow] = {
    "/goal": flows.goal_command,
    "/win": flows.win_command,
    "/mentor": flows.mentor_command,
}


def command_listener(flow: CommandFlow) -> Callable[..., None]:
    """A listener that acks the command, then runs `flow(services, client, request)` and
    answers privately through the command's response_url."""

    def handle_command(
        ack: Ack,
        command: dict[str, Any],
        respond: Respond,
        client: WebClient,
        services: Services,
    ) -> None:
        ack()
        request = Request.of(command)
        services.after_ack(
            reply_by(respond), lambda: flow(services, client, request), what=command["command"]
        )

    handle_command.__name__ = f"handle_{flow.__name__}"
    return handle_command


def handle_agenda_command(ack: Ack) -> None:
    ack(**blocks.not_yet("/agenda", "meeting agendas"))


def handle_review_command(ack: Ack) -> None:
    ack(**blocks.not_yet("/review", "periodic reviews"))


def register(app: App) -> None:
    for name, flow in COMMANDS.items():
        app.command(name)(command_listener(flow))
    app.command("/agenda")(handle_agenda_command)
    app.command("/review")(handle_review_command)

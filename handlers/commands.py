"""Slash commands. One listener acks all five at once (Slack gives up after 3 s); the verb the
text asks for is found and run after the ack (`handlers.routing`).

A command that could mean several of the person's pairs waits, as typed, in a draft, and the
answer offers one button per pair (`choose_pair`, the same buttons a goal or a win waits
with); the click runs the command for that pair (`run_for_pair`)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App

from handlers.routing import COMMANDS, route
from handlers.runtime import Answer, Call, Origin, ReplyTo, Services, Task
from handlers.slack_text import clean, from_slack
from handlers.wins.blocks import command_chooser
from mentoring import capture
from mentoring.capture import WaitingCommand
from mentoring.errors import AmbiguousPair


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
    try:
        return routed.verb.run(call, **routed.arguments)
    except AmbiguousPair as ambiguous:
        if call.origin.pair_id is not None:  # a pair was picked, and the flow did not use it
            raise
        line = clean(f"{command} {text}").strip()  # as Slack sent it, read again when it runs
        needs = call.apply(
            capture.keep_command, call.engine, call.actor, line, ambiguous.choices, call.now
        )
        names = call.names_of(choice.other_user for choice in needs.choices)
        return command_chooser(needs, f"{command} {from_slack(text)}", names)


def run_for_pair(call: Call, waiting: WaitingCommand) -> Answer:
    """Run a command that waited for its pair, as it was typed, for the pair picked."""
    command, _, text = waiting.line.partition(" ")
    picked = replace(call.origin, pair_id=waiting.pair_id)
    return run_command(replace(call, origin=picked), command, text)


def register(app: App) -> None:
    # One listener for all five: Bolt evaluates each listener's matcher in turn, so fewer
    # listeners ahead of a match means less work before the ack.
    app.command(re.compile("^(" + "|".join(map(re.escape, COMMANDS)) + ")$"))(handle_command)

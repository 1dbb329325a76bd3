"""The help, written from the verbs themselves, so it never lists a command that does not
exist (a test runs every example): `/<command> help` lists that command's own examples,
`/mentor help` gives an overview of every command with `/mentor`'s own examples."""

from __future__ import annotations

from enum import StrEnum

from handlers.kit import Block, Message, context, ephemeral, header, section
from handlers.routing import COMMANDS, Verb, verb, verbs_of
from handlers.runtime import Call, Flow


class Topic(StrEnum):
    GOALS = "Goals: one specific outcome, with a date"
    WINS = "Wins: your mentor sees them in your shared channel"
    MEETINGS = "Meetings: I ask for agenda items before each one and action items after"
    REVIEWS = "Reviews: every few weeks, look back together and adjust course"
    MENTORSHIP = "Your mentorship"


COMMAND_TOPICS = {
    "/goal": Topic.GOALS,
    "/win": Topic.WINS,
    "/agenda": Topic.MEETINGS,
    "/review": Topic.REVIEWS,
    "/mentor": Topic.MENTORSHIP,
}

COMMAND_NOTES = {
    "/goal": "Dates: `by 2027-05-15`, `by March 2027`, `in 3 months`.",
    "/win": "Or DM me a line starting with `win:`.",
    "/agenda": (
        "Or reply to my pre-meeting DM: the reply goes on the agenda. Under my post after a "
        "meeting, each line of your reply is an action item; tick them off with *Done*."
    ),
    "/review": "Or answer a review DM's thread with `stop: …`, `start: …`, `continue: …`.",
}

TARGET_NOTE = "Several mentorships? I ask which, or add `to @name`."

BEYOND_COMMANDS = (
    "DM me `goal: …` or `win: …` to save one (anything else: I'll ask what it is); my "
    "Home tab shows each mentorship at a glance. " + TARGET_NOTE
)


def _examples(verbs: list[Verb]) -> list[str]:
    return [f"• `{example}` — {what}" for found in verbs for example, what in found.examples]


def _own(command: str) -> list[Verb]:
    """The command's verbs, its help last."""
    return sorted(verbs_of(command), key=lambda found: is_help(found.run))


def command_help(command: str) -> Message:
    """One command's help: its examples, a note on other ways in, and where the rest is."""
    if command == "/mentor":
        return help_message()
    blocks: list[Block] = [
        header(f"{command} — what it does"),
        section("\n".join([f"*{COMMAND_TOPICS[command].value}*", *_examples(_own(command))])),
        context(f"{COMMAND_NOTES[command]} {TARGET_NOTE} Every command: `/mentor help`."),
    ]
    return ephemeral(f"Mentorbot help for {command}", blocks)


def help_message() -> Message:
    """The overview: each command with its own help, then `/mentor`'s examples by topic."""
    blocks: list[Block] = [header("Mentorbot — what I can do")]
    others = [
        f"*{COMMAND_TOPICS[command].value.partition(':')[0]}* `{command} help`"
        for command in COMMANDS
        if command != "/mentor"
    ]
    blocks.append(section("One command at a time: " + " · ".join(others)))
    mentor = _own("/mentor")
    for topic in Topic:
        examples = _examples([found for found in mentor if found.topic == topic])
        if examples:
            blocks.append(section("\n".join([f"*{topic.value.partition(':')[0]}*", *examples])))
    blocks.append(context(BEYOND_COMMANDS))
    return ephemeral("Mentorbot help: /goal, /win, /agenda, /review and /mentor", blocks)


def _show_help(command: str) -> Flow:
    def show_help(call: Call) -> Message:
        return command_help(command)

    return show_help


HELP_FLOWS: dict[str, Flow] = {command: _show_help(command) for command in COMMANDS}


def is_help(flow: Flow) -> bool:
    return flow in HELP_FLOWS.values()


for _command, _flow in HELP_FLOWS.items():
    verb(
        _command,
        ("help",) if _command != "/mentor" else ("help", ""),
        usage=f"{_command} help",
        topic=Topic.MENTORSHIP,
        examples=((("/mentor help", "this overview"),) if _command == "/mentor" else ()),
        pair=False,
    )(_flow)

"""The help, written from the verbs themselves: each verb's examples, grouped by topic, so the
help never lists a command that does not exist (a test runs every example)."""

from __future__ import annotations

from enum import StrEnum

from handlers.kit import Block, Message, ephemeral, header, section
from handlers.routing import COMMANDS, VERBS, verb
from handlers.runtime import Call


class Topic(StrEnum):
    GOALS = "Goals: one specific outcome, with a date"
    WINS = "Wins: your mentor sees them in your shared channel"
    MEETINGS = "Meetings: I ask for agenda items before each one and action items after"
    REVIEWS = "Reviews: every few weeks, look back together and adjust course"
    MENTORSHIP = "Your mentorship"


BEYOND_COMMANDS = (
    "*In a DM to me*: start with `goal:` or `win:` and I'll save it; "
    "anything else, I'll ask what to make of it (a win, a goal, or for a mentor an agenda "
    "item) — except a reply to my "
    "pre-meeting DM, which goes on the agenda, and `stop: … / start: … / continue: …` "
    "in the thread of a review DM, which answers that part of the review.\n"
    "Dates: `by 2027-05-15`, `by March 2027`, `in 3 months`.\n"
    "*My Home tab* shows each mentorship at a glance — goals and their milestones, the "
    "next meeting, action items, recent wins — with buttons to add a goal, a win, a "
    "milestone or an agenda item.\n"
    "In several mentorships? End a command with `to @name`."
)


def help_message() -> Message:
    blocks: list[Block] = [header("Mentorbot — what I can do")]
    listed = sorted(VERBS, key=lambda found: found.run is show_help)  # the help's own line last
    for topic in Topic:
        lines = [f"*{topic.value}*"]
        lines += [
            f"• `{example}` — {what}"
            for found in listed
            if found.topic == topic
            for example, what in found.examples
        ]
        blocks.append(section("\n".join(lines)))
    blocks.append(section(BEYOND_COMMANDS))
    return ephemeral("Mentorbot help: /goal, /win, /agenda, /review and /mentor", blocks)


def show_help(call: Call) -> Message:
    return help_message()


for _command in COMMANDS:
    verb(
        _command,
        ("help",) if _command != "/mentor" else ("help", ""),
        usage=f"{_command} help",
        topic=Topic.MENTORSHIP,
        examples=(
            (("/mentor help", "this help (also `/goal help`, `/win help`, `/agenda help`)"),)
            if _command == "/mentor"
            else ()
        ),
        pair=False,
    )(show_help)

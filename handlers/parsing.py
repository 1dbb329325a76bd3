"""The command grammar: what people type after `/goal`, `/win`, `/mentor`, or in a DM.

Input here is already plain text (`slack_text.from_slack`), with people as `<@U…>`.
Each parser returns a typed request or raises InvalidInput with what to type instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from handlers.slack_text import from_slack, mentioned_users
from mentoring.capture import Kind
from mentoring.errors import InvalidInput
from mentoring.model import GoalStatus

_TRAILING_TARGET = re.compile(r"^(?P<rest>.*?)\s*\bto\s+<@(?P<user>[UW][A-Z0-9]+)>[.!]?$", re.S)
_LEADING_TARGET = re.compile(r"^to\s+<@(?P<user>[UW][A-Z0-9]+)>\s*(?P<rest>.*)$", re.S)
_DM_PREFIX = re.compile(r"^\s*(?P<kind>goal|win)\s*:\s*(?P<body>.*)$", re.S | re.I)
_NUMBER = re.compile(r"^#?(\d{1,6})$")


@dataclass(frozen=True)
class Request:
    """A slash command reduced to what the rules need."""

    user_id: str
    team_id: str
    channel_id: str
    text: str

    @classmethod
    def of(cls, command: dict[str, Any]) -> Request:
        return cls(
            user_id=command["user_id"],
            team_id=command.get("team_id", ""),
            channel_id=command.get("channel_id", ""),
            text=from_slack(command.get("text")),
        )


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class AddGoal:
    text: str
    with_user: str | None


@dataclass(frozen=True)
class ListGoals:
    with_user: str | None


@dataclass(frozen=True)
class ChangeGoal:
    number: int
    status: GoalStatus
    with_user: str | None


@dataclass(frozen=True)
class LogWin:
    text: str
    with_user: str | None


@dataclass(frozen=True)
class PairUp:
    mentor_id: str
    mentee_id: str
    new_channel: bool


@dataclass(frozen=True)
class EndPair:
    people: tuple[str, ...]


@dataclass(frozen=True)
class ShowStatus:
    pass


@dataclass(frozen=True)
class DirectMessage:
    kind: Kind
    text: str
    with_user: str | None


def take_target(text: str) -> tuple[str, str | None]:
    """Split `to @person` off the end (or the start) of the text."""
    for pattern in (_TRAILING_TARGET, _LEADING_TARGET):
        match = pattern.match(text.strip())
        if match:
            return match.group("rest").strip(), match.group("user")
    return text.strip(), None


def parse_goal_command(text: str) -> AddGoal | ListGoals | ChangeGoal | Help:
    body, with_user = take_target(text)
    verb, _, rest = body.partition(" ")
    verb = verb.lower()
    if verb in ("", "help"):
        return Help()
    if verb == "list" and not rest.strip():
        return ListGoals(with_user)
    if verb in ("done", "drop"):
        number = _NUMBER.match(rest.strip())
        if number is None:
            raise InvalidInput(
                f"`/goal {verb}` needs a goal number, like `/goal {verb} 2`. "
                "`/goal list` shows the numbers."
            )
        status = GoalStatus.DONE if verb == "done" else GoalStatus.DROPPED
        return ChangeGoal(int(number.group(1)), status, with_user)
    return AddGoal(body, with_user)


def parse_win_command(text: str) -> LogWin | Help:
    body, with_user = take_target(text)
    if body.lower() in ("", "help"):
        return Help()
    return LogWin(body, with_user)


MENTOR_USAGE = (
    "Try `/mentor pair @mentor @mentee`, `/mentor status`, `/mentor end` or `/mentor help`."
)


def parse_mentor_command(text: str) -> PairUp | EndPair | ShowStatus | Help:
    verb, _, rest = text.strip().partition(" ")
    verb = verb.lower()
    people = tuple(mentioned_users(rest))
    if verb in ("", "help"):
        return Help()
    if verb == "status":
        return ShowStatus()
    if verb == "end":
        return EndPair(people)
    if verb == "pair":
        leftover = re.sub(r"<@[UW][A-Z0-9]+>", " ", rest).split()
        new_channel = [word.lower() for word in leftover] == ["new"]
        if len(people) != 2 or (leftover and not new_channel):
            raise InvalidInput(
                "Mention the mentor first, then the mentee: `/mentor pair @mentor @mentee` "
                "(add `new` for a private channel)."
            )
        return PairUp(people[0], people[1], new_channel)
    raise InvalidInput(f"I don't know `/mentor {verb}`. {MENTOR_USAGE}")


def parse_direct_message(text: str) -> DirectMessage | Help:
    """`goal: …` and `win: …` save straight away; `help` helps; anything else is a note."""
    if text.strip().lower() in ("help", "?"):
        return Help()
    prefixed = _DM_PREFIX.match(text)
    if prefixed is None:
        return DirectMessage(Kind.NOTE, text.strip(), None)
    body, with_user = take_target(prefixed.group("body"))
    return DirectMessage(Kind(prefixed.group("kind").lower()), body, with_user)

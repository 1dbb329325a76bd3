"""The command grammar: what people type after `/goal`, `/win`, `/mentor`, or in a DM.

Input here is already plain text (`slack_text.from_slack`), with people as `<@U…>`.
Each parser returns a typed request or raises InvalidInput with what to type instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from handlers.slack_text import from_slack, mentioned_users
from mentoring.capture import Kind
from mentoring.errors import InvalidInput
from mentoring.meetings.cadence import CadenceSpec, parse_cadence
from mentoring.meetings.values import Offsets
from mentoring.model import GoalStatus
from mentoring.reviews.cadence import parse_every

_TRAILING_TARGET = re.compile(r"^(?P<rest>.*?)\s*\bto\s+<@(?P<user>[UW][A-Z0-9]+)>[.!]?$", re.S)
_LEADING_TARGET = re.compile(r"^to\s+<@(?P<user>[UW][A-Z0-9]+)>\s*(?P<rest>.*)$", re.S)
_DM_PREFIX = re.compile(r"^\s*(?P<kind>goal|win)\s*:\s*(?P<body>.*)$", re.S | re.I)
_NUMBER = re.compile(r"^#?(\d{1,6})$")
_STEP = re.compile(r"^#?(\d{1,6})\.(\d{1,4})$")
_FOR_PERSON = re.compile(r"^(?P<rest>.*?)\s*\bfor\s+<@(?P<user>[UW][A-Z0-9]+)>[.!]?$", re.S)
_SPAN = re.compile(r"^(?P<n>\d{1,4})\s*(?P<unit>m|min|mins|h|hr|hrs|d|day|days)$", re.I)


@dataclass(frozen=True)
class Request:
    """A slash command reduced to what the rules need."""

    user_id: str
    team_id: str
    channel_id: str
    text: str
    trigger_id: str = ""  # for opening a form (valid for 3 seconds)

    @classmethod
    def of(cls, command: dict[str, Any]) -> Request:
        return cls(
            user_id=command["user_id"],
            team_id=command.get("team_id", ""),
            channel_id=command.get("channel_id", ""),
            text=from_slack(command.get("text")),
            trigger_id=command.get("trigger_id", ""),
        )


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class NewGoalForm:
    """`/goal` with nothing after it (but perhaps `to @name`): the New goal form."""

    with_user: str | None


@dataclass(frozen=True)
class LogWinForm:
    """`/win` with nothing after it (but perhaps `to @name`): the Log win form."""

    with_user: str | None


@dataclass(frozen=True)
class AddGoal:
    text: str
    with_user: str | None


@dataclass(frozen=True)
class ListGoals:
    with_user: str | None


@dataclass(frozen=True)
class ShowRoadmap:
    with_user: str | None


@dataclass(frozen=True)
class ChangeGoal:
    number: int
    status: GoalStatus
    with_user: str | None


@dataclass(frozen=True)
class AddMilestone:
    goal_number: int
    text: str
    with_user: str | None


@dataclass(frozen=True)
class ListMilestones:
    goal_number: int
    with_user: str | None


@dataclass(frozen=True)
class CompleteMilestone:
    goal_number: int
    number: int
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
class ShowSchedule:
    with_user: str | None


@dataclass(frozen=True)
class SetSchedule:
    spec: CadenceSpec
    with_user: str | None


@dataclass(frozen=True)
class ScheduleOff:
    with_user: str | None


@dataclass(frozen=True)
class SetOffsets:
    offsets: Offsets
    with_user: str | None


@dataclass(frozen=True)
class SkipMeeting:
    with_user: str | None


@dataclass(frozen=True)
class Pause:
    until: str  # the phrase; read as a date by mentoring.dates with the person's "today"
    with_user: str | None


@dataclass(frozen=True)
class Resume:
    with_user: str | None


@dataclass(frozen=True)
class ShowNudges:
    with_user: str | None


@dataclass(frozen=True)
class SetNudges:
    on: bool
    with_user: str | None


@dataclass(frozen=True)
class ShowAgenda:
    with_user: str | None


@dataclass(frozen=True)
class AddAgendaItem:
    text: str
    with_user: str | None


@dataclass(frozen=True)
class AddAction:
    text: str
    owner: str | None
    with_user: str | None


@dataclass(frozen=True)
class CloseAction:
    number: int
    with_user: str | None


@dataclass(frozen=True)
class GoalHistory:
    number: int
    with_user: str | None


@dataclass(frozen=True)
class SetReviewCadence:
    every_weeks: int | None  # None: reviews off
    with_user: str | None


@dataclass(frozen=True)
class ShowReviewCadence:
    with_user: str | None


@dataclass(frozen=True)
class ShowLastReview:
    with_user: str | None


@dataclass(frozen=True)
class ReviewHistory:
    with_user: str | None


@dataclass(frozen=True)
class StartReview:
    with_user: str | None


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


GoalRequest = (
    AddGoal
    | ListGoals
    | ShowRoadmap
    | ChangeGoal
    | AddMilestone
    | ListMilestones
    | CompleteMilestone
    | GoalHistory
    | NewGoalForm
    | Help
)


def parse_goal_command(text: str) -> GoalRequest:
    body, with_user = take_target(text)
    verb, _, rest = body.partition(" ")
    verb = verb.lower()
    if verb == "":
        return NewGoalForm(with_user)
    if verb == "help":
        return Help()
    if verb == "list" and not rest.strip():
        return ListGoals(with_user)
    if verb == "roadmap" and not rest.strip():
        return ShowRoadmap(with_user)
    if verb in ("milestone", "milestones"):
        return _milestone_request(verb, rest.strip(), with_user)
    if verb == "history":
        number = _NUMBER.match(rest.strip())
        if number is None:
            raise InvalidInput("`/goal history` needs a goal number, like `/goal history 2`.")
        return GoalHistory(int(number.group(1)), with_user)
    step = parse_milestone_label(rest)
    if verb == "done" and step is not None:
        return CompleteMilestone(*step, with_user)
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


def parse_milestone_label(text: str) -> tuple[int, int] | None:
    """`2.1` (or `#2.1`) as (goal number, milestone number); None when it is not one."""
    step = _STEP.match(text.strip())
    return (int(step.group(1)), int(step.group(2))) if step else None


def _milestone_request(
    verb: str, rest: str, with_user: str | None
) -> AddMilestone | ListMilestones:
    number_text, _, text = rest.partition(" ")
    number = _NUMBER.match(number_text)
    if number is None:
        raise InvalidInput(
            f"`/goal {verb}` needs a goal number first, like "
            + (
                "`/goal milestones 2`."
                if verb == "milestones"
                else "`/goal milestone 2 Submit the proposal by 2027-01-15`."
            )
        )
    if verb == "milestones":
        if text.strip():
            raise InvalidInput("`/goal milestones 2` lists goal 2's milestones; nothing more.")
        return ListMilestones(int(number.group(1)), with_user)
    return AddMilestone(int(number.group(1)), text.strip(), with_user)


def parse_win_command(text: str) -> LogWin | LogWinForm | Help:
    body, with_user = take_target(text)
    if not body:
        return LogWinForm(with_user)
    if body.lower() == "help":
        return Help()
    return LogWin(body, with_user)


MENTOR_USAGE = (
    "Try `/mentor pair @mentor @mentee`, `/mentor status`, `/mentor schedule weekly tue 15:00`, "
    "`/mentor skip`, `/mentor nudges off`, `/mentor end` or `/mentor help`."
)
MeetingRequest = (
    ShowSchedule
    | SetSchedule
    | ScheduleOff
    | SetOffsets
    | SkipMeeting
    | Pause
    | Resume
    | SetReviewCadence
    | ShowReviewCadence
)


def parse_mentor_command(
    text: str,
) -> PairUp | EndPair | ShowStatus | Help | ShowNudges | SetNudges | MeetingRequest:
    verb, _, rest = text.strip().partition(" ")
    verb = verb.lower()
    people = tuple(mentioned_users(rest))
    if verb in ("", "help"):
        return Help()
    if verb == "status":
        return ShowStatus()
    if verb == "end":
        return EndPair(people)
    if verb in ("schedule", "skip", "pause", "resume", "prompts"):
        return _meeting_request(verb, rest)
    if verb in ("review", "reviews"):
        body, with_user = take_target(rest)
        if not body:
            return ShowReviewCadence(with_user)
        return SetReviewCadence(parse_every(body.split()), with_user)
    if verb in ("nudges", "nudge"):
        return _nudges_request(rest)
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


def _meeting_request(verb: str, rest: str) -> MeetingRequest:
    body, with_user = take_target(rest)
    if verb == "schedule":
        if not body:
            return ShowSchedule(with_user)
        if body.lower() == "off":
            return ScheduleOff(with_user)
        return SetSchedule(parse_cadence(body), with_user)
    if verb == "skip" and not body:
        return SkipMeeting(with_user)
    if verb == "resume" and not body:
        return Resume(with_user)
    if verb == "pause":
        phrase = re.sub(r"^until\s+", "", body, flags=re.I).strip()
        if not phrase:
            raise InvalidInput("Say until when: `/mentor pause until 2026-12-28`.")
        return Pause(phrase, with_user)
    if verb == "prompts":
        spans = body.split()
        if len(spans) != 3:
            raise InvalidInput(
                "Give three times: the DM before the meeting, the agenda before it, and the "
                "follow-up after it, like `/mentor prompts 24h 1h 2h`."
            )
        return SetOffsets(Offsets(*(parse_span(span) for span in spans)), with_user)
    raise InvalidInput(f"`/mentor {verb}` takes nothing more. {MENTOR_USAGE}")


def _nudges_request(rest: str) -> ShowNudges | SetNudges:
    body, with_user = take_target(rest)
    switch = body.lower()
    if not switch:
        return ShowNudges(with_user)
    if switch in ("on", "off"):
        return SetNudges(switch == "on", with_user)
    raise InvalidInput("Say `/mentor nudges off`, `/mentor nudges on`, or `/mentor nudges`.")


def parse_span(word: str) -> timedelta:
    """`90m`, `2h`, `1d`."""
    match = _SPAN.match(word)
    if match is None:
        raise InvalidInput(
            f"`{word}` isn't a length of time; use minutes, hours or days: `30m`, `2h`, `1d`."
        )
    unit = match.group("unit")[0].lower()
    return timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: int(match.group("n"))})


AGENDA_USAGE = (
    "Try `/agenda`, `/agenda add <topic>`, `/agenda action <what> [for @person]` or "
    "`/agenda done <n>`."
)


def parse_agenda_command(
    text: str,
) -> ShowAgenda | AddAgendaItem | AddAction | CloseAction | Help:
    body, with_user = take_target(text)
    verb, _, rest = body.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb == "help":
        return Help()
    if verb in ("", "show", "list"):
        return ShowAgenda(with_user)
    if verb == "add":
        return AddAgendaItem(rest, with_user)
    if verb == "action":
        owner_match = _FOR_PERSON.match(rest)
        if owner_match:
            return AddAction(
                owner_match.group("rest").strip(), owner_match.group("user"), with_user
            )
        return AddAction(rest, None, with_user)
    if verb == "done":
        number = _NUMBER.match(rest)
        if number is None:
            raise InvalidInput("`/agenda done` needs an action item number, like `/agenda done 2`.")
        return CloseAction(int(number.group(1)), with_user)
    raise InvalidInput(f"I don't know `/agenda {verb}`. {AGENDA_USAGE}")


REVIEW_USAGE = "Try `/review`, `/review history`, `/review now` or `/review help`."


def parse_review_command(
    text: str,
) -> ShowLastReview | ReviewHistory | StartReview | Help:
    body, with_user = take_target(text)
    verb = body.strip().lower()
    if verb == "help":
        return Help()
    if verb in ("", "last", "show"):
        return ShowLastReview(with_user)
    if verb in ("history", "list"):
        return ReviewHistory(with_user)
    if verb in ("now", "start"):
        return StartReview(with_user)
    raise InvalidInput(f"I don't know `/review {body.strip()}`. {REVIEW_USAGE}")


def parse_direct_message(text: str) -> DirectMessage | Help:
    """`goal: …` and `win: …` save straight away; `help` helps; anything else is a note."""
    if text.strip().lower() in ("help", "?"):
        return Help()
    prefixed = _DM_PREFIX.match(text)
    if prefixed is None:
        return DirectMessage(Kind.NOTE, text.strip(), None)
    body, with_user = take_target(prefixed.group("body"))
    return DirectMessage(Kind(prefixed.group("kind").lower()), body, with_user)

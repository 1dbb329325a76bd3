"""`/mentor schedule|skip|pause|resume|prompts`: the pair's meeting rhythm, and a skipped
meeting's Undo."""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.help import Topic
from handlers.kit import Message
from handlers.meetings.blocks import (
    UNSKIP_MEETING,
    meeting_skipped,
    meeting_unskipped,
    schedule_stopped,
    schedule_view,
)
from handlers.routing import Part, button, verb
from handlers.runtime import Call, Reply
from mentoring import pairs
from mentoring.dates import parse_due
from mentoring.errors import InvalidInput
from mentoring.meetings import schedule as schedule_rules
from mentoring.meetings.cadence import parse_cadence
from mentoring.meetings.values import Offsets
from mentoring.model import PairInfo, Target

SCHEDULE_FORMS = (
    "weekly, every N weeks (`every other thu 9:30`) or monthly (`first mon 10:00`, "
    "`the 15th 10:00`), in the mentee's zone unless you add one (`Europe/Berlin`)"
)
_SPAN = re.compile(r"^(?P<n>\d{1,4})\s*(?P<unit>m|min|mins|h|hr|hrs|d|day|days)$", re.I)


def member_zones(call: Call, pair: PairInfo) -> tuple[str | None, str | None]:
    """The mentor's and the mentee's Slack time zones (None where Slack has none)."""
    return call.zone_of(pair.mentor_id), call.zone_of(pair.mentee_id)


@verb(
    "/mentor",
    "schedule",
    r"(?P<spec>(?!off$).+)",
    usage="/mentor schedule weekly tue 15:00",
    topic=Topic.MEETINGS,
    examples=(("/mentor schedule weekly tue 15:00", SCHEDULE_FORMS),),
)
def set_schedule(call: Call, spec: str) -> Reply:
    cadence = parse_cadence(spec)
    pair = call.apply(pairs.find_pair, call.engine, call.actor, call.target)
    zones = member_zones(call, pair)
    view = call.apply(
        schedule_rules.set_schedule,
        call.engine,
        call.actor,
        Target(pair_id=pair.id),
        cadence,
        default_tz=zones[1] or "UTC",
        member_tz=zones,
        now=call.now,
    )
    return Reply.after(view, schedule_view(view, call.user_id))


@verb(
    "/mentor",
    "schedule",
    usage="/mentor schedule",
    topic=Topic.MEETINGS,
    examples=(("/mentor schedule", "the next three meetings, in both your times"),),
)
def show_schedule(call: Call) -> Reply:
    """The schedule in both people's zones, as Slack tells them now (a zone that changed is
    kept, and shows on the Home too)."""
    view = call.apply(schedule_rules.show_schedule, call.engine, call.actor, call.target, call.now)
    if view.cadence is not None and view.pair.active:
        zones = member_zones(call, view.pair)
        view = call.apply(
            schedule_rules.show_schedule,
            call.engine,
            call.actor,
            Target(pair_id=view.pair.id),
            call.now,
            zones,
        )
    return Reply.after(view, schedule_view(view, call.user_id))


@verb(
    "/mentor",
    "skip",
    usage="/mentor skip",
    topic=Topic.MEETINGS,
    examples=(("/mentor skip", "skip the next meeting (with Undo)"),),
    refusal="`/mentor skip` takes nothing more. {usage}",
)
def skip_meeting(call: Call) -> Reply:
    meeting = call.apply(schedule_rules.skip_next, call.engine, call.actor, call.target, call.now)
    return Reply.after(meeting, meeting_skipped(meeting, call.zone))


@button(UNSKIP_MEETING, Part.MEETING)
def unskip_meeting(call: Call, meeting_id: int) -> Reply:
    meeting = call.apply(schedule_rules.unskip, call.engine, call.actor, meeting_id, call.now)
    return Reply.after(meeting, meeting_unskipped(meeting, call.zone))


@verb(
    "/mentor",
    "pause",
    r"(?:until\s+)?(?P<phrase>.+)",
    usage="/mentor pause until <date>",
    topic=Topic.MEETINGS,
    examples=(
        ("/mentor pause until 2026-12-28", "no prompts until then (`/mentor resume` ends it)"),
    ),
    refusal="Say until when: `/mentor pause until 2026-12-28`.",
)
def pause(call: Call, phrase: str) -> Reply:
    until = parse_due(phrase.strip(), call.today)
    view = call.apply(schedule_rules.pause, call.engine, call.actor, call.target, until, call.now)
    return Reply.after(view, schedule_view(view, call.user_id))


@verb(
    "/mentor",
    "resume",
    usage="/mentor resume",
    topic=Topic.MEETINGS,
    refusal="`/mentor resume` takes nothing more. {usage}",
)
def resume(call: Call) -> Reply:
    view = call.apply(schedule_rules.pause, call.engine, call.actor, call.target, None, call.now)
    return Reply.after(view, schedule_view(view, call.user_id))


@verb(
    "/mentor",
    "prompts",
    r"(?P<dm>\S+)\s+(?P<agenda>\S+)\s+(?P<followup>\S+)",
    usage="/mentor prompts <before> <before> <after>",
    topic=Topic.MEETINGS,
    examples=(("/mentor prompts 24h 1h 2h", "when the DM, the agenda and the follow-up go out"),),
    refusal=(
        "Give three times: the DM before the meeting, the agenda before it, and the "
        "follow-up after it, like `/mentor prompts 24h 1h 2h`."
    ),
)
def set_prompts(call: Call, dm: str, agenda: str, followup: str) -> Message:
    offsets = Offsets(parse_span(dm), parse_span(agenda), parse_span(followup))
    view = call.apply(
        schedule_rules.set_offsets, call.engine, call.actor, call.target, offsets, call.now
    )
    return schedule_view(view, call.user_id)


@verb(
    "/mentor",
    "schedule",
    "off",
    usage="/mentor schedule off",
    topic=Topic.MEETINGS,
    examples=(("/mentor schedule off", "stop the schedule"),),
)
def schedule_off(call: Call) -> Reply:
    stopped = call.apply(
        schedule_rules.schedule_off, call.engine, call.actor, call.target, call.now
    )
    return Reply.after(stopped, schedule_stopped())


def parse_span(word: str) -> timedelta:
    """`90m`, `2h`, `1d`."""
    match = _SPAN.match(word)
    if match is None:
        raise InvalidInput(
            f"`{word}` isn't a length of time; use minutes, hours or days: `30m`, `2h`, `1d`."
        )
    unit = match.group("unit")[0].lower()
    return timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: int(match.group("n"))})

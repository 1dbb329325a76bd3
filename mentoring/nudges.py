"""Drift nudges: a gentle private DM to a mentee when their mentorship has gone quiet.

Three signals, checked in this order, and a nudge names only the first that holds: a milestone
is overdue; the last two meetings held both had an agenda post with nothing on it (meetings
skipped, cancelled or paused don't count) and nothing is waiting for the next one; no win
logged in 28 days, in a pair at least that old. Each comes with one suggested next step.

A nudge is a ledger row (kind `nudge`, to the mentee) whose subject is the person and the ISO
week, so the database allows one per person per week, whichever of their pairs it is about;
nobody is nudged within seven days of their last nudge either. It is due at the next 10:00 in
the mentee's zone and re-checked when it is sent. The mentor is never nudged about the mentee
and the channel never sees it; either member may turn nudges off for their pair.

The scan (`plan_nudges`) runs with the hourly housekeeping and `python -m bot tick`, not in the
dispatcher's pass, and its queries each cover every pair at once (storage.drift).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from mentoring.dates import local_date
from mentoring.model import Actor, PairInfo, Target
from mentoring.pairs import require_active, resolve_pair
from mentoring.zones import pair_zone
from storage import drift, ledger
from storage.db import session_scope
from storage.drift import NUDGE
from storage.models import ACTIVE, Delivery, MeetingSchedule, Pair

logger = logging.getLogger("mentorbot.nudges")

QUIET_FOR = timedelta(days=28)  # no win for this long is a signal
ONE_A_WEEK = timedelta(days=7)
SEND_AT = time(10, 0)  # in the mentee's zone
SEND_WITHIN = timedelta(days=1)
AUDIENCE = "mentee"
TURNED_OFF = "nudges turned off"
BACK_ON_TRACK = "back on track"


class Signal(StrEnum):
    OVERDUE_MILESTONE = "overdue milestone"
    NO_AGENDA = "no agenda"
    NO_WIN = "no win"


PRIORITY = (Signal.OVERDUE_MILESTONE, Signal.NO_AGENDA, Signal.NO_WIN)


@dataclass(frozen=True)
class NudgeInfo:
    """What a nudge says: the signal, one suggested step, and the milestone it is about.

    `to` is the mentor the suggested commands name (`… to <@mentor>`), set when the mentee is
    in more than one active pair: typed in their DM with the bot, a command without it would be
    refused as ambiguous."""

    signal: Signal
    suggestion: str
    milestone: str | None = None  # its label, "2.1"
    milestone_text: str | None = None
    due_on: date | None = None
    to: str | None = None


@dataclass(frozen=True)
class NudgeSetting:
    pair: PairInfo
    on: bool
    changed: bool = False
    cancelled: int = 0  # planned nudges skipped by turning them off


@dataclass(frozen=True)
class _Drift:
    pair: Pair
    tz: str
    nudge: NudgeInfo

    @property
    def rank(self) -> tuple[int, int]:
        return PRIORITY.index(self.nudge.signal), self.pair.id or 0


# Planning


def plan_nudges(engine: Engine, now: datetime) -> int:
    """Plan this week's nudge for each mentee whose pair drifts; returns how many were planned.

    Rows whose key is taken (this person's nudge this week, planned by an earlier scan or
    another process) are left out by the database, not by a check here.
    """
    with session_scope(engine) as session:
        recent = drift.recently_nudged(session, now - ONE_A_WEEK)
        chosen: dict[str, _Drift] = {}
        for found in _drifting(session, now):
            mentee = found.pair.mentee_id
            if mentee in recent:
                continue
            if mentee not in chosen or found.rank < chosen[mentee].rank:
                chosen[mentee] = found
        added = ledger.add_new_only(session, [_row(found, now) for found in chosen.values()])
    if added:
        logger.info("nudges planned", extra={"rows": added})
    return added


def next_send_time(now: datetime, tz: str) -> datetime:
    """The next 10:00 in `tz` at or after `now`, in UTC."""
    zone, today = ZoneInfo(tz), local_date(now, tz)
    at = datetime.combine(today, SEND_AT, tzinfo=zone)
    if at < now:
        at = datetime.combine(today + timedelta(days=1), SEND_AT, tzinfo=zone)
    return at.astimezone(UTC)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _row(found: _Drift, now: datetime) -> Delivery:
    due = next_send_time(now, found.tz)
    week = iso_week(local_date(due, found.tz))
    return ledger.new_delivery(
        pair_id=found.pair.id or 0,
        subject=ledger.nudge_subject(found.pair.mentee_id, week),
        kind=NUDGE,
        audience=AUDIENCE,
        due_at=due,
        expires_at=due + SEND_WITHIN,
        now=now,
    )


FURTHEST_AHEAD = "Etc/GMT-14"  # UTC+14 (the POSIX sign is inverted)


def _drifting(session: Session, now: datetime, pair_id: int | None = None) -> list[_Drift]:
    """Every unpaused pair (with nudges on) that drifts, with the nudge it would get."""
    pairs = drift.pairs_to_scan(session, pair_id)
    if not pairs:
        return []
    # Overdue somewhere: before the date of the zone furthest ahead (UTC+14); each mentee's
    # own date decides below.
    overdue: dict[int, list[tuple[int, int, str, date]]] = {}
    for pid, goal, number, text, due in drift.overdue_milestones(
        session, local_date(now, FURTHEST_AHEAD), pair_id
    ):
        overdue.setdefault(pid, []).append((goal, number, text, due))
    empty_meetings: dict[int, list[bool]] = {}
    for pid, listed, posted in drift.last_held_meetings(session, now, pair_id):
        empty_meetings.setdefault(pid, []).append(posted and not listed)
    waiting = drift.pairs_with_open_agenda(session, pair_id)
    won = drift.pairs_with_wins_since(session, now - QUIET_FOR, pair_id)
    found = []
    for pair, schedule in pairs:
        tz = pair_zone(schedule)  # the mentee's: the nudge is theirs
        if _paused(schedule, local_date(now, _schedule_zone(schedule))) is not None:
            continue
        today = local_date(now, tz)
        late = [m for m in overdue.get(pair.id or 0, []) if m[3] < today]
        empties = empty_meetings.get(pair.id or 0, [])
        nudge = None
        if late:
            goal, number, text, due = late[0]
            nudge = _overdue(f"{goal}.{number}", text, due)
        elif len(empties) == 2 and all(empties) and pair.id not in waiting:
            nudge = NudgeInfo(Signal.NO_AGENDA, suggest(Signal.NO_AGENDA))
        elif pair.created_at <= now - QUIET_FOR and pair.id not in won:
            nudge = NudgeInfo(Signal.NO_WIN, suggest(Signal.NO_WIN))
        if nudge is not None:
            found.append(_Drift(pair, tz, nudge))
    return found


def _overdue(label: str, text: str, due: date) -> NudgeInfo:
    return NudgeInfo(
        Signal.OVERDUE_MILESTONE,
        suggest(Signal.OVERDUE_MILESTONE, label),
        milestone=label,
        milestone_text=text,
        due_on=due,
    )


def suggest(signal: Signal, milestone: str | None = None, to: str | None = None) -> str:
    """The one next step for `signal`, its commands ending in `to <@to>` when `to` is given
    (the `to @name` form handlers.routing.take_target accepts for /goal, /agenda and /win)."""
    pair = f" to <@{to}>" if to else ""
    if signal == Signal.OVERDUE_MILESTONE:
        return (
            f"If it's finished, mark it done with `/goal done {milestone}{pair}`; if it's "
            f"stuck, bring it to your next session with "
            f"`/agenda add What's in the way of {milestone}{pair}`."
        )
    if signal == Signal.NO_AGENDA:
        return (
            "Add one thing you'd like to talk about next time — a question, a decision, "
            f"something that went sideways: `/agenda add …{pair}`"
        )
    return f"Log one thing that went well lately, however small: `/win …{pair}`"


def naming_the_pair(nudge: NudgeInfo, mentor_id: str) -> NudgeInfo:
    """The nudge with its suggested commands naming the pair, by its mentor."""
    return replace(
        nudge, suggestion=suggest(nudge.signal, nudge.milestone, mentor_id), to=mentor_id
    )


def _schedule_zone(schedule: MeetingSchedule | None) -> str | None:
    """The zone a pause's end date is in: the schedule's own."""
    return schedule.tz if schedule is not None else None


def _paused(schedule: MeetingSchedule | None, today: date) -> date | None:
    if schedule is not None and schedule.paused_until is not None and today < schedule.paused_until:
        return schedule.paused_until
    return None


# The ledger's question


def prepare_nudge_row(
    session: Session,
    row: Delivery,
    pair: Pair,
    schedule: MeetingSchedule | None,
    now: datetime,
) -> NudgeInfo | str:
    """The nudge for a claimed row, checked again now, or why it is skipped."""
    if pair.status != ACTIVE:
        return "pair ended"
    if not pair.nudges:
        return TURNED_OFF
    paused = _paused(schedule, local_date(now, _schedule_zone(schedule)))
    if paused is not None:
        return f"paused until {paused.isoformat()}"
    if now >= row.expires_at:
        return "too late: a day had passed"
    found = _drifting(session, now, pair.id)
    if not found:
        return BACK_ON_TRACK
    nudge = found[0].nudge
    # Decided now, not when planned: pairs begin and end in between. With another active pair,
    # a command typed in the DM with the bot must say which mentorship it is for.
    if drift.active_pair_count(session, pair.mentee_id) > 1:
        nudge = naming_the_pair(nudge, pair.mentor_id)
    return nudge


# Turning them on and off


def set_nudges(
    engine: Engine, actor: Actor, target: Target, on: bool, now: datetime
) -> NudgeSetting:
    """`/mentor nudges on|off`, by either member, for their pair. Off also skips the nudges
    already planned for it."""
    with session_scope(engine) as session:
        pair = resolve_pair(session, actor, target)
        require_active(pair)
        changed = pair.nudges != on
        pair.nudges = on
        session.add(pair)
        cancelled = 0
        if not on:
            cancelled = ledger.end_planned_of_pair(
                session, pair.id or 0, NUDGE, ledger.SKIPPED, TURNED_OFF, now
            )
        return NudgeSetting(PairInfo.of(pair), on, changed, cancelled)


def show_nudges(engine: Engine, actor: Actor, target: Target) -> NudgeSetting:
    with session_scope(engine) as session:
        pair = resolve_pair(session, actor, target, include_ended=True)
        return NudgeSetting(PairInfo.of(pair), pair.nudges)

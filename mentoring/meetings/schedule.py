"""A pair's meeting schedule: set, shown, skipped, paused, and when the prompts go out.

Setting a cadence cancels a meeting planned but not started (with its prompts) and plans the
next one; skipping a meeting skips its prompts, and the one after is planned as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from mentoring.errors import InvalidInput, NotFound
from mentoring.meetings.cadence import Cadence, CadenceSpec, first_cadence
from mentoring.meetings.planning import cadence_of, offsets_of, plan_next_meeting, prompt_times
from mentoring.meetings.values import DEFAULT_OFFSETS, MeetingInfo, Offsets
from mentoring.model import Actor, Outcome, PairInfo, Target
from mentoring.pairs import resolve_active_pair, resolve_pair
from mentoring.reviews.planning import replan_review
from storage import ledger
from storage import meetings as meeting_store
from storage.db import session_scope
from storage.models import MeetingSchedule, Pair

SHOWN_MEETINGS = 3
MAX_DM_BEFORE = timedelta(days=6)
MAX_FOLLOWUP_AFTER = timedelta(days=2)
SKIPPED_BY_MEMBER = "meeting skipped"


@dataclass(frozen=True)
class ScheduleView(Outcome):
    pair: PairInfo
    cadence: Cadence | None
    offsets: Offsets
    paused_until: date | None
    upcoming: tuple[MeetingInfo, ...]  # the planned next meeting, then the cadence's next ones
    mentor_tz: str | None
    mentee_tz: str | None


def set_schedule(
    engine: Engine,
    actor: Actor,
    target: Target,
    spec: CadenceSpec,
    *,
    default_tz: str,
    member_tz: tuple[str | None, str | None],
    now: datetime,
) -> ScheduleView:
    """Set (or change) the pair's cadence and plan its next meeting. A meeting already planned
    that has not started is cancelled, with its prompts (they say why in the ledger)."""
    with session_scope(engine) as session:
        pair = resolve_active_pair(session, actor, target)
        cadence = first_cadence(spec, spec.tz or default_tz, now)
        schedule = meeting_store.schedule_of(session, pair.id or 0, lock=True)
        if schedule is None:
            schedule = MeetingSchedule(
                pair_id=pair.id or 0,
                interval_weeks=0,
                weekday=0,
                at_time="",
                tz="",
                anchor=cadence.anchor,
                updated_by=actor.user_id,
                updated_at=now,
            )
        _cancel_upcoming(session, pair, now, "rescheduled")
        schedule.rule = cadence.rule.rrule
        schedule.interval_weeks = cadence.rule.interval_weeks
        schedule.weekday = cadence.anchor.weekday()  # the rule's, for a rule by weekday
        schedule.at_time = f"{cadence.at:%H:%M}"
        schedule.tz = cadence.tz
        schedule.anchor = cadence.anchor
        schedule.active = True
        schedule.mentor_tz, schedule.mentee_tz = member_tz
        schedule.updated_by, schedule.updated_at = actor.user_id, now
        session.add(schedule)
        plan_next_meeting(session, schedule, now, now)
        return _view(session, pair, schedule, now).changing(pair.id or 0)


def show_schedule(
    engine: Engine,
    actor: Actor,
    target: Target,
    now: datetime,
    member_tz: tuple[str | None, str | None] | None = None,
) -> ScheduleView:
    with session_scope(engine) as session:
        pair = resolve_pair(session, actor, target, include_ended=True)
        schedule = meeting_store.schedule_of(session, pair.id or 0)
        view = _view(session, pair, schedule, now)
        if schedule is None or member_tz is None or pair.status != "active":
            return view
        if (schedule.mentor_tz, schedule.mentee_tz) == member_tz:
            return view
        schedule.mentor_tz, schedule.mentee_tz = member_tz  # Slack's zones, newer than ours
        session.add(schedule)
        return _view(session, pair, schedule, now).changing(pair.id or 0)


@contextmanager
def _editing_schedule(
    engine: Engine, actor: Actor, target: Target, now: datetime
) -> Iterator[tuple[Session, Pair, MeetingSchedule]]:
    """The actor's active pair and its schedule, to change in one transaction (who and when
    are recorded on the schedule)."""
    with session_scope(engine) as session:
        pair = resolve_active_pair(session, actor, target)
        schedule = _schedule(session, pair)
        yield session, pair, schedule
        schedule.updated_by, schedule.updated_at = actor.user_id, now
        session.add(schedule)


def schedule_off(engine: Engine, actor: Actor, target: Target, now: datetime) -> PairInfo:
    with _editing_schedule(engine, actor, target, now) as (session, pair, schedule):
        _cancel_upcoming(session, pair, now, "schedule turned off")
        schedule.active = False
        schedule.next_plan_at = None
        replan_review(session, pair, now, "schedule turned off")
    return PairInfo.of(pair).changing(pair.id or 0)


def set_offsets(
    engine: Engine, actor: Actor, target: Target, offsets: Offsets, now: datetime
) -> ScheduleView:
    """Change when the prompts go out; the next meeting's planned prompts move with them."""
    if not timedelta(minutes=5) <= offsets.dm_before <= MAX_DM_BEFORE:
        raise InvalidInput("Send the DM prompt between 5 minutes and 6 days before the meeting.")
    if not timedelta(0) <= offsets.agenda_before < offsets.dm_before:
        raise InvalidInput("Post the agenda after the DM prompt and before the meeting starts.")
    if not timedelta(0) <= offsets.followup_after <= MAX_FOLLOWUP_AFTER:
        raise InvalidInput("Ask for action items up to 2 days after the meeting.")
    with _editing_schedule(engine, actor, target, now) as (session, pair, schedule):
        schedule.dm_before_minutes = int(offsets.dm_before.total_seconds() // 60)
        schedule.agenda_before_minutes = int(offsets.agenda_before.total_seconds() // 60)
        schedule.followup_after_minutes = int(offsets.followup_after.total_seconds() // 60)
        upcoming = meeting_store.next_meeting(session, pair.id or 0, now)
        if upcoming is not None:
            for row in ledger.deliveries_of_meeting(session, upcoming.id or 0):
                if row.status == ledger.PLANNED:
                    due, expires = prompt_times(row.kind, upcoming.starts_at, offsets_of(schedule))
                    row.due_at, row.next_at, row.expires_at = due, due, expires
                    session.add(row)
        return _view(session, pair, schedule, now)


def skip_next(engine: Engine, actor: Actor, target: Target, now: datetime) -> MeetingInfo:
    """Skip the next meeting: its prompts are skipped, the one after is planned as usual."""
    with session_scope(engine) as session:
        pair = resolve_active_pair(session, actor, target)
        _schedule(session, pair)
        meeting = meeting_store.next_meeting(session, pair.id or 0, now)
        if meeting is None or meeting.status != "scheduled":
            raise InvalidInput(
                "There's no upcoming meeting to skip. `/mentor schedule` shows them."
            )
        meeting.status = "skipped"
        session.add(meeting)
        ledger.end_planned(session, meeting.id or 0, ledger.SKIPPED, SKIPPED_BY_MEMBER, now)
        return MeetingInfo.of(meeting).changing(meeting.pair_id)


def unskip(engine: Engine, actor: Actor, meeting_id: int, now: datetime) -> MeetingInfo:
    """Undo a skip while the meeting is still ahead."""
    with session_scope(engine) as session:
        meeting = meeting_store.get_meeting(session, meeting_id)
        if meeting is None:
            raise NotFound("That meeting is gone; `/mentor schedule` shows the next ones.")
        resolve_active_pair(session, actor, Target(pair_id=meeting.pair_id))
        if meeting.status != "skipped" or meeting.starts_at <= now:
            raise InvalidInput("That meeting isn't skipped any more, or it has already started.")
        meeting.status = "scheduled"
        session.add(meeting)
        ledger.reopen_skipped(session, meeting.id or 0, SKIPPED_BY_MEMBER, now)
        return MeetingInfo.of(meeting).changing(meeting.pair_id)


def pause(
    engine: Engine, actor: Actor, target: Target, until: date | None, now: datetime
) -> ScheduleView:
    """No prompts for meetings before `until`; None resumes them."""
    with _editing_schedule(engine, actor, target, now) as (session, pair, schedule):
        if until is None and schedule.paused_until is None:
            raise InvalidInput("Your meetings aren't paused.")
        schedule.paused_until = until
    shown = show_schedule(engine, actor, Target(pair_id=pair.id), now)
    return shown.changing(shown.pair.id)


def _cancel_upcoming(session: Session, pair: Pair, now: datetime, reason: str) -> None:
    meeting = meeting_store.next_meeting(session, pair.id or 0, now)
    if meeting is not None:
        meeting.status = "cancelled"
        session.add(meeting)
        ledger.end_planned(session, meeting.id or 0, ledger.SKIPPED, reason, now)


def _view(
    session: Session, pair: Pair, schedule: MeetingSchedule | None, now: datetime
) -> ScheduleView:
    info = PairInfo.of(pair)
    if schedule is None or not schedule.active:
        offsets = offsets_of(schedule) if schedule is not None else DEFAULT_OFFSETS
        return ScheduleView(info, None, offsets, None, (), None, None)
    cadence = cadence_of(schedule)
    upcoming: list[MeetingInfo] = []
    planned = meeting_store.next_meeting(session, pair.id or 0, now)
    after = now
    if planned is not None:
        upcoming.append(MeetingInfo.of(planned))
        after = planned.starts_at
    for day, start in cadence.upcoming(after, SHOWN_MEETINGS - len(upcoming)):
        upcoming.append(MeetingInfo(0, 0, day, start, "scheduled", info.id))
    return ScheduleView(
        info,
        cadence,
        offsets_of(schedule),
        schedule.paused_until,
        tuple(upcoming),
        schedule.mentor_tz,
        schedule.mentee_tz,
    )


def _schedule(session: Session, pair: Pair) -> MeetingSchedule:
    schedule = meeting_store.schedule_of(session, pair.id or 0, lock=True)
    if schedule is None or not schedule.active:
        raise NotFound(
            "You have no meeting schedule yet. Set one with `/mentor schedule weekly tue 15:00`."
        )
    return schedule

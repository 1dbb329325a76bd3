"""Meetings: a pair's cadence, its next meetings, agenda items and action items.

Either member may set the rhythm. Meetings are planned one at a time: setting a cadence plans
the first meeting and its prompts (rows in the delivery ledger); the dispatcher plans each
following meeting when the previous one starts (mentoring.deliveries.plan_due).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from mentoring.cadence import Cadence, CadenceSpec, first_cadence
from mentoring.errors import FieldError, InvalidInput, NotFound
from mentoring.model import Actor, Outcome, PairInfo, Target
from mentoring.pairs import require_active, resolve_pair
from mentoring.reviews.planning import plan_review_for_meeting, replan_review
from storage import ledger
from storage.db import session_scope
from storage.models import ACTIVE, ActionItem, AgendaItem, Meeting, MeetingSchedule, Pair

AGENDA_ITEM_MAX_CHARS = 500
ACTION_MAX_CHARS = 500
SHOWN_MEETINGS = 3
MAX_DM_BEFORE = timedelta(days=6)
MAX_FOLLOWUP_AFTER = timedelta(days=2)
FOLLOWUP_WINDOW = timedelta(hours=24)
SKIPPED_BY_MEMBER = "meeting skipped"


@dataclass(frozen=True)
class Offsets:
    dm_before: timedelta
    agenda_before: timedelta
    followup_after: timedelta


DEFAULT_OFFSETS = Offsets(timedelta(hours=24), timedelta(hours=1), timedelta(hours=2))


@dataclass(frozen=True)
class MeetingInfo(Outcome):
    id: int
    number: int
    local_date: date
    starts_at: datetime
    status: str
    pair_id: int

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingInfo:
        assert meeting.id is not None
        return cls(
            meeting.id,
            meeting.number,
            meeting.local_date,
            meeting.starts_at,
            meeting.status,
            meeting.pair_id,
        )


@dataclass(frozen=True)
class ScheduleView(Outcome):
    pair: PairInfo
    cadence: Cadence | None
    offsets: Offsets
    paused_until: date | None
    upcoming: tuple[MeetingInfo, ...]  # the planned next meeting, then the cadence's next ones
    mentor_tz: str | None
    mentee_tz: str | None


@dataclass(frozen=True)
class ActionInfo(Outcome):
    id: int
    number: int
    owner_id: str
    text: str
    open: bool
    pair_id: int

    @classmethod
    def of(cls, item: ActionItem) -> ActionInfo:
        assert item.id is not None
        return cls(
            item.id, item.number, item.owner_id, item.text, item.status == "open", item.pair_id
        )


@dataclass(frozen=True)
class AgendaEntry:
    id: int
    author_id: str
    text: str

    @classmethod
    def of(cls, item: AgendaItem) -> AgendaEntry:
        assert item.id is not None
        return cls(item.id, item.author_id, item.text)


@dataclass(frozen=True)
class AgendaView:
    pair: PairInfo
    meeting: MeetingInfo | None
    items: tuple[AgendaEntry, ...]
    actions: tuple[ActionInfo, ...]


@dataclass(frozen=True)
class AgendaAdded(Outcome):
    pair: PairInfo
    item: AgendaEntry
    meeting: MeetingInfo | None


@dataclass(frozen=True)
class ActionAdded(Outcome):
    pair: PairInfo
    action: ActionInfo


# The cadence


def cadence_of(schedule: MeetingSchedule) -> Cadence:
    hour, minute = (int(part) for part in schedule.at_time.split(":"))
    return Cadence(
        schedule.interval_weeks, schedule.weekday, time(hour, minute), schedule.tz, schedule.anchor
    )


def offsets_of(schedule: MeetingSchedule) -> Offsets:
    return Offsets(
        timedelta(minutes=schedule.dm_before_minutes),
        timedelta(minutes=schedule.agenda_before_minutes),
        timedelta(minutes=schedule.followup_after_minutes),
    )


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
        pair = _active_pair(session, actor, target)
        cadence = first_cadence(spec, spec.tz or default_tz, now)
        schedule = ledger.schedule_of(session, pair.id or 0, lock=True)
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
        schedule.interval_weeks = cadence.interval_weeks
        schedule.weekday = cadence.weekday
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
        schedule = ledger.schedule_of(session, pair.id or 0)
        if schedule is not None and member_tz is not None and pair.status == "active":
            schedule.mentor_tz, schedule.mentee_tz = member_tz
            session.add(schedule)
        return _view(session, pair, schedule, now)


@contextmanager
def _editing_schedule(
    engine: Engine, actor: Actor, target: Target, now: datetime
) -> Iterator[tuple[Session, Pair, MeetingSchedule]]:
    """The actor's active pair and its schedule, to change in one transaction (who and when
    are recorded on the schedule)."""
    with session_scope(engine) as session:
        pair = _active_pair(session, actor, target)
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
        upcoming = ledger.next_meeting(session, pair.id or 0, now)
        if upcoming is not None:
            for row in ledger.deliveries_of_meeting(session, upcoming.id or 0):
                if row.status == ledger.PLANNED:
                    due, expires = _timing(row.kind, upcoming.starts_at, offsets_of(schedule))
                    row.due_at, row.next_at, row.expires_at = due, due, expires
                    session.add(row)
        return _view(session, pair, schedule, now)


def skip_next(engine: Engine, actor: Actor, target: Target, now: datetime) -> MeetingInfo:
    """Skip the next meeting: its prompts are skipped, the one after is planned as usual."""
    with session_scope(engine) as session:
        pair = _active_pair(session, actor, target)
        _schedule(session, pair)
        meeting = ledger.next_meeting(session, pair.id or 0, now)
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
        meeting = ledger.get_meeting(session, meeting_id)
        if meeting is None:
            raise NotFound("That meeting is gone; `/mentor schedule` shows the next ones.")
        _active_pair(session, actor, Target(pair_id=meeting.pair_id))
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


def plan_next_meeting(
    session: Session, schedule: MeetingSchedule, after: datetime, now: datetime
) -> Meeting:
    """Plan the first meeting after `after` and its prompts; the schedule row must be locked
    (or new) in this transaction. The unique meeting number stops a second planner. When the
    pair's review cadence has come round, the review after this meeting is planned too."""
    cadence = cadence_of(schedule)
    day, start = cadence.next_after(after)
    schedule.meeting_seq += 1
    meeting = Meeting(
        pair_id=schedule.pair_id,
        number=schedule.meeting_seq,
        local_date=day,
        starts_at=start,
        created_at=now,
    )
    session.add(meeting)
    session.flush()
    offsets = offsets_of(schedule)
    for kind, audience in PROMPTS:
        due, expires = _timing(kind, start, offsets)
        session.add(
            ledger.new_delivery(
                pair_id=schedule.pair_id,
                subject=ledger.meeting_subject(meeting.id or 0),
                meeting_id=meeting.id,
                kind=kind,
                audience=audience,
                due_at=due,
                expires_at=expires,
                now=now,
            )
        )
    schedule.next_plan_at = start
    session.add(schedule)
    pair = session.get(Pair, schedule.pair_id)
    if pair is not None and pair.status == ACTIVE:
        plan_review_for_meeting(session, pair, meeting, now)
    return meeting


PROMPTS = (
    ("prompt", "mentor"),
    ("prompt", "mentee"),
    ("agenda", "channel"),
    ("followup", "channel"),
)


def _timing(kind: str, start: datetime, offsets: Offsets) -> tuple[datetime, datetime]:
    """When a prompt is due, and until when it is still worth sending (the catch-up rule):
    DMs and the agenda until the meeting starts, the follow-up for a day after it is due."""
    if kind == "prompt":
        return start - offsets.dm_before, start
    if kind == "agenda":
        return start - offsets.agenda_before, start
    due = start + offsets.followup_after
    return due, due + FOLLOWUP_WINDOW


def _cancel_upcoming(session: Session, pair: Pair, now: datetime, reason: str) -> None:
    meeting = ledger.next_meeting(session, pair.id or 0, now)
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
    planned = ledger.next_meeting(session, pair.id or 0, now)
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


def _active_pair(session: Session, actor: Actor, target: Target) -> Pair:
    pair = resolve_pair(session, actor, target)
    require_active(pair)
    return pair


def _schedule(session: Session, pair: Pair) -> MeetingSchedule:
    schedule = ledger.schedule_of(session, pair.id or 0, lock=True)
    if schedule is None or not schedule.active:
        raise NotFound(
            "You have no meeting schedule yet. Set one with `/mentor schedule weekly tue 15:00`."
        )
    return schedule


# Agenda and action items


def agenda(engine: Engine, actor: Actor, target: Target, now: datetime) -> AgendaView:
    with session_scope(engine) as session:
        pair = resolve_pair(session, actor, target, include_ended=True)
        meeting = ledger.next_meeting(session, pair.id or 0, now)
        items = ledger.open_agenda(session, pair.id or 0, meeting.id if meeting else None)
        return AgendaView(
            PairInfo.of(pair),
            MeetingInfo.of(meeting) if meeting is not None else None,
            tuple(AgendaEntry.of(item) for item in items),
            tuple(ActionInfo.of(item) for item in ledger.open_actions(session, pair.id or 0)),
        )


def add_agenda_item(
    engine: Engine, actor: Actor, target: Target, text: str, now: datetime
) -> AgendaAdded:
    with session_scope(engine) as session:
        pair = _active_pair(session, actor, target)
        return add_agenda_item_in(session, actor, pair, text, "command", now)


def parse_agenda_form(text: str) -> str:
    """The Add agenda item form's text, flattened; a FieldError says what to fix."""
    flat = " ".join(text.split())
    if not flat:
        raise FieldError("text", "Say what you'd like to talk about.")
    if len(flat) > AGENDA_ITEM_MAX_CHARS:
        raise FieldError("text", f"Keep it under {AGENDA_ITEM_MAX_CHARS} characters.")
    return flat


def add_agenda_item_in(
    session: Session, actor: Actor, pair: Pair, text: str, source: str, now: datetime
) -> AgendaAdded:
    text = _item_text(text, AGENDA_ITEM_MAX_CHARS, "/agenda add Feedback on my design doc")
    item = AgendaItem(
        pair_id=pair.id or 0, author_id=actor.user_id, text=text, source=source, created_at=now
    )
    session.add(item)
    session.flush()
    meeting = ledger.next_meeting(session, pair.id or 0, now)
    return AgendaAdded(
        PairInfo.of(pair),
        AgendaEntry.of(item),
        MeetingInfo.of(meeting) if meeting is not None else None,
    ).changing(pair.id or 0)


def add_action(
    engine: Engine,
    actor: Actor,
    target: Target,
    text: str,
    owner: str | None,
    now: datetime,
) -> ActionAdded:
    with session_scope(engine) as session:
        pair = _active_pair(session, actor, target)
        return add_action_in(session, actor, pair, text, owner or pair.mentee_id, now)


def add_action_in(
    session: Session, actor: Actor, pair: Pair, text: str, owner: str, now: datetime
) -> ActionAdded:
    if owner not in (pair.mentor_id, pair.mentee_id):
        raise InvalidInput(
            f"An action item belongs to <@{pair.mentee_id}> or <@{pair.mentor_id}>; "
            f"<@{owner}> isn't in this mentorship."
        )
    text = _item_text(text, ACTION_MAX_CHARS, "/agenda action Draft the talk outline")
    item = ActionItem(
        pair_id=pair.id or 0,
        number=ledger.next_action_number(session, pair.id or 0),
        owner_id=owner,
        text=text,
        created_by=actor.user_id,
        created_at=now,
    )
    session.add(item)
    session.flush()
    return ActionAdded(PairInfo.of(pair), ActionInfo.of(item)).changing(pair.id or 0)


def close_action(
    engine: Engine, actor: Actor, target: Target, number: int, now: datetime
) -> ActionInfo:
    with session_scope(engine) as session:
        pair = _active_pair(session, actor, target)
        item = ledger.action_by_number(session, pair.id or 0, number)
        if item is None:
            raise NotFound(f"There's no action item {number}. `/agenda` lists the open ones.")
        if item.status != "open":
            raise InvalidInput(f"Action item {number} is already done.")
        item.status, item.closed_at = "done", now
        session.add(item)
        return ActionInfo.of(item).changing(item.pair_id)


def reopen_action(engine: Engine, actor: Actor, action_id: int) -> ActionInfo:
    """Undo `close_action`."""
    with session_scope(engine) as session:
        item = session.get(ActionItem, action_id)
        if item is None:
            raise NotFound("That action item is gone.")
        _active_pair(session, actor, Target(pair_id=item.pair_id))  # raises unless theirs
        item.status, item.closed_at = "open", None
        session.add(item)
        return ActionInfo.of(item).changing(item.pair_id)


def _item_text(text: str, limit: int, example: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise InvalidInput(f"Say what it is, like `{example}`.")
    if len(text) > limit:
        raise InvalidInput(f"That's {len(text)} characters; keep it under {limit}.")
    return text

"""Queries over schedules, meetings, agenda items and action items. They never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, update
from sqlmodel import Session, col, select

from storage.models import ActionItem, AgendaItem, Meeting, MeetingSchedule, Pair
from storage.repositories import (
    PAIR_IDS,
    Firsts,
    built_once,
    group_firsts,
    in_pairs,
    ranked_per_pair,
)

# Schedules and meetings


def schedule_of(session: Session, pair_id: int, *, lock: bool = False) -> MeetingSchedule | None:
    """The pair's schedule; `lock` holds it (FOR UPDATE) against a planner changing it too."""
    return session.get(MeetingSchedule, pair_id, with_for_update=lock or None)


def schedules_of(session: Session, pair_ids: Sequence[int]) -> dict[int, MeetingSchedule]:
    """The schedules of several pairs, by pair id."""
    if not pair_ids:
        return {}
    rows = session.exec(_schedules_of(), params={PAIR_IDS: list(pair_ids)}).all()
    return {schedule.pair_id: schedule for schedule in rows}


@built_once
def _schedules_of() -> Any:
    return select(MeetingSchedule).where(in_pairs(MeetingSchedule.pair_id))


def schedules_to_plan(session: Session, now: datetime, limit: int) -> Sequence[MeetingSchedule]:
    """Active schedules whose next meeting is due to be planned, locked for this transaction."""
    statement = (
        select(MeetingSchedule)
        .where(col(MeetingSchedule.next_plan_at) <= now, MeetingSchedule.active)
        .order_by(col(MeetingSchedule.next_plan_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.exec(statement).all()


def previous_meeting(session: Session, pair_id: int, before: datetime) -> Meeting | None:
    """The last meeting held (not skipped or cancelled) that started before `before`."""
    return session.exec(_previous_meeting(), params={"pair_id": pair_id, "before": before}).first()


@built_once
def _previous_meeting() -> Any:
    return (
        select(Meeting)
        .where(
            Meeting.pair_id == bindparam("pair_id"),
            Meeting.status == "scheduled",
            col(Meeting.starts_at) < bindparam("before"),
        )
        .order_by(col(Meeting.starts_at).desc())
        .limit(1)
    )


def next_meeting(session: Session, pair_id: int, now: datetime) -> Meeting | None:
    """The pair's next meeting that has not started (skipped ones included)."""
    statement = (
        select(Meeting)
        .where(
            Meeting.pair_id == pair_id,
            Meeting.status != "cancelled",
            col(Meeting.starts_at) > now,
        )
        .order_by(col(Meeting.starts_at))
        .limit(1)
    )
    return session.exec(statement).first()


def next_meetings(session: Session, pair_ids: Sequence[int], now: datetime) -> dict[int, Meeting]:
    """`next_meeting` of several pairs in one query, by pair id."""
    if not pair_ids:
        return {}
    rows = session.exec(_next_meetings(), params={PAIR_IDS: list(pair_ids), "now": now}).all()
    return {row.pair_id: row for row in rows}


@built_once
def _next_meetings() -> Any:
    meeting, rank, _total = ranked_per_pair(
        Meeting,
        [Meeting.status != "cancelled", col(Meeting.starts_at) > bindparam("now")],
        [col(Meeting.starts_at)],
    )
    return select(meeting).where(rank == 1)


def get_meeting(session: Session, meeting_id: int) -> Meeting | None:
    return session.get(Meeting, meeting_id)


# Agenda and action items


def open_agenda(
    session: Session, pair_id: int, meeting_id: int | None = None
) -> Sequence[AgendaItem]:
    """Items not on a posted agenda yet, and those already posted for `meeting_id`."""
    return session.exec(_open_agenda(), params={"pair_id": pair_id, "meeting_id": meeting_id}).all()


@built_once
def _open_agenda() -> Any:
    posted_for = col(AgendaItem.meeting_id) == bindparam("meeting_id")  # never true for None
    return (
        select(AgendaItem)
        .where(
            AgendaItem.pair_id == bindparam("pair_id"),
            or_(col(AgendaItem.meeting_id).is_(None), posted_for),
        )
        .order_by(col(AgendaItem.id))
    )


def open_agenda_counts(
    session: Session, pair_ids: Sequence[int], meeting_ids: Sequence[int] = ()
) -> dict[int, int]:
    """How many items wait on each pair's next agenda: not posted yet, or posted for one of
    `meeting_ids` (the pairs' next meetings, whose agenda goes out an hour before)."""
    if not pair_ids:
        return {}
    statement = (
        select(AgendaItem.pair_id, func.count())
        .where(col(AgendaItem.pair_id).in_(pair_ids), _on_next_agenda(meeting_ids))
        .group_by(AgendaItem.pair_id)
    )
    return {pair_id: count for pair_id, count in session.exec(statement).all()}


def _on_next_agenda(meeting_ids: Sequence[int | None]) -> Any:
    unposted = col(AgendaItem.meeting_id).is_(None)
    posted = [m for m in meeting_ids if m is not None]
    return or_(unposted, col(AgendaItem.meeting_id).in_(posted)) if posted else unposted


def stamp_agenda(session: Session, item_ids: Sequence[int], meeting_id: int) -> None:
    if item_ids:
        item = AgendaItem.__table__.c  # type: ignore[attr-defined]
        session.execute(
            update(AgendaItem.__table__)
            .where(item.id.in_(item_ids), item.meeting_id.is_(None))
            .values(meeting_id=meeting_id)
        )


def open_actions(session: Session, pair_id: int) -> Sequence[ActionItem]:
    return session.exec(_open_actions(), params={"pair_id": pair_id}).all()


@built_once
def _open_actions() -> Any:
    return (
        select(ActionItem)
        .where(ActionItem.pair_id == bindparam("pair_id"), ActionItem.status == "open")
        .order_by(col(ActionItem.number))
    )


def first_open_actions(session: Session, pair_ids: Sequence[int], limit: int) -> Firsts[ActionItem]:
    """The first `limit` open action items of each pair (by number), with each pair's count."""
    if not pair_ids:
        return {}
    rows = session.exec(_first_open_actions(), params={PAIR_IDS: list(pair_ids), "limit": limit})
    return group_firsts(rows.all())


@built_once
def _first_open_actions() -> Any:
    action, rank, total = ranked_per_pair(
        ActionItem, [ActionItem.status == "open"], [col(ActionItem.number)]
    )
    return select(action, total).where(rank <= bindparam("limit")).order_by(action.pair_id, rank)


def actions_by_ids(
    session: Session, pair_id: int, action_ids: Sequence[int]
) -> Sequence[ActionItem]:
    """The pair's action items among `action_ids` (ids of another pair are left out)."""
    if not action_ids:
        return []
    statement = select(ActionItem).where(
        ActionItem.pair_id == pair_id, col(ActionItem.id).in_(action_ids)
    )
    return session.exec(statement).all()


def held_meeting_starts(
    session: Session, pair_id: int, since: datetime, before: datetime
) -> Sequence[datetime]:
    """When the pair's meetings held (not skipped or cancelled) between `since` and `before`
    started, oldest first: what an action item's age in meetings is counted from."""
    parameters = {"pair_id": pair_id, "since": since, "before": before}
    return session.exec(_held_meeting_starts(), params=parameters).all()


@built_once
def _held_meeting_starts() -> Any:
    return (
        select(Meeting.starts_at)
        .where(
            Meeting.pair_id == bindparam("pair_id"),
            Meeting.status == "scheduled",
            col(Meeting.starts_at) > bindparam("since"),
            col(Meeting.starts_at) < bindparam("before"),
        )
        .order_by(col(Meeting.starts_at))
    )


def action_by_number(session: Session, pair_id: int, number: int) -> ActionItem | None:
    statement = select(ActionItem).where(ActionItem.pair_id == pair_id, ActionItem.number == number)
    return session.exec(statement).first()


def next_action_number(session: Session, pair_id: int) -> int:
    """Hand out the pair's next action number; the UPDATE comes first so concurrent adds queue."""
    session.execute(
        update(Pair).where(col(Pair.id) == pair_id).values(action_seq=col(Pair.action_seq) + 1)
    )
    return session.exec(select(Pair.action_seq).where(Pair.id == pair_id)).one()


def next_plan_after(session: Session, now: datetime) -> datetime | None:
    """When an active schedule next has its following meeting planned, after `now`."""
    statement = (
        select(MeetingSchedule.next_plan_at)
        .where(col(MeetingSchedule.active), col(MeetingSchedule.next_plan_at) > now)
        .order_by(col(MeetingSchedule.next_plan_at))
        .limit(1)
    )
    return session.exec(statement).first()

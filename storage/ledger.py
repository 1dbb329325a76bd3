"""Queries over meetings, agendas and the delivery ledger. They never commit.

Claims are atomic on both engines: on PostgreSQL the candidate rows are locked with
`FOR UPDATE SKIP LOCKED`, so concurrent dispatchers take disjoint rows without waiting on each
other; on SQLite every transaction starts with BEGIN IMMEDIATE (storage.db), so claims are
serialised by the database lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import (
    ActionItem,
    AgendaItem,
    Delivery,
    DispatchBudget,
    Meeting,
    MeetingSchedule,
    Pair,
)
from storage.repositories import Firsts, group_firsts, ranked_per_pair

PLANNED, SENDING, SENT, SKIPPED, FAILED = "planned", "sending", "sent", "skipped", "failed"
CLAIMABLE = (PLANNED, SENDING)
REASON_CHARS = 200  # Delivery.reason's length

# Schedules and meetings


def schedule_of(session: Session, pair_id: int, *, lock: bool = False) -> MeetingSchedule | None:
    """The pair's schedule; `lock` holds it (FOR UPDATE) against a planner changing it too."""
    return session.get(MeetingSchedule, pair_id, with_for_update=lock or None)


def schedules_of(session: Session, pair_ids: Sequence[int]) -> dict[int, MeetingSchedule]:
    """The schedules of several pairs, by pair id."""
    if not pair_ids:
        return {}
    statement = select(MeetingSchedule).where(col(MeetingSchedule.pair_id).in_(pair_ids))
    return {schedule.pair_id: schedule for schedule in session.exec(statement).all()}


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
    statement = (
        select(Meeting)
        .where(
            Meeting.pair_id == pair_id,
            Meeting.status == "scheduled",
            col(Meeting.starts_at) < before,
        )
        .order_by(col(Meeting.starts_at).desc())
        .limit(1)
    )
    return session.exec(statement).first()


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
    meeting, rank, _total = ranked_per_pair(
        Meeting,
        pair_ids,
        [Meeting.status != "cancelled", col(Meeting.starts_at) > now],
        [col(Meeting.starts_at)],
    )
    rows = session.exec(select(meeting).where(rank == 1)).all()
    return {row.pair_id: row for row in rows}


def get_meeting(session: Session, meeting_id: int) -> Meeting | None:
    return session.get(Meeting, meeting_id)


# Agenda and action items


def open_agenda(
    session: Session, pair_id: int, meeting_id: int | None = None
) -> Sequence[AgendaItem]:
    """Items not on a posted agenda yet, and those already posted for `meeting_id`."""
    statement = (
        select(AgendaItem)
        .where(AgendaItem.pair_id == pair_id, _on_next_agenda([meeting_id]))
        .order_by(col(AgendaItem.id))
    )
    return session.exec(statement).all()


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
        session.execute(
            update(AgendaItem)
            .where(col(AgendaItem.id).in_(item_ids), col(AgendaItem.meeting_id).is_(None))
            .values(meeting_id=meeting_id)
        )


def open_actions(session: Session, pair_id: int) -> Sequence[ActionItem]:
    statement = (
        select(ActionItem)
        .where(ActionItem.pair_id == pair_id, ActionItem.status == "open")
        .order_by(col(ActionItem.number))
    )
    return session.exec(statement).all()


def first_open_actions(session: Session, pair_ids: Sequence[int], limit: int) -> Firsts[ActionItem]:
    """The first `limit` open action items of each pair (by number), with each pair's count."""
    if not pair_ids:
        return {}
    action, rank, total = ranked_per_pair(
        ActionItem, pair_ids, [ActionItem.status == "open"], [col(ActionItem.number)]
    )
    statement = select(action, total).where(rank <= limit).order_by(action.pair_id, rank)
    return group_firsts(session.exec(statement).all())


def action_by_number(session: Session, pair_id: int, number: int) -> ActionItem | None:
    statement = select(ActionItem).where(ActionItem.pair_id == pair_id, ActionItem.number == number)
    return session.exec(statement).first()


def next_action_number(session: Session, pair_id: int) -> int:
    """Hand out the pair's next action number; the UPDATE comes first so concurrent adds queue."""
    session.execute(
        update(Pair).where(col(Pair.id) == pair_id).values(action_seq=col(Pair.action_seq) + 1)
    )
    return session.exec(select(Pair.action_seq).where(Pair.id == pair_id)).one()


# The delivery ledger


def meeting_subject(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def review_subject(review_id: int) -> str:
    return f"review:{review_id}"


def nudge_subject(user_id: str, week: str) -> str:
    """One nudge per person per ISO week (`2026-W48`), whichever of their pairs it is about."""
    return f"nudge:{user_id}:{week}"


def new_delivery(
    *,
    pair_id: int,
    subject: str,
    kind: str,
    audience: str,
    due_at: datetime,
    expires_at: datetime,
    now: datetime,
    meeting_id: int | None = None,
    review_id: int | None = None,
    reason: str | None = None,
) -> Delivery:
    """A planned row, claimable from `due_at`; (subject, kind, audience) is its unique key."""
    return Delivery(
        pair_id=pair_id,
        subject=subject,
        meeting_id=meeting_id,
        review_id=review_id,
        kind=kind,
        audience=audience,
        due_at=due_at,
        next_at=due_at,
        expires_at=expires_at,
        reason=reason,
        updated_at=now,
    )


def add_new_only(session: Session, rows: Sequence[Delivery]) -> int:
    """Insert planned rows in one statement (per thousand rows), leaving out any whose
    (subject, kind, audience) is already taken (ON CONFLICT DO NOTHING): an earlier scan or
    another process may have planned it. Returns how many were added."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Delivery.__table__
    statement = insert(table).on_conflict_do_nothing().returning(table.c.id)
    added = session.execute(statement, [row.model_dump(exclude={"id"}) for row in rows])
    return len(added.all())


def end_planned_of_pair(
    session: Session, pair_id: int, kind: str, status: str, reason: str, now: datetime
) -> int:
    """Close the pair's rows of one kind that have not been claimed yet; returns how many."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.pair_id == pair_id, Delivery.kind == kind, Delivery.status == PLANNED)
        .values(status=status, reason=reason, updated_at=now)
    )
    return result.rowcount


def deliveries_of_meeting(session: Session, meeting_id: int) -> Sequence[Delivery]:
    statement = select(Delivery).where(Delivery.meeting_id == meeting_id).order_by(Delivery.id)
    return session.exec(statement).all()


def end_planned(session: Session, meeting_id: int, status: str, reason: str, now: datetime) -> int:
    """Close the meeting's deliveries that have not been claimed yet; returns how many."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.meeting_id == meeting_id, Delivery.status == PLANNED)
        .values(status=status, reason=reason, updated_at=now)
    )
    return result.rowcount


def reopen_skipped(session: Session, meeting_id: int, reason: str, now: datetime) -> int:
    """Undo `end_planned(..., SKIPPED, reason)` for rows still worth sending."""
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.meeting_id == meeting_id,
            Delivery.status == SKIPPED,
            Delivery.reason == reason,
            col(Delivery.expires_at) > now,
        )
        .values(status=PLANNED, reason=None, updated_at=now)
    )
    return result.rowcount


def claim_due(
    session: Session, now: datetime, worker: str, lease: timedelta, limit: int
) -> Sequence[Delivery]:
    """Claim up to `limit` rows that are due, or whose previous claim's lease ran out.

    A row taken over from an expired lease is marked `uncertain`: its first claimant may have
    posted it before stopping.
    """
    candidates = (
        select(Delivery.id)
        .where(col(Delivery.status).in_(CLAIMABLE), col(Delivery.next_at) <= now)
        .order_by(col(Delivery.next_at), col(Delivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.exec(candidates).all())
    if not ids:
        return []
    session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(ids), col(Delivery.status).in_(CLAIMABLE))
        .values(
            uncertain=case((Delivery.status == SENDING, True), else_=Delivery.uncertain),
            status=SENDING,
            claimed_by=worker,
            next_at=now + lease,
            updated_at=now,
        )
    )
    statement = select(Delivery).where(col(Delivery.id).in_(ids), Delivery.claimed_by == worker)
    return session.exec(statement.order_by(col(Delivery.next_at), col(Delivery.id))).all()


def finish_claimed(
    session: Session, delivery_id: int, worker: str, now: datetime, **values: object
) -> bool:
    """Record the outcome of this worker's claim; False when the claim was lost meanwhile.
    A reason longer than its column is cut (PostgreSQL enforces VARCHAR lengths)."""
    if isinstance(values.get("reason"), str):
        values["reason"] = str(values["reason"])[:REASON_CHARS]
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.id) == delivery_id,
            Delivery.status == SENDING,
            Delivery.claimed_by == worker,
        )
        .values(updated_at=now, **values)
    )
    return result.rowcount == 1


def get_delivery(session: Session, delivery_id: int) -> Delivery | None:
    return session.get(Delivery, delivery_id)


def sent_prompt_at(session: Session, channel: str, ts: str) -> Delivery | None:
    """The sent prompt that is the message `ts` in `channel` (a reply's thread parent)."""
    statement = select(Delivery).where(
        Delivery.channel == channel, Delivery.ts == ts, Delivery.status == SENT
    )
    return session.exec(statement).first()


def open_prompt_for(session: Session, channel: str, now: datetime) -> Delivery | None:
    """The latest prompt DM sent in `channel` whose window is open and whose first plain reply
    has not been taken yet."""
    statement = (
        select(Delivery)
        .where(
            Delivery.channel == channel,
            Delivery.kind == "prompt",
            Delivery.status == SENT,
            col(Delivery.reply_taken).is_(False),
            col(Delivery.expires_at) > now,
        )
        .order_by(col(Delivery.due_at).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def listing(session: Session, pair_id: int | None, limit: int) -> Sequence[Delivery]:
    statement = select(Delivery)
    if pair_id is not None:
        statement = statement.where(Delivery.pair_id == pair_id)
    statement = statement.order_by(col(Delivery.due_at).desc(), col(Delivery.id).desc())
    return session.exec(statement.limit(limit)).all()


def budget_row(session: Session, name: str) -> DispatchBudget | None:
    """The budget row, locked until the transaction ends (SQLite: by BEGIN IMMEDIATE)."""
    statement = select(DispatchBudget).where(DispatchBudget.name == name).with_for_update()
    return session.exec(statement).first()

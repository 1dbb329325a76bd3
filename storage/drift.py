"""The drift scan's queries (mentoring.nudges). They never commit.

Each one answers for every pair that may be nudged (active, nudges on) in a single statement,
so a scan costs the same few statements however many pairs there are; `pair_id` narrows it to
one pair, for a nudge about to be sent. `active_pair_count` is asked per nudge sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, func, or_
from sqlmodel import Session, col, select

from storage.ledger import PLANNED, SENDING, SENT
from storage.models import (
    ACTIVE,
    AgendaItem,
    Delivery,
    Goal,
    Meeting,
    MeetingSchedule,
    Milestone,
    Pair,
    Win,
)

NUDGE = "nudge"


def _nudgeable(pair_id: int | None) -> list[Any]:
    conditions: list[Any] = [Pair.status == ACTIVE, col(Pair.nudges)]
    if pair_id is not None:
        conditions.append(col(Pair.id) == pair_id)
    return conditions


def pairs_to_scan(
    session: Session, pair_id: int | None = None
) -> Sequence[tuple[Pair, MeetingSchedule | None]]:
    """Active pairs with nudges on, each with its meeting schedule (for its zone and pause)."""
    statement = (
        select(Pair, MeetingSchedule)
        .outerjoin(MeetingSchedule, col(MeetingSchedule.pair_id) == Pair.id)
        .where(*_nudgeable(pair_id))
        .order_by(col(Pair.id))
    )
    return session.exec(statement).all()


def overdue_milestones(
    session: Session, before: date, pair_id: int | None = None
) -> Sequence[tuple[int, int, int, str, date]]:
    """Open milestones of open goals due before `before`, earliest first:
    (pair id, goal number, milestone number, text, due date)."""
    statement = (
        select(Milestone.pair_id, Goal.number, Milestone.number, Milestone.text, Milestone.due_on)
        .join(Goal, col(Goal.id) == Milestone.goal_id)
        .join(Pair, col(Pair.id) == Milestone.pair_id)
        .where(
            *_nudgeable(pair_id),
            Milestone.status == "open",
            Goal.status == "open",
            col(Milestone.due_on).is_not(None),
            col(Milestone.due_on) < before,
        )
        .order_by(col(Milestone.due_on), col(Milestone.id))
    )
    return session.exec(statement).all()  # type: ignore[return-value]


def last_held_meetings(
    session: Session, now: datetime, pair_id: int | None = None
) -> Sequence[tuple[int, bool, bool]]:
    """Each pair's last two meetings held (not skipped or cancelled, started before `now`):
    (pair id, whether an agenda post listed items for it, whether its agenda post was sent)."""
    rank = (
        func.row_number()
        .over(
            partition_by=Meeting.pair_id,
            order_by=(col(Meeting.starts_at).desc(), col(Meeting.id).desc()),
        )
        .label("rank")
    )
    held = (
        select(col(Meeting.id).label("meeting_id"), Meeting.pair_id, rank)
        .join(Pair, col(Pair.id) == Meeting.pair_id)
        .where(*_nudgeable(pair_id), Meeting.status == "scheduled", col(Meeting.starts_at) < now)
        .subquery()
    )
    listed = exists().where(AgendaItem.meeting_id == held.c.meeting_id)
    posted = exists().where(
        Delivery.pair_id == held.c.pair_id,
        Delivery.meeting_id == held.c.meeting_id,
        Delivery.kind == "agenda",
        Delivery.status == SENT,
    )
    statement = select(held.c.pair_id, listed, posted).where(held.c.rank <= 2)
    return [
        (pid, bool(has_items), bool(sent)) for pid, has_items, sent in session.execute(statement)
    ]


def pairs_with_open_agenda(session: Session, pair_id: int | None = None) -> set[int]:
    """Pairs with agenda items waiting for their next meeting."""
    statement = (
        select(AgendaItem.pair_id)
        .join(Pair, col(Pair.id) == AgendaItem.pair_id)
        .where(*_nudgeable(pair_id), col(AgendaItem.meeting_id).is_(None))
        .distinct()
    )
    return set(session.exec(statement).all())


def pairs_with_wins_since(
    session: Session, since: datetime, pair_id: int | None = None
) -> set[int]:
    """Pairs that logged a win at or after `since`."""
    statement = (
        select(Win.pair_id)
        .join(Pair, col(Pair.id) == Win.pair_id)
        .where(*_nudgeable(pair_id), col(Win.created_at) >= since)
        .distinct()
    )
    return set(session.exec(statement).all())


def recently_nudged(session: Session, since: datetime) -> set[str]:
    """Mentees with a nudge (in any pair) due after `since` that is planned, being sent or sent."""
    statement = (
        select(Pair.mentee_id)
        .join(Delivery, col(Delivery.pair_id) == Pair.id)
        .where(
            Delivery.kind == NUDGE,
            col(Delivery.status).in_((PLANNED, SENDING, SENT)),
            col(Delivery.due_at) > since,
        )
        .distinct()
    )
    return set(session.exec(statement).all())


def active_pair_count(session: Session, user_id: str) -> int:
    """How many active pairs the person is in, as mentor or mentee (nudges on or off)."""
    statement = (
        select(func.count())
        .select_from(Pair)
        .where(Pair.status == ACTIVE, or_(Pair.mentor_id == user_id, Pair.mentee_id == user_id))
    )
    return session.exec(statement).one()

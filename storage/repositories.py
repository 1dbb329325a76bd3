"""Queries over a session. Repositories never commit: the caller's transaction decides."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, bindparam, case, delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.models import ACTIVE, Draft, Goal, InboundEvent, Milestone, Pair, Win

Row = TypeVar("Row", bound=Any)
# For several pairs at once: each pair's first rows, and how many rows it has in all.
Firsts = dict[int, tuple[list[Row], int]]


# The pairs a per-pair query is about: `params={PAIR_IDS: [...]}` when it is executed.
PAIR_IDS = "pair_ids"


def in_pairs(column: Any) -> ColumnElement[bool]:
    """`column` (a pair id) is one of the PAIR_IDS parameter's."""
    return col(column).in_(bindparam(PAIR_IDS, expanding=True))


def ranked_per_pair(
    model: type[Row],
    conditions: Sequence[ColumnElement[bool]],
    order_by: Sequence[Any],
) -> tuple[Any, Any, Any]:
    """`model`'s rows of the pairs in the PAIR_IDS parameter, numbered within each pair in
    `order_by` order and counted per pair (window functions), as (aliased model, rank, total) to
    select from: one query gives each pair's first few rows and its count, whatever the number
    of pairs. Its values are parameters too, so a statement built on it is built once (see
    `built_once`): building one costs more than running it."""
    rank = func.row_number().over(partition_by=model.pair_id, order_by=order_by).label("rank")
    total = func.count().over(partition_by=model.pair_id).label("total")
    ranked = (
        select(model, rank, total)  # type: ignore[call-overload]
        .where(in_pairs(model.pair_id), *conditions)
        .subquery()
    )
    return aliased(model, ranked), ranked.c.rank, ranked.c.total


# A statement-building function, without arguments or with a flag or two that choose its shape:
# its statement, with its values as bound parameters, is built the first time for each shape
# and kept (statements are immutable and shared safely between threads).
built_once = cache


def group_firsts(rows: Sequence[Any]) -> Firsts[Any]:
    """Rows selected from `ranked_per_pair` as (item…, total), in pair then rank order, grouped
    by pair."""
    result: Firsts[Any] = {}
    for *item, total in rows:
        value = item[0] if len(item) == 1 else tuple(item)
        pair_id = item[0].pair_id
        result.setdefault(pair_id, ([], total))[0].append(value)
    return result


# Pairs


def get_pair(session: Session, pair_id: int) -> Pair | None:
    return session.get(Pair, pair_id)


def clear_attention(session: Session, pair_id: int) -> None:
    """Forget a channel problem noted on the pair, if any (one statement, no row loaded)."""
    pair = Pair.__table__.c  # type: ignore[attr-defined]
    session.execute(
        update(Pair.__table__)
        .where(pair.id == pair_id, pair.attention.is_not(None))
        .values(attention=None)
    )


def pairs_of(session: Session, user_id: str) -> Sequence[Pair]:
    """Every pair the user is in, active first, newest first."""
    rows = session.exec(_pairs_of(), params={"user_id": user_id}).all()
    return sorted(rows, key=lambda p: (p.status != ACTIVE, -p.created_at.timestamp(), -(p.id or 0)))


@built_once
def _pairs_of() -> Any:
    user = bindparam("user_id")
    return select(Pair).where(or_(Pair.mentor_id == user, Pair.mentee_id == user))


def active_pair_between(session: Session, mentor_id: str, mentee_id: str) -> Pair | None:
    statement = select(Pair).where(
        Pair.mentor_id == mentor_id, Pair.mentee_id == mentee_id, Pair.status == ACTIVE
    )
    return session.exec(statement).first()


def active_pair_in_channel(session: Session, channel_id: str) -> Pair | None:
    statement = select(Pair).where(Pair.channel_id == channel_id, Pair.status == ACTIVE)
    return session.exec(statement).first()


def next_goal_number(session: Session, pair_id: int) -> int:
    """Hand out the pair's next goal number; the UPDATE comes first so concurrent adds queue."""
    session.execute(
        update(Pair).where(col(Pair.id) == pair_id).values(goal_seq=col(Pair.goal_seq) + 1)
    )
    return session.exec(select(Pair.goal_seq).where(Pair.id == pair_id)).one()


# Goals


def goals_of(session: Session, pair_id: int) -> Sequence[Goal]:
    return session.exec(select(Goal).where(Goal.pair_id == pair_id).order_by(Goal.number)).all()


def open_goals_of(session: Session, pair_ids: Sequence[int]) -> Sequence[Goal]:
    """Open goals of several pairs in one query."""
    if not pair_ids:
        return []
    statement = (
        select(Goal)
        .where(col(Goal.pair_id).in_(pair_ids), Goal.status == "open")
        .order_by(Goal.pair_id, Goal.number)
    )
    return session.exec(statement).all()


def first_open_goals(session: Session, pair_ids: Sequence[int], limit: int) -> Firsts[Goal]:
    """The first `limit` open goals of each pair (by number), with each pair's open count."""
    if not pair_ids:
        return {}
    rows = session.exec(_first_open_goals(), params={PAIR_IDS: list(pair_ids), "limit": limit})
    return group_firsts(rows.all())


@built_once
def _first_open_goals() -> Any:
    goal, rank, total = ranked_per_pair(Goal, [Goal.status == "open"], [Goal.number])
    return select(goal, total).where(rank <= bindparam("limit")).order_by(goal.pair_id, rank)


def goal_by_number(session: Session, pair_id: int, number: int) -> Goal | None:
    statement = select(Goal).where(Goal.pair_id == pair_id, Goal.number == number)
    return session.exec(statement).first()


def get_goal(session: Session, goal_id: int) -> Goal | None:
    return session.get(Goal, goal_id)


# Milestones


def next_milestone_number(session: Session, goal_id: int) -> int:
    """Hand out the goal's next milestone number (UPDATE first, so concurrent adds queue)."""
    session.execute(
        update(Goal)
        .where(col(Goal.id) == goal_id)
        .values(milestone_seq=col(Goal.milestone_seq) + 1)
    )
    return session.exec(select(Goal.milestone_seq).where(Goal.id == goal_id)).one()


def milestones_of(session: Session, goal_id: int) -> Sequence[Milestone]:
    statement = select(Milestone).where(Milestone.goal_id == goal_id).order_by(Milestone.number)
    return session.exec(statement).all()


def milestone_progress(
    session: Session, pair_ids: Sequence[int]
) -> dict[int, dict[int, tuple[int, int]]]:
    """Milestones done and in all for each open goal of several pairs that has any:
    pair id → goal id → (done, total)."""
    if not pair_ids:
        return {}
    result: dict[int, dict[int, tuple[int, int]]] = {}
    rows = session.exec(_milestone_progress(), params={PAIR_IDS: list(pair_ids)}).all()
    for pair_id, goal_id, finished, total in rows:
        result.setdefault(pair_id, {})[goal_id] = (int(finished or 0), total)
    return result


@built_once
def _milestone_progress() -> Any:
    done = func.sum(case((Milestone.status == "done", 1), else_=0))
    return (
        select(Goal.pair_id, Milestone.goal_id, done, func.count())
        .join(Goal, col(Goal.id) == Milestone.goal_id)
        .where(in_pairs(Goal.pair_id), Goal.status == "open")
        .group_by(Goal.pair_id, Milestone.goal_id)
    )


def next_open_milestones(session: Session, pair_ids: Sequence[int]) -> dict[int, Milestone]:
    """The first open milestone (by number) of each open goal of several pairs that has one,
    by goal id: one query, whatever the number of goals."""
    if not pair_ids:
        return {}
    rows = session.exec(_next_open_milestones(), params={PAIR_IDS: list(pair_ids)}).all()
    return {row.goal_id: row for row in rows}


@built_once
def _next_open_milestones() -> Any:
    rank = (
        func.row_number()
        .over(partition_by=Milestone.goal_id, order_by=col(Milestone.number))
        .label("rank")
    )
    ranked = (
        select(Milestone, rank)  # type: ignore[call-overload]
        .join(Goal, col(Goal.id) == Milestone.goal_id)
        .where(in_pairs(Goal.pair_id), Goal.status == "open", Milestone.status == "open")
        .subquery()
    )
    first = aliased(Milestone, ranked)
    return select(first).where(ranked.c.rank == 1)


def open_milestones_of(
    session: Session, pair_id: int, limit: int
) -> Sequence[tuple[Milestone, int]]:
    """The pair's open milestones of open goals, by label (2.1, 2.2, 3.1), each with its goal's
    number: at most `limit`."""
    statement = (
        select(Milestone, Goal.number)
        .join(Goal, col(Goal.id) == Milestone.goal_id)
        .where(Milestone.pair_id == pair_id, Milestone.status == "open", Goal.status == "open")
        .order_by(col(Goal.number), col(Milestone.number))
        .limit(limit)
    )
    return session.exec(statement).all()


def milestone_by_number(session: Session, goal_id: int, number: int) -> Milestone | None:
    statement = select(Milestone).where(Milestone.goal_id == goal_id, Milestone.number == number)
    return session.exec(statement).first()


def get_milestone(session: Session, milestone_id: int) -> Milestone | None:
    return session.get(Milestone, milestone_id)


def open_milestones_due(
    session: Session, pair_id: int, by: date
) -> Sequence[tuple[Milestone, int]]:
    """The pair's open milestones due on or before `by` (overdue ones included), soonest first,
    each with its goal's number."""
    return session.exec(_open_milestones_due(), params={"pair_id": pair_id, "by": by}).all()


@built_once
def _open_milestones_due() -> Any:
    return (
        select(Milestone, Goal.number)
        .join(Goal, col(Goal.id) == Milestone.goal_id)
        .where(
            Milestone.pair_id == bindparam("pair_id"),
            Milestone.status == "open",
            col(Milestone.due_on).is_not(None),
            col(Milestone.due_on) <= bindparam("by"),
        )
        .order_by(col(Milestone.due_on), col(Milestone.id))
    )


def milestones_of_pair(session: Session, pair_id: int) -> Sequence[Milestone]:
    """Every milestone of the pair's goals in one query, by goal then number."""
    statement = (
        select(Milestone)
        .where(Milestone.pair_id == pair_id)
        .order_by(col(Milestone.goal_id), col(Milestone.number))
    )
    return session.exec(statement).all()


# Wins


def get_win(session: Session, win_id: int) -> Win | None:
    return session.get(Win, win_id)


def count_wins_since(session: Session, pair_ids: Sequence[int], since: datetime) -> dict[int, int]:
    """Wins per pair since an instant, for several pairs in one query."""
    if not pair_ids:
        return {}
    statement = (
        select(Win.pair_id, func.count())
        .where(col(Win.pair_id).in_(pair_ids), col(Win.created_at) >= since)
        .group_by(Win.pair_id)
    )
    return {pair_id: count for pair_id, count in session.exec(statement).all()}


def win_dates_of(session: Session, pair_id: int) -> Sequence[tuple[datetime, int | None]]:
    """When each of the pair's wins was logged, and the goal it is linked to, oldest first."""
    statement = (
        select(Win.created_at, Win.goal_id)
        .where(Win.pair_id == pair_id)
        .order_by(col(Win.created_at), col(Win.id))
    )
    return session.exec(statement).all()


def latest_wins(
    session: Session, pair_ids: Sequence[int], since: datetime, limit: int
) -> Firsts[tuple[Win, Goal | None]]:
    """Each pair's latest `limit` wins since an instant (with the goal each links to, if any),
    and how many it has since then."""
    if not pair_ids:
        return {}
    parameters = {PAIR_IDS: list(pair_ids), "since": since, "limit": limit}
    return group_firsts(session.exec(_latest_wins(), params=parameters).all())


@built_once
def _latest_wins() -> Any:
    win, rank, total = ranked_per_pair(
        Win,
        [col(Win.created_at) >= bindparam("since")],
        [col(Win.created_at).desc(), col(Win.id).desc()],
    )
    return (
        select(win, Goal, total)
        .outerjoin(Goal, col(Goal.id) == win.goal_id)
        .where(rank <= bindparam("limit"))
        .order_by(win.pair_id, rank)
    )


# Drafts


def get_draft(session: Session, draft_id: int) -> Draft | None:
    return session.get(Draft, draft_id)


def use_draft(session: Session, draft_id: int, now: datetime) -> bool:
    """Mark a pending draft used; False when it was already used (a double click, a replay)."""
    result = session.execute(
        update(Draft)
        .where(col(Draft.id) == draft_id, Draft.status == "pending")
        .values(status="used", used_at=now)
    )
    return result.rowcount == 1


# Inbound events


def record_event(session: Session, event: InboundEvent) -> InboundEvent | None:
    """Insert the event; when its id is already stored, count the delivery and return that row."""
    existing = session.get(InboundEvent, event.event_id)
    if existing is None:
        try:
            with session.begin_nested():
                session.add(event)
            return None
        except IntegrityError:
            existing = session.get(InboundEvent, event.event_id)
            if existing is None:
                raise
    existing.deliveries += 1
    return existing


def claim_event(session: Session, event_id: str, now: datetime, outcome: str) -> bool:
    """Mark the event processed; False when another worker already did. Call it first in the
    transaction that applies the event, so the claim and the effects commit together."""
    result = session.execute(
        update(InboundEvent)
        .where(col(InboundEvent.event_id) == event_id, col(InboundEvent.processed_at).is_(None))
        .values(processed_at=now, outcome=outcome)
    )
    return result.rowcount == 1


def set_event_outcome(session: Session, event_id: str, outcome: str) -> None:
    session.execute(
        update(InboundEvent)
        .where(col(InboundEvent.event_id) == event_id)
        .values(outcome=outcome[:64])
    )


def pending_events(session: Session, received_before: datetime) -> Sequence[InboundEvent]:
    statement = (
        select(InboundEvent)
        .where(
            col(InboundEvent.processed_at).is_(None),
            col(InboundEvent.received_at) < received_before,
        )
        .order_by(InboundEvent.received_at)
    )
    return session.exec(statement).all()


def delete_processed_events(session: Session, processed_before: datetime) -> int:
    result = session.execute(
        delete(InboundEvent).where(col(InboundEvent.processed_at) < processed_before)
    )
    return result.rowcount


def delete_closed_drafts(session: Session, closed_before: datetime) -> int:
    """Drafts used or dismissed before the instant (pending ones are never deleted)."""
    result = session.execute(
        delete(Draft).where(Draft.status != "pending", col(Draft.used_at) < closed_before)
    )
    return result.rowcount

"""The programme's queries (mentoring.programme). They never commit, and read no text.

Each one answers for every pair at once (or for one, with `pair_id`) in a single statement,
grouped in the database: the programme view costs the same few statements for three pairs or
ten thousand. None of them selects a column people write in — goals, wins, notes, agendas,
reviews and commitments are counted and dated, never read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func
from sqlmodel import Session, col, select

from storage.models import (
    AgendaItem,
    Coordinator,
    Goal,
    Meeting,
    MeetingSchedule,
    Pair,
    Review,
    ReviewAnswer,
    Win,
)

HELD = "scheduled"  # a meeting that was not skipped or cancelled went ahead
CANCELLED = "cancelled"


def _one(column: Any, pair_id: int | None) -> list[Any]:
    return [column == pair_id] if pair_id is not None else []


def pairs(
    session: Session, pair_id: int | None = None
) -> Sequence[tuple[int, str, str, str, datetime, datetime | None, date | None]]:
    """Every pair: (id, mentor, mentee, status, created_at, ended_at, paused_until)."""
    statement = (
        select(
            Pair.id,
            Pair.mentor_id,
            Pair.mentee_id,
            Pair.status,
            Pair.created_at,
            Pair.ended_at,
            MeetingSchedule.paused_until,
        )
        .outerjoin(MeetingSchedule, col(MeetingSchedule.pair_id) == Pair.id)
        .where(*_one(col(Pair.id), pair_id))
        .order_by(col(Pair.id))
    )
    return session.exec(statement).all()  # type: ignore[return-value]


def meetings(
    session: Session, now: datetime, since: Sequence[datetime], pair_id: int | None = None
) -> Sequence[tuple[Any, ...]]:
    """Per pair: (id, last meeting held before `now` or None, then for each of `since`: the
    meetings planned from it until now, and those held)."""
    past = col(Meeting.starts_at) < now
    held = and_(past, Meeting.status == HELD)
    counts: list[Any] = []
    for start in since:
        window = and_(past, col(Meeting.starts_at) >= start, Meeting.status != CANCELLED)
        counts.append(func.sum(case((window, 1), else_=0)))
        counts.append(func.sum(case((and_(window, Meeting.status == HELD), 1), else_=0)))
    statement = (
        select(Meeting.pair_id, func.max(case((held, Meeting.starts_at), else_=None)), *counts)
        .where(*_one(col(Meeting.pair_id), pair_id))
        .group_by(col(Meeting.pair_id))
    )
    return session.exec(statement).all()  # type: ignore[call-overload,no-any-return]


def last_added(
    session: Session, model: type[AgendaItem] | type[Win], pair_id: int | None = None
) -> dict[int, datetime]:
    """Per pair, when its newest agenda item (or win) was added."""
    statement = (
        select(model.pair_id, func.max(model.created_at))
        .where(*_one(col(model.pair_id), pair_id))
        .group_by(col(model.pair_id))
    )
    return dict(session.exec(statement).all())  # type: ignore[call-overload,arg-type]


def latest_reviews(
    session: Session, pair_id: int | None = None
) -> Sequence[tuple[int, datetime, int]]:
    """Per pair, its newest review that was not called off: (pair id, opened at, how many of
    its answers were submitted)."""
    ranked = (
        select(
            col(Review.id).label("id"),
            col(Review.pair_id).label("pair_id"),
            col(Review.opens_at).label("opens_at"),
            func.row_number()
            .over(
                partition_by=col(Review.pair_id),
                order_by=(col(Review.opens_at).desc(), col(Review.id).desc()),
            )
            .label("rank"),
        )
        .where(Review.status != CANCELLED, *_one(col(Review.pair_id), pair_id))
        .subquery()
    )
    submitted = and_(
        col(ReviewAnswer.review_id) == ranked.c.id, col(ReviewAnswer.submitted_at).is_not(None)
    )
    statement = (
        select(ranked.c.pair_id, ranked.c.opens_at, func.count(col(ReviewAnswer.id)))
        .select_from(ranked)
        .outerjoin(ReviewAnswer, submitted)
        .where(ranked.c.rank == 1)
        .group_by(ranked.c.pair_id, ranked.c.opens_at)
    )
    return session.exec(statement).all()  # type: ignore[call-overload,no-any-return]


def reviews_closed(
    session: Session, since: datetime, on_time: str, pair_id: int | None = None
) -> tuple[int, int]:
    """Reviews closed since `since` (not called off), and of those, closed because both
    answered in time (`on_time`, the close reason)."""
    statement = select(
        func.count(col(Review.id)),
        func.sum(case((Review.close_reason == on_time, 1), else_=0)),
    ).where(
        Review.status == "closed",
        col(Review.closed_at) >= since,
        *_one(col(Review.pair_id), pair_id),
    )
    closed, in_time = session.exec(statement).one()
    return int(closed or 0), int(in_time or 0)  # PostgreSQL sums to a Decimal


def goals(session: Session, since: datetime, pair_id: int | None = None) -> tuple[int, int, int]:
    """Goals achieved since `since`, achieved ever, and open."""
    done = Goal.status == "done"
    statement = select(
        func.sum(case((and_(done, col(Goal.closed_at) >= since), 1), else_=0)),
        func.sum(case((done, 1), else_=0)),
        func.sum(case((Goal.status == "open", 1), else_=0)),
    ).where(*_one(col(Goal.pair_id), pair_id))
    recent, ever, still_open = session.exec(statement).one()
    return int(recent or 0), int(ever or 0), int(still_open or 0)


def coordinator(session: Session, user_id: str) -> Coordinator | None:
    return session.get(Coordinator, user_id)


def digest_takers(session: Session, user_ids: Sequence[str]) -> Sequence[Coordinator]:
    """The coordinators among `user_ids` who asked for the weekly digest."""
    if not user_ids:
        return []
    statement = select(Coordinator).where(
        col(Coordinator.user_id).in_(list(user_ids)), col(Coordinator.digest)
    )
    return session.exec(statement).all()

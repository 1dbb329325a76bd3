"""Queries over reviews, their answers, commitments and goal revisions. They never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, col, select

from storage.models import (
    Commitment,
    Delivery,
    GoalRevision,
    Review,
    ReviewAnswer,
    ReviewCadence,
    ReviewFit,
)
from storage.repositories import PAIR_IDS, built_once, in_pairs

OPEN, CLOSED, CANCELLED = "open", "closed", "cancelled"
CLOSED_PAIR_ENDED = "the mentorship ended"


def cadence_of(session: Session, pair_id: int) -> ReviewCadence | None:
    return session.get(ReviewCadence, pair_id)


def get_review(session: Session, review_id: int, *, lock: bool = False) -> Review | None:
    return session.get(Review, review_id, with_for_update=lock or None)


def unfinished_review(session: Session, pair_id: int) -> Review | None:
    """The pair's review that is not closed or cancelled (open now, or planned to open)."""
    statement = select(Review).where(Review.pair_id == pair_id, Review.status == OPEN)
    return session.exec(statement.order_by(col(Review.number).desc())).first()


def unfinished_of(session: Session, pair_ids: Sequence[int]) -> Sequence[Review]:
    """The reviews in progress or planned, of several pairs at once."""
    if not pair_ids:
        return []
    return session.exec(_unfinished_of(), params={PAIR_IDS: list(pair_ids)}).all()


@built_once
def _unfinished_of() -> Any:
    return select(Review).where(in_pairs(Review.pair_id), Review.status == OPEN)


def cadences_of(session: Session, pair_ids: Sequence[int]) -> Sequence[ReviewCadence]:
    if not pair_ids:
        return []
    return session.exec(_cadences_of(), params={PAIR_IDS: list(pair_ids)}).all()


@built_once
def _cadences_of() -> Any:
    return select(ReviewCadence).where(in_pairs(ReviewCadence.pair_id))


def last_held_of(session: Session, pair_ids: Sequence[int]) -> dict[int, datetime]:
    """When each pair's latest review that was not cancelled opened."""
    if not pair_ids:
        return {}
    rows = session.exec(_last_held_of(), params={PAIR_IDS: list(pair_ids)}).all()
    return {pair_id: opened for pair_id, opened in rows}  # aware: UTCDateTime


@built_once
def _last_held_of() -> Any:
    return (
        select(Review.pair_id, func.max(Review.opens_at))
        .where(in_pairs(Review.pair_id), Review.status != CANCELLED)
        .group_by(Review.pair_id)
    )


def closed_reviews(session: Session, pair_id: int, limit: int) -> Sequence[Review]:
    statement = (
        select(Review)
        .where(Review.pair_id == pair_id, Review.status == CLOSED)
        .order_by(col(Review.number).desc())
        .limit(limit)
    )
    return session.exec(statement).all()


def next_review_number(session: Session, pair_id: int) -> int:
    """One more than the latest number given (a review called off before it opened holds a
    negative one)."""
    latest = session.exec(select(func.max(Review.number)).where(Review.pair_id == pair_id)).one()
    return max(latest or 0, 0) + 1


def close_unfinished(session: Session, pair_id: int, now: datetime, reason: str) -> int:
    """End the pair's unfinished reviews (the pair ended, say): one in progress is closed,
    one planned that has not opened is cancelled; returns how many."""
    ended = 0
    for status, opened in (
        (CLOSED, col(Review.opens_at) <= now),
        (CANCELLED, col(Review.opens_at) > now),
    ):
        result = session.execute(
            update(Review)
            .where(col(Review.pair_id) == pair_id, Review.status == OPEN, opened)
            .values(status=status, closed_at=now, close_reason=reason)
        )
        ended += result.rowcount
    return ended


def answers_of(session: Session, review_id: int) -> Sequence[ReviewAnswer]:
    statement = select(ReviewAnswer).where(ReviewAnswer.review_id == review_id)
    return session.exec(statement.order_by(col(ReviewAnswer.id))).all()


def answer_of(session: Session, review_id: int, author_id: str) -> ReviewAnswer | None:
    statement = select(ReviewAnswer).where(
        ReviewAnswer.review_id == review_id, ReviewAnswer.author_id == author_id
    )
    return session.exec(statement).first()


def fit_of(session: Session, review_id: int) -> ReviewFit | None:
    return session.get(ReviewFit, review_id)


def open_commitments(session: Session, pair_id: int, owner_id: str | None) -> Sequence[Commitment]:
    """Commitments not checked yet, oldest first; `owner_id` None: both members'."""
    parameters = {"pair_id": pair_id, "owner_id": owner_id}
    return session.exec(_open_commitments(owner_id is not None), params=parameters).all()


@built_once
def _open_commitments(of_one_owner: bool) -> Any:
    statement = select(Commitment).where(
        Commitment.pair_id == bindparam("pair_id"), col(Commitment.outcome).is_(None)
    )
    if of_one_owner:
        statement = statement.where(Commitment.owner_id == bindparam("owner_id"))
    return statement.order_by(col(Commitment.id))


def commitments_made_in(session: Session, review_id: int) -> Sequence[Commitment]:
    statement = select(Commitment).where(Commitment.review_id == review_id)
    return session.exec(statement.order_by(col(Commitment.id))).all()


def commitments_checked_in(session: Session, review_id: int) -> Sequence[Commitment]:
    statement = select(Commitment).where(Commitment.checked_in_review_id == review_id)
    return session.exec(statement.order_by(col(Commitment.id))).all()


def revisions_of_goal(session: Session, goal_id: int) -> Sequence[GoalRevision]:
    statement = select(GoalRevision).where(GoalRevision.goal_id == goal_id)
    return session.exec(statement.order_by(col(GoalRevision.id))).all()


def revisions_in_review(session: Session, review_id: int) -> Sequence[GoalRevision]:
    statement = select(GoalRevision).where(GoalRevision.review_id == review_id)
    return session.exec(statement.order_by(col(GoalRevision.id))).all()


def end_review_rows(session: Session, review_id: int, reason: str, now: datetime) -> int:
    """Skip the review's rows that have not been claimed yet."""
    result = session.execute(
        update(Delivery)
        .where(col(Delivery.review_id) == review_id, Delivery.status == "planned")
        .values(status="skipped", reason=reason, updated_at=now)
    )
    return result.rowcount


def any_sent(session: Session, review_id: int) -> bool:
    """Whether any of the review's messages went out."""
    statement = select(Delivery.id).where(
        col(Delivery.review_id) == review_id, Delivery.status == "sent"
    )
    return session.exec(statement.limit(1)).first() is not None


def planned_rows(session: Session, review_id: int) -> Sequence[Delivery]:
    """The review's messages not claimed yet."""
    statement = select(Delivery).where(
        col(Delivery.review_id) == review_id, Delivery.status == "planned"
    )
    return session.exec(statement.order_by(col(Delivery.id))).all()


def bring_forward(session: Session, review_id: int, kind: str, now: datetime) -> int:
    """Make the review's planned `kind` rows due now (the summary, once both have answered)."""
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.review_id) == review_id,
            Delivery.kind == kind,
            Delivery.status == "planned",
            col(Delivery.next_at) > now,
        )
        .values(due_at=now, next_at=now, updated_at=now)
    )
    return result.rowcount

"""Queries that delete for good: a pair with everything in it, and what a forgotten person
leaves in the inbox and the work queue. They never commit.

Deletes run children first, so that no foreign key is left pointing at a row that is gone
(PostgreSQL checks them; so does SQLite, with `foreign_keys=ON`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Text, cast, delete, or_
from sqlmodel import Session, col, select

from storage.models import (
    ENDED,
    ActionItem,
    AgendaItem,
    Commitment,
    Delivery,
    Goal,
    GoalRevision,
    InboundEvent,
    Meeting,
    MeetingSchedule,
    MentorOffer,
    MentorRequest,
    Milestone,
    Pair,
    Review,
    ReviewAnswer,
    ReviewCadence,
    ReviewFit,
    Win,
    Work,
    WorkStep,
)

Row = TypeVar("Row", bound=Any)
FINISHED = ("done", "failed")  # workqueue.queue's DONE and FAILED


def rows_of_pair(session: Session, model: type[Row], pair_id: int) -> Sequence[Row]:
    """Every row of `model` (a table with a `pair_id`) in the pair, oldest first."""
    statement = select(model).where(model.pair_id == pair_id).order_by(col(model.id))
    return session.exec(statement).all()


def rows_of_reviews(session: Session, model: type[Row], review_ids: Sequence[int]) -> Sequence[Row]:
    """Every row of `model` (ReviewAnswer or ReviewFit) of the reviews."""
    if not review_ids:
        return []
    return session.exec(select(model).where(col(model.review_id).in_(review_ids))).all()


def delete_pairs(session: Session, pair_ids: Collection[int]) -> int:
    """Delete the pairs and every row in them: goals and their history, milestones, wins,
    meetings, agendas, action items, reviews with their answers, commitments, the ledger.
    Returns how many pairs."""
    if not pair_ids:
        return 0
    ids = list(pair_ids)
    reviews = select(Review.id).where(col(Review.pair_id).in_(ids))
    for model in (Delivery, Commitment, GoalRevision):  # they point at reviews and goals
        session.execute(delete(model).where(col(model.pair_id).in_(ids)))
    for model in (ReviewFit, ReviewAnswer):
        session.execute(delete(model).where(col(model.review_id).in_(reviews)))
    for model in (Review, ReviewCadence, AgendaItem, ActionItem, Meeting, MeetingSchedule):
        session.execute(delete(model).where(col(model.pair_id).in_(ids)))
    for model in (Win, Milestone, Goal):
        session.execute(delete(model).where(col(model.pair_id).in_(ids)))
    session.execute(delete(MentorRequest).where(col(MentorRequest.pair_id).in_(ids)))
    result = session.execute(delete(Pair).where(col(Pair.id).in_(ids)))
    return int(result.rowcount)


def matching_of(session: Session, user_id: str) -> list[Any]:
    """The person's offer to mentor, and every request they made or were sent."""
    offer = session.get(MentorOffer, user_id)
    requests = session.exec(
        select(MentorRequest).where(
            or_(MentorRequest.mentee_id == user_id, MentorRequest.mentor_id == user_id)
        )
    ).all()
    return [*requests, *([offer] if offer is not None else [])]


def ended_before(session: Session, cutoff: datetime) -> list[int]:
    """The ids of pairs that ended before `cutoff`."""
    statement = select(Pair.id).where(Pair.status == ENDED, col(Pair.ended_at) < cutoff)
    return [pair_id for pair_id in session.exec(statement).all() if pair_id is not None]


def nudges_to(session: Session, user_id: str) -> Sequence[Delivery]:
    """The person's drift nudges in the ledger (`nudge:<user>:<week>`), whatever their state."""
    statement = select(Delivery).where(col(Delivery.subject).startswith(f"nudge:{user_id}:"))
    return session.exec(statement).all()


def delete_events_of(session: Session, user_id: str) -> int:
    """Delete the stored Slack events that carry the person: their own messages (any state),
    and others' that mention them once applied (one not applied yet is someone else's
    message still to come, and is left to be applied)."""
    quoted = json.dumps(user_id)
    result = session.execute(
        delete(InboundEvent).where(
            or_(
                col(InboundEvent.payload).contains(quoted),
                col(InboundEvent.processed_at).is_not(None)
                & col(InboundEvent.payload).contains(user_id),
            )
        )
    )
    return int(result.rowcount)


def mentioning(session: Session, model: type[Row], field: str, needle: str) -> Sequence[Row]:
    """The rows of `model` whose `field` (text, or JSON read as text) contains `needle`."""
    column = getattr(model, field)
    statement = select(model).where(cast(column, Text).contains(needle, autoescape=True))
    return session.exec(statement).all()


def work_carrying(
    session: Session, user_id: str, texts: Sequence[str], keep: int | None
) -> list[int]:
    """The work that carries the person: finished work whose task or recorded steps hold their
    id or any of `texts`, and unfinished work they asked for. `keep` (the work running this)
    is left alone. Finished work of the last week is read once, in Python: a step is pickled,
    and the two databases search bytes differently."""
    as_json = [json.dumps(text)[1:-1] for text in (user_id, *texts)]
    as_bytes = [text.encode() for text in (user_id, *texts)]
    own = f'"user_id": {json.dumps(user_id)}'  # who asked, as handlers.runtime.encode writes it
    found: set[int] = set()
    rows = session.exec(select(Work.id, Work.status, Work.payload)).all()
    for work_id, status, payload in rows:
        if work_id is None or work_id == keep:
            continue
        if status in FINISHED:
            if any(needle in payload for needle in as_json):
                found.add(work_id)
        elif own in payload:
            found.add(work_id)
    finished = select(Work.id).where(col(Work.status).in_(FINISHED))
    steps = session.exec(
        select(WorkStep.work_id, WorkStep.result).where(col(WorkStep.work_id).in_(finished))
    )
    for work_id, result in steps:
        if work_id != keep and any(needle in result for needle in as_bytes):
            found.add(work_id)
    return sorted(found)


def delete_work(session: Session, work_ids: Sequence[int]) -> int:
    """Delete pieces of work with their recorded steps."""
    if not work_ids:
        return 0
    session.execute(delete(WorkStep).where(col(WorkStep.work_id).in_(work_ids)))
    result = session.execute(delete(Work).where(col(Work.id).in_(work_ids)))
    return int(result.rowcount)

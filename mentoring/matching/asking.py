"""A mentee asks a suggested mentor; the mentor accepts or declines. A request and its answer
are the two people's alone: every rule here checks who acts against the request's own ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from mentoring.errors import InvalidInput, NotAllowed, NotFound
from mentoring.matching.finding import ACCEPTED, DECLINED, PENDING, read_goal
from mentoring.model import Actor, Outcome
from storage import repositories as repo
from storage.db import session_scope
from storage.models import MentorOffer, MentorRequest

NOT_YOURS = "That request isn't one of yours to answer."


@dataclass(frozen=True)
class RequestInfo(Outcome):
    id: int
    mentee_id: str
    mentor_id: str
    goal: str
    status: str
    pair_id: int | None

    @classmethod
    def of(cls, row: MentorRequest) -> RequestInfo:
        return cls(
            row.id or 0, row.mentee_id, row.mentor_id, row.goal_text, row.status, row.pair_id
        )


def ask(
    engine: Engine, actor: Actor, asker: str, mentor_id: str, goal: str, now: datetime
) -> RequestInfo:
    """The actor (who must be `asker`, whom the suggestion was shown to) asks the mentor."""
    if actor.user_id != asker:
        raise NotAllowed("Those suggestions were for someone else; run `/mentor find` for yours.")
    goal = read_goal(goal)
    if mentor_id == asker:
        raise InvalidInput("You can't be your own mentor.")
    with session_scope(engine) as session:
        if session.get(MentorOffer, mentor_id) is None:
            raise NotFound(
                f"<@{mentor_id}> isn't offering to mentor any more; `/mentor find` looks again."
            )
        if repo.active_pair_between(session, mentor_id, asker) is not None:
            raise InvalidInput(f"<@{mentor_id}> already mentors you.")
        before = session.exec(
            select(MentorRequest).where(
                MentorRequest.mentee_id == asker, MentorRequest.mentor_id == mentor_id
            )
        ).all()
        if any(row.status == DECLINED for row in before):
            raise InvalidInput(f"<@{mentor_id}> can't take this on; `/mentor find` looks again.")
        if any(row.status == PENDING for row in before):
            raise InvalidInput(f"You've asked <@{mentor_id}> already; they'll answer in a DM.")
        row = MentorRequest(mentee_id=asker, mentor_id=mentor_id, goal_text=goal, created_at=now)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError as error:  # a double click, stored twice at once
            raise InvalidInput(f"You've asked <@{mentor_id}> already.") from error
        return RequestInfo.of(row)


def answerable(engine: Engine, actor: Actor, request_id: int) -> RequestInfo:
    """A request the actor, its mentor, has still to answer."""
    with session_scope(engine) as session:
        return RequestInfo.of(_pending(session, actor, request_id))


def answer(
    engine: Engine,
    actor: Actor,
    request_id: int,
    status: str,
    now: datetime,
    pair_id: int | None = None,
) -> RequestInfo:
    """Record the mentor's answer: ACCEPTED (with the pair it made) or DECLINED."""
    assert status in (ACCEPTED, DECLINED)
    with session_scope(engine) as session:
        row = _pending(session, actor, request_id)
        row.status, row.answered_at, row.pair_id = status, now, pair_id
        session.add(row)
        return RequestInfo.of(row)


def _pending(session: Session, actor: Actor, request_id: int) -> MentorRequest:
    row = session.get(MentorRequest, request_id)
    if row is None or row.mentor_id != actor.user_id:
        raise NotAllowed(NOT_YOURS)
    if row.status != PENDING:
        raise InvalidInput(f"You've already answered this request ({row.status}).")
    return row

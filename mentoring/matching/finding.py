"""Who can mentor a mentee's goal: eligibility, evidence, and the suggestions.

Eligible: has an offer, is not the mentee, has room (fewer active mentees than the capacity
they offered), shares working hours with the mentee (`hours`), is not already their mentor,
and has not declined them or been asked by them already. Evidence: the achievements in the
offer, one a line; and, only where the mentor consented, the goals they achieved and the wins
they logged as a mentee in Mentorbot, from within about three years. The ranking is
`ranking.suggest`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from mentoring.errors import InvalidInput, NotAllowed, NotFound
from mentoring.matching import hours
from mentoring.matching.ranking import (
    TWO_STEPS_MONTHS,
    Candidate,
    Evidence,
    evidence_date,
    suggest,
)
from mentoring.model import Actor, GoalStatus, Role, Target, fits
from mentoring.pairs import resolve_pair
from storage import repositories as repo
from storage.db import read_scope
from storage.models import ACTIVE, Goal, MentorOffer, MentorRequest, Pair, Review, Win

GOAL_MAX = 500  # characters of a goal a search (and a request) carries
DECLINED, PENDING, ACCEPTED = "declined", "pending", "accepted"


@dataclass(frozen=True)
class Match:
    """One suggested mentor, and why: the matched evidence in their own words (an achievement
    from their offer, or a goal or win they consented to share), when, and how far ahead."""

    mentor_id: str
    quote: str
    source: str  # "offer", "goal" or "win"
    on: date
    steps: int


@dataclass(frozen=True)
class Found:
    goal: str
    matches: tuple[Match, ...]


def read_goal(text: str) -> str:
    """A goal typed for a search: some words, not too many."""
    goal = " ".join(text.split())
    if not goal:
        raise InvalidInput(
            "Say which goal: `/mentor find #2` (a goal's number) or "
            "`/mentor find give my first conference talk`."
        )
    if len(goal) > GOAL_MAX:
        raise InvalidInput(f"Keep the goal under {GOAL_MAX} characters.")
    return goal


def goal_text(engine: Engine, actor: Actor, target: Target, number: int) -> str:
    """The text of goal `number` of the actor's own mentorship (as its mentee)."""
    with read_scope(engine) as session:
        pair = _as_mentee(session, actor, target)
        goal = repo.goal_by_number(session, pair.id or 0, number) if fits(number) else None
        if goal is None:
            raise NotFound(f"There's no goal {number}. `/goal list` shows the numbers.")
        return read_goal(goal.text[:GOAL_MAX])


def goal_of_mentee(engine: Engine, actor: Actor, goal_id: int) -> tuple[int, str]:
    """A goal by id (a button's, a form's) that is the actor's own as mentee: (id, text)."""
    with read_scope(engine) as session:
        goal = repo.get_goal(session, goal_id)
        pair = repo.get_pair(session, goal.pair_id) if goal is not None else None
        if goal is None or pair is None or pair.mentee_id != actor.user_id:
            raise NotAllowed("That goal isn't one of yours: a mentee looks for their own goals.")
        return goal.id or 0, goal.text[:GOAL_MAX]


def _as_mentee(session: Session, actor: Actor, target: Target) -> Pair:
    try:
        return resolve_pair(session, actor, target, role=Role.MENTEE)
    except NotAllowed as refused:
        raise NotAllowed(
            "Numbered goals here are your own, as a mentee; for anything else, type the goal: "
            "`/mentor find give my first conference talk`."
        ) from refused


def find_mentors(
    engine: Engine, mentee_id: str, goal: str, mentee_tz: str | None, now: datetime
) -> Found:
    """Up to three eligible mentors for the goal, one or two steps ahead (see the module)."""
    with read_scope(engine) as session:
        candidates = eligible(session, mentee_id, mentee_tz, now)
    suggestions = suggest(goal, candidates, now)
    return Found(
        goal,
        tuple(
            Match(s.user_id, s.evidence.text, s.evidence.source, s.evidence.on, s.steps)
            for s in suggestions
        ),
    )


def eligible(
    session: Session, mentee_id: str, mentee_tz: str | None, now: datetime
) -> list[Candidate]:
    """The candidates for the mentee, with their evidence, in five queries."""
    offers = session.exec(select(MentorOffer).order_by(col(MentorOffer.user_id))).all()
    active = session.exec(select(Pair).where(Pair.status == ACTIVE)).all()
    taken = Counter(pair.mentor_id for pair in active)
    excluded = {mentee_id} | {pair.mentor_id for pair in active if pair.mentee_id == mentee_id}
    asked = session.exec(
        select(MentorRequest.mentor_id).where(
            MentorRequest.mentee_id == mentee_id,
            col(MentorRequest.status).in_((DECLINED, PENDING)),
        )
    ).all()
    excluded |= set(asked)
    chosen = [
        offer
        for offer in offers
        if offer.user_id not in excluded
        and taken[offer.user_id] < offer.capacity
        and hours.share_hours(mentee_tz, offer.tz, now.date())
    ]
    consented = [offer.user_id for offer in chosen if offer.consent]
    records = _records(session, consented, now)
    today = now.date()
    return [
        Candidate(
            offer.user_id,
            offer.areas,
            (*_achievements(offer, today), *records.get(offer.user_id, ())),
        )
        for offer in chosen
    ]


def _achievements(offer: MentorOffer, today: date) -> list[Evidence]:
    written = offer.updated_at.date()
    lines = [line.strip(" -•*\t") for line in offer.achievements.splitlines()]
    return [Evidence(line, evidence_date(line, written, today)) for line in lines if line]


def _records(session: Session, people: Sequence[str], now: datetime) -> dict[str, list[Evidence]]:
    """The goals achieved and wins logged, as a mentee, by people who consented: evidence."""
    if not people:
        return {}
    since = now - timedelta(days=TWO_STEPS_MONTHS * 31)
    found: dict[str, list[Evidence]] = {}
    goals = session.exec(
        select(Pair.mentee_id, Goal)
        .join(Goal, col(Goal.pair_id) == col(Pair.id))
        .where(
            col(Pair.mentee_id).in_(people),
            Goal.status == GoalStatus.DONE.value,
            col(Goal.closed_at) >= since,
        )
    ).all()
    for person, goal in goals:
        assert goal.closed_at is not None
        found.setdefault(person, []).append(Evidence(goal.text, goal.closed_at.date(), "goal"))
    wins = session.exec(
        select(Pair.mentee_id, Win)
        .join(Win, col(Win.pair_id) == col(Pair.id))
        .where(col(Pair.mentee_id).in_(people), col(Win.created_at) >= since)
    ).all()
    for person, win in wins:
        if win.author_id == person:
            found.setdefault(person, []).append(Evidence(win.text, win.created_at.date(), "win"))
    return found


def goal_after_review(engine: Engine, actor: Actor, review_id: int) -> int | None:
    """The goal a mentee who rated the fit low would look for a mentor for: the first open
    goal of the review's mentorship, if the actor is its mentee (None otherwise)."""
    with read_scope(engine) as session:
        review = session.get(Review, review_id)
        pair = repo.get_pair(session, review.pair_id) if review is not None else None
        if pair is None or pair.mentee_id != actor.user_id:
            return None
        goals = repo.open_goals_of(session, [pair.id or 0])
        return min(goals, key=lambda goal: goal.number).id if goals else None

"""A person's mentorship record, for `/mentor export`: what is theirs in each of their pairs.

The mentee's record holds their roadmap — goals with their earlier wordings and dates, the
steps to each, the wins with what worked — and, for each closed review, their own answers (the
private fit answer included: it is theirs), what the review changed and their commitments. The
mentor's record holds their own review answers and commitments, and the wins they were told of
in their shared channel. Neither holds the other member's review answers: those are theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from mentoring.goals import RevisionInfo
from mentoring.model import Actor, PairInfo, Role
from mentoring.reviews.summary import AuditLine, GoalChange, StopStartContinue, summary_in
from mentoring.reviews.values import CommitmentInfo
from storage import erasure
from storage import repositories as repo
from storage import reviews as store
from storage.db import read_scope
from storage.models import Commitment, Goal, Milestone, Pair, Review, Win

REVIEWS_READ = 10_000  # every closed review of a pair, in practice


@dataclass(frozen=True)
class MilestoneRecord:
    label: str  # "2.1"
    text: str
    status: str
    due_on: date | None
    created_at: datetime
    done_at: datetime | None


@dataclass(frozen=True)
class GoalRecord:
    number: int
    text: str
    status: str
    due_on: date | None
    created_at: datetime
    closed_at: datetime | None
    history: tuple[RevisionInfo, ...]  # earlier wordings, oldest first
    milestones: tuple[MilestoneRecord, ...]
    done_when: str | None = None  # "How you'll know"


@dataclass(frozen=True)
class WinRecord:
    text: str
    worked: str | None
    goal_number: int | None
    created_at: datetime


@dataclass(frozen=True)
class CommitmentRecord:
    kind: str  # start or stop
    text: str
    outcome: str | None  # yes, partly, no, or unknown (nobody answered); None: not checked yet
    made_in_review: int | None  # the review's number
    checked_in_review: int | None
    created_at: datetime


@dataclass(frozen=True)
class FitRecord:
    """The mentee's private answer: how well the mentor's experience fits their goals."""

    score: int
    comment: str | None


@dataclass(frozen=True)
class ReviewRecord:
    number: int
    opened_at: datetime
    closed_at: datetime | None
    answered: bool  # whether the person answered it
    own: StopStartContinue | None  # the person's own Stop/Start/Continue
    audit: tuple[AuditLine, ...]  # the mentee's roadmap audit (empty for the mentor)
    evidence: tuple[str, ...]  # the wins the mentee picked as evidence
    changes: tuple[GoalChange, ...]  # pivots and closed goals (the mentee's)
    commitments: tuple[CommitmentInfo, ...]  # the person's own, made in this review
    checkins: tuple[CommitmentInfo, ...]  # the person's own, checked in this review
    fit: FitRecord | None  # the mentee's own record only


@dataclass(frozen=True)
class MentorshipRecord:
    pair: PairInfo
    role: Role
    other: str
    goals: tuple[GoalRecord, ...]  # the mentee's record only
    wins: tuple[WinRecord, ...]
    reviews: tuple[ReviewRecord, ...]
    commitments: tuple[CommitmentRecord, ...]  # the person's own, every one


@dataclass(frozen=True)
class PersonRecord:
    person: str
    exported_at: datetime
    mentorships: tuple[MentorshipRecord, ...]

    @property
    def people(self) -> tuple[str, ...]:
        """The person and everyone they were paired with."""
        others = (m.other for m in self.mentorships)
        return tuple(dict.fromkeys((self.person, *others)))


def export_record(engine: Engine, actor: Actor, now: datetime) -> PersonRecord:
    """The actor's own record, across every pair they are or were in. Only their own: an
    admin gets their own record too, never anyone else's."""
    with read_scope(engine) as session:
        mine = repo.pairs_of(session, actor.user_id)
        mentorships = tuple(_mentorship(session, pair, actor.user_id) for pair in mine)
    return PersonRecord(actor.user_id, now, mentorships)


def _mentorship(session: Session, pair: Pair, person: str) -> MentorshipRecord:
    info = PairInfo.of(pair)
    role = info.role_of(person)
    assert role is not None
    goals = erasure.rows_of_pair(session, Goal, info.id)
    numbers = {goal.id: goal.number for goal in goals}
    wins = tuple(
        WinRecord(win.text, win.worked, numbers.get(win.goal_id), win.created_at)
        for win in erasure.rows_of_pair(session, Win, info.id)
    )
    closed = sorted(store.closed_reviews(session, info.id, REVIEWS_READ), key=_number)
    reviews = tuple(_review(session, pair, review, person, role) for review in closed)
    numbers_of_reviews = {r.id: r.number for r in erasure.rows_of_pair(session, Review, info.id)}
    commitments = tuple(
        CommitmentRecord(
            c.kind,
            c.text,
            c.outcome,
            numbers_of_reviews.get(c.review_id),
            numbers_of_reviews.get(c.checked_in_review_id),
            c.created_at,
        )
        for c in erasure.rows_of_pair(session, Commitment, info.id)
        if c.owner_id == person
    )
    return MentorshipRecord(
        pair=info,
        role=role,
        other=info.other(person),
        goals=_goals(session, info.id, goals) if role == Role.MENTEE else (),
        wins=wins,
        reviews=reviews,
        commitments=commitments,
    )


def _number(review: Review) -> int:
    return review.number


def _goals(session: Session, pair_id: int, goals: Sequence[Goal]) -> tuple[GoalRecord, ...]:
    steps = erasure.rows_of_pair(session, Milestone, pair_id)
    result = []
    for goal in sorted(goals, key=lambda goal: goal.number):
        history = tuple(
            RevisionInfo(r.old_text, r.new_text, r.reason, r.changed_at)
            for r in store.revisions_of_goal(session, goal.id or 0)
        )
        milestones = tuple(
            MilestoneRecord(
                f"{goal.number}.{m.number}", m.text, m.status, m.due_on, m.created_at, m.done_at
            )
            for m in sorted(steps, key=lambda m: m.number)
            if m.goal_id == goal.id
        )
        result.append(
            GoalRecord(
                goal.number,
                goal.text,
                goal.status,
                goal.due_on,
                goal.created_at,
                goal.closed_at,
                history,
                milestones,
                goal.done_when,
            )
        )
    return tuple(result)


def _review(session: Session, pair: Pair, review: Review, person: str, role: Role) -> ReviewRecord:
    """One closed review as the person may keep it: the summary read through `summary_in`,
    less what belongs to the other member."""
    summary = summary_in(session, pair, review)
    mentee = role == Role.MENTEE
    fit = store.fit_of(session, review.id or 0) if mentee else None
    return ReviewRecord(
        number=review.number,
        opened_at=review.opens_at,
        closed_at=review.closed_at,
        answered=person in summary.answered,
        own=summary.feedback.get(role.value),
        audit=summary.audit if mentee else (),
        evidence=summary.evidence if mentee else (),
        changes=summary.changes if mentee else (),
        commitments=tuple(c for c in summary.commitments if c.owner_id == person),
        checkins=tuple(c for c in summary.checkins if c.owner_id == person),
        fit=None if fit is None or fit.mentee_id != person else FitRecord(fit.score, fit.comment),
    )

"""A review's summary: what the channel sees when it closes, and what `/review` reads back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from mentoring.model import Actor, PairInfo, Role, Target
from mentoring.pairs import resolve_pair
from mentoring.reviews.values import CommitmentInfo, ReviewInfo
from storage import repositories as repo
from storage import reviews as store
from storage.db import session_scope
from storage.models import Pair, Review


@dataclass(frozen=True)
class AuditLine:
    label: str  # "2" for a goal, "2.1" for a milestone
    text: str
    status: str  # done, on track or behind
    bottleneck: str | None
    note: str | None
    done_when: str | None = None  # the goal's "How you'll know" (a step has none)


@dataclass(frozen=True)
class StopStartContinue:
    stop: str | None
    start: str | None
    keep_doing: str | None


@dataclass(frozen=True)
class GoalChange:
    goal_number: int
    decision: str  # pivot, drop or achieved
    text: str  # the wording now (the old one, for drop and achieved)
    old_text: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ReviewSummary:
    """What the channel sees. The mentee's fit answer is never part of it."""

    pair: PairInfo
    review: ReviewInfo
    answered: tuple[str, ...]
    audit: tuple[AuditLine, ...]
    feedback: dict[str, StopStartContinue]  # by role: "mentor", "mentee"
    evidence: tuple[str, ...]
    changes: tuple[GoalChange, ...]
    commitments: tuple[CommitmentInfo, ...]
    checkins: tuple[CommitmentInfo, ...]


def summary_in(session: Session, pair: Pair, review: Review) -> ReviewSummary:
    review_id = review.id or 0
    answers = {answer.role: answer for answer in store.answers_of(session, review_id)}
    goals = {goal.id: goal for goal in repo.goals_of(session, pair.id or 0)}
    mentee = answers.get(Role.MENTEE)
    audit: list[AuditLine] = []
    evidence: tuple[str, ...] = ()
    changes: list[GoalChange] = []
    if mentee is not None:
        audit = _audit_lines(session, mentee.audit, goals)
        wins = [repo.get_win(session, int(win_id)) for win_id in mentee.evidence]
        evidence = tuple(win.text for win in wins if win is not None and win.pair_id == pair.id)
        for goal_id, decision in mentee.goalposts.items():
            goal = goals.get(int(goal_id))
            choice = decision.get("decision")
            if goal is not None and choice in ("drop", "achieved"):
                changes.append(GoalChange(goal.number, choice, goal.text))
    for revision in store.revisions_in_review(session, review_id):
        goal = goals.get(revision.goal_id)
        if goal is not None:
            changes.append(
                GoalChange(
                    goal.number, "pivot", revision.new_text, revision.old_text, revision.reason
                )
            )
    return ReviewSummary(
        pair=PairInfo.of(pair),
        review=ReviewInfo.of(review),
        answered=tuple(a.author_id for a in answers.values() if a.submitted_at is not None),
        audit=tuple(audit),
        feedback={
            role: StopStartContinue(answer.stop, answer.start, answer.keep_doing)
            for role, answer in answers.items()
            if answer.stop or answer.start or answer.keep_doing
        },
        evidence=evidence,
        changes=tuple(sorted(changes, key=lambda change: change.goal_number)),
        commitments=tuple(
            CommitmentInfo.of(c) for c in store.commitments_made_in(session, review_id)
        ),
        checkins=tuple(
            CommitmentInfo.of(c) for c in store.commitments_checked_in(session, review_id)
        ),
    )


def _audit_lines(session: Session, audit: dict, goals: dict) -> list[AuditLine]:
    """The mentee's audit in roadmap order: each goal, then its milestones."""
    items: dict[str, str] = audit.get("items", {})
    notes: dict[str, str] = audit.get("notes", {})
    lines: list[AuditLine] = []
    for goal in sorted(goals.values(), key=lambda goal: goal.number):
        key = f"goal:{goal.id}"
        if key in items:
            status, _, bottleneck = items[key].partition(":")
            lines.append(
                AuditLine(
                    str(goal.number),
                    goal.text,
                    STATUS_WORDS.get(status, status),
                    bottleneck or None,
                    notes.get(str(goal.id)),
                    goal.done_when,
                )
            )
        for milestone in repo.milestones_of(session, goal.id or 0):
            key = f"milestone:{milestone.id}"
            if key in items:
                status, _, bottleneck = items[key].partition(":")
                lines.append(
                    AuditLine(
                        f"{goal.number}.{milestone.number}",
                        milestone.text,
                        STATUS_WORDS.get(status, status),
                        bottleneck or None,
                        None,
                    )
                )
    return lines


STATUS_WORDS = {"done": "done", "on_track": "on track", "behind": "behind"}


@dataclass(frozen=True)
class ReviewHistory:
    pair: PairInfo
    reviews: tuple[ReviewInfo, ...]


def last_summary(engine: Engine, actor: Actor, target: Target) -> ReviewSummary | None:
    """The latest closed review's summary, for `/review` (members only)."""
    with session_scope(engine) as session:
        pair = resolve_pair(session, actor, target, include_ended=True)
        closed = store.closed_reviews(session, pair.id or 0, 1)
        if not closed:
            return None
        return summary_in(session, pair, closed[0])


def review_history(engine: Engine, actor: Actor, target: Target, limit: int) -> ReviewHistory:
    with session_scope(engine) as session:
        pair = resolve_pair(session, actor, target, include_ended=True)
        closed = store.closed_reviews(session, pair.id or 0, limit)
        return ReviewHistory(PairInfo.of(pair), tuple(ReviewInfo.of(r) for r in closed))

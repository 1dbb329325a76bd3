"""Closing a review: what each of its ledger messages does, and what the review decided.

The summary row closes the review when both members have answered or seven days have passed.
Closing applies what the review decided (pivots, dropped or achieved goals, commitments and
check-ins) once, in the transaction that closes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from mentoring.dates import local_date
from mentoring.model import GoalStatus
from mentoring.reviews.planning import cancel_review
from mentoring.reviews.questionnaire import CHECKIN_OUTCOMES
from mentoring.reviews.summary import ReviewSummary, summary_in
from mentoring.reviews.values import CommitmentInfo, ReviewInfo
from mentoring.roadmap_picture import RoadmapPicture, roadmap_picture_in
from mentoring.zones import pair_zone
from storage import meetings as meeting_store
from storage import repositories as repo
from storage import reviews as store
from storage.models import ACTIVE, Commitment, Delivery, GoalRevision, Pair, Review, ReviewAnswer

CLOSED_BOTH = "both answered"
CLOSED_TIME = "seven days passed"
CLOSED_PAIR_ENDED = store.CLOSED_PAIR_ENDED
# Called off at its summary: nobody answered and none of its invitations had gone out (the
# bot was down all week, or Slack refused every one of them).
NEVER_SENT = "its invitations were never sent while it was open"


@dataclass(frozen=True)
class ReviewMessage:
    """What a review row's message needs: the review, and for the summary, its content."""

    review: ReviewInfo
    summary: ReviewSummary | None = None
    picture: RoadmapPicture | None = None  # attached to the summary
    called_off: str | None = None  # instead of a summary: why the review was called off


def prepare_review_row(
    session: Session, row: Delivery, pair: Pair, now: datetime
) -> ReviewMessage | str:
    """The message for a claimed review row, or why it is skipped. The summary row closes
    the review (once) before it is posted."""
    review = store.get_review(session, row.review_id or 0, lock=row.kind == "summary")
    assert review is not None
    if pair.status != ACTIVE:
        if review.status == store.OPEN:
            close_review_in(session, review, now, CLOSED_PAIR_ENDED)
        return "pair ended"
    if row.kind == "summary" and _never_reached_anyone(review):  # a retried post
        return ReviewMessage(ReviewInfo.of(review), called_off=review.close_reason)
    if review.status == store.CANCELLED:
        return f"review cancelled: {review.close_reason}"
    schedule = meeting_store.schedule_of(session, pair.id or 0)
    if row.kind == "summary":
        never_sent = not store.any_sent(session, review.id or 0)
        if review.status == store.OPEN and never_sent and not _answered(session, review):
            cancel_review(session, review, NEVER_SENT, now, unseen=True)
            return ReviewMessage(ReviewInfo.of(review), called_off=NEVER_SENT)
        if review.status == store.OPEN:
            everyone = len(_answered(session, review)) == 2
            close_review_in(session, review, now, CLOSED_BOTH if everyone else CLOSED_TIME)
        elif review.close_reason == CLOSED_PAIR_ENDED:
            return "pair ended"
        return ReviewMessage(
            ReviewInfo.of(review),
            summary=summary_in(session, pair, review),
            picture=roadmap_picture_in(session, pair, local_date(now, pair_zone(schedule))),
        )
    if review.status != store.OPEN:
        return "review closed"
    if now >= row.expires_at:
        return "too late: the review had closed"
    paused = schedule.paused_until if schedule is not None else None
    if (
        row.kind == "review"  # a pause stops a review from opening, not one under way
        and schedule is not None
        and paused is not None
        and local_date(review.opens_at, schedule.tz) < paused
        and review.started_by is None  # not /review now
        and not store.any_sent(session, review.id or 0)
    ):
        cancel_review(session, review, f"paused until {paused.isoformat()}", now, unseen=True)
        return f"paused until {paused.isoformat()}"
    if row.kind == "reminder":
        user = pair.mentor_id if row.audience == "mentor" else pair.mentee_id
        if user in _answered(session, review):
            return "already answered"
    return ReviewMessage(ReviewInfo.of(review))


def _never_reached_anyone(review: Review) -> bool:
    return review.status == store.CANCELLED and review.close_reason == NEVER_SENT


def _answered(session: Session, review: Review) -> set[str]:
    return {
        answer.author_id
        for answer in store.answers_of(session, review.id or 0)
        if answer.submitted_at is not None
    }


def member_answered(session: Session, review: Review, pair: Pair, now: datetime) -> bool:
    """After a member's answer is complete: when both are, the summary is brought forward.
    Returns True when both have answered."""
    if len(_answered(session, review)) < 2:
        return False
    store.bring_forward(session, review.id or 0, "summary", now)
    return True


def close_review_in(session: Session, review: Review, now: datetime, reason: str) -> None:
    """Close an open review and apply what it decided, once: the mentee's goalpost decisions
    (a pivot is recorded as a revision; the goal keeps its id, milestones and wins), check-ins
    of earlier commitments (those nobody answered about are settled as unknown, so each is
    asked about in one review only), and new commitments from Start and Stop answers. A review
    closed because the pair ended applies nothing."""
    if review.status != store.OPEN:
        return
    review.status, review.closed_at, review.close_reason = store.CLOSED, now, reason
    session.add(review)
    store.end_review_rows(session, review.id or 0, "review closed", now)
    if reason == CLOSED_PAIR_ENDED:
        return
    pair = repo.get_pair(session, review.pair_id)
    assert pair is not None
    answers = store.answers_of(session, review.id or 0)
    for answer in answers:
        _apply_checkins(session, review, answer)
    for commitment in store.open_commitments(session, review.pair_id, None):
        commitment.outcome, commitment.checked_in_review_id = UNANSWERED, review.id
        session.add(commitment)  # asked about once: a review is where it is checked
    for answer in answers:
        _add_commitments(session, review, answer, now)
        if answer.author_id == pair.mentee_id:
            _apply_goalposts(session, review, pair, answer, now)


def _apply_checkins(session: Session, review: Review, answer: ReviewAnswer) -> None:
    checkins = answer.checkins
    owned = {
        str(c.id): c for c in store.open_commitments(session, review.pair_id, answer.author_id)
    }
    for commitment_id, outcome in checkins.items():
        commitment = owned.get(commitment_id)
        if commitment is not None and outcome in CHECKIN_OUTCOMES:
            commitment.outcome, commitment.checked_in_review_id = outcome, review.id
            session.add(commitment)


def _add_commitments(session: Session, review: Review, answer: ReviewAnswer, now: datetime) -> None:
    for kind, text in (("start", answer.start), ("stop", answer.stop)):
        for line in commitment_lines(text):
            session.add(
                Commitment(
                    pair_id=review.pair_id,
                    review_id=review.id or 0,
                    owner_id=answer.author_id,
                    kind=kind,
                    text=line,
                    created_at=now,
                )
            )


def commitment_lines(text: str | None) -> list[str]:
    """One commitment per line (list markers dropped); "nothing" and the like are none."""
    lines = [line.strip().lstrip("-•*").strip() for line in (text or "").splitlines()]
    return [line for line in lines if line and line.lower().rstrip(".") not in NOTHING]


NOTHING = {"nothing", "none", "n/a", "na", "-", "nothing new", "no change", "nothing to add"}
UNANSWERED = "unknown"  # a commitment its review closed without an answer about


def _apply_goalposts(
    session: Session, review: Review, pair: Pair, answer: ReviewAnswer, now: datetime
) -> None:
    decisions = answer.goalposts
    for goal_id, decision in decisions.items():
        goal = repo.get_goal(session, int(goal_id))
        if goal is None or goal.pair_id != pair.id or goal.status != GoalStatus.OPEN:
            continue
        choice = decision.get("decision")
        if choice == "pivot" and decision.get("text"):
            if decision.get("due_on"):
                goal.due_on = date.fromisoformat(decision["due_on"])
            session.add(
                GoalRevision(
                    goal_id=goal.id or 0,
                    pair_id=pair.id or 0,
                    old_text=goal.text,
                    new_text=decision["text"],
                    reason=decision.get("reason", ""),
                    review_id=review.id,
                    changed_by=answer.author_id,
                    changed_at=now,
                )
            )
            goal.text = decision["text"]
        elif choice in ("drop", "achieved"):
            goal.status = GoalStatus.DROPPED if choice == "drop" else GoalStatus.DONE
            goal.closed_at = now
        session.add(goal)


def open_commitments_in(session: Session, pair_id: int) -> tuple[CommitmentInfo, ...]:
    """Both members' commitments not checked yet (for the agenda prompt)."""
    return tuple(CommitmentInfo.of(c) for c in store.open_commitments(session, pair_id, None))

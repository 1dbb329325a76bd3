"""Periodic reviews: when they fall due, who is asked, and how a review closes.

A pair reviews every few weeks (4 unless they choose otherwise), an hour after the meeting
that falls due, or at once with `/review now`. Each review is a row with its own messages in
the delivery ledger: "Review time" in the channel, a DM to each member, one reminder after two
days for whoever has not answered, and the summary when both have answered or seven days have
passed. Closing applies what the review decided (pivots, dropped or achieved goals,
commitments and check-ins) once, in the transaction that closes it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from mentoring.errors import InvalidInput, NotAllowed
from mentoring.model import Actor, GoalInfo, GoalStatus, Outcome, PairInfo, Role, Target
from mentoring.pairs import require_active, resolve_pair
from mentoring.roadmap_picture import RoadmapPicture, roadmap_picture_in
from storage import ledger
from storage import meetings as meeting_store
from storage import repositories as repo
from storage import reviews as store
from storage.db import session_scope
from storage.models import (
    ACTIVE,
    Commitment,
    Delivery,
    GoalRevision,
    Meeting,
    Pair,
    Review,
    ReviewAnswer,
    ReviewCadence,
)

DEFAULT_EVERY_WEEKS = 4
MAX_EVERY_WEEKS = 26
AFTER_MEETING = timedelta(hours=1)
REMIND_AFTER = timedelta(days=2)
OPEN_FOR = timedelta(days=7)
EARLY = timedelta(days=1)  # a meeting this close to the cadence's date carries the review
SUMMARY_WINDOW = timedelta(days=1)

# (kind, audience, due after opening): the review's messages in the ledger
MESSAGES = (
    ("review", "channel", timedelta(0)),
    ("review", "mentor", timedelta(0)),
    ("review", "mentee", timedelta(0)),
    ("reminder", "mentor", REMIND_AFTER),
    ("reminder", "mentee", REMIND_AFTER),
    ("summary", "channel", OPEN_FOR),
)

CLOSED_BOTH = "both answered"
CLOSED_TIME = "seven days passed"
CLOSED_PAIR_ENDED = store.CLOSED_PAIR_ENDED


@dataclass(frozen=True)
class ReviewInfo:
    id: int
    pair_id: int
    number: int
    opens_at: datetime
    closes_at: datetime
    status: str
    closed_at: datetime | None
    close_reason: str | None

    @classmethod
    def of(cls, review: Review) -> ReviewInfo:
        assert review.id is not None
        return cls(
            review.id,
            review.pair_id,
            review.number,
            review.opens_at,
            review.closes_at,
            review.status,
            review.closed_at,
            review.close_reason,
        )


@dataclass(frozen=True)
class ReviewCadenceView(Outcome):
    pair: PairInfo
    every_weeks: int | None
    upcoming: ReviewInfo | None  # the review planned or in progress, if any
    has_meetings: bool


@dataclass(frozen=True)
class ReviewStarted(Outcome):
    pair: PairInfo
    review: ReviewInfo


# Cadence


def parse_every(words: list[str]) -> int | None:
    """`every 6 weeks`, `every 2 months`, `monthly` or `off` → weeks (None: off)."""
    text = " ".join(word.lower() for word in words)
    if text in ("off", "none", "never", "stop"):
        return None
    if text == "monthly":
        return 4
    parts = text.removeprefix("every ").split()
    example = "`/mentor review every 6 weeks` or `/mentor review off`"
    if len(parts) == 1 and parts[0] in ("week", "month"):
        parts = ["1", parts[0]]
    if len(parts) != 2 or not parts[0].isdigit() or parts[1].rstrip("s") not in ("week", "month"):
        raise InvalidInput(f"Say how often to review, for example {example}.")
    weeks = int(parts[0]) * (4 if parts[1].startswith("month") else 1)
    if not 1 <= weeks <= MAX_EVERY_WEEKS:
        raise InvalidInput(f"Reviews can be every 1 to {MAX_EVERY_WEEKS} weeks: {example}.")
    return weeks


def set_review_cadence(
    engine: Engine, actor: Actor, target: Target, every_weeks: int | None, now: datetime
) -> ReviewCadenceView:
    """Change how often the pair reviews. A review planned but not open yet is re-planned
    (moved, or called off when the new cadence has it no longer due); with none planned, the
    next meeting gets one if the new cadence has come round by then. One already open
    carries on."""
    with session_scope(engine) as session:
        pair = resolve_pair(session, actor, target)
        require_active(pair)
        pair_id = pair.id or 0
        row = store.cadence_of(session, pair_id)
        if row is None:
            row = ReviewCadence(pair_id=pair_id, updated_by=actor.user_id, updated_at=now)
        row.every_weeks, row.updated_by, row.updated_at = every_weeks, actor.user_id, now
        session.add(row)
        session.flush()
        replan_review(session, pair, now, "review cadence changed")
        return _cadence_view(session, pair, now).changing(pair_id)


def show_review_cadence(
    engine: Engine, actor: Actor, target: Target, now: datetime
) -> ReviewCadenceView:
    with session_scope(engine) as session:
        pair = resolve_pair(session, actor, target, include_ended=True)
        return _cadence_view(session, pair, now)


def _cadence_view(session: Session, pair: Pair, now: datetime) -> ReviewCadenceView:
    pair_id = pair.id or 0
    upcoming = store.unfinished_review(session, pair_id)
    schedule = meeting_store.schedule_of(session, pair_id)
    return ReviewCadenceView(
        PairInfo.of(pair),
        _every(session, pair_id),
        ReviewInfo.of(upcoming) if upcoming is not None else None,
        schedule is not None and schedule.active,
    )


def _every(session: Session, pair_id: int) -> int | None:
    row = store.cadence_of(session, pair_id)
    return DEFAULT_EVERY_WEEKS if row is None else row.every_weeks


@dataclass(frozen=True)
class NextReview:
    """Where a pair's next review stands, for the App Home."""

    at: datetime
    state: str  # "open": answer before `at`; "planned": opens at `at`; "expected": around `at`


def next_reviews_in(
    session: Session, pairs: Sequence[Pair], now: datetime
) -> dict[int, NextReview | None]:
    """Each active pair's next review (None: reviews are off), in three queries whatever the
    number of pairs: one in progress, else one planned, else the cadence's date counted from
    the last review (or the pairing)."""
    ids = [pair.id for pair in pairs if pair.id is not None]
    unfinished = {review.pair_id: review for review in store.unfinished_of(session, ids)}
    every = {row.pair_id: row.every_weeks for row in store.cadences_of(session, ids)}
    last = store.last_held_of(session, ids)
    result: dict[int, NextReview | None] = {}
    for pair in pairs:
        pair_id = pair.id or 0
        review = unfinished.get(pair_id)
        weeks = every.get(pair_id, DEFAULT_EVERY_WEEKS)
        if review is not None and review.opens_at <= now:
            result[pair_id] = NextReview(review.closes_at, "open")
        elif review is not None:
            result[pair_id] = NextReview(review.opens_at, "planned")
        elif weeks is None:
            result[pair_id] = None
        else:
            since = last.get(pair_id, pair.created_at)
            result[pair_id] = NextReview(max(since + timedelta(weeks=weeks), now), "expected")
    return result


# Planning and starting


def plan_review_for_meeting(
    session: Session, pair: Pair, meeting: Meeting, now: datetime
) -> Review | None:
    """Plan a review an hour after `meeting` when the pair's cadence has come round by then.
    One review at a time: while another is unfinished nothing new is planned — but a planned
    one whose meeting was skipped or cancelled moves to this meeting."""
    pending = store.unfinished_review(session, pair.id or 0)
    if pending is not None:
        if _pending(pending, now) and _own_meeting(session, pending) is None:
            if _comes_round(session, pair, meeting):
                opens_at = meeting.starts_at + AFTER_MEETING
                _move(session, pending, opens_at, now, meeting_id=meeting.id)
            else:  # the cadence changed while it waited
                _cancel(session, pending, "no longer due", now)
        return None
    if not _comes_round(session, pair, meeting):
        return None
    return _open(session, pair, meeting.starts_at + AFTER_MEETING, now, meeting_id=meeting.id)


def replan_review(session: Session, pair: Pair, now: datetime, reason: str) -> None:
    """After the cadence or the schedule changed: the review planned for the next meeting,
    moved there or called off with `reason`, or planned afresh. A review that is open, or was
    started with /review now, is left alone; one waiting for a skipped meeting moves when the
    meeting after it is planned."""
    unfinished = store.unfinished_review(session, pair.id or 0)
    pending = unfinished if unfinished is not None and _pending(unfinished, now) else None
    if unfinished is not None and pending is None:
        return
    # A review follows its own meeting while that still goes ahead, even one that has started.
    meeting = _own_meeting(session, pending) if pending is not None else None
    meeting = meeting or meeting_store.next_meeting(session, pair.id or 0, now)
    if meeting is not None and meeting.status == "skipped" and _every(session, pair.id or 0):
        return
    held = meeting if meeting is not None and meeting.status == "scheduled" else None
    due = held is not None and _comes_round(session, pair, held)
    if pending is not None and held is not None and due:
        _move(session, pending, held.starts_at + AFTER_MEETING, now, meeting_id=held.id)
    elif pending is not None:
        _cancel(session, pending, reason, now)
    elif held is not None and due:
        _open(session, pair, held.starts_at + AFTER_MEETING, now, meeting_id=held.id)


def _pending(review: Review, now: datetime) -> bool:
    """Planned by the cadence and not open yet."""
    return review.opens_at > now and review.started_by is None


def _own_meeting(session: Session, review: Review) -> Meeting | None:
    """The meeting the review follows, while it goes ahead (not skipped or cancelled)."""
    meeting = meeting_store.get_meeting(session, review.meeting_id) if review.meeting_id else None
    return meeting if meeting is not None and meeting.status == "scheduled" else None


def _comes_round(session: Session, pair: Pair, meeting: Meeting) -> bool:
    """Whether the pair's cadence has come round by the hour after `meeting`, counted from the
    opening of its last review that was held (or from the pairing)."""
    every = _every(session, pair.id or 0)
    if every is None:
        return False
    closed = store.closed_reviews(session, pair.id or 0, 1)
    since = closed[0].opens_at if closed else pair.created_at
    return meeting.starts_at + AFTER_MEETING >= since + timedelta(weeks=every) - EARLY


def start_review_now(engine: Engine, actor: Actor, target: Target, now: datetime) -> ReviewStarted:
    """`/review now`: open a review at once. A planned one that has not opened yet is replaced;
    one already open is pointed to instead."""
    with session_scope(engine) as session:
        pair = resolve_pair(session, actor, target)
        require_active(pair)
        upcoming = store.unfinished_review(session, pair.id or 0)
        if upcoming is not None and upcoming.opens_at <= now:
            raise InvalidInput(
                f"Review {upcoming.number} is already open: answer it with the *Answer review* "
                "button in your DM or the channel."
            )
        if upcoming is not None:  # planned for later: it opens now instead, keeping its number
            _move(session, upcoming, now, now, started_by=actor.user_id)
            return ReviewStarted(PairInfo.of(pair), ReviewInfo.of(upcoming)).changing(pair.id or 0)
        review = _open(session, pair, now, now, started_by=actor.user_id)
        return ReviewStarted(PairInfo.of(pair), ReviewInfo.of(review)).changing(pair.id or 0)


def _open(
    session: Session,
    pair: Pair,
    opens_at: datetime,
    now: datetime,
    *,
    meeting_id: int | None = None,
    started_by: str | None = None,
) -> Review:
    pair_id = pair.id or 0
    review = Review(
        pair_id=pair_id,
        number=store.next_review_number(session, pair_id),
        meeting_id=meeting_id,
        opens_at=opens_at,
        closes_at=opens_at + OPEN_FOR,
        started_by=started_by,
        created_at=now,
    )
    session.add(review)
    session.flush()
    review_id = review.id or 0
    for kind, audience, _after in MESSAGES:
        due, expires = _message_times(review, kind, audience)
        session.add(
            ledger.new_delivery(
                pair_id=pair_id,
                subject=ledger.review_subject(review_id),
                review_id=review_id,
                kind=kind,
                audience=audience,
                due_at=due,
                expires_at=expires,
                now=now,
            )
        )
    return review


def _message_times(review: Review, kind: str, audience: str) -> tuple[datetime, datetime]:
    """When one of the review's messages is due, and until when it is still worth sending."""
    after = next(delay for k, a, delay in MESSAGES if (k, a) == (kind, audience))
    window = SUMMARY_WINDOW if kind == "summary" else timedelta(0)
    return review.opens_at + after, review.closes_at + window


def _cancel(
    session: Session, review: Review, reason: str, now: datetime, *, unseen: bool = False
) -> None:
    """Call a review off with `reason`. One that never opened (or, `unseen`, is called off as
    it opens, before any of its messages went out) gives its number back: the next review
    takes it, since nobody saw this one as more than "next"."""
    review.status, review.closed_at, review.close_reason = store.CANCELLED, now, reason
    if unseen or review.opens_at > now:
        review.number = -(review.id or 0)
    session.add(review)
    store.end_review_rows(session, review.id or 0, reason, now)


def _move(
    session: Session,
    review: Review,
    opens_at: datetime,
    now: datetime,
    *,
    meeting_id: int | None = None,
    started_by: str | None = None,
) -> None:
    """Open a review that has not opened yet at another time; its messages move with it."""
    review.opens_at, review.closes_at = opens_at, opens_at + OPEN_FOR
    review.meeting_id, review.started_by = meeting_id, started_by
    session.add(review)
    for row in store.planned_rows(session, review.id or 0):
        row.due_at, row.expires_at = _message_times(review, row.kind, row.audience)
        row.next_at, row.updated_at = row.due_at, now
        session.add(row)


# The ledger's questions


@dataclass(frozen=True)
class ReviewMessage:
    """What a review row's message needs: the review, and for the summary, its content."""

    review: ReviewInfo
    summary: ReviewSummary | None = None
    picture: RoadmapPicture | None = None  # attached to the summary


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
    if review.status == store.CANCELLED:
        return f"review cancelled: {review.close_reason}"
    if row.kind == "summary":
        if review.status == store.OPEN:
            everyone = len(_answered(session, review)) == 2
            close_review_in(session, review, now, CLOSED_BOTH if everyone else CLOSED_TIME)
        elif review.close_reason == CLOSED_PAIR_ENDED:
            return "pair ended"
        return ReviewMessage(
            ReviewInfo.of(review),
            summary=summary_in(session, pair, review),
            picture=roadmap_picture_in(session, pair, now.date()),
        )
    if review.status != store.OPEN:
        return "review closed"
    if now >= row.expires_at:
        return "too late: the review had closed"
    schedule = meeting_store.schedule_of(session, pair.id or 0)
    paused = schedule.paused_until if schedule is not None else None
    if (
        row.kind == "review"  # a pause stops a review from opening, not one under way
        and paused is not None
        and review.opens_at.date() < paused
        and review.started_by is None  # not /review now
        and not store.any_sent(session, review.id or 0)
    ):
        _cancel(session, review, f"paused until {paused.isoformat()}", now, unseen=True)
        return f"paused until {paused.isoformat()}"
    if row.kind == "reminder":
        user = pair.mentor_id if row.audience == "mentor" else pair.mentee_id
        if user in _answered(session, review):
            return "already answered"
    return ReviewMessage(ReviewInfo.of(review))


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


# Closing


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
    checkins: dict[str, str] = json.loads(answer.checkins)
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
CHECKIN_OUTCOMES = ("yes", "partly", "no")
UNANSWERED = "unknown"  # a commitment its review closed without an answer about
DECISIONS = ("keep", "pivot", "drop", "achieved")


def _apply_goalposts(
    session: Session, review: Review, pair: Pair, answer: ReviewAnswer, now: datetime
) -> None:
    decisions: dict[str, dict[str, str]] = json.loads(answer.goalposts)
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


# The summary


@dataclass(frozen=True)
class AuditLine:
    label: str  # "2" for a goal, "2.1" for a milestone
    text: str
    status: str  # done, on track or behind
    bottleneck: str | None
    note: str | None


@dataclass(frozen=True)
class StopStartContinue:
    stop: str | None
    start: str | None
    keep_doing: str | None


@dataclass(frozen=True)
class CommitmentInfo:
    id: int
    owner_id: str
    kind: str
    text: str
    outcome: str | None

    @classmethod
    def of(cls, commitment: Commitment) -> CommitmentInfo:
        assert commitment.id is not None
        return cls(
            commitment.id,
            commitment.owner_id,
            commitment.kind,
            commitment.text,
            commitment.outcome,
        )


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
        audit = _audit_lines(session, json.loads(mentee.audit), goals)
        wins = [repo.get_win(session, int(win_id)) for win_id in json.loads(mentee.evidence)]
        evidence = tuple(win.text for win in wins if win is not None and win.pair_id == pair.id)
        for goal_id, decision in json.loads(mentee.goalposts).items():
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
BOTTLENECKS = {
    "resources": "resources",
    "time": "time",
    "skill_gap": "skill gap",
    "other": "other",
}


# Reading past reviews


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


def open_commitments_in(session: Session, pair_id: int) -> tuple[CommitmentInfo, ...]:
    """Both members' commitments not checked yet (for the agenda prompt)."""
    return tuple(CommitmentInfo.of(c) for c in store.open_commitments(session, pair_id, None))


def require_member(pair: Pair, actor: Actor) -> Role:
    """The actor's role in the pair; admins and outsiders are refused."""
    if actor.user_id == pair.mentor_id:
        return Role.MENTOR
    if actor.user_id == pair.mentee_id:
        return Role.MENTEE
    raise NotAllowed("Only the two people in a mentorship can see or answer its reviews.")


def goal_infos(session: Session, pair_id: int) -> tuple[GoalInfo, ...]:
    return tuple(
        GoalInfo.of(goal)
        for goal in repo.goals_of(session, pair_id)
        if goal.status == GoalStatus.OPEN
    )

"""Planning reviews: planned after the meeting that falls due, moved, opened or called off.

Each review is a row with its own messages in the delivery ledger: "Review time" in the
channel, a DM to each member, one reminder after two days for whoever has not answered, and
the summary when both have answered or seven days have passed. One review at a time: a
planned one follows its meeting, moves when the meeting or the cadence changes, and opens at
once with `/review now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from mentoring.errors import InvalidInput
from mentoring.model import Actor, Outcome, PairInfo, Target
from mentoring.pairs import require_active, resolve_pair
from mentoring.reviews.cadence import (
    AFTER_MEETING,
    NextReview,
    comes_round,
    every_weeks_of,
    next_reviews_in,
)
from mentoring.reviews.values import ReviewInfo
from storage import ledger
from storage import meetings as meeting_store
from storage import reviews as store
from storage.db import session_scope
from storage.models import ACTIVE, Meeting, Pair, Review, ReviewCadence

REMIND_AFTER = timedelta(days=2)
OPEN_FOR = timedelta(days=7)
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


@dataclass(frozen=True)
class ReviewCadenceView(Outcome):
    pair: PairInfo
    every_weeks: int | None
    upcoming: ReviewInfo | None  # the review planned or in progress, if any
    has_meetings: bool
    next: NextReview | None = None  # as the App Home shows it (None: reviews off, pair ended)


@dataclass(frozen=True)
class ReviewStarted(Outcome):
    pair: PairInfo
    review: ReviewInfo


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
        every_weeks_of(session, pair_id),
        ReviewInfo.of(upcoming) if upcoming is not None else None,
        schedule is not None and schedule.active,
        next_reviews_in(session, [pair], now)[pair_id] if pair.status == ACTIVE else None,
    )


def plan_review_for_meeting(
    session: Session, pair: Pair, meeting: Meeting, now: datetime
) -> Review | None:
    """Plan a review an hour after `meeting` when the pair's cadence has come round by then.
    One review at a time: while another is unfinished nothing new is planned — but a planned
    one whose meeting was skipped or cancelled moves to this meeting."""
    pending = store.unfinished_review(session, pair.id or 0)
    if pending is not None:
        if _pending(pending, now) and _own_meeting(session, pending) is None:
            if comes_round(session, pair, meeting):
                opens_at = meeting.starts_at + AFTER_MEETING
                _move(session, pending, opens_at, now, meeting_id=meeting.id)
            else:  # the cadence changed while it waited
                cancel_review(session, pending, "no longer due", now)
        return None
    if not comes_round(session, pair, meeting):
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
    if (
        meeting is not None
        and meeting.status == "skipped"
        and every_weeks_of(session, pair.id or 0)
    ):
        return
    held = meeting if meeting is not None and meeting.status == "scheduled" else None
    due = held is not None and comes_round(session, pair, held)
    if pending is not None and held is not None and due:
        _move(session, pending, held.starts_at + AFTER_MEETING, now, meeting_id=held.id)
    elif pending is not None:
        cancel_review(session, pending, reason, now)
    elif held is not None and due:
        _open(session, pair, held.starts_at + AFTER_MEETING, now, meeting_id=held.id)


def _pending(review: Review, now: datetime) -> bool:
    """Planned by the cadence and not open yet."""
    return review.opens_at > now and review.started_by is None


def _own_meeting(session: Session, review: Review) -> Meeting | None:
    """The meeting the review follows, while it goes ahead (not skipped or cancelled)."""
    meeting = meeting_store.get_meeting(session, review.meeting_id) if review.meeting_id else None
    return meeting if meeting is not None and meeting.status == "scheduled" else None


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


def cancel_review(
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

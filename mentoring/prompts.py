"""What is due and what it says: the rules behind every scheduled message. No Slack here.

Every scheduled message is a ledger row before it is sent. `plan_due` plans the meetings whose
time has come (and with them their prompts); for a row the outbox has claimed, `prepare` decides
what it says (`Outgoing`, with the carry-forward a meeting's prompts bring) or why it is not sent
(`Skipped`, recorded here: paused, meeting skipped, schedule changed, pair ended, too late, and
the reviews' and nudges' own reasons). `apply_post_in` is what a post that reached Slack changes
in the pair's records. Sending, pacing and recording the outcome are the outbox's (outbox/).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from mentoring.dates import local_date
from mentoring.digest import DIGEST, prepare_digest_row, recipient_of
from mentoring.meetings.agenda import ActionInfo, AgendaEntry, aged_actions
from mentoring.meetings.planning import plan_next_meeting
from mentoring.meetings.values import MeetingInfo
from mentoring.milestones import MilestoneInfo, milestones_due
from mentoring.model import GoalInfo, PairInfo, Role
from mentoring.nudges import NUDGE, NudgeInfo, prepare_nudge_row
from mentoring.programme import Programme
from mentoring.reviews.closing import ReviewMessage, open_commitments_in, prepare_review_row
from mentoring.reviews.values import CommitmentInfo
from mentoring.zones import member_zone, pair_zone
from storage import ledger
from storage import meetings as meeting_store
from storage import repositories as repo
from storage.db import read_scope, session_scope
from storage.models import ACTIVE, Delivery, Meeting, MeetingSchedule, Pair

logger = logging.getLogger("mentorbot.deliveries")

PLAN_BATCH = 200
GOALS_DUE_SOON = timedelta(days=21)
MAX_LISTED = 10


@dataclass(frozen=True)
class WinBrief:
    text: str
    created_at: datetime


@dataclass(frozen=True)
class CarryForward:
    """What a pair brings into a meeting: open actions (with their age in meetings), wins
    since the last one, goals due."""

    actions: tuple[ActionInfo, ...]
    wins: tuple[WinBrief, ...]
    goals_due: tuple[GoalInfo, ...]
    open_goals: tuple[GoalInfo, ...]
    since: datetime
    milestones_due: tuple[MilestoneInfo, ...] = ()  # open, due before the horizon or overdue
    today: date | None = None  # the meeting's date, to tell what is overdue
    commitments: tuple[CommitmentInfo, ...] = ()  # made in a review, not checked yet


@dataclass(frozen=True)
class Outgoing:
    """A claimed row that should be sent now, with everything its message needs."""

    delivery_id: int
    key: str  # stable across attempts: written into the message metadata
    subject: str
    kind: str
    audience: str
    recipient: str  # a user id (DM) or the pair's channel
    recipient_tz: str
    pair: PairInfo  # every row's but a digest's (`programme`), which is about no pair
    meeting: MeetingInfo | None  # for a meeting's prompts
    review: ReviewMessage | None  # for a review's messages
    uncertain: bool
    attempts: int
    carry: CarryForward | None  # what a meeting's prompts carry forward
    agenda: tuple[AgendaEntry, ...] = ()
    attention: str | None = None
    nudge: NudgeInfo | None = None  # for a drift nudge
    programme: Programme | None = None  # for a coordinator's digest
    changed: frozenset[int] = frozenset()  # pairs this row changed (see `_changed`)


@dataclass(frozen=True)
class Skipped:
    reason: str
    changed: frozenset[int] = frozenset()  # pairs this row changed (see `_changed`)


def _changed(row: Delivery) -> frozenset[int]:
    """The pairs this row changes, sent or skipped: a review's channel post (it opens, or is
    called off) and its summary (it closed and applied what it decided)."""
    review_event = row.review_id is not None and row.audience == "channel"
    if review_event and row.kind in ("review", "summary") and row.pair_id is not None:
        return frozenset({row.pair_id})
    return frozenset()


# Planning


def plan_due(engine: Engine, now: datetime) -> int:
    """Plan the next meeting of every schedule whose current meeting has started.

    An idle tick reads only the `next_plan_at` index. Rows are locked (SKIP LOCKED on
    PostgreSQL) and each meeting number is unique per pair, so two planners never plan the
    same meeting twice.
    """
    planned = 0
    while True:
        try:
            with session_scope(engine) as session:
                due = meeting_store.schedules_to_plan(session, now, PLAN_BATCH)
                planned += sum(_plan_one(session, schedule, now) for schedule in due)
        except IntegrityError:
            logger.info("another dispatcher planned the same meetings; retrying")
            continue
        if len(due) < PLAN_BATCH:
            return planned


def _plan_one(session: Session, schedule: MeetingSchedule, now: datetime) -> bool:
    """Plan the schedule's next meeting; a schedule whose pair ended is switched off instead."""
    pair = repo.get_pair(session, schedule.pair_id)
    if pair is None or pair.status != ACTIVE:
        schedule.active = False
        schedule.next_plan_at = None
        session.add(schedule)
        return False
    after = max(schedule.next_plan_at or now, now)
    plan_next_meeting(session, schedule, after, now)
    return True


# Deciding


def prepare(engine: Engine, delivery_id: int, worker: str, now: datetime) -> Outgoing | Skipped:
    """What to send for a claimed row, or why it is skipped (recorded here).

    Decided in a transaction that only reads, so that a dispatcher deciding its next batch
    never holds the write lock that the posts in flight need to be recorded. A review's row
    may close its review, so it is decided in a write transaction."""
    with read_scope(engine) as session:
        row = ledger.get_delivery(session, delivery_id)
        assert row is not None
        decided = None if row.review_id is not None else _decide(session, row, now)
    if decided is None or isinstance(decided, Skipped):
        with session_scope(engine) as session:
            if decided is None:
                row = ledger.get_delivery(session, delivery_id)
                assert row is not None
                decided = _decide(session, row, now)
            if isinstance(decided, Skipped):
                ledger.finish_claimed(
                    session, delivery_id, worker, now, status=ledger.SKIPPED, reason=decided.reason
                )
                logger.info(
                    "delivery skipped", extra={"delivery": delivery_id, "reason": decided.reason}
                )
    return decided


def _decide(session: Session, row: Delivery, now: datetime) -> Outgoing | Skipped:
    if row.kind == DIGEST:
        return _digest(session, row, now)
    pair = repo.get_pair(session, row.pair_id) if row.pair_id else None
    assert pair is not None
    schedule = meeting_store.schedule_of(session, row.pair_id)
    meeting = meeting_store.get_meeting(session, row.meeting_id) if row.meeting_id else None
    review: ReviewMessage | None = None
    nudge: NudgeInfo | None = None
    if row.kind == "attention":
        reason = None
    elif row.review_id is not None:
        decided = prepare_review_row(session, row, pair, now)
        reason = decided if isinstance(decided, str) else None
        review = decided if isinstance(decided, ReviewMessage) else None
    elif row.kind == NUDGE:
        nudged = prepare_nudge_row(session, row, pair, schedule, now)
        reason = nudged if isinstance(nudged, str) else None
        nudge = nudged if isinstance(nudged, NudgeInfo) else None
    else:
        assert meeting is not None and schedule is not None
        reason = _skip_reason(row, meeting, pair, schedule, now)
    if reason is not None:
        return Skipped(reason, _changed(row))
    carry = None
    if meeting is not None and row.kind != "attention":
        carry = _carry_forward(session, pair, meeting, _dating_zone(row, schedule))
    agenda: tuple[AgendaEntry, ...] = ()
    if row.kind == "agenda":
        agenda = tuple(
            AgendaEntry.of(item) for item in meeting_store.open_agenda(session, pair.id or 0)
        )
    recipient, tz = _recipient(row, pair, schedule)
    return _outgoing(
        row,
        recipient,
        tz,
        pair=PairInfo.of(pair),
        meeting=MeetingInfo.of(meeting) if meeting is not None else None,
        review=review,
        carry=carry,
        agenda=agenda,
        attention=row.reason if row.kind == "attention" else None,
        nudge=nudge,
        changed=_changed(row),
    )


def _digest(session: Session, row: Delivery, now: datetime) -> Outgoing | Skipped:
    """A coordinator's digest: the programme as it is now, or why it is skipped."""
    decided = prepare_digest_row(session, row, now)
    if isinstance(decided, str):
        return Skipped(decided)
    return _outgoing(
        row,
        recipient_of(row.subject),
        "UTC",
        pair=None,  # a digest is about no pair
        meeting=None,
        review=None,
        carry=None,
        programme=decided,
    )


def _outgoing(row: Delivery, recipient: str, tz: str, **says: Any) -> Outgoing:
    """The message of a claimed row: what the ledger knows of it, and what it `says`."""
    return Outgoing(
        delivery_id=row.id or 0,
        key=str(row.id),
        subject=row.subject,
        kind=row.kind,
        audience=row.audience,
        recipient=recipient,
        recipient_tz=tz,
        uncertain=row.uncertain,
        attempts=row.attempts,
        **says,
    )


def _skip_reason(
    row: Delivery, meeting: Meeting, pair: Pair, schedule: MeetingSchedule, now: datetime
) -> str | None:
    if row.kind == "attention":
        return None
    if pair.status != ACTIVE:
        return "pair ended"
    if meeting.status == "skipped":
        return "meeting skipped"
    if meeting.status == "cancelled" or not schedule.active:
        return "schedule changed"
    if schedule.paused_until is not None and meeting.local_date < schedule.paused_until:
        return f"paused until {schedule.paused_until.isoformat()}"
    if now >= row.expires_at:
        late = "the meeting had started" if row.kind != "followup" else "a day had passed"
        return f"too late: {late}"
    return None


def _recipient(row: Delivery, pair: Pair, schedule: MeetingSchedule | None) -> tuple[str, str]:
    """Who the row goes to, and the zone their times are shown in when Slack can't."""
    tz = schedule.tz if schedule is not None else "UTC"
    if row.audience == "mentor":
        return pair.mentor_id, (schedule.mentor_tz if schedule else None) or tz
    if row.audience == "mentee":
        return pair.mentee_id, (schedule.mentee_tz if schedule else None) or tz
    return pair.channel_id, tz


def _dating_zone(row: Delivery, schedule: MeetingSchedule | None) -> str:
    """Whose date says what is overdue or due soon in a post: the recipient's, or in the
    pair's channel the mentee's (mentoring.zones)."""
    if row.audience == "mentor":
        return member_zone(schedule, Role.MENTOR)
    return pair_zone(schedule)


def _carry_forward(session: Session, pair: Pair, meeting: Meeting, zone: str) -> CarryForward:
    """What carries into the meeting, dated as of the meeting's start in `zone`."""
    pair_id = pair.id or 0
    previous = meeting_store.previous_meeting(session, pair_id, meeting.starts_at)
    since = previous.starts_at if previous is not None else pair.created_at
    wins, _ = repo.latest_wins(session, [pair_id], since, MAX_LISTED).get(pair_id, ([], 0))
    first_goals, _ = repo.first_open_goals(session, [pair_id], MAX_LISTED).get(pair_id, ([], 0))
    goals = [GoalInfo.of(goal) for goal in first_goals]
    horizon = local_date(meeting.starts_at + GOALS_DUE_SOON, zone)
    due = sorted((g for g in goals if g.due_on and g.due_on <= horizon), key=lambda g: g.due_on)
    return CarryForward(
        actions=aged_actions(
            session, meeting_store.open_actions(session, pair_id), meeting.starts_at
        ),
        wins=tuple(WinBrief(win.text, win.created_at) for win, _goal in wins),
        goals_due=tuple(due),
        open_goals=tuple(goals),
        since=since,
        milestones_due=milestones_due(session, pair_id, horizon)[:MAX_LISTED],
        today=local_date(meeting.starts_at, zone),
        commitments=open_commitments_in(session, pair_id)[:MAX_LISTED],
    )


# What a post changes


def apply_post_in(session: Session, out: Outgoing) -> None:
    """What a post that reached Slack changes in the pair's records, in the transaction that
    records it sent: an agenda post files the items it listed under its meeting, so the next
    agenda lists only what came after."""
    if out.kind == "agenda" and out.meeting is not None:
        meeting_store.stamp_agenda(session, [item.id for item in out.agenda], out.meeting.id)

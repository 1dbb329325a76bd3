"""The delivery ledger's rules: plan, claim, decide, record. No Slack here.

Every prompt is a ledger row before it is sent, and ends as sent (with Slack's ts), skipped
(with the reason) or failed (with the error). A dispatcher claims due rows atomically, asks
`prepare` what to send (or whether the row is to be skipped: paused, skipped, pair ended, too
late), sends, and records the outcome with `mark_sent` / `retry_later` / `mark_failed`, each
conditional on still holding the claim.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mentoring.meetings.agenda import ActionInfo, AgendaEntry, add_action_in, add_agenda_item_in
from mentoring.meetings.planning import plan_next_meeting
from mentoring.meetings.values import MeetingInfo
from mentoring.milestones import MilestoneInfo, milestones_due
from mentoring.model import Actor, GoalInfo, PairInfo
from mentoring.nudges import NUDGE, NudgeInfo, prepare_nudge_row
from mentoring.reviews.closing import ReviewMessage, open_commitments_in, prepare_review_row
from mentoring.reviews.values import CommitmentInfo
from storage import ledger
from storage import repositories as repo
from storage.db import session_scope
from storage.models import (
    ACTIVE,
    Delivery,
    DispatchBudget,
    Goal,
    Meeting,
    MeetingSchedule,
    Pair,
    Review,
    Win,
)

logger = logging.getLogger("mentorbot.deliveries")

PLAN_BATCH = 200
GOALS_DUE_SOON = timedelta(days=21)
MAX_LISTED = 10
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 5
BUDGET = "workspace"


@dataclass(frozen=True)
class WinBrief:
    text: str
    created_at: datetime


@dataclass(frozen=True)
class CarryForward:
    """What a pair brings into a meeting: open actions, wins since the last one, goals due."""

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
    pair: PairInfo
    meeting: MeetingInfo | None  # for a meeting's prompts
    review: ReviewMessage | None  # for a review's messages
    uncertain: bool
    attempts: int
    carry: CarryForward | None  # what a meeting's prompts carry forward
    agenda: tuple[AgendaEntry, ...] = ()
    attention: str | None = None
    nudge: NudgeInfo | None = None  # for a drift nudge

    redraws_home_of: int | None = None  # see `_redraws_home`


@dataclass(frozen=True)
class Skipped:
    reason: str
    redraws_home_of: int | None = None  # see `_redraws_home`


def _redraws_home(row: Delivery) -> int | None:
    """The pair whose App Home this row changes, sent or skipped: a review's channel post
    (it opens, or is called off) and its summary (it closed and applied what it decided)."""
    review_event = row.review_id is not None and row.audience == "channel"
    return row.pair_id if review_event and row.kind in ("review", "summary") else None


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
                due = ledger.schedules_to_plan(session, now, PLAN_BATCH)
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


# Claiming and deciding


def claim(engine: Engine, now: datetime, worker: str, limit: int) -> list[int]:
    with session_scope(engine) as session:
        return [row.id or 0 for row in ledger.claim_due(session, now, worker, LEASE, limit)]


def prepare(engine: Engine, delivery_id: int, worker: str, now: datetime) -> Outgoing | Skipped:
    """What to send for a claimed row, or why it is skipped (recorded here)."""
    with session_scope(engine) as session:
        row = ledger.get_delivery(session, delivery_id)
        pair = repo.get_pair(session, row.pair_id) if row is not None else None
        assert row is not None and pair is not None
        schedule = ledger.schedule_of(session, row.pair_id)
        meeting = ledger.get_meeting(session, row.meeting_id) if row.meeting_id else None
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
            ledger.finish_claimed(
                session, delivery_id, worker, now, status=ledger.SKIPPED, reason=reason
            )
            logger.info("delivery skipped", extra={"delivery": delivery_id, "reason": reason})
            return Skipped(reason, _redraws_home(row))
        carry = None
        if meeting is not None and row.kind != "attention":
            carry = _carry_forward(session, pair, meeting, now)
        agenda: tuple[AgendaEntry, ...] = ()
        if row.kind == "agenda":
            agenda = tuple(
                AgendaEntry.of(item) for item in ledger.open_agenda(session, pair.id or 0)
            )
        recipient, tz = _recipient(row, pair, schedule)
        return Outgoing(
            delivery_id=delivery_id,
            key=str(delivery_id),
            subject=row.subject,
            kind=row.kind,
            audience=row.audience,
            recipient=recipient,
            recipient_tz=tz,
            pair=PairInfo.of(pair),
            meeting=MeetingInfo.of(meeting) if meeting is not None else None,
            review=review,
            uncertain=row.uncertain,
            attempts=row.attempts,
            carry=carry,
            agenda=agenda,
            attention=row.reason if row.kind == "attention" else None,
            nudge=nudge,
            redraws_home_of=_redraws_home(row),
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


def _carry_forward(session: Session, pair: Pair, meeting: Meeting, now: datetime) -> CarryForward:
    previous = ledger.previous_meeting(session, pair.id or 0, meeting.starts_at)
    since = previous.starts_at if previous is not None else pair.created_at
    wins = session.exec(
        select(Win)
        .where(Win.pair_id == pair.id, col(Win.created_at) >= since)
        .order_by(col(Win.created_at).desc())
        .limit(MAX_LISTED)
    ).all()
    horizon = (meeting.starts_at + GOALS_DUE_SOON).date()
    goals = [
        GoalInfo.of(goal)
        for goal in session.exec(
            select(Goal)
            .where(Goal.pair_id == pair.id, Goal.status == "open")
            .order_by(col(Goal.number))
            .limit(MAX_LISTED)
        ).all()
    ]
    due = sorted((g for g in goals if g.due_on and g.due_on <= horizon), key=lambda g: g.due_on)
    return CarryForward(
        actions=tuple(ActionInfo.of(item) for item in ledger.open_actions(session, pair.id or 0)),
        wins=tuple(WinBrief(win.text, win.created_at) for win in wins),
        goals_due=tuple(due),
        open_goals=tuple(goals),
        since=since,
        milestones_due=milestones_due(session, pair.id or 0, horizon)[:MAX_LISTED],
        today=meeting.local_date,
        commitments=open_commitments_in(session, pair.id or 0)[:MAX_LISTED],
    )


# The workspace budget


def take_budget(engine: Engine, wanted: int, per_minute: int, wall: float) -> int:
    """Take up to `wanted` posts from the workspace's budget; returns how many were granted.

    One token bucket for all processes. It holds at most half a second's worth (at least 1)
    and refills at the rate that leaves room for that burst, so no 60-second window — Slack
    counts a sliding minute — ever carries more than `per_minute` posts.
    """
    capacity = max(1.0, per_minute / 120.0)
    rate = max(per_minute - capacity, 1.0) / 60.0
    while True:
        try:
            with session_scope(engine) as session:
                row = ledger.budget_row(session, BUDGET)
                if row is None:
                    row = DispatchBudget(name=BUDGET, tokens=capacity, refilled_at=wall)
                    with session.begin_nested():
                        session.add(row)
                elapsed = max(0.0, wall - row.refilled_at)
                tokens = min(capacity, row.tokens + elapsed * rate)
                granted = min(wanted, int(tokens))
                row.tokens = tokens - granted
                row.refilled_at = max(row.refilled_at, wall)
                session.add(row)
                return granted
        except IntegrityError:
            continue  # another process created the row first: take from theirs


# Recording outcomes


def mark_sent(
    engine: Engine,
    out: Outgoing,
    worker: str,
    channel: str,
    ts: str,
    now: datetime,
) -> bool:
    """Record the post; an agenda post also files the items it listed under its meeting.
    A successful post to the pair's channel clears a channel problem noted earlier."""
    with session_scope(engine) as session:
        recorded = ledger.finish_claimed(
            session,
            out.delivery_id,
            worker,
            now,
            status=ledger.SENT,
            channel=channel,
            ts=ts,
            attempts=out.attempts + 1,
            uncertain=False,
        )
        if recorded and out.kind == "agenda" and out.meeting is not None:
            ledger.stamp_agenda(session, [item.id for item in out.agenda], out.meeting.id)
        if recorded and out.audience == "channel":
            pair = repo.get_pair(session, out.pair.id)
            if pair is not None and pair.attention is not None:
                pair.attention = None
                session.add(pair)
        return recorded


def retry_later(
    engine: Engine,
    out: Outgoing,
    worker: str,
    now: datetime,
    *,
    wait: timedelta,
    error: str,
    uncertain: bool,
    counts: bool = True,
) -> str:
    """Put the row back for a later attempt, or fail it after MAX_ATTEMPTS. `uncertain`: the
    message may have gone out (a 5xx, a timeout), so the next attempt looks for it first."""
    attempts = out.attempts + (1 if counts else 0)
    with session_scope(engine) as session:
        if attempts >= MAX_ATTEMPTS:
            ledger.finish_claimed(
                session,
                out.delivery_id,
                worker,
                now,
                status=ledger.FAILED,
                attempts=attempts,
                reason=f"{error} after {attempts} attempts",
            )
            return ledger.FAILED
        ledger.finish_claimed(
            session,
            out.delivery_id,
            worker,
            now,
            status=ledger.PLANNED,
            next_at=now + wait,
            attempts=attempts,
            uncertain=uncertain or out.uncertain,
            reason=error,
        )
        return ledger.PLANNED


def mark_failed(
    engine: Engine, out: Outgoing, worker: str, now: datetime, error: str, *, warn: bool = True
) -> bool:
    """A permanent Slack error: fail the row and (`warn`), the first time the pair is
    unreachable this way, plan a DM to each member who can still be reached — through the
    ledger too, so each is sent once (never for a nudge, which is private). Returns True when
    the pair newly needs attention."""
    with session_scope(engine) as session:
        ledger.finish_claimed(
            session,
            out.delivery_id,
            worker,
            now,
            status=ledger.FAILED,
            attempts=out.attempts + 1,
            reason=error,
        )
        if out.kind in ("attention", NUDGE) or not warn:
            return False  # a nudge is the mentee's private business: nobody else is told
        pair = repo.get_pair(session, out.pair.id)
        if pair is None or pair.status != ACTIVE or pair.attention is not None:
            return False
        pair.attention = error[:64]
        session.add(pair)
        unreachable = out.recipient if out.audience != "channel" else None
        for audience, user in (("mentor", pair.mentor_id), ("mentee", pair.mentee_id)):
            if user == unreachable:
                continue
            notice = ledger.new_delivery(
                pair_id=pair.id or 0,
                subject=out.subject,
                meeting_id=out.meeting.id if out.meeting else None,
                review_id=out.review.review.id if out.review else None,
                kind="attention",
                audience=audience,
                due_at=now,
                expires_at=now + timedelta(days=2),
                now=now,
                reason=f"{out.kind} to {out.audience}: {error}",
            )
            try:
                with session.begin_nested():
                    session.add(notice)
            except IntegrityError:
                continue  # this meeting already warned this member
        return True


def release(engine: Engine, out: Outgoing, worker: str, now: datetime) -> None:
    """Hand a claimed row back untouched (the dispatcher is stopping)."""
    with session_scope(engine) as session:
        ledger.finish_claimed(
            session, out.delivery_id, worker, now, status=ledger.PLANNED, next_at=now
        )


# Replies that become agenda or action items


@dataclass(frozen=True)
class ReplyFiled:
    kind: str  # "agenda" or "action"
    pair: PairInfo
    by: str
    text: str
    meeting: MeetingInfo | None
    number: int | None = None


def reply_to_prompt_in(
    session: Session, actor: Actor, channel: str, thread_ts: str | None, text: str, now: datetime
) -> ReplyFiled | None:
    """A DM reply to a prompt becomes an agenda item: any reply in the prompt's thread, or the
    first plain DM after it while its window is open. None when the DM answers no prompt."""
    row = (
        ledger.sent_prompt_at(session, channel, thread_ts)
        if thread_ts
        else ledger.open_prompt_for(session, channel, now)
    )
    if row is None or row.kind != "prompt":
        return None
    pair = _replied_pair(session, row, actor)
    if pair is None:
        return None
    if thread_ts is None:
        row.reply_taken = True
        session.add(row)
    added = add_agenda_item_in(session, actor, pair, text, "dm", now)
    return ReplyFiled("agenda", added.pair, actor.user_id, added.item.text, added.meeting)


def reply_to_followup_in(
    session: Session, actor: Actor, channel: str, thread_ts: str, text: str, now: datetime
) -> ReplyFiled | None:
    """A member's reply in the thread of the "what will you act on?" post becomes their own
    action item. Replies from anyone else, or to other messages, are ignored."""
    row = ledger.sent_prompt_at(session, channel, thread_ts)
    if row is None or row.kind != "followup":
        return None
    pair = _replied_pair(session, row, actor)
    if pair is None:
        return None
    added = add_action_in(session, actor, pair, text, actor.user_id, now)
    return ReplyFiled(
        "action", added.pair, actor.user_id, added.action.text, None, added.action.number
    )


def _replied_pair(session: Session, prompt: Delivery, actor: Actor) -> Pair | None:
    """The prompt's pair, when it is active and the person replying is one of its members."""
    pair = repo.get_pair(session, prompt.pair_id)
    if pair is None or pair.status != ACTIVE:
        return None
    return pair if actor.user_id in (pair.mentor_id, pair.mentee_id) else None


# The ledger, for people


@dataclass(frozen=True)
class LedgerLine:
    id: int
    pair_id: int
    about: str  # "meeting #3 2026-11-24 14:00Z", "review #2"
    kind: str
    audience: str
    due_at: datetime
    status: str
    attempts: int
    detail: str


def ledger_lines(engine: Engine, pair_id: int | None, limit: int) -> list[LedgerLine]:
    with session_scope(engine) as session:
        rows = ledger.listing(session, pair_id, limit)
        meeting_ids = {row.meeting_id for row in rows if row.meeting_id is not None}
        review_ids = {row.review_id for row in rows if row.review_id is not None}
        meetings = {
            meeting.id: f"meeting #{meeting.number} {meeting.starts_at:%Y-%m-%d %H:%M}Z"
            for meeting in session.exec(
                select(Meeting).where(col(Meeting.id).in_(meeting_ids))
            ).all()
        }
        reviews = {
            review.id: f"review #{review.number}"
            for review in session.exec(select(Review).where(col(Review.id).in_(review_ids))).all()
        }
        lines = []
        for row in rows:
            about = meetings.get(row.meeting_id) or reviews.get(row.review_id) or row.subject
            detail = row.ts if row.status == ledger.SENT else (row.reason or "")
            if row.status == ledger.SENT and row.channel:
                detail = f"ts {row.ts} in {row.channel}"
            lines.append(
                LedgerLine(
                    row.id or 0,
                    row.pair_id,
                    about,
                    row.kind,
                    row.audience,
                    row.due_at,
                    row.status,
                    row.attempts,
                    detail or "",
                )
            )
        return lines

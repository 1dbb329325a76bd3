"""What became of a claimed row, recorded only while this worker still holds its claim.

`mark_sent` (with Slack's channel and ts), `retry_later` (back to planned after a wait, or failed
after MAX_ATTEMPTS), `mark_failed` (a permanent error: the pair's members are told by DM, once,
through the ledger too) and `release` (handed back untouched when the dispatcher stops).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from mentoring.digest import DIGEST
from mentoring.nudges import NUDGE
from mentoring.prompts import Outgoing, apply_post_in
from storage import ledger
from storage import repositories as repo
from storage.db import session_scope
from storage.models import ACTIVE

MAX_ATTEMPTS = 5


def mark_sent(
    engine: Engine,
    out: Outgoing,
    worker: str,
    channel: str,
    ts: str,
    now: datetime,
) -> bool:
    """Record the post, and what it changes in the pair's records (mentoring.prompts) in the
    same transaction. A post that reached the pair's channel clears a channel problem noted
    earlier (`mark_failed`). False when the claim was lost meanwhile: nothing is recorded."""
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
        if not recorded:
            return False
        apply_post_in(session, out)
        if out.audience == "channel":
            repo.clear_attention(session, out.pair.id)
        return True


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
        if out.kind in ("attention", NUDGE, DIGEST) or not warn:
            return False  # a nudge is the mentee's private business; a digest is no pair's
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


def release(engine: Engine, delivery_ids: Sequence[int], worker: str, now: datetime) -> int:
    """Hand claimed rows back untouched, due again at once (the dispatcher is stopping): the
    next pass, here or in another process, claims them without waiting for the lease. Rows
    whose claim this worker lost meanwhile are left alone. Returns how many were handed back."""
    if not delivery_ids:
        return 0
    with session_scope(engine) as session:
        return sum(
            ledger.finish_claimed(
                session, delivery_id, worker, now, status=ledger.PLANNED, next_at=now
            )
            for delivery_id in delivery_ids
        )

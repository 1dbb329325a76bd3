"""Queries over the delivery ledger and the workspace budget. They never commit.

Claims are atomic on both engines: on PostgreSQL the candidate rows are locked with
`FOR UPDATE SKIP LOCKED`, so concurrent dispatchers take disjoint rows without waiting on each
other; on SQLite every transaction starts with BEGIN IMMEDIATE (storage.db), so claims are
serialised by the database lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import case, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import Delivery, DispatchBudget

PLANNED, SENDING, SENT, SKIPPED, FAILED = "planned", "sending", "sent", "skipped", "failed"
CLAIMABLE = (PLANNED, SENDING)
REASON_CHARS = 200  # Delivery.reason's length


def meeting_subject(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def review_subject(review_id: int) -> str:
    return f"review:{review_id}"


def nudge_subject(user_id: str, week: str) -> str:
    """One nudge per person per ISO week (`2026-W48`), whichever of their pairs it is about."""
    return f"nudge:{user_id}:{week}"


def new_delivery(
    *,
    pair_id: int | None,
    subject: str,
    kind: str,
    audience: str,
    due_at: datetime,
    expires_at: datetime,
    now: datetime,
    meeting_id: int | None = None,
    review_id: int | None = None,
    reason: str | None = None,
) -> Delivery:
    """A planned row, claimable from `due_at`; (subject, kind, audience) is its unique key."""
    return Delivery(
        pair_id=pair_id,
        subject=subject,
        meeting_id=meeting_id,
        review_id=review_id,
        kind=kind,
        audience=audience,
        due_at=due_at,
        next_at=due_at,
        expires_at=expires_at,
        reason=reason,
        updated_at=now,
    )


def add_new_only(session: Session, rows: Sequence[Delivery]) -> int:
    """Insert planned rows in one statement (per thousand rows), leaving out any whose
    (subject, kind, audience) is already taken (ON CONFLICT DO NOTHING): an earlier scan or
    another process may have planned it. Returns how many were added."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Delivery.__table__
    statement = insert(table).on_conflict_do_nothing().returning(table.c.id)
    added = session.execute(statement, [row.model_dump(exclude={"id"}) for row in rows])
    return len(added.all())


def end_planned_of_pair(
    session: Session, pair_id: int, kind: str, status: str, reason: str, now: datetime
) -> int:
    """Close the pair's rows of one kind that have not been claimed yet; returns how many."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.pair_id == pair_id, Delivery.kind == kind, Delivery.status == PLANNED)
        .values(status=status, reason=reason, updated_at=now)
    )
    return result.rowcount


def deliveries_of_meeting(session: Session, meeting_id: int) -> Sequence[Delivery]:
    statement = select(Delivery).where(Delivery.meeting_id == meeting_id).order_by(Delivery.id)
    return session.exec(statement).all()


def end_planned(session: Session, meeting_id: int, status: str, reason: str, now: datetime) -> int:
    """Close the meeting's deliveries that have not been claimed yet; returns how many."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.meeting_id == meeting_id, Delivery.status == PLANNED)
        .values(status=status, reason=reason, updated_at=now)
    )
    return result.rowcount


def reopen_skipped(session: Session, meeting_id: int, reason: str, now: datetime) -> int:
    """Undo `end_planned(..., SKIPPED, reason)` for rows still worth sending."""
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.meeting_id == meeting_id,
            Delivery.status == SKIPPED,
            Delivery.reason == reason,
            col(Delivery.expires_at) > now,
        )
        .values(status=PLANNED, reason=None, updated_at=now)
    )
    return result.rowcount


def claim_due(
    session: Session, now: datetime, worker: str, lease: timedelta, limit: int
) -> Sequence[Delivery]:
    """Claim up to `limit` rows that are due, or whose previous claim's lease ran out.

    A row taken over from an expired lease is marked `uncertain`: its first claimant may have
    posted it before stopping.
    """
    candidates = (
        select(Delivery.id)
        .where(col(Delivery.status).in_(CLAIMABLE), col(Delivery.next_at) <= now)
        .order_by(col(Delivery.next_at), col(Delivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.exec(candidates).all())
    if not ids:
        return []
    session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(ids), col(Delivery.status).in_(CLAIMABLE))
        .values(
            uncertain=case((Delivery.status == SENDING, True), else_=Delivery.uncertain),
            status=SENDING,
            claimed_by=worker,
            next_at=now + lease,
            updated_at=now,
        )
    )
    statement = select(Delivery).where(col(Delivery.id).in_(ids), Delivery.claimed_by == worker)
    return session.exec(statement.order_by(col(Delivery.next_at), col(Delivery.id))).all()


def finish_claimed(
    session: Session, delivery_id: int, worker: str, now: datetime, **values: object
) -> bool:
    """Record the outcome of this worker's claim; False when the claim was lost meanwhile.
    A reason longer than its column is cut (PostgreSQL enforces VARCHAR lengths)."""
    if isinstance(values.get("reason"), str):
        values["reason"] = str(values["reason"])[:REASON_CHARS]
    table = Delivery.__table__.c  # type: ignore[attr-defined]
    # On the table, not the model: an ORM update would also search the session for the
    # row to keep it in step, which costs a post about a fifth of its time in a burst.
    result = session.execute(
        update(Delivery.__table__)
        .where(table.id == delivery_id, table.status == SENDING, table.claimed_by == worker)
        .values(updated_at=now, **values)
    )
    return result.rowcount == 1


def get_delivery(session: Session, delivery_id: int) -> Delivery | None:
    return session.get(Delivery, delivery_id)


def sent_prompt_at(session: Session, channel: str, ts: str) -> Delivery | None:
    """The sent prompt that is the message `ts` in `channel` (a reply's thread parent)."""
    statement = select(Delivery).where(
        Delivery.channel == channel, Delivery.ts == ts, Delivery.status == SENT
    )
    return session.exec(statement).first()


def open_prompt_for(session: Session, channel: str, now: datetime) -> Delivery | None:
    """The latest prompt DM sent in `channel` whose window is open and whose first plain reply
    has not been taken yet."""
    statement = (
        select(Delivery)
        .where(
            Delivery.channel == channel,
            Delivery.kind == "prompt",
            Delivery.status == SENT,
            col(Delivery.reply_taken).is_(False),
            col(Delivery.expires_at) > now,
        )
        .order_by(col(Delivery.due_at).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def listing(session: Session, pair_id: int | None, limit: int) -> Sequence[Delivery]:
    statement = select(Delivery)
    if pair_id is not None:
        statement = statement.where(Delivery.pair_id == pair_id)
    statement = statement.order_by(col(Delivery.due_at).desc(), col(Delivery.id).desc())
    return session.exec(statement.limit(limit)).all()


def budget_row(session: Session, name: str) -> DispatchBudget | None:
    """The budget row, locked until the transaction ends (SQLite: by BEGIN IMMEDIATE)."""
    statement = select(DispatchBudget).where(DispatchBudget.name == name).with_for_update()
    return session.exec(statement).first()


def next_due_after(session: Session, now: datetime) -> datetime | None:
    """When the next planned row falls due after `now` (None: nothing is planned)."""
    statement = (
        select(Delivery.next_at)
        .where(Delivery.status == PLANNED, col(Delivery.next_at) > now)
        .order_by(col(Delivery.next_at))
        .limit(1)
    )
    return session.exec(statement).first()

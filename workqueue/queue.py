"""The work table's life cycle: store, claim with a lease, finish, release, and report.
On SQLite the serving process stores into a spool the claims take in (storage.spool)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from storage import spool
from storage.db import read_scope, session_scope
from storage.models import Work, WorkStep

WAITING, CLAIMED, DONE, FAILED = "waiting", "claimed", "done", "failed"
CLAIMABLE = (WAITING, CLAIMED)
LEASE = timedelta(minutes=2)  # a task that takes longer may be taken by another worker
MAX_ATTEMPTS = 5  # claims before a task is set aside as poison
REASON_CHARS = 200
RETENTION = timedelta(days=7)  # finished work holds what people typed: kept a week


@dataclass(frozen=True)
class Claimed:
    """A piece of work, claimed: what to run, and how often it has been claimed before."""

    id: int
    flow: str
    payload: str
    received_at: datetime
    attempts: int  # this claim included


def enqueue(
    engine: Engine, flow: str, payload: str, now: datetime, key: str | None = None
) -> int | None:
    """Store a piece of work; its id, or None when work with the same `key` is stored already."""
    with session_scope(engine) as session:
        row = Work(flow=flow, payload=payload, key=key, received_at=now, next_at=now)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            return None
        return row.id


def claim(
    engine: Engine,
    worker: str,
    now: datetime,
    limit: int,
    *,
    only: int | None = None,
    lease: timedelta = LEASE,
    running: Sequence[int] = (),
) -> list[Claimed]:
    """Claim up to `limit` pieces of work that wait, or whose previous claim's lease ran out
    (`only`: that one alone), never one of `running`, the work the claiming worker is still
    running (its lease may have run out while the worker was kept from renewing it). One that
    was claimed MAX_ATTEMPTS times already is failed as poison instead, so that a task that
    kills its worker cannot loop. On SQLite, the work the serving process stored in its spool
    is taken in first."""
    with session_scope(engine) as session:
        spool.take_in(session)
        query = select(Work.id).where(col(Work.status).in_(CLAIMABLE), col(Work.next_at) <= now)
        if only is not None:
            query = query.where(Work.id == only)
        if running:
            query = query.where(col(Work.id).not_in(list(running)))
        ids = list(
            session.exec(
                query.order_by(col(Work.next_at), col(Work.id))
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
        )
        if not ids:
            return []
        session.execute(
            update(Work)
            .where(col(Work.id).in_(ids), col(Work.attempts) >= MAX_ATTEMPTS)
            .values(
                status=FAILED,
                reason=f"its worker stopped {MAX_ATTEMPTS} times while running it",
                finished_at=now,
            )
        )
        session.execute(
            update(Work)
            .where(col(Work.id).in_(ids), col(Work.status).in_(CLAIMABLE))
            .values(
                status=CLAIMED,
                claimed_by=worker,
                claimed_at=now,
                next_at=now + lease,
                attempts=Work.attempts + 1,
            )
        )
        rows = session.exec(
            select(Work).where(
                col(Work.id).in_(ids), Work.claimed_by == worker, Work.status == CLAIMED
            )
        ).all()
        return [Claimed(r.id or 0, r.flow, r.payload, r.received_at, r.attempts) for r in rows]


def finish(
    engine: Engine, work_id: int, worker: str, now: datetime, reason: str | None = None
) -> bool:
    """Done (no reason) or failed for good (the reason), if `worker` still holds the claim."""
    status = DONE if reason is None else FAILED
    with session_scope(engine) as session:
        result = session.execute(
            update(Work)
            .where(Work.id == work_id, Work.claimed_by == worker, Work.status == CLAIMED)
            .values(status=status, reason=reason and reason[:REASON_CHARS], finished_at=now)
        )
        return bool(result.rowcount)


def extend(
    engine: Engine, work_ids: Sequence[int], worker: str, now: datetime, lease: timedelta = LEASE
) -> int:
    """Renew the claims `worker` still holds on `work_ids` (work still running) until
    `now + lease`, so that no other worker — nor this one — takes them while they run.
    How many it renewed."""
    if not work_ids:
        return 0
    with session_scope(engine) as session:
        result = session.execute(
            update(Work)
            .where(col(Work.id).in_(work_ids), Work.claimed_by == worker, Work.status == CLAIMED)
            .values(next_at=now + lease)
        )
        return int(result.rowcount)


def release(engine: Engine, work_ids: Sequence[int], worker: str, now: datetime) -> int:
    """Hand claimed work back (a worker stopping before it started them): waiting, due now,
    the claim not counted."""
    if not work_ids:
        return 0
    with session_scope(engine) as session:
        result = session.execute(
            update(Work)
            .where(col(Work.id).in_(work_ids), Work.claimed_by == worker, Work.status == CLAIMED)
            .values(status=WAITING, next_at=now, claimed_by=None, attempts=Work.attempts - 1)
        )
        return int(result.rowcount)


@dataclass(frozen=True)
class Backlog:
    """What health checks need: work that could be claimed now (and the earliest time any of
    it fell due), the latest claim, and what was set aside as failed."""

    waiting: int
    oldest_due_at: datetime | None
    last_claim_at: datetime | None
    failed: int


def backlog(engine: Engine, now: datetime) -> Backlog:
    with read_scope(engine) as session:
        waiting, oldest = session.exec(
            select(func.count(), func.min(Work.next_at)).where(
                col(Work.status).in_(CLAIMABLE), col(Work.next_at) <= now
            )
        ).one()
        last = session.exec(select(func.max(Work.claimed_at))).one()
        failed = session.exec(select(func.count()).where(Work.status == FAILED)).one()
    spooled, spooled_since = spool.waiting(engine)
    earliest = min((due for due in (oldest, spooled_since) if due is not None), default=None)
    return Backlog(int(waiting) + spooled, earliest, last, int(failed))


def status_of(engine: Engine, work_id: int) -> tuple[str, str | None] | None:
    with read_scope(engine) as session:
        row = session.get(Work, work_id)
        return None if row is None else (row.status, row.reason)


def prune(engine: Engine, now: datetime) -> int:
    """Delete work finished more than RETENTION ago, with its recorded steps."""
    with session_scope(engine) as session:
        old = select(Work.id).where(
            col(Work.status).in_((DONE, FAILED)), col(Work.finished_at) < now - RETENTION
        )
        ids = list(session.exec(old).all())
        if not ids:
            return 0
        session.execute(delete(WorkStep).where(col(WorkStep.work_id).in_(ids)))
        session.execute(delete(Work).where(col(Work.id).in_(ids)))
        return len(ids)

"""Claims: due ledger rows taken atomically by one worker, under a lease.

A claimed row is `sending` and held by its worker until `next_at` (now + LEASE); the outcome is
recorded only while the claim still holds (outbox.outcomes). A row whose worker stopped without
recording anything is claimed again once its lease has run out, marked uncertain: it may have
been posted, so the next attempt looks for it first (outbox.recovery).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine

from storage import ledger
from storage.db import session_scope

LEASE = timedelta(minutes=10)


def claim(engine: Engine, now: datetime, worker: str, limit: int) -> list[int]:
    """Claim up to `limit` due rows for `worker`; their ids, in the order they fell due."""
    with session_scope(engine) as session:
        return [row.id or 0 for row in ledger.claim_due(session, now, worker, LEASE, limit)]

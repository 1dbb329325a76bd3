"""The delivery ledger for operators (`python -m bot deliveries`): each scheduled message,
what it was about, and what became of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import col, select

from storage import ledger
from storage.db import session_scope
from storage.models import Meeting, Review


@dataclass(frozen=True)
class LedgerLine:
    id: int
    pair_id: int | None
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

"""When a pair's next periodic review is due."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session


def next_review_at(session: Session, pair_id: int, now: datetime) -> datetime | None:
    """The start of the pair's next review after `now`, or None when none is planned. Reviews
    are not stored yet, so no pair has one."""
    return None

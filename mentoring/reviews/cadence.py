"""How often a pair reviews, and when its next review falls due.

Every few weeks (4 unless the pair chooses otherwise, or off), counted from the opening of
the last review held (or from the pairing); the review opens an hour after the meeting that
falls due. Changing the cadence re-plans: `mentoring.reviews.planning.set_review_cadence`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from mentoring.errors import InvalidInput
from storage import reviews as store
from storage.models import Meeting, Pair

DEFAULT_EVERY_WEEKS = 4
MAX_EVERY_WEEKS = 26
AFTER_MEETING = timedelta(hours=1)
EARLY = timedelta(days=1)  # a meeting this close to the cadence's date carries the review


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


def every_weeks_of(session: Session, pair_id: int) -> int | None:
    """How many weeks apart the pair reviews (None: reviews are off)."""
    row = store.cadence_of(session, pair_id)
    return DEFAULT_EVERY_WEEKS if row is None else row.every_weeks


def comes_round(session: Session, pair: Pair, meeting: Meeting) -> bool:
    """Whether the pair's cadence has come round by the hour after `meeting`, counted from the
    opening of its last review that was held (or from the pairing)."""
    every = every_weeks_of(session, pair.id or 0)
    if every is None:
        return False
    closed = store.closed_reviews(session, pair.id or 0, 1)
    since = closed[0].opens_at if closed else pair.created_at
    return meeting.starts_at + AFTER_MEETING >= since + timedelta(weeks=every) - EARLY


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

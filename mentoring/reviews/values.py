"""A review and a commitment as the rules hand them back, shared by every part of reviews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.models import Commitment, Review


@dataclass(frozen=True)
class ReviewInfo:
    id: int
    pair_id: int
    number: int
    opens_at: datetime
    closes_at: datetime
    status: str
    closed_at: datetime | None
    close_reason: str | None

    @classmethod
    def of(cls, review: Review) -> ReviewInfo:
        assert review.id is not None
        return cls(
            review.id,
            review.pair_id,
            review.number,
            review.opens_at,
            review.closes_at,
            review.status,
            review.closed_at,
            review.close_reason,
        )


@dataclass(frozen=True)
class CommitmentInfo:
    id: int
    owner_id: str
    kind: str
    text: str
    outcome: str | None

    @classmethod
    def of(cls, commitment: Commitment) -> CommitmentInfo:
        assert commitment.id is not None
        return cls(
            commitment.id,
            commitment.owner_id,
            commitment.kind,
            commitment.text,
            commitment.outcome,
        )

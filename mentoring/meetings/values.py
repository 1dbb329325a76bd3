"""Values every part of meetings shares: a meeting, and when its prompts go out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mentoring.model import Outcome
from storage.models import Meeting


@dataclass(frozen=True)
class Offsets:
    dm_before: timedelta
    agenda_before: timedelta
    followup_after: timedelta


DEFAULT_OFFSETS = Offsets(timedelta(hours=24), timedelta(hours=1), timedelta(hours=2))


@dataclass(frozen=True)
class MeetingInfo(Outcome):
    id: int
    number: int
    local_date: date
    starts_at: datetime
    status: str
    pair_id: int

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingInfo:
        assert meeting.id is not None
        return cls(
            meeting.id,
            meeting.number,
            meeting.local_date,
            meeting.starts_at,
            meeting.status,
            meeting.pair_id,
        )

"""Offers to mentor: a person's own, made, edited and withdrawn by them alone.

An offer holds the areas they can help with and what they recently achieved, in their own
words; how many mentees they can take; their Slack time zone; and whether the goals they
achieved and the wins they logged in Mentorbot may be used as evidence of experience. Nobody
can offer on someone else's behalf, and who offered is never listed to anyone: a mentee sees
only the (up to three) mentors suggested for their goal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from mentoring.errors import FieldError, NotAllowed
from mentoring.model import Actor
from storage.db import read_scope, session_scope
from storage.models import MentorOffer

AREAS_MAX = 1000
ACHIEVEMENTS_MAX = 2000
MAX_MENTEES = 5
NOT_YOURS = "That offer isn't one of yours: run `/mentor offer` to make or edit your own."


@dataclass(frozen=True)
class OfferText:
    """What the offer form holds, checked."""

    areas: str
    achievements: str
    capacity: int
    consent: bool


@dataclass(frozen=True)
class OfferInfo:
    user_id: str
    areas: str
    achievements: str
    capacity: int
    tz: str | None
    consent: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: MentorOffer) -> OfferInfo:
        return cls(
            row.user_id,
            row.areas,
            row.achievements,
            row.capacity,
            row.tz,
            row.consent,
            row.created_at,
            row.updated_at,
        )


def read_offer(areas: str, achievements: str, capacity: str, consent: bool) -> OfferText:
    """The form's fields, or a FieldError naming the one to fix."""
    areas, achievements = areas.strip(), achievements.strip()
    if not areas:
        raise FieldError("areas", "Say what you can help with, in your own words.")
    if len(areas) > AREAS_MAX:
        raise FieldError("areas", f"Keep it under {AREAS_MAX:,} characters.")
    if not achievements:
        raise FieldError(
            "achievements",
            "Say what you've recently achieved, with the year: "
            "“gave my first three conference talks in 2025”.",
        )
    if len(achievements) > ACHIEVEMENTS_MAX:
        raise FieldError("achievements", f"Keep it under {ACHIEVEMENTS_MAX:,} characters.")
    if not (capacity.isascii() and capacity.isdigit() and 1 <= int(capacity) <= MAX_MENTEES):
        raise FieldError("capacity", f"Pick how many mentees, from 1 to {MAX_MENTEES}.")
    return OfferText(areas, achievements, int(capacity), consent)


def offer_of(engine: Engine, user_id: str) -> OfferInfo | None:
    """The person's own offer (None: they have not offered)."""
    with read_scope(engine) as session:
        row = session.get(MentorOffer, user_id)
        return None if row is None else OfferInfo.of(row)


def save_offer(
    engine: Engine, actor: Actor, owner: str, text: OfferText, tz: str | None, now: datetime
) -> OfferInfo:
    """Make or edit the actor's offer. `owner` is whose form it was: only they may save it
    (admins included: nobody offers on someone's behalf)."""
    if actor.user_id != owner:
        raise NotAllowed(NOT_YOURS)
    with session_scope(engine) as session:
        row = session.get(MentorOffer, owner)
        if row is None:
            row = MentorOffer(
                user_id=owner,
                areas=text.areas,
                achievements=text.achievements,
                capacity=text.capacity,
                created_at=now,
                updated_at=now,
            )
        row.areas, row.achievements, row.capacity = text.areas, text.achievements, text.capacity
        row.consent, row.tz, row.updated_at = text.consent, tz, now
        session.add(row)
        session.flush()
        return OfferInfo.of(row)


def withdraw_offer(engine: Engine, actor: Actor) -> OfferInfo | None:
    """Withdraw (delete) the actor's offer (None: they had none); requests already made stay
    for them to answer."""
    with session_scope(engine) as session:
        row = session.get(MentorOffer, actor.user_id)
        if row is None:
            return None
        withdrawn = OfferInfo.of(row)
        session.delete(row)
        return withdrawn

"""Whose time zone decides a date ("today", overdue, due soon, a pause's end).

A person's zone is their Slack time zone (`users.info` `tz`). It is read fresh when they act
(`handlers.runtime.Call.zone`: the form they submit, the command they type) and kept on their
pair's meeting schedule (`mentor_tz`, `mentee_tz`) when a schedule is set or shown; that kept
copy serves when nobody is acting (nudges, pre-meeting prompts, review posts, the App Home).
Where the person's zone is unknown, the pair's schedule zone stands in, then UTC.

A post someone asks for is dated by them, even in the pair's channel (`/goal roadmap`: "Roadmap
on <their date>, shared by <them>"). A fact about the pair that the bot posts to both of them
on its own (overdue steps in the agenda post, the roadmap in a review summary) is judged by the
mentee's date: the goals are theirs. A pause (`paused_until`) is a date in the schedule's own
zone, like the meetings it stops.
"""

from __future__ import annotations

from sqlalchemy import Engine

from mentoring.dates import known_zone
from mentoring.model import Role
from storage import meetings as meeting_store
from storage import repositories as repo
from storage.db import read_scope
from storage.models import ACTIVE, MeetingSchedule


def member_zone(schedule: MeetingSchedule | None, role: Role) -> str:
    """The zone of the pair's mentor or mentee as their schedule keeps it, else the schedule's,
    else UTC."""
    if schedule is None:
        return "UTC"
    kept = schedule.mentor_tz if role == Role.MENTOR else schedule.mentee_tz
    return known_zone(kept) or known_zone(schedule.tz) or "UTC"


def pair_zone(schedule: MeetingSchedule | None) -> str:
    """The zone that dates a fact about the pair shown to both: the mentee's."""
    return member_zone(schedule, Role.MENTEE)


def kept_zone(engine: Engine, user_id: str) -> str | None:
    """The person's zone as their newest active pair's schedule keeps it (theirs, else the
    schedule's); None when no pair of theirs has a schedule. For when Slack cannot say."""
    with read_scope(engine) as session:
        pairs = [p for p in repo.pairs_of(session, user_id) if p.status == ACTIVE]
        schedules = meeting_store.schedules_of(session, [p.id for p in pairs if p.id is not None])
        for pair in pairs:
            schedule = schedules.get(pair.id or 0)
            if schedule is not None:
                role = Role.MENTOR if pair.mentor_id == user_id else Role.MENTEE
                return member_zone(schedule, role)
    return None

"""Planning a pair's next meeting and its prompts, from the schedule stored for the pair.

Meetings are planned one at a time: setting a cadence plans the first meeting, and the
dispatcher plans each following one when the previous one starts. A meeting's prompts are
rows in the delivery ledger: a DM to each member and the agenda post before it, the follow-up
in the channel after it. Each is due at the schedule's offset and worth sending only until its
window closes (the catch-up rule, `prompt_times`).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlmodel import Session

from mentoring.meetings.cadence import Cadence, Rule, weekly
from mentoring.meetings.values import MeetingInfo, Offsets
from mentoring.reviews.planning import plan_review_for_meeting
from storage import ledger
from storage import meetings as meeting_store
from storage.models import ACTIVE, Meeting, MeetingSchedule, Pair

FOLLOWUP_WINDOW = timedelta(hours=24)


def cadence_of(schedule: MeetingSchedule) -> Cadence:
    """The stored cadence; a schedule set before the rule was stored (revision 0005) is weekly,
    every `interval_weeks` weeks on `weekday`."""
    hour, minute = (int(part) for part in schedule.at_time.split(":"))
    rule = (
        Rule.from_rrule(schedule.rule)
        if schedule.rule
        else weekly(schedule.interval_weeks, schedule.weekday)
    )
    return Cadence(rule, time(hour, minute), schedule.tz, schedule.anchor)


def offsets_of(schedule: MeetingSchedule) -> Offsets:
    return Offsets(
        timedelta(minutes=schedule.dm_before_minutes),
        timedelta(minutes=schedule.agenda_before_minutes),
        timedelta(minutes=schedule.followup_after_minutes),
    )


def next_held_meeting(session: Session, pair_id: int, now: datetime) -> MeetingInfo | None:
    """The pair's next meeting that will take place: the next planned one, or, when that one
    is skipped, the one after it — planned already, or when the schedule puts it (id 0: not
    planned yet). None without a schedule. Agenda items wait for this one."""
    meeting = meeting_store.next_meeting(session, pair_id, now)
    if meeting is None or meeting.status != "skipped":
        return MeetingInfo.of(meeting) if meeting is not None else None
    held = meeting_store.next_meeting(session, pair_id, meeting.starts_at)
    if held is not None and held.status != "skipped":
        return MeetingInfo.of(held)
    schedule = meeting_store.schedule_of(session, pair_id)
    if schedule is None or not schedule.active:
        return None
    ((day, start),) = cadence_of(schedule).upcoming((held or meeting).starts_at, 1)
    return MeetingInfo(0, 0, day, start, "scheduled", pair_id)


def plan_next_meeting(
    session: Session, schedule: MeetingSchedule, after: datetime, now: datetime
) -> Meeting:
    """Plan the first meeting after `after` and its prompts; the schedule row must be locked
    (or new) in this transaction. The unique meeting number stops a second planner. When the
    pair's review cadence has come round, the review after this meeting is planned too."""
    cadence = cadence_of(schedule)
    day, start = cadence.next_after(after)
    schedule.meeting_seq += 1
    meeting = Meeting(
        pair_id=schedule.pair_id,
        number=schedule.meeting_seq,
        local_date=day,
        starts_at=start,
        created_at=now,
    )
    session.add(meeting)
    session.flush()
    offsets = offsets_of(schedule)
    for kind, audience in PROMPTS:
        due, expires = prompt_times(kind, start, offsets)
        session.add(
            ledger.new_delivery(
                pair_id=schedule.pair_id,
                subject=ledger.meeting_subject(meeting.id or 0),
                meeting_id=meeting.id,
                kind=kind,
                audience=audience,
                due_at=due,
                expires_at=expires,
                now=now,
            )
        )
    schedule.next_plan_at = start
    session.add(schedule)
    pair = session.get(Pair, schedule.pair_id)
    if pair is not None and pair.status == ACTIVE:
        plan_review_for_meeting(session, pair, meeting, now)
    return meeting


PROMPTS = (
    ("prompt", "mentor"),
    ("prompt", "mentee"),
    ("agenda", "channel"),
    ("followup", "channel"),
)


def prompt_times(kind: str, start: datetime, offsets: Offsets) -> tuple[datetime, datetime]:
    """When a prompt is due, and until when it is still worth sending (the catch-up rule):
    DMs and the agenda until the meeting starts, the follow-up for a day after it is due."""
    if kind == "prompt":
        return start - offsets.dm_before, start
    if kind == "agenda":
        return start - offsets.agenda_before, start
    due = start + offsets.followup_after
    return due, due + FOLLOWUP_WINDOW

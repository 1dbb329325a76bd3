"""The programme as its coordinators see it: how many pairs are active, paused and ended;
meetings held against planned; reviews completed on time; goals achieved; and the pairs at
risk of drift, each with the signals that fired, since when, and one suggested action.

Coordinators see activity, never content: everything here is a count, a date, a signal's
name or a person's id — no goal, win, note, agenda, review or commitment text is read (the
queries in storage.programme select none). A pair's members can see exactly what coordinators
see about their pair (`pair_visibility`): it is the same computation, narrowed to that pair.

`programme` costs a fixed number of statements however many pairs there are: each query is
grouped in the database over every pair at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import Session

from mentoring.errors import NotAllowed
from mentoring.model import Actor, PairInfo, Target
from mentoring.pairs import resolve_pair
from mentoring.reviews.closing import CLOSED_BOTH
from storage import programme as store
from storage.db import read_scope
from storage.models import ACTIVE, AgendaItem, Win

WINDOWS = (30, 90)  # days: meetings held against planned over each
RECENT_DAYS = 90  # reviews closed and goals achieved over this many days
DRIFT_AFTER = timedelta(days=21)  # a signal fires after this long
NOT_A_COORDINATOR = (
    "Only programme coordinators see the programme (whoever runs Mentorbot names them in "
    "`MENTORBOT_COORDINATORS`). `/mentor visibility` shows what they see about your own "
    "mentorship."
)


class Status(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class RiskSignal(StrEnum):
    """A sign of drift, in the order a pair's suggested action is chosen."""

    NO_MEETING = "no meeting held"
    REVIEW_UNANSWERED = "review unanswered"
    NO_AGENDA = "nothing on the agenda"
    NO_WIN = "no win"


SUGGESTIONS = {
    RiskSignal.NO_MEETING: "Check in with both: does their meeting time still work, or would "
    "a pause (`/mentor pause until …`) be more honest?",
    RiskSignal.REVIEW_UNANSWERED: "Remind both that their review is waiting; `/review now` "
    "starts a fresh one if it has closed.",
    RiskSignal.NO_AGENDA: "Suggest the mentee bring one question to the next session "
    "(`/agenda add …`).",
    RiskSignal.NO_WIN: "Ask the mentee for one small thing that went well lately (`/win …`).",
}


@dataclass(frozen=True)
class Fired:
    signal: RiskSignal
    since: datetime  # the last time it was otherwise (or when the pair began)


@dataclass(frozen=True)
class AtRisk:
    """A pair drifting: who the two are, what fired and since when, and one thing to do."""

    pair_id: int
    mentor_id: str
    mentee_id: str
    fired: tuple[Fired, ...]

    @property
    def suggestion(self) -> str:
        return SUGGESTIONS[self.fired[0].signal]

    @property
    def since(self) -> datetime:
        return min(fired.since for fired in self.fired)


@dataclass(frozen=True)
class Meetings:
    days: int
    planned: int  # meetings due in the window (skipped ones count, cancelled ones don't)
    held: int  # of those, the ones not skipped


@dataclass(frozen=True)
class Programme:
    """The programme at `now` (or one pair of it, for `/mentor visibility`)."""

    now: datetime
    active: int
    paused: int
    ended: int
    meetings: tuple[Meetings, ...]  # one per WINDOWS
    reviews_closed: int  # in the last RECENT_DAYS
    reviews_on_time: int  # of those, both answered before it closed
    goals_achieved: int  # in the last RECENT_DAYS
    goals_achieved_ever: int
    goals_open: int
    at_risk: tuple[AtRisk, ...]  # longest-drifting first


def programme(engine: Engine, actor: Actor, now: datetime) -> Programme:
    """The whole programme, for a coordinator; NotAllowed for anyone else."""
    if not actor.is_coordinator:
        raise NotAllowed(NOT_A_COORDINATOR)
    with read_scope(engine) as session:
        return programme_in(session, now)


@dataclass(frozen=True)
class Visibility:
    pair: PairInfo
    seen: Programme  # what coordinators see of this pair: `programme`, narrowed to it


def pair_visibility(engine: Engine, actor: Actor, target: Target, now: datetime) -> Visibility:
    """What coordinators see about one of the actor's pairs (ended ones too)."""
    with read_scope(engine) as session:
        pair = resolve_pair(session, actor, target, include_ended=True)
        assert pair.id is not None
        return Visibility(PairInfo.of(pair), programme_in(session, now, pair.id))


def programme_in(session: Session, now: datetime, pair_id: int | None = None) -> Programme:
    """The programme (or the one pair `pair_id`) in seven statements."""
    rows = store.pairs(session, pair_id)
    starts = [now - timedelta(days=days) for days in WINDOWS]
    meetings = {row[0]: row for row in store.meetings(session, now, starts, pair_id)}
    agenda = store.last_added(session, AgendaItem, pair_id)
    wins = store.last_added(session, Win, pair_id)
    reviews = {
        pid: (opened, answers) for pid, opened, answers in store.latest_reviews(session, pair_id)
    }
    recent = now - timedelta(days=RECENT_DAYS)
    closed, on_time = store.reviews_closed(session, recent, CLOSED_BOTH, pair_id)
    achieved, achieved_ever, still_open = store.goals(session, recent, pair_id)
    counts = {status: 0 for status in Status}
    at_risk = []
    for pid, mentor, mentee, status, created, _ended, paused_until in rows:
        state = _status(status, paused_until, now.date())
        counts[state] += 1
        if state != Status.ACTIVE:
            continue
        last_held = meetings[pid][1] if pid in meetings else None
        fired = _signals(now, created, last_held, agenda.get(pid), wins.get(pid), reviews.get(pid))
        if fired:
            at_risk.append(AtRisk(pid, mentor, mentee, fired))
    windows = tuple(
        Meetings(
            days,
            sum(int(row[2 + 2 * n] or 0) for row in meetings.values()),
            sum(int(row[3 + 2 * n] or 0) for row in meetings.values()),
        )
        for n, days in enumerate(WINDOWS)
    )
    return Programme(
        now=now,
        active=counts[Status.ACTIVE],
        paused=counts[Status.PAUSED],
        ended=counts[Status.ENDED],
        meetings=windows,
        reviews_closed=closed,
        reviews_on_time=on_time,
        goals_achieved=achieved,
        goals_achieved_ever=achieved_ever,
        goals_open=still_open,
        at_risk=tuple(sorted(at_risk, key=lambda risk: (risk.since, risk.pair_id))),
    )


def _status(status: str, paused_until: date | None, today: date) -> Status:
    if status != ACTIVE:
        return Status.ENDED
    if paused_until is not None and today < paused_until:
        return Status.PAUSED
    return Status.ACTIVE


def _signals(
    now: datetime,
    created: datetime,
    last_held: datetime | None,
    last_agenda: datetime | None,
    last_win: datetime | None,
    review: tuple[datetime, int] | None,
) -> tuple[Fired, ...]:
    """The signals that fired for an active pair, in RiskSignal's order. A signal's "since"
    is the last time it was otherwise: the last meeting held, agenda item or win, or the day
    the pair began when there was none."""
    cutoff = now - DRIFT_AFTER
    fired = []
    for signal, last in (
        (RiskSignal.NO_MEETING, last_held),
        (RiskSignal.REVIEW_UNANSWERED, None),
        (RiskSignal.NO_AGENDA, last_agenda),
        (RiskSignal.NO_WIN, last_win),
    ):
        if signal == RiskSignal.REVIEW_UNANSWERED:
            if review is not None and review[1] < 2 and review[0] <= cutoff:
                fired.append(Fired(signal, review[0]))
            continue
        since = max(last, created) if last is not None else created
        if since <= cutoff:
            fired.append(Fired(signal, since))
    return tuple(fired)

"""The coordinators' weekly digest: the programme view, by DM, on Monday at 09:00 in the
coordinator's zone, to those who asked for it (`/mentor programme digest on`).

A digest is a ledger row like every scheduled post — kind `digest`, audience `coordinator`,
subject `digest:<user>:<ISO week>` — so the database's unique key allows one per coordinator
per week however many planners run, and the outbox sends it once (a post that may have reached
Slack unanswered is looked for before it is posted again). It is about no pair: `pair_id` is
NULL. Planned by the hourly housekeeping at most a day ahead; checked again when sent (still
asked for, not too late) and computed then, so it says what holds that morning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from mentoring.errors import NotAllowed
from mentoring.model import Actor
from mentoring.nudges import iso_week
from mentoring.programme import NOT_A_COORDINATOR, Programme, programme_in
from storage import ledger
from storage import programme as store
from storage.db import read_scope, session_scope
from storage.models import Coordinator, Delivery

logger = logging.getLogger("mentorbot.digest")

DIGEST = "digest"
AUDIENCE = "coordinator"
SEND_DAY = 0  # Monday
SEND_AT = time(9, 0)
PLAN_AHEAD = timedelta(days=1)
SEND_WITHIN = timedelta(days=1)
TURNED_OFF = "digest turned off"
NOT_COORDINATING = "no longer a coordinator"


@dataclass(frozen=True)
class DigestSetting:
    on: bool
    tz: str
    changed: bool = False


def digest_subject(user_id: str, week: str) -> str:
    return f"digest:{user_id}:{week}"


def recipient_of(subject: str) -> str:
    """The coordinator a digest row is for, from its subject."""
    return subject.split(":")[1]


def set_digest(engine: Engine, actor: Actor, on: bool, tz: str, now: datetime) -> DigestSetting:
    """Turn the coordinator's weekly digest on (in zone `tz`) or off; off also skips one
    planned already."""
    if not actor.is_coordinator:
        raise NotAllowed(NOT_A_COORDINATOR)
    zone = _zone(tz)
    with session_scope(engine) as session:
        row = store.coordinator(session, actor.user_id)
        if row is None:
            row = Coordinator(user_id=actor.user_id, updated_at=now)
        changed = row.digest != on
        row.digest, row.updated_at = on, now
        if on:
            row.tz = zone
        session.add(row)
        if not on:
            _skip_planned(session, [actor.user_id], TURNED_OFF, now)
        return DigestSetting(on, row.tz, changed)


def show_digest(engine: Engine, actor: Actor) -> DigestSetting:
    if not actor.is_coordinator:
        raise NotAllowed(NOT_A_COORDINATOR)
    with read_scope(engine) as session:
        row = store.coordinator(session, actor.user_id)
        return DigestSetting(row is not None and row.digest, row.tz if row else "UTC")


def next_send_time(now: datetime, tz: str) -> datetime:
    """The next Monday 09:00 in `tz` at or after `now`, in UTC."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    day = local.date() + timedelta(days=(SEND_DAY - local.weekday()) % 7)
    at = datetime.combine(day, SEND_AT, tzinfo=zone)
    if at < local:
        at = datetime.combine(day + timedelta(days=7), SEND_AT, tzinfo=zone)
    return at.astimezone(UTC)


def plan_digests(engine: Engine, now: datetime, coordinators: frozenset[str]) -> int:
    """Plan the digest of each coordinator who asked for one and whose Monday morning is within
    a day; skip the planned digests of people no longer coordinators. Returns how many were
    planned (a row planned already, here or by another process, is left out by its key)."""
    with session_scope(engine) as session:
        rows = []
        for taker in store.digest_takers(session, sorted(coordinators)):
            due = next_send_time(now, _zone(taker.tz))
            if due - now > PLAN_AHEAD:
                continue
            week = iso_week(due.astimezone(ZoneInfo(_zone(taker.tz))).date())
            rows.append(
                ledger.new_delivery(
                    pair_id=None,
                    subject=digest_subject(taker.user_id, week),
                    kind=DIGEST,
                    audience=AUDIENCE,
                    due_at=due,
                    expires_at=due + SEND_WITHIN,
                    now=now,
                )
            )
        added = ledger.add_new_only(session, rows)
        planned = session.exec(
            select(Delivery).where(Delivery.kind == DIGEST, Delivery.status == ledger.PLANNED)
        ).all()
        gone = {recipient_of(row.subject) for row in planned} - coordinators
        _skip_planned(session, sorted(gone), NOT_COORDINATING, now)
    if added:
        logger.info("digests planned", extra={"rows": added})
    return added


def prepare_digest_row(session: Session, row: Delivery, now: datetime) -> Programme | str:
    """The programme for a claimed digest row, or why it is skipped."""
    setting = store.coordinator(session, recipient_of(row.subject))
    if setting is None or not setting.digest:
        return TURNED_OFF
    if now >= row.expires_at:
        return "too late: a day had passed"
    return programme_in(session, now)


def digests_to(session: Session, user_id: str) -> list[Delivery]:
    """The person's digests in the ledger, whatever their state (for forgetting them)."""
    statement = select(Delivery).where(col(Delivery.subject).startswith(f"digest:{user_id}:"))
    return list(session.exec(statement).all())


def _skip_planned(session: Session, user_ids: list[str], reason: str, now: datetime) -> None:
    for user_id in user_ids:
        for row in digests_to(session, user_id):
            if row.status == ledger.PLANNED:
                row.status, row.reason, row.updated_at = ledger.SKIPPED, reason, now
                session.add(row)


def _zone(name: str | None) -> str:
    try:
        ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name or "UTC"

"""Direct messages arrive through the Events API: at least once, sometimes twice, in any order.

Each delivery is stored before Slack gets its ack (`record_delivery`), so a crash after the ack
cannot lose it, and it is applied at most once (`apply_message`): the claim on the stored row and
the message's effects commit in one transaction. Undelivered work is found again by
`pending_deliveries` when the bot restarts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine

from mentoring.capture import Kind, capture_in, keep_note_in, roles_in
from mentoring.errors import MentoringError
from mentoring.model import Actor, Captured, Role, Target
from mentoring.replies import ReplyFiled, reply_to_followup_in, reply_to_prompt_in
from mentoring.reviews.answers import ReviewReplyFiled, answer_by_dm_in
from storage import repositories as repo
from storage.db import session_scope
from storage.models import InboundEvent


class Delivery(StrEnum):
    NEW = "new"  # first time this event id is seen
    PENDING = "pending"  # seen before, not applied yet (in progress, or its worker died)
    DONE = "done"  # already applied: acknowledge and do nothing


@dataclass(frozen=True)
class Duplicate:
    """Another delivery of the same event was applied already."""


@dataclass(frozen=True)
class Kept:
    """The text is kept as a draft until the person says what it is; `roles`, theirs in their
    active pairs, say what it can become."""

    draft_id: int
    roles: frozenset[Role]


@dataclass(frozen=True)
class NoMentorship:
    """A note from someone in no active mentorship: nothing is kept; they are told how to pair."""


@dataclass(frozen=True)
class Refused:
    error: MentoringError


MessageOutcome = Duplicate | Kept | NoMentorship | Refused | Captured


@dataclass(frozen=True)
class PendingDelivery:
    event_id: str
    event: dict[str, Any]


def record_delivery(
    engine: Engine, event_id: str, event_type: str, event: dict[str, Any], now: datetime
) -> Delivery:
    with session_scope(engine) as session:
        row = InboundEvent(
            event_id=event_id, event_type=event_type, payload=json.dumps(event), received_at=now
        )
        existing = repo.record_event(session, row)
        if existing is None:
            return Delivery.NEW
        return Delivery.DONE if existing.processed_at is not None else Delivery.PENDING


def apply_message(
    engine: Engine,
    event_id: str,
    actor: Actor,
    kind: Kind,
    text: str,
    target: Target,
    now: datetime,
    today: date | None = None,
) -> MessageOutcome:
    """Apply a direct message once. A refusal (bad input) counts as applied: the person is told
    once, and a retry of the same event does not tell them again."""
    with session_scope(engine) as session:
        if not repo.claim_event(session, event_id, now, outcome=kind.value):
            return Duplicate()
        try:
            with session.begin_nested():
                if kind == Kind.NOTE:
                    roles = roles_in(session, actor.user_id)
                    if not roles:
                        return NoMentorship()
                    return Kept(keep_note_in(session, actor, text, now), roles)
                return capture_in(session, actor, kind, text, target, now, today=today)
        except MentoringError as error:
            repo.set_event_outcome(session, event_id, f"refused: {type(error).__name__}")
            return Refused(error)


class _NotAReply(Exception):
    """Raised to roll back the claim when a message answers no prompt."""


def apply_reply(
    engine: Engine,
    event_id: str,
    actor: Actor,
    channel: str,
    thread_ts: str | None,
    text: str,
    now: datetime,
    *,
    in_channel: bool = False,
) -> ReplyFiled | ReviewReplyFiled | Duplicate | Refused | None:
    """File a reply to a scheduled message once: in a review DM's thread, review answers; in
    another DM, an agenda item; in the thread of the follow-up post in a pair's channel, an
    action item. None when it answers no prompt (nothing
    is claimed, so the message can be handled as usual)."""
    try:
        with session_scope(engine) as session:
            if not repo.claim_event(session, event_id, now, outcome="reply"):
                return Duplicate()
            try:
                with session.begin_nested():
                    if in_channel:
                        assert thread_ts is not None
                        filed = reply_to_followup_in(session, actor, channel, thread_ts, text, now)
                    else:
                        filed = (
                            answer_by_dm_in(session, actor, channel, thread_ts, text, now)
                            if thread_ts
                            else None
                        ) or reply_to_prompt_in(session, actor, channel, thread_ts, text, now)
            except MentoringError as error:
                repo.set_event_outcome(session, event_id, f"refused: {type(error).__name__}")
                return Refused(error)
            if filed is None:
                raise _NotAReply
            repo.set_event_outcome(session, event_id, f"reply: {filed.kind}")
            return filed
    except _NotAReply:
        return None


def claim_delivery(engine: Engine, event_id: str, now: datetime, outcome: str) -> bool:
    """Mark a delivery applied when it changes nothing stored (a request for help, say);
    False when another delivery of it got there first."""
    with session_scope(engine) as session:
        return repo.claim_event(session, event_id, now, outcome=outcome)


def give_up(engine: Engine, event_id: str, now: datetime, reason: str) -> bool:
    """Record a delivery that cannot be applied as done, with why: a message that fails the
    same way every time must not stay pending, to be applied again at every start. False when
    it was applied (or given up) already."""
    with session_scope(engine) as session:
        return repo.claim_event(session, event_id, now, outcome=f"failed: {reason}"[:64])


def pending_deliveries(engine: Engine, received_before: datetime) -> list[PendingDelivery]:
    """Deliveries stored but never applied (the process stopped between ack and work)."""
    with session_scope(engine) as session:
        rows = repo.pending_events(session, received_before)
        return [PendingDelivery(row.event_id, json.loads(row.payload)) for row in rows]


EVENT_RETENTION = timedelta(days=7)  # Slack stops retrying an event within hours
DRAFT_RETENTION = timedelta(days=30)


def prune(engine: Engine, now: datetime) -> int:
    """Forget what is no longer needed: DM payloads a week after they were applied (they hold
    what people wrote, and only serve to spot Slack's retries), and drafts a month after they
    were saved or dismissed. Nothing waiting to be applied or decided is touched."""
    with session_scope(engine) as session:
        events = repo.delete_processed_events(session, now - EVENT_RETENTION)
        drafts = repo.delete_closed_drafts(session, now - DRAFT_RETENTION)
    return events + drafts

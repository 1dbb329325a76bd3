"""What people DM the bot: `goal:` and `win:` save straight away, a reply to a prompt goes on
the agenda (or answers a review), anything else is kept as a note with buttons to save it."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from handlers.capture import finish
from handlers.commands import run_for_pair
from handlers.help import help_message
from handlers.kit import Message, refusal
from handlers.meetings.blocks import agenda_added, reply_filed
from handlers.reviews.messages import review_reply_filed
from handlers.routing import Part, button, take_target
from handlers.runtime import Answer, Call, Reply
from handlers.slack_text import from_slack
from handlers.wins.blocks import (
    ADD_TO_AGENDA,
    CHOOSE_AGENDA_PAIR,
    CHOOSE_PAIR,
    DISCARD_NOTE,
    SAVE_AS_GOAL,
    SAVE_AS_WIN,
    agenda_pair_chooser,
    no_mentorship,
    note_dismissed,
    note_prompt,
)
from mentoring import capture, inbox
from mentoring.capture import Kind, WaitingCommand
from mentoring.model import NeedsPair, Target
from mentoring.reviews.answers import ReviewReplyFiled

logger = logging.getLogger("mentorbot.notes")

_PREFIX = re.compile(r"^\s*(?P<kind>goal|win)\s*:\s*(?P<body>.*)$", re.S | re.I)


@dataclass(frozen=True)
class DirectMessage:
    kind: Kind
    text: str
    with_user: str | None


def parse_direct_message(text: str) -> DirectMessage | None:
    """`goal: …` and `win: …` save straight away; anything else is a note; None: help."""
    if text.strip().lower() in ("help", "?"):
        return None
    prefixed = _PREFIX.match(text)
    if prefixed is None:
        return DirectMessage(Kind.NOTE, text.strip(), None)
    body, with_user = take_target(prefixed.group("body"))
    return DirectMessage(Kind(prefixed.group("kind").lower()), body, with_user)


def direct_message(call: Call, event_id: str, event: dict[str, Any]) -> Answer:
    """Apply a DM once (see mentoring.inbox); None when another delivery already did."""
    text = from_slack(event.get("text"))
    parsed = parse_direct_message(text)
    if parsed is not None and parsed.kind == Kind.NOTE:
        thread = event.get("thread_ts")
        filed = call.apply(
            inbox.apply_reply,
            call.engine,
            event_id,
            call.actor,
            event["channel"],
            thread,
            text,
            call.now,
        )
        if isinstance(filed, inbox.Duplicate):
            return None
        if isinstance(filed, inbox.Refused):
            return refusal(str(filed.error))
        if isinstance(filed, ReviewReplyFiled):
            return review_reply_filed(filed)
        if filed is not None:
            return Reply(reply_filed(filed), frozenset({filed.pair.id}))
    if parsed is None:
        claimed = call.apply(inbox.claim_delivery, call.engine, event_id, call.now, "help")
        return help_message() if claimed else None
    outcome = call.apply(
        inbox.apply_message,
        call.engine,
        event_id,
        call.actor,
        parsed.kind,
        parsed.text,
        Target(with_user=parsed.with_user),
        call.now,
        call.today if parsed.kind == Kind.GOAL else None,
    )
    match outcome:
        case inbox.Duplicate():
            logger.info("duplicate delivery", extra={"event_id": event_id})
            return None
        case inbox.Kept(draft_id=draft_id, roles=roles):
            return note_prompt(draft_id, parsed.text, roles)
        case inbox.NoMentorship():
            return no_mentorship()
        case inbox.Refused(error=error):
            return refusal(str(error))
    return finish(call, outcome)


def _save_note(call: Call, draft_id: int, kind: Kind) -> Reply:
    return finish(
        call,
        call.apply(
            capture.use_draft,
            call.engine,
            call.actor,
            draft_id,
            call.now,
            kind=kind,
            today=call.today,
        ),
    )


@button(SAVE_AS_WIN, Part.DRAFT)
def save_note_as_win(call: Call, draft_id: int) -> Reply:
    return _save_note(call, draft_id, Kind.WIN)


@button(SAVE_AS_GOAL, Part.DRAFT)
def save_note_as_goal(call: Call, draft_id: int) -> Reply:
    return _save_note(call, draft_id, Kind.GOAL)


@button(CHOOSE_PAIR, Part.DRAFT, Part.PAIR, numbered=True)
def choose_pair(call: Call, draft_id: int, pair_id: int) -> Answer:
    """The pair for a goal, a win or a command that waited for it (`handlers.commands`)."""
    result = call.apply(
        capture.use_draft,
        call.engine,
        call.actor,
        draft_id,
        call.now,
        pair_id=pair_id,
        today=call.today,
    )
    if isinstance(result, WaitingCommand):
        return run_for_pair(call, result)
    return finish(call, result)


def _add_note_to_agenda(call: Call, draft_id: int, pair_id: int | None) -> Reply:
    result = call.apply(
        capture.draft_to_agenda, call.engine, call.actor, draft_id, call.now, pair_id=pair_id
    )
    if isinstance(result, NeedsPair):
        names = call.names_of(choice.other_user for choice in result.choices)
        return Reply(agenda_pair_chooser(result, names))
    return Reply.after(result, agenda_added(result, call.zone))


@button(ADD_TO_AGENDA, Part.DRAFT)
def add_note_to_agenda(call: Call, draft_id: int) -> Reply:
    return _add_note_to_agenda(call, draft_id, None)


@button(CHOOSE_AGENDA_PAIR, Part.DRAFT, Part.PAIR, numbered=True)
def choose_agenda_pair(call: Call, draft_id: int, pair_id: int) -> Reply:
    return _add_note_to_agenda(call, draft_id, pair_id)


@button(DISCARD_NOTE, Part.DRAFT)
def discard_note(call: Call, draft_id: int) -> Message:
    call.apply(capture.discard_draft, call.engine, call.actor, draft_id, call.now)
    return note_dismissed()

"""`/agenda`: the next meeting's agenda and action items; the Home's Add agenda item form; and
replies in the follow-up's thread, which become action items."""

from __future__ import annotations

from datetime import date
from typing import Any

from handlers import forms
from handlers.help import Topic
from handlers.kit import Block, Message, context, input_block, modal, refusal, text_input
from handlers.meetings.blocks import (
    REOPEN_ACTION,
    action_added,
    action_closed,
    action_reopened,
    agenda_added,
    agenda_view,
    reply_filed,
)
from handlers.routing import Part, Values, button, form, pair_form, verb
from handlers.runtime import Answer, Call, Reply
from handlers.slack_text import from_slack
from mentoring import inbox
from mentoring.dashboard import FormContext
from mentoring.meetings import agenda as agenda_rules
from mentoring.meetings.agenda import AGENDA_ITEM_MAX_CHARS, parse_agenda_form
from mentoring.model import Role, Target

AGENDA_FORM = "agenda_form"
AGENDA_FORM_TEXT = "agenda_text"


@verb(
    "/agenda",
    ("", "show", "list"),
    usage="/agenda",
    topic=Topic.MEETINGS,
    examples=(("/agenda", "the next meeting's agenda and open action items"),),
)
def show_agenda(call: Call) -> Message:
    view = call.apply(agenda_rules.agenda, call.engine, call.actor, call.target, call.now)
    return agenda_view(view, call.zone)


@verb(
    "/agenda",
    "add",
    r"(?P<text>.*)",
    usage="/agenda add <topic>",
    topic=Topic.MEETINGS,
    examples=(("/agenda add Feedback on my design doc", "add an agenda item"),),
)
def add_agenda_item(call: Call, text: str) -> Reply:
    added = call.apply(
        agenda_rules.add_agenda_item, call.engine, call.actor, call.target, text, call.now
    )
    return Reply.after(added, agenda_added(added, call.zone))


@verb(
    "/agenda",
    "action",
    r"(?P<text>.*?)(?:\s*\bfor\s+<@(?P<owner>[UW][A-Z0-9]+)>[.!]?)?",
    usage="/agenda action <what> [for @person]",
    topic=Topic.MEETINGS,
    examples=(
        ("/agenda action Draft the talk outline", "an action item (the mentee's; add `for @name`)"),
    ),
)
def add_action(call: Call, text: str, owner: str | None) -> Reply:
    added = call.apply(
        agenda_rules.add_action, call.engine, call.actor, call.target, text, owner, call.now
    )
    return Reply.after(added, action_added(added))


@verb(
    "/agenda",
    "done",
    r"#?(?P<number>[0-9]+)",
    usage="/agenda done <n>",
    topic=Topic.MEETINGS,
    examples=(("/agenda done 2", "close action item 2"),),
    refusal="`/agenda done` needs an action item number, like `/agenda done 2`.",
)
def close_action(call: Call, number: str) -> Reply:
    closed = call.apply(
        agenda_rules.close_action, call.engine, call.actor, call.target, int(number), call.now
    )
    return Reply.after(closed, action_closed(closed))


@button(REOPEN_ACTION, Part.ACTION)
def reopen_action(call: Call, action_id: int) -> Reply:
    action = call.apply(agenda_rules.reopen_action, call.engine, call.actor, action_id)
    return Reply.after(action, action_reopened(action))


# The Home's form


def read_agenda(values: Values, today: date) -> tuple[Any, ...]:
    return (parse_agenda_form(forms.text_of(values, AGENDA_FORM_TEXT)),)


@form(AGENDA_FORM, read=read_agenda, fields={"text": AGENDA_FORM_TEXT})
def save_agenda_form(call: Call, pair_id: int, text: str) -> Reply:
    target = Target(pair_id=pair_id)
    added = call.apply(
        agenda_rules.add_agenda_item, call.engine, call.actor, target, text, call.now
    )
    return Reply.after(added, agenda_added(added, call.zone))


@pair_form("agenda", purpose="an agenda item", label="Add agenda item")
def agenda_form(pair: FormContext) -> Block:
    other = pair.pair.mentee_id if pair.role == Role.MENTOR else pair.pair.mentor_id
    return modal(
        AGENDA_FORM,
        str(pair.pair.id),
        "Add agenda item",
        [
            context(f"For your next session with <@{other}>."),
            input_block(
                AGENDA_FORM_TEXT,
                "What would you like to talk about?",
                text_input(AGENDA_FORM_TEXT, AGENDA_ITEM_MAX_CHARS),
            ),
        ],
        submit="Add",
    )


# Replies in a channel thread


def channel_reply(call: Call, event_id: str, event: dict[str, Any]) -> Answer:
    """A reply in a thread of the pair's channel: an action item when it answers the
    follow-up prompt; anything else is left alone."""
    filed = call.apply(
        inbox.apply_reply,
        call.engine,
        event_id,
        call.actor,
        event["channel"],
        event["thread_ts"],
        from_slack(event.get("text")),
        call.now,
        in_channel=True,
    )
    if filed is None:
        call.apply(inbox.claim_delivery, call.engine, event_id, call.now, "not a reply to a prompt")
        return None
    if isinstance(filed, inbox.Duplicate):
        return None
    if isinstance(filed, inbox.Refused):
        return refusal(str(filed.error))
    return Reply(reply_filed(filed), frozenset({filed.pair.id}))

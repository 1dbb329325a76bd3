"""`/mentor find`, the Find a mentor button and form, Ask, and the mentor's Accept or Decline.

Suggestions go to the mentee alone. Ask sends the mentor the mentee's goal and nothing else,
with Accept and Decline; the buttons carry who may press them (the value's asker, the
request's mentor), checked by the rules against who clicked. Accept pairs the two in a new
private channel through the pairing flow (`handlers.pairing`); Decline tells the mentee
kindly, without a reason, and offers the next suggestion.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from handlers import forms, pairing
from handlers.help import Topic
from handlers.kit import Message
from handlers.matching.blocks import (
    ACCEPT_REQUEST,
    ASK_MENTOR,
    DECLINE_REQUEST,
    FIND_FOR_GOAL,
    FIND_FORM,
    FIND_GOAL,
    accepted_for_mentee,
    accepted_for_mentor,
    asked,
    declined_for_mentee,
    declined_for_mentor,
    find_form,
    request_for_mentor,
    suggestions,
)
from handlers.routing import Part, Values, button, form, verb
from handlers.runtime import Call, Reply
from mentoring.errors import FieldError, InvalidInput
from mentoring.matching import asking, finding
from mentoring.matching.finding import ACCEPTED, DECLINED


@verb(
    "/mentor",
    "find",
    r"(?:#?(?P<number>[0-9]+)|(?P<text>.*))",
    usage="/mentor find <goal | #n>",
    topic=Topic.MENTORSHIP,
    examples=(("/mentor find #2", "mentors a step or two ahead on goal 2 (or type a goal)"),),
    pair=True,  # `#2 to @name`: the goal of that mentorship, for a mentee in several
)
def find(call: Call, number: str | None, text: str | None) -> Message:
    """Up to three mentors for the goal, privately."""
    if number is not None:
        goal = call.apply(finding.goal_text, call.engine, call.actor, call.target, int(number))
    else:
        goal = finding.read_goal(text or "")
    return _suggest(call, call.user_id, goal)


def _suggest(call: Call, mentee: str, goal: str) -> Message:
    found = call.apply(
        finding.find_mentors, call.engine, mentee, goal, call.zone_of(mentee), call.now
    )
    return suggestions(mentee, found)


@button(FIND_FOR_GOAL, Part.GOAL, opens_modal=True)
def open_find_form(call: Call, goal_id: int) -> None:
    """The Find a mentor form, filled with the mentee's goal (trigger ids last 3 seconds, so
    this runs straight after the ack)."""
    goal = call.apply(finding.goal_of_mentee, call.engine, call.actor, goal_id)
    call.open_modal(find_form(*goal))


def read_find_form(values: Values, _today: date) -> tuple[Any, ...]:
    try:
        return (finding.read_goal(forms.text_of(values, FIND_GOAL)),)
    except InvalidInput as refused:
        raise FieldError("goal", str(refused)) from refused


@form(FIND_FORM, read=read_find_form, fields={"goal": FIND_GOAL}, metadata=Part.GOAL)
def find_from_form(call: Call, goal_id: int, goal: str) -> Message:
    """The goal as the mentee left it in the form (theirs: the form's goal is checked)."""
    call.apply(finding.goal_of_mentee, call.engine, call.actor, goal_id)
    return _suggest(call, call.user_id, goal)


@button(ASK_MENTOR, Part.PERSON, Part.PERSON, Part.TEXT, numbered=True)
def ask_mentor(call: Call, asker: str, mentor: str, goal: str) -> Message:
    """Send the mentor the goal, only that, with Accept and Decline."""
    request = call.apply(asking.ask, call.engine, call.actor, asker, mentor, goal, call.now)
    call.post(mentor, request_for_mentor(request))
    return asked(request)


@button(ACCEPT_REQUEST, Part.REQUEST)
def accept_request(call: Call, request_id: int) -> Reply:
    """The mentor said yes: the pairing flow makes the pair and its private channel."""
    request = call.apply(asking.answerable, call.engine, call.actor, request_id)
    pair = pairing.pair_in_new_channel(call, request.mentor_id, request.mentee_id)
    request = call.apply(
        asking.answer, call.engine, call.actor, request_id, ACCEPTED, call.now, pair.id
    )
    notice = accepted_for_mentee(request, pair)
    pairing.post_quietly(call, request.mentee_id, notice, what="request accepted")
    return Reply.after(pair, accepted_for_mentor(request, pair))


@button(DECLINE_REQUEST, Part.REQUEST)
def decline_request(call: Call, request_id: int) -> Message:
    """The mentor said no: the mentee hears it kindly, with the next suggestion if any."""
    request = call.apply(asking.answer, call.engine, call.actor, request_id, DECLINED, call.now)
    found = call.apply(
        finding.find_mentors,
        call.engine,
        request.mentee_id,
        request.goal,
        call.zone_of(request.mentee_id),
        call.now,
    )
    notice = declined_for_mentee(request, found)
    pairing.post_quietly(call, request.mentee_id, notice, what="request declined")
    return declined_for_mentor(request)

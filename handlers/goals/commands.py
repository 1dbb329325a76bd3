"""`/goal`: add, list, close and reopen goals, their history; the goal editor and the New goal
form."""

from __future__ import annotations

from datetime import date
from typing import Any

from handlers import forms
from handlers.capture import finish
from handlers.goals.blocks import (
    GOAL_DUE,
    GOAL_EDITOR,
    GOAL_EVIDENCE,
    GOAL_FORM,
    GOAL_OUTCOME,
    MAKE_GOAL_SPECIFIC,
    UNDO_GOAL_STATUS,
    goal_changed,
    goal_edited,
    goal_editor,
    goal_history,
    goal_inputs,
    goal_list,
)
from handlers.help import Topic
from handlers.kit import Block, Message, context, modal
from handlers.routing import PAIR_FORMS, Part, Values, button, form, pair_form, verb
from handlers.runtime import Call, Reply
from mentoring import capture, goals
from mentoring.capture import Kind
from mentoring.coaching import coach
from mentoring.dashboard import FormContext
from mentoring.goals import GoalText, parse_goal_edit
from mentoring.model import GoalStatus, Role, mention

NUMBER = r"#?(?P<number>[0-9]+)"  # ASCII digits; one beyond the tables is no goal


@verb(
    "/goal",
    None,
    r"(?P<text>.+)",
    usage="/goal <outcome> by <date>",
    topic=Topic.GOALS,
    examples=(("/goal Get promoted to Senior Engineer by March 2027", "add a goal"),),
)
def add_goal(call: Call, text: str) -> Reply:
    added = call.apply(
        capture.capture, call.engine, call.actor, Kind.GOAL, text, call.target, call.now, call.today
    )
    return finish(call, added)


@verb(
    "/goal",
    "",
    usage="/goal",
    topic=Topic.GOALS,
    examples=(("/goal", "a form for a new goal: outcome, target date, how you'll know"),),
)
def new_goal_form(call: Call) -> Message | None:
    return forms.open_form(call, PAIR_FORMS["goal"], call.target)


@verb(
    "/goal",
    "list",
    usage="/goal list",
    topic=Topic.GOALS,
    examples=(("/goal list", "your goals, numbered"),),
    falls_through=True,
)
def list_goals(call: Call) -> Message:
    return goal_list(
        call.apply(goals.list_goals, call.engine, call.actor, call.target), call.user_id
    )


def _change(call: Call, number: str, status: GoalStatus) -> Reply:
    changed = call.apply(
        goals.set_goal_status, call.engine, call.actor, int(number), status, call.target, call.now
    )
    return Reply.after(changed, goal_changed(changed))


def _needs_number(word: str) -> str:
    return (
        f"`/goal {word}` needs a goal number, like `/goal {word} 2`. "
        "`/goal list` shows the numbers."
    )


@verb(
    "/goal",
    "done",
    NUMBER,
    usage="/goal done <n>",
    topic=Topic.GOALS,
    examples=(("/goal done 2", "mark goal 2 achieved"),),
    refusal=_needs_number("done"),
)
def goal_done(call: Call, number: str) -> Reply:
    return _change(call, number, GoalStatus.DONE)


@verb(
    "/goal",
    "drop",
    NUMBER,
    usage="/goal drop <n>",
    topic=Topic.GOALS,
    examples=(("/goal drop 2", "drop goal 2"),),
    refusal=_needs_number("drop"),
)
def goal_dropped(call: Call, number: str) -> Reply:
    return _change(call, number, GoalStatus.DROPPED)


@verb(
    "/goal",
    "history",
    NUMBER,
    usage="/goal history <n>",
    topic=Topic.REVIEWS,
    examples=(("/goal history 2", "goal 2's earlier wordings, when a review pivoted it"),),
    refusal="`/goal history` needs a goal number, like `/goal history 2`.",
)
def show_goal_history(call: Call, number: str) -> Message:
    return goal_history(
        call.apply(goals.goal_history, call.engine, call.actor, call.target, int(number))
    )


@button(UNDO_GOAL_STATUS, Part.GOAL, GoalStatus, GoalStatus)
def undo_goal_status(call: Call, goal_id: int, current: GoalStatus, previous: GoalStatus) -> Reply:
    changed = call.apply(
        goals.revert_goal_status, call.engine, call.actor, goal_id, current, previous, call.now
    )
    return Reply.after(changed, goal_changed(changed))


# The goal editor ("Make it specific") and the New goal form


@button(MAKE_GOAL_SPECIFIC, Part.GOAL, opens_modal=True)
def open_goal_editor(call: Call, goal_id: int) -> None:
    """The goal editor, prefilled (trigger ids last 3 seconds, so this runs straight after the
    ack)."""
    goal = call.apply(goals.goal_of, call.engine, call.actor, goal_id)
    coaching = coach(goal.text, goal.due_on, call.today, goal.done_when)
    call.open_modal(forms.with_zone(goal_editor(goal, coaching), call.zone))


def read_goal(values: Values, today: date) -> tuple[Any, ...]:
    outcome = forms.text_of(values, GOAL_OUTCOME)
    evidence = forms.text_of(values, GOAL_EVIDENCE)
    due = forms.date_of(values, GOAL_DUE, "due")
    return (parse_goal_edit(outcome, evidence, due, today),)


GOAL_FIELDS = {"outcome": GOAL_OUTCOME, "due": GOAL_DUE, "done_when": GOAL_EVIDENCE}


@form(GOAL_EDITOR, read=read_goal, fields=GOAL_FIELDS, metadata=Part.GOAL)
def save_goal_edit(call: Call, goal_id: int, edit: GoalText) -> Reply:
    goal = call.apply(goals.edit_goal, call.engine, call.actor, goal_id, edit)
    return Reply.after(
        goal, goal_edited(goal, coach(goal.text, goal.due_on, call.today, goal.done_when))
    )


@form(GOAL_FORM, read=read_goal, fields=GOAL_FIELDS)
def save_goal_form(call: Call, pair_id: int, goal: GoalText) -> Reply:
    added = call.apply(capture.capture_form, call.engine, call.actor, pair_id, goal, call.now)
    return finish(call, added)


@pair_form("goal", capture=Kind.GOAL, purpose="a new goal", label="New goal")
def goal_form(pair: FormContext) -> Block:
    whose = "your" if pair.role == Role.MENTEE else f"{mention(pair.pair.mentee_id)}'s"
    note = (
        f"A goal for {whose} mentorship. A specific one names an outcome, a date, and a "
        "result others could see."
    )
    return modal(
        GOAL_FORM, str(pair.pair.id), "New goal", [context(note), *goal_inputs()], submit="Add"
    )

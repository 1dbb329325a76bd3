"""Milestones: `/goal milestone(s)`, `/goal done 2.1`, their Done and Undo buttons, and the
Home's Add milestone and Mark milestone done forms."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from handlers import forms
from handlers.goals.blocks import MILESTONE_DONE, UNDO_MILESTONE, milestone_changed, roadmap_message
from handlers.help import Topic
from handlers.kit import Block, Message, input_block, modal, notice_modal, option, text_input
from handlers.routing import Part, Values, button, form, pair_form, verb
from handlers.runtime import Call, Reply
from mentoring import milestones
from mentoring.dashboard import FORM_OPTIONS, FormContext
from mentoring.errors import FieldError, InvalidInput
from mentoring.milestones import MILESTONE_MAX_CHARS, MilestoneText, Roadmap, parse_milestone_form
from mentoring.model import Target, read_number

MILESTONE_FORM = "milestone_form"
MILESTONE_FORM_GOAL = "milestone_goal"
MILESTONE_FORM_TEXT = "milestone_text"
MILESTONE_FORM_DUE = "milestone_due"
MILESTONE_DONE_FORM = "milestone_done_form"
MILESTONE_DONE_FORM_PICK = "milestone_pick"
_LABEL = re.compile(r"#?([0-9]+)\.([0-9]+)")


def parse_milestone_label(text: str) -> tuple[int, int] | None:
    """`2.1` (or `#2.1`) as (goal number, milestone number); None when it is not one."""
    step = _LABEL.fullmatch(text.strip())
    return (int(step.group(1)), int(step.group(2))) if step else None


@verb(
    "/goal",
    "milestone",
    r"#?(?P<number>[0-9]+)(?:\s+(?P<text>.*))?",
    usage="/goal milestone <n> <step> by <date>",
    topic=Topic.GOALS,
    examples=(
        ("/goal milestone 2 Submit the talk proposal by 2027-01-15", "add a step to goal 2"),
    ),
    refusal=(
        "`/goal milestone` needs a goal number first, like "
        "`/goal milestone 2 Submit the proposal by 2027-01-15`."
    ),
)
def add_milestone(call: Call, number: str, text: str | None) -> Reply:
    added = call.apply(
        milestones.add_milestone,
        call.engine,
        call.actor,
        call.target,
        int(number),
        (text or "").strip(),
        call.now,
        call.today,
    )
    return _added(call, added)


@verb(
    "/goal",
    "milestones",
    r"#?(?P<number>[0-9]+)(?P<more>\s.*)?",
    usage="/goal milestones <n>",
    topic=Topic.GOALS,
    examples=(
        (
            "/goal milestones 2",
            "goal 2 with how you'll know it, its steps and progress, with Done buttons",
        ),
    ),
    refusal="`/goal milestones` needs a goal number first, like `/goal milestones 2`.",
)
def list_milestones(call: Call, number: str, more: str | None) -> Message:
    if more and more.strip():
        raise InvalidInput("`/goal milestones 2` lists goal 2's milestones; nothing more.")
    shown = call.apply(milestones.roadmap, call.engine, call.actor, call.target, int(number))
    return roadmap_message(shown, call.today)


@verb(
    "/goal",
    "done",
    r"#?(?P<goal>[0-9]+)\.(?P<step>[0-9]+)",
    usage="/goal done <n>.<m>",
    topic=Topic.GOALS,
    examples=(("/goal done 2.1", "mark milestone 2.1 done"),),
)
def complete_milestone(call: Call, goal: str, step: str) -> Reply:
    done = call.apply(
        milestones.complete_milestone,
        call.engine,
        call.actor,
        call.target,
        int(goal),
        int(step),
        call.now,
    )
    return Reply.after(done, milestone_changed(done))


@button(MILESTONE_DONE, Part.MILESTONE, numbered=True)
def mark_milestone_done(call: Call, milestone_id: int) -> Reply:
    done = call.apply(
        milestones.set_milestone_done, call.engine, call.actor, milestone_id, True, call.now
    )
    return Reply.after(done, milestone_changed(done))


@button(UNDO_MILESTONE, Part.MILESTONE)
def undo_milestone(call: Call, milestone_id: int) -> Reply:
    reopened = call.apply(
        milestones.set_milestone_done, call.engine, call.actor, milestone_id, False, call.now
    )
    return Reply.after(reopened, milestone_changed(reopened))


def _added(call: Call, added: Roadmap) -> Reply:
    note = f"Added milestone {added.milestones[-1].label}."
    return Reply.after(added, roadmap_message(added, call.today, note))


# The Home's forms


def read_milestone(values: Values, today: date) -> tuple[Any, ...]:
    goal = read_number(forms.picked(values, MILESTONE_FORM_GOAL))
    if goal is None:
        raise FieldError("goal", "Pick the goal this step is for.")
    due = forms.date_of(values, MILESTONE_FORM_DUE, "due")
    return goal, parse_milestone_form(forms.text_of(values, MILESTONE_FORM_TEXT), due, today)


@form(
    MILESTONE_FORM,
    read=read_milestone,
    fields={"goal": MILESTONE_FORM_GOAL, "text": MILESTONE_FORM_TEXT, "due": MILESTONE_FORM_DUE},
)
def save_milestone_form(call: Call, pair_id: int, goal_number: int, step: MilestoneText) -> Reply:
    target = Target(pair_id=pair_id)
    added = call.apply(
        milestones.add_step, call.engine, call.actor, target, goal_number, step, call.now
    )
    return _added(call, added)


def read_milestone_done(values: Values, today: date) -> tuple[Any, ...]:
    label = parse_milestone_label(forms.picked(values, MILESTONE_DONE_FORM_PICK))
    if label is None:
        raise FieldError("milestone", "Pick the milestone that is done.")
    return label


@form(MILESTONE_DONE_FORM, read=read_milestone_done, fields={"milestone": MILESTONE_DONE_FORM_PICK})
def save_milestone_done_form(call: Call, pair_id: int, goal_number: int, number: int) -> Reply:
    """Looked up by its label within the form's pair, so only that pair's milestones count."""
    target = Target(pair_id=pair_id)
    done = call.apply(
        milestones.complete_milestone,
        call.engine,
        call.actor,
        target,
        goal_number,
        number,
        call.now,
    )
    return Reply.after(done, milestone_changed(done))


@pair_form("milestone", purpose="a milestone", label="Add milestone")
def milestone_form(pair: FormContext) -> Block:
    if not pair.goals:
        return notice_modal(
            "Add milestone",
            "There are no open goals to add a step to yet: press *New goal* first.",
        )
    due: Block = {"type": "datepicker", "action_id": MILESTONE_FORM_DUE}
    return modal(
        MILESTONE_FORM,
        str(pair.pair.id),
        "Add milestone",
        [
            input_block(MILESTONE_FORM_GOAL, "Goal", forms.goal_select(MILESTONE_FORM_GOAL, pair)),
            input_block(
                MILESTONE_FORM_TEXT,
                "Step",
                text_input(MILESTONE_FORM_TEXT, MILESTONE_MAX_CHARS, multiline=False),
            ),
            input_block(MILESTONE_FORM_DUE, "Due date", due, optional=True),
        ],
        submit="Add",
    )


@pair_form("milestone_done", purpose="a milestone done", label="Mark milestone done")
def milestone_done_form(pair: FormContext) -> Block:
    if not pair.milestones:
        return notice_modal(
            "Milestone done",
            "There are no open milestones to mark done: press *Add milestone* first.",
        )
    options = [
        option(f"{step.label} {step.text}", step.label) for step in pair.milestones[:FORM_OPTIONS]
    ]
    pick = {"type": "static_select", "action_id": MILESTONE_DONE_FORM_PICK, "options": options}
    return modal(
        MILESTONE_DONE_FORM,
        str(pair.pair.id),
        "Milestone done",
        [input_block(MILESTONE_DONE_FORM_PICK, "Which milestone is done?", pick)],
        submit="Mark done",
    )

"""Dates picked in forms follow the typed commands' rules: one 20-year limit, the same words."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from handlers.goals import blocks as goal_blocks
from handlers.goals.blocks import GOAL_FORM
from handlers.goals.milestones import (
    MILESTONE_FORM,
    MILESTONE_FORM_DUE,
    MILESTONE_FORM_GOAL,
    MILESTONE_FORM_TEXT,
)
from mentoring.errors import FieldError, InvalidInput
from mentoring.goals import parse_goal, parse_goal_edit
from mentoring.milestones import parse_milestone, parse_milestone_form
from storage.db import session_scope
from storage.models import Goal, Milestone
from tests.conftest import MENTEE, Wire

TODAY = date(2026, 11, 21)  # the date of tests.support.T0, the wire's clock
FAR = date(2047, 11, 21)  # 21 years ahead
NEAR = date(2045, 11, 21)  # 19 years ahead
TOO_FAR = "2047-11-21 is more than 20 years away; pick a date up to 2046-12-31."


def test_the_goal_form_refuses_a_date_21_years_ahead_beside_the_date() -> None:
    """parse_goal_edit (goal form and editor) gives the typed command's message, on "due"."""
    with pytest.raises(FieldError) as refused:
        parse_goal_edit("Give a talk", "", FAR, TODAY)
    assert (refused.value.field, str(refused.value)) == ("due", TOO_FAR)


def test_the_goal_form_accepts_a_date_19_years_ahead() -> None:
    """A far but allowed date is kept as picked."""
    assert parse_goal_edit("Give a talk", "", NEAR, TODAY).due_on == NEAR


def test_the_milestone_form_refuses_a_date_21_years_ahead_beside_the_date() -> None:
    """parse_milestone_form gives the typed command's message, on "due"."""
    with pytest.raises(FieldError) as refused:
        parse_milestone_form("Submit the proposal", FAR, TODAY)
    assert (refused.value.field, str(refused.value)) == ("due", TOO_FAR)


def test_the_milestone_form_accepts_a_date_19_years_ahead() -> None:
    """A far but allowed date is kept as picked."""
    assert parse_milestone_form("Submit the proposal", NEAR, TODAY).due_on == NEAR


def test_typed_commands_say_the_same_as_the_forms() -> None:
    """`/goal … by <date>` and `/goal milestone 1 … by <date>` (and a review's pivot wording,
    which is read by parse_goal) refuse and accept the same dates with the same words."""
    for parse in (parse_goal, parse_milestone):
        with pytest.raises(InvalidInput) as refused:
            parse(f"Give a talk by {FAR.isoformat()}", TODAY)
        assert str(refused.value) == TOO_FAR
        assert parse(f"Give a talk by {NEAR.isoformat()}", TODAY).due_on == NEAR


def test_a_past_picked_date_keeps_its_calendar_wording() -> None:
    """The forms' past-date refusal is unchanged: "Pick a date in the future." beside the date."""
    with pytest.raises(FieldError, match=r"^Pick a date in the future\.$") as refused:
        parse_milestone_form("Submit the proposal", date(2020, 1, 1), TODAY)
    assert refused.value.field == "due"


def _goal_fields(due: str) -> dict:
    return {
        goal_blocks.GOAL_OUTCOME: {"type": "plain_text_input", "value": "Give a talk"},
        goal_blocks.GOAL_DUE: {"type": "datepicker", "selected_date": due},
        goal_blocks.GOAL_EVIDENCE: {"type": "plain_text_input", "value": ""},
    }


def test_the_new_goal_form_shows_the_limit_and_saves_nothing(wire: Wire, paired) -> None:
    """Over the wire, a 2047 datepicker value comes back beside the date; 2045 is saved."""
    pair = str(paired.id)
    far = wire.submit(GOAL_FORM, _goal_fields(FAR.isoformat()), user=MENTEE, private_metadata=pair)
    assert far.json() == {
        "response_action": "errors",
        "errors": {goal_blocks.GOAL_DUE: TOO_FAR},
    }
    with session_scope(wire.services.engine) as session:
        assert session.exec(select(Goal)).all() == []
    near = wire.submit(
        GOAL_FORM, _goal_fields(NEAR.isoformat()), user=MENTEE, private_metadata=pair
    )
    assert near.status_code == 200 and near.text == ""
    with session_scope(wire.services.engine) as session:
        assert [goal.due_on for goal in session.exec(select(Goal))] == [NEAR]


def test_the_goal_editor_shows_the_limit(wire: Wire, paired) -> None:
    """Editing a goal to a 2047 date is refused beside the date and leaves the goal as it was."""
    reply = wire.command("/goal", "Improve my technical skills", user=MENTEE)
    goal_id = reply.reply["blocks"][1]["accessory"]["value"]
    far = wire.submit(
        goal_blocks.GOAL_EDITOR,
        _goal_fields(FAR.isoformat()),
        user=MENTEE,
        private_metadata=goal_id,
    )
    assert far.json()["errors"] == {goal_blocks.GOAL_DUE: TOO_FAR}
    with session_scope(wire.services.engine) as session:
        goal = session.exec(select(Goal)).one()
        assert (goal.text, goal.due_on) == ("Improve my technical skills", None)


def test_the_milestone_form_shows_the_limit_and_saves_nothing(wire: Wire, paired) -> None:
    """Over the wire, a 2047 step date comes back beside the date; 2045 is saved."""
    wire.command("/goal", "Give a talk at PyCon by May 2027", user=MENTEE)
    option = {"text": {"type": "plain_text", "text": "1."}, "value": "1"}

    def submit(due: date):
        fields = {
            MILESTONE_FORM_GOAL: {"type": "static_select", "selected_option": option},
            MILESTONE_FORM_TEXT: {"type": "plain_text_input", "value": "Submit the proposal"},
            MILESTONE_FORM_DUE: {"type": "datepicker", "selected_date": due.isoformat()},
        }
        return wire.submit(MILESTONE_FORM, fields, user=MENTEE, private_metadata=str(paired.id))

    assert submit(FAR).json() == {
        "response_action": "errors",
        "errors": {MILESTONE_FORM_DUE: TOO_FAR},
    }
    with session_scope(wire.services.engine) as session:
        assert session.exec(select(Milestone)).all() == []
    assert submit(NEAR).status_code == 200
    with session_scope(wire.services.engine) as session:
        assert [step.due_on for step in session.exec(select(Milestone))] == [NEAR]

"""Modal submissions. Slack wants the answer within 3 seconds, and only that answer can show
errors beside the fields, so the fields are checked before the ack (nothing typed is lost: the
form stays open with the error); the change is made after, by the same rules as the commands.
The id in private_metadata arrives from outside and is checked again by those rules: the goal
must be the submitter's, the pair one they are in."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_bolt import Ack, App

from handlers import blocks, flows, home_blocks, review_blocks
from handlers.home_blocks import (
    AGENDA_FORM_TEXT,
    MILESTONE_DONE_FORM_PICK,
    MILESTONE_FORM_DUE,
    MILESTONE_FORM_GOAL,
    MILESTONE_FORM_TEXT,
    WIN_FORM_GOAL,
    WIN_FORM_TEXT,
    WIN_FORM_WORKED,
)
from handlers.parsing import parse_milestone_label
from handlers.services import Services
from handlers.tasks import Flow, ReplyTo, Task
from mentoring.errors import FieldError, MentoringError
from mentoring.goals import parse_goal_edit
from mentoring.meetings.agenda import parse_agenda_form
from mentoring.milestones import parse_milestone_form
from mentoring.reviews.answers import ReviewFieldErrors, save_page
from mentoring.reviews.questionnaire import questionnaire
from mentoring.wins import parse_win_form

Values = dict[str, Any]


@dataclass(frozen=True)
class FormSpec:
    """How to read a form's fields (into the flow's arguments after the id) and save them."""

    read: Callable[[Values, date], tuple[Any, ...]]
    save: Flow
    fields: dict[str, str]  # a refused field → the block its error is shown beside


def _value(values: Values, block: str, key: str) -> Any:
    return values.get(block, {}).get(block, {}).get(key)


def _text(values: Values, block: str) -> str:
    return str(_value(values, block, "value") or "")


def _picked(values: Values, block: str) -> str:
    option = _value(values, block, "selected_option")
    return str(option.get("value", "")) if isinstance(option, dict) else ""


def _date(values: Values, block: str, field: str) -> date | None:
    picked = _value(values, block, "selected_date")
    if not picked:
        return None
    try:
        return date.fromisoformat(str(picked))
    except ValueError as error:
        raise FieldError(field, "Pick a date from the calendar.") from error


def _goal(values: Values, today: date) -> tuple[Any, ...]:
    outcome = _text(values, blocks.GOAL_EDITOR_OUTCOME)
    evidence = _text(values, blocks.GOAL_EDITOR_EVIDENCE)
    due = _date(values, blocks.GOAL_EDITOR_DUE, "due")
    return (parse_goal_edit(outcome, evidence, due, today),)


def _win(values: Values, today: date) -> tuple[Any, ...]:
    goal = _picked(values, WIN_FORM_GOAL)
    if goal and not goal.isdigit():
        raise FieldError("goal", "Pick one of the goals, or none.")
    what, worked = _text(values, WIN_FORM_TEXT), _text(values, WIN_FORM_WORKED)
    return (parse_win_form(what, int(goal) if goal else None, worked),)


def _milestone(values: Values, today: date) -> tuple[Any, ...]:
    goal = _picked(values, MILESTONE_FORM_GOAL)
    if not goal.isdigit():
        raise FieldError("goal", "Pick the goal this step is for.")
    due = _date(values, MILESTONE_FORM_DUE, "due")
    return int(goal), parse_milestone_form(_text(values, MILESTONE_FORM_TEXT), due, today)


def _milestone_done(values: Values, today: date) -> tuple[Any, ...]:
    label = parse_milestone_label(_picked(values, MILESTONE_DONE_FORM_PICK))
    if label is None:
        raise FieldError("milestone", "Pick the milestone that is done.")
    return label


def _agenda(values: Values, today: date) -> tuple[Any, ...]:
    return (parse_agenda_form(_text(values, AGENDA_FORM_TEXT)),)


GOAL_FIELDS = {"outcome": blocks.GOAL_EDITOR_OUTCOME, "due": blocks.GOAL_EDITOR_DUE}
FORMS: dict[str, FormSpec] = {
    blocks.GOAL_EDITOR: FormSpec(_goal, flows.save_goal_edit, GOAL_FIELDS),
    home_blocks.GOAL_FORM: FormSpec(_goal, flows.save_goal_form, GOAL_FIELDS),
    home_blocks.WIN_FORM: FormSpec(
        _win,
        flows.save_win_form,
        {"what": WIN_FORM_TEXT, "goal": WIN_FORM_GOAL, "worked": WIN_FORM_WORKED},
    ),
    home_blocks.MILESTONE_FORM: FormSpec(
        _milestone,
        flows.save_milestone_form,
        {"goal": MILESTONE_FORM_GOAL, "text": MILESTONE_FORM_TEXT, "due": MILESTONE_FORM_DUE},
    ),
    home_blocks.MILESTONE_DONE_FORM: FormSpec(
        _milestone_done, flows.save_milestone_done_form, {"milestone": MILESTONE_DONE_FORM_PICK}
    ),
    home_blocks.AGENDA_FORM: FormSpec(_agenda, flows.save_agenda_form, {"text": AGENDA_FORM_TEXT}),
}


def handle_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services) -> None:
    """A form submitted: errors inline, or close it and save after the ack; the answer goes to
    the person's DM (a modal has no response_url)."""
    callback_id = view["callback_id"]
    form = FORMS[callback_id]
    values = view.get("state", {}).get("values", {})
    try:
        fields = form.read(values, services.clock().date())
    except FieldError as refused:
        ack(response_action="errors", errors={form.fields[refused.field]: str(refused)})
        return
    metadata = str(view.get("private_metadata", ""))
    if not metadata.isdigit():
        first = next(iter(form.fields.values()))
        ack(response_action="errors", errors={first: flows.OUT_OF_DATE})
        return
    ack()
    user = body["user"]["id"]
    task = Task(form.save, (user, int(metadata), *fields), ReplyTo(channel=user), callback_id)
    services.after_ack(task)


def handle_review_page(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services
) -> None:
    """A questionnaire page submitted: the rules check and save it before the ack (only that
    answer can show errors beside the fields or move on to the next page); the review id in
    private_metadata is checked again against the submitter, so a forged one saves nothing."""
    user = body["user"]["id"]
    where = review_blocks.page_metadata(view)
    if where is None:
        ack(response_action="update", view=review_blocks.cannot_save(flows.OUT_OF_DATE))
        return
    review_id, page = where
    values = review_blocks.page_values(view)
    actor, now = services.actor(user), services.clock()
    try:
        saved = save_page(services.engine, actor, review_id, page, values, now)
    except ReviewFieldErrors as refused:
        ack(response_action="errors", errors=refused.errors)
        return
    except MentoringError as refused:
        ack(response_action="update", view=review_blocks.cannot_save(str(refused)))
        return
    if saved.next_page is not None:
        form = questionnaire(services.engine, actor, review_id, now)
        ack(response_action="update", view=review_blocks.review_page(form, saved.next_page))
        return
    ack()
    task = Task(flows.review_answered, (user, saved), ReplyTo(channel=user), "review answered")
    services.after_ack(task)


def register(app: App) -> None:
    app.view(re.compile("^(" + "|".join(map(re.escape, FORMS)) + ")$"))(handle_form)
    app.view(review_blocks.REVIEW_PAGE)(handle_review_page)

"""Forms: opening one for the right pair, and reading what a submission holds.

A pair form (`routing.PairForm`) opens from a Home button, a chooser's button or a command;
someone in several pairs is asked which one first. Submissions are read field by field: a
field's block id is also its element's action id.

A form carries the time zone of the person it opened for after its id in private_metadata
("12 America/New_York"): a picked date is checked against that person's today before the ack,
when there is no time to ask Slack, and again by the same date after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from handlers.kit import Block, Message, choose_among, next_time, option
from handlers.routing import PairForm, Values
from handlers.runtime import Call
from handlers.slack_text import clean
from mentoring import dashboard
from mentoring.dashboard import FORM_OPTIONS, FormContext
from mentoring.dates import known_zone, local_date
from mentoring.errors import AmbiguousPair, FieldError
from mentoring.model import Target


def open_form(call: Call, form: PairForm, target: Target) -> Message | None:
    """Open `form` for the pair `target` means (trigger ids last 3 seconds, so this runs
    straight after the ack); someone in several pairs is asked which one first."""
    try:
        context = call.apply(dashboard.form_context, call.engine, call.actor, target, form.capture)
    except AmbiguousPair as ambiguous:
        return form_chooser(form, ambiguous, call.names_of(c.other_user for c in ambiguous.choices))
    call.open_modal(with_zone(form.view(context), call.zone))
    return None


def with_zone(view: dict[str, Any], zone: str) -> dict[str, Any]:
    """The modal with the opener's time zone after the id in its private_metadata."""
    return view | {"private_metadata": f"{view.get('private_metadata', '')} {zone}"}


def form_today(metadata: str, now: datetime) -> tuple[str, date]:
    """The id part of a form's private_metadata, and the date at `now` in the zone it carries
    (UTC for a form opened before forms carried one, or a zone this system doesn't know)."""
    ident, _, zone = metadata.partition(" ")
    return ident, local_date(now, known_zone(zone))


def form_chooser(form: PairForm, ambiguous: AmbiguousPair, names: Mapping[str, str]) -> Message:
    """Which pair, then the form: one button per pair, which opens the form for it."""
    choices = ambiguous.choices
    line = f"You're in {len(choices)} mentorships. Which one is {form.purpose} for?"
    values = [str(choice.pair_id) for choice in choices]
    return choose_among(line, choices, form.opener, values, next_time(choices), names)


def value_of(values: Values, block: str, key: str) -> Any:
    return values.get(block, {}).get(block, {}).get(key)


def text_of(values: Values, block: str) -> str:
    return clean(str(value_of(values, block, "value") or ""))


def picked(values: Values, block: str) -> str:
    option = value_of(values, block, "selected_option")
    return str(option.get("value", "")) if isinstance(option, dict) else ""


def date_of(values: Values, block: str, field: str) -> date | None:
    chosen = value_of(values, block, "selected_date")
    if not chosen:
        return None
    try:
        return date.fromisoformat(str(chosen))
    except ValueError as error:
        raise FieldError(field, "Pick a date from the calendar.") from error


def goal_select(action_id: str, pair: FormContext) -> Block:
    """A select of the pair's open goals, by number."""
    options = [
        option(f"{goal.number}. {goal.text}", str(goal.number))
        for goal in pair.goals[:FORM_OPTIONS]
    ]
    return {"type": "static_select", "action_id": action_id, "options": options}

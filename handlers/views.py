"""Modal submissions. Slack wants the answer within 3 seconds, and only that answer can show
errors beside the fields, so the fields are checked before the ack (nothing typed is lost: the
form stays open with the error); the change is made after, by the same rules as the commands.
The id in private_metadata arrives from outside and is checked again by those rules: the goal
must be the submitter's, the pair one they are in."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from handlers.forms import form_today
from handlers.reviews import questionnaire
from handlers.routing import FORMS, OUT_OF_DATE, Form, Part, Values, read_id, read_person
from handlers.runtime import Answer, Call, Origin, ReplyTo, Services, Task
from mentoring.errors import FieldError, InvalidInput


def handle_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services) -> None:
    """A form submitted: errors inline, or close it and save after the ack; the answer goes to
    the person's DM (a modal has no response_url)."""
    callback_id = view["callback_id"]
    form = FORMS[callback_id]
    values = view.get("state", {}).get("values", {})
    metadata = str(view.get("private_metadata", ""))
    ident, today = form_today(metadata, services.clock())
    try:
        form.read(values, today)  # refused fields are shown beside them
    except FieldError as refused:
        ack(response_action="errors", errors={form.fields[refused.field]: str(refused)})
        return
    try:
        target_id = read_target(form, ident)
    except InvalidInput:
        first = next(iter(form.fields.values()))
        ack(response_action="errors", errors={first: OUT_OF_DATE})
        return
    ack()
    user = body["user"]["id"]
    args = (callback_id, target_id, values, metadata)
    services.after_ack(
        Task(save_form, Origin(user_id=user), args, ReplyTo(channel=user), callback_id)
    )


def read_target(form: Form, metadata: str) -> int | str:
    """The id a form's private_metadata carries: a number, or a person (an offer's owner)."""
    return read_person(metadata) if form.metadata is Part.PERSON else read_id(metadata)


def save_form(
    call: Call, callback_id: str, target_id: int | str, values: Values, metadata: str = ""
) -> Answer:
    """The form's fields, read again (they were checked before the ack) as of the same person's
    date, saved by its flow."""
    form = FORMS[callback_id]
    _, today = form_today(metadata, call.now)
    return form.save(call, target_id, *form.read(values, today))


def register(app: App) -> None:
    app.view(re.compile("^(" + "|".join(map(re.escape, FORMS)) + ")$"))(handle_form)
    app.view(questionnaire.REVIEW_PAGE)(questionnaire.handle_review_page)

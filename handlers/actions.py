"""Buttons. Values carry ids only; every flow re-checks who clicked against the database."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from handlers import forms
from handlers.routing import (
    BUTTONS,
    PAIR_FORMS,
    find_button,
    form_opener,
    read_id,
    read_value,
)
from handlers.runtime import Answer, Call, Origin, ReplyTo, Services, Task
from mentoring.model import Target


def handle_button(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], services: Services
) -> None:
    """Ack the click, then run the button's flow. Its answer replaces the clicked message; a
    button that opens a modal runs straight after the ack (its trigger_id lasts 3 seconds) and
    a refusal goes privately to whoever clicked. A button in a post others see too gets the
    message it was clicked in, and answers privately unless its answer redraws that post."""
    ack()
    action_id = action["action_id"]
    button = find_button(action_id)
    assert button is not None  # the listener's matcher only lets registered ids through
    user = body["user"]["id"]
    origin = Origin(user_id=user, trigger_id=body.get("trigger_id"))
    args: tuple[Any, ...] = (action_id, str(action.get("value", "")))
    if button.opens_modal:
        reply = ReplyTo(response_url=body.get("response_url"), channel=user)
    elif button.in_post:
        reply = ReplyTo(response_url=body.get("response_url"))
        posted = body.get("message") or {}
        args += ({"text": posted.get("text") or "", "blocks": posted.get("blocks") or []},)
    else:
        reply = ReplyTo(response_url=body.get("response_url"), replace=True)
    services.after_ack(Task(run_button, origin, args, reply, action_id))


def run_button(
    call: Call, action_id: str, value: str, post: dict[str, Any] | None = None
) -> Answer:
    button = find_button(action_id)
    assert button is not None
    parts = read_value(value, button.value)
    return button.run(call, *parts, post or {}) if button.in_post else button.run(call, *parts)


def handle_open_form(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], services: Services
) -> None:
    """Ack, then open the button's form with the click's trigger_id (valid for 3 seconds).
    Clicks on the Home tab carry no response_url, so refusals go to the person's DM."""
    ack()
    user = body["user"]["id"]
    origin = Origin(user_id=user, trigger_id=body.get("trigger_id"))
    reply = ReplyTo(response_url=body.get("response_url"), channel=user)
    args = (action["action_id"], str(action.get("value", "")))
    services.after_ack(Task(open_pair_form, origin, args, reply, action["action_id"]))


def open_pair_form(call: Call, action_id: str, value: str) -> Answer:
    """A Home button (or a chooser's): the form for the pair whose id is the button's value."""
    chosen = form_opener(action_id)
    assert chosen is not None
    return forms.open_form(call, chosen, Target(pair_id=read_id(value)))


def register(app: App) -> None:
    openers = "|".join(re.escape(pair_form.opener) for pair_form in PAIR_FORMS.values())
    app.action(re.compile(rf"^(?:{openers})(?:_[0-9]+)?$"))(handle_open_form)
    ids = [re.escape(b.action_id) + (r"(?:_[0-9]+)?" if b.numbered else "") for b in BUTTONS]
    app.action(re.compile(f"^(?:{'|'.join(ids)})$"))(handle_button)

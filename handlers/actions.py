"""Buttons. Values carry ids only; every flow re-checks who clicked against the database."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from handlers import blocks, flows, home_blocks, meeting_blocks, review_blocks
from handlers.services import Services
from handlers.tasks import Flow, ReplyTo, Task

BUTTONS: dict[str, Flow] = {
    blocks.SAVE_AS_WIN: flows.save_note_as_win,
    blocks.SAVE_AS_GOAL: flows.save_note_as_goal,
    blocks.DISCARD_NOTE: flows.discard_note,
    blocks.UNDO_GOAL_STATUS: flows.undo_goal_status,
    blocks.UNDO_WIN: flows.undo_win,
    blocks.REPOST_WIN: flows.repost_win,
    blocks.END_PAIR: flows.end_pair,
    blocks.KEEP_PAIR: flows.keep_pair,
    meeting_blocks.UNSKIP_MEETING: flows.unskip_meeting,
    meeting_blocks.REOPEN_ACTION: flows.reopen_action,
    blocks.UNDO_MILESTONE: flows.undo_milestone,
}
NUMBERED: dict[re.Pattern[str], Flow] = {  # one button per item: <action>_<index>
    re.compile(rf"^{blocks.CHOOSE_PAIR}_\d+$"): flows.choose_pair,
    re.compile(rf"^{blocks.MILESTONE_DONE}_\d+$"): flows.mark_milestone_done,
}


def handle_button(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], services: Services
) -> None:
    """Ack the click, then run the button's flow; its answer replaces the clicked message."""
    ack()
    action_id = action["action_id"]
    flow = BUTTONS.get(action_id) or next(f for p, f in NUMBERED.items() if p.match(action_id))
    clicker, value = body["user"]["id"], str(action.get("value", ""))
    reply = ReplyTo(response_url=body.get("response_url"), replace=True)
    services.after_ack(Task(flow, (clicker, value), reply, action_id))


MODAL_BUTTONS: dict[str, Flow] = {  # buttons that open a modal with the click's trigger_id
    blocks.MAKE_GOAL_SPECIFIC: flows.open_goal_editor,
    review_blocks.ANSWER_REVIEW: flows.open_review,
}


def handle_modal_button(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], services: Services
) -> None:
    """Ack, then open the button's modal with the click's trigger_id (valid for 3 seconds);
    a refusal goes privately to whoever clicked."""
    ack()
    action_id = action["action_id"]
    user = body["user"]["id"]
    args = (user, str(action.get("value", "")), body["trigger_id"])
    reply = ReplyTo(response_url=body.get("response_url"), channel=user)
    services.after_ack(Task(MODAL_BUTTONS[action_id], args, reply, action_id))


FORM_BUTTON = re.compile(  # on the Home: open_goal_form; in a chooser message: open_goal_form_0
    "^(" + "|".join(map(re.escape, home_blocks.OPEN_FORM.values())) + r")(?:_\d+)?$"
)
FORMS = {action_id: form for form, action_id in home_blocks.OPEN_FORM.items()}


def handle_open_form(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], services: Services
) -> None:
    """Ack, then open the button's form with the click's trigger_id (valid for 3 seconds).
    Clicks on the Home tab carry no response_url, so refusals go to the person's DM."""
    ack()
    action_id = action["action_id"]
    match = FORM_BUTTON.match(action_id)
    assert match is not None
    user = body["user"]["id"]
    form = FORMS[match.group(1)].value
    args = (user, form, str(action.get("value", "")), body["trigger_id"])
    reply = ReplyTo(response_url=body.get("response_url"), channel=user)
    services.after_ack(Task(flows.open_pair_form, args, reply, action_id))


def register(app: App) -> None:
    modal_ids = "|".join(map(re.escape, MODAL_BUTTONS))
    app.action(re.compile(f"^(?:{modal_ids})$"))(handle_modal_button)
    app.action(FORM_BUTTON)(handle_open_form)
    ids = [re.escape(action_id) for action_id in BUTTONS]
    ids += [pattern.pattern[1:-1] for pattern in NUMBERED]
    app.action(re.compile(f"^(?:{'|'.join(ids)})$"))(handle_button)

"""Modal submissions. Slack wants the answer within 3 seconds, and only that answer can show
errors beside the fields, so the fields are checked before the ack; the change is made after."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App

from handlers import blocks, flows
from handlers.services import Services
from handlers.tasks import ReplyTo, Task
from mentoring.errors import FieldError
from mentoring.goals import parse_goal_edit

FIELD_BLOCKS = {"outcome": blocks.GOAL_EDITOR_OUTCOME, "due": blocks.GOAL_EDITOR_DUE}


def handle_goal_editor(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services
) -> None:
    """ "Make it specific" submitted: errors inline, or close and save (the rules check again
    that the goal is the submitter's: private_metadata arrives from outside)."""
    values = view.get("state", {}).get("values", {})

    def field(block: str, key: str) -> Any:
        return values.get(block, {}).get(block, {}).get(key)

    due_text = field(blocks.GOAL_EDITOR_DUE, "selected_date")
    try:
        edit = parse_goal_edit(
            field(blocks.GOAL_EDITOR_OUTCOME, "value") or "",
            field(blocks.GOAL_EDITOR_EVIDENCE, "value") or "",
            date.fromisoformat(due_text) if due_text else None,
            services.clock().date(),
        )
    except FieldError as refused:
        ack(response_action="errors", errors={FIELD_BLOCKS[refused.field]: str(refused)})
        return
    metadata = str(view.get("private_metadata", ""))
    if not metadata.isdigit():
        ack(response_action="errors", errors={blocks.GOAL_EDITOR_OUTCOME: flows.OUT_OF_DATE})
        return
    ack()
    user = body["user"]["id"]
    task = Task(flows.save_goal_edit, (user, int(metadata), edit), ReplyTo(channel=user), "edit")
    services.after_ack(task)


def register(app: App) -> None:
    app.view(blocks.GOAL_EDITOR)(handle_goal_editor)

"""Modal submissions. Slack wants the answer within 3 seconds, and only that answer can show
errors beside the fields, so the fields are checked before the ack; the change is made after."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App

from handlers import blocks, flows, review_blocks
from handlers.services import Services
from handlers.tasks import ReplyTo, Task
from mentoring import review_answers
from mentoring.errors import MentoringError
from mentoring.goals import GoalFieldError, parse_goal_edit

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
    except GoalFieldError as refused:
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
        saved = review_answers.save_page(services.engine, actor, review_id, page, values, now)
    except review_answers.ReviewFieldErrors as refused:
        ack(response_action="errors", errors=refused.errors)
        return
    except MentoringError as refused:
        ack(response_action="update", view=review_blocks.cannot_save(str(refused)))
        return
    if saved.next_page is not None:
        form = review_answers.questionnaire(services.engine, actor, review_id, now)
        ack(response_action="update", view=review_blocks.review_page(form, saved.next_page))
        return
    ack()
    task = Task(flows.review_answered, (user, saved), ReplyTo(channel=user), "review answered")
    services.after_ack(task)


def register(app: App) -> None:
    app.view(blocks.GOAL_EDITOR)(handle_goal_editor)
    app.view(review_blocks.REVIEW_PAGE)(handle_review_page)

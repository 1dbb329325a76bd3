"""The review questionnaire: a modal of several pages, each saved as it is submitted.

Pages stay inside a modal's limits (100 blocks, 24-character titles, 75-character option
labels, 3000-character private_metadata); field ids are the rules' field keys
(mentoring.reviews.answers), so the rules' errors land beside their fields. The fit question is
on the mentee's own last page only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from slack_bolt import Ack

from handlers.kit import (
    Block,
    Message,
    context,
    input_block,
    option,
    packed_sections,
    plural,
    section,
)
from handlers.reviews.messages import answer_saved
from handlers.routing import OUT_OF_DATE
from handlers.runtime import Call, Origin, ReplyTo, Services, Task
from handlers.slack_text import clean, clip, mrkdwn, plain
from mentoring.errors import MentoringError
from mentoring.goals import GOAL_MAX_CHARS
from mentoring.matching import finding
from mentoring.model import MAX_NUMBER
from mentoring.reviews import answers as answers_rules
from mentoring.reviews import questionnaire as questionnaire_rules
from mentoring.reviews.answers import ANSWER_MAX_CHARS
from mentoring.reviews.questionnaire import BOTTLENECKS, Questionnaire

REVIEW_PAGE = "review_page"  # the questionnaire's callback id
PAGE_TITLES = {
    "checkin": "Last time",
    "audit": "Roadmap audit",
    "evidence": "Growth evidence",
    "ssc": "Stop/Start/Continue",
    "goalpost": "Goalposts",
    "fit": "Mentor fit",
}
AUDIT_CHOICES = [("done", "Done"), ("on_track", "On track")] + [
    (f"behind:{key}", f"Behind: {word}") for key, word in BOTTLENECKS.items()
]
DECISION_CHOICES = [
    ("keep", "Keep"),
    ("pivot", "Pivot (new wording)"),
    ("drop", "Drop"),
    ("achieved", "Achieved"),
]
CHECKIN_CHOICES = [("yes", "Yes"), ("partly", "Partly"), ("no", "No")]
FIT_CHOICES = [
    ("5", "5: exactly the experience I need"),
    ("4", "4"),
    ("3", "3"),
    ("2", "2"),
    ("1", "1: my goals are beyond their experience"),
]


def handle_review_page(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services
) -> None:
    """A page submitted: the rules check and save it before the ack (only that answer can show
    errors beside the fields or move on to the next page); the review id in private_metadata
    is checked again against the submitter, so a forged one saves nothing."""
    user = body["user"]["id"]
    where = page_metadata(view)
    if where is None:
        ack(response_action="update", view=cannot_save(OUT_OF_DATE))
        return
    review_id, page = where
    values = page_values(view)
    actor, now = services.actor(user), services.clock()
    try:
        saved = answers_rules.save_page(services.engine, actor, review_id, page, values, now)
    except answers_rules.ReviewFieldErrors as refused:
        ack(response_action="errors", errors=refused.errors)
        return
    except MentoringError as refused:
        ack(response_action="update", view=cannot_save(str(refused)))
        return
    if saved.next_page is not None:
        form = questionnaire_rules.questionnaire(services.engine, actor, review_id, now)
        ack(response_action="update", view=review_page(form, saved.next_page))
        return
    ack()
    reply = ReplyTo(channel=user)
    args = (saved.both_answered, saved.low_fit, review_id)
    services.after_ack(Task(review_answered, Origin(user), args, reply, "review answered"))


def review_answered(
    call: Call, both_answered: bool, low_fit: bool, review_id: int | None = None
) -> Message:
    """The thanks; after a low fit, with the mentee's goal to find a mentor for."""
    goal_id = None
    if low_fit and review_id is not None:
        goal_id = call.apply(finding.goal_after_review, call.engine, call.actor, review_id)
    return answer_saved(both_answered, low_fit, goal_id)


def review_page(form: Questionnaire, index: int) -> Block:
    """Page `index` of the person's questionnaire, filled with what they saved before."""
    page = form.pages[index]
    kind = page.split(":")[0]
    last = index == len(form.pages) - 1
    blocks: list[Block] = [
        context(
            f"Review {form.review.number} with <@{form.pair.other(form.viewer)}> · "
            f"page {index + 1} of {len(form.pages)}"
        )
    ]
    builders = {
        "checkin": _checkin_page,
        "audit": _audit_page,
        "evidence": _evidence_page,
        "ssc": _ssc_page,
        "goalpost": _goalpost_page,
        "fit": _fit_page,
    }
    blocks += builders[kind](form, page)
    return {
        "type": "modal",
        "callback_id": REVIEW_PAGE,
        "private_metadata": json.dumps({"review": form.review.id, "page": page}),
        "title": {"type": "plain_text", "text": plain(PAGE_TITLES[kind], 24)},
        "submit": {"type": "plain_text", "text": "Finish" if last else "Next"},
        "close": {"type": "plain_text", "text": "Later"},
        "blocks": blocks[:100],
    }


def _select(
    key: str,
    label: str,
    choices: Sequence[tuple[str, str]],
    initial: str | None,
    *,
    optional: bool = False,
    hint: str = "",
) -> Block:
    element: Block = {
        "type": "static_select",
        "action_id": key,
        "placeholder": {"type": "plain_text", "text": "Choose"},
        "options": [option(text, value) for value, text in choices],
    }
    chosen = next((option(t, v) for v, t in choices if v == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return input_block(key, label, element, optional=optional, hint=hint)


def _text_input(
    key: str,
    label: str,
    initial: str | None,
    *,
    multiline: bool = True,
    optional: bool = False,
    max_length: int = ANSWER_MAX_CHARS,
    placeholder: str | None = None,
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": key,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": plain(placeholder, 150)}
    return input_block(key, label, element, optional=optional)


def _checkin_page(form: Questionnaire, page: str) -> list[Block]:
    blocks: list[Block] = [section("*Last time you said you would…* Did you?")]
    for commitment in form.checkin_page(page):
        blocks.append(
            _select(
                f"checkin:{commitment.id}",
                f"{commitment.kind.capitalize()}: {commitment.text}",
                CHECKIN_CHOICES,
                form.saved.checkins.get(str(commitment.id)),
            )
        )
    return blocks


def _audit_page(form: Questionnaire, page: str) -> list[Block]:
    items: dict[str, str] = form.saved.audit.get("items", {})
    notes: dict[str, str] = form.saved.audit.get("notes", {})
    blocks: list[Block] = [
        section(
            "*How is each goal and milestone going?* For anything behind, say what held it "
            "up (resources, time, a skill gap) and add a line on what would help."
        )
    ]
    for entry in form.audit_page(page):
        goal = entry.goal
        if entry.continued:
            blocks.append(context(f"Goal {goal.number}, continued: {clip(mrkdwn(goal.text), 200)}"))
        else:
            blocks.append(
                _select(
                    f"item:goal:{goal.id}",
                    f"Goal {goal.number}: {goal.text}",
                    AUDIT_CHOICES,
                    items.get(f"goal:{goal.id}"),
                    hint=f"How you'll know: {goal.done_when}" if goal.done_when else "",
                )
            )
        for milestone in entry.milestones:
            initial = items.get(f"milestone:{milestone.id}") or ("done" if milestone.done else None)
            blocks.append(
                _select(
                    f"item:milestone:{milestone.id}",
                    f"{milestone.label} {milestone.text}"
                    + (f" (due {milestone.due_on.isoformat()})" if milestone.due_on else ""),
                    AUDIT_CHOICES,
                    initial,
                )
            )
        if entry.closes:
            blocks.append(
                _text_input(
                    f"note:{goal.id}",
                    f"Goal {goal.number}: what would help? (needed when something is behind)",
                    notes.get(str(goal.id)),
                    optional=True,
                )
            )
    return blocks


def _evidence_page(form: Questionnaire, page: str) -> list[Block]:
    options = [
        option(f"{win.created_at:%d %b}: {win.text}", str(win.id)) for win in form.wins[:100]
    ]
    element: Block = {
        "type": "multi_static_select",
        "action_id": "evidence",
        "max_selected_items": 3,
        "placeholder": {"type": "plain_text", "text": "Pick one to three"},
        "options": options,
    }
    chosen = [o for o in options if int(o["value"]) in form.saved.evidence]
    if chosen:
        element["initial_options"] = chosen
    listed = [f"• {clip(mrkdwn(win.text), 200)}" for win in form.wins[:20]]
    return [
        section(
            f"*Since the last review you logged {plural(len(form.wins), 'win')}.* Which one to "
            "three best show practice, not just theory?"
        ),
        *packed_sections(listed, 2),
        input_block("evidence", "Best evidence of growth", element),
    ]


def _ssc_page(form: Questionnaire, page: str) -> list[Block]:
    other = form.pair.other(form.viewer)
    saved = form.saved
    return [
        section(
            f"*Stop / Start / Continue* — about how you and <@{other}> work together. "
            "One thing per line; each Start and Stop becomes a commitment the next review "
            "asks about."
        ),
        _text_input(
            "stop", "Stop doing", saved.stop, placeholder="e.g. cancelling at short notice"
        ),
        _text_input(
            "start", "Start doing", saved.start, placeholder="e.g. sending the agenda a day ahead"
        ),
        _text_input("continue", "Continue doing", saved.keep_doing),
    ]


def _goalpost_page(form: Questionnaire, page: str) -> list[Block]:
    blocks: list[Block] = [
        section(
            "*Goalposts.* Has anything shifted — your interests, your team, the industry? "
            "Better to change direction now than reach the wrong destination. A pivot keeps "
            "the goal's milestones and wins and records the old wording."
        )
    ]
    for goal in form.goalpost_page(page):
        saved = form.saved.goalposts.get(str(goal.id), {})
        blocks.append(
            _select(
                f"decision:{goal.id}",
                f"Goal {goal.number}: {goal.text}",
                DECISION_CHOICES,
                saved.get("decision"),
            )
        )
        blocks.append(
            _text_input(
                f"pivot:{goal.id}",
                f"If pivoting goal {goal.number}: the new wording",
                saved.get("text"),
                multiline=False,
                optional=True,
                max_length=GOAL_MAX_CHARS,
            )
        )
        blocks.append(
            _text_input(
                f"why:{goal.id}",
                f"If pivoting goal {goal.number}: why",
                saved.get("reason"),
                multiline=False,
                optional=True,
                max_length=500,
            )
        )
    return blocks


def _fit_page(form: Questionnaire, page: str) -> list[Block]:
    other = form.pair.other(form.viewer)
    return [
        section(
            f":lock: *Just for you.* How well does <@{other}>'s experience match your goals "
            "now? This answer is never shown to your mentor or in the channel."
        ),
        _select(
            "fit_score",
            "Fit, from 1 to 5",
            FIT_CHOICES,
            str(form.saved.fit_score) if form.saved.fit_score else None,
        ),
        _text_input(
            "fit_comment",
            "Anything to add? (only you see it)",
            form.saved.fit_comment,
            optional=True,
        ),
    ]


def page_values(view: dict[str, Any]) -> dict[str, object]:
    """A submitted page's values by field key: text, a chosen option's value, or a list."""
    values: dict[str, object] = {}
    for block_id, fields in view.get("state", {}).get("values", {}).items():
        for field in fields.values():
            kind = field.get("type")
            if kind == "static_select":
                chosen = field.get("selected_option") or {}
                values[block_id] = chosen.get("value")
            elif kind == "multi_static_select":
                values[block_id] = [o.get("value") for o in field.get("selected_options") or []]
            else:
                typed = field.get("value")
                values[block_id] = clean(typed) if isinstance(typed, str) else typed
    return values


def page_metadata(view: dict[str, Any]) -> tuple[int, str | int] | None:
    """(review id, page name) from a page's private_metadata — or a page number, from a form
    opened before pages had names; None when it isn't ours."""
    try:
        meta = json.loads(str(view.get("private_metadata", "")))
        review, page = meta["review"], meta["page"]
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(review, int) or isinstance(review, bool) or not 1 <= review <= MAX_NUMBER:
        return None
    if isinstance(page, int) and not isinstance(page, bool) and page >= 0:
        return review, page
    if isinstance(page, str) and PAGE.fullmatch(page):
        return review, page
    return None


PAGE = re.compile(r"(?:checkin|audit|goalpost)(?::[0-9]{1,4})?|evidence|ssc|fit")


def cannot_save(reason: str) -> Block:
    """A page in place of the form when it cannot be saved at all (closed, not yours)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Review"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [section(reason)],
    }

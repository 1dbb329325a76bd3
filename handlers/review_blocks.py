"""Block Kit for reviews: the "Review time" post and DMs, the questionnaire's pages, the summary.

Pages stay inside a modal's limits (100 blocks, 24-character titles, 75-character option
labels, 3000-character private_metadata); field ids are the rules' field keys
(mentoring.review_answers), so the rules' errors land beside their fields. The mentee's fit
answer appears only on the mentee's own page and in the note sent to the mentee alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from handlers.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    day,
    ephemeral,
    fields_section,
    header,
    input_block,
    message,
    packed_sections,
    plural,
    section,
)
from handlers.meeting_blocks import when
from handlers.slack_text import clip, mrkdwn, plain
from mentoring.deliveries import Outgoing
from mentoring.goals import GOAL_MAX_CHARS, GoalHistoryView
from mentoring.model import Role
from mentoring.reviews.answers import ANSWER_MAX_CHARS, PageSaved, ReviewReplyFiled
from mentoring.reviews.closing import UNANSWERED
from mentoring.reviews.planning import ReviewCadenceView, ReviewStarted
from mentoring.reviews.questionnaire import BOTTLENECKS, Questionnaire
from mentoring.reviews.summary import ReviewHistory, ReviewSummary

ANSWER_REVIEW = "answer_review"
REVIEW_PAGE = "review_page"  # the questionnaire's callback id
OPTION_CHARS = 75
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
CHECKIN_WORDS = {"yes": "yes", "partly": "partly", "no": "no", UNANSWERED: "not answered"}
FIT_CHOICES = [
    ("5", "5: exactly the experience I need"),
    ("4", "4"),
    ("3", "3"),
    ("2", "2"),
    ("1", "1: my goals are beyond their experience"),
]


# Messages the dispatcher sends


def review_message(out: Outgoing) -> Message:
    assert out.review is not None
    review = out.review.review
    number = review.number
    closes = when(review.closes_at, out.recipient_tz, token="{date_long_pretty}")
    answer = actions(button("Answer review", ANSWER_REVIEW, str(review.id), style="primary"))
    if out.kind == "summary":
        assert out.review.summary is not None
        return summary_message(out.review.summary)
    if out.audience == "channel":
        text = (
            f":mag: *Review time* for <@{out.pair.mentee_id}> and <@{out.pair.mentor_id}> "
            f"(review {number}). Look back at the roadmap, the wins, and how you work together."
        )
        return message(
            f"Review time: review {number} is open until {closes}.",
            [
                section(text),
                context(f"Open until {closes}. Each of you answers privately."),
                answer,
            ],
        )
    if out.kind == "reminder":
        text = (
            f":hourglass: A reminder: review {number} with <@{out.pair.other(out.recipient)}> "
            f"closes {closes}. It takes about ten minutes."
        )
        return message(text, [section(text), answer, context(DM_HINT)])
    other = out.pair.other(out.recipient)
    role = "mentee" if out.recipient == out.pair.mentee_id else "mentor"
    parts = (
        "how the roadmap is going, the wins that show it, Stop/Start/Continue, and whether "
        "each goal still fits"
        if role == "mentee"
        else f"Stop/Start/Continue for your work with <@{other}>"
    )
    text = f":mag: *Review {number}* with <@{other}> is open until {closes}: {parts}."
    return message(
        f"Review {number} with <@{other}> is open until {closes}.",
        [section(text), answer, context(DM_HINT)],
    )


DM_HINT = (
    "Or reply in this thread with three lines: `stop: …`, `start: …`, `continue: …` "
    "(that fills the Stop/Start/Continue part)."
)


def summary_message(summary: ReviewSummary) -> Message:
    """The review's summary, for the channel (and for `/review`). No fit answer in it."""
    review, pair = summary.review, summary.pair
    blocks: list[Block] = [header(f"Review {review.number}: summary")]
    who = [f"<@{user}>" for user in summary.answered]
    missing = [u for u in (pair.mentee_id, pair.mentor_id) if u not in summary.answered]
    line = f"Closed {day(review.closed_at.date()) if review.closed_at else ''}"
    line += f" ({review.close_reason})." if review.close_reason else "."
    if who:
        line += f" Answered: {', '.join(who)}."
    started = {
        pair.mentee_id if role == Role.MENTEE else pair.mentor_id for role in summary.feedback
    }
    silent = [u for u in missing if u not in started]
    if silent:
        line += f" No answer from {', '.join(f'<@{u}>' for u in silent)}."
    for user in (u for u in missing if u in started):
        line += f" <@{user}> didn't finish."
    blocks.append(context(line))
    if summary.audit:
        lines = []
        for item in summary.audit:
            mark = {"done": ":white_check_mark:", "on track": ":large_blue_circle:"}.get(
                item.status, ":warning:"
            )
            text = f"{mark} *{item.label}* {clip(mrkdwn(item.text), 120)}: {item.status}"
            if item.bottleneck:
                text += f" — bottleneck: *{BOTTLENECKS.get(item.bottleneck, item.bottleneck)}*"
            if item.note:
                text += f"\n      _{clip(mrkdwn(item.note), 300)}_"
            lines.append(text)
        blocks.append(section("*Roadmap audit*"))
        blocks += packed_sections(lines, 6)
    if summary.feedback:
        blocks.append(section("*Stop / Start / Continue*"))
        fields = []
        for role in (Role.MENTEE, Role.MENTOR):
            answer = summary.feedback.get(role)
            person = pair.mentee_id if role == Role.MENTEE else pair.mentor_id
            if answer is None:
                fields.append(f"*<@{person}>* ({role})\n_no answer_")
                continue
            unfinished = "" if person in summary.answered else ", didn't finish"
            parts = [
                f"*Stop:* {clip(mrkdwn(answer.stop or '—'), 500)}",
                f"*Start:* {clip(mrkdwn(answer.start or '—'), 500)}",
                f"*Continue:* {clip(mrkdwn(answer.keep_doing or '—'), 500)}",
            ]
            fields.append(f"*<@{person}>* ({role}{unfinished})\n" + "\n".join(parts))
        blocks.append(fields_section(fields))
    if summary.evidence:
        lines = [f"• {clip(mrkdwn(text), 300)}" for text in summary.evidence]
        blocks.append(section("*Growth evidence*\n" + "\n".join(lines)))
    if summary.changes:
        lines = []
        for change in summary.changes:
            if change.decision == "pivot":
                old = clip(mrkdwn(change.old_text or ""), 200)
                new = clip(mrkdwn(change.text), 300)
                why = clip(mrkdwn(change.reason or ""), 300)
                lines.append(
                    f"• Goal {change.goal_number} *pivoted*: ~{old}~ → *{new}* (why: {why})"
                )
            else:
                word = "achieved :tada:" if change.decision == "achieved" else "dropped"
                lines.append(
                    f"• Goal {change.goal_number} {word}: {clip(mrkdwn(change.text), 200)}"
                )
        blocks.append(section("*Goalposts*"))
        blocks += packed_sections(lines, 4)
    if summary.checkins:
        lines = [
            f"• <@{c.owner_id}> said they would {c.kind.upper()} {clip(mrkdwn(c.text), 200)}: "
            f"*{CHECKIN_WORDS.get(c.outcome or '', c.outcome)}*"
            for c in summary.checkins
        ]
        blocks.append(section("*Last time's commitments*"))
        blocks += packed_sections(lines, 3)
    if summary.commitments:
        lines = [
            f"• <@{c.owner_id}> will {c.kind.upper()} {clip(mrkdwn(c.text), 200)}"
            for c in summary.commitments
        ]
        blocks.append(section("*Commitments for next time*"))
        blocks += packed_sections(lines, 3)
    if len(blocks) == 2:
        blocks.append(section("Nobody answered this review."))
    return message(f"Review {review.number}: summary", blocks)


# The questionnaire


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


def _option(value: str, label: str) -> Block:
    return {"text": {"type": "plain_text", "text": plain(label, OPTION_CHARS)}, "value": value}


def _select(
    key: str,
    label: str,
    choices: Sequence[tuple[str, str]],
    initial: str | None,
    *,
    optional: bool = False,
) -> Block:
    element: Block = {
        "type": "static_select",
        "action_id": key,
        "placeholder": {"type": "plain_text", "text": "Choose"},
        "options": [_option(value, text) for value, text in choices],
    }
    chosen = next((_option(v, t) for v, t in choices if v == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return input_block(key, label, element, optional=optional)


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
                f"{commitment.kind.upper()}: {commitment.text}",
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
        _option(str(win.id), f"{win.created_at:%d %b}: {win.text}") for win in form.wins[:100]
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
                values[block_id] = field.get("value")
    return values


def page_metadata(view: dict[str, Any]) -> tuple[int, str | int] | None:
    """(review id, page name) from a page's private_metadata — or a page number, from a form
    opened before pages had names; None when it isn't ours."""
    try:
        meta = json.loads(str(view.get("private_metadata", "")))
        review, page = meta["review"], meta["page"]
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(review, int) or isinstance(review, bool) or review < 1:
        return None
    if isinstance(page, int) and not isinstance(page, bool) and page >= 0:
        return review, page
    if isinstance(page, str) and PAGE.fullmatch(page):
        return review, page
    return None


PAGE = re.compile(r"(?:checkin|audit|goalpost)(?::\d{1,4})?|evidence|ssc|fit")


def cannot_save(reason: str) -> Block:
    """A page in place of the form when it cannot be saved at all (closed, not yours)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Review"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [section(reason)],
    }


def answer_saved(saved: PageSaved) -> Message:
    """The thanks after the last page, sent to the person alone; after a fit of 2 or lower
    it carries a kind note for the mentee."""
    text = ":white_check_mark: Thanks — your review answers are saved."
    if saved.both_answered:
        text += " You've both answered: the summary goes to your channel shortly."
    else:
        text += " The summary goes to your channel once you've both answered, or when it closes."
    text += " Submitting again updates your answers."
    shown = [section(text)]
    if saved.low_fit:
        shown.append(section(LOW_FIT_NOTE))
    return message(text, shown)


LOW_FIT_NOTE = (
    ":seedling: Thank you for being honest about fit — that answer stays with you. Goals grow, "
    "and the most useful mentor is often someone one or two steps ahead on the path you're on "
    "now. If that isn't your current mentor, it's fine to look for a second mentor for that "
    "goal, or to talk it through with whoever runs your mentoring programme."
)


# Commands


def review_cadence(view: ReviewCadenceView) -> Message:
    if view.every_weeks is None:
        text = "Reviews are *off* for this mentorship. "
        text += "Turn them on with `/mentor review every 4 weeks`."
    else:
        every = "every week" if view.every_weeks == 1 else f"every {view.every_weeks} weeks"
        text = f"Reviews happen *{every}*, an hour after the meeting that falls due."
        if not view.has_meetings:
            text += (
                " Set a meeting schedule (`/mentor schedule …`) for them to come round, "
                "or start one with `/review now`."
            )
    if view.upcoming is not None:
        opens = when(view.upcoming.opens_at, None, token="{date_long_pretty} at {time}")
        text += f"\nNext: review {view.upcoming.number}, opening {opens}."
    return ephemeral(text, [section(text)])


def review_started(started: ReviewStarted) -> Message:
    text = (
        f":mag: Review {started.review.number} is open. The post and your DMs arrive within a "
        "minute; answer with the button there."
    )
    return ephemeral(
        text,
        [
            section(text),
            actions(
                button("Answer review", ANSWER_REVIEW, str(started.review.id), style="primary")
            ),
        ],
    )


def last_review(summary: ReviewSummary | None) -> Message:
    if summary is None:
        return ephemeral("No review has closed yet. `/review now` starts one.")
    shown = summary_message(summary)
    return ephemeral(shown["text"], shown["blocks"])


def review_history(history: ReviewHistory) -> Message:
    if not history.reviews:
        return ephemeral("No review has closed yet. `/review now` starts one.")
    lines = [
        f"• Review {r.number}: {day(r.opens_at.date())} → "
        f"{day(r.closed_at.date()) if r.closed_at else '…'} ({r.close_reason})"
        for r in history.reviews
    ]
    text = "*Past reviews* (newest first). `/review` shows the last summary."
    return ephemeral(text, [section(text), *packed_sections(lines, 10)])


def review_reply_filed(filed: ReviewReplyFiled) -> Message:
    parts = ", ".join(filed.parts)
    text = f":white_check_mark: Saved your {parts} for review {filed.review_number}."
    if filed.missing:
        text += f" Still to do: {', '.join(filed.missing)}."
    if filed.more_in_form:
        text += " The rest of your review is behind the *Answer review* button above."
    elif filed.complete:
        text += " That completes your answers; replying again updates them."
    return message(text)


def goal_history(history: GoalHistoryView) -> Message:
    goal = history.goal
    lines = [f"*Goal {goal.number} now:* {mrkdwn(goal.text)}"]
    if not history.revisions:
        lines.append("It has never pivoted: this is its first wording.")
    for revision in reversed(history.revisions):
        lines.append(
            f"• {day(revision.changed_at.date())}: was _{clip(mrkdwn(revision.old_text), 300)}_\n"
            f"  why: {clip(mrkdwn(revision.reason), 300)}"
        )
    return ephemeral(f"Goal {goal.number}'s history", packed_sections(lines, 10))

"""Block Kit for a review's messages: the "Review time" post and DMs, the reminder, the
summary, and the answers to `/review` and `/mentor review`. The mentee's fit answer is never
in any of them; a low fit gets the mentee alone a kind note."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from handlers.kit import (
    Block,
    Message,
    actions,
    button,
    context,
    day,
    ephemeral,
    fields_section,
    header,
    message,
    packed_sections,
    section,
    when,
)
from handlers.matching.blocks import FIND_FOR_GOAL, FIND_LABEL
from handlers.slack_text import clip, mrkdwn
from mentoring.model import Role, mention
from mentoring.prompts import Outgoing
from mentoring.reviews.answers import ReviewReplyFiled
from mentoring.reviews.cadence import NextReview
from mentoring.reviews.closing import UNANSWERED
from mentoring.reviews.planning import ReviewCadenceView, ReviewStarted
from mentoring.reviews.questionnaire import BOTTLENECKS
from mentoring.reviews.summary import AuditLine, ReviewHistory, ReviewSummary
from mentoring.reviews.values import CommitmentInfo

ANSWER_REVIEW = "answer_review"
CHECKIN_WORDS = {"yes": "yes", "partly": "partly", "no": "no", UNANSWERED: "not answered"}


def commitment_text(commitment: CommitmentInfo, limit: int) -> str:
    """ "start: bringing a draft": what someone said they would start or stop doing."""
    return f"{commitment.kind}: {clip(mrkdwn(commitment.text), limit)}"


def review_message(out: Outgoing) -> Message:
    assert out.review is not None
    review = out.review.review
    number = review.number
    closes = when(review.closes_at, out.recipient_tz, token="{date_long_pretty}")
    answer = actions(button("Answer review", ANSWER_REVIEW, str(review.id), style="primary"))
    if out.kind == "summary" and out.review.called_off is not None:
        return called_off_message(review.opens_at, out.review.called_off, out.recipient_tz)
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
    who = [mention(user) for user in summary.answered]
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
        line += f" No answer from {', '.join(mention(u) for u in silent)}."
    for user in (u for u in missing if u in started):
        line += f" {mention(user)} didn't finish."
    blocks.append(context(line))
    if summary.audit:
        blocks.append(section("*Roadmap audit*"))
        blocks.append(audit_table(summary.audit))
    if summary.feedback:
        blocks.append(section("*Stop / Start / Continue*"))
        fields = []
        for role in (Role.MENTEE, Role.MENTOR):
            answer = summary.feedback.get(role)
            person = pair.mentee_id if role == Role.MENTEE else pair.mentor_id
            if answer is None:
                fields.append(f"*{mention(person)}* ({role})\n_no answer_")
                continue
            unfinished = "" if person in summary.answered else ", didn't finish"
            parts = [
                f"*Stop:* {clip(mrkdwn(answer.stop or '—'), 500)}",
                f"*Start:* {clip(mrkdwn(answer.start or '—'), 500)}",
                f"*Continue:* {clip(mrkdwn(answer.keep_doing or '—'), 500)}",
            ]
            fields.append(f"*{mention(person)}* ({role}{unfinished})\n" + "\n".join(parts))
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
            f"• {mention(c.owner_id)} said they would {commitment_text(c, 200)} — "
            f"*{CHECKIN_WORDS.get(c.outcome or '', c.outcome)}*"
            for c in summary.checkins
        ]
        blocks.append(section("*Last time's commitments*"))
        blocks += packed_sections(lines, 3)
    if summary.commitments:
        lines = [
            f"• {mention(c.owner_id)} will {commitment_text(c, 200)}" for c in summary.commitments
        ]
        blocks.append(section("*Commitments for next time*"))
        blocks += packed_sections(lines, 3)
    if len(blocks) == 2:
        blocks.append(section("Nobody answered this review."))
    return message(f"Review {review.number}: summary{audit_fallback(summary.audit)}", blocks)


def called_off_message(opened: datetime, reason: str, tz: str | None) -> Message:
    """Instead of a summary, for a review nobody could answer: called off, and why."""
    since = when(opened, tz, token="{date_short_pretty}")
    text = (
        f":grey_question: The review that opened {since} was called off: {reason}. "
        "Nothing was lost; start one when you're ready with `/review now`."
    )
    return message(f"The review that opened {since} was called off: {reason}.", [section(text)])


AUDIT_COLUMNS = ("#", "Goal or step", "How you'll know", "Status", "Bottleneck", "What would help")
AUDIT_ROWS = 100  # Slack's most rows in a table block, the header row among them
STATUS_ORDER = ("done", "on track", "behind")


def audit_table(audit: Sequence[AuditLine]) -> Block:
    """The roadmap audit as Slack's table block: a header row, then a row a goal or step.
    Cells are raw_text, shown as typed and never parsed, so people's text is not escaped;
    past Slack's 100 rows the last row counts the rest."""
    lines = list(audit)
    if len(lines) > AUDIT_ROWS - 1:
        shown = lines[: AUDIT_ROWS - 2]
        rest = ("", f"… and {len(lines) - len(shown)} more", "", "", "", "")
    else:
        shown, rest = lines, None
    rows = [AUDIT_COLUMNS]
    rows += [
        (
            item.label,
            item.text,
            item.done_when or "",
            item.status,
            BOTTLENECKS.get(item.bottleneck, item.bottleneck) if item.bottleneck else "",
            item.note or "",
        )
        for item in shown
    ]
    if rest is not None:
        rows.append(rest)
    limits = (20, 200, 150, 20, 60, 300)
    return {
        "type": "table",
        "column_settings": [{"is_wrapped": width > 20, "align": "left"} for width in limits],
        "rows": [
            [raw_cell(text, limit) for text, limit in zip(row, limits, strict=True)] for row in rows
        ],
    }


def raw_cell(text: str, limit: int) -> dict[str, str]:
    """A raw_text cell: Slack wants at least one character, so an empty one is a dash."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return {"type": "raw_text", "text": text or "—"}


def audit_fallback(audit: Sequence[AuditLine]) -> str:
    """The audit in the message's text fallback (notifications, clients without tables):
    how many goals and steps are done, on track and behind."""
    if not audit:
        return ""
    counts = Counter(item.status for item in audit)
    order = [*STATUS_ORDER, *sorted(set(counts) - set(STATUS_ORDER))]
    parts = [f"{counts[status]} {status}" for status in order if counts[status]]
    return f". Roadmap audit: {', '.join(parts)}."


def answer_saved(both_answered: bool, low_fit: bool, goal_id: int | None = None) -> Message:
    """The thanks after the last page, sent to the person alone; after a fit of 2 or lower
    it carries a kind note for the mentee, and a button to find someone one or two steps
    ahead on their goal (`goal_id`, the form it opens filled with it)."""
    text = ":white_check_mark: Thanks — your review answers are saved."
    if both_answered:
        text += " You've both answered: the summary goes to your channel shortly."
    else:
        text += " The summary goes to your channel once you've both answered, or when it closes."
    text += " Submitting again updates your answers."
    shown = [section(text)]
    if low_fit:
        shown.append(section(LOW_FIT_NOTE))
        if goal_id is not None:
            shown.append(actions(button(FIND_LABEL, FIND_FOR_GOAL, str(goal_id))))
    return message(text, shown)


LOW_FIT_NOTE = (
    ":seedling: Thank you for being honest about fit — that answer stays with you. Goals grow, "
    "and the most useful mentor is often someone one or two steps ahead on the path you're on "
    "now. If that isn't your current mentor, it's fine to look for a second mentor for that "
    "goal, or to talk it through with whoever runs your mentoring programme."
)


def next_review_text(next_review: NextReview | None) -> str:
    """Where the pair's next review stands: the App Home's line and `/mentor review`'s."""
    if next_review is None:
        return "off (`/mentor review every 4 weeks` turns them on)"
    at = when(next_review.at, None)
    if next_review.state == "open":
        return f"open now, until {at}: the *Answer review* button is in your DM"
    if next_review.state == "planned":
        return at
    return f"around {when(next_review.at, None, token='{date_short_pretty}')}"


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
    if view.next is not None:
        number = f" (review {view.upcoming.number})" if view.upcoming is not None else ""
        text += f"\n*Next review*{number}: {next_review_text(view.next)}"
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

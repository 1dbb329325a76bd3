"""A person's record as the two files `/mentor export` sends: a Markdown "brag document" to
read, keep or paste into a promotion case, and the same as JSON to move elsewhere.

Pure builders: a record and people's names in, text out. Everything people typed is escaped
for Markdown (`md`), so a goal that reads `# done` or `<b>` stays those characters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from handlers.kit import day, plural
from mentoring.model import FORGOTTEN, Role
from mentoring.records import (
    CommitmentRecord,
    GoalRecord,
    MentorshipRecord,
    PersonRecord,
    ReviewRecord,
    WinRecord,
)

FORMAT = "mentorbot-record/1"
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|&!~])")
_LINE_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))", re.M)
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")
OUTCOMES = {"yes": "kept", "partly": "partly kept", "no": "not kept", "unknown": "not answered"}


def md(text: str, names: Mapping[str, str] | None = None) -> str:
    """`text` as literal Markdown: mentions become names, punctuation Markdown would read is
    escaped (and so are list markers at a line's start), and further lines are indented so
    that they stay inside the list item they belong to."""
    text = _MENTION.sub(lambda m: "@" + (names or {}).get(m.group(1), m.group(1)), text)
    escaped = _LINE_START.sub(_unlisted, _SPECIAL.sub(r"\\\1", text.strip()))
    return "\n  ".join(line.rstrip() for line in escaped.splitlines()) or "(empty)"


def _unlisted(match: re.Match[str]) -> str:
    """A line start that Markdown would read as a list item or an underline, escaped."""
    indent, marker, number, dot = match.groups()
    return f"{indent}\\{marker}" if marker else f"{indent}{number}\\{dot}"


def md_line(text: str, names: Mapping[str, str] | None = None) -> str:
    """`md` on one line, for a heading."""
    return md(" ".join(text.split()), names)


def person_name(names: Mapping[str, str], user_id: str) -> str:
    if user_id == FORGOTTEN:
        return "a former member"
    return "@" + names.get(user_id, user_id)


def record_markdown(record: PersonRecord, names: Mapping[str, str]) -> str:
    """The brag document."""
    me = person_name(names, record.person)
    lines = [
        f"# Mentorship record of {md_line(me)}",
        "",
        f"Exported from Mentorbot on {day(record.exported_at.date())}: "
        f"{plural(len(record.mentorships), 'mentorship')}. It holds what is yours: your "
        "goals and how they changed, the steps to them, your wins and what worked, your own "
        "review answers and your commitments. The other person's answers are theirs, and "
        "are not in it.",
    ]
    for mentorship in record.mentorships:
        lines += ["", *_mentorship(mentorship, names)]
    return "\n".join(lines) + "\n"


def _mentorship(m: MentorshipRecord, names: Mapping[str, str]) -> list[str]:
    other = md_line(person_name(names, m.other))
    title = f"Mentored by {other}" if m.role == Role.MENTEE else f"Mentoring {other}"
    span = f"since {_day(m.pair.created_at)}"
    if m.pair.ended_at is not None:
        span = f"{_day(m.pair.created_at)} to {_day(m.pair.ended_at)}"
    lines = [f"## {title}", "", f"You were the {m.role.value}, {span}."]
    if m.goals:
        lines += ["", "### Goals"]
        for goal in m.goals:
            lines += ["", *_goal(goal, names)]
    if m.wins:
        lines += ["", "### Wins" if m.role == Role.MENTEE else "### Wins you were told of", ""]
        lines += [_win(win, names) for win in m.wins]
    if m.reviews:
        lines += ["", "### Reviews"]
        for review in m.reviews:
            lines += ["", *_review(review, names)]
    if m.commitments:
        lines += ["", "### Your commitments", ""]
        lines += [_commitment(c, names) for c in m.commitments]
    if not (m.goals or m.wins or m.reviews or m.commitments):
        lines += ["", "Nothing else was recorded in it."]
    return lines


def _goal(goal: GoalRecord, names: Mapping[str, str]) -> list[str]:
    facts = [goal.status if goal.status != "done" else "achieved"]
    if goal.due_on is not None:
        facts.append(f"target {_day(goal.due_on)}")
    facts.append(f"set {_day(goal.created_at)}")
    if goal.closed_at is not None:
        facts.append(f"closed {_day(goal.closed_at)}")
    lines = [f"#### Goal {goal.number}: {md_line(goal.text, names)}", "", f"- {', '.join(facts)}"]
    if goal.done_when:
        lines.append(f"- How you'll know: {md(goal.done_when, names)}")
    for revision in goal.history:
        lines.append(
            f"- Until {_day(revision.changed_at)} it read: {md(revision.old_text, names)}\n"
            f"  Changed to: {md(revision.new_text, names)}\n"
            f"  Why: {md(revision.reason, names)}"
        )
    for step in goal.milestones:
        box = "x" if step.status == "done" else " "
        when = [f"due {_day(step.due_on)}"] if step.due_on else []
        when += [f"done {_day(step.done_at)}"] if step.done_at else []
        tail = f" ({', '.join(when)})" if when else ""
        lines.append(f"- [{box}] Step {step.label}: {md(step.text, names)}{tail}")
    return lines


def _win(win: WinRecord, names: Mapping[str, str]) -> str:
    goal = f" (goal {win.goal_number})" if win.goal_number is not None else ""
    line = f"- {_day(win.created_at)}{goal}: {md(win.text, names)}"
    if win.worked:
        line += f"\n  What worked: {md(win.worked, names)}"
    return line


def _review(review: ReviewRecord, names: Mapping[str, str]) -> list[str]:
    closed = f" to {_day(review.closed_at)}" if review.closed_at else ""
    lines = [f"#### Review {review.number}, {_day(review.opened_at)}{closed}", ""]
    if not review.answered:
        lines.append("- You did not answer this one.")
    for item in review.audit:
        held = f", held up by {item.bottleneck.replace('_', ' ')}" if item.bottleneck else ""
        note = f": {md(item.note, names)}" if item.note else ""
        lines.append(f"- {item.label} {md(item.text, names)}: {item.status}{held}{note}")
    if review.evidence:
        picked = "; ".join(md(text, names) for text in review.evidence)
        lines.append(f"- Wins you picked as evidence: {picked}")
    for change in review.changes:
        if change.decision == "pivot":
            lines.append(
                f"- Goal {change.goal_number} pivoted to {md(change.text, names)}, "
                f"because {md(change.reason or '', names)}"
            )
        else:
            done = "dropped" if change.decision == "drop" else "achieved"
            lines.append(f"- Goal {change.goal_number} {done}: {md(change.text, names)}")
    if review.own is not None:
        for label, text in (
            ("Stop", review.own.stop),
            ("Start", review.own.start),
            ("Continue", review.own.keep_doing),
        ):
            if text:
                lines.append(f"- {label}: {md(text, names)}")
    for c in review.checkins:
        lines.append(
            f"- Checked: {c.kind} {md(c.text, names)}: {OUTCOMES.get(c.outcome or '', '')}"
        )
    for c in review.commitments:
        lines.append(f"- Committed to {c.kind}: {md(c.text, names)}")
    if review.fit is not None:
        comment = f": {md(review.fit.comment, names)}" if review.fit.comment else ""
        lines.append(
            f"- Fit of your mentor's experience to your goals (private, yours alone): "
            f"{review.fit.score} of 5{comment}"
        )
    return lines


def _commitment(c: CommitmentRecord, names: Mapping[str, str]) -> str:
    made = f" (review {c.made_in_review})" if c.made_in_review is not None else ""
    if c.outcome is None:
        state = "not checked yet"
    else:
        checked = f" at review {c.checked_in_review}" if c.checked_in_review is not None else ""
        state = f"{OUTCOMES.get(c.outcome, c.outcome)}{checked}"
    return f"- {c.kind.capitalize()}{made}: {md(c.text, names)} — {state}"


def _day(value: date | datetime) -> str:
    return day(value.date() if isinstance(value, datetime) else value)


# JSON


def record_json(record: PersonRecord, names: Mapping[str, str]) -> str:
    """The same record as JSON: Slack ids beside names, dates as ISO 8601."""
    return json.dumps(record_data(record, names), indent=2, ensure_ascii=False) + "\n"


def record_data(record: PersonRecord, names: Mapping[str, str]) -> dict[str, Any]:
    def person(user_id: str) -> dict[str, str | None]:
        forgotten = user_id == FORGOTTEN
        return {"id": None if forgotten else user_id, "name": person_name(names, user_id)}

    return {
        "format": FORMAT,
        "person": person(record.person),
        "exported_at": record.exported_at.isoformat(),
        "mentorships": [
            {
                "role": m.role.value,
                "with": person(m.other),
                "started_at": m.pair.created_at.isoformat(),
                "ended_at": _iso(m.pair.ended_at),
                "goals": [_goal_data(goal) for goal in m.goals],
                "wins": [
                    {
                        "text": win.text,
                        "worked": win.worked,
                        "goal": win.goal_number,
                        "logged_at": win.created_at.isoformat(),
                    }
                    for win in m.wins
                ],
                "reviews": [_review_data(review) for review in m.reviews],
                "commitments": [
                    {
                        "kind": c.kind,
                        "text": c.text,
                        "outcome": c.outcome,
                        "made_in_review": c.made_in_review,
                        "checked_in_review": c.checked_in_review,
                        "made_at": c.created_at.isoformat(),
                    }
                    for c in m.commitments
                ],
            }
            for m in record.mentorships
        ],
    }


def _goal_data(goal: GoalRecord) -> dict[str, Any]:
    return {
        "number": goal.number,
        "text": goal.text,
        "done_when": goal.done_when,
        "status": goal.status,
        "target_date": _iso(goal.due_on),
        "set_at": goal.created_at.isoformat(),
        "closed_at": _iso(goal.closed_at),
        "history": [
            {
                "old_text": r.old_text,
                "new_text": r.new_text,
                "reason": r.reason,
                "changed_at": r.changed_at.isoformat(),
            }
            for r in goal.history
        ],
        "milestones": [
            {
                "label": m.label,
                "text": m.text,
                "status": m.status,
                "due_on": _iso(m.due_on),
                "added_at": m.created_at.isoformat(),
                "done_at": _iso(m.done_at),
            }
            for m in goal.milestones
        ],
    }


def _review_data(review: ReviewRecord) -> dict[str, Any]:
    own = review.own
    return {
        "number": review.number,
        "opened_at": review.opened_at.isoformat(),
        "closed_at": _iso(review.closed_at),
        "answered": review.answered,
        "stop": own.stop if own else None,
        "start": own.start if own else None,
        "continue": own.keep_doing if own else None,
        "audit": [
            {
                "item": a.label,
                "text": a.text,
                "status": a.status,
                "held_up_by": a.bottleneck,
                "note": a.note,
            }
            for a in review.audit
        ],
        "evidence": list(review.evidence),
        "changes": [
            {
                "goal": c.goal_number,
                "decision": c.decision,
                "text": c.text,
                "old_text": c.old_text,
                "reason": c.reason,
            }
            for c in review.changes
        ],
        "checked": [
            {"kind": c.kind, "text": c.text, "outcome": c.outcome} for c in review.checkins
        ],
        "committed": [{"kind": c.kind, "text": c.text} for c in review.commitments],
        "fit": None
        if review.fit is None
        else {"score": review.fit.score, "comment": review.fit.comment},
    }


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None

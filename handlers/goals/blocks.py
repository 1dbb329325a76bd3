"""Block Kit for goals and milestones: plain values in, message and view dicts out."""

from __future__ import annotations

from datetime import date

from handlers.kit import (
    MESSAGE_BLOCKS,
    Block,
    Message,
    actions,
    button,
    context,
    day,
    ephemeral,
    input_block,
    message,
    modal,
    packed_sections,
    plural,
    section,
    spoken_list,
)
from handlers.slack_text import clip, mrkdwn, plain
from mentoring.coaching import Coaching
from mentoring.goals import (
    DONE_WHEN_MAX_CHARS,
    GOAL_MAX_CHARS,
    GoalChanged,
    GoalHistoryView,
    GoalList,
)
from mentoring.milestones import MilestoneInfo, Roadmap
from mentoring.model import GoalInfo, GoalStatus, PairInfo, mention

UNDO_GOAL_STATUS = "undo_goal_status"
MILESTONE_DONE = "milestone_done"  # one button per milestone: milestone_done_0, _1, …
UNDO_MILESTONE = "undo_milestone"
MAKE_GOAL_SPECIFIC = "make_goal_specific"
# The goal editor ("Make it specific") and the New goal form share their inputs: block ids,
# which are also the inputs' action ids.
GOAL_EDITOR = "goal_editor"
GOAL_FORM = "goal_form"
GOAL_OUTCOME = "goal_outcome"
GOAL_DUE = "goal_due"
GOAL_EVIDENCE = "goal_evidence"
MILESTONE_BUTTONS = 40  # at most this many "Done" buttons, to stay under 50 blocks


def _due(goal: GoalInfo) -> str:
    return f" — by {day(goal.due_on)}" if goal.due_on else ""


def done_when_line(goal: GoalInfo) -> str:
    """ "How you'll know", on a line of its own under the goal (empty when not given)."""
    return f"How you'll know: _{mrkdwn(goal.done_when)}_" if goal.done_when else ""


def goal_line(goal: GoalInfo) -> str:
    text = mrkdwn(goal.text)
    if goal.status == GoalStatus.DONE:
        return f":white_check_mark: *{goal.number}.* {text}"
    if goal.status == GoalStatus.DROPPED:
        return f":heavy_minus_sign: *{goal.number}.* ~{text}~ _(dropped)_"
    return f":dart: *{goal.number}.* {text}{_due(goal)}"


def progress_bar(done: int, total: int, width: int = 10) -> str:
    """`▰▰▰▱▱▱▱▱▱▱ 3/10`: done milestones out of all of them."""
    if total == 0:
        return "no milestones yet"
    filled = round(width * done / total)
    return f"{'▰' * filled}{'▱' * (width - filled)} {done}/{total}"


def goal_added(
    goal: GoalInfo, pair: PairInfo, viewer: str, coaching: Coaching | None = None
) -> Message:
    whose = "" if viewer == pair.mentee_id else f" for {mention(pair.mentee_id)}"
    line = f":dart: Goal {goal.number} added{whose}: *{mrkdwn(goal.text)}*{_due(goal)}"
    body = [section(f"{line}\n{done_when_line(goal)}".strip())]
    if coaching is not None and not coaching.specific:
        body.append(coaching_section(goal, coaching))
    body.append(context(f"`/goal list` shows all goals · `/goal done {goal.number}` when achieved"))
    return ephemeral(line, body)


def coaching_section(goal: GoalInfo, coaching: Coaching) -> Block:
    """Saved as it is; this only says what would make it specific, with a way to edit it."""
    missing = spoken_list(coaching.missing)
    text = (
        f":bulb: Saved. It would guide your sessions better with {missing}. "
        f"For example: _{mrkdwn(coaching.example)}_"
    )
    return section(text, button("Make it specific", MAKE_GOAL_SPECIFIC, str(goal.id)))


def goal_editor(goal: GoalInfo, coaching: Coaching) -> Block:
    """The "Make it specific" modal, prefilled with the goal; its id rides in private_metadata
    and is checked again against the person who submits."""
    hint = spoken_list(coaching.missing) or "nothing: it is specific already"
    return modal(
        GOAL_EDITOR,
        str(goal.id),
        f"Goal {goal.number}",
        [
            context(f"Missing: {hint}. For example: _{mrkdwn(coaching.example)}_"),
            *goal_inputs(goal.text, goal.due_on, goal.done_when),
        ],
        submit="Save",
    )


def goal_inputs(
    text: str = "", due_on: date | None = None, done_when: str | None = None
) -> list[Block]:
    """A goal's fields (outcome, target date, how you'll know), as the editor and the New goal
    form show them."""
    outcome: Block = {
        "type": "plain_text_input",
        "action_id": GOAL_OUTCOME,
        "max_length": GOAL_MAX_CHARS,
    }
    if text:
        outcome["initial_value"] = plain(text, GOAL_MAX_CHARS)
    else:
        outcome["placeholder"] = {"type": "plain_text", "text": "e.g. Give a talk at a meetup"}
    date_input: Block = {"type": "datepicker", "action_id": GOAL_DUE}
    if due_on is not None:
        date_input["initial_date"] = due_on.isoformat()
    evidence: Block = {
        "type": "plain_text_input",
        "action_id": GOAL_EVIDENCE,
        "max_length": DONE_WHEN_MAX_CHARS,
    }
    if done_when:
        evidence["initial_value"] = plain(done_when, DONE_WHEN_MAX_CHARS)
    else:
        evidence["placeholder"] = {"type": "plain_text", "text": "e.g. the talk is on the schedule"}
    return [
        input_block(GOAL_OUTCOME, "Outcome", outcome),
        input_block(GOAL_DUE, "Target date", date_input, optional=True),
        input_block(GOAL_EVIDENCE, "How you'll know", evidence, optional=True),
    ]


def goal_edited(goal: GoalInfo, coaching: Coaching) -> Message:
    line = f":dart: Goal {goal.number} is now: *{mrkdwn(goal.text)}*{_due(goal)}"
    blocks = [section(f"{line}\n{done_when_line(goal)}".strip())]
    if not coaching.specific:
        blocks.append(coaching_section(goal, coaching))
    return message(line, blocks)


def goal_list(listing: GoalList, viewer: str) -> Message:
    pair = listing.pair
    whose = "Your goals" if viewer == pair.mentee_id else f"Goals of {mention(pair.mentee_id)}"
    title = f"*{whose}* (mentorship of {mention(pair.mentee_id)} with {mention(pair.mentor_id)})"
    if not pair.active:
        ended = day(pair.ended_at.date()) if pair.ended_at else "earlier"
        title += f"\n_This mentorship ended on {ended}; it is read-only._"
    if not listing.goals and not pair.active:
        return ephemeral("No goals", [section(f"{title}\nNo goals were set.")])
    if not listing.goals:
        body = [section(f"{title}\nNo goals yet. Add one: `/goal Give a talk at a meetup by June`")]
        return ephemeral("No goals yet", body)
    ordered = sorted(listing.goals, key=lambda g: (g.status != GoalStatus.OPEN, g.number))
    blocks = [section(title), *packed_sections(map(goal_line, ordered), MESSAGE_BLOCKS - 1)]
    open_count = sum(1 for g in listing.goals if g.status == GoalStatus.OPEN)
    return ephemeral(plural(open_count, "open goal"), blocks)


def goal_changed(changed: GoalChanged) -> Message:
    goal = changed.goal
    verb = {
        GoalStatus.DONE: ":tada: Goal {n} achieved",
        GoalStatus.DROPPED: ":heavy_minus_sign: Goal {n} dropped",
        GoalStatus.OPEN: ":leftwards_arrow_with_hook: Goal {n} is open again",
    }[goal.status].format(n=goal.number)
    line = f"{verb}: {mrkdwn(goal.text)}"
    blocks = [section(line)]
    if goal.status != GoalStatus.OPEN:
        undo = f"{goal.id}:{goal.status.value}:{changed.previous.value}"
        blocks.append(actions(button("Undo", UNDO_GOAL_STATUS, undo)))
    return ephemeral(line, blocks)


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


# Milestones


def milestone_line(milestone: MilestoneInfo, today: date) -> str:
    due = f" — by {day(milestone.due_on)}" if milestone.due_on else ""
    if milestone.done:
        return f":white_check_mark: *{milestone.label}* {mrkdwn(milestone.text)}{due}"
    late = " :warning: _overdue_" if milestone.overdue(today) else ""
    return f":white_circle: *{milestone.label}* {mrkdwn(milestone.text)}{due}{late}"


def roadmap_message(roadmap: Roadmap, today: date, note: str = "") -> Message:
    """A goal's milestones with their progress; a "Done" button beside each open one."""
    goal = roadmap.goal
    how = done_when_line(goal)
    head = "\n".join(
        part
        for part in (goal_line(goal), how, progress_bar(roadmap.done, len(roadmap.milestones)))
        if part
    )
    blocks: list[Block] = [section(f"{note}\n{head}".strip())]
    open_ones = [m for m in roadmap.milestones if not m.done]
    with_buttons = (
        set(m.id for m in open_ones[:MILESTONE_BUTTONS]) if roadmap.pair.active else set()
    )
    rest: list[str] = []
    for index, milestone in enumerate(roadmap.milestones):
        line = milestone_line(milestone, today)
        if milestone.id in with_buttons:
            done = button("Done", f"{MILESTONE_DONE}_{index}", str(milestone.id))
            blocks.append(section(line, done))
        else:
            rest.append(line)
    blocks += packed_sections(rest, MESSAGE_BLOCKS - len(blocks) - 1)
    if not roadmap.milestones:
        blocks.append(
            context(f"Add the first step: `/goal milestone {goal.number} <step> by <date>`.")
        )
    return ephemeral(
        f"Goal {goal.number}: {progress_bar(roadmap.done, len(roadmap.milestones))}", blocks
    )


def milestone_changed(milestone: MilestoneInfo) -> Message:
    if milestone.done:
        text = f":white_check_mark: Milestone {milestone.label} done: {mrkdwn(milestone.text)}"
        return ephemeral(text, [section(text, button("Undo", UNDO_MILESTONE, str(milestone.id)))])
    return ephemeral(f"Milestone {milestone.label} is open again: {mrkdwn(milestone.text)}")

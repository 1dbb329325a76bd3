"""Block Kit for the App Home: the dashboard, and the forms its buttons open.

Plain values in, view dicts out. The Home stays within a view's 100 blocks however much a
person has: each pair takes PAIR_BLOCKS blocks, lists are cut to their first few lines with a
count of the rest, and every section is clipped to 3000 characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from enum import StrEnum

from handlers.blocks import (
    VIEW_BLOCKS,
    Block,
    Message,
    actions,
    button,
    choose_among,
    context,
    day,
    goal_inputs,
    goal_line,
    header,
    input_block,
    modal,
    plural,
    progress_bar,
    section,
)
from handlers.meeting_blocks import local, when
from handlers.slack_text import clip, mrkdwn, plain
from mentoring.dashboard import FORM_OPTIONS, FormContext, NextMeeting, PairDashboard
from mentoring.meetings.agenda import AGENDA_ITEM_MAX_CHARS
from mentoring.milestones import MILESTONE_MAX_CHARS
from mentoring.model import GoalInfo, PairChoice, Role
from mentoring.reviews.cadence import NextReview
from mentoring.wins import WIN_MAX_CHARS

ITEM_CHARS = 200
OPTION_CHARS = 75
PAIR_BLOCKS = 7  # head, goals, meetings, action items, wins, buttons, divider


class Form(StrEnum):
    """The forms the Home's buttons (and `/goal`, `/win` with nothing after them) open."""

    GOAL = "goal"
    WIN = "win"
    MILESTONE = "milestone"
    MILESTONE_DONE = "milestone_done"
    AGENDA = "agenda"


# Action ids of the buttons that open each form; the pair id is the button's value. In a
# message the same buttons are numbered (open_goal_form_0, _1, …): action ids are unique there.
OPEN_GOAL_FORM = "open_goal_form"
OPEN_WIN_FORM = "open_win_form"
OPEN_MILESTONE_FORM = "open_milestone_form"
OPEN_MILESTONE_DONE_FORM = "open_milestone_done_form"
OPEN_AGENDA_FORM = "open_agenda_form"
OPEN_FORM = {
    Form.GOAL: OPEN_GOAL_FORM,
    Form.WIN: OPEN_WIN_FORM,
    Form.MILESTONE: OPEN_MILESTONE_FORM,
    Form.MILESTONE_DONE: OPEN_MILESTONE_DONE_FORM,
    Form.AGENDA: OPEN_AGENDA_FORM,
}
# Callback ids of the forms (the pair id rides in private_metadata), and their inputs' block
# ids (each input's action id is its block id). The New goal form shares the goal editor's.
GOAL_FORM = "goal_form"
WIN_FORM = "win_form"
WIN_FORM_TEXT = "win_text"
WIN_FORM_GOAL = "win_goal"
WIN_FORM_WORKED = "win_worked"
MILESTONE_FORM = "milestone_form"
MILESTONE_FORM_GOAL = "milestone_goal"
MILESTONE_FORM_TEXT = "milestone_text"
MILESTONE_FORM_DUE = "milestone_due"
MILESTONE_DONE_FORM = "milestone_done_form"
MILESTONE_DONE_FORM_PICK = "milestone_pick"
AGENDA_FORM = "agenda_form"
AGENDA_FORM_TEXT = "agenda_text"


# The dashboard


def build_home(boards: Sequence[PairDashboard]) -> Block:
    """The App Home tab: each active pair at a glance with buttons, then the ended ones."""
    active = [board for board in boards if board.pair.active]
    ended = [board for board in boards if not board.pair.active]
    blocks: list[Block] = [header("Your mentorships")]
    if not active:
        blocks.append(
            section(
                "You're not in a mentorship yet. In a channel you share, run "
                "`/mentor pair @mentor @mentee` (or add `new` for a private channel)."
            )
        )
    room = (VIEW_BLOCKS - 4) // PAIR_BLOCKS
    for board in active[:room]:
        blocks += pair_blocks(board)
    if len(active) > room:
        blocks.append(
            context(f"+{len(active) - room} more mentorships — `/mentor status` lists them all.")
        )
    if ended:
        names = [f"<@{board.other}> ({_ended_on(board)})" for board in ended[:20]]
        more = f" and {len(ended) - 20} more" if len(ended) > 20 else ""
        blocks.append(context(f"Ended: {', '.join(names)}{more}. Their history stays readable."))
    blocks.append(context("`/goal` sets goals · `/win` shares wins · `/mentor help` for more"))
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS]}


def pair_blocks(board: PairDashboard) -> list[Block]:
    """One active pair: PAIR_BLOCKS blocks."""
    pair = board.pair
    if board.role == Role.MENTOR:
        head = f"*You mentor <@{board.other}>* in <#{pair.channel_id}>"
    else:
        head = f"*<@{board.other}> mentors you* in <#{pair.channel_id}>"
    return [
        section(head),
        section("\n".join(_goal_lines(board))),
        section("\n".join(_meeting_lines(board))),
        section("\n".join(_action_lines(board))),
        section("\n".join(_win_lines(board))),
        actions(*_buttons(board)),
        {"type": "divider"},
    ]


def _goal_lines(board: PairDashboard) -> list[str]:
    if not board.open_goals:
        return ["*Goals*: none open yet. Press *New goal*, or type `/goal`."]
    lines = [f"*Goals* · {plural(board.open_goals, 'open goal')}"]
    for shown in board.goals:
        bar = progress_bar(shown.done, shown.total)
        steps = "milestones" if shown.total else ""
        lines.append(f"{goal_line(_short(shown.goal))}\n      {bar} {steps}".rstrip())
    if board.open_goals > len(board.goals):
        lines.append(f"+{board.open_goals - len(board.goals)} more goals — `/goal list`")
    return lines


def _short(goal: GoalInfo) -> GoalInfo:
    """The goal with its text cut for a dashboard line."""
    return replace(goal, text=plain(goal.text, ITEM_CHARS))


def _meeting_lines(board: PairDashboard) -> list[str]:
    meeting = board.next_meeting
    if meeting is None:
        lines = ["*Next meeting*: No meetings scheduled — `/mentor schedule weekly tue 15:00`"]
    else:
        lines = _next_meeting(meeting, board.other)
    lines.append(f"*Next review*: {_review(board.next_review)}")
    return lines


def _next_meeting(meeting: NextMeeting, other: str) -> list[str]:
    lines = []
    if meeting.paused_until is not None:
        lines.append(
            f":double_vertical_bar: Paused until {meeting.paused_until:%a} "
            f"{day(meeting.paused_until)} — `/mentor resume` restarts"
        )
    mine = when(meeting.starts_at, meeting.viewer_tz, token="{date_short_pretty} at {time}")
    theirs = local(meeting.starts_at, meeting.other_tz)
    line = f"*Next meeting*: {mine} for you · {theirs} for <@{other}>"
    if meeting.agenda_items:
        line += f" · {plural(meeting.agenda_items, 'agenda item')}"
    lines.append(line)
    if meeting.skipped is not None:
        lines.append(f"_The one on {when(meeting.skipped, meeting.viewer_tz)} is skipped._")
    return lines


def _review(next_review: NextReview | None) -> str:
    if next_review is None:
        return "off (`/mentor review every 4 weeks` turns them on)"
    at = when(next_review.at, None)
    if next_review.state == "open":
        return f"open now, until {at}: the *Answer review* button is in your DM"
    if next_review.state == "planned":
        return at
    return f"around {when(next_review.at, None, token='{date_short_pretty}')}"


def _action_lines(board: PairDashboard) -> list[str]:
    if not board.open_actions:
        return ["*Open action items*: none"]
    lines = [f"*Open action items* · {board.open_actions}"]
    lines += [
        f"• *{a.number}.* {clip(mrkdwn(a.text), ITEM_CHARS)} — <@{a.owner_id}>"
        for a in board.actions
    ]
    if board.open_actions > len(board.actions):
        lines.append(f"+{board.open_actions - len(board.actions)} more — `/agenda`")
    return lines


def _win_lines(board: PairDashboard) -> list[str]:
    lines = [f"*Wins in the last 30 days*: {board.recent_wins}"]
    for win in board.wins:
        goal = f" _(goal {win.goal.number})_" if win.goal else ""
        lines.append(f"• {clip(mrkdwn(win.text), ITEM_CHARS)}{goal} — {win.created_at:%d %b}")
    if board.recent_wins > len(board.wins):
        lines.append(f"+{board.recent_wins - len(board.wins)} more")
    return lines


def _buttons(board: PairDashboard) -> list[Block]:
    """The forms this person may use in this pair: wins are the mentee's to log; milestones
    need an open goal, and a milestone to mark done."""
    value = str(board.pair.id)
    shown = [button("New goal", OPEN_GOAL_FORM, value)]
    if board.role == Role.MENTEE:
        shown.append(button("Log win", OPEN_WIN_FORM, value))
    if board.open_goals:
        shown.append(button("Add milestone", OPEN_MILESTONE_FORM, value))
    if board.open_milestones:
        shown.append(button("Mark milestone done", OPEN_MILESTONE_DONE_FORM, value))
    shown.append(button("Add agenda item", OPEN_AGENDA_FORM, value))
    return shown


def _ended_on(board: PairDashboard) -> str:
    ended = board.pair.ended_at
    return f"ended {day(ended.date())}" if ended else "ended"


# The forms


def form_view(form: Form, context_: FormContext) -> Block:
    return FORM_VIEWS[form](context_)


def goal_form(pair: FormContext) -> Block:
    whose = "your" if pair.role == Role.MENTEE else f"<@{pair.pair.mentee_id}>'s"
    note = (
        f"A goal for {whose} mentorship. A specific one names an outcome, a date, and "
        "something others could see happen."
    )
    return modal(
        GOAL_FORM, str(pair.pair.id), "New goal", [context(note), *goal_inputs()], submit="Add"
    )


def win_form(pair: FormContext) -> Block:
    blocks: list[Block] = [
        context(f"Shared with <@{pair.pair.mentor_id}> in <#{pair.pair.channel_id}>."),
        input_block(WIN_FORM_TEXT, "What happened", _text_input(WIN_FORM_TEXT, WIN_MAX_CHARS)),
    ]
    if pair.goals:
        blocks.append(
            input_block(WIN_FORM_GOAL, "Goal", _goal_select(WIN_FORM_GOAL, pair), optional=True)
        )
    blocks.append(
        input_block(
            WIN_FORM_WORKED,
            "What worked",
            _text_input(WIN_FORM_WORKED, WIN_MAX_CHARS),
            optional=True,
        )
    )
    return modal(WIN_FORM, str(pair.pair.id), "Log a win", blocks, submit="Log it")


def milestone_form(pair: FormContext) -> Block:
    if not pair.goals:
        return _nothing_to_pick(
            "Add milestone",
            "There are no open goals to add a step to yet: press *New goal* first.",
        )
    due: Block = {"type": "datepicker", "action_id": MILESTONE_FORM_DUE}
    return modal(
        MILESTONE_FORM,
        str(pair.pair.id),
        "Add milestone",
        [
            input_block(MILESTONE_FORM_GOAL, "Goal", _goal_select(MILESTONE_FORM_GOAL, pair)),
            input_block(
                MILESTONE_FORM_TEXT,
                "Step",
                _text_input(MILESTONE_FORM_TEXT, MILESTONE_MAX_CHARS, multiline=False),
            ),
            input_block(MILESTONE_FORM_DUE, "Due date", due, optional=True),
        ],
        submit="Add",
    )


def milestone_done_form(pair: FormContext) -> Block:
    if not pair.milestones:
        return _nothing_to_pick(
            "Milestone done",
            "There are no open milestones to mark done: press *Add milestone* first.",
        )
    options = [
        _option(f"{step.label} {step.text}", step.label) for step in pair.milestones[:FORM_OPTIONS]
    ]
    pick = {"type": "static_select", "action_id": MILESTONE_DONE_FORM_PICK, "options": options}
    return modal(
        MILESTONE_DONE_FORM,
        str(pair.pair.id),
        "Milestone done",
        [input_block(MILESTONE_DONE_FORM_PICK, "Which milestone is done?", pick)],
        submit="Mark done",
    )


def agenda_form(pair: FormContext) -> Block:
    other = pair.pair.mentee_id if pair.role == Role.MENTOR else pair.pair.mentor_id
    return modal(
        AGENDA_FORM,
        str(pair.pair.id),
        "Add agenda item",
        [
            context(f"For your next session with <@{other}>."),
            input_block(
                AGENDA_FORM_TEXT,
                "What would you like to talk about?",
                _text_input(AGENDA_FORM_TEXT, AGENDA_ITEM_MAX_CHARS),
            ),
        ],
        submit="Add",
    )


FORM_VIEWS = {
    Form.GOAL: goal_form,
    Form.WIN: win_form,
    Form.MILESTONE: milestone_form,
    Form.MILESTONE_DONE: milestone_done_form,
    Form.AGENDA: agenda_form,
}


CHOOSER_WORDS = {  # what the form is for, and its button's label
    Form.GOAL: ("a new goal", "New goal"),
    Form.WIN: ("a win", "Log win"),
    Form.MILESTONE: ("a milestone", "Add milestone"),
    Form.MILESTONE_DONE: ("a milestone done", "Mark milestone done"),
    Form.AGENDA: ("an agenda item", "Add agenda item"),
}


def form_chooser(form: Form, choices: Sequence[PairChoice]) -> Message:
    """`/goal` or `/win` alone, from someone in several pairs: which pair, then the form."""
    what, label = CHOOSER_WORDS[form]
    line = f"You're in {len(choices)} mentorships. Which one is {what} for?"
    buttons = [
        button(label, f"{OPEN_FORM[form]}_{index}", str(choice.pair_id))
        for index, choice in enumerate(choices)
    ]
    return choose_among(line, choices, buttons, "Next time, add `to @name`.")


def _text_input(action_id: str, max_length: int, *, multiline: bool = True) -> Block:
    return {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
        "max_length": max_length,
    }


def _goal_select(action_id: str, pair: FormContext) -> Block:
    options = [
        _option(f"{goal.number}. {goal.text}", str(goal.number))
        for goal in pair.goals[:FORM_OPTIONS]
    ]
    return {"type": "static_select", "action_id": action_id, "options": options}


def _option(text: str, value: str) -> Block:
    return {"text": {"type": "plain_text", "text": plain(text, OPTION_CHARS)}, "value": value}


def _nothing_to_pick(title: str, why: str) -> Block:
    """A form with nothing to choose from: it says why, and only closes."""
    return modal(None, None, title, [section(why)], submit=None)

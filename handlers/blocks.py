"""Block Kit builders: plain values in, message and view dicts out. No Slack calls, no database.

Every builder escapes what people typed (`mrkdwn`), gives messages a top-level `text` fallback,
and stays inside Block Kit's limits (50 blocks in a message, 100 in a view, 3000 characters in a
section, 150 in a header, 75 in a button label).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from handlers.slack_text import clip, mrkdwn, plain
from mentoring.coaching import Coaching
from mentoring.goals import GOAL_MAX_CHARS, GoalChanged, GoalList
from mentoring.milestones import MilestoneInfo, Roadmap
from mentoring.model import GoalInfo, GoalStatus, NeedsPair, PairChoice, PairInfo, Role, WinLogged
from mentoring.pairs import PairSummary
from mentoring.roadmap_picture import MilestoneState, RoadmapPicture

Block = dict[str, Any]
Message = dict[str, Any]

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_CHARS = 3000
FIELD_CHARS = 2000  # each of a section's fields
HEADER_CHARS = 150
BUTTON_CHARS = 75
FALLBACK_CHARS = 3000
PREVIEW_CHARS = 600

# Action ids (buttons)
SAVE_AS_WIN = "save_note_as_win"
SAVE_AS_GOAL = "save_note_as_goal"
DISCARD_NOTE = "discard_note"
CHOOSE_PAIR = "choose_pair"  # one button per pair: choose_pair_0, choose_pair_1, …
UNDO_GOAL_STATUS = "undo_goal_status"
UNDO_WIN = "undo_win"
REPOST_WIN = "repost_win"
END_PAIR = "end_pair"
KEEP_PAIR = "keep_pair"
MILESTONE_DONE = "milestone_done"  # one button per milestone: milestone_done_0, _1, …
UNDO_MILESTONE = "undo_milestone"
MAKE_GOAL_SPECIFIC = "make_goal_specific"
# The "Make it specific" modal: its callback id and its inputs' block and action ids.
GOAL_EDITOR = "goal_editor"
GOAL_EDITOR_OUTCOME = "goal_outcome"
GOAL_EDITOR_DUE = "goal_due"
GOAL_EDITOR_EVIDENCE = "goal_evidence"


# Primitives


def section(text: str, accessory: Block | None = None) -> Block:
    block: Block = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": clip(text, SECTION_CHARS)},
    }
    if accessory is not None:
        block["accessory"] = accessory
    return block


def fields_section(texts: Sequence[str]) -> Block:
    """A section of side-by-side fields (at most 10), each clipped to Slack's 2000 characters."""
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": clip(text, FIELD_CHARS)} for text in texts[:10]],
    }


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": plain(text, HEADER_CHARS)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, SECTION_CHARS)}]}


def button(
    label: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: Block | None = None,
) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": plain(label, BUTTON_CHARS)},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def actions(*elements: Block) -> Block:
    return {"type": "actions", "elements": list(elements)}


def input_block(block_id: str, label: str, element: Block, *, optional: bool = False) -> Block:
    """A modal's input; its element's action_id is the block id, as the submissions are read."""
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": plain(label, 2000)},
        "element": element,
    }
    if optional:
        block["optional"] = True
    return block


def modal(
    callback_id: str | None,
    metadata: str | None,
    title: str,
    blocks: Sequence[Block],
    *,
    submit: str | None,
) -> Block:
    """A modal view; without `submit` it only shows information and has a Close button."""
    view: Block = {"type": "modal"}
    if callback_id is not None:
        view["callback_id"] = callback_id
    if metadata is not None:
        view["private_metadata"] = metadata
    view |= {
        "title": {"type": "plain_text", "text": plain(title, 24)},
        "close": {"type": "plain_text", "text": "Cancel" if submit else "Close"},
        "blocks": list(blocks)[:VIEW_BLOCKS],
    }
    if submit:
        view["submit"] = {"type": "plain_text", "text": plain(submit, 24)}
    return view


def message(fallback: str, blocks: Sequence[Block] = ()) -> Message:
    """A message with its notification/fallback text (mrkdwn, already escaped)."""
    result: Message = {"text": clip(fallback, FALLBACK_CHARS)}
    if blocks:
        result["blocks"] = list(blocks)[:MESSAGE_BLOCKS]
    return result


def ephemeral(fallback: str, blocks: Sequence[Block] = ()) -> Message:
    return {**message(fallback, blocks), "response_type": "ephemeral"}


def packed_sections(lines: Iterable[str], max_blocks: int) -> list[Block]:
    """Lines packed into as few sections as fit; past `max_blocks`, a count of what was left."""
    lines = list(lines)
    blocks: list[Block] = []
    chunk: list[str] = []
    for index, line in enumerate(lines):
        line = clip(line, SECTION_CHARS)
        if chunk and len("\n".join([*chunk, line])) > SECTION_CHARS:
            blocks.append(section("\n".join(chunk)))
            chunk = []
            if len(blocks) == max_blocks - 1:
                blocks.append(context(f"…and {len(lines) - index} more."))
                return blocks
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def quote(text: str) -> str:
    return "\n".join(f">{line}" for line in mrkdwn(text).splitlines() or [""])


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


# Refusals and failures


def refusal(reason: str) -> Message:
    """A rule said no; `reason` is the rule's own sentence."""
    return ephemeral(f":warning: {mrkdwn(reason)}")


def slack_failure(code: str) -> Message:
    return ephemeral(
        f":warning: Slack answered `{mrkdwn(code)}`, so that didn't go through. "
        "Try again in a moment."
    )


def oops() -> Message:
    return ephemeral(
        ":warning: Something went wrong on my side and it has been logged. "
        "Try again in a moment; if it keeps happening, tell whoever runs Mentorbot."
    )


# Help

HELP_SECTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Goals: one specific outcome, with a date",
        (
            ("/goal Get promoted to Senior Engineer by March 2027", "add a goal"),
            ("/goal", "a form for a new goal: outcome, target date, how you'll know"),
            ("/goal list", "your goals, numbered"),
            ("/goal done 2", "mark goal 2 achieved"),
            ("/goal milestone 2 Submit the talk proposal by 2027-01-15", "add a step to goal 2"),
            ("/goal milestones 2", "goal 2's steps and progress, with Done buttons"),
            ("/goal done 2.1", "mark milestone 2.1 done"),
            ("/goal roadmap", "a picture of all goals, steps and wins, in your shared channel"),
            ("/goal drop 2", "drop goal 2"),
        ),
    ),
    (
        "Wins: your mentor sees them in your shared channel",
        (
            (
                "/win Gave my first meetup talk #2 worked: rehearsing twice with a friend",
                "log a win; `#2` links goal 2, `worked:` records what worked",
            ),
            ("/win", "a form for a win: what happened, its goal, what worked"),
        ),
    ),
    (
        "Meetings: I ask for agenda items before each one and action items after",
        (
            (
                "/mentor schedule weekly tue 15:00",
                "meet every week (also `biweekly thursday 9:30`, `every 3 weeks mon 10:00 "
                "Europe/Berlin`; the mentee's time zone unless you name one)",
            ),
            ("/mentor schedule", "the cadence and the next three meetings, in both your times"),
            ("/mentor skip", "skip the next meeting (with Undo)"),
            ("/mentor pause until 2026-12-28", "no prompts until then; `/mentor resume` restarts"),
            ("/mentor prompts 24h 1h 2h", "when the DM, the agenda and the follow-up go out"),
            ("/mentor schedule off", "stop the schedule"),
            (
                "/mentor nudges off",
                "no private nudges to the mentee when things go quiet (`on` restarts them, "
                "`/mentor nudges` shows which)",
            ),
            ("/agenda", "the next meeting's agenda and open action items"),
            ("/agenda add Feedback on my design doc", "add an agenda item"),
            (
                "/agenda action Draft the talk outline",
                "an action item (the mentee's; add `for @name`)",
            ),
            ("/agenda done 2", "close action item 2"),
        ),
    ),
    (
        "Reviews: every few weeks, look back together and adjust course",
        (
            ("/review now", "start a review at once (each of you answers privately)"),
            ("/review", "the last review's summary"),
            ("/review history", "past reviews"),
            (
                "/mentor review every 6 weeks",
                "how often reviews come round, an hour after a meeting (default every 4 weeks; "
                "`/mentor review off` stops them)",
            ),
            ("/goal history 2", "goal 2's earlier wordings, when a review pivoted it"),
        ),
    ),
    (
        "Your mentorship",
        (
            ("/mentor pair @mentor @mentee", "pair up in a channel you share"),
            ("/mentor pair @mentor @mentee new", "pair up in a new private channel"),
            ("/mentor status", "your pairs, your role and open goals"),
            ("/mentor end", "end a mentorship (asks first)"),
            ("/mentor help", "this help (also `/goal help`, `/win help`, `/agenda help`)"),
        ),
    ),
)


def help_message() -> Message:
    blocks: list[Block] = [header("Mentorbot — what I can do")]
    for title, commands in HELP_SECTIONS:
        lines = [f"*{title}*"] + [f"• `{example}` — {what}" for example, what in commands]
        blocks.append(section("\n".join(lines)))
    blocks.append(
        section(
            "*In a DM to me*: start with `goal:` or `win:` and I'll save it; "
            "anything else, I'll ask whether it's a goal or a win — except a reply to my "
            "pre-meeting DM, which goes on the agenda, and `stop: … / start: … / continue: …` "
            "in the thread of a review DM, which answers that part of the review.\n"
            "Dates: `by 2027-05-15`, `by March 2027`, `in 3 months`.\n"
            "*My Home tab* shows each mentorship at a glance — goals and their milestones, the "
            "next meeting, action items, recent wins — with buttons to add a goal, a win, a "
            "milestone or an agenda item.\n"
            "In several mentorships? End a command with `to @name`."
        )
    )
    return ephemeral("Mentorbot help: /goal, /win, /agenda, /review and /mentor", blocks)


# Goals


def _due(goal: GoalInfo) -> str:
    return f" — by {day(goal.due_on)}" if goal.due_on else ""


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


def milestone_line(milestone: MilestoneInfo, today: date) -> str:
    due = f" — by {day(milestone.due_on)}" if milestone.due_on else ""
    if milestone.done:
        return f":white_check_mark: *{milestone.label}* {mrkdwn(milestone.text)}{due}"
    late = " :warning: _overdue_" if milestone.overdue(today) else ""
    return f":white_circle: *{milestone.label}* {mrkdwn(milestone.text)}{due}{late}"


MILESTONE_BUTTONS = 40  # at most this many "Done" buttons, to stay under 50 blocks


def roadmap_message(roadmap: Roadmap, today: date, note: str = "") -> Message:
    """A goal's milestones with their progress; a "Done" button beside each open one."""
    goal = roadmap.goal
    head = f"{goal_line(goal)}\n{progress_bar(roadmap.done, len(roadmap.milestones))}"
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


def goal_added(
    goal: GoalInfo, pair: PairInfo, viewer: str, coaching: Coaching | None = None
) -> Message:
    whose = "" if viewer == pair.mentee_id else f" for <@{pair.mentee_id}>"
    line = f":dart: Goal {goal.number} added{whose}: *{mrkdwn(goal.text)}*{_due(goal)}"
    body = [section(line)]
    if coaching is not None and not coaching.specific:
        body.append(coaching_section(goal, coaching))
    body.append(context(f"`/goal list` shows all goals · `/goal done {goal.number}` when achieved"))
    return ephemeral(line, body)


def coaching_section(goal: GoalInfo, coaching: Coaching) -> Block:
    """Saved as it is; this only says what would make it specific, with a way to edit it."""
    missing = " and ".join(coaching.missing)
    text = (
        f":bulb: Saved. It would guide your sessions better with {missing}. "
        f"For example: _{mrkdwn(coaching.example)}_"
    )
    return section(text, button("Make it specific", MAKE_GOAL_SPECIFIC, str(goal.id)))


def goal_editor(goal: GoalInfo, coaching: Coaching) -> Block:
    """The "Make it specific" modal, prefilled with the goal; its id rides in private_metadata
    and is checked again against the person who submits."""
    hint = " and ".join(coaching.missing) or "nothing: it is specific already"
    return modal(
        GOAL_EDITOR,
        str(goal.id),
        f"Goal {goal.number}",
        [
            context(f"Missing: {hint}. For example: _{mrkdwn(coaching.example)}_"),
            *goal_inputs(goal.text, goal.due_on),
        ],
        submit="Save",
    )


def goal_inputs(text: str = "", due_on: date | None = None) -> list[Block]:
    """A goal's fields (outcome, target date, how you'll know), as the editor and the New goal
    form show them."""
    outcome: Block = {
        "type": "plain_text_input",
        "action_id": GOAL_EDITOR_OUTCOME,
        "max_length": GOAL_MAX_CHARS,
    }
    if text:
        outcome["initial_value"] = plain(text, GOAL_MAX_CHARS)
    else:
        outcome["placeholder"] = {"type": "plain_text", "text": "e.g. Give a talk at a meetup"}
    date_input: Block = {"type": "datepicker", "action_id": GOAL_EDITOR_DUE}
    if due_on is not None:
        date_input["initial_date"] = due_on.isoformat()
    evidence: Block = {
        "type": "plain_text_input",
        "action_id": GOAL_EDITOR_EVIDENCE,
        "placeholder": {"type": "plain_text", "text": "e.g. the talk is on the schedule"},
        "max_length": 150,
    }
    return [
        input_block(GOAL_EDITOR_OUTCOME, "Outcome", outcome),
        input_block(GOAL_EDITOR_DUE, "Target date", date_input, optional=True),
        input_block(GOAL_EDITOR_EVIDENCE, "How you'll know", evidence, optional=True),
    ]


def goal_edited(goal: GoalInfo, coaching: Coaching) -> Message:
    line = f":dart: Goal {goal.number} is now: *{mrkdwn(goal.text)}*{_due(goal)}"
    blocks = [section(line)]
    if not coaching.specific:
        blocks.append(coaching_section(goal, coaching))
    return message(line, blocks)


def goal_list(listing: GoalList, viewer: str) -> Message:
    pair = listing.pair
    whose = "Your goals" if viewer == pair.mentee_id else f"Goals of <@{pair.mentee_id}>"
    title = f"*{whose}* (mentorship of <@{pair.mentee_id}> with <@{pair.mentor_id}>)"
    if not pair.active:
        ended = day(pair.ended_at.date()) if pair.ended_at else "earlier"
        title += f"\n_This mentorship ended on {ended}; it is read-only._"
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


# The roadmap picture

ROADMAP_OVERDUE_LISTED = 3


def roadmap_comment(picture: RoadmapPicture, viewer: str) -> str:
    """The words posted with the roadmap picture: whose it is and what it shows (mrkdwn)."""
    pair = picture.pair
    goals = picture.goals
    achieved = sum(1 for goal in goals if goal.status == GoalStatus.DONE)
    steps = len(picture.milestones)
    overdue = [m for m in picture.milestones if m.state == MilestoneState.OVERDUE]
    counts = [plural(len(goals) - achieved, "open goal"), f"{achieved} achieved"]
    if steps:
        counts.append(f"{picture.count(MilestoneState.DONE)} of {plural(steps, 'step')} done")
    if overdue:
        counts.append(f"{len(overdue)} overdue")
    counts.append(plural(len(picture.wins), "win"))
    lines = [
        f":world_map: Roadmap of <@{pair.mentee_id}> with <@{pair.mentor_id}> on "
        f"{day(picture.today)}, shared by <@{viewer}>: {' · '.join(counts)}."
    ]
    for milestone in overdue[:ROADMAP_OVERDUE_LISTED]:
        due = f" (due {day(milestone.due_on)})" if milestone.due_on else ""
        lines.append(f"Overdue: {milestone.label} {clip(mrkdwn(milestone.text), 200)}{due}")
    if len(overdue) > ROADMAP_OVERDUE_LISTED:
        lines.append(f"…and {len(overdue) - ROADMAP_OVERDUE_LISTED} more overdue.")
    if picture.hidden_goals:
        lines.append(
            f"{plural(picture.hidden_goals, 'more goal')} not drawn; `/goal list` shows them all."
        )
    return clip("\n".join(lines), FALLBACK_CHARS)


def roadmap_shared(picture: RoadmapPicture) -> Message:
    return ephemeral(f":world_map: Posted the roadmap in <#{picture.pair.channel_id}>.")


def roadmap_empty() -> Message:
    return ephemeral(
        "There are no goals to draw yet (dropped ones are left out). Add one with "
        "`/goal Give a talk at a meetup by June`, then try `/goal roadmap` again."
    )


def roadmap_not_shared(channel: str, error: str) -> Message:
    """Why the roadmap picture is not in the shared channel."""
    if error in ("not_in_channel", "channel_not_found"):
        why = "I'm not in that channel. Type `/invite @Mentorbot` there, then try again."
    elif error == "is_archived":
        why = "that channel is archived. Unarchive it, then try again."
    elif error == "ratelimited":
        why = "Slack asked me to slow down. Try again in a minute."
    elif error == "missing_scope":
        why = (
            "I'm not allowed to share files yet. Whoever runs Mentorbot can reinstall it from "
            "the current manifest (it adds `files:write`)."
        )
    else:
        why = f"Slack answered `{mrkdwn(error)}`. Try again in a moment."
    return ephemeral(f":warning: I couldn't post the roadmap in <#{channel}>: {why}")


# Wins


def win_announcement(logged: WinLogged) -> Message:
    """The post in the shared channel that tells the mentor."""
    win, pair = logged.win, logged.pair
    lead = f":trophy: <@{pair.mentor_id}>, a win from <@{win.author_id}>:"
    blocks = [section(f"{lead}\n{quote(win.text)}")]
    if win.worked:
        blocks.append(section(f"*What worked:* {mrkdwn(win.worked)}"))
    if win.goal:
        blocks.append(context(f":dart: Goal {win.goal.number}: {mrkdwn(win.goal.text)}"))
    return message(f"{lead} {mrkdwn(win.text)}", blocks)


def win_logged(logged: WinLogged, error: str | None) -> Message:
    """The mentee's private confirmation: posted (with undo), or why not (with a retry)."""
    win, pair = logged.win, logged.pair
    if error is None:
        line = f":trophy: Logged, and shared with <@{pair.mentor_id}> in <#{pair.channel_id}>."
        return ephemeral(line, [section(line), actions(button("Undo", UNDO_WIN, str(win.id)))])
    line = f":trophy: Logged, but I couldn't post it in <#{pair.channel_id}>: {_why(error)}"
    buttons = [button("Post it again", REPOST_WIN, str(win.id), style="primary")]
    buttons.append(button("Undo", UNDO_WIN, str(win.id)))
    return ephemeral(line, [section(line), actions(*buttons)])


def win_removed(posted: bool) -> Message:
    extra = " and its post in your shared channel" if posted else ""
    return message(f":wastebasket: Removed that win{extra}.")


def _why(error: str) -> str:
    if error in ("not_in_channel", "channel_not_found"):
        return (
            "I'm not in that channel. Type `/invite @Mentorbot` there, then press *Post it again*."
        )
    if error == "is_archived":
        return "that channel is archived. Unarchive it, then press *Post it again*."
    return f"Slack answered `{mrkdwn(error)}`. Press *Post it again* in a moment."


# Choosing


def pair_chooser(needs: NeedsPair) -> Message:
    what = "goal" if needs.kind == "goal" else "win"
    line = f"You're in {len(needs.choices)} mentorships. Which one is this {what} for?"
    buttons = [
        button("Choose", f"{CHOOSE_PAIR}_{index}", f"{needs.draft_id}:{choice.pair_id}")
        for index, choice in enumerate(needs.choices)
    ]
    tip = "Your text is kept until you choose. Next time, add `to @name`."
    return choose_among(line, needs.choices, buttons, tip)


def choose_among(
    line: str, choices: Sequence[PairChoice], buttons: Sequence[Block], tip: str
) -> Message:
    """A question, then one section per pair with its button (buttons[i] for choices[i])."""
    blocks = [section(line)]
    for choice, choose in list(zip(choices, buttons, strict=True))[: MESSAGE_BLOCKS - 2]:
        who = "you mentor them" if choice.role == Role.MENTOR else "your mentor"
        blocks.append(section(f"<@{choice.other_user}> ({who})", choose))
    blocks.append(context(tip))
    return ephemeral(line, blocks)


def note_prompt(draft_id: int, text: str) -> Message:
    """Reply to a DM that is neither `goal:` nor `win:`: keep it and ask what it is."""
    preview = quote(clip(text, PREVIEW_CHARS))
    return message(
        "Save this as a win or a goal?",
        [
            section(f"Want me to save this?\n{preview}"),
            actions(
                button("Save as win", SAVE_AS_WIN, str(draft_id), style="primary"),
                button("Save as goal", SAVE_AS_GOAL, str(draft_id)),
                button("Dismiss", DISCARD_NOTE, str(draft_id)),
            ),
            context("Tip: start a DM with `win:` or `goal:` and I'll save it straight away."),
        ],
    )


def note_dismissed() -> Message:
    return message("OK, not saved.")


# Pairs


def pair_created(pair: PairInfo, notes: Sequence[str]) -> Message:
    line = (
        f":handshake: <@{pair.mentor_id}> now mentors <@{pair.mentee_id}>. "
        f"Wins will be shared in <#{pair.channel_id}>."
    )
    blocks = [section(line)]
    blocks += [context(f":information_source: {note}") for note in notes]
    blocks.append(context("Next: set a first specific goal with `/goal … by <date>`."))
    return ephemeral(line, blocks)


def pair_intro(pair: PairInfo) -> Message:
    line = (
        f":wave: <@{pair.mentee_id}> and <@{pair.mentor_id}>: this is your mentorship channel. "
        "Wins logged with `/win` show up here; `/mentor help` lists everything else."
    )
    return message(line, [section(line)])


def end_confirmation(pair: PairInfo) -> Message:
    line = f"End the mentorship of <@{pair.mentee_id}> with <@{pair.mentor_id}>?"
    confirm = {
        "title": {"type": "plain_text", "text": "End this mentorship?"},
        "text": {"type": "mrkdwn", "text": "Nothing more will happen in it. History stays."},
        "confirm": {"type": "plain_text", "text": "End it"},
        "deny": {"type": "plain_text", "text": "Keep it"},
    }
    return ephemeral(
        line,
        [
            section(
                f"{line}\nIts goals and wins stay readable to both of you; nothing new happens."
            ),
            actions(
                button("End mentorship", END_PAIR, str(pair.id), style="danger", confirm=confirm),
                button("Keep it", KEEP_PAIR, str(pair.id)),
            ),
        ],
    )


def pair_ended(pair: PairInfo, by: str) -> Message:
    line = (
        f"The mentorship of <@{pair.mentee_id}> with <@{pair.mentor_id}> was ended by <@{by}>. "
        "Its goals and wins stay readable to both of you."
    )
    return message(line, [section(line)])


def pair_kept() -> Message:
    return message("Kept: nothing changed.")


def _summary_lines(summary: PairSummary, goals_shown: int) -> list[str]:
    pair = summary.pair
    other = pair.mentee_id if summary.role == Role.MENTOR else pair.mentor_id
    role = f"You mentor <@{other}>" if summary.role == Role.MENTOR else f"<@{other}> mentors you"
    if pair.active:
        head = f"*{role}* in <#{pair.channel_id}>"
        goals = plural(len(summary.open_goals), "open goal")
        counts = f"{goals} · {plural(summary.recent_wins, 'win')} in the last 30 days"
    else:
        ended = day(pair.ended_at.date()) if pair.ended_at else "earlier"
        head = f"*{role}* _(ended {ended})_"
        counts = f"{plural(len(summary.open_goals), 'goal')} still open when it ended"
    lines = [f"{head}\n{counts}"]
    shown = summary.open_goals[:goals_shown] if pair.active else ()
    lines += [goal_line(goal) for goal in shown]
    if pair.active and len(summary.open_goals) > goals_shown:
        lines.append(f"…and {len(summary.open_goals) - goals_shown} more: `/goal list`")
    return lines


def status(summaries: Sequence[PairSummary]) -> Message:
    if not summaries:
        return ephemeral(
            "You're not in a mentorship yet. Pair up with `/mentor pair @mentor @mentee` "
            "in a channel you share (add `new` for a private one)."
        )
    blocks = [
        section("\n".join(_summary_lines(summary, goals_shown=5)))
        for summary in summaries[:MESSAGE_BLOCKS]
    ]
    return ephemeral(f"You're in {plural(len(summaries), 'mentorship')}", blocks)

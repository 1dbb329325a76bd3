"""Block Kit for a meeting's scheduled messages: the DM the day before and the agenda an hour
before (their action items a checklist, `checklist`), the follow-up after, and the warning
when the pair's channel can't be reached."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from handlers.kit import (
    Block,
    Message,
    context,
    header,
    message,
    packed_sections,
    section,
    when,
)
from handlers.meetings.blocks import ITEM_CHARS, action_line, entry_line
from handlers.meetings.checklist import checklist
from handlers.reviews.messages import commitment_text
from handlers.slack_text import clip, mrkdwn
from mentoring.meetings.agenda import AgendaEntry
from mentoring.model import PairInfo
from mentoring.prompts import CarryForward, Outgoing

LISTED = 10


def carry_lines(carry: CarryForward, *, actions: bool = True) -> list[str]:
    """What a meeting's messages carry forward, as lines; `actions=False` leaves the action
    items to the message's checklist."""
    lines: list[str] = []
    if carry.actions and actions:
        lines.append("*Open action items*")
        lines += [action_line(a) for a in carry.actions[:LISTED]]
        if len(carry.actions) > LISTED:
            lines.append(f"…and {len(carry.actions) - LISTED} more: `/agenda`")
    if carry.wins:
        lines.append(f"*Wins since {carry.since:%d %b}*")
        lines += [f"• {clip(mrkdwn(w.text), ITEM_CHARS)}" for w in carry.wins]
    if carry.milestones_due:
        lines.append("*Milestones due soon*")
        lines += [
            f"• *{m.label}* {clip(mrkdwn(m.text), ITEM_CHARS)} — due {m.due_on:%d %b %Y}"
            + (" :warning: _overdue_" if carry.today and m.overdue(carry.today) else "")
            for m in carry.milestones_due
        ]
    if carry.goals_due:
        lines.append("*Goals due soon*")
        lines += [
            f"• *{g.number}.* {clip(mrkdwn(g.text), ITEM_CHARS)} — due {g.due_on:%d %b %Y}"
            for g in carry.goals_due
        ]
    if carry.commitments:
        lines.append("*Commitments from your last review*")
        lines += [
            f"• <@{c.owner_id}> will {commitment_text(c, ITEM_CHARS)}" for c in carry.commitments
        ]
    return lines


def suggestions(carry: CarryForward) -> list[str]:
    """Two talking points from the pair's own data, for an agenda nobody filled in."""
    ideas: list[str] = []
    late = [m for m in carry.milestones_due if carry.today and m.overdue(carry.today)]
    if late:
        ideas.append(
            f"Milestone {late[0].label} was due {late[0].due_on:%d %b}: "
            f"{clip(mrkdwn(late[0].text), 200)}. What's in the way: time, resources or a skill?"
        )
    if carry.actions:
        first = carry.actions[0]
        ideas.append(f"How did action item {first.number} go: {clip(mrkdwn(first.text), 200)}?")
    if carry.goals_due:
        goal = carry.goals_due[0]
        ideas.append(
            f"Goal {goal.number} is due {goal.due_on:%d %b}: {clip(mrkdwn(goal.text), 200)}. "
            "What's the next step?"
        )
    if carry.wins:
        win = clip(mrkdwn(carry.wins[0].text.rstrip(" .!?")), 200)
        ideas.append(f"Last win: {win}. What made it work?")
    if carry.open_goals:
        goal = carry.open_goals[-1]
        ideas.append(
            f"Goal {goal.number}, {clip(mrkdwn(goal.text), 200)}: what has moved since last time?"
        )
    ideas.append("What's one thing from last session you tried, and how did it go?")
    ideas.append("Which goal needs a milestone or a date to make it concrete?")
    return ideas[:2]


def prompt_dm(out: Outgoing) -> Message:
    assert out.meeting is not None and out.carry is not None
    other = out.pair.other(out.recipient)
    start = when(out.meeting.starts_at, out.recipient_tz, token="{date_long_pretty} at {time}")
    blocks: list[Block] = [
        section(f"*Your session with <@{other}> is {start}.*"),
    ]
    blocks += checklist(out.carry.actions, ask=False)
    blocks += packed_sections(carry_lines(out.carry, actions=False), 8)
    blocks.append(
        section(
            "*What would you like to talk about?* Reply in this thread, or just send me your "
            "next message, and I'll add it to the agenda. `/agenda add …` works too."
        )
    )
    return message(
        f"Your session with <@{other}> is {start}: what would you like to talk about?", blocks
    )


def agenda_post(out: Outgoing) -> Message:
    assert out.meeting is not None and out.carry is not None
    start = when(out.meeting.starts_at, out.recipient_tz, token="{time}")
    blocks: list[Block] = [header("Agenda for today's session"), context(f"Starts at {start}.")]
    lines: list[str] = []
    if out.agenda:
        for author in _authors(out.agenda, out.pair.mentee_id, out.pair.mentor_id):
            lines.append(f"*From <@{author}>*")
            lines += [entry_line(e) for e in out.agenda if e.author_id == author]
    else:
        lines.append("*Nobody added anything yet.* Two ideas from your own notes:")
        lines += [f"• {idea}" for idea in suggestions(out.carry)]
    carry = carry_lines(replace(out.carry, goals_due=(), milestones_due=()), actions=False)
    blocks += packed_sections(lines, 20)
    blocks += checklist(out.carry.actions, ask=True)
    blocks += packed_sections(carry, 10)
    blocks.append(
        context("Add more with `/agenda add …`. After the session I'll ask what you'll act on.")
    )
    return message(f"Agenda for today's session at {start}", blocks)


def _authors(entries: Sequence[AgendaEntry], *first: str) -> list[str]:
    seen = [person for person in first if any(e.author_id == person for e in entries)]
    for entry in entries:
        if entry.author_id not in seen:
            seen.append(entry.author_id)
    return seen


def followup_post(out: Outgoing) -> Message:
    assert out.carry is not None
    blocks: list[Block] = [
        section(
            "*What will you act on before next time?* Reply in this thread, one thing per "
            "line or bullet: each becomes an action item for whoever writes it."
        )
    ]
    if out.carry.actions:
        blocks += packed_sections(
            ["*Still open*", *map(action_line, out.carry.actions[:LISTED])], 5
        )
    blocks.append(
        context(
            "`/agenda action … for @person` gives one to someone else; "
            "`/agenda done <n>` closes one."
        )
    )
    return message("What will you act on before next time? Reply in this thread.", blocks)


ATTENTION_HELP = {
    "is_archived": "the channel is archived. Unarchive it, or pair up again in another channel.",
    "channel_not_found": "I can't see the channel any more. Invite me with `/invite @Mentorbot`.",
    "not_in_channel": "I'm no longer in the channel. Invite me back with `/invite @Mentorbot`.",
    "account_inactive": "one of you has a deactivated account.",
    "user_not_found": "one of you is no longer in this workspace.",
    "user_disabled": "one of you has a deactivated account.",
}


def attention_help(attention: str) -> str:
    """What a pair's attention reason (`<method>: <Slack error>`) means, and how to fix it."""
    code = attention.rsplit(": ", 1)[-1]
    return ATTENTION_HELP.get(code, f"Slack said `{mrkdwn(code)}`.")


def attention_line(pair: PairInfo) -> str | None:
    """For the Home and `/mentor status`: what is wrong with the pair's channel, and the fix."""
    if pair.attention is None:
        return None
    return (
        f":warning: *Needs attention*: I couldn't post in <#{pair.channel_id}>: "
        f"{attention_help(pair.attention)}"
    )


def attention_dm(out: Outgoing) -> Message:
    why = attention_help(out.attention or "")
    text = (
        f":warning: I couldn't deliver a scheduled message for your mentorship in "
        f"<#{out.pair.channel_id}>: {why} I'll keep trying with the next ones; "
        "`python -m bot deliveries` (for whoever runs me) shows each attempt."
    )
    return message(text, [section(text)])

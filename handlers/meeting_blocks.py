"""Block Kit for meetings: the schedule, agendas, action items and the scheduled prompts.

Times are written with Slack's date token (`<!date^…>`), which every reader's client shows in
their own time zone, with a fallback in the zone we know for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.blocks import (
    Block,
    Message,
    button,
    context,
    ephemeral,
    header,
    message,
    packed_sections,
    plural,
    quote,
    section,
)
from handlers.slack_text import clip, mrkdwn
from mentoring.deliveries import CarryForward, Outgoing, ReplyFiled
from mentoring.meetings.agenda import ActionAdded, ActionInfo, AgendaAdded, AgendaEntry, AgendaView
from mentoring.meetings.schedule import ScheduleView
from mentoring.meetings.values import MeetingInfo
from mentoring.nudges import NudgeSetting, Signal

UNSKIP_MEETING = "unskip_meeting"
REOPEN_ACTION = "reopen_action"
LISTED = 10
ITEM_CHARS = 300


def when(instant: datetime, tz: str | None, *, token: str = "{date_short_pretty} at {time}") -> str:
    """A Slack date token, shown in each reader's own zone; the fallback uses `tz`."""
    local = instant.astimezone(ZoneInfo(tz or "UTC"))
    fallback = f"{local:%a %d %b %Y, %H:%M} ({tz or 'UTC'})"
    return f"<!date^{int(instant.timestamp())}^{token}|{fallback}>"


def local(instant: datetime, tz: str | None) -> str:
    """Plain local time, for showing two people's times side by side."""
    zone = tz or "UTC"
    place = zone.split("/")[-1].replace("_", " ")
    return f"{instant.astimezone(ZoneInfo(zone)):%a %d %b, %H:%M} {place}"


def _action_line(action: ActionInfo) -> str:
    return f"• *{action.number}.* {clip(mrkdwn(action.text), ITEM_CHARS)} — <@{action.owner_id}>"


def _entry_line(entry: AgendaEntry) -> str:
    return f"• {clip(mrkdwn(entry.text), ITEM_CHARS)}"


def _carry_lines(carry: CarryForward) -> list[str]:
    lines: list[str] = []
    if carry.actions:
        lines.append("*Open action items*")
        lines += [_action_line(a) for a in carry.actions[:LISTED]]
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
            f"• <@{c.owner_id}> will {c.kind.upper()} {clip(mrkdwn(c.text), ITEM_CHARS)}"
            for c in carry.commitments
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
        ideas.append(f"What made this work: {clip(mrkdwn(carry.wins[0].text), 200)}?")
    if carry.open_goals:
        goal = carry.open_goals[-1]
        ideas.append(
            f"Goal {goal.number}, {clip(mrkdwn(goal.text), 200)}: what has moved since last time?"
        )
    ideas.append("What's one thing from last session you tried, and how did it go?")
    ideas.append("Which goal needs a milestone or a date to make it concrete?")
    return ideas[:2]


# The scheduled prompts


def outgoing_message(out: Outgoing) -> Message:
    builders = {
        "prompt": prompt_dm,
        "agenda": agenda_post,
        "followup": followup_post,
        "attention": attention_dm,
        "nudge": nudge_dm,
    }
    return builders[out.kind](out)


def prompt_dm(out: Outgoing) -> Message:
    assert out.meeting is not None and out.carry is not None
    other = out.pair.other(out.recipient)
    start = when(out.meeting.starts_at, out.recipient_tz, token="{date_long_pretty} at {time}")
    blocks: list[Block] = [
        section(f"*Your session with <@{other}> is {start}.*"),
    ]
    blocks += packed_sections(_carry_lines(out.carry), 8)
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
            lines += [_entry_line(e) for e in out.agenda if e.author_id == author]
    else:
        lines.append("*Nobody added anything yet.* Two ideas from your own notes:")
        lines += [f"• {idea}" for idea in suggestions(out.carry)]
    carry = _carry_lines(replace(out.carry, goals_due=(), milestones_due=()))
    blocks += packed_sections([*lines, *carry], 40)
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
            "reply: each becomes an action item for whoever writes it."
        )
    ]
    if out.carry.actions:
        blocks += packed_sections(
            ["*Still open*", *map(_action_line, out.carry.actions[:LISTED])], 5
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


def attention_dm(out: Outgoing) -> Message:
    detail = out.attention or ""
    code = detail.rsplit(": ", 1)[-1]
    why = ATTENTION_HELP.get(code, f"Slack said `{mrkdwn(code)}`.")
    text = (
        f":warning: I couldn't deliver a scheduled message for your mentorship in "
        f"<#{out.pair.channel_id}>: {why} I'll keep trying with the next ones; "
        "`python -m bot deliveries` (for whoever runs me) shows each attempt."
    )
    return message(text, [section(text)])


def nudge_dm(out: Outgoing) -> Message:
    """A drift nudge to the mentee: what was noticed, one next step, and how to stop them."""
    nudge = out.nudge
    assert nudge is not None
    mentor = out.pair.mentor_id
    # With more than one mentorship, say which one this is about.
    with_whom = f" (with <@{mentor}>)" if nudge.to else ""
    if nudge.signal == Signal.OVERDUE_MILESTONE:
        due = f"{nudge.due_on:%d %b}" if nudge.due_on else "a while ago"
        noticed = (
            f"Milestone *{nudge.milestone}*{with_whom}, "
            f"{clip(mrkdwn(nudge.milestone_text or ''), ITEM_CHARS)}"
            f", was due {due}. Plans change, and that's fine."
        )
    elif nudge.signal == Signal.NO_AGENDA:
        noticed = (
            f"Your last two sessions with <@{mentor}> started with nothing on the agenda. "
            "A topic or two makes the time easier to use."
        )
    else:
        noticed = f"No win logged in four weeks{with_whom}. Small ones count, and they add up."
    blocks: list[Block] = [
        section(f":seedling: *A gentle nudge.* {noticed}"),
        section(f"*One small step:* {nudge.suggestion}"),
        context(
            f"Only you see this, not <@{mentor}>. At most one a week; "
            + (
                f"`/mentor nudges off to <@{nudge.to}>` turns them off for this mentorship."
                if nudge.to
                else f"`/mentor nudges off` in <#{out.pair.channel_id}> turns them off."
            )
        ),
    ]
    return message(f"A gentle nudge: {noticed}", blocks)


# Replies to commands


def nudge_setting(setting: NudgeSetting, viewer: str) -> Message:
    """The private answer to `/mentor nudges [on|off]`. It never says whether a nudge was
    planned: that is the mentee's business."""
    other = setting.pair.other(viewer)
    mentee = setting.pair.mentee_id
    who, gets = ("you", "get") if viewer == mentee else (f"<@{mentee}>", "gets")
    state = "on" if setting.on else "off"
    now = "now " if setting.changed else ""
    lead = f"Nudges are {now}{state} for your mentorship with <@{other}>."
    if setting.on:
        text = (
            f"{lead} When things go quiet — an overdue milestone, two meetings without an "
            f"agenda, four weeks without a win — {who} {gets} a private DM with one suggestion, "
            "at most once a week. `/mentor nudges off` turns them off."
        )
    else:
        nobody = "You" if viewer == mentee else who
        text = f"{lead} {nobody} won't get any. `/mentor nudges on` turns them back on."
    return ephemeral(text, [section(text)])


def schedule_view(view: ScheduleView, viewer: str) -> Message:
    pair = view.pair
    if view.cadence is None:
        return ephemeral(
            "No meeting schedule yet. Set one with `/mentor schedule weekly tue 15:00` "
            "(add a zone like `Europe/Berlin`; the mentee's own zone is the default)."
        )
    lines = [f"*{view.cadence.describe()}*"]
    if view.paused_until is not None:
        lines.append(
            f":double_vertical_bar: Paused: no prompts before {view.paused_until:%a %d %b %Y}. "
            "`/mentor resume` to restart."
        )
    lines.append("*Next meetings*")
    for meeting in view.upcoming:
        note = " _(skipped)_" if meeting.status == "skipped" else ""
        if view.paused_until is not None and meeting.local_date < view.paused_until:
            note += " _(paused)_"
        mentor_time = local(meeting.starts_at, view.mentor_tz or view.cadence.tz)
        mentee_time = local(meeting.starts_at, view.mentee_tz or view.cadence.tz)
        lines.append(
            f"• {mentee_time} for <@{pair.mentee_id}> · {mentor_time} for <@{pair.mentor_id}>{note}"
        )
    o = view.offsets
    lines.append(
        f"Prompts: a DM to each of you {_span(o.dm_before)} before, the agenda here "
        f'{_span(o.agenda_before)} before, and "what will you act on?" '
        f"{_span(o.followup_after)} after."
    )
    return ephemeral(
        f"{view.cadence.describe()}",
        [
            section("\n".join(lines)),
            context(
                "`/mentor skip` · `/mentor pause until 2026-12-28` · `/mentor resume` · "
                "`/mentor schedule off` · `/mentor prompts 24h 1h 2h`"
            ),
        ],
    )


def _span(delta: object) -> str:
    minutes = int(delta.total_seconds() // 60)  # type: ignore[attr-defined]
    if minutes % (24 * 60) == 0 and minutes:
        return plural(minutes // (24 * 60), "day")
    if minutes % 60 == 0 and minutes:
        return plural(minutes // 60, "hour")
    return plural(minutes, "minute")


def meeting_skipped(meeting: MeetingInfo, tz: str) -> Message:
    text = (
        f"Skipped the meeting on {local(meeting.starts_at, tz)}: no prompts for it. "
        "The one after goes ahead as usual."
    )
    return ephemeral(text, [section(text, button("Undo", UNSKIP_MEETING, str(meeting.id)))])


def meeting_unskipped(meeting: MeetingInfo, tz: str) -> Message:
    return ephemeral(f"The meeting on {local(meeting.starts_at, tz)} is back on, with its prompts.")


def schedule_stopped() -> Message:
    return ephemeral(
        "Meeting schedule turned off: no more prompts. Set a new one any time with "
        "`/mentor schedule weekly tue 15:00`."
    )


def agenda_view(view: AgendaView, tz: str | None) -> Message:
    if view.meeting is not None:
        title = f"Agenda for {when(view.meeting.starts_at, tz)}"
        if view.meeting.status == "skipped":
            title += " _(skipped)_"
    else:
        title = "Agenda for your next session"
    lines = [f"*{title}*"]
    if view.items:
        lines += [f"{_entry_line(e)} — <@{e.author_id}>" for e in view.items]
    else:
        lines.append("Nothing yet. Add an item with `/agenda add …`.")
    if view.actions:
        lines.append("*Open action items*")
        lines += [_action_line(a) for a in view.actions]
    return ephemeral(title, packed_sections(lines, 20))


def agenda_added(added: AgendaAdded, tz: str | None) -> Message:
    target = (
        f"the session on {when(added.meeting.starts_at, tz)}"
        if added.meeting
        else "your next session"
    )
    return ephemeral(f"Added to the agenda for {target}:\n{quote(added.item.text)}")


def action_added(added: ActionAdded) -> Message:
    action = added.action
    return ephemeral(f"Action item {action.number} for <@{action.owner_id}>:\n{quote(action.text)}")


def action_closed(action: ActionInfo) -> Message:
    text = f"Done: action item {action.number}, {clip(mrkdwn(action.text), ITEM_CHARS)}"
    return ephemeral(text, [section(text, button("Undo", REOPEN_ACTION, str(action.id)))])


def action_reopened(action: ActionInfo) -> Message:
    return ephemeral(f"Action item {action.number} is open again.")


def reply_filed(filed: ReplyFiled) -> Message:
    """The acknowledgement of a reply to a prompt (in a DM, or the follow-up's thread)."""
    text = clip(mrkdwn(filed.text), ITEM_CHARS)
    if filed.kind == "agenda":
        with_whom = f"your session with <@{filed.pair.other(filed.by)}>"
        if filed.meeting is not None:
            with_whom += f" {when(filed.meeting.starts_at, None)}"
        return message(f":memo: Added to the agenda for {with_whom}: {text}")
    return message(f":white_check_mark: Action item {filed.number} for <@{filed.by}>: {text}")

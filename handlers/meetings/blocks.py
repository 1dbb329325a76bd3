"""Block Kit for the answers to meeting and agenda commands: plain values in, dicts out."""

from __future__ import annotations

from datetime import timedelta

from handlers.kit import (
    Message,
    button,
    context,
    ephemeral,
    local,
    message,
    packed_sections,
    plural,
    quote,
    section,
    when,
)
from handlers.slack_text import clip, mrkdwn
from mentoring.meetings.agenda import ActionAdded, ActionInfo, AgendaAdded, AgendaEntry, AgendaView
from mentoring.meetings.schedule import ScheduleView
from mentoring.meetings.values import MeetingInfo
from mentoring.replies import ReplyFiled

UNSKIP_MEETING = "unskip_meeting"
REOPEN_ACTION = "reopen_action"
ITEM_CHARS = 300


def action_line(action: ActionInfo) -> str:
    return f"• *{action.number}.* {clip(mrkdwn(action.text), ITEM_CHARS)} — <@{action.owner_id}>"


def entry_line(entry: AgendaEntry) -> str:
    return f"• {clip(mrkdwn(entry.text), ITEM_CHARS)}"


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


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
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
    else:
        title = "Agenda for your next session"
    lines = [f"*{title}*"]
    if view.items:
        lines += [f"{entry_line(e)} — <@{e.author_id}>" for e in view.items]
    else:
        lines.append("Nothing yet. Add an item with `/agenda add …`.")
    if view.actions:
        lines.append("*Open action items*")
        lines += [action_line(a) for a in view.actions]
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
    if len(filed.items) > 1:
        lines = [f"• *{n}.* {clip(mrkdwn(t), ITEM_CHARS)}" for n, t in filed.items]
        head = f":white_check_mark: {len(filed.items)} action items for <@{filed.by}>:"
        return message(head, [section("\n".join([head, *lines]))])
    return message(f":white_check_mark: Action item {filed.number} for <@{filed.by}>: {text}")

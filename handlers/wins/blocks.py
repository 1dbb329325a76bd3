"""Block Kit for wins and kept notes: plain values in, message dicts out."""

from __future__ import annotations

from handlers.kit import (
    PREVIEW_CHARS,
    Message,
    actions,
    button,
    choose_among,
    context,
    ephemeral,
    message,
    quote,
    section,
)
from handlers.slack_text import clip, mrkdwn
from mentoring.model import NeedsPair, WinLogged

SAVE_AS_WIN = "save_note_as_win"
SAVE_AS_GOAL = "save_note_as_goal"
DISCARD_NOTE = "discard_note"
CHOOSE_PAIR = "choose_pair"  # one button per pair: choose_pair_0, choose_pair_1, …
UNDO_WIN = "undo_win"
REPOST_WIN = "repost_win"


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


def pair_chooser(needs: NeedsPair) -> Message:
    what = "goal" if needs.kind == "goal" else "win"
    line = f"You're in {len(needs.choices)} mentorships. Which one is this {what} for?"
    buttons = [
        button("Choose", f"{CHOOSE_PAIR}_{index}", f"{needs.draft_id}:{choice.pair_id}")
        for index, choice in enumerate(needs.choices)
    ]
    tip = "Your text is kept until you choose. Next time, add `to @name`."
    return choose_among(line, needs.choices, buttons, tip)


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

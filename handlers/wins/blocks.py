"""Block Kit for wins and kept notes: plain values in, message dicts out."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.kit import (
    PREVIEW_CHARS,
    Message,
    actions,
    button,
    choose_among,
    context,
    ephemeral,
    message,
    next_time,
    quote,
    section,
)
from handlers.slack_text import clip, mrkdwn
from mentoring.model import NeedsPair, Role, WinLogged

SAVE_AS_WIN = "save_note_as_win"
SAVE_AS_GOAL = "save_note_as_goal"
DISCARD_NOTE = "discard_note"
CHOOSE_PAIR = "choose_pair"  # one button per pair: choose_pair_0, choose_pair_1, …
ADD_TO_AGENDA = "add_note_to_agenda"
CHOOSE_AGENDA_PAIR = "choose_agenda_pair"  # one button per pair, numbered like CHOOSE_PAIR
COMMAND_PREVIEW_CHARS = 200  # of a waiting command, in the chooser's question
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


def pair_chooser(needs: NeedsPair, names: Mapping[str, str] | None = None) -> Message:
    what = "goal" if needs.kind == "goal" else "win"
    line = f"You're in {len(needs.choices)} mentorships. Which one is this {what} for?"
    tip = f"Your text is kept until you choose. {next_time(needs.choices)}"
    return choose_among(line, needs.choices, CHOOSE_PAIR, _values(needs), tip, names)


def command_chooser(needs: NeedsPair, line: str, names: Mapping[str, str]) -> Message:
    """Which pair a command that needs one is for: each button runs the command, as typed
    (kept in a draft: a button's value holds only ids), for its pair."""
    typed = clip(mrkdwn(" ".join(line.replace("`", "'").split())), COMMAND_PREVIEW_CHARS)
    question = f"You're in {len(needs.choices)} mentorships. Which one is `{typed}` for?"
    tip = f"Your command waits until you choose. {next_time(needs.choices)}"
    return choose_among(question, needs.choices, CHOOSE_PAIR, _values(needs), tip, names)


def _values(needs: NeedsPair) -> list[str]:
    return [f"{needs.draft_id}:{choice.pair_id}" for choice in needs.choices]


def note_prompt(draft_id: int, text: str, roles: frozenset[Role]) -> Message:
    """Reply to a DM that is neither `goal:` nor `win:`: keep it and offer what the person can
    make of it — a win only to a mentee, the next meeting's agenda to a mentor."""
    preview = quote(clip(text, PREVIEW_CHARS))
    value = str(draft_id)
    choices = []
    if Role.MENTEE in roles:
        choices.append(button("Save as win", SAVE_AS_WIN, value, style="primary"))
    choices.append(button("Save as goal", SAVE_AS_GOAL, value))
    if Role.MENTOR in roles:
        choices.append(button("Add to the agenda", ADD_TO_AGENDA, value))
    choices.append(button("Dismiss", DISCARD_NOTE, value))
    if Role.MENTEE in roles:
        question = "Save this as a win or a goal?"
        tip = "Tip: start a DM with `win:` or `goal:` and I'll save it straight away."
    else:
        question = "Save this as a goal, or add it to your next meeting's agenda?"
        tip = "Tip: start a DM with `goal:` to save a goal straight away, or use `/agenda add …`."
    return message(
        question, [section(f"Want me to save this?\n{preview}"), actions(*choices), context(tip)]
    )


def agenda_pair_chooser(needs: NeedsPair, names: Mapping[str, str] | None = None) -> Message:
    line = f"You're in {len(needs.choices)} mentorships. Whose agenda is this for?"
    tip = "Your text is kept until you choose."
    return choose_among(line, needs.choices, CHOOSE_AGENDA_PAIR, _values(needs), tip, names)


def no_mentorship() -> Message:
    """Reply to a DM from someone in no active mentorship: what the bot is, and how to start."""
    line = (
        ":wave: I'm Mentorbot: I help a mentor and a mentee keep their goals, wins and "
        "meetings in one place. You're not in a mentorship yet, so there's nowhere to save "
        "this."
    )
    how = (
        "To start one, both of you in a channel you share: `/mentor pair @mentor @mentee` "
        "(add `new` for a new private channel). `/mentor help` lists the rest."
    )
    return message(line, [section(line), section(how)])


def note_dismissed() -> Message:
    return message("OK, not saved.")

"""`/win`, the Log win form, and a posted win's Undo and Post it again buttons."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_sdk.errors import SlackApiError

from handlers import forms
from handlers.capture import announce, finish
from handlers.help import Topic
from handlers.kit import Block, Message, context, input_block, modal, text_input
from handlers.routing import PAIR_FORMS, Part, Values, button, form, pair_form, verb
from handlers.runtime import Call, Reply, slack_error
from handlers.wins.blocks import REPOST_WIN, UNDO_WIN, win_logged, win_removed
from mentoring import capture, wins
from mentoring.capture import Kind
from mentoring.dashboard import FormContext
from mentoring.errors import FieldError
from mentoring.model import read_number
from mentoring.wins import WIN_MAX_CHARS, WinText, parse_win_form

logger = logging.getLogger("mentorbot.wins")

WIN_FORM = "win_form"
WIN_FORM_TEXT = "win_text"
WIN_FORM_GOAL = "win_goal"
WIN_FORM_WORKED = "win_worked"


@verb(
    "/win",
    None,
    r"(?P<text>.+)",
    usage="/win <what happened> #<goal> worked: <what worked>",
    topic=Topic.WINS,
    examples=(
        (
            "/win Gave my first meetup talk #2 worked: rehearsing twice with a friend",
            "log a win; `#2` links goal 2, `worked:` records what worked",
        ),
    ),
)
def log_win(call: Call, text: str) -> Reply:
    logged = call.apply(
        capture.capture, call.engine, call.actor, Kind.WIN, text, call.target, call.now
    )
    return finish(call, logged)


@verb(
    "/win",
    "",
    usage="/win",
    topic=Topic.WINS,
    examples=(("/win", "a form for a win: what happened, its goal, what worked"),),
)
def log_win_form(call: Call) -> Message | None:
    return forms.open_form(call, PAIR_FORMS["win"], call.target)


@button(UNDO_WIN, Part.WIN)
def undo_win(call: Call, win_id: int) -> Reply:
    removed = call.apply(wins.take_back_win, call.engine, call.actor, win_id)
    posted = removed.announce_ts is not None and removed.announce_channel is not None
    if posted:
        channel, ts = removed.announce_channel, removed.announce_ts
        try:
            call.once(lambda: call.client.chat_delete(channel=channel, ts=ts).data)
        except SlackApiError as error:
            logger.warning("win post not deleted", extra={"error": slack_error(error)})
    return Reply.after(removed, win_removed(posted))


@button(REPOST_WIN, Part.WIN)
def repost_win(call: Call, win_id: int) -> Message:
    logged = call.apply(wins.win_to_repost, call.engine, call.actor, win_id)
    return win_logged(logged, announce(call, logged))


def read_win(values: Values, today: date) -> tuple[Any, ...]:
    picked = forms.picked(values, WIN_FORM_GOAL)
    goal = read_number(picked) if picked else None
    if picked and goal is None:
        raise FieldError("goal", "Pick one of the goals, or none.")
    what, worked = forms.text_of(values, WIN_FORM_TEXT), forms.text_of(values, WIN_FORM_WORKED)
    return (parse_win_form(what, goal, worked),)


@form(
    WIN_FORM,
    read=read_win,
    fields={"what": WIN_FORM_TEXT, "goal": WIN_FORM_GOAL, "worked": WIN_FORM_WORKED},
)
def save_win_form(call: Call, pair_id: int, win: WinText) -> Reply:
    logged = call.apply(capture.capture_form, call.engine, call.actor, pair_id, win, call.now)
    return finish(call, logged)


@pair_form("win", capture=Kind.WIN, purpose="a win", label="Log win")
def win_form(pair: FormContext) -> Block:
    blocks: list[Block] = [
        context(f"Shared with <@{pair.pair.mentor_id}> in <#{pair.pair.channel_id}>."),
        input_block(WIN_FORM_TEXT, "What happened", text_input(WIN_FORM_TEXT, WIN_MAX_CHARS)),
    ]
    if pair.goals:
        blocks.append(
            input_block(
                WIN_FORM_GOAL, "Goal", forms.goal_select(WIN_FORM_GOAL, pair), optional=True
            )
        )
    blocks.append(
        input_block(
            WIN_FORM_WORKED,
            "What worked",
            text_input(WIN_FORM_WORKED, WIN_MAX_CHARS),
            optional=True,
        )
    )
    return modal(WIN_FORM, str(pair.pair.id), "Log a win", blocks, submit="Log it")

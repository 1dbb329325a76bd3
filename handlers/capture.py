"""Capturing a goal or a win, however it was typed — a command, a form, a DM, a kept note —
ends here: a pair chooser, a goal confirmation (with coaching), or a win announced to the
mentor in the shared channel."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from handlers.goals.blocks import goal_added
from handlers.runtime import Call, Reply, slack_error
from handlers.wins.blocks import pair_chooser, win_announcement, win_logged
from mentoring import wins
from mentoring.coaching import coach
from mentoring.model import Captured, GoalAdded, NeedsPair, WinLogged

logger = logging.getLogger("mentorbot.capture")


def finish(call: Call, result: Captured) -> Reply:
    """The reply to a capture; the pair's Homes are redrawn when something was saved."""
    if isinstance(result, NeedsPair):
        names = call.names_of(choice.other_user for choice in result.choices)
        return Reply(pair_chooser(result, names))
    if isinstance(result, GoalAdded):
        goal = result.goal
        coaching = coach(goal.text, goal.due_on, call.today, goal.done_when)
        return Reply.after(result, goal_added(goal, result.pair, call.user_id, coaching))
    return Reply.after(result, win_logged(result, announce(call, result)))


def announce(call: Call, logged: WinLogged) -> str | None:
    """Tell the mentor in the shared channel; remember the post (or why it failed)."""
    channel = logged.pair.channel_id
    announcement = win_announcement(logged)
    try:
        _, ts = call.post(channel, announcement)
    except SlackApiError as error:
        code = slack_error(error)
        logger.warning("win not posted", extra={"win": logged.win.id, "error": code})
        wins.record_announcement(call.engine, logged.win.id, None, code)
        return code
    wins.record_announcement(call.engine, logged.win.id, ts, None)
    logger.info("win posted", extra={"win": logged.win.id, "channel": channel})
    return None

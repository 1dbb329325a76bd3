"""Drift nudges: `/mentor nudges [on|off]`, and the private DM a nudge sends the mentee."""

from __future__ import annotations

from handlers.help import Topic
from handlers.kit import Block, Message, context, ephemeral, message, section
from handlers.meetings.blocks import ITEM_CHARS
from handlers.routing import verb
from handlers.runtime import Call
from handlers.slack_text import clip, mrkdwn
from mentoring import nudges
from mentoring.nudges import NudgeSetting, Signal
from mentoring.prompts import Outgoing


@verb(
    "/mentor",
    ("nudges", "nudge"),
    r"(?P<switch>on|off)?",
    usage="/mentor nudges on|off",
    topic=Topic.MEETINGS,
    examples=(
        (
            "/mentor nudges off",
            "no nudges when things go quiet (`on` restarts them)",
        ),
    ),
    refusal="Say `/mentor nudges off`, `/mentor nudges on`, or `/mentor nudges`.",
)
def switch_nudges(call: Call, switch: str | None) -> Message:
    if switch is None:
        shown = call.apply(nudges.show_nudges, call.engine, call.actor, call.target)
    else:
        on = switch.lower() == "on"
        shown = call.apply(nudges.set_nudges, call.engine, call.actor, call.target, on, call.now)
    return nudge_setting(shown, call.user_id)


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

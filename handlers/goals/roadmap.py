"""`/goal roadmap`: the roadmap picture, drawn and posted in the pair's shared channel."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from handlers.help import Topic
from handlers.kit import FALLBACK_CHARS, Message, day, ephemeral, plural
from handlers.routing import verb
from handlers.runtime import Call, slack_error
from handlers.slack_text import clip, mrkdwn
from mentoring.model import GoalStatus
from mentoring.roadmap_picture import MilestoneState, RoadmapPicture, gather_roadmap

logger = logging.getLogger("mentorbot.roadmap")

OVERDUE_LISTED = 3


@verb(
    "/goal",
    "roadmap",
    usage="/goal roadmap",
    topic=Topic.GOALS,
    examples=(("/goal roadmap", "a picture of all goals, steps and wins, in your shared channel"),),
    falls_through=True,
)
def show_roadmap(call: Call) -> Message:
    """The picture goes in the pair's shared channel, wherever it was asked."""
    picture = call.apply(gather_roadmap, call.engine, call.actor, call.target, call.today)
    if picture.empty:
        return roadmap_empty()
    channel = picture.pair.channel_id
    comment = roadmap_comment(picture, call.user_id)
    error = call.once(lambda: share_roadmap(call.client, channel, picture, comment))
    if error is not None:
        return roadmap_not_shared(channel, error)
    return ephemeral(f":world_map: Posted the roadmap in <#{channel}>.")


def share_roadmap(
    client: WebClient, channel: str, picture: RoadmapPicture, comment: str
) -> str | None:
    """Post the roadmap picture in `channel` with `comment` (mrkdwn, already escaped); returns
    Slack's error code (or "upload_failed"), None when it is there.

    A refusal from Slack (not in the channel, archived, rate limited beyond the client's own
    waiting) or a failed transfer is logged and returned, never raised, and not tried again
    here: a second try after a lost answer could post it twice.
    """
    # Imported here: matplotlib then loads in the worker that draws, on first use, and never
    # in the process that only acknowledges Slack's requests.
    from rendering.roadmap_chart import render_roadmap_png

    png = render_roadmap_png(picture)
    try:
        client.files_upload_v2(
            channel=channel,
            file=png,
            filename="roadmap.png",
            title=f"Roadmap on {day(picture.today)}",
            alt_txt="Timeline of the goals, their steps and the wins",
            initial_comment=comment,
        )
    except SlackApiError as error:
        code = slack_error(error)
        logger.warning("roadmap not posted", extra={"channel": channel, "error": code})
        return code
    except (SlackRequestError, OSError) as error:  # sending the bytes, outside the Web API
        detail = {"channel": channel, "error": "upload_failed", "detail": str(error)}
        logger.warning("roadmap upload failed", extra=detail)
        return "upload_failed"
    logger.info("roadmap posted", extra={"pair": picture.pair.id, "channel": channel})
    return None


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
    for milestone in overdue[:OVERDUE_LISTED]:
        due = f" (due {day(milestone.due_on)})" if milestone.due_on else ""
        lines.append(f"Overdue: {milestone.label} {clip(mrkdwn(milestone.text), 200)}{due}")
    if len(overdue) > OVERDUE_LISTED:
        lines.append(f"…and {len(overdue) - OVERDUE_LISTED} more overdue.")
    if picture.hidden_goals:
        lines.append(
            f"{plural(picture.hidden_goals, 'more goal')} not drawn; `/goal list` shows them all."
        )
    return clip("\n".join(lines), FALLBACK_CHARS)


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

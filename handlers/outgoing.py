"""Slack's side of the outbox: the message for a claimed row, what follows its post, and the
Homes to redraw after a batch. bot.scheduler hands these to outbox.Dispatcher."""

from __future__ import annotations

from slack_sdk import WebClient
from sqlalchemy import Engine

from handlers import nudges
from handlers.dashboard import redraw_homes
from handlers.goals.roadmap import share_roadmap
from handlers.kit import Message
from handlers.meetings import prompts
from handlers.programme.blocks import digest_dm
from handlers.reviews.messages import review_message
from handlers.runtime import Clock
from mentoring.prompts import Outgoing

BUILDERS = {
    "prompt": prompts.prompt_dm,
    "agenda": prompts.agenda_post,
    "followup": prompts.followup_post,
    "attention": prompts.attention_dm,
    "nudge": nudges.nudge_dm,
}


def render(out: Outgoing) -> Message:
    """The message for a claimed row: a review's, a meeting's, a nudge, an attention DM, a
    coordinator's digest."""
    if out.programme is not None:
        return digest_dm(out.programme)
    if out.review is not None:
        return review_message(out)
    return BUILDERS[out.kind](out)


def attach_roadmap(client: WebClient, out: Outgoing, channel: str) -> None:
    """A review summary just posted gets the roadmap picture below it: once, best effort
    (a lost answer is not retried, so the picture can go missing but never doubles)."""
    review = out.review
    if review is None or review.picture is None or review.picture.empty:
        return
    comment = f"The roadmap at review {review.review.number}."
    share_roadmap(client, channel, review.picture, comment)


def redraw_changed(
    engine: Engine,
    clock: Clock,
    client: WebClient,
    pairs: frozenset[int],
    coordinators: frozenset[str] = frozenset(),
) -> None:
    """Redraw the App Home of both members of each pair a batch changed (a review opened,
    closed or was called off). Only those: what merely moves with time (the next meeting) is
    drawn afresh whenever a Home is opened, and views.publish has a rate limit of its own."""
    redraw_homes(engine, clock, client, pairs, coordinators)

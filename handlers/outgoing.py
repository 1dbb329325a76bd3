"""Slack's side of the outbox: the message for a claimed row, what follows its post, and the
Homes to redraw after a batch. bot.scheduler hands these to outbox.Dispatcher."""

from __future__ import annotations

from slack_sdk import WebClient
from sqlalchemy import Engine

from handlers import flows, meeting_blocks, review_blocks
from handlers.services import Clock, Message
from mentoring.prompts import Outgoing


def build_outgoing_message(out: Outgoing) -> Message:
    """The message for a claimed row: a review's, or a meeting's (and the attention DMs)."""
    if out.review is not None:
        return review_blocks.review_message(out)
    return meeting_blocks.outgoing_message(out)


def attach_roadmap(client: WebClient, out: Outgoing, channel: str) -> None:
    """A review summary just posted gets the roadmap picture below it: once, best effort
    (a lost answer is not retried, so the picture can go missing but never doubles)."""
    review = out.review
    if review is None or review.picture is None or review.picture.empty:
        return
    comment = f"The roadmap at review {review.review.number}."
    flows.upload_roadmap(client, channel, review.picture, comment)


def redraw_changed(engine: Engine, clock: Clock, client: WebClient, pairs: frozenset[int]) -> None:
    """Redraw the App Home of both members of each pair a batch changed (a review opened,
    closed or was called off). Only those: what merely moves with time (the next meeting) is
    drawn afresh whenever a Home is opened, and views.publish has a rate limit of its own."""
    for pair_id in sorted(pairs):
        flows.redraw_homes(engine, clock, client, pair_id)

"""The Slack side of scheduled messages, handed to the dispatcher: what a claimed ledger row
says."""

from __future__ import annotations

from handlers import nudges
from handlers.kit import Message
from handlers.meetings import prompts
from handlers.reviews.messages import review_message
from mentoring.deliveries import Outgoing

BUILDERS = {
    "prompt": prompts.prompt_dm,
    "agenda": prompts.agenda_post,
    "followup": prompts.followup_post,
    "attention": prompts.attention_dm,
    "nudge": nudges.nudge_dm,
}


def render(out: Outgoing) -> Message:
    """The message for a claimed row: a review's, a meeting's, a nudge, an attention DM."""
    if out.review is not None:
        return review_message(out)
    return BUILDERS[out.kind](out)

"""Replies to the bot's prompts: a DM answering the pre-meeting prompt becomes an agenda item,
a reply in the follow-up's thread an action item of whoever wrote it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from mentoring.meetings.agenda import add_action_in, add_agenda_item_in
from mentoring.meetings.values import MeetingInfo
from mentoring.model import Actor, PairInfo
from storage import ledger
from storage import repositories as repo
from storage.models import ACTIVE, Delivery, Pair


@dataclass(frozen=True)
class ReplyFiled:
    kind: str  # "agenda" or "action"
    pair: PairInfo
    by: str
    text: str
    meeting: MeetingInfo | None
    number: int | None = None


def reply_to_prompt_in(
    session: Session, actor: Actor, channel: str, thread_ts: str | None, text: str, now: datetime
) -> ReplyFiled | None:
    """A DM reply to a prompt becomes an agenda item: any reply in the prompt's thread, or the
    first plain DM after it while its window is open. None when the DM answers no prompt."""
    row = (
        ledger.sent_prompt_at(session, channel, thread_ts)
        if thread_ts
        else ledger.open_prompt_for(session, channel, now)
    )
    if row is None or row.kind != "prompt":
        return None
    pair = _replied_pair(session, row, actor)
    if pair is None:
        return None
    if thread_ts is None:
        row.reply_taken = True
        session.add(row)
    added = add_agenda_item_in(session, actor, pair, text, "dm", now)
    return ReplyFiled("agenda", added.pair, actor.user_id, added.item.text, added.meeting)


def reply_to_followup_in(
    session: Session, actor: Actor, channel: str, thread_ts: str, text: str, now: datetime
) -> ReplyFiled | None:
    """A member's reply in the thread of the "what will you act on?" post becomes their own
    action item. Replies from anyone else, or to other messages, are ignored."""
    row = ledger.sent_prompt_at(session, channel, thread_ts)
    if row is None or row.kind != "followup":
        return None
    pair = _replied_pair(session, row, actor)
    if pair is None:
        return None
    added = add_action_in(session, actor, pair, text, actor.user_id, now)
    return ReplyFiled(
        "action", added.pair, actor.user_id, added.action.text, None, added.action.number
    )


def _replied_pair(session: Session, prompt: Delivery, actor: Actor) -> Pair | None:
    """The prompt's pair, when it is active and the person replying is one of its members."""
    pair = repo.get_pair(session, prompt.pair_id)
    if pair is None or pair.status != ACTIVE:
        return None
    return pair if actor.user_id in (pair.mentor_id, pair.mentee_id) else None

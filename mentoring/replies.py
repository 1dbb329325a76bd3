"""Replies to the bot's prompts: a DM answering the pre-meeting prompt becomes an agenda item,
a reply in the follow-up's thread an action item of whoever wrote it — one per line or bullet."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from mentoring.errors import InvalidInput
from mentoring.meetings.agenda import ACTION_MAX_CHARS, add_action_in, add_agenda_item_in
from mentoring.meetings.values import MeetingInfo
from mentoring.model import Actor, PairInfo
from storage import ledger
from storage import repositories as repo
from storage.models import ACTIVE, Delivery, Pair

MAX_ITEMS_PER_REPLY = 10
# A list marker at the start of a line: "-", "*", "•" (and the other bullets Slack and
# editors paste), or "1." / "1)"; it needs a space after it, so "*bold*" keeps its star.
_BULLET = re.compile(r"^\s*(?:[-*•◦▪‣–]|\d{1,3}[.)])\s+")


@dataclass(frozen=True)
class ReplyFiled:
    kind: str  # "agenda" or "action"
    pair: PairInfo
    by: str
    text: str
    meeting: MeetingInfo | None
    number: int | None = None
    items: tuple[tuple[int, str], ...] = ()  # (number, text) of each action item filed


def split_items(text: str) -> list[str]:
    """One item per line of a reply, with list markers taken off and blank lines ignored.
    Refused, naming the line, when one is too long or there are too many to be one reply's."""
    lines = [_BULLET.sub("", line).strip() for line in text.splitlines()]
    items = [line for line in lines if line and not _BULLET.fullmatch(line + " ")]
    if len(items) > MAX_ITEMS_PER_REPLY:
        raise InvalidInput(
            f"That's {len(items)} lines; send at most {MAX_ITEMS_PER_REPLY} action items "
            "per reply, one per line."
        )
    for index, item in enumerate(items, 1):
        flat = " ".join(item.split())
        if len(items) > 1 and len(flat) > ACTION_MAX_CHARS:
            raise InvalidInput(
                f"Line {index} is {len(flat)} characters; keep each action item under "
                f"{ACTION_MAX_CHARS}. Nothing was added."
            )
    return items or [text]


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
    action items, one per line or bullet (all or none). Replies from anyone else, or to
    other messages, are ignored."""
    row = ledger.sent_prompt_at(session, channel, thread_ts)
    if row is None or row.kind != "followup":
        return None
    pair = _replied_pair(session, row, actor)
    if pair is None:
        return None
    added = [
        add_action_in(session, actor, pair, item, actor.user_id, now) for item in split_items(text)
    ]
    first = added[0].action
    return ReplyFiled(
        "action",
        added[0].pair,
        actor.user_id,
        first.text,
        None,
        first.number,
        tuple((a.action.number, a.action.text) for a in added),
    )


def _replied_pair(session: Session, prompt: Delivery, actor: Actor) -> Pair | None:
    """The prompt's pair, when it is active and the person replying is one of its members."""
    pair = repo.get_pair(session, prompt.pair_id)
    if pair is None or pair.status != ACTIVE:
        return None
    return pair if actor.user_id in (pair.mentor_id, pair.mentee_id) else None

"""Agenda items for a pair's next meeting, and action items either member owns."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import Session

from mentoring.errors import FieldError, InvalidInput, NotAllowed, NotFound
from mentoring.meetings.planning import next_held_meeting
from mentoring.meetings.values import MeetingInfo
from mentoring.model import Actor, Outcome, PairInfo, Target, fits
from mentoring.pairs import require_active, resolve_active_pair, resolve_pair
from storage import meetings as meeting_store
from storage import repositories as repo
from storage.db import session_scope
from storage.models import ActionItem, AgendaItem, Pair

AGENDA_ITEM_MAX_CHARS = 500
ACTION_MAX_CHARS = 500
ASK_AFTER_MEETINGS = 3  # an item open through this many meetings is asked about: keep or drop?


@dataclass(frozen=True)
class ActionInfo(Outcome):
    """An action item. `status` is open, done or dropped; `age` counts the meetings it has
    been open through (filled in where a meeting's prompts carry it forward)."""

    id: int
    number: int
    owner_id: str
    text: str
    open: bool
    pair_id: int
    status: str = "open"
    age: int = 0

    @classmethod
    def of(cls, item: ActionItem) -> ActionInfo:
        assert item.id is not None
        return cls(
            item.id,
            item.number,
            item.owner_id,
            item.text,
            item.status == "open",
            item.pair_id,
            item.status,
        )

    @property
    def to_ask(self) -> bool:
        """Open through exactly `ASK_AFTER_MEETINGS` meetings: the one meeting whose agenda
        asks whether to keep it. Its age only grows, so it is asked about once."""
        return self.open and self.age == ASK_AFTER_MEETINGS


class Mark(StrEnum):
    """What a button in a posted message does to an action item."""

    DONE = "done"
    UNDO = "undo"  # done or dropped: open again
    KEEP = "keep"
    DROP = "drop"


@dataclass(frozen=True)
class Checked(Outcome):
    """An action item after a click, and the state now of every item the message lists."""

    item: ActionInfo
    mark: Mark
    listed: dict[int, ActionInfo]


@dataclass(frozen=True)
class AgendaEntry:
    id: int
    author_id: str
    text: str

    @classmethod
    def of(cls, item: AgendaItem) -> AgendaEntry:
        assert item.id is not None
        return cls(item.id, item.author_id, item.text)


@dataclass(frozen=True)
class AgendaView:
    pair: PairInfo
    meeting: MeetingInfo | None
    items: tuple[AgendaEntry, ...]
    actions: tuple[ActionInfo, ...]


@dataclass(frozen=True)
class AgendaAdded(Outcome):
    pair: PairInfo
    item: AgendaEntry
    meeting: MeetingInfo | None


@dataclass(frozen=True)
class ActionAdded(Outcome):
    pair: PairInfo
    action: ActionInfo


def agenda(engine: Engine, actor: Actor, target: Target, now: datetime) -> AgendaView:
    with session_scope(engine) as session:
        pair = resolve_pair(session, actor, target, include_ended=True)
        meeting = next_held_meeting(session, pair.id or 0, now)
        items = meeting_store.open_agenda(
            session, pair.id or 0, (meeting.id or None) if meeting else None
        )
        return AgendaView(
            PairInfo.of(pair),
            meeting,
            tuple(AgendaEntry.of(item) for item in items),
            tuple(
                ActionInfo.of(item) for item in meeting_store.open_actions(session, pair.id or 0)
            ),
        )


def add_agenda_item(
    engine: Engine, actor: Actor, target: Target, text: str, now: datetime
) -> AgendaAdded:
    with session_scope(engine) as session:
        pair = resolve_active_pair(session, actor, target)
        return add_agenda_item_in(session, actor, pair, text, "command", now)


def parse_agenda_form(text: str) -> str:
    """The Add agenda item form's text, flattened; a FieldError says what to fix."""
    flat = " ".join(text.split())
    if not flat:
        raise FieldError("text", "Say what you'd like to talk about.")
    if len(flat) > AGENDA_ITEM_MAX_CHARS:
        raise FieldError("text", f"Keep it under {AGENDA_ITEM_MAX_CHARS} characters.")
    return flat


def add_agenda_item_in(
    session: Session, actor: Actor, pair: Pair, text: str, source: str, now: datetime
) -> AgendaAdded:
    text = _item_text(text, AGENDA_ITEM_MAX_CHARS, "/agenda add Feedback on my design doc")
    item = AgendaItem(
        pair_id=pair.id or 0, author_id=actor.user_id, text=text, source=source, created_at=now
    )
    session.add(item)
    session.flush()
    return AgendaAdded(
        PairInfo.of(pair), AgendaEntry.of(item), next_held_meeting(session, pair.id or 0, now)
    ).changing(pair.id or 0)


def add_action(
    engine: Engine,
    actor: Actor,
    target: Target,
    text: str,
    owner: str | None,
    now: datetime,
) -> ActionAdded:
    with session_scope(engine) as session:
        pair = resolve_active_pair(session, actor, target)
        return add_action_in(session, actor, pair, text, owner or pair.mentee_id, now)


def add_action_in(
    session: Session, actor: Actor, pair: Pair, text: str, owner: str, now: datetime
) -> ActionAdded:
    if owner not in (pair.mentor_id, pair.mentee_id):
        raise InvalidInput(
            f"An action item belongs to <@{pair.mentee_id}> or <@{pair.mentor_id}>; "
            f"<@{owner}> isn't in this mentorship."
        )
    text = _item_text(text, ACTION_MAX_CHARS, "/agenda action Draft the talk outline")
    item = ActionItem(
        pair_id=pair.id or 0,
        number=meeting_store.next_action_number(session, pair.id or 0),
        owner_id=owner,
        text=text,
        created_by=actor.user_id,
        created_at=now,
    )
    session.add(item)
    session.flush()
    return ActionAdded(PairInfo.of(pair), ActionInfo.of(item)).changing(pair.id or 0)


def close_action(
    engine: Engine, actor: Actor, target: Target, number: int, now: datetime
) -> ActionInfo:
    with session_scope(engine) as session:
        pair = resolve_active_pair(session, actor, target)
        item = None
        if fits(number):
            item = meeting_store.action_by_number(session, pair.id or 0, number)
        if item is None:
            raise NotFound(f"There's no action item {number}. `/agenda` lists the open ones.")
        if item.status != "open":
            raise InvalidInput(f"Action item {number} is already {item.status}.")
        item.status, item.closed_at = "done", now
        session.add(item)
        return ActionInfo.of(item).changing(item.pair_id)


def reopen_action(engine: Engine, actor: Actor, action_id: int) -> ActionInfo:
    """Undo `close_action`."""
    with session_scope(engine) as session:
        item = session.get(ActionItem, action_id)
        if item is None:
            raise NotFound("That action item is gone.")
        resolve_active_pair(session, actor, Target(pair_id=item.pair_id))  # raises unless theirs
        item.status, item.closed_at = "open", None
        session.add(item)
        return ActionInfo.of(item).changing(item.pair_id)


def aged_actions(
    session: Session, items: Sequence[ActionItem], before: datetime
) -> tuple[ActionInfo, ...]:
    """The items with their age: how many of the pair's meetings held before `before` (a
    meeting's start) each has been open through."""
    if not items:
        return ()
    since = min(item.created_at for item in items)
    starts = list(meeting_store.held_meeting_starts(session, items[0].pair_id, since, before))
    return tuple(
        replace(ActionInfo.of(item), age=len(starts) - bisect_right(starts, item.created_at))
        for item in items
    )


def check_action(
    engine: Engine, actor: Actor, action_id: int, mark: Mark, listed: Sequence[int], now: datetime
) -> Checked:
    """A click on an action item in a posted message, by either member of its pair and nobody
    else. Each mark only moves an item from the state it is meant for (Done and Drop an open
    one, Undo a done or dropped one), so a double or retried click changes nothing twice.
    `listed`: the ids of the items the message shows, returned with their state now."""
    with session_scope(engine) as session:
        item = session.get(ActionItem, action_id, with_for_update=True)
        pair = repo.get_pair(session, item.pair_id) if item is not None else None
        if item is None or pair is None:
            raise NotFound("That action item is gone.")
        if actor.user_id not in (pair.mentor_id, pair.mentee_id):
            raise NotAllowed(
                f"Only <@{pair.mentee_id}> and <@{pair.mentor_id}> can update their action items."
            )
        require_active(pair)
        before = item.status
        if mark in (Mark.DONE, Mark.DROP) and item.status == "open":
            item.status = "done" if mark == Mark.DONE else "dropped"
            item.closed_at = now
        elif mark == Mark.UNDO and item.status != "open":
            item.status, item.closed_at = "open", None
        session.add(item)
        session.flush()
        listed_items = meeting_store.actions_by_ids(session, pair.id or 0, [*listed, action_id])
        checked = Checked(
            ActionInfo.of(item), mark, {i.id or 0: ActionInfo.of(i) for i in listed_items}
        )
        return checked.changing(pair.id or 0) if item.status != before else checked


def _item_text(text: str, limit: int, example: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise InvalidInput(f"Say what it is, like `{example}`.")
    if len(text) > limit:
        raise InvalidInput(f"That's {len(text)} characters; keep it under {limit}.")
    return text

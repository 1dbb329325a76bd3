"""Capturing a goal or a win from whatever the person typed, wherever they typed it.

Text is validated before anything is stored. When the person is in several pairs and did not
say which, the text is kept as a draft and the choices are returned: nothing typed is lost.
A slash command that needs a pair waits the same way (`keep_command`), as typed, until the
person picks one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import Session

from mentoring.dates import local_date
from mentoring.errors import AmbiguousPair, InvalidInput, NotAllowed, NotFound
from mentoring.goals import GoalText, add_goal_in, parse_goal
from mentoring.meetings.agenda import AgendaAdded, add_agenda_item_in
from mentoring.model import (
    Actor,
    Captured,
    GoalAdded,
    NeedsPair,
    PairChoice,
    PairInfo,
    Role,
    Target,
    WinLogged,
)
from mentoring.pairs import require_active, resolve_active_pair, resolve_pair
from mentoring.wins import WinText, log_win_in, parse_win
from storage import repositories as repo
from storage.db import session_scope
from storage.models import ACTIVE, Draft, Pair

NOTE_MAX_CHARS = 20_000
ALREADY_RAN = "That command already ran; type it again to run it for another mentorship."
OUT_OF_DATE = "That button is out of date; run the command again."


class Kind(StrEnum):
    GOAL = "goal"
    WIN = "win"
    NOTE = "note"
    COMMAND = "command"  # a slash command waiting for its pair to be picked


@dataclass(frozen=True)
class WaitingCommand:
    """A kept command, claimed for the pair the person picked: run it for `pair_id`."""

    line: str  # the command and its text, as Slack sent them ("/goal list")
    pair_id: int


_ROLE = {Kind.GOAL: None, Kind.WIN: Role.MENTEE}


def role_for(kind: Kind) -> Role | None:
    """The role a person must have in a pair to capture `kind` there (wins are the mentee's)."""
    return _ROLE.get(kind)


def capture(
    engine: Engine,
    actor: Actor,
    kind: Kind,
    text: str,
    target: Target,
    now: datetime,
    today: date | None = None,
) -> Captured:
    """Add a goal or log a win in the pair `target` points at. `today` is the actor's date in
    their own zone (mentoring.zones), which a goal's date must not be before; UTC's if not given."""
    with session_scope(engine) as session:
        return capture_in(session, actor, kind, text, target, now, today=today)


def capture_in(
    session: Session,
    actor: Actor,
    kind: Kind,
    text: str,
    target: Target,
    now: datetime,
    *,
    draft_id: int | None = None,
    today: date | None = None,
) -> Captured:
    """Capture inside the caller's transaction. When the pair is ambiguous the text is kept:
    in a new draft, or in `draft_id` when it already came from one."""
    parsed = _parse(kind, text, today or local_date(now, None))
    try:
        pair = resolve_pair(session, actor, target, role=_ROLE[kind])
    except AmbiguousPair as ambiguous:
        if draft_id is None:
            draft_id = _keep(session, actor, kind, text, now)
        else:
            _set_kind(session, draft_id, kind)
        return NeedsPair(draft_id=draft_id, kind=kind.value, choices=ambiguous.choices)
    return _save(session, actor, pair, parsed, now)


def capture_form(
    engine: Engine, actor: Actor, pair_id: int, fields: GoalText | WinText, now: datetime
) -> GoalAdded | WinLogged:
    """Add a goal or log a win from a form's fields, in the pair the form was opened for. The
    pair id comes back from Slack in private_metadata, so it is checked again here, with the
    same rules as typed text (a member of the pair, active, wins the mentee's)."""
    kind = Kind.GOAL if isinstance(fields, GoalText) else Kind.WIN
    with session_scope(engine) as session:
        pair = resolve_pair(session, actor, Target(pair_id=pair_id), role=_ROLE[kind])
        return _save(session, actor, pair, fields, now)


def _save(
    session: Session, actor: Actor, pair: Pair, parsed: GoalText | WinText, now: datetime
) -> GoalAdded | WinLogged:
    require_active(pair)
    info = PairInfo.of(pair)
    if isinstance(parsed, GoalText):
        return GoalAdded(add_goal_in(session, actor, pair, parsed, now), info).changing(info.id)
    return WinLogged(log_win_in(session, actor, pair, parsed, now), info).changing(info.id)


def keep_note_in(session: Session, actor: Actor, text: str, now: datetime) -> int:
    """Keep text whose kind the person has not chosen yet; returns the draft id."""
    if not text.strip():
        raise InvalidInput("That message was empty, so there's nothing to keep.")
    if len(text) > NOTE_MAX_CHARS:
        raise InvalidInput(f"That message is over {NOTE_MAX_CHARS:,} characters; send it in parts.")
    return _keep(session, actor, Kind.NOTE, text, now)


def keep_command(
    engine: Engine, actor: Actor, line: str, choices: tuple[PairChoice, ...], now: datetime
) -> NeedsPair:
    """Keep a command that could mean several of the actor's pairs until they pick one."""
    with session_scope(engine) as session:
        draft_id = _keep(session, actor, Kind.COMMAND, line, now)
    return NeedsPair(draft_id=draft_id, kind=Kind.COMMAND.value, choices=choices)


def roles_in(session: Session, user_id: str) -> frozenset[Role]:
    """The roles the person has in their active pairs: what a note of theirs can become (a win
    only for a mentee; an agenda item is offered to a mentor). Empty: no active mentorship."""
    return frozenset(
        Role.MENTOR if pair.mentor_id == user_id else Role.MENTEE
        for pair in repo.pairs_of(session, user_id)
        if pair.status == ACTIVE
    )


def draft_to_agenda(
    engine: Engine, actor: Actor, draft_id: int, now: datetime, *, pair_id: int | None = None
) -> AgendaAdded | NeedsPair:
    """Put a kept note on the agenda of a pair's next meeting, once. In several pairs, with no
    pair chosen yet, the note stays kept and the choices come back."""
    with session_scope(engine) as session:
        draft = _pending_draft_of(session, actor, draft_id)
        if draft.kind == Kind.COMMAND:
            raise InvalidInput(OUT_OF_DATE)
        try:
            pair = resolve_active_pair(session, actor, Target(pair_id=pair_id))
        except AmbiguousPair as ambiguous:
            return NeedsPair(draft_id=draft_id, kind="agenda", choices=ambiguous.choices)
        added = add_agenda_item_in(session, actor, pair, draft.text, "dm", now)
        if not repo.use_draft(session, draft_id, now):
            raise NotFound("That was already saved.")  # a concurrent click won; roll back
        return added


def use_draft(
    engine: Engine,
    actor: Actor,
    draft_id: int,
    now: datetime,
    *,
    kind: Kind | None = None,
    pair_id: int | None = None,
    today: date | None = None,
) -> Captured | WaitingCommand:
    """Turn a kept draft into a goal or a win, once. A refusal leaves the draft kept. A kept
    command is claimed, once, for one of the actor's pairs (its text comes back to run)."""
    with session_scope(engine) as session:
        draft = _pending_draft_of(session, actor, draft_id)
        if draft.kind == Kind.COMMAND:
            return _claim_command(session, actor, draft, kind, pair_id, now)
        chosen = kind or Kind(draft.kind)
        result = capture_in(
            session,
            actor,
            chosen,
            draft.text,
            Target(pair_id=pair_id),
            now,
            draft_id=draft_id,
            today=today,
        )
        if not isinstance(result, NeedsPair) and not repo.use_draft(session, draft_id, now):
            raise NotFound("That was already saved.")  # a concurrent click won; roll back
        return result


def _claim_command(
    session: Session,
    actor: Actor,
    draft: Draft,
    kind: Kind | None,
    pair_id: int | None,
    now: datetime,
) -> WaitingCommand:
    if kind is not None or draft.kind != Kind.COMMAND or pair_id is None:
        raise InvalidInput(OUT_OF_DATE)
    resolve_pair(session, actor, Target(pair_id=pair_id), include_ended=True)  # theirs, or raises
    assert draft.id is not None
    if not repo.use_draft(session, draft.id, now):
        raise NotFound(ALREADY_RAN)  # a concurrent click won
    return WaitingCommand(draft.text, pair_id)


def _parse(kind: Kind, text: str, today: date) -> GoalText | WinText:
    if kind == Kind.GOAL:
        return parse_goal(text, today)
    if kind == Kind.WIN:
        return parse_win(text)
    raise InvalidInput("Choose whether to save it as a goal or as a win.")


def _pending_draft_of(session: Session, actor: Actor, draft_id: int) -> Draft:
    draft = repo.get_draft(session, draft_id)
    if draft is None or draft.user_id != actor.user_id:
        raise NotAllowed("That isn't one of your messages.")
    if draft.status != "pending" and draft.kind == Kind.COMMAND:
        raise NotFound(ALREADY_RAN)
    if draft.status != "pending":
        raise NotFound("That was already saved or dismissed.")
    return draft


def _set_kind(session: Session, draft_id: int, kind: Kind) -> None:
    draft = repo.get_draft(session, draft_id)
    assert draft is not None
    draft.kind = kind.value
    session.add(draft)


def _keep(session: Session, actor: Actor, kind: Kind, text: str, now: datetime) -> int:
    draft = Draft(user_id=actor.user_id, kind=kind.value, text=text, created_at=now)
    session.add(draft)
    session.flush()
    assert draft.id is not None
    return draft.id


def discard_draft(engine: Engine, actor: Actor, draft_id: int, now: datetime) -> None:
    """The person chose not to save a kept note."""
    with session_scope(engine) as session:
        draft = _pending_draft_of(session, actor, draft_id)
        draft.status = "dismissed"
        draft.used_at = now
        session.add(draft)

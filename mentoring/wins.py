"""Wins: what the mentee achieved, what worked, and where the mentor was told."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from mentoring.errors import FieldError, InvalidInput, NotAllowed, NotFound
from mentoring.model import Actor, PairInfo, Target, WinInfo, WinLogged, fits
from mentoring.pairs import resolve_pair
from storage import repositories as repo
from storage.db import session_scope
from storage.models import Pair, Win

WIN_MAX_CHARS = 1500
WIN_EXAMPLE = "`/win Gave my first meetup talk #2 worked: rehearsing twice with a friend`"

_WORKED = re.compile(r"(?:^|\s)worked:\s*", re.IGNORECASE)
_GOAL_LINK = re.compile(r"(?<![\w<&])#([0-9]+)\b")


@dataclass(frozen=True)
class WinText:
    text: str
    goal_number: int | None
    worked: str | None


def parse_win(text: str) -> WinText:
    """Split "<what happened> [#<goal>] [worked: <what worked>]", or InvalidInput."""
    parts = _WORKED.split(text.strip(), maxsplit=1)
    body = parts[0]
    worked = parts[1].strip() if len(parts) > 1 else None
    links = _GOAL_LINK.findall(body)
    if len(links) > 1:
        raise InvalidInput("Link a win to one goal at most (one `#<number>`).")
    body = re.sub(r"[ \t]+", " ", _GOAL_LINK.sub("", body)).strip()
    if not body:
        raise InvalidInput(f"Say what happened, for example {WIN_EXAMPLE}.")
    if worked is not None and not worked:
        raise InvalidInput("Say what worked after `worked:`, or leave `worked:` out.")
    size = len(body) + len(worked or "")
    if size > WIN_MAX_CHARS:
        raise InvalidInput(
            f"That win is {size:,} characters; keep it under {WIN_MAX_CHARS:,} so your mentor "
            "reads all of it."
        )
    return WinText(body, int(links[0]) if links else None, worked)


def parse_win_form(what: str, goal_number: int | None, worked: str) -> WinText:
    """The Log win form's fields as a win (the goal is picked, not typed as `#2`); a FieldError
    names the field to fix."""
    body = re.sub(r"[ \t]+", " ", what).strip()
    how = re.sub(r"[ \t]+", " ", worked).strip() or None
    if not body:
        raise FieldError("what", "Say what happened.")
    size = len(body) + len(how or "")
    if size > WIN_MAX_CHARS:
        raise FieldError(
            "what", f"Keep this and what worked under {WIN_MAX_CHARS:,} characters together."
        )
    return WinText(body, goal_number, how)


def log_win_in(session: Session, actor: Actor, pair: Pair, win: WinText, now: datetime) -> WinInfo:
    assert pair.id is not None
    goal = None
    if win.goal_number is not None:
        if fits(win.goal_number):
            goal = repo.goal_by_number(session, pair.id, win.goal_number)
        if goal is None:
            raise NotFound(
                f"There's no goal #{win.goal_number} to link. `/goal list` shows the numbers."
            )
    row = Win(
        pair_id=pair.id,
        goal_id=goal.id if goal else None,
        author_id=actor.user_id,
        text=win.text,
        worked=win.worked,
        created_at=now,
        announce_channel=pair.channel_id,
    )
    session.add(row)
    session.flush()
    return WinInfo.of(row, goal)


def record_announcement(engine: Engine, win_id: int, ts: str | None, error: str | None) -> None:
    """Remember where the win was posted (its message ts), or why it could not be."""
    with session_scope(engine) as session:
        win = repo.get_win(session, win_id)
        if win is None:
            return
        win.announce_ts = ts
        win.announce_error = None if ts else (error or "unknown")[:64]
        session.add(win)


def win_to_repost(engine: Engine, actor: Actor, win_id: int) -> WinLogged:
    """A win of the actor's that was never posted, to try posting again."""
    with session_scope(engine) as session:
        win, pair = _own_win(session, actor, win_id)
        if win.announce_ts is not None:
            raise InvalidInput("That win is already posted in your shared channel.")
        goal = repo.get_goal(session, win.goal_id) if win.goal_id else None
        return WinLogged(WinInfo.of(win, goal), PairInfo.of(pair))


def take_back_win(engine: Engine, actor: Actor, win_id: int) -> WinInfo:
    """Delete a win the actor logged (undo). Returns it so its post can be removed too."""
    with session_scope(engine) as session:
        win, _pair = _own_win(session, actor, win_id)
        goal = repo.get_goal(session, win.goal_id) if win.goal_id else None
        info = WinInfo.of(win, goal).changing(win.pair_id)
        session.delete(win)
        return info


def _own_win(session: Session, actor: Actor, win_id: int) -> tuple[Win, Pair]:
    win = repo.get_win(session, win_id)
    if win is None:
        raise NotFound("That win is no longer there.")
    if win.author_id != actor.user_id:
        raise NotAllowed("Only the person who logged a win can change it.")
    pair = resolve_pair(session, actor, Target(pair_id=win.pair_id))
    return win, pair

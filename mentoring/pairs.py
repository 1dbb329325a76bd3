"""Pairs: who mentors whom, in which shared channel, and which pair a request is about.

Privacy starts here: every lookup is made from the actor's own pairs, so a request can never
reach a pair the actor is not in, whatever ids it carries. Admins may create and end pairs;
they do not read a pair's goals or wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from mentoring.errors import AmbiguousPair, InvalidInput, NoPair, NotAllowed, NotFound
from mentoring.model import Actor, GoalInfo, PairChoice, PairInfo, Role, Target, mention
from storage import repositories as repo
from storage import reviews
from storage.db import session_scope
from storage.models import ACTIVE, ENDED, Pair

RECENT_WINS_DAYS = 30


@dataclass(frozen=True)
class PairSummary:
    """One of a person's pairs as they see it: their role, open goals, recent wins."""

    pair: PairInfo
    role: Role
    open_goals: tuple[GoalInfo, ...]
    recent_wins: int


def check_can_pair(engine: Engine, actor: Actor, mentor_id: str, mentee_id: str) -> PairInfo | None:
    """Refuse a pairing before anything is created for it (a channel, say). Returns the two
    people's active pair the other way round, if there is one: the pairing must be confirmed."""
    with session_scope(engine) as session:
        _check_can_pair(session, actor, mentor_id, mentee_id)
        reverse = repo.active_pair_between(session, mentee_id, mentor_id)
        return None if reverse is None else PairInfo.of(reverse)


def create_pair(
    engine: Engine,
    actor: Actor,
    *,
    team_id: str,
    mentor_id: str,
    mentee_id: str,
    channel_id: str,
    now: datetime,
) -> PairInfo:
    """Pair a mentor and a mentee in a shared channel."""
    with session_scope(engine) as session:
        _check_can_pair(session, actor, mentor_id, mentee_id)
        taken = repo.active_pair_in_channel(session, channel_id)
        if taken is not None:
            raise InvalidInput(
                "This channel is already the shared channel of another mentorship. Run the "
                "command in a channel of your own, or add `new` to get a private one."
            )
        pair = Pair(
            team_id=team_id,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            channel_id=channel_id,
            created_by=actor.user_id,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(pair)
        except IntegrityError as exc:  # a concurrent pairing won the race for the constraint
            raise InvalidInput(
                "Those two were just paired, or this channel was just taken."
            ) from exc
        return PairInfo.of(pair).changing(pair.id or 0)


def _check_can_pair(session: Session, actor: Actor, mentor_id: str, mentee_id: str) -> None:
    if mentor_id == mentee_id:
        raise InvalidInput("A mentor and a mentee have to be two different people.")
    if actor.user_id not in (mentor_id, mentee_id) and not actor.is_admin:
        raise NotAllowed("You can only pair yourself with someone (admins can pair anyone).")
    existing = repo.active_pair_between(session, mentor_id, mentee_id)
    if existing is not None:
        raise InvalidInput(
            f"<@{mentor_id}> already mentors <@{mentee_id}>, in <#{existing.channel_id}>."
        )


def pair_to_end(
    engine: Engine,
    actor: Actor,
    people: Sequence[str],
    channel_id: str,
    pair_id: int | None = None,
) -> PairInfo:
    """Which active pair `/mentor end` means: the one picked with a button, two people named,
    one person named, the channel it was run in, or the actor's only pair. An admin outside
    the pair, naming nobody in a pair's channel, means that channel's pair."""
    with session_scope(engine) as session:
        if pair_id is not None:
            return PairInfo.of(resolve_pair(session, actor, Target(pair_id=pair_id)))
        if not people and actor.is_admin and channel_id:
            here = repo.active_pair_in_channel(session, channel_id)
            if here is not None and actor.user_id not in _members(here):
                return PairInfo.of(here)
        if len(people) == 2:
            pair = repo.active_pair_between(session, people[0], people[1])
            if pair is None:
                raise NotFound(f"<@{people[0]}> doesn't mentor <@{people[1]}> at the moment.")
            if not actor.is_admin and actor.user_id not in (pair.mentor_id, pair.mentee_id):
                raise NotAllowed("Only the two people in a mentorship (or an admin) can end it.")
            return PairInfo.of(pair)
        if len(people) > 2:
            raise InvalidInput("Name at most two people: `/mentor end @mentor @mentee`.")
        target = Target(with_user=people[0] if people else None, channel_id=channel_id)
        return PairInfo.of(resolve_pair(session, actor, target))


def pair_to_keep(engine: Engine, actor: Actor, pair_id: int) -> PairInfo:
    """The pair whose end the actor decided against: theirs to end, or refused."""
    with session_scope(engine) as session:
        return PairInfo.of(_endable(session, actor, pair_id))


def end_pair(engine: Engine, actor: Actor, pair_id: int, now: datetime) -> PairInfo:
    """End a pair. Its history stays readable to both members; nothing more happens in it."""
    with session_scope(engine) as session:
        pair = _endable(session, actor, pair_id)
        if pair.status != ACTIVE:
            raise InvalidInput("That mentorship has already ended.")
        pair.status = ENDED
        pair.ended_at = now
        pair.ended_by = actor.user_id
        session.add(pair)
        reviews.close_unfinished(session, pair_id, now, reviews.CLOSED_PAIR_ENDED)
        return PairInfo.of(pair).changing(pair_id)


def _endable(session: Session, actor: Actor, pair_id: int) -> Pair:
    pair = repo.get_pair(session, pair_id)
    if pair is None or (
        not actor.is_admin and actor.user_id not in (pair.mentor_id, pair.mentee_id)
    ):
        raise NotAllowed("Only the two people in a mentorship (or an admin) can end it.")
    return pair


def find_pair(engine: Engine, actor: Actor, target: Target) -> PairInfo:
    """The actor's active pair that `target` means (see resolve_pair)."""
    with session_scope(engine) as session:
        pair = resolve_pair(session, actor, target)
        require_active(pair)
        return PairInfo.of(pair)


def members(engine: Engine, pair_id: int) -> tuple[str, ...]:
    """The mentor and the mentee of a pair (none when there is no such pair)."""
    with session_scope(engine) as session:
        pair = repo.get_pair(session, pair_id)
        return () if pair is None else (pair.mentor_id, pair.mentee_id)


def summaries(engine: Engine, user_id: str, now: datetime) -> list[PairSummary]:
    """The person's pairs with their open goals and recent wins, in three queries."""
    with session_scope(engine) as session:
        pairs = repo.pairs_of(session, user_id)
        ids = [pair.id for pair in pairs if pair.id is not None]
        goals = repo.open_goals_of(session, ids)
        wins = repo.count_wins_since(session, ids, now - timedelta(days=RECENT_WINS_DAYS))
    result = []
    for pair in pairs:
        info = PairInfo.of(pair)
        role = info.role_of(user_id)
        assert role is not None
        own_goals = tuple(GoalInfo.of(goal) for goal in goals if goal.pair_id == pair.id)
        result.append(PairSummary(info, role, own_goals, wins.get(info.id, 0)))
    return result


def resolve_pair(
    session: Session,
    actor: Actor,
    target: Target,
    *,
    role: Role | None = None,
    include_ended: bool = False,
) -> Pair:
    """The one pair of the actor's that `target` points at.

    Order: an explicit pair id (from a button), `to @person`, the shared channel the request was
    made in, the actor's only pair. Reads (`include_ended`) fall back to ended pairs when the
    actor has no active one, so history stays readable.
    """
    mine = repo.pairs_of(session, actor.user_id)
    active = [pair for pair in mine if pair.status == ACTIVE]
    if target.pair_id is not None:
        pool = mine if include_ended else active
        chosen = next((pair for pair in pool if pair.id == target.pair_id), None)
        if chosen is None:
            raise NotAllowed("That mentorship isn't one of yours, or it has ended.")
        return _with_role(chosen, actor, role)
    candidates = active or (mine if include_ended else [])
    if target.with_user is not None:
        candidates = [pair for pair in candidates if target.with_user in _members(pair)]
        if not candidates:
            raise NoPair(f"You're not in an active mentorship with <@{target.with_user}>.")
    elif target.channel_id is not None:
        here = [pair for pair in candidates if pair.channel_id == target.channel_id]
        candidates = here or candidates
    if role is not None and candidates:
        fitting = [pair for pair in candidates if _role(pair, actor.user_id) == role]
        if not fitting:
            return _with_role(candidates[0], actor, role)  # raises, saying why
        candidates = fitting
    if not candidates and mine and not active:
        require_active(mine[0])  # raises: their mentorship ended, its history is read-only
    if not candidates:
        raise NoPair(
            "You're not in a mentorship yet. Pair up with `/mentor pair @mentor @mentee` "
            "in a channel you share, or add `new` to get a private one."
        )
    if len(candidates) > 1:
        raise AmbiguousPair(
            tuple(
                PairChoice(
                    pair_id=pair.id or 0,
                    other_user=_other(pair, actor.user_id),
                    role=_role(pair, actor.user_id),
                )
                for pair in candidates
            )
        )
    return _with_role(candidates[0], actor, role)


def resolve_active_pair(session: Session, actor: Actor, target: Target) -> Pair:
    """`resolve_pair` for a change: an ended pair's history is read-only."""
    pair = resolve_pair(session, actor, target)
    require_active(pair)
    return pair


def require_active(pair: Pair) -> None:
    if pair.status != ACTIVE:
        ended = pair.ended_at.date().isoformat() if pair.ended_at else "earlier"
        raise NotAllowed(
            f"The mentorship of {mention(pair.mentee_id)} with {mention(pair.mentor_id)} ended "
            f"on {ended}; its history is read-only. Start a new one with `/mentor pair`."
        )


def _with_role(pair: Pair, actor: Actor, role: Role | None) -> Pair:
    if role is not None and _role(pair, actor.user_id) != role:
        other = _other(pair, actor.user_id)
        if role == Role.MENTEE:
            raise NotAllowed(
                f"Wins are logged by the mentee, and you're <@{other}>'s mentor. "
                f"Nudge <@{other}> to share it with `/win`."
            )
        raise NotAllowed(f"Only <@{pair.mentor_id}>, the mentor, can do that.")
    return pair


def _members(pair: Pair) -> tuple[str, str]:
    return (pair.mentor_id, pair.mentee_id)


def _role(pair: Pair, user_id: str) -> Role:
    return Role.MENTOR if pair.mentor_id == user_id else Role.MENTEE


def _other(pair: Pair, user_id: str) -> str:
    return pair.mentee_id if pair.mentor_id == user_id else pair.mentor_id

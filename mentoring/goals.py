"""Goals of a pair's mentee: specific, numbered, optionally dated."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from mentoring.dates import check_picked_due, split_due
from mentoring.errors import FieldError, InvalidInput, NotFound
from mentoring.model import Actor, GoalInfo, GoalStatus, Outcome, PairInfo, Target, fits
from mentoring.pairs import require_active, resolve_pair
from storage import repositories as repo
from storage import reviews
from storage.db import session_scope
from storage.models import Goal, Pair

GOAL_MAX_CHARS = 300
DONE_WHEN_MAX_CHARS = 150  # "How you'll know": one observable sign, not a second goal
GOAL_EXAMPLE = "`/goal Give a talk at a tech conference by March 2027`"


@dataclass(frozen=True)
class GoalText:
    text: str
    due_on: date | None
    done_when: str | None = None  # "How you'll know", kept apart from the wording


@dataclass(frozen=True)
class GoalList:
    pair: PairInfo
    goals: tuple[GoalInfo, ...]


@dataclass(frozen=True)
class GoalChanged(Outcome):
    goal: GoalInfo
    pair: PairInfo
    previous: GoalStatus


def parse_goal(text: str, today: date) -> GoalText:
    """A goal's wording and target date, or InvalidInput saying what to type."""
    flat = re.sub(r"\s+", " ", text).strip()
    if not flat:
        raise InvalidInput(f"Say what you want to achieve, for example {GOAL_EXAMPLE}.")
    dated = split_due(flat, today)
    if not dated.text:
        raise InvalidInput(f"Say what you want to achieve before the date: {GOAL_EXAMPLE}.")
    if len(dated.text) > GOAL_MAX_CHARS:
        raise InvalidInput(
            f"That goal is {len(dated.text):,} characters; keep it under {GOAL_MAX_CHARS} — "
            "one specific outcome reads best."
        )
    return GoalText(dated.text, dated.due_on)


def add_goal_in(
    session: Session, actor: Actor, pair: Pair, goal: GoalText, now: datetime
) -> GoalInfo:
    assert pair.id is not None
    row = Goal(
        pair_id=pair.id,
        number=repo.next_goal_number(session, pair.id),
        text=goal.text,
        due_on=goal.due_on,
        done_when=goal.done_when,
        created_by=actor.user_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return GoalInfo.of(row)


def list_goals(engine: Engine, actor: Actor, target: Target) -> GoalList:
    """The pair's goals, numbered; ended pairs stay readable to their members."""
    with session_scope(engine) as session:
        pair = resolve_pair(session, actor, target, include_ended=True)
        assert pair.id is not None
        goals = tuple(GoalInfo.of(goal) for goal in repo.goals_of(session, pair.id))
        return GoalList(PairInfo.of(pair), goals)


def set_goal_status(
    engine: Engine, actor: Actor, number: int, status: GoalStatus, target: Target, now: datetime
) -> GoalChanged:
    """Mark goal `number` done or dropped (or open again)."""
    with session_scope(engine) as session:
        pair, goal = find_goal_in(session, actor, target, number)
        return _change(session, pair, goal, status, now)


def revert_goal_status(
    engine: Engine,
    actor: Actor,
    goal_id: int,
    expected: GoalStatus,
    restore: GoalStatus,
    now: datetime,
) -> GoalChanged:
    """Undo a status change, unless the goal has moved on since."""
    with session_scope(engine) as session:
        pair, goal = _own_goal(session, actor, goal_id)
        if goal.status != expected:
            raise InvalidInput(f"Goal {goal.number} has changed since; nothing to undo.")
        return _change(session, pair, goal, restore, now)


def _change(
    session: Session, pair: Pair, goal: Goal, status: GoalStatus, now: datetime
) -> GoalChanged:
    require_active(pair)
    previous = GoalStatus(goal.status)
    if previous == status:
        raise InvalidInput(f"Goal {goal.number} is already {status.value}.")
    goal.status = status.value
    goal.closed_at = None if status == GoalStatus.OPEN else now
    session.add(goal)
    return GoalChanged(GoalInfo.of(goal), PairInfo.of(pair), previous).changing(goal.pair_id)


def parse_goal_edit(outcome: str, evidence: str, due_on: date | None, today: date) -> GoalText:
    """The goal form's (or editor's) fields as a goal: the outcome, the date and "How you'll
    know" (kept apart: the wording alone is the goal's title); a FieldError names the field to
    fix."""
    flat = " ".join(outcome.split())
    if not flat:
        raise FieldError("outcome", "Say what you want to achieve.")
    if len(flat) > GOAL_MAX_CHARS:
        raise FieldError("outcome", f"Keep the goal under {GOAL_MAX_CHARS} characters.")
    how = " ".join(evidence.split())
    if len(how) > DONE_WHEN_MAX_CHARS:
        raise FieldError(
            "done_when",
            f"Keep this under {DONE_WHEN_MAX_CHARS} characters ({len(how):,} now): one sign "
            "others could see, like “the talk is on the meetup schedule”.",
        )
    return GoalText(flat, check_picked_due(due_on, today), how or None)


def edit_goal(engine: Engine, actor: Actor, goal_id: int, goal: GoalText) -> GoalInfo:
    """Reword an open goal of the actor's pair, "How you'll know" with it (its number,
    milestones and wins stay)."""
    with session_scope(engine) as session:
        pair, row = _own_goal(session, actor, goal_id)
        require_active(pair)
        if row.status != GoalStatus.OPEN.value:
            raise InvalidInput(f"Goal {row.number} is {row.status}; only open goals are edited.")
        row.text, row.due_on, row.done_when = goal.text, goal.due_on, goal.done_when
        session.add(row)
        return GoalInfo.of(row).changing(row.pair_id)


def goal_of(engine: Engine, actor: Actor, goal_id: int) -> GoalInfo:
    """One goal of the actor's pairs, by id (from a button)."""
    with session_scope(engine) as session:
        return GoalInfo.of(_own_goal(session, actor, goal_id)[1])


def find_goal_in(
    session: Session, actor: Actor, target: Target, number: int, *, include_ended: bool = False
) -> tuple[Pair, Goal]:
    """The actor's pair that `target` means, and its goal `number`."""
    pair = resolve_pair(session, actor, target, include_ended=include_ended)
    goal = None
    if fits(number):
        goal = repo.goal_by_number(session, pair.id or 0, number)
    if goal is None:
        raise NotFound(f"There's no goal {number}. `/goal list` shows the numbers.")
    return pair, goal


def _own_goal(session: Session, actor: Actor, goal_id: int) -> tuple[Pair, Goal]:
    """A goal by id (from a button or a modal), and its pair, which must be the actor's."""
    goal = repo.get_goal(session, goal_id)
    if goal is None:
        raise NotFound("That goal no longer exists.")
    return resolve_pair(session, actor, Target(pair_id=goal.pair_id)), goal


@dataclass(frozen=True)
class RevisionInfo:
    old_text: str
    new_text: str
    reason: str
    changed_at: datetime


@dataclass(frozen=True)
class GoalHistoryView:
    goal: GoalInfo
    revisions: tuple[RevisionInfo, ...]  # oldest first


def goal_history(engine: Engine, actor: Actor, target: Target, number: int) -> GoalHistoryView:
    """A goal's lineage: every pivot's old and new wording, reason and date."""
    with session_scope(engine) as session:
        _, goal = find_goal_in(session, actor, target, number, include_ended=True)
        revisions = tuple(
            RevisionInfo(r.old_text, r.new_text, r.reason, r.changed_at)
            for r in reviews.revisions_of_goal(session, goal.id or 0)
        )
        return GoalHistoryView(GoalInfo.of(goal), revisions)

"""Milestones: the steps of a goal, each with an optional date. Goal 2's are 2.1, 2.2, …

Either member of the pair may add one or mark one done (with undo); they belong to the goal,
so they are read and changed only through the pair, like the goal itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from mentoring.dates import check_picked_due, local_date, split_due
from mentoring.errors import FieldError, InvalidInput, NotFound
from mentoring.goals import find_goal_in
from mentoring.model import Actor, GoalInfo, Outcome, PairInfo, Target, fits
from mentoring.pairs import require_active, resolve_pair
from storage import repositories as repo
from storage.db import session_scope
from storage.models import Goal, Milestone, Pair

MILESTONE_MAX_CHARS = 300
MILESTONE_EXAMPLE = "`/goal milestone 2 Submit the talk proposal by 2027-01-15`"


@dataclass(frozen=True)
class MilestoneInfo(Outcome):
    id: int
    goal_number: int
    number: int
    text: str
    due_on: date | None
    done: bool
    pair_id: int

    @classmethod
    def of(cls, milestone: Milestone, goal_number: int) -> MilestoneInfo:
        assert milestone.id is not None
        return cls(
            milestone.id,
            goal_number,
            milestone.number,
            milestone.text,
            milestone.due_on,
            milestone.status == "done",
            milestone.pair_id,
        )

    @property
    def label(self) -> str:
        return f"{self.goal_number}.{self.number}"

    def overdue(self, today: date) -> bool:
        return not self.done and self.due_on is not None and self.due_on < today


@dataclass(frozen=True)
class Roadmap(Outcome):
    """A goal and its milestones, in order."""

    pair: PairInfo
    goal: GoalInfo
    milestones: tuple[MilestoneInfo, ...]

    @property
    def done(self) -> int:
        return sum(1 for milestone in self.milestones if milestone.done)


@dataclass(frozen=True)
class MilestoneText:
    text: str
    due_on: date | None


def parse_milestone(text: str, today: date) -> MilestoneText:
    """A step as typed after `/goal milestone 2` (with `by <date>` for its date)."""
    flat = " ".join(text.split())
    if not flat:
        raise InvalidInput(f"Say what the step is, for example {MILESTONE_EXAMPLE}.")
    dated = split_due(flat, today)
    if not dated.text:
        raise InvalidInput(f"Say what the step is before the date: {MILESTONE_EXAMPLE}.")
    if len(dated.text) > MILESTONE_MAX_CHARS:
        raise InvalidInput(f"Keep a milestone under {MILESTONE_MAX_CHARS} characters.")
    return MilestoneText(dated.text, dated.due_on)


def parse_milestone_form(text: str, due_on: date | None, today: date) -> MilestoneText:
    """The Add milestone form's fields as a step; a FieldError names the field to fix."""
    flat = " ".join(text.split())
    if not flat:
        raise FieldError("text", "Say what the step is.")
    if len(flat) > MILESTONE_MAX_CHARS:
        raise FieldError("text", f"Keep a milestone under {MILESTONE_MAX_CHARS} characters.")
    return MilestoneText(flat, check_picked_due(due_on, today))


def add_milestone(
    engine: Engine,
    actor: Actor,
    target: Target,
    goal_number: int,
    text: str,
    now: datetime,
    today: date | None = None,
) -> Roadmap:
    """Add a milestone (with `by <date>` for its date) to an open goal of the pair. `today` is
    the actor's date in their own zone (mentoring.zones); UTC's if not given."""
    step = parse_milestone(text, today or local_date(now, None))
    return add_step(engine, actor, target, goal_number, step, now)


def add_step(
    engine: Engine,
    actor: Actor,
    target: Target,
    goal_number: int,
    step: MilestoneText,
    now: datetime,
) -> Roadmap:
    """Add a parsed milestone to open goal `goal_number` of the pair `target` points at."""
    with session_scope(engine) as session:
        pair, goal = find_goal_in(session, actor, target, goal_number)
        require_active(pair)
        if goal.status != "open":
            raise InvalidInput(f"Goal {goal_number} is {goal.status}; reopen it to add steps.")
        session.add(
            Milestone(
                goal_id=goal.id or 0,
                pair_id=pair.id or 0,
                number=repo.next_milestone_number(session, goal.id or 0),
                text=step.text,
                due_on=step.due_on,
                created_by=actor.user_id,
                created_at=now,
            )
        )
        session.flush()
        return _roadmap(session, pair, goal).changing(pair.id or 0)


def roadmap(engine: Engine, actor: Actor, target: Target, goal_number: int) -> Roadmap:
    """Goal `goal_number` and its milestones (ended pairs stay readable to their members)."""
    with session_scope(engine) as session:
        pair, goal = find_goal_in(session, actor, target, goal_number, include_ended=True)
        return _roadmap(session, pair, goal)


def complete_milestone(
    engine: Engine, actor: Actor, target: Target, goal_number: int, number: int, now: datetime
) -> MilestoneInfo:
    """`/goal done 2.1`."""
    with session_scope(engine) as session:
        pair, goal = find_goal_in(session, actor, target, goal_number)
        milestone = None
        if fits(number):
            milestone = repo.milestone_by_number(session, goal.id or 0, number)
        if milestone is None:
            raise NotFound(
                f"Goal {goal_number} has no milestone {number}. "
                f"`/goal milestones {goal_number}` lists them."
            )
        return _set_done(session, pair, goal, milestone, True, now)


def set_milestone_done(
    engine: Engine, actor: Actor, milestone_id: int, done: bool, now: datetime
) -> MilestoneInfo:
    """The "Done" button and its Undo: the milestone is found, then checked to be the actor's."""
    with session_scope(engine) as session:
        milestone = repo.get_milestone(session, milestone_id)
        if milestone is None:
            raise NotFound("That milestone is no longer there.")
        pair = resolve_pair(session, actor, Target(pair_id=milestone.pair_id))
        goal = repo.get_goal(session, milestone.goal_id)
        assert goal is not None
        return _set_done(session, pair, goal, milestone, done, now)


def _set_done(
    session: Session, pair: Pair, goal: Goal, milestone: Milestone, done: bool, now: datetime
) -> MilestoneInfo:
    require_active(pair)
    label = f"{goal.number}.{milestone.number}"
    if (milestone.status == "done") == done:
        raise InvalidInput(f"Milestone {label} is already {'done' if done else 'open'}.")
    milestone.status = "done" if done else "open"
    milestone.done_at = now if done else None
    session.add(milestone)
    return MilestoneInfo.of(milestone, goal.number).changing(milestone.pair_id)


def _roadmap(session: Session, pair: Pair, goal: Goal) -> Roadmap:
    milestones = repo.milestones_of(session, goal.id or 0)
    return Roadmap(
        PairInfo.of(pair),
        GoalInfo.of(goal),
        tuple(MilestoneInfo.of(milestone, goal.number) for milestone in milestones),
    )


def milestones_due(session: Session, pair_id: int, by: date) -> tuple[MilestoneInfo, ...]:
    """Open milestones due by a date (overdue included), for the pre-meeting carry-forward."""
    rows = repo.open_milestones_due(session, pair_id, by)
    return tuple(MilestoneInfo.of(milestone, number) for milestone, number in rows)

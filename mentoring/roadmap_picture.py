"""The roadmap picture's data: a pair's goals, their milestones and its wins, on one timeline.

Gathered in four queries whatever the number of goals (the pair, its goals, their milestones,
its wins), into plain values a renderer can draw without a database. Open and achieved goals
are drawn; dropped ones are not. Past `MAX_GOAL_ROWS` goals, the open ones with the nearest
dates are kept, then the most recently achieved, and the rest are counted in `hidden_goals`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import Session

from mentoring.model import Actor, GoalStatus, PairInfo, Target
from mentoring.pairs import resolve_pair
from storage import repositories as repo
from storage.db import session_scope
from storage.models import Goal, Milestone, Pair

MAX_GOAL_ROWS = 12


class MilestoneState(StrEnum):
    DONE = "done"
    ON_TRACK = "on track"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class GoalMark:
    number: int
    text: str
    status: GoalStatus  # open or done; dropped goals are not drawn
    started_on: date
    due_on: date | None
    closed_on: date | None


@dataclass(frozen=True)
class MilestoneMark:
    goal_number: int
    number: int
    text: str
    due_on: date | None
    state: MilestoneState

    @property
    def label(self) -> str:
        return f"{self.goal_number}.{self.number}"


@dataclass(frozen=True)
class WinMark:
    on: date
    goal_number: int | None  # None when not linked to a goal that is drawn


@dataclass(frozen=True)
class RoadmapPicture:
    """What the roadmap picture shows, as of `today`; goals in number order."""

    pair: PairInfo
    today: date
    goals: tuple[GoalMark, ...]
    milestones: tuple[MilestoneMark, ...]
    wins: tuple[WinMark, ...]
    hidden_goals: int = 0

    @property
    def empty(self) -> bool:
        return not self.goals

    def count(self, state: MilestoneState) -> int:
        return sum(1 for milestone in self.milestones if milestone.state == state)


def milestone_state(done: bool, due_on: date | None, today: date) -> MilestoneState:
    """Done; overdue when open and due before today; otherwise on track (undated ones too)."""
    if done:
        return MilestoneState.DONE
    if due_on is not None and due_on < today:
        return MilestoneState.OVERDUE
    return MilestoneState.ON_TRACK


def gather_roadmap(engine: Engine, actor: Actor, target: Target, today: date) -> RoadmapPicture:
    """The roadmap of the actor's active pair that `target` means. Only active pairs: the
    picture is posted in the shared channel, and nothing new happens in an ended pair's."""
    with session_scope(engine) as session:
        return roadmap_picture_in(session, resolve_pair(session, actor, target), today)


def roadmap_picture_in(session: Session, pair: Pair, today: date) -> RoadmapPicture:
    """The pair's roadmap in three queries, for callers that already hold the pair."""
    assert pair.id is not None
    goals = repo.goals_of(session, pair.id)
    milestones = repo.milestones_of_pair(session, pair.id)
    wins = repo.win_dates_of(session, pair.id)
    return build_picture(PairInfo.of(pair), goals, milestones, wins, today)


def build_picture(
    pair: PairInfo,
    goals: Sequence[Goal],
    milestones: Sequence[Milestone],
    wins: Sequence[tuple[datetime, int | None]],
    today: date,
) -> RoadmapPicture:
    drawable = [goal for goal in goals if goal.status != GoalStatus.DROPPED.value]
    shown = sorted(_pick(drawable, today), key=lambda goal: goal.number)
    numbers = {goal.id: goal.number for goal in shown}
    return RoadmapPicture(
        pair=pair,
        today=today,
        goals=tuple(_goal_mark(goal) for goal in shown),
        milestones=tuple(
            MilestoneMark(
                goal_number=numbers[milestone.goal_id],
                number=milestone.number,
                text=milestone.text,
                due_on=milestone.due_on,
                state=milestone_state(milestone.status == "done", milestone.due_on, today),
            )
            for milestone in sorted(milestones, key=lambda m: (numbers.get(m.goal_id, 0), m.number))
            if milestone.goal_id in numbers
        ),
        wins=tuple(WinMark(at.date(), numbers.get(goal_id)) for at, goal_id in wins),
        hidden_goals=len(drawable) - len(shown),
    )


def _pick(goals: list[Goal], today: date) -> list[Goal]:
    """At most MAX_GOAL_ROWS: open goals by nearest date (undated last), then recent wins."""
    if len(goals) <= MAX_GOAL_ROWS:
        return goals
    open_goals = sorted(
        (goal for goal in goals if goal.status == GoalStatus.OPEN.value),
        key=lambda goal: (goal.due_on is None, goal.due_on or today, goal.number),
    )
    achieved = sorted(
        (goal for goal in goals if goal.status == GoalStatus.DONE.value),
        key=lambda goal: (goal.closed_at or goal.created_at, goal.number),
        reverse=True,
    )
    return (open_goals + achieved)[:MAX_GOAL_ROWS]


def _goal_mark(goal: Goal) -> GoalMark:
    return GoalMark(
        number=goal.number,
        text=goal.text,
        status=GoalStatus(goal.status),
        started_on=goal.created_at.date(),
        due_on=goal.due_on,
        closed_on=goal.closed_at.date() if goal.closed_at else None,
    )

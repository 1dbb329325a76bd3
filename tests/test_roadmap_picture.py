"""The roadmap picture's data on a real database: what is drawn, in what state, in few queries."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event

from mentoring import goals, milestones, pairs
from mentoring.capture import Kind, capture
from mentoring.errors import NoPair, NotAllowed
from mentoring.model import Actor, GoalStatus, PairInfo, Target
from mentoring.roadmap_picture import (
    MAX_GOAL_ROWS,
    MilestoneState,
    gather_roadmap,
    milestone_state,
)
from tests.support import T0, T, pair_up

pytestmark = pytest.mark.both_backends

MENTOR, MENTEE = Actor("UMENTOR"), Actor("UMENTEE")
LATER = date(2026, 12, 20)  # "today" a month after the goals were set, at T0


@pytest.fixture
def pair(engine: Engine) -> PairInfo:
    return pair_up(engine)


def _goal(engine: Engine, text: str) -> None:
    capture(engine, MENTEE, Kind.GOAL, text, Target(), T0)


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_milestone_states_follow_done_and_the_date() -> None:
    """Done wins over dates; open and due before today is overdue; due today or undated is not."""
    today = date(2026, 12, 1)
    assert milestone_state(True, date(2026, 1, 1), today) == MilestoneState.DONE
    assert milestone_state(False, date(2026, 11, 30), today) == MilestoneState.OVERDUE
    assert milestone_state(False, today, today) == MilestoneState.ON_TRACK
    assert milestone_state(False, None, today) == MilestoneState.ON_TRACK


def test_steps_are_done_on_track_or_overdue_as_of_the_injected_today(
    engine: Engine, pair: PairInfo
) -> None:
    """The same milestones read differently on different days; the data says which day."""
    _goal(engine, "Give a talk at PyCon by June 2027")
    for text in ("Pick a topic by 2026-12-01", "Submit by 2027-01-10", "Rehearse", "Outline"):
        milestones.add_milestone(engine, MENTEE, Target(), 1, text, T0)
    milestones.complete_milestone(engine, MENTEE, Target(), 1, 4, T0)
    early = gather_roadmap(engine, MENTEE, Target(), date(2026, 11, 25))
    late = gather_roadmap(engine, MENTOR, Target(), LATER)
    assert [m.state for m in early.milestones] == [
        MilestoneState.ON_TRACK,
        MilestoneState.ON_TRACK,
        MilestoneState.ON_TRACK,
        MilestoneState.DONE,
    ]
    assert [(m.label, m.state) for m in late.milestones] == [
        ("1.1", MilestoneState.OVERDUE),
        ("1.2", MilestoneState.ON_TRACK),
        ("1.3", MilestoneState.ON_TRACK),
        ("1.4", MilestoneState.DONE),
    ]
    assert late.today == LATER and late.milestones[2].due_on is None
    assert late.count(MilestoneState.OVERDUE) == 1


def test_undated_achieved_and_dropped_goals(engine: Engine, pair: PairInfo) -> None:
    """Undated goals are kept without a date, achieved ones with the day, dropped ones left out."""
    _goal(engine, "Get promoted to Senior Engineer")
    _goal(engine, "Write a blog post by 2027-02-01")
    _goal(engine, "Learn Rust by 2027-06-30")
    goals.set_goal_status(engine, MENTEE, 2, GoalStatus.DONE, Target(), T(days=3))
    goals.set_goal_status(engine, MENTEE, 3, GoalStatus.DROPPED, Target(), T0)
    picture = gather_roadmap(engine, MENTEE, Target(), LATER)
    assert [(g.number, g.status, g.due_on, g.closed_on) for g in picture.goals] == [
        (1, GoalStatus.OPEN, None, None),
        (2, GoalStatus.DONE, date(2027, 2, 1), date(2026, 11, 24)),
    ]
    assert picture.goals[0].started_on == T0.date() and picture.hidden_goals == 0


def test_wins_sit_on_their_goal_or_on_their_own_row(engine: Engine, pair: PairInfo) -> None:
    """A win linked to a drawn goal keeps its number; unlinked or on a dropped goal, None."""
    _goal(engine, "Give a talk by June 2027")
    _goal(engine, "Learn Rust by 2027-06-30")
    capture(engine, MENTEE, Kind.WIN, "Proposal accepted #1", Target(), T(days=2))
    capture(engine, MENTEE, Kind.WIN, "Wrote hello world #2", Target(), T(days=4))
    capture(engine, MENTEE, Kind.WIN, "Fixed the flaky test", Target(), T(days=6))
    goals.set_goal_status(engine, MENTEE, 2, GoalStatus.DROPPED, Target(), T0)
    picture = gather_roadmap(engine, MENTOR, Target(), LATER)
    assert [(w.on, w.goal_number) for w in picture.wins] == [
        (date(2026, 11, 23), 1),
        (date(2026, 11, 25), None),
        (date(2026, 11, 27), None),
    ]


def test_thirty_goals_draw_twelve_and_count_the_rest_in_the_same_queries(
    engine: Engine, pair: PairInfo
) -> None:
    """Past 12 goals the nearest open ones are kept and the rest counted; queries don't grow."""
    _goal(engine, "First goal by 2027-01-31")
    milestones.add_milestone(engine, MENTEE, Target(), 1, "A step", T0)
    with counting(engine) as few:
        small = gather_roadmap(engine, MENTEE, Target(), LATER)
    for n in range(2, 31):
        _goal(engine, f"Goal {n} by 2027-{(n % 12) + 1:02d}-28" if n % 5 else f"Goal {n}")
        milestones.add_milestone(engine, MENTEE, Target(), n, f"Step of {n}", T0)
        capture(engine, MENTEE, Kind.WIN, f"Win for #{n}", Target(), T0)
    goals.set_goal_status(engine, MENTEE, 7, GoalStatus.DONE, Target(), T0)
    with counting(engine) as many:
        big = gather_roadmap(engine, MENTEE, Target(), LATER)
    assert len(many) == len(few) <= 5
    assert len(big.goals) == MAX_GOAL_ROWS and big.hidden_goals == 30 - MAX_GOAL_ROWS
    assert [g.number for g in big.goals] == sorted(g.number for g in big.goals)
    dates = sorted(g.due_on for g in big.goals if g.due_on is not None)
    assert len(dates) == MAX_GOAL_ROWS and dates[-1] == date(2027, 5, 28)
    assert all(g.status == GoalStatus.OPEN for g in big.goals)
    shown = {g.number for g in big.goals}
    assert {m.goal_number for m in big.milestones} == shown and len(big.milestones) == 12
    assert len(big.wins) == 29 and {w.goal_number for w in big.wins} == (shown - {1}) | {None}
    assert len(small.goals) == 1 and small.milestones[0].text == "A step"


def test_an_empty_roadmap_says_so(engine: Engine, pair: PairInfo) -> None:
    """No goals (or only dropped ones): empty, whatever wins there are."""
    assert gather_roadmap(engine, MENTEE, Target(), LATER).empty
    _goal(engine, "Drop me")
    goals.set_goal_status(engine, MENTEE, 1, GoalStatus.DROPPED, Target(), T0)
    assert gather_roadmap(engine, MENTEE, Target(), LATER).empty


def test_only_the_pair_gets_its_roadmap_and_only_while_it_lasts(
    engine: Engine, pair: PairInfo
) -> None:
    """Outsiders and admins are refused; an ended pair's roadmap is not posted any more."""
    _goal(engine, "Secret goal")
    for stranger in (Actor("UOUTSIDER"), Actor("UADMIN", is_admin=True)):
        with pytest.raises(NoPair):
            gather_roadmap(engine, stranger, Target(channel_id=pair.channel_id), LATER)
        with pytest.raises(NoPair):
            gather_roadmap(engine, stranger, Target(with_user=MENTEE.user_id), LATER)
    assert [g.text for g in gather_roadmap(engine, MENTEE, Target(), LATER).goals] == [
        "Secret goal"
    ]
    pairs.end_pair(engine, MENTOR, pair.id, T(days=1))
    with pytest.raises(NotAllowed, match="read-only"):
        gather_roadmap(engine, MENTEE, Target(), LATER)


def test_the_rules_never_load_the_chart_library() -> None:
    """Drawing is rendering's business: importing the roadmap rules leaves matplotlib out."""
    check = "import sys, mentoring.roadmap_picture; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", check], check=False).returncode == 0

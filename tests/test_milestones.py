"""Milestones on a real database: numbering, dates, done and undo, and who may touch them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from mentoring import goals, milestones
from mentoring.capture import Kind, capture
from mentoring.errors import InvalidInput, NoPair, NotAllowed, NotFound
from mentoring.model import Actor, GoalStatus, PairInfo, Target
from storage.db import session_scope
from tests.support import T0, pair_up

pytestmark = pytest.mark.both_backends

MENTOR, MENTEE = Actor("UMENTOR"), Actor("UMENTEE")


@pytest.fixture
def pair(engine: Engine) -> PairInfo:
    info = pair_up(engine)
    capture(engine, MENTEE, Kind.GOAL, "Give a talk at PyCon by June 2027", Target(), T0)
    return info


def test_milestones_are_numbered_within_their_goal_and_keep_their_dates(
    engine: Engine, pair: PairInfo
) -> None:
    """1.1, 1.2 in order, with `by <date>` read as the milestone's date."""
    milestones.add_milestone(engine, MENTEE, Target(), 1, "Pick a topic by 2026-12-15", T0)
    road = milestones.add_milestone(engine, MENTOR, Target(), 1, "Submit the proposal", T0)
    assert [(m.label, m.text, m.due_on) for m in road.milestones] == [
        ("1.1", "Pick a topic", date(2026, 12, 15)),
        ("1.2", "Submit the proposal", None),
    ]
    assert road.done == 0 and road.goal.number == 1


def test_done_and_undo_and_their_refusals(engine: Engine, pair: PairInfo) -> None:
    """`/goal done 1.1`, again (refused), Undo; unknown numbers say how to list them."""
    milestones.add_milestone(engine, MENTEE, Target(), 1, "Pick a topic", T0)
    done = milestones.complete_milestone(engine, MENTOR, Target(), 1, 1, T0)
    assert done.done and done.label == "1.1"
    with pytest.raises(InvalidInput, match="already done"):
        milestones.complete_milestone(engine, MENTEE, Target(), 1, 1, T0)
    reopened = milestones.set_milestone_done(engine, MENTEE, done.id, False, T0)
    assert not reopened.done
    with pytest.raises(NotFound, match="/goal milestones 1"):
        milestones.complete_milestone(engine, MENTEE, Target(), 1, 9, T0)
    with pytest.raises(NotFound, match="no goal 7"):
        milestones.add_milestone(engine, MENTEE, Target(), 7, "x", T0)


def test_a_closed_goal_takes_no_new_steps(engine: Engine, pair: PairInfo) -> None:
    """A goal marked done or dropped gets no milestones until it is reopened."""
    goals.set_goal_status(engine, MENTEE, 1, GoalStatus.DONE, Target(), T0)
    with pytest.raises(InvalidInput, match="reopen"):
        milestones.add_milestone(engine, MENTEE, Target(), 1, "One more step", T0)


def test_bad_milestones_change_nothing(engine: Engine, pair: PairInfo) -> None:
    """Empty text, a date in the past, or too long: refused, nothing stored."""
    for text in ("", "   ", "Step by 2020-01-01", "Step by 31/31/2027", "x" * 301):
        with pytest.raises(InvalidInput):
            milestones.add_milestone(engine, MENTEE, Target(), 1, text, T0)
    assert milestones.roadmap(engine, MENTEE, Target(), 1).milestones == ()


def test_nobody_else_reaches_a_pairs_milestones(engine: Engine, pair: PairInfo) -> None:
    """An outsider can't list, add or complete them, even with the milestone's id."""
    road = milestones.add_milestone(engine, MENTEE, Target(), 1, "Pick a topic", T0)
    outsider = Actor("UOUTSIDER")
    with pytest.raises(NoPair):
        milestones.roadmap(engine, outsider, Target(), 1)
    with pytest.raises(NoPair):
        milestones.add_milestone(engine, outsider, Target(), 1, "sneaky", T0)
    with pytest.raises(NotAllowed):
        milestones.set_milestone_done(engine, outsider, road.milestones[0].id, True, T0)


def test_milestones_due_lists_overdue_and_soon_not_later_or_done(
    engine: Engine, pair: PairInfo
) -> None:
    """The carry-forward's milestones: open ones due by the horizon, overdue first."""
    for text in ("Later by 2027-03-01", "Soon by 2026-12-01", "Done by 2026-11-25"):
        milestones.add_milestone(engine, MENTEE, Target(), 1, text, T0)
    milestones.complete_milestone(engine, MENTEE, Target(), 1, 3, T0)
    milestones.add_milestone(engine, MENTEE, Target(), 1, "Overdue by 2026-11-22", T0)
    with session_scope(engine) as session:
        due = milestones.milestones_due(session, pair.id, date(2026, 12, 10))
    assert [m.text for m in due] == ["Overdue", "Soon"]
    assert due[0].overdue(date(2026, 11, 24)) and not due[1].overdue(date(2026, 11, 24))

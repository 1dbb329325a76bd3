"""Goal coaching: the rules against two labelled sets of goals (development and held-out), the
reply, and the editor modal."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from sqlmodel import select

from handlers.goals import blocks as goal_blocks
from mentoring.coaching import OBSERVABLE, OUTCOME, TIME_BOUND, coach, example_for
from mentoring.dates import split_due
from storage.db import session_scope
from storage.models import Goal
from tests.coaching_sets import DEVELOPMENT, HELD_OUT, measure
from tests.conftest import MENTEE, OUTSIDER, Wire, report_coaching
from tests.support import T0

TODAY = T0.date()


# The figures reached; a change to the rules that does worse on either set fails here.
DEVELOPMENT_FLOOR = {"precision": 1.00, "recall": 1.00}
HELD_OUT_FLOOR = {"precision": 0.98, "recall": 1.00}


def test_the_rules_find_vague_goals_in_the_development_set(request: pytest.FixtureRequest) -> None:
    """On the goals the word lists are tuned on, precision and recall for "vague" keep the
    figures reached."""
    measured = measure(DEVELOPMENT)
    report_coaching(request.config, "development", measured.summary("development"))
    assert measured.goals >= 80
    assert measured.precision >= DEVELOPMENT_FLOOR["precision"]
    assert measured.recall >= DEVELOPMENT_FLOOR["recall"]


def test_the_rules_find_vague_goals_in_the_held_out_set(request: pytest.FixtureRequest) -> None:
    """On goals written before the rules changed and never tuned on, precision and recall for
    "vague" are at least 0.92 and keep the figures reached."""
    measured = measure(HELD_OUT)
    report_coaching(request.config, "held-out", measured.summary("held-out"))
    assert measured.goals >= 80 and 0.4 <= measured.vague / measured.goals <= 0.6
    assert not {row["goal"] for row in csv.DictReader(DEVELOPMENT.open())} & {
        row["goal"] for row in csv.DictReader(HELD_OUT.open())
    }
    assert min(HELD_OUT_FLOOR.values()) >= 0.92
    assert measured.precision >= HELD_OUT_FLOOR["precision"]
    assert measured.recall >= HELD_OUT_FLOOR["recall"]


@pytest.mark.parametrize(
    ("goal", "missing"),
    [
        ("Improve my technical skills", (OUTCOME, TIME_BOUND, OBSERVABLE)),
        ("Give a talk", (TIME_BOUND,)),
        ("Improve my writing skills by next year", (OUTCOME, OBSERVABLE)),
        ("Get promoted to Senior Engineer by March 2027", ()),
    ],
)
def test_the_reply_can_say_what_is_missing(goal: str, missing: tuple[str, ...]) -> None:
    """Each check is named, so the reply says which of the three a goal lacks."""
    assert coach(goal, None, TODAY).missing == missing


def test_a_date_set_elsewhere_counts_as_the_time_bound() -> None:
    """A goal whose date was parsed off already (`by …`) is not asked for one again."""
    assert coach("Give a talk at PyCon", date(2027, 5, 31), TODAY).missing == ()


THEMES = (
    "Speak at conferences",
    "Get promoted",
    "Write more",
    "Grow as a team leader",
    "Contribute to open source",
    "Learn Kubernetes",
    "Be more productive",
)


@pytest.mark.parametrize("today", [date(2027, 4, 15), date(2031, 12, 31)])
@pytest.mark.parametrize("goal", THEMES)
def test_the_example_rewrite_is_dated_after_today(goal: str, today: date) -> None:
    """The example's date is computed from today, so it parses to a future date and is specific."""
    example = coach(goal, None, today).example
    due_on = split_due(example, today).due_on
    assert due_on is not None and due_on > today
    assert coach(example, None, today).missing == ()


def test_the_example_is_about_six_months_ahead() -> None:
    """Six months on, said as a month or as the quarter that month falls in."""
    assert example_for("Give a talk", date(2027, 4, 15)) == (
        "Give a 20-minute talk at a local meetup by October 2027"
    )
    assert example_for("Write more", date(2031, 12, 31)) == (
        "Publish two posts on the engineering blog by end of Q2 2032"
    )


@pytest.mark.parametrize(
    ("goal", "missing"),
    [
        ("Reduce CI build time to under 5 minutes by June 2027", ()),
        ("Answer 10 questions on Stack Overflow by December 2027", ()),
        ("Raise unit test coverage to 80% by March 2027", ()),
        ("Get my first paid consulting client by June 2027", ()),
        ("Improve response time by 20%", (TIME_BOUND,)),
        ("Reduce CI build time", (OUTCOME, TIME_BOUND, OBSERVABLE)),
        ("Get better at SQL before 15 March 2027", (OUTCOME, OBSERVABLE)),
    ],
)
def test_a_number_to_reach_is_a_concrete_outcome(goal: str, missing: tuple[str, ...]) -> None:
    """A number with a unit or object, or a percentage, is an outcome; a date's numbers are not."""
    assert coach(goal, None, TODAY).missing == missing


@pytest.mark.parametrize(
    ("goal", "missing"),
    [
        ("Give a talk at the team meetup this month", ()),
        ("Hold 4 pairing sessions with new teammates this week", ()),
        ("Publish the team's on-call handbook by December", ()),
        ("Ship the search feature by the end of the month", ()),
        ("Give a talk at the team meetup someday", (TIME_BOUND,)),
    ],
)
def test_a_relative_period_is_a_time_bound(goal: str, missing: tuple[str, ...]) -> None:
    """Relative periods are time bounds: "this week", "by December", "by the end of the month"."""
    assert coach(goal, None, TODAY).missing == missing


@pytest.mark.parametrize(
    ("goal", "missing"),
    [
        ("Lead something", (OUTCOME, TIME_BOUND, OBSERVABLE)),
        ("Do a project", (OUTCOME, TIME_BOUND, OBSERVABLE)),
        ("Work on a project", (OUTCOME, TIME_BOUND, OBSERVABLE)),
        ("Start a side project", (OUTCOME, TIME_BOUND, OBSERVABLE)),
        ("Do a project by June 2027", (OUTCOME, OBSERVABLE)),
        ("Lead something this quarter", (OUTCOME, OBSERVABLE)),
        ("Lead a cross-team project by Q3 2027", ()),
        ("Ship the billing project by May 2027", ()),
        ("Become a people manager by Q3 2027", ()),
    ],
)
def test_a_bare_generic_noun_is_not_an_outcome(goal: str, missing: tuple[str, ...]) -> None:
    """A bare "a project" or "something" is no outcome; nor is the verb "lead" a named role."""
    assert coach(goal, None, TODAY).missing == missing


@pytest.mark.parametrize(
    ("goal", "missing"),
    [
        ("Run the design sprint for the new onboarding by February 2027", ()),
        ("Chair the architecture guild meeting for Q1 2027", ()),
        ("Finish the budget spreadsheet for the offsite by Friday", ()),
        ("Build my network by March 2027", (OUTCOME, OBSERVABLE)),
        ("Lead the team by June 2027", (OUTCOME, OBSERVABLE)),
    ],
)
def test_a_thing_made_or_run_is_an_outcome(goal: str, missing: tuple[str, ...]) -> None:
    """A making verb with an object naming a thing is an outcome; a quality or a group is not."""
    assert coach(goal, None, TODAY).missing == missing


@pytest.mark.parametrize(
    ("goal", "missing"),
    [
        ("Reach IC5 by the end of 2027", ()),
        ("Be promoted to level 3 by June 2027", ()),
        ("Get to staff level by December 2027", ()),
        ("Become the tech owner of the notifications service by March 2027", ()),
        ("Become a committer on Apache Arrow by end of 2027", ()),
        ("Reach the next level by June 2027", (OUTCOME, OBSERVABLE)),
    ],
)
def test_a_level_or_an_ownership_is_a_role(goal: str, missing: tuple[str, ...]) -> None:
    """A role change said as a level or as owning or maintaining something counts as a role."""
    assert coach(goal, None, TODAY).missing == missing


@pytest.mark.parametrize(
    ("goal", "missing"),
    [
        ("Train a sentiment classifier with accuracy above 0.9 by March 2027", ()),
        ("Ship the mobile login screen with a crash rate below 1% by March 2027", ()),
        ("Learn Go in 2 months", (OUTCOME, OBSERVABLE)),
        ("Master TypeScript by April 2027", (OUTCOME, OBSERVABLE)),
        ("Lead more meetings this quarter", (OUTCOME,)),
        ("Make the dashboards better", (OUTCOME, TIME_BOUND)),
    ],
)
def test_a_bar_counts_and_a_direction_does_not(goal: str, missing: tuple[str, ...]) -> None:
    """A bar on a delivery is a number to reach; learning verbs and comparisons without a number
    ("more", "better") say where to head, so they are no outcome whatever the date."""
    assert coach(goal, None, TODAY).missing == missing


def test_a_vague_goal_is_saved_coached_and_made_specific_in_the_modal(wire: Wire, paired) -> None:
    """Saved anyway; the reply says what is missing and offers the editor; a bad date comes
    back inline; a good edit rewords the goal; an outsider's forged submission changes nothing."""
    reply = wire.command("/goal", "Improve my technical skills", user=MENTEE)
    assert "Goal 1 added" in reply.reply_text and "a concrete outcome" in reply.reply_text
    button = reply.reply["blocks"][1]["accessory"]
    assert button["action_id"] == "make_goal_specific"
    wire.click(button["action_id"], button["value"], user=MENTEE)
    (opened,) = wire.fake.calls_to("views.open")
    view = opened.args["view"]
    assert view["private_metadata"] == f"{button['value']} America/New_York"  # the opener's
    assert view["blocks"][1]["element"]["initial_value"] == "Improve my technical skills"

    def edit(user: str, due: str, metadata: str = button["value"]):
        return wire.submit(
            goal_blocks.GOAL_EDITOR,
            {
                goal_blocks.GOAL_OUTCOME: {
                    "type": "plain_text_input",
                    "value": "Ship the search feature",
                },
                goal_blocks.GOAL_DUE: {"type": "datepicker", "selected_date": due},
                goal_blocks.GOAL_EVIDENCE: {"type": "plain_text_input", "value": "it is live"},
            },
            user=user,
            private_metadata=metadata,
        )

    late = edit(MENTEE, "2020-01-01")
    assert late.json() == {
        "response_action": "errors",
        "errors": {goal_blocks.GOAL_DUE: "Pick a date in the future."},
    }
    assert edit(OUTSIDER, "2027-03-31").status_code == 200
    with session_scope(wire.services.engine) as session:
        assert session.exec(select(Goal)).one().text == "Improve my technical skills"
    assert edit(MENTEE, "2027-03-31").status_code == 200
    with session_scope(wire.services.engine) as session:
        goal = session.exec(select(Goal)).one()
    assert (goal.text, goal.due_on, goal.done_when) == (
        "Ship the search feature",
        date(2027, 3, 31),
        "it is live",
    )
    confirmation = wire.fake.messages_in(MENTEE)[-1]["text"]
    assert "Goal 1 is now" in confirmation


def test_a_specific_goal_gets_no_coaching(wire: Wire, paired) -> None:
    """A goal with an outcome, a date and something observable is simply confirmed."""
    reply = wire.command("/goal", "Give a 20-minute talk at PyCon by May 2027", user=MENTEE)
    assert "Make it specific" not in reply.reply_text and "Goal 1 added" in reply.reply_text

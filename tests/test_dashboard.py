"""The dashboard gathered from a real database: what each part holds at a given `now`, and
that a heavy user costs the same number of SQL statements as a light one."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, event
from sqlmodel import select

from fakeslack import validate_view
from handlers.dashboard import build_home
from mentoring import dashboard, milestones, pairs
from mentoring.capture import Kind, capture
from mentoring.dashboard import FORM_OPTIONS, form_context
from mentoring.errors import AmbiguousPair, NotAllowed
from mentoring.goals import set_goal_status
from mentoring.meetings import agenda, schedule
from mentoring.model import Actor, GoalStatus, PairInfo, Target
from mentoring.reviews.cadence import NextReview
from storage.db import session_scope
from storage.models import Goal, Milestone, Pair, Win
from tests.support import T0, T, pair_up, schedule_meetings

pytestmark = pytest.mark.both_backends

MENTOR, MENTEE = Actor("UMENTOR"), Actor("UMENTEE")


@pytest.fixture
def pair(engine: Engine) -> PairInfo:
    return pair_up(engine)


def _board(engine: Engine, user: str = "UMENTEE", now: datetime = T0) -> dashboard.PairDashboard:
    (board,) = dashboard.dashboard(engine, user, now)
    return board


def test_goals_come_with_their_milestone_progress(engine: Engine, pair: PairInfo) -> None:
    """Open goals by number with done/total milestones; achieved goals and their steps left out."""
    for text in ("Give a talk by June 2027", "Write a post", "Ship the beta"):
        capture(engine, MENTEE, Kind.GOAL, text, Target(), T0)
    for step in ("Pick a topic", "Submit it", "Rehearse"):
        milestones.add_milestone(engine, MENTEE, Target(), 1, step, T0)
    milestones.add_milestone(engine, MENTEE, Target(), 3, "Freeze scope", T0)
    milestones.complete_milestone(engine, MENTOR, Target(), 1, 2, T0)
    set_goal_status(engine, MENTEE, 3, GoalStatus.DONE, Target(), T0)
    board = _board(engine)
    assert [(g.goal.number, g.done, g.total) for g in board.goals] == [(1, 1, 3), (2, 0, 0)]
    assert (board.open_goals, board.open_milestones) == (2, 2)
    assert board.goals[0].goal.due_on == date(2027, 6, 30)


def test_each_goal_names_its_next_step_and_flags_it_when_overdue(
    engine: Engine, pair: PairInfo
) -> None:
    """The Home said "0/2 milestones" and never which one was next: each goal now names its
    first open milestone with its date, flagged once the date has passed."""
    for text in ("Give a talk by June 2027", "Write a post"):
        capture(engine, MENTEE, Kind.GOAL, text, Target(), T0)
    milestones.add_milestone(
        engine, MENTEE, Target(), 1, "Pick a <topic> & rehearse by 2026-11-25", T0
    )
    milestones.add_milestone(engine, MENTEE, Target(), 1, "Submit the CFP by 2026-12-15", T0)
    milestones.add_milestone(engine, MENTEE, Target(), 2, "Outline it by 2026-12-01", T0)
    later = T(days=7)  # Sat 28 Nov: the first step's date has passed, the second's not
    board = _board(engine, now=later)
    steps = [(g.goal.number, g.next_step and g.next_step.label, g.overdue) for g in board.goals]
    assert steps == [(1, "1.1", True), (2, "2.1", False)]
    shown = json.dumps(build_home(dashboard.dashboard(engine, "UMENTEE", later)))
    assert "Next: *1.1* Pick a &lt;topic&gt; &amp; rehearse" in shown  # escaped for mrkdwn
    assert "overdue since 25 November 2026" in shown and "by 1 December 2026" in shown
    milestones.complete_milestone(engine, MENTOR, Target(), 1, 1, T0)
    board = _board(engine, now=later)
    assert board.goals[0].next_step.label == "1.2"  # type: ignore[union-attr]
    assert board.goals[0].overdue is False


def test_only_wins_of_the_last_30_days_count(engine: Engine, pair: PairInfo) -> None:
    """Wins older than 30 days before `now` are left out; the latest few come newest first."""
    for days, text in ((31, "Too old"), (29, "Recent"), (10, "Newer"), (2, "Newest"), (1, "Last")):
        capture(engine, MENTEE, Kind.WIN, text, Target(), T0 - timedelta(days=days))
    board = _board(engine)
    assert board.recent_wins == 4
    assert [win.text for win in board.wins] == ["Last", "Newest", "Newer"]
    assert _board(engine, now=T(days=40)).recent_wins == 0


def test_the_next_meeting_in_each_persons_zone(engine: Engine, pair: PairInfo) -> None:
    """The planned meeting, with the viewer's zone and the other member's, from either side;
    the agenda items waiting for it are counted."""
    schedule_meetings(
        engine, "weekly tue 15:00 Europe/Berlin", member_tz=("Europe/Berlin", "America/New_York")
    )
    agenda.add_agenda_item(engine, MENTOR, Target(), "Slides", T0)
    mentee = _board(engine).next_meeting
    assert mentee is not None
    assert mentee.starts_at == datetime(2026, 11, 24, 14, tzinfo=UTC)
    assert (mentee.viewer_tz, mentee.other_tz) == ("America/New_York", "Europe/Berlin")
    assert (mentee.skipped, mentee.paused_until, mentee.agenda_items) == (None, None, 1)
    mentor = _board(engine, "UMENTOR").next_meeting
    assert mentor is not None and (mentor.viewer_tz, mentor.other_tz) == (
        "Europe/Berlin",
        "America/New_York",
    )


def test_a_skipped_meeting_points_to_the_one_after(engine: Engine, pair: PairInfo) -> None:
    """After `/mentor skip`, the next meeting is the cadence's following one, and the skipped
    one is named."""
    schedule_meetings(engine, "weekly tue 15:00 Europe/Berlin")
    schedule.skip_next(engine, MENTEE, Target(), T0)
    meeting = _board(engine).next_meeting
    assert meeting is not None
    assert meeting.skipped == datetime(2026, 11, 24, 14, tzinfo=UTC)
    assert meeting.starts_at == datetime(2026, 12, 1, 14, tzinfo=UTC)


def test_a_pause_moves_the_next_meeting_past_it(engine: Engine, pair: PairInfo) -> None:
    """Paused until a date: the next meeting is the first on or after it; once that date has
    come, the pause is no longer shown."""
    schedule_meetings(engine, "weekly tue 15:00 Europe/Berlin")
    schedule.pause(engine, MENTEE, Target(), date(2026, 12, 10), T0)
    meeting = _board(engine).next_meeting
    assert meeting is not None and meeting.paused_until == date(2026, 12, 10)
    assert meeting.starts_at == datetime(2026, 12, 15, 14, tzinfo=UTC)
    later = _board(engine, now=datetime(2026, 12, 10, 9, tzinfo=UTC)).next_meeting
    assert later is not None and later.paused_until is None


def test_no_schedule_no_review_and_ended_pairs(engine: Engine, pair: PairInfo) -> None:
    """Without a schedule there is no next meeting, and the next review is only expected (the
    default cadence from the pairing); an ended pair comes last, with nothing but itself."""
    capture(engine, MENTEE, Kind.GOAL, "Give a talk", Target(), T0)
    board = _board(engine)
    assert board.next_meeting is None
    assert board.next_review == NextReview(pair.created_at + timedelta(weeks=4), "expected")
    pairs.end_pair(engine, MENTEE, pair.id, T(hours=1))
    pair_up(engine, mentor="UOTHER", channel="C2")
    current, ended = dashboard.dashboard(engine, "UMENTEE", T(hours=2))
    assert current.pair.active and current.other == "UOTHER"
    assert not ended.pair.active and ended.goals == () and ended.open_goals == 0


def test_open_action_items_first_few_and_their_count(engine: Engine, pair: PairInfo) -> None:
    """Open action items by number, the first few of them, with the count of all open ones."""
    for n in range(1, 9):
        agenda.add_action(engine, MENTEE, Target(), f"Task {n}", None, T0)
    agenda.close_action(engine, MENTEE, Target(), 2, T0)
    board = _board(engine)
    assert board.open_actions == 7
    assert [a.number for a in board.actions] == [1, 3, 4, 5, 6]


def test_forms_offer_the_pairs_open_goals_and_milestones(engine: Engine, pair: PairInfo) -> None:
    """A form's pair is checked like any request: a mentor may not open Log win, an outsider
    no form at all; someone in several pairs is asked which."""
    capture(engine, MENTEE, Kind.GOAL, "Give a talk", Target(), T0)
    milestones.add_milestone(engine, MENTEE, Target(), 1, "Pick a topic", T0)
    context = form_context(engine, MENTEE, Target(pair_id=pair.id), Kind.WIN)
    assert [g.number for g in context.goals] == [1]
    assert [m.label for m in context.milestones] == ["1.1"] and FORM_OPTIONS == 100
    with pytest.raises(NotAllowed, match="Wins are logged by the mentee"):
        form_context(engine, MENTOR, Target(pair_id=pair.id), Kind.WIN)
    with pytest.raises(NotAllowed):
        form_context(engine, Actor("UOUTSIDER"), Target(pair_id=pair.id))
    pair_up(engine, mentor="UMENTOR", mentee="UOTHER", channel="C2", actor=MENTOR)
    with pytest.raises(AmbiguousPair):
        form_context(engine, MENTOR, Target())


# Cost


def _count_statements(engine: Engine, user: str, now: datetime) -> tuple[int, tuple]:
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        boards = dashboard.dashboard(engine, user, now)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(seen), boards


def _heavy_user(engine: Engine) -> None:
    """UHEAVY: mentee in 3 pairs with 10 goals each (30), 10 milestones per goal (300), about
    333 wins per pair (1,000) over the last 60 days, meetings, agenda and action items."""
    wins_left = 1000
    for n in range(3):
        info = pair_up(engine, mentor=f"UM{n}", mentee="UHEAVY", channel=f"CH{n}")
        if n == 0:
            schedule_meetings(engine, "weekly wed 10:00 Europe/Paris", mentee="UHEAVY")
        with session_scope(engine) as session:
            for g in range(1, 11):
                goal = Goal(
                    pair_id=info.id,
                    number=g,
                    text=f"Goal {g} " + "x" * 250,
                    created_by="UHEAVY",
                    created_at=T0,
                    milestone_seq=10,
                )
                session.add(goal)
                session.flush()
                for m in range(1, 11):
                    session.add(
                        Milestone(
                            goal_id=goal.id,
                            pair_id=info.id,
                            number=m,
                            text=f"Step {m}",
                            status="done" if m <= g else "open",
                            created_by="UHEAVY",
                            created_at=T0,
                        )
                    )
            count = 334 if n < 2 else wins_left
            wins_left -= count
            for w in range(count):
                session.add(
                    Win(
                        pair_id=info.id,
                        author_id="UHEAVY",
                        text=f"Win {w} " + "y" * 200,
                        created_at=T0 - timedelta(hours=w * 4),
                    )
                )
        for a in range(12):
            agenda.add_action(
                engine, Actor("UHEAVY"), Target(pair_id=info.id), f"Act {a}", None, T0
            )
            agenda.add_agenda_item(
                engine, Actor("UHEAVY"), Target(pair_id=info.id), f"Item {a}", T0
            )


def test_a_heavy_home_costs_the_same_statements_as_a_light_one(engine: Engine) -> None:
    """1 pair with 1 goal, and 3 pairs with 30 goals, 300 milestones and 1,000 wins: the same
    number of SQL statements, and a Home within Slack's limits."""
    pair_up(engine, mentor="UM9", mentee="ULIGHT", channel="CL")
    capture(engine, Actor("ULIGHT"), Kind.GOAL, "Give a talk", Target(), T0)
    light, _ = _count_statements(engine, "ULIGHT", T0)
    _heavy_user(engine)
    heavy, boards = _count_statements(engine, "UHEAVY", T0)
    with session_scope(engine) as session:
        assert len(session.exec(select(Win.id)).all()) == 1000
        assert len(session.exec(select(Milestone.id)).all()) == 300
    print(f"dashboard SQL statements: light {light}, heavy {heavy}")
    assert heavy == light <= 13  # 12 queries (3 for the next review) and BEGIN on SQLite
    assert [b.open_goals for b in boards] == [10, 10, 10]
    assert sum(b.open_milestones for b in boards) == 300 - sum(range(1, 11)) * 3
    assert all(b.recent_wins > 150 and len(b.wins) == 3 for b in boards)
    view = build_home(boards)
    assert validate_view(view) == [] and len(view["blocks"]) <= 100


def test_a_pair_needing_attention_says_what_is_wrong_and_how_to_fix_it(
    engine: Engine, pair: PairInfo
) -> None:
    """When the bot could not post for a pair (removed from its channel, say), the Home of
    both members says so, with the fix; once a post goes through again, the warning goes."""
    with session_scope(engine) as session:
        row = session.get(Pair, pair.id)
        row.attention = "chat.postMessage: not_in_channel"
        session.add(row)
    for user in ("UMENTEE", "UMENTOR"):
        shown = json.dumps(build_home(dashboard.dashboard(engine, user, T0)))
        assert "Needs attention" in shown and "Invite me back with `/invite @Mentorbot`" in shown
    with session_scope(engine) as session:
        row = session.get(Pair, pair.id)
        row.attention = None
        session.add(row)
    assert "Needs attention" not in json.dumps(
        build_home(dashboard.dashboard(engine, "UMENTEE", T0))
    )

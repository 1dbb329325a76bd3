"""Capturing goals and wins: validation first, drafts when the pair is unclear, undo."""

import pytest
from sqlmodel import select

from mentoring import goals, wins
from mentoring.capture import Kind, capture, discard_draft, keep_note_in, use_draft
from mentoring.errors import InvalidInput, NotAllowed, NotFound
from mentoring.model import Actor, GoalAdded, GoalStatus, NeedsPair, Target, WinLogged
from mentoring.pairs import end_pair
from storage.db import session_scope
from storage.models import Draft, Goal, Win
from tests.support import T0, T, pair_up

MENTOR, MENTEE, OTHER = "UMENTOR", "UMENTEE", "UOTHER"


@pytest.fixture
def pair(engine):
    return pair_up(engine)


def keep_note(engine, actor, text, now) -> int:
    with session_scope(engine) as session:
        return keep_note_in(session, actor, text, now)


def _rows(engine, model):
    with session_scope(engine) as session:
        return session.exec(select(model)).all()


def test_goals_are_numbered_per_pair_and_dated(engine, pair) -> None:
    """Goals get 1, 2, … in their pair; a `by` clause becomes the target date."""
    first = capture(
        engine, Actor(MENTEE), Kind.GOAL, "Give a talk at PyCon by March 2027", Target(), T0
    )
    second = capture(engine, Actor(MENTOR), Kind.GOAL, "Ship the CLI in 3 months", Target(), T0)
    assert isinstance(first, GoalAdded) and isinstance(second, GoalAdded)
    assert (first.goal.number, first.goal.text, str(first.goal.due_on)) == (
        1,
        "Give a talk at PyCon",
        "2027-03-31",
    )
    assert (second.goal.number, str(second.goal.due_on)) == (2, "2027-02-21")


@pytest.mark.parametrize(
    ("kind", "text", "reason"),
    [
        (Kind.GOAL, "   ", "Say what you want"),
        (Kind.GOAL, "x" * 5000, "5,000 characters"),
        (Kind.GOAL, "Ship by 31/31/2027", "couldn't read the date"),
        (Kind.WIN, "", "Say what happened"),
        (Kind.WIN, "y" * 5000, "5,000 characters"),
        (Kind.WIN, "Did it worked:", "Say what worked"),
        (Kind.WIN, "Two goals #1 #2", "one goal at most"),
        (Kind.WIN, "Shipped #9", "no goal #9"),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(engine, pair, kind, text, reason) -> None:
    """Each kind of bad input gets a clear reason and leaves no row behind."""
    with pytest.raises(InvalidInput if "#9" not in text else NotFound, match=reason):
        capture(engine, Actor(MENTEE), kind, text, Target(), T0)
    assert _rows(engine, Goal) == [] and _rows(engine, Win) == [] and _rows(engine, Draft) == []


def test_emoji_survive_the_round_trip(engine, pair) -> None:
    """Emoji (unicode and :shortcodes:) are stored and returned as typed."""
    logged = capture(engine, Actor(MENTEE), Kind.WIN, "Shipped 🚀 :tada: 日本語", Target(), T0)
    assert isinstance(logged, WinLogged)
    assert _rows(engine, Win)[0].text == "Shipped 🚀 :tada: 日本語"


def test_win_links_a_goal_and_records_what_worked(engine, pair) -> None:
    """`#n` links goal n; `worked:` is kept apart from what happened."""
    capture(engine, Actor(MENTEE), Kind.GOAL, "Give a talk by June 2027", Target(), T0)
    logged = capture(
        engine,
        Actor(MENTEE),
        Kind.WIN,
        "Submitted my CFP #1 worked: a friend's review",
        Target(),
        T0,
    )
    assert isinstance(logged, WinLogged)
    assert (logged.win.text, logged.win.worked, logged.win.goal.number) == (
        "Submitted my CFP",
        "a friend's review",
        1,
    )


def test_an_ambiguous_capture_keeps_a_draft_until_a_pair_is_chosen(engine, pair) -> None:
    """Someone in two pairs is asked which; the text waits as a draft and is used once."""
    pair_up(engine, mentor=MENTEE, mentee=OTHER, channel="C2")
    asked = capture(engine, Actor(MENTEE), Kind.GOAL, "Lead a project by 2027-06-01", Target(), T0)
    assert isinstance(asked, NeedsPair) and len(asked.choices) == 2
    assert _rows(engine, Goal) == []
    with pytest.raises(NotAllowed):  # someone else's click on the same draft
        use_draft(engine, Actor(OTHER), asked.draft_id, T0, pair_id=pair.id)
    chosen = use_draft(engine, Actor(MENTEE), asked.draft_id, T0, pair_id=pair.id)
    assert isinstance(chosen, GoalAdded) and chosen.pair.id == pair.id
    with pytest.raises(NotFound, match="already saved"):  # a double click
        use_draft(engine, Actor(MENTEE), asked.draft_id, T0, pair_id=pair.id)
    assert len(_rows(engine, Goal)) == 1


def test_a_note_can_become_a_win_or_be_dismissed(engine, pair) -> None:
    """A DM note is kept; the person turns it into a win, or dismisses it."""
    note = keep_note(engine, Actor(MENTEE), "Gave the demo, went well", T0)
    logged = use_draft(engine, Actor(MENTEE), note, T0, kind=Kind.WIN)
    assert isinstance(logged, WinLogged) and logged.win.text == "Gave the demo, went well"
    other = keep_note(engine, Actor(MENTEE), "thanks!", T0)
    discard_draft(engine, Actor(MENTEE), other, T0)
    with pytest.raises(NotFound):
        use_draft(engine, Actor(MENTEE), other, T0, kind=Kind.WIN)


def test_a_refused_draft_stays_kept(engine, pair) -> None:
    """When the text can't be saved as chosen, the draft is still there to try again."""
    note = keep_note(engine, Actor(MENTEE), "z" * 4000, T0)
    with pytest.raises(InvalidInput):
        use_draft(engine, Actor(MENTEE), note, T0, kind=Kind.GOAL)
    assert _rows(engine, Draft)[0].status == "pending"


def test_goal_status_changes_and_undo(engine, pair) -> None:
    """done/drop by number, undo restores, a stale undo changes nothing."""
    capture(engine, Actor(MENTEE), Kind.GOAL, "Give a talk", Target(), T0)
    changed = goals.set_goal_status(engine, Actor(MENTOR), 1, GoalStatus.DONE, Target(), T(days=1))
    assert (changed.goal.status, changed.previous, changed.goal.closed_at) == (
        GoalStatus.DONE,
        GoalStatus.OPEN,
        T(days=1),
    )
    with pytest.raises(InvalidInput, match="already done"):
        goals.set_goal_status(engine, Actor(MENTEE), 1, GoalStatus.DONE, Target(), T0)
    with pytest.raises(NotFound, match="no goal 7"):
        goals.set_goal_status(engine, Actor(MENTEE), 7, GoalStatus.DONE, Target(), T0)
    undone = goals.revert_goal_status(
        engine, Actor(MENTEE), changed.goal.id, GoalStatus.DONE, GoalStatus.OPEN, T0
    )
    assert undone.goal.status == GoalStatus.OPEN and undone.goal.closed_at is None
    with pytest.raises(InvalidInput, match="changed since"):
        goals.revert_goal_status(
            engine, Actor(MENTEE), changed.goal.id, GoalStatus.DONE, GoalStatus.OPEN, T0
        )


def test_an_ended_pair_is_readable_but_not_writable(engine, pair) -> None:
    """After the end, both can list goals; nothing can be added or changed."""
    capture(engine, Actor(MENTEE), Kind.GOAL, "Give a talk", Target(), T0)
    end_pair(engine, Actor(MENTOR), pair.id, T(days=1))
    listing = goals.list_goals(engine, Actor(MENTOR), Target())
    assert [goal.text for goal in listing.goals] == ["Give a talk"] and not listing.pair.active
    with pytest.raises(NotAllowed, match="ended on 2026-11-22; its history is read-only"):
        capture(engine, Actor(MENTEE), Kind.WIN, "Another", Target(), T0)
    with pytest.raises(NotAllowed, match="read-only"):
        goals.set_goal_status(engine, Actor(MENTEE), 1, GoalStatus.DONE, Target(), T0)


def test_only_the_author_can_take_back_or_repost_a_win(engine, pair) -> None:
    """Undo and repost check the win's author; the mentor can't delete the mentee's win."""
    logged = capture(engine, Actor(MENTEE), Kind.WIN, "Shipped", Target(), T0)
    assert isinstance(logged, WinLogged)
    wins.record_announcement(engine, logged.win.id, None, "not_in_channel")
    with pytest.raises(NotAllowed):
        wins.take_back_win(engine, Actor(MENTOR), logged.win.id)
    assert wins.win_to_repost(engine, Actor(MENTEE), logged.win.id).win.id == logged.win.id
    wins.record_announcement(engine, logged.win.id, "1.000200", None)
    with pytest.raises(InvalidInput, match="already posted"):
        wins.win_to_repost(engine, Actor(MENTEE), logged.win.id)
    removed = wins.take_back_win(engine, Actor(MENTEE), logged.win.id)
    assert removed.announce_ts == "1.000200" and _rows(engine, Win) == []

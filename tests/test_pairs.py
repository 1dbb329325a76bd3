"""Pairing rules and which pair a request means."""

import pytest

from mentoring import pairs
from mentoring.errors import AmbiguousPair, InvalidInput, NoPair, NotAllowed, NotFound
from mentoring.model import Actor, Role, Target
from storage.db import session_scope
from tests.support import T0, T, pair_up

pytestmark = pytest.mark.both_backends

MENTOR, MENTEE, OTHER, ADMIN = "UMENTOR", "UMENTEE", "UOTHER", "UADMIN"


def _pair(engine, mentor=MENTOR, mentee=MENTEE, channel="C1", actor=None):
    return pair_up(engine, mentor, mentee, channel, actor)


def test_a_member_can_pair_and_an_outsider_cannot(engine) -> None:
    """Only one of the two people (or an admin) may create their pair."""
    with pytest.raises(NotAllowed):
        _pair(engine, actor=Actor(OTHER))
    assert _pair(engine, actor=Actor(ADMIN, is_admin=True)).mentor_id == MENTOR


def test_pairing_refuses_self_duplicates_and_a_taken_channel(engine) -> None:
    """Same person twice, the same two again, or a channel in use: refused, nothing stored."""
    _pair(engine)
    with pytest.raises(InvalidInput, match="two different people"):
        _pair(engine, mentor=MENTEE, mentee=MENTEE, channel="C2")
    with pytest.raises(InvalidInput, match="already mentors"):
        _pair(engine, channel="C2")
    with pytest.raises(InvalidInput, match="already the shared channel"):
        _pair(engine, mentor=OTHER, mentee=MENTEE, channel="C1")
    assert len(pairs.summaries(engine, MENTEE, T0)) == 1


def test_resolve_prefers_to_person_then_channel_then_the_only_pair(engine) -> None:
    """`to @person` and the shared channel pick a pair; several without a hint is ambiguous."""
    first = _pair(engine)
    second = _pair(engine, mentor=MENTEE, mentee=OTHER, channel="C2")  # MENTEE mentors OTHER
    with session_scope(engine) as session:
        assert pairs.resolve_pair(session, Actor(MENTEE), Target(with_user=OTHER)).id == second.id
        assert pairs.resolve_pair(session, Actor(MENTEE), Target(channel_id="C1")).id == first.id
        assert pairs.resolve_pair(session, Actor(MENTOR), Target()).id == first.id
        with pytest.raises(AmbiguousPair) as asked:
            pairs.resolve_pair(session, Actor(MENTEE), Target(channel_id="CELSEWHERE"))
        assert {c.role for c in asked.value.choices} == {Role.MENTOR, Role.MENTEE}
        # Wins are the mentee's: the role narrows two pairs to one.
        assert pairs.resolve_pair(session, Actor(MENTEE), Target(), role=Role.MENTEE).id == first.id


def test_resolve_never_reaches_someone_elses_pair(engine) -> None:
    """A pair id from a forged button, or `to @person` for a stranger, is refused."""
    theirs = _pair(engine)
    with session_scope(engine) as session:
        with pytest.raises(NotAllowed):
            pairs.resolve_pair(session, Actor(OTHER), Target(pair_id=theirs.id))
        with pytest.raises(NoPair):
            pairs.resolve_pair(session, Actor(OTHER), Target(with_user=MENTEE))
        with pytest.raises(NoPair, match="not in a mentorship yet"):
            pairs.resolve_pair(session, Actor(OTHER), Target(channel_id="C1"))


def test_mentors_are_told_wins_belong_to_the_mentee(engine) -> None:
    """A mentor-only person asking for the mentee role gets a clear refusal."""
    _pair(engine)
    with session_scope(engine) as session, pytest.raises(NotAllowed, match="logged by the mentee"):
        pairs.resolve_pair(session, Actor(MENTOR), Target(), role=Role.MENTEE)


def test_end_pair_by_member_or_admin_only_and_once(engine) -> None:
    """Ending needs a member or an admin; ending twice is refused."""
    pair = _pair(engine)
    with pytest.raises(NotAllowed):
        pairs.end_pair(engine, Actor(OTHER), pair.id, T(hours=1))
    ended = pairs.end_pair(engine, Actor(ADMIN, is_admin=True), pair.id, T(hours=1))
    assert not ended.active and ended.ended_at == T(hours=1)
    with pytest.raises(InvalidInput, match="already ended"):
        pairs.end_pair(engine, Actor(MENTOR), pair.id, T(hours=2))


def test_pair_to_end_by_names_channel_or_only_pair(engine) -> None:
    """`/mentor end` finds the pair by two names (admins), one name, the channel, or alone."""
    pair = _pair(engine)
    admin = Actor(ADMIN, is_admin=True)
    assert pairs.pair_to_end(engine, admin, [MENTOR, MENTEE], "CX").id == pair.id
    assert pairs.pair_to_end(engine, Actor(MENTOR), [MENTEE], "CX").id == pair.id
    assert pairs.pair_to_end(engine, Actor(MENTEE), [], "C1").id == pair.id
    with pytest.raises(NotAllowed):
        pairs.pair_to_end(engine, Actor(OTHER), [MENTOR, MENTEE], "CX")
    with pytest.raises(NotFound):
        pairs.pair_to_end(engine, admin, [MENTEE, MENTOR], "CX")


def test_summaries_list_roles_goals_and_recent_wins(engine) -> None:
    """Each of a person's pairs with their role, open goals and wins of the last 30 days."""
    from mentoring.capture import Kind, capture

    _pair(engine)
    capture(engine, Actor(MENTEE), Kind.GOAL, "Give a talk by June 2027", Target(), T0)
    capture(engine, Actor(MENTEE), Kind.WIN, "Old win", Target(), T(days=-40))
    capture(engine, Actor(MENTEE), Kind.WIN, "New win", Target(), T(days=-1))
    (summary,) = pairs.summaries(engine, MENTOR, T0)
    assert summary.role == Role.MENTOR
    assert [goal.text for goal in summary.open_goals] == ["Give a talk"]
    assert summary.recent_wins == 1

"""Storage: instants stay UTC, constraints hold, concurrent writers don't collide."""

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import select

from storage import repositories as repo
from storage.db import describe_url, session_scope
from storage.models import Goal, InboundEvent, Pair
from tests.support import T0

pytestmark = pytest.mark.both_backends


def _pair(**overrides: object) -> Pair:
    fields = dict(
        team_id="T1",
        mentor_id="U1",
        mentee_id="U2",
        channel_id="C1",
        created_by="U1",
        created_at=T0,
    )
    return Pair(**{**fields, **overrides})


def test_instants_come_back_aware_utc(engine) -> None:
    """An instant stored in any zone is read back as the same instant in UTC."""
    berlin = datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2)))
    with session_scope(engine) as session:
        session.add(_pair(created_at=berlin))
    with session_scope(engine) as session:
        stored = session.exec(select(Pair)).one()
    assert stored.created_at == berlin
    assert stored.created_at.tzinfo == UTC


def test_naive_instants_are_refused(engine) -> None:
    """A naive datetime is a bug upstream, so storing one fails loudly."""
    with pytest.raises(StatementError, match="naive datetime"), session_scope(engine) as session:
        session.add(_pair(created_at=datetime(2026, 1, 1)))
        session.flush()


def test_one_active_pair_per_mentor_and_mentee_and_per_channel(engine) -> None:
    """The database refuses a second active pair of the same people, or in the same channel."""
    with session_scope(engine) as session:
        session.add(_pair())
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(_pair(channel_id="C2"))
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(_pair(mentee_id="U3"))
    with session_scope(engine) as session:  # once ended, the same two may pair again
        pair = session.exec(select(Pair)).one()
        pair.status = "ended"
        session.add(_pair(channel_id="C2"))


def test_a_failed_block_changes_nothing(engine) -> None:
    """session_scope rolls back everything when the block raises."""
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(_pair())
        session.flush()
        raise RuntimeError("boom")
    with session_scope(engine) as session:
        assert session.exec(select(Pair)).all() == []


def test_goal_numbers_are_unique_under_concurrent_writers(engine) -> None:
    """Eight threads adding goals at once get distinct, gap-free numbers."""
    with session_scope(engine) as session:
        pair = _pair()
        session.add(pair)
    start = threading.Barrier(8)
    errors: list[Exception] = []

    def add_goals() -> None:
        start.wait()
        for _ in range(10):
            try:
                with session_scope(engine) as session:
                    number = repo.next_goal_number(session, pair.id)
                    session.add(_goal(pair.id, number))
            except Exception as error:  # a duplicate number fails the insert: report it below
                errors.append(error)

    threads = [threading.Thread(target=add_goals) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with session_scope(engine) as session:
        numbers = sorted(goal.number for goal in session.exec(select(Goal)).all())
    assert numbers == list(range(1, 81))


def _goal(pair_id: int, number: int) -> Goal:
    return Goal(pair_id=pair_id, number=number, text="g", created_by="U2", created_at=T0)


def test_a_duplicate_event_id_met_only_on_insert_is_counted(engine, monkeypatch) -> None:
    """A duplicate id first met on insert is counted, and the transaction survives (savepoint)."""
    with session_scope(engine) as session:
        repo.record_event(session, _event())
    with session_scope(engine) as session:
        real_get = session.get
        looks: list[tuple[object, ...]] = []

        def get_missing_at_first_look(*args, **kwargs):  # type: ignore[no-untyped-def]
            looks.append(args)
            return None if len(looks) == 1 else real_get(*args, **kwargs)

        monkeypatch.setattr(session, "get", get_missing_at_first_look)
        existing = repo.record_event(session, _event())
        assert existing is not None and existing.deliveries == 2
        assert len(looks) == 2  # the insert was tried, and failed, between the two looks
        assert session.exec(select(Pair)).all() == []  # PostgreSQL: the transaction isn't aborted
    with session_scope(engine) as session:
        assert session.get(InboundEvent, "Ev1").deliveries == 2


def _event() -> InboundEvent:
    return InboundEvent(event_id="Ev1", event_type="message", payload="{}", received_at=T0)


def test_url_description() -> None:
    """URLs are shown without passwords."""
    assert "s3cret" not in describe_url("postgresql+psycopg://bot:s3cret@db/mentorbot")

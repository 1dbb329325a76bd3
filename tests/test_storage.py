"""Storage: instants stay UTC, constraints hold, concurrent writers don't collide."""

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError
from sqlmodel import select

from storage import repositories as repo
from storage import spool
from storage.db import (
    describe_url,
    make_engine,
    read_scope,
    session_scope,
)
from storage.models import Goal, InboundEvent, Pair, Work
from tests.support import T0
from workqueue import queue

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


def _hold_write_lock(engine, holding: threading.Event, release: threading.Event) -> None:
    """Another connection's write transaction, kept open until `release`."""
    with session_scope(engine) as session:
        session.add(_pair())
        session.flush()
        holding.set()
        release.wait(10)


def test_a_read_scope_does_not_wait_for_a_writer(sqlite_file) -> None:
    """A read (an App Home) runs while another connection writes, seeing what was committed;
    a write has to wait for the lock (and, told not to wait, fails at once)."""
    holding, release = threading.Event(), threading.Event()
    writer = threading.Thread(target=_hold_write_lock, args=(sqlite_file, holding, release))
    writer.start()
    try:
        assert holding.wait(10)
        with read_scope(sqlite_file) as session:
            assert session.exec(select(Pair)).all() == []  # the writer has not committed
        impatient = make_engine(str(sqlite_file.url), lock_wait=0)
        with pytest.raises(OperationalError, match="locked"), session_scope(impatient) as session:
            session.exec(select(Pair)).all()
        impatient.dispose()
    finally:
        release.set()
        writer.join()
    with read_scope(sqlite_file) as session:
        assert len(session.exec(select(Pair)).all()) == 1


def test_the_spool_never_waits_for_the_databases_write_lock(sqlite_file, spool_writers) -> None:
    """On SQLite the ack path appends to the spool: a worker's transaction holding the
    database's write lock keeps no ack waiting. The next claim takes the work in, with the
    values stored."""
    writer_store = spool_writers(sqlite_file)
    holding, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(sqlite_file, holding, release))
    holder.start()
    try:
        assert holding.wait(10)
        writer_store.store("flow", "{}", T0, key="k1")  # returns: stored, while the lock is held
    finally:
        release.set()
        holder.join()
    assert queue.backlog(sqlite_file, T0).waiting == 1
    (claimed,) = queue.claim(sqlite_file, "w1", T0, 10)
    with read_scope(sqlite_file) as session:
        (work,) = session.exec(select(Work)).all()
    assert (work.id, work.key, work.flow, work.received_at, work.attempts) == (
        claimed.id,
        "k1",
        "flow",
        T0,
        1,
    )  # written as a line of the spool, read back through the ORM


def test_group_commit_waits_for_the_write_lock_then_stores(sqlite_file, group_commits) -> None:
    """Another writer holds the database: the group commit waits for the lock and stores once
    it is free."""
    writer_store = group_commits(sqlite_file)
    holding, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(sqlite_file, holding, release))
    holder.start()
    assert holding.wait(10)
    stored = threading.Event()
    storing = threading.Thread(
        target=lambda: (writer_store.store("flow", "{}", T0, key="k1"), stored.set())
    )
    storing.start()
    assert not stored.wait(0.2), "stored while another connection held the write lock"
    release.set()
    holder.join()
    storing.join(10)
    assert stored.is_set()
    assert [c.flow for c in queue.claim(sqlite_file, "w1", T0, 10)] == ["flow"]


def test_group_commit_wakes_the_workers_once_a_batch_after_its_commit(
    sqlite_file, group_commits
) -> None:
    """One request waits on the locked database while nineteen more come in: two commits, and
    the workers are woken once after each, when its rows can be claimed — not once a
    request."""
    woken: list[int] = []
    writer_store = group_commits(
        sqlite_file, committed=lambda: woken.append(queue.backlog(sqlite_file, T0).waiting)
    )
    holding, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(sqlite_file, holding, release))
    holder.start()
    assert holding.wait(10)

    def store(count: int) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=writer_store.store, args=("flow", "{}", T0))
            for _ in range(count)
        ]
        for thread in threads:
            thread.start()
        return threads

    def until(condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 10
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.005)

    first = store(1)
    until(lambda: not writer_store._pending)  # its thread has the turn, waiting for the lock
    rest = store(19)
    until(lambda: len(writer_store._pending) == 19)
    release.set()
    holder.join()
    for thread in first + rest:
        thread.join(10)
    until(lambda: len(woken) == 2)  # the wake follows the acks
    assert woken == [1, 20]


@pytest.mark.parametrize("kind", ["spool", "group commit"])
def test_every_row_is_stored_and_claimed_once_from_many_threads(
    kind, sqlite_file, spool_writers, group_commits, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forty threads store at once while a worker claims (and, for the spool, while it is
    sealed and trimmed): every row is stored and claimed exactly once, a key delivered twice
    included, and nothing taken in is left in the spool's files."""
    monkeypatch.setattr(spool, "TRIM_EVERY", 0.01)
    writer_store = (spool_writers if kind == "spool" else group_commits)(sqlite_file)
    keys = [f"k{n}" for n in range(400)] + ["k7", "k7"]  # Slack retried k7, twice over

    def store(chunk: list[str]) -> None:
        for key in chunk:
            writer_store.store("flow", "{}", T0, key=key)

    threads = [threading.Thread(target=store, args=(keys[n::40],)) for n in range(40)]
    for thread in threads:
        thread.start()
    claimed: list[int] = []
    while any(thread.is_alive() for thread in threads):
        claimed += [c.id for c in queue.claim(sqlite_file, "w1", T0, 50)]
    claimed += [c.id for c in queue.claim(sqlite_file, "w1", T0, 500)]
    with read_scope(sqlite_file) as session:
        stored = session.exec(select(Work.key, Work.id)).all()
    assert sorted(key for key, _ in stored) == sorted(set(keys))
    assert sorted(claimed) == sorted(work_id for _, work_id in stored)  # each once
    deadline = time.monotonic() + 10
    while _spooled_count(sqlite_file) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _spooled_count(sqlite_file) == 0


def _spooled_count(engine) -> int:
    """The lines the spool's files hold, taken in or not."""
    path = spool.spool_path(engine)
    return len(spool.read(path, spool.Place(0, 0), limit=None)[0]) if os.path.isdir(path) else 0


def test_group_commit_hands_the_turn_on_after_a_failed_commit(
    sqlite_file, group_commits, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit that fails refuses its requests' acks; the next request still gets the turn
    and is stored (a turn never handed on would hang every ack after it)."""
    writer_store = group_commits(sqlite_file)
    commit = writer_store._commit
    failures = iter([sqlite3.OperationalError("disk I/O error")])

    def failing_once(rows: list) -> None:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        commit(rows)

    monkeypatch.setattr(writer_store, "_commit", failing_once)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        writer_store.store("flow", "{}", T0, key="lost")
    writer_store.store("flow", "{}", T0, key="kept")
    assert [c.flow for c in queue.claim(sqlite_file, "w1", T0, 10)] == ["flow"]
    with read_scope(sqlite_file) as session:
        assert session.exec(select(Work.key)).all() == ["kept"]


def test_group_commit_acks_what_it_stored_when_waking_the_workers_fails(
    sqlite_file, group_commits, caplog: pytest.LogCaptureFixture
) -> None:
    """The wake is a courtesy (the workers poll): its failure is logged, and the request,
    whose row is stored, is not refused."""

    def broken_pipe() -> None:
        raise BrokenPipeError("worker gone")

    writer_store = group_commits(sqlite_file, committed=broken_pipe)
    writer_store.store("flow", "{}", T0, key="k1")
    assert queue.backlog(sqlite_file, T0).waiting == 1
    assert "workers not woken" in caplog.messages

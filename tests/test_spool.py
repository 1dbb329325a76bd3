"""The spool (SQLite): work the serving process stored in its own file is taken into the work
table exactly once, by the claims, and deleted from the spool once taken; health, erasure and
a spool made afresh all see it."""

import json
import os
import threading
import time

import pytest
from sqlalchemy import Engine, select

from mentoring import forgetting
from mentoring.model import Actor
from storage import spool
from storage.db import make_engine, read_scope
from storage.models import Work
from tests.conftest import GroupCommits
from tests.support import T0, T
from workqueue import queue

MENTEE = "UMENTEE01"


def spooled(engine: Engine) -> list[tuple[int, str | None, str]]:
    """What the spool file holds: (id, key, payload) of each row."""
    reader = make_engine(f"sqlite:///{spool.spool_path(engine)}")
    with reader.connect() as connection:
        rows = connection.execute(
            select(spool.SPOOL.c.id, spool.SPOOL.c.key, spool.SPOOL.c.payload)
        ).all()
    reader.dispose()
    return [tuple(row) for row in rows]


def work_rows(engine: Engine) -> list[tuple[str | None, str]]:
    with read_scope(engine) as session:
        return [(w.key, w.payload) for w in session.exec(select(Work).order_by(Work.id)).scalars()]


def test_only_sqlite_files_have_a_spool(sqlite_file: Engine) -> None:
    assert spool.spool_path(sqlite_file) == f"{sqlite_file.url.database}-spool"
    assert spool.spool_path(make_engine("sqlite://")) is None
    assert spool.spool_path(make_engine("postgresql+psycopg://u@localhost/db")) is None


def test_each_spooled_row_is_taken_in_once_and_a_retried_delivery_not_at_all(
    sqlite_file: Engine,
    group_commits: GroupCommits,
) -> None:
    writer = group_commits(sqlite_file)
    writer.store("flow:a", "{}", T0, key="event-1")
    writer.store("flow:a", "{}", T0, key="event-1")  # Slack retried: the spool keeps one
    writer.store("flow:b", "{}", T0)
    queue.enqueue(sqlite_file, "flow:c", "{}", T0, key="event-2")  # stored without the spool
    writer.store("flow:c", "{}", T0, key="event-2")  # …and delivered again through it
    assert queue.backlog(sqlite_file, T0).waiting == 4  # two in the table, three in the spool
    claimed = queue.claim(sqlite_file, "w1", T0, 10)
    assert sorted(c.flow for c in claimed) == ["flow:a", "flow:b", "flow:c"]
    assert queue.claim(sqlite_file, "w2", T0, 10) == []  # nothing taken in twice
    assert [key for key, _ in work_rows(sqlite_file)] == ["event-2", "event-1", None]
    assert spool.taken_so_far(sqlite_file) == max(row[0] for row in spooled(sqlite_file))


def test_a_long_backlog_is_taken_in_over_several_claims(
    sqlite_file: Engine, group_commits: GroupCommits, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spool, "TAKE_AT_MOST", 3)
    writer = group_commits(sqlite_file)
    for n in range(5):
        writer.store("flow:a", "{}", T0, key=f"k{n}")
    assert len(queue.claim(sqlite_file, "w1", T0, 10)) == 3
    assert queue.backlog(sqlite_file, T0).waiting == 2  # still in the spool
    assert len(queue.claim(sqlite_file, "w1", T0, 10)) == 2
    assert [key for key, _ in work_rows(sqlite_file)] == [f"k{n}" for n in range(5)]


def test_rows_taken_in_are_trimmed_and_the_rest_kept(
    sqlite_file: Engine, group_commits: GroupCommits
) -> None:
    writer = group_commits(sqlite_file)
    writer.store("flow:a", "{}", T0, key="k1")
    queue.claim(sqlite_file, "w1", T0, 10)
    writer.store("flow:b", "{}", T0, key="k2")  # not taken in yet
    assert spool.trim(sqlite_file) == 1
    assert [key for _, key, _ in spooled(sqlite_file)] == ["k2"]
    assert [c.flow for c in queue.claim(sqlite_file, "w1", T0, 10)] == ["flow:b"]


def test_the_writer_deletes_the_rows_taken_in_and_keeps_the_rest(
    sqlite_file: Engine, group_commits: GroupCommits
) -> None:
    """The serving process deletes what the workers took in (a few rows after each batch,
    the rest once no request waits): the spool keeps only work not taken in."""
    writer = group_commits(sqlite_file)
    for n in range(100):
        writer.store("flow:a", "{}", T0, key=f"taken-{n}")
    assert len(queue.claim(sqlite_file, "w1", T0, 200)) == 100
    writer.store("flow:b", "{}", T0, key="not-taken")
    deadline = time.monotonic() + 10
    while len(spooled(sqlite_file)) > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [key for _, key, _ in spooled(sqlite_file)] == ["not-taken"]


def test_a_spool_made_afresh_starts_past_the_rows_taken_in(
    sqlite_file: Engine, group_commits: GroupCommits
) -> None:
    """A removed spool (an operator tidying files) is made again by the next serving process;
    its ids start past the mark, so its work is not mistaken for work taken in already."""
    first = group_commits(sqlite_file)
    for n in range(3):
        first.store("flow:old", "{}", T0, key=f"old-{n}")
    assert len(queue.claim(sqlite_file, "w1", T0, 10)) == 3
    first.spool.dispose()
    for end in ("", "-wal", "-shm"):
        path = f"{spool.spool_path(sqlite_file)}{end}"
        if os.path.exists(path):
            os.remove(path)
    spool._engine_on.cache_clear()  # the readers' cached engine was on the removed file
    group_commits(sqlite_file).store("flow:new", "{}", T0, key="new")
    assert spooled(sqlite_file)[0][0] > 3
    assert [c.flow for c in queue.claim(sqlite_file, "w1", T0, 10)] == ["flow:new"]


def test_health_counts_spooled_work_with_its_due_time(
    sqlite_file: Engine, group_commits: GroupCommits
) -> None:
    writer = group_commits(sqlite_file)
    writer.store("flow:a", "{}", T(minutes=-5))
    writer.store("flow:b", "{}", T(hours=1))  # not due yet (as stored, due when received)
    backlog = queue.backlog(sqlite_file, T0)
    assert (backlog.waiting, backlog.oldest_due_at) == (1, T(minutes=-5))


def test_forgetting_someone_reaches_work_still_in_the_spool(
    sqlite_file: Engine, group_commits: GroupCommits
) -> None:
    """What a person typed that is still in the spool — acknowledged, not yet taken in — is
    erased with the rest: from the work table and from the spool file."""
    words = "my secret promotion plan"
    task = {"origin": {"user_id": MENTEE}, "args": [words]}
    group_commits(sqlite_file).store("flow:win", json.dumps(task), T0, key="typed")
    forgetting.forget(sqlite_file, Actor(MENTEE), MENTEE, MENTEE, T0)
    assert work_rows(sqlite_file) == []
    assert spooled(sqlite_file) == []


def test_closing_stops_the_trimmer_and_a_late_store_still_commits(
    sqlite_file: Engine, group_commits: GroupCommits
) -> None:
    """The serving process closes its writer once it takes no more requests: the trimmer
    thread ends. A request that was still finishing and stores afterwards is not lost."""
    before = set(threading.enumerate())
    writer = group_commits(sqlite_file)
    (trimmer,) = set(threading.enumerate()) - before
    writer.store("flow:a", "{}", T0, key="before")
    writer.close()
    assert not trimmer.is_alive()
    writer.store("flow:b", "{}", T0, key="after")
    assert [key for _, key, _ in spooled(sqlite_file)] == ["before", "after"]

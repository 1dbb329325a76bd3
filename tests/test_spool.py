"""The spool (SQLite): the lines the serving process appends are taken into the work table
exactly once, by the claims, and deleted once taken; no line written late is passed over;
health, erasure, a spool made afresh, a crash cut and a second serving process are handled."""

import json
import multiprocessing
import os
import shutil
import sqlite3
import threading
import time

import pytest
from sqlalchemy import Engine, select

from mentoring import forgetting
from mentoring.model import Actor
from storage import spool
from storage.db import make_engine, read_scope, session_scope
from storage.models import Work, WorkIntake
from tests.conftest import SpoolWriters
from tests.support import T0, T
from workqueue import queue

MENTEE = "UMENTEE01"


def spooled(engine: Engine) -> list[str | None]:
    """The keys of every line the spool's files hold, taken in or not."""
    records, _ = spool.read(spool.spool_path(engine), spool.Place(0, 0), limit=None)
    return [record.key for record in records]


def on_disk(engine: Engine) -> bytes:
    """Every byte of every segment."""
    path = spool.spool_path(engine)
    return b"".join(open(spool.segment_file(path, n), "rb").read() for n in spool.segments(path))


def work_keys(engine: Engine) -> list[str | None]:
    with read_scope(engine) as session:
        return list(session.exec(select(Work.key).order_by(Work.id)).scalars())


def test_only_sqlite_files_have_a_spool(sqlite_file: Engine) -> None:
    assert spool.spool_path(sqlite_file) == f"{sqlite_file.url.database}-spool"
    assert spool.spool_path(make_engine("sqlite://")) is None
    assert spool.spool_path(make_engine("postgresql+psycopg://u@localhost/db")) is None


def test_each_line_is_taken_in_once_and_a_retried_delivery_not_at_all(
    sqlite_file: Engine, spool_writers: SpoolWriters
) -> None:
    writer = spool_writers(sqlite_file)
    writer.store("flow:a", "{}", T0, key="event-1")
    writer.store("flow:a", "{}", T0, key="event-1")  # Slack retried: appended, counted once
    writer.store("flow:b", "{}", T0)
    queue.enqueue(sqlite_file, "flow:c", "{}", T0, key="event-2")  # stored without the spool
    writer.store("flow:c", "{}", T0, key="event-2")  # …and delivered again through it
    assert queue.backlog(sqlite_file, T0).waiting == 5  # one in the table, four lines spooled
    claimed = queue.claim(sqlite_file, "w1", T0, 10)
    assert sorted(c.flow for c in claimed) == ["flow:a", "flow:b", "flow:c"]
    assert queue.claim(sqlite_file, "w2", T0, 10) == []  # nothing taken in twice
    assert work_keys(sqlite_file) == ["event-2", "event-1", None]
    assert queue.backlog(sqlite_file, T0).waiting == 0
    assert spool.taken_so_far(sqlite_file) == spool.Place(1, len(on_disk(sqlite_file)))


def test_what_people_typed_is_kept_as_typed(
    sqlite_file: Engine, spool_writers: SpoolWriters
) -> None:
    """Newlines, quotes, emoji and right-to-left text in a payload stay inside their line."""
    payload = json.dumps({"text": 'line one\nline "two"\r\n\u2028🎉 שלום \\n'})
    spool_writers(sqlite_file).store("flow:win", payload, T(minutes=3), key="odd")
    (claimed,) = queue.claim(sqlite_file, "w1", T(minutes=3), 10)
    with read_scope(sqlite_file) as session:
        work = session.get(Work, claimed.id)
    assert (work.payload, work.received_at) == (payload, T(minutes=3))


def test_a_long_backlog_is_taken_in_over_several_claims(
    sqlite_file: Engine, spool_writers: SpoolWriters, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spool, "TAKE_AT_MOST", 3)
    writer = spool_writers(sqlite_file)
    for n in range(5):
        writer.store("flow:a", "{}", T0, key=f"k{n}")
    assert len(queue.claim(sqlite_file, "w1", T0, 10)) == 3
    assert queue.backlog(sqlite_file, T0).waiting == 2  # still in the spool
    assert len(queue.claim(sqlite_file, "w1", T0, 10)) == 2
    assert work_keys(sqlite_file) == [f"k{n}" for n in range(5)]


def test_the_writer_seals_what_was_taken_in_and_deletes_it_once_taken_whole(
    sqlite_file: Engine, spool_writers: SpoolWriters
) -> None:
    writer = spool_writers(sqlite_file)
    writer.store("flow:a", "{}", T0, key="k1")
    assert writer.trim() == 0  # nothing taken in: the segment is left as it is
    assert spool.segments(writer.path) == [1]
    queue.claim(sqlite_file, "w1", T0, 10)
    writer.store("flow:b", "{}", T0, key="k2")  # into segment 1, not taken in yet
    assert writer.trim() == 0  # sealed (segment 2 is the newest now), but k2 is not taken in
    writer.store("flow:c", "{}", T0, key="k3")
    assert spool.segments(writer.path) == [1, 2]
    assert spooled(sqlite_file) == ["k1", "k2", "k3"]
    assert [c.flow for c in queue.claim(sqlite_file, "w1", T0, 10)] == ["flow:b", "flow:c"]
    assert writer.trim() == 2  # segment 2 sealed, as some of it is taken in; both taken whole
    assert spool.segments(writer.path) == [3]
    assert spooled(sqlite_file) == []
    writer.store("flow:d", "{}", T0, key="k4")
    assert spooled(sqlite_file) == ["k4"]
    assert [c.flow for c in queue.claim(sqlite_file, "w1", T0, 10)] == ["flow:d"]


def test_a_line_written_while_its_segment_is_sealed_is_not_passed_over(
    sqlite_file: Engine, spool_writers: SpoolWriters
) -> None:
    """An append that began before the writer moved to a new segment ends after it: the seal
    waits for it, and until the segment is sealed no reader moves past it — the line written
    late is taken in, and so is the line after it in the new segment."""
    writer = spool_writers(sqlite_file)
    writer.store("flow:a", "{}", T0, key="first")
    queue.claim(sqlite_file, "w1", T0, 10)
    old = writer._segment
    old.writing.append(None)  # an append under way to segment 1
    sealing = threading.Thread(target=writer.trim)
    sealing.start()
    while writer._segment is old:
        sealing.join(0.001)
    writer.store("flow:c", "{}", T0, key="after")  # into segment 2
    assert queue.claim(sqlite_file, "w1", T0, 10) == []  # segment 1 is not sealed yet
    os.write(old.fd, spool.line_of("late", "flow:b", "{}", T0))  # the append ends
    old.writing.pop()
    sealing.join(10)
    assert not sealing.is_alive()
    assert [c.flow for c in queue.claim(sqlite_file, "w1", T0, 10)] == ["flow:b", "flow:c"]


def test_a_spool_made_afresh_starts_past_the_lines_taken_in(
    sqlite_file: Engine, spool_writers: SpoolWriters
) -> None:
    """A removed spool (an operator tidying files) is made again by the next serving process;
    its first segment comes after the mark, so its lines are not mistaken for lines taken in."""
    first = spool_writers(sqlite_file)
    for n in range(3):
        first.store("flow:old", "{}", T0, key=f"old-{n}")
    assert len(queue.claim(sqlite_file, "w1", T0, 10)) == 3
    first.close()
    shutil.rmtree(first.path)
    second = spool_writers(sqlite_file)
    second.store("flow:new", "{}", T0, key="new")
    assert spool.segments(second.path) == [2]
    assert [c.flow for c in queue.claim(sqlite_file, "w1", T0, 10)] == ["flow:new"]


def test_a_second_serving_process_is_refused_and_the_next_goes_on_where_the_first_stopped(
    sqlite_file: Engine, spool_writers: SpoolWriters
) -> None:
    first = spool_writers(sqlite_file)
    first.store("flow:a", "{}", T0, key="k1")
    with pytest.raises(spool.SpoolBusy):
        spool_writers(sqlite_file)
    first.close()
    with pytest.raises(spool.SpoolClosed):  # not acknowledged: Slack sends it again
        first.store("flow:late", "{}", T0, key="late")
    spool_writers(sqlite_file).store("flow:b", "{}", T0, key="k2")
    assert spooled(sqlite_file) == ["k1", "k2"]
    assert [c.flow for c in queue.claim(sqlite_file, "w1", T0, 10)] == ["flow:a", "flow:b"]


def _run_until(running, done) -> None:  # type: ignore[no-untyped-def]
    running.set()
    done.wait(30)


def test_a_child_forked_by_the_serving_process_does_not_hold_its_lock(
    sqlite_file: Engine, spool_writers: SpoolWriters
) -> None:
    """The serving process forks its workers while its writer is open: were the child to keep
    the lock's descriptor, a serving process started after this one died would be refused
    for as long as the child lived."""
    writer = spool_writers(sqlite_file)
    context = multiprocessing.get_context("fork")
    running, done = context.Event(), context.Event()
    child = context.Process(target=_run_until, args=(running, done))
    child.start()
    try:
        assert running.wait(30)  # forked, and past what runs in a child at its fork
        writer.close()
        spool_writers(sqlite_file).store("flow:a", "{}", T0, key="k1")  # not refused
    finally:
        done.set()
        child.join(10)
    assert spooled(sqlite_file) == ["k1"]


def test_a_line_cut_short_by_a_crash_is_passed_over_and_the_lines_after_it_taken_in(
    sqlite_file: Engine, spool_writers: SpoolWriters, caplog: pytest.LogCaptureFixture
) -> None:
    first = spool_writers(sqlite_file)
    first.store("flow:a", "{}", T0, key="k1")
    path = spool.segment_file(first.path, 1)
    first.close()
    with open(path, "ab") as segment:
        segment.write(spool.line_of("torn", "flow:x", "{}", T0)[:25])  # a power cut, mid-line
    spool_writers(sqlite_file).store("flow:b", "{}", T0, key="k2")
    assert [c.flow for c in queue.claim(sqlite_file, "w1", T0, 10)] == ["flow:a", "flow:b"]
    assert "spool line not readable; passed over" in caplog.messages


def test_a_disk_full_mid_line_refuses_the_ack_and_spoils_no_other_line(
    sqlite_file: Engine, spool_writers: SpoolWriters, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = spool_writers(sqlite_file)
    write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: write(fd, data[:20]))
    with pytest.raises(OSError, match="only part of a line"):
        writer.store("flow:lost", "{}", T0, key="lost")
    monkeypatch.setattr(os, "write", write)
    writer.store("flow:kept", "{}", T0, key="kept")
    assert [c.flow for c in queue.claim(sqlite_file, "w1", T0, 10)] == ["flow:kept"]


def test_health_counts_spooled_work_from_the_first_not_taken_in(
    sqlite_file: Engine, spool_writers: SpoolWriters
) -> None:
    writer = spool_writers(sqlite_file)
    writer.store("flow:a", "{}", T(minutes=-9), key="taken")
    queue.claim(sqlite_file, "w1", T0, 10)  # taken in, and claimed (leased past T0)
    writer.store("flow:b", "{}", T(minutes=-5), key="k1")
    writer.trim()  # segment 1 sealed: the rest go to segment 2
    writer.store("flow:c", "{}", T(minutes=-1), key="k2")
    writer.store("flow:c", "{}", T(minutes=-1), key="k2")  # Slack retried it
    assert spool.waiting(sqlite_file) == (3, T(minutes=-5))
    backlog = queue.backlog(sqlite_file, T0)
    assert (backlog.waiting, backlog.oldest_due_at) == (3, T(minutes=-5))


def test_forgetting_someone_reaches_work_still_in_the_spool(
    sqlite_file: Engine, spool_writers: SpoolWriters
) -> None:
    """What a person typed that is still in the spool — acknowledged, not yet taken in — is
    erased with the rest: from the work table at once, and from the spool's files by the
    serving process's next trim (it holds the newest segment)."""
    words = "my secret promotion plan"
    task = {"origin": {"user_id": MENTEE}, "args": [words]}
    writer = spool_writers(sqlite_file)
    writer.store("flow:win", json.dumps(task), T0, key="typed")
    forgetting.forget(sqlite_file, Actor(MENTEE), MENTEE, MENTEE, T0)
    assert work_keys(sqlite_file) == []
    writer.trim()
    assert words.encode() not in on_disk(sqlite_file)
    assert spooled(sqlite_file) == []


def test_forgetting_someone_takes_in_the_whole_backlog_first(
    sqlite_file: Engine, spool_writers: SpoolWriters, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Work still in the spool past what one claim takes in would reach the work table after
    the erasure, what the person typed with it."""
    monkeypatch.setattr(spool, "TAKE_AT_MOST", 2)
    writer = spool_writers(sqlite_file)
    for n in range(5):
        task = {"origin": {"user_id": MENTEE}, "args": [f"secret {n}"]}
        writer.store("flow:win", json.dumps(task), T0, key=f"typed-{n}")
    forgetting.forget(sqlite_file, Actor(MENTEE), MENTEE, MENTEE, T0)
    assert queue.claim(sqlite_file, "w1", T0, 10) == []
    assert work_keys(sqlite_file) == []


def test_forgetting_with_no_serving_process_deletes_the_spools_copy_itself(
    sqlite_file: Engine, spool_writers: SpoolWriters
) -> None:
    words = "my secret promotion plan"
    task = {"origin": {"user_id": MENTEE}, "args": [words]}
    writer = spool_writers(sqlite_file)
    writer.store("flow:win", json.dumps(task), T0, key="typed")
    writer.close()
    forgetting.forget(sqlite_file, Actor(MENTEE), MENTEE, MENTEE, T0)
    assert work_keys(sqlite_file) == []
    assert words.encode() not in on_disk(sqlite_file)


def test_closing_stops_the_writers_threads(
    sqlite_file: Engine, spool_writers: SpoolWriters
) -> None:
    before = set(threading.enumerate())
    writer = spool_writers(sqlite_file, committed=lambda: None)
    threads = set(threading.enumerate()) - before
    assert sorted(thread.name for thread in threads) == ["spool-trimmer", "spool-waker"]
    writer.close()
    assert not any(thread.is_alive() for thread in threads)


def test_an_earlier_builds_sqlite_spool_is_taken_in_and_removed(
    sqlite_file: Engine, spool_writers: SpoolWriters
) -> None:
    """Earlier builds kept the spool as a SQLite file at the spool's path: the rows it held
    past the mark are copied into `work` as they were, and the file goes."""
    path = spool.spool_path(sqlite_file)
    earlier = sqlite3.connect(path)
    earlier.execute(
        "CREATE TABLE work (id INTEGER PRIMARY KEY AUTOINCREMENT, key VARCHAR(200) UNIQUE, "
        "flow VARCHAR(200), payload TEXT, status VARCHAR(16), received_at DATETIME, "
        "next_at DATETIME, claimed_by VARCHAR(200), claimed_at DATETIME, attempts INTEGER, "
        "reason VARCHAR(200), finished_at DATETIME)"
    )
    stamp = "2026-03-02 09:00:00.000000"
    earlier.executemany(
        "INSERT INTO work (key, flow, payload, status, received_at, next_at, attempts) "
        "VALUES (?, ?, '{}', 'waiting', ?, ?, 0)",
        [("taken", "flow:a", stamp, stamp), ("left", "flow:b", stamp, stamp)],
    )
    earlier.commit()
    earlier.close()
    with session_scope(sqlite_file) as session:
        session.add(WorkIntake(id=spool.INTAKE_ROW, taken_to=1))  # row 1 was taken in
    spool_writers(sqlite_file)
    assert os.path.isdir(path)
    assert work_keys(sqlite_file) == ["left"]
    (claimed,) = queue.claim(sqlite_file, "w1", T0, 10)
    assert claimed.flow == "flow:b"


def test_the_workers_are_woken_once_for_the_lines_written_during_a_wake(
    sqlite_file: Engine, spool_writers: SpoolWriters, caplog: pytest.LogCaptureFixture
) -> None:
    """No request thread waits on the pipes to the workers: one wake covers every line written
    while the last was under way, and none is missed. A wake that fails is logged (the workers
    poll as well) and the next one still happens."""
    release = threading.Event()
    woken: list[int] = []

    def wake() -> None:
        woken.append(queue.backlog(sqlite_file, T0).waiting)
        release.wait(10)
        if len(woken) == 1:
            raise BrokenPipeError("worker gone")

    writer = spool_writers(sqlite_file, committed=wake)
    writer.store("flow:a", "{}", T0, key="k0")
    while not woken:
        release.wait(0.001)
    for n in range(1, 20):
        writer.store("flow:a", "{}", T0, key=f"k{n}")
    release.set()
    while len(woken) < 2:
        time.sleep(0.001)
    writer.close()
    assert woken == [1, 20]
    assert "workers not woken" in caplog.messages


def test_a_spool_removed_while_serving_refuses_acks_until_the_writer_makes_it_again(
    sqlite_file: Engine, spool_writers: SpoolWriters, caplog: pytest.LogCaptureFixture
) -> None:
    """An operator removes the spool's directory under a running bot: a line written to the
    removed file would never be taken in, so its request is refused (Slack sends it again)
    until the writer's next trim makes the spool again."""
    writer = spool_writers(sqlite_file)
    writer.store("flow:a", "{}", T0, key="k1")
    queue.claim(sqlite_file, "w1", T0, 10)
    shutil.rmtree(writer.path)
    with pytest.raises(spool.SpoolGone):
        writer.store("flow:lost", "{}", T0, key="refused")
    writer.trim()
    assert "spool removed while serving; made again" in caplog.messages
    writer.store("flow:b", "{}", T0, key="k2")
    assert [c.flow for c in queue.claim(sqlite_file, "w1", T0, 10)] == ["flow:b"]
    with pytest.raises(spool.SpoolBusy):  # the lock was made again with it
        spool_writers(sqlite_file)


@pytest.mark.parametrize(
    ("payload", "now", "refused"),
    [
        ('{"text": "half an emoji \ud83c"}', T0, UnicodeEncodeError),  # a lone surrogate
        ("{}", T0.replace(tzinfo=None), ValueError),  # a time without its zone
    ],
)
def test_what_the_database_could_not_take_is_refused_before_it_is_written(
    sqlite_file: Engine, spool_writers: SpoolWriters, payload: str, now, refused
) -> None:
    """Refused at the ack (Slack sends it again), not written to stop every claim after it."""
    writer = spool_writers(sqlite_file)
    with pytest.raises(refused):
        writer.store("flow:bad", payload, now, key="bad")
    writer.store("flow:good", "{}", T0, key="good")
    assert spooled(sqlite_file) == ["good"]
    assert [c.flow for c in queue.claim(sqlite_file, "w1", T0, 10)] == ["flow:good"]

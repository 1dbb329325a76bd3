"""On SQLite, the log beside the database where the serving process appends the work it
acknowledges: the spool.

SQLite has one write lock per database file, and workers take it for every rule they apply: an
ack that inserted into the database would wait behind them. So the serving process writes each
request's work as one line appended to a file of its own, with one write() call: a few
microseconds, under no lock another process takes, with nothing to wait for. Written before the
ack, a line outlives the process; as with the database (WAL, synchronous=NORMAL), a power cut
may lose the last lines written.

The spool is a directory, `<database>-spool`, of numbered segments (`000000000001.log`, …); the
serving process appends to the newest. A line is a JSON array in UTF-8: [key, flow,
received_at, payload]. Workers take the lines into the `work` table as they claim (`take_in`,
in the claim's transaction). How far they have taken is kept in the database's `workintake`
row — a place: a segment and a byte offset in it — and moves with the rows it copies, so each
line is taken in exactly once; a delivery Slack retried finds its key in `work` already and
changes nothing.

A reader takes complete lines only (a line ends with its newline, written in the same call), and
moves past a segment only once the segment is sealed: read-only, after the serving process
started the next one and the appends under way to it ended. So a line written late is never
passed over. Every TRIM_EVERY the serving process seals the newest segment once some of it has
been taken in, and deletes the segments taken in whole: what people typed stays on disk only
until the workers have it. One serving process writes a spool: it holds the `lock` file for as
long as it runs, and a second is refused (SpoolBusy).

PostgreSQL locks rows, not the database: there the serving process inserts into `work` itself
(workqueue.batching).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import sqlite3
import stat
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from storage.db import reader_of, session_scope
from storage.models import Work, WorkIntake

logger = logging.getLogger("mentorbot.spool")

SUFFIX = "-spool"
LOCK_FILE = "lock"
SEGMENT_SUFFIX = ".log"
SEGMENT_DIGITS = 12
OFFSET_BITS = 40  # a place is stored as one integer: segment << OFFSET_BITS | offset
INTAKE_ROW = 1  # the one `workintake` row
WORK = Work.__table__  # type: ignore[attr-defined]
TAKE_AT_MOST = 1000  # lines a claim takes in (a long backlog is taken over several claims)
READ_CHUNK = 256 * 1024  # bytes read at a time
TRIM_EVERY = 1.0  # seconds between the serving process's seals and deletes
WAKE_EVERY = 0.005  # seconds between two wakes of the workers at the most
SEAL_WAIT = 0.0005  # seconds between looks for the appends under way to a segment being sealed
WRITABLE = stat.S_IRUSR | stat.S_IWUSR  # the newest segment's mode
SEALED = stat.S_IRUSR  # a sealed segment's


class SpoolBusy(Exception):
    """Another process writes this spool already (a second serving process on one SQLite
    database): it is refused rather than let two writers share the files."""


class SpoolGone(Exception):
    """The segment written to was removed (an operator removed the spool while the bot ran): no
    worker would find the line, so the request is not acknowledged (Slack sends it again) and
    the writer makes the spool again at its next trim."""


class SpoolClosed(Exception):
    """A store after the serving process closed its spool: the request is not acknowledged
    (Slack sends it again) rather than written where nothing takes it in."""


@dataclass(frozen=True, order=True)
class Place:
    """A place in the spool: everything before `offset` in segment `segment`, and every
    segment before it, is taken in."""

    segment: int
    offset: int

    @classmethod
    def unpack(cls, mark: int) -> Place:
        return cls(mark >> OFFSET_BITS, mark & ((1 << OFFSET_BITS) - 1))

    def pack(self) -> int:
        return self.segment << OFFSET_BITS | self.offset

    def partly_in(self, segment: int) -> bool:
        """Whether the mark is inside `segment` (some of it, perhaps all, is taken in): sealed,
        it can be deleted once the rest is taken in too."""
        return self.segment == segment and self.offset > 0


def spool_path(engine: Engine) -> str | None:
    """The spool's directory for a SQLite database file; None for PostgreSQL or a database in
    memory (one process: it stores its work in `work` directly)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return f"{url.database}{SUFFIX}"


def taken_so_far(engine: Engine) -> Place:
    """How far the database has taken the spool in (committed)."""
    with reader_of(engine).connect() as connection:
        taken = connection.execute(
            select(WorkIntake.taken_to).where(WorkIntake.id == INTAKE_ROW)
        ).scalar()
    return Place.unpack(int(taken or 0))


def take_in(session: Session) -> int:
    """Copy the spool's lines not taken in yet (the first TAKE_AT_MOST) into `work`, in
    `session`'s write transaction on the database, and move the mark past them; how many lines
    it read. A line whose key is in `work` already (a retried delivery) is not copied again."""
    path = spool_path(session.get_bind())  # type: ignore[arg-type]
    if path is None or not os.path.isdir(path):
        return 0
    intake = session.get(WorkIntake, INTAKE_ROW)
    since = Place.unpack(intake.taken_to if intake is not None else 0)
    records, place = read(path, since, TAKE_AT_MOST)
    if place == since:
        return 0
    if records:
        session.execute(
            sqlite_insert(WORK).on_conflict_do_nothing(index_elements=["key"]),
            [record.row() for record in records],
        )
    if intake is None:
        session.add(WorkIntake(id=INTAKE_ROW, taken_to=place.pack()))
    else:
        intake.taken_to = place.pack()
    session.flush()
    return len(records)


def waiting(engine: Engine) -> tuple[int, datetime | None]:
    """Work in the spool not taken in yet: how many lines (a delivery Slack retried counts
    each time it came), and when the first of them was received (work is due when received).
    The health check asks this in the serving process, so it reads only the first line and
    counts the others' newlines: its cost stays small however long the backlog."""
    path = spool_path(engine)
    if path is None or not os.path.isdir(path):
        return 0, None
    place = taken_so_far(engine)
    count, first = 0, None
    for number in segments(path):
        if number < place.segment:
            continue
        try:
            segment = open(segment_file(path, number), "rb")  # noqa: SIM115 (closed below)
        except FileNotFoundError:  # deleted: it was taken in whole
            continue
        with segment:
            segment.seek(place.offset if number == place.segment else 0)
            if first is None:
                line = segment.readline()
                record = _record(line) if line.endswith(b"\n") else None
                first = record.received_at if record is not None else None
                count += line.endswith(b"\n")
            while chunk := segment.read(READ_CHUNK):
                count += chunk.count(b"\n")
    return count, first


def trim(engine: Engine) -> int:
    """Delete the segments the database has taken in whole; how many. Run where no process
    serves (the lock is free), it first seals the newest segment if any of it is taken in, so
    that all of it can go; while one serves, that process seals within TRIM_EVERY."""
    path = spool_path(engine)
    if path is None or not os.path.isdir(path):
        return 0
    try:
        with _WriterLock(path):
            taken = taken_so_far(engine)
            numbers = segments(path)
            if numbers and taken.partly_in(numbers[-1]):
                os.close(_create(path, numbers[-1] + 1))
                os.chmod(segment_file(path, numbers[-1]), SEALED)
    except SpoolBusy:
        pass
    return _delete_taken(path, taken_so_far(engine))


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    key: str | None
    flow: str
    received_at: datetime
    payload: str

    def row(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "flow": self.flow,
            "payload": self.payload,
            "status": "waiting",
            "received_at": self.received_at,
            "next_at": self.received_at,
            "attempts": 0,
        }


def line_of(key: str | None, flow: str, payload: str, now: datetime) -> bytes:
    """A record as the spool holds it: one line of JSON in UTF-8. A newline in what people
    typed is escaped, and no byte of a character in UTF-8 is a newline, so nothing ends the
    line early. What the database could not take refuses the ack here rather than stop every
    claim later: a naive time (ValueError), a lone surrogate (UnicodeEncodeError)."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass an aware instant (UTC)")
    return (json.dumps([key, flow, now.isoformat(), payload], ensure_ascii=False) + "\n").encode()


def read(path: str, since: Place, limit: int | None) -> tuple[list[Record], Place]:
    """The records after `since` (at most `limit`), and the place after the last line read. A
    sealed segment read to its end is passed for the next; an unsealed one ends the reading
    (an append to it may be under way). A line that cannot be read (cut short by a power cut)
    is logged and passed over."""
    records: list[Record] = []
    place = since
    for number in segments(path):
        if number < place.segment:
            continue
        start = place.offset if number == place.segment else 0
        try:
            segment = open(segment_file(path, number), "rb")  # noqa: SIM115 (closed below)
        except FileNotFoundError:  # deleted: it was taken in whole
            continue
        with segment:
            sealed = not os.fstat(segment.fileno()).st_mode & stat.S_IWUSR  # before reading
            segment.seek(start)
            end = start
            for line, end in _lines(segment, start, until_end=sealed):
                record = _record(line)
                if record is None:
                    logger.warning(
                        "spool line not readable; passed over",
                        extra={"segment": number, "offset": end - len(line)},
                    )
                else:
                    records.append(record)
                if limit is not None and len(records) >= limit:
                    return records, Place(number, end)
        if not sealed:
            return records, Place(number, end)
        place = Place(number + 1, 0)
    return records, place


def _lines(segment: Any, start: int, *, until_end: bool) -> Iterator[tuple[bytes, int]]:
    """The complete lines of `segment` from `start`, each with the offset after it; with
    `until_end`, a last line without its newline as well (a sealed segment: nothing more comes)."""
    offset, rest = start, b""
    while chunk := segment.read(READ_CHUNK):
        rest += chunk
        *lines, rest = rest.split(b"\n")
        for line in lines:
            offset += len(line) + 1
            yield line, offset
    if until_end and rest:
        yield rest, offset + len(rest)


def _record(line: bytes) -> Record | None:
    try:
        key, flow, received, payload = json.loads(line)
        received_at = datetime.fromisoformat(received)
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    if not (
        isinstance(key, str | None)
        and isinstance(flow, str)
        and isinstance(payload, str)
        and received_at.tzinfo is not None
    ):
        return None
    return Record(key, flow, received_at, payload)


def segments(path: str) -> list[int]:
    """The numbers of the spool's segments, oldest first."""
    try:
        names = os.listdir(path)
    except FileNotFoundError:
        return []
    stems = (name.removesuffix(SEGMENT_SUFFIX) for name in names if name.endswith(SEGMENT_SUFFIX))
    return sorted(int(stem) for stem in stems if stem.isdigit())


def segment_file(path: str, number: int) -> str:
    return os.path.join(path, f"{number:0{SEGMENT_DIGITS}d}{SEGMENT_SUFFIX}")


def _delete_taken(path: str, taken: Place) -> int:
    """Delete the sealed segments taken in whole."""
    deleted = 0
    for number in segments(path):
        if number > taken.segment:
            break
        file = segment_file(path, number)
        try:
            status = os.stat(file)
            whole = number < taken.segment or status.st_size <= taken.offset
            if whole and not status.st_mode & stat.S_IWUSR:
                os.remove(file)
                deleted += 1
        except FileNotFoundError:  # deleted meanwhile by another trim
            continue
    return deleted


def _create(path: str, number: int) -> int:
    """A new, empty segment, open to append to."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    return os.open(segment_file(path, number), flags, WRITABLE)


class _WriterLock:
    """The spool's `lock` file held for writing, or SpoolBusy at once if a process holds it."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(
            os.path.join(path, LOCK_FILE), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
        )
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise SpoolBusy(path) from None

    def release(self) -> None:
        os.close(self.fd)  # the lock goes with the last descriptor of its open file

    def __enter__(self) -> _WriterLock:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


# --- writing ---------------------------------------------------------------------------------


class _Segment:
    """The newest segment as the writer holds it: its number, its descriptor, and the appends
    under way to it (one item each: list.append and list.pop are atomic under the GIL)."""

    __slots__ = ("number", "fd", "writing")

    def __init__(self, number: int, fd: int) -> None:
        self.number, self.fd = number, fd
        self.writing: list[None] = []


class Writer:
    """The serving process's end of the spool. `store` returns once its line is written (or
    raises: the request is then not acknowledged). `committed`, if given, wakes the workers:
    a thread of its own runs it for the lines written since it last ran (_wake_forever).
    Another thread seals and deletes every TRIM_EVERY."""

    def __init__(self, engine: Engine, committed: Callable[[], None] | None = None) -> None:
        path = spool_path(engine)
        if path is None:
            raise ValueError(f"{engine.url.get_backend_name()} in memory has no spool")
        self.path, self.database, self._committed = path, engine, committed
        _adopt_sqlite_spool(engine, path)
        os.makedirs(path, mode=0o700, exist_ok=True)
        self._lock: _WriterLock | None = _WriterLock(path)
        try:
            self._segment: _Segment | None = self._recover()
        except BaseException:
            self._lock.release()
            raise
        _OPEN.add(self)  # only whole writers: the fork hook closes their descriptors
        self._closing = threading.Event()
        self._wake = threading.Event()
        self._waker: threading.Thread | None = None
        if committed is not None:
            self._waker = threading.Thread(
                target=self._wake_forever, name="spool-waker", daemon=True
            )
            self._waker.start()
        self._trimmer = threading.Thread(
            target=self._trim_forever, name="spool-trimmer", daemon=True
        )
        self._trimmer.start()

    def store(self, flow: str, payload: str, now: datetime, key: str | None = None) -> None:
        line = line_of(key, flow, payload, now)
        while True:  # mark the append as under way to the segment that is still the newest
            segment = self._segment
            if segment is None:
                raise SpoolClosed(self.path)
            segment.writing.append(None)
            if segment is self._segment:
                break
            segment.writing.pop()
        try:
            written = os.write(segment.fd, line)
            if written != len(line):  # the disk is full: end the part written as a line
                with contextlib.suppress(OSError):
                    os.write(segment.fd, b"\n")
                raise OSError(errno.ENOSPC, "the spool took only part of a line")
            if not os.fstat(segment.fd).st_nlink:
                raise SpoolGone(self.path)
        finally:
            segment.writing.pop()
        if self._committed is not None and not self._wake.is_set():
            self._wake.set()  # one wake for the lines written meanwhile (see _wake_forever)

    def close(self) -> None:
        """Stop the trimmer and let go of the files, once nothing stores any more (the serving
        process stopped taking requests). A store after this raises SpoolClosed."""
        self._closing.set()
        self._wake.set()
        if self._waker is not None:
            self._waker.join(timeout=30)
        self._trimmer.join(timeout=30)
        segment, self._segment = self._segment, None
        if segment is not None:
            while segment.writing:
                time.sleep(SEAL_WAIT)
            os.close(segment.fd)
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        _OPEN.discard(self)

    def _forget_in_child(self) -> None:
        """In a child forked from this process: close our descriptors (the lock would
        otherwise be held by the child too, and outlive this process)."""
        segment, lock = self._segment, self._lock
        self._segment = self._lock = None
        for fd in (segment.fd if segment else None, lock.fd if lock else None):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _recover(self) -> _Segment:
        """The segment to append to, after a previous writer: every older segment sealed
        (its last line ended, if a crash cut it short), and the newest too if it is behind the
        database's mark (a spool made afresh or restored: its lines must not be skipped)."""
        taken = taken_so_far(self.database)
        numbers = segments(self.path)
        for number in numbers:
            _end_last_line(segment_file(self.path, number))
        newest = numbers[-1] if numbers else 0
        reuse = bool(numbers) and newest >= taken.segment and _writable(self.path, newest)
        for number in numbers:
            if not (reuse and number == newest):
                os.chmod(segment_file(self.path, number), SEALED)
        if reuse:
            flags = os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC
            return _Segment(newest, os.open(segment_file(self.path, newest), flags))
        number = max(newest, taken.segment) + 1
        return _Segment(number, _create(self.path, number))

    def _wake_forever(self) -> None:
        """Wake the workers for what was written since the last wake, at most once every
        WAKE_EVERY: a wake is a handover to this thread and a write down each worker's pipe,
        which cost a store as much again as its line when made for every one. (Waking them
        from each request thread had every thread queue for the pipes' lock, each holding it
        while it waited for the interpreter to run again.) The first line after a quiet spell
        wakes them at once."""
        while True:
            self._wake.wait()
            if self._closing.is_set():
                return
            self._wake.clear()  # before waking: a line written during the wake sets it again
            try:
                self._committed()  # type: ignore[misc]
            except Exception:  # the work is stored; the workers find it at their next poll
                logger.exception("workers not woken")
            self._closing.wait(WAKE_EVERY)

    def _trim_forever(self) -> None:
        while not self._closing.wait(TRIM_EVERY):
            try:
                self.trim()
            except Exception:  # the files stay until the next try; nothing waits on them
                logger.exception("spool not trimmed")

    def trim(self) -> int:
        """Seal the newest segment if any of it is taken in, then delete the segments taken in
        whole; how many."""
        taken = taken_so_far(self.database)
        segment = self._segment
        if segment is None:
            return 0
        if not os.fstat(segment.fd).st_nlink:
            self._make_again(segment, taken)
        elif taken.partly_in(segment.number):
            following = segment.number + 1
            self._switch(segment, _Segment(following, _create(self.path, following)))
        return _delete_taken(self.path, taken)

    def _make_again(self, gone: _Segment, taken: Place) -> None:
        """The spool was removed under us: make it again, its lock and a segment numbered past
        any the database took in from, so that the requests refused meanwhile (sent again by
        Slack) are stored."""
        logger.error("spool removed while serving; made again", extra={"path": self.path})
        os.makedirs(self.path, mode=0o700, exist_ok=True)
        earlier, self._lock = self._lock, _WriterLock(self.path)
        if earlier is not None:
            earlier.release()  # the removed lock file's
        number = max([gone.number, taken.segment, *segments(self.path)]) + 1
        self._switch(gone, _Segment(number, _create(self.path, number)))

    def _switch(self, old: _Segment, new: _Segment) -> None:
        """Append to `new` from now on, and seal `old` once the appends under way to it end."""
        self._segment = new
        while old.writing:
            time.sleep(SEAL_WAIT)
        os.fchmod(old.fd, SEALED)
        os.close(old.fd)


def _end_last_line(file: str) -> None:
    """End a segment's last line if a crash cut it short (readers pass it over): what is
    appended next starts a line of its own."""
    with open(file, "rb+") as segment:
        size = segment.seek(0, os.SEEK_END)
        if size:
            segment.seek(size - 1)
            if segment.read(1) != b"\n":
                segment.write(b"\n")


def _writable(path: str, number: int) -> bool:
    return bool(os.stat(segment_file(path, number)).st_mode & stat.S_IWUSR)


_OPEN: weakref.WeakSet[Writer] = weakref.WeakSet()  # the writers open in this process


def _forget_writers_in_child() -> None:
    for writer in list(_OPEN):
        writer._forget_in_child()


os.register_at_fork(after_in_child=_forget_writers_in_child)


def _adopt_sqlite_spool(engine: Engine, path: str) -> None:
    """Earlier builds kept the spool as a SQLite file at the same path: copy its rows not
    taken in into `work` as they are (the columns are the same), then remove it, and restart
    the mark, which counted its row ids."""
    if not os.path.isfile(path):
        return
    columns = "key, flow, payload, status, received_at, next_at, attempts"
    with session_scope(engine) as session:
        intake = session.get(WorkIntake, INTAKE_ROW)
        earlier = sqlite3.connect(path)
        try:
            rows = earlier.execute(
                f"SELECT {columns} FROM work WHERE id > ? ORDER BY id",
                (intake.taken_to if intake is not None else 0,),
            ).fetchall()
        finally:
            earlier.close()
        if rows:
            session.connection().exec_driver_sql(
                f"INSERT INTO work ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO NOTHING",
                rows,
            )
        if intake is not None:
            intake.taken_to = 0
    for end in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path + end)
    logger.warning("earlier spool file taken in and removed", extra={"rows": len(rows)})

"""Storing work from many request threads in shared transactions (group commit).

Before each ack, the serving process must have written the request's work. One transaction
per request makes concurrent requests queue for the database (SQLite has one writer at a
time) and spend their CPU on a transaction each. Here the request threads take turns to write:
a thread that finds no one writing takes the turn, inserts every row waiting (its own and
those that came meanwhile) in one statement, lets their threads go on to ack, and hands the
turn to a thread that came while it wrote. The others sleep until their row is committed.
No thread of its own writes: handing rows to a writer thread and back cost each batch two
more waits for the GIL, which the request threads parsing requests hold.

On SQLite the connection the threads write through fails at once when the lock is taken,
and tries again every half millisecond (up to 30 s): SQLite's own busy handler sleeps 1, 2,
5, 10 … 100 ms between tries (180 ms at the 99th percentile under load, all of it in the ack),
so the acks wait for the lock, not for a backoff.

On a SQLite file the serving process does not use this: it appends to its spool
(storage.spool), which no worker's transaction holds up. `work_store` picks.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage import spool
from storage.db import SQLITE_LOCK_WAIT, make_engine
from storage.models import Work

logger = logging.getLogger("mentorbot.workqueue")

MAX_BATCH = 256
LOCK_POLL = 0.0005  # seconds between tries for SQLite's write lock
TURN_WAIT = 0.002  # seconds between looks for a moment between batches (see close)


class WorkStore(Protocol):
    """Where the serving process stores each request's work before its ack."""

    def store(self, flow: str, payload: str, now: datetime, key: str | None = None) -> None: ...

    def close(self) -> None: ...


def work_store(engine: Engine, committed: Callable[[], None] | None = None) -> WorkStore:
    """The serving process's store: on a SQLite file its spool, elsewhere shared commits into
    `work`. `committed` runs once stored work can be claimed (it wakes the workers)."""
    if spool.spool_path(engine) is not None:
        return spool.Writer(engine, committed=committed)
    return GroupCommit(engine, committed=committed)


class GroupCommit:
    """`store` returns once its row is committed (or raises what the commit raised).
    `committed` runs once after each batch is (it wakes the workers: one wake for the batch,
    not one from every request thread, all queueing at once for the same pipes)."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], float] = time.monotonic,
        committed: Callable[[], None] | None = None,
    ) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        self.database = engine
        if self.sqlite:
            self.engine = make_engine(engine.url.render_as_string(hide_password=False), lock_wait=0)
        else:
            self.engine = engine
        self._clock = clock
        self._committed = committed
        # PostgreSQL: through the Core, built once (SQLite: see _commit_sqlite)
        self._insert = postgresql_insert(Work).on_conflict_do_nothing(index_elements=["key"])
        self._statement: _CompiledInsert | None = None  # SQLite: compiled on first use
        self._connection: Any = None  # SQLite: the leaders' driver connection, one at a time
        self._turns = threading.Lock()  # guards _pending and _leading
        self._pending: list[_Waiting] = []
        self._leading = False  # whether some thread holds the turn to write

    def store(self, flow: str, payload: str, now: datetime, key: str | None = None) -> None:
        waiting = _Waiting(
            {
                "flow": flow,
                "payload": payload,
                "key": key,
                "status": "waiting",
                "received_at": now,
                "next_at": now,
                "attempts": 0,
            }
        )
        with self._turns:
            self._pending.append(waiting)
            leads, self._leading = not self._leading, True
        if not leads:
            waiting.wake.acquire()  # until its row is committed, or the turn is handed to it
        if not waiting.done:
            self._lead()  # the batch taken holds this thread's own row: it is done after
        if waiting.error is not None:
            raise waiting.error

    def _lead(self) -> None:
        """With the turn: commit what is waiting in one transaction, let its threads go on to
        ack, then hand the turn to a thread that came meanwhile (or give it up)."""
        with self._turns:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        try:
            error: BaseException | None = None
            try:
                self._commit([waiting.row for waiting in batch])
            except BaseException as failure:  # every waiting request refuses its ack
                logger.exception("work not stored", extra={"rows": len(batch)})
                error = failure
            for waiting in batch:
                waiting.finish(error)
            if error is None and self._committed is not None:
                self._wake_workers()
        finally:
            self._hand_over()

    def _hand_over(self) -> None:
        with self._turns:
            if self._pending:
                self._pending[0].wake.release()  # not done: it takes the turn
            else:
                self._leading = False

    def _take_turn(self) -> None:
        """Wait for the turn to write without joining a batch (closing: between batches)."""
        while True:
            with self._turns:
                if not self._leading:
                    self._leading = True
                    return
            time.sleep(TURN_WAIT)

    def _wake_workers(self) -> None:
        try:
            self._committed()  # type: ignore[misc]
        except Exception:  # the work is stored; the workers find it at their next poll
            logger.exception("workers not woken")

    def close(self) -> None:
        """Let go of the connection, once nothing stores any more (the serving process stopped
        taking requests). A store after this still commits, on a new connection."""
        self._take_turn()
        try:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            if self.engine is not self.database:
                self.engine.dispose()
        finally:
            self._hand_over()

    def _commit(self, rows: list[dict[str, Any]]) -> None:
        if self.sqlite:
            self._commit_sqlite(rows)
            return
        with self.engine.begin() as connection:
            connection.execute(self._insert, rows)

    def _commit_sqlite(self, rows: list[dict[str, Any]]) -> None:
        """On SQLite, through the driver, as one statement inserting every row: the statement
        is compiled once per batch size and each value bound by its column's own type, as
        SQLAlchemy would, without the Core's work per statement (most of an ack's CPU).
        One statement, because each call into SQLite lets go of the GIL and must win it back
        from the request threads parsing requests, up to a switch interval (5 ms) each time:
        BEGIN, a row at a time and COMMIT made a batch of five wait 1 ms at the median and
        6 ms at the 90th percentile for 0.3 ms of work (bench/ack_latency.py)."""
        if self._statement is None:
            self._statement = _CompiledInsert(self.engine)
        self._write(self._statement.sql(len(rows)), self._statement.parameters(rows))

    def _write(self, statement: str, parameters: Sequence[Any]) -> int:
        """Run one statement (its own transaction) through SQLite's driver, trying for the
        write lock every LOCK_POLL until SQLITE_LOCK_WAIT has passed (on the group commit's clock);
        how many rows it changed."""
        deadline = self._clock() + SQLITE_LOCK_WAIT
        while True:
            if self._connection is None:
                self._connection = self.engine.raw_connection()
            try:
                return self._connection.driver_connection.execute(statement, parameters).rowcount
            except sqlite3.OperationalError as error:
                if not (_lock_taken(error) and self._clock() < deadline):
                    self._drop_connection()
                    raise
            except BaseException:
                self._drop_connection()
                raise
            time.sleep(LOCK_POLL)

    def _drop_connection(self) -> None:
        if self._connection is not None:
            self._connection.invalidate()
            self._connection = None


class _Waiting:
    """A request's row waiting for a commit. Its thread sleeps on `wake` (held from the start)
    until the row is committed or failed, or until the turn to write is handed to it."""

    __slots__ = ("row", "wake", "done", "error")

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row
        self.wake = threading.Lock()
        self.wake.acquire()
        self.done = False
        self.error: BaseException | None = None

    def finish(self, error: BaseException | None) -> None:
        self.done, self.error = True, error
        self.wake.release()


class _CompiledInsert:
    """The work insert as SQLite's driver takes it, for any number of rows: SQL text and a
    converter per column."""

    COLUMNS = ("key", "flow", "payload", "status", "received_at", "next_at", "attempts")

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect
        statement = sqlite_insert(Work).on_conflict_do_nothing(index_elements=["key"])
        compiled = statement.compile(dialect=dialect, column_keys=list(self.COLUMNS))
        self.order = tuple(compiled.positiontup or ())
        self._row = "(" + ", ".join("?" * len(self.order)) + ")"
        self._head, self._tail = str(compiled).split(self._row)  # INSERT … VALUES | ON CONFLICT …
        self._sql: dict[int, str] = {}
        table = Work.__table__  # type: ignore[attr-defined]
        self.binds = tuple(
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in self.order
        )

    def sql(self, rows: int) -> str:
        """The statement inserting `rows` rows (SQLite's driver keeps it prepared)."""
        if rows not in self._sql:
            self._sql[rows] = self._head + ", ".join([self._row] * rows) + self._tail
        return self._sql[rows]

    def parameters(self, rows: list[dict[str, Any]]) -> list[Any]:
        """Every row's values, one after another, in the statement's order."""
        return [
            bind(row[name]) if bind is not None else row[name]
            for row in rows
            for name, bind in zip(self.order, self.binds, strict=True)
        ]


def _lock_taken(error: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds the write lock."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY

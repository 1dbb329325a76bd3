"""Storing work from many request threads in shared transactions (group commit).

Before each ack, the serving process must have written the request's work. One transaction
per request makes concurrent requests queue for the database (SQLite has one writer at a
time) and spend their CPU on a transaction each. Here each request hands its row to one
writer thread and waits; the writer inserts everything waiting in one statement and one
commit, then lets them all go on to ack. The wait is the next commit — a millisecond or two.

On SQLite the writer stores into the spool, a file only it writes (storage.spool): the
workers' transactions on the database never hold up an ack. Should another process write
the spool (a second serving process, an erasure trimming it), the writer must not sleep
through the lock being free: SQLite's own busy handler sleeps 1, 2, 5, 10 … 100 ms between
tries (180 ms at the 99th percentile under load, all of it in the ack). The writer's
connection therefore fails at once when the lock is taken, and tries again every half
millisecond (up to the same 30 s): the acks wait for the lock, not for a backoff.

The writer also deletes the spool rows the workers have taken in. Deleting a few thousand rows
at once stops the writer for tens of milliseconds, and every ack arriving meanwhile with it;
so while requests come in it deletes at most TRIM_CHUNK after each batch, and all that is left
when none is waiting.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage import spool
from storage.db import SQLITE_LOCK_WAIT, make_engine
from storage.models import Work

logger = logging.getLogger("mentorbot.workqueue")
T = TypeVar("T")

MAX_BATCH = 256
LOCK_POLL = 0.0005  # seconds between tries for SQLite's write lock
TRIM_EVERY = 1.0  # seconds between reads of how far the workers took the spool in
TRIM_CHUNK = 64  # spool rows deleted at most after a batch, while requests come in


class GroupCommit:
    """`store` blocks until its row is committed (or raises what the commit raised).
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
        self.spool = spool.open_spool(engine, lock_wait=0)
        if self.spool is not None:
            self.engine = self.spool
        elif self.sqlite:  # in memory: no spool
            self.engine = make_engine(engine.url.render_as_string(hide_password=False), lock_wait=0)
        else:
            self.engine = engine
        self._clock = clock
        self._committed = committed
        self._taken_read_at = -TRIM_EVERY  # when how far the workers took in was last read
        self._taken_to = 0  # how far the workers took the spool in, when last read
        self._untrimmed = False  # whether rows taken in may be left in the spool
        # PostgreSQL: through the Core, built once (SQLite: see _commit_sqlite)
        self._insert = postgresql_insert(Work).on_conflict_do_nothing(index_elements=["key"])
        self._statement: _CompiledInsert | None = None  # SQLite: compiled on first use
        self._connection: Any = None  # SQLite: the writer's own driver connection
        self._pending: list[tuple[dict[str, Any], Future[None]]] = []
        self._ready = threading.Condition()
        self._writer = threading.Thread(target=self._write, name="work-writer", daemon=True)
        self._writer.start()

    def store(self, flow: str, payload: str, now: datetime, key: str | None = None) -> None:
        done: Future[None] = Future()
        row = {
            "flow": flow,
            "payload": payload,
            "key": key,
            "status": "waiting",
            "received_at": now,
            "next_at": now,
            "attempts": 0,
        }
        with self._ready:
            self._pending.append((row, done))
            self._ready.notify()
        done.result()

    def _write(self) -> None:
        idle_wait = TRIM_EVERY if self.spool is not None else None
        while True:
            with self._ready:
                self._ready.wait_for(lambda: bool(self._pending), timeout=idle_wait)
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            if batch:
                self._store(batch)
            if self.spool is not None:
                self._trim(everything=not batch)

    def _store(self, batch: list[tuple[dict[str, Any], Future[None]]]) -> None:
        try:
            self._commit([row for row, _ in batch])
        except Exception as error:  # every waiting request refuses its ack: nothing is lost
            logger.exception("work not stored", extra={"rows": len(batch)})
            for _, done in batch:
                done.set_exception(error)
            return
        for _, done in batch:
            done.set_result(None)
        if self._committed is not None:
            self._committed()

    def _trim(self, everything: bool) -> None:
        """Delete spool rows the workers took in: TRIM_CHUNK of them, or `everything`."""
        try:
            if self._clock() - self._taken_read_at >= TRIM_EVERY:
                self._taken_read_at = self._clock()
                taken_to = spool.taken_so_far(self.database)
                self._untrimmed = self._untrimmed or taken_to > self._taken_to
                self._taken_to = taken_to
            if not self._untrimmed:
                return
            limit = spool.ALL if everything else TRIM_CHUNK
            deleted = self._locked(
                lambda connection: (
                    connection.execute(spool.TRIM_SOME, (self._taken_to, limit)).rowcount
                )
            )
            self._untrimmed = not everything and deleted == TRIM_CHUNK
        except Exception:  # the rows stay until the next try; nothing waits on them
            logger.exception("spool not trimmed")

    def _commit(self, rows: list[dict[str, Any]]) -> None:
        if self.sqlite:
            self._commit_sqlite(rows)
            return
        with self.engine.begin() as connection:
            connection.execute(self._insert, rows)

    def _commit_sqlite(self, rows: list[dict[str, Any]]) -> None:
        """On SQLite, through the driver: the statement is compiled once and each value bound
        by its column's own type, as SQLAlchemy would, without the Core's work per statement,
        which was most of an ack's CPU (0.17 ms of a 0.5 ms ack, bench/ack_latency.py)."""
        if self._statement is None:
            self._statement = _CompiledInsert(self.engine)
        statement, parameters = self._statement.sql, self._statement.parameters(rows)
        self._locked(lambda connection: connection.executemany(statement, parameters))

    def _locked(self, statements: Callable[[sqlite3.Connection], T]) -> T:
        """Run `statements` in one write transaction through SQLite's driver, trying for the
        write lock every LOCK_POLL until SQLITE_LOCK_WAIT has passed (on the writer's clock)."""
        deadline = self._clock() + SQLITE_LOCK_WAIT
        while True:
            if self._connection is None:
                self._connection = self.engine.raw_connection()
            connection = self._connection.driver_connection
            try:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    result = statements(connection)
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                return result
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


class _CompiledInsert:
    """The work insert as SQLite's driver takes it: SQL text and a converter per column."""

    COLUMNS = ("key", "flow", "payload", "status", "received_at", "next_at", "attempts")

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect
        statement = sqlite_insert(Work).on_conflict_do_nothing(index_elements=["key"])
        compiled = statement.compile(dialect=dialect, column_keys=list(self.COLUMNS))
        self.sql = str(compiled)
        self.order = tuple(compiled.positiontup or ())
        table = Work.__table__  # type: ignore[attr-defined]
        self.binds = tuple(
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in self.order
        )

    def parameters(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [
            tuple(
                bind(row[name]) if bind is not None else row[name]
                for name, bind in zip(self.order, self.binds, strict=True)
            )
            for row in rows
        ]


def _lock_taken(error: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds the write lock."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY

"""Storing work from many request threads in shared transactions (group commit), where the
serving process stores into `work` itself: on PostgreSQL (and SQLite in memory, one process).
On a SQLite file it appends to its spool instead (storage.spool), which no worker's
transaction holds up. `work_store` picks.

Before each ack, the serving process must have written the request's work. One transaction
per request makes concurrent requests queue for the database and spend their CPU on a
transaction each. Here the request threads take turns to write: a thread that finds no one
writing takes the turn, inserts every row waiting (its own and those that came meanwhile) in
one statement, lets their threads go on to ack, and hands the turn to a thread that came while
it wrote. The others sleep until their row is committed. No thread of its own writes: handing
rows to a writer thread and back cost each batch two more waits for the GIL, which the request
threads parsing requests hold.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage import spool
from storage.models import Work

logger = logging.getLogger("mentorbot.workqueue")

MAX_BATCH = 256


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

    def __init__(self, engine: Engine, committed: Callable[[], None] | None = None) -> None:
        self.engine = engine
        self._committed = committed
        insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
        self._insert = insert(Work).on_conflict_do_nothing(index_elements=["key"])  # built once
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

    def _wake_workers(self) -> None:
        try:
            self._committed()  # type: ignore[misc]
        except Exception:  # the work is stored; the workers find it at their next poll
            logger.exception("workers not woken")

    def close(self) -> None:
        """Nothing to let go of: the rows go through the engine's own connections."""

    def _commit(self, rows: list[dict[str, Any]]) -> None:
        with self.engine.begin() as connection:
            connection.execute(self._insert, rows)


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

"""Storing work from many request threads in shared transactions (group commit).

Before each ack, the serving process must have written the request's work. One transaction
per request makes concurrent requests queue for the database (SQLite has one writer at a
time) and spend their CPU on a transaction each. Here each request hands its row to one
writer thread and waits; the writer inserts everything waiting in one statement and one
commit, then lets them all go on to ack. The wait is the next commit — a millisecond or two.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import session_scope
from storage.models import Work

logger = logging.getLogger("mentorbot.workqueue")

MAX_BATCH = 256


class GroupCommit:
    """`store` blocks until its row is committed (or raises what the commit raised)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
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
        while True:
            with self._ready:
                self._ready.wait_for(lambda: bool(self._pending))
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                self._commit([row for row, _ in batch])
            except Exception as error:  # every waiting request refuses its ack: nothing is lost
                logger.exception("work not stored", extra={"rows": len(batch)})
                for _, done in batch:
                    done.set_exception(error)
                continue
            for _, done in batch:
                done.set_result(None)

    def _commit(self, rows: list[dict[str, Any]]) -> None:
        statement = self._insert(Work).on_conflict_do_nothing(index_elements=["key"])
        with session_scope(self.engine) as session:
            session.execute(statement, rows)

"""On SQLite, the file of its own where the serving process stores the work it acknowledges.

SQLite has one write lock per database file. Workers take the database's for every rule they
apply, and a worker (running at low priority) that is descheduled while it holds the lock keeps
every ack waiting behind it. So on SQLite the serving process stores its work in a second
file beside the database, the spool, which nothing else writes in normal running: its acks
wait for no one. The spool holds a table shaped like `work` (the same columns and types).

Workers take the spool's new rows into the `work` table as they claim (`take_in`, in the
claim's transaction: how far they have taken is kept in the database's `workintake` row and
moves with the rows, so each row is taken in exactly once). They only read the spool, and in
WAL mode a reader never holds up its writer. The serving process deletes the rows taken in
(`trim`). Spool ids are never reused, even once trimmed, and a spool made afresh starts past
the rows already taken (`open_spool`).

PostgreSQL locks rows, not the database: there the serving process writes to `work` itself.
"""

from __future__ import annotations

import os
from datetime import datetime
from functools import cache

from sqlalchemy import Column, Engine, MetaData, Table, func, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from storage.db import SQLITE_LOCK_WAIT, make_engine, reader_of
from storage.models import Work, WorkIntake

SUFFIX = "-spool"
INTAKE_ROW = 1  # the one `workintake` row
WORK = Work.__table__  # type: ignore[attr-defined]
SPOOL = Table(
    "work",
    MetaData(),
    *(
        Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable, unique=c.unique)
        for c in WORK.columns
    ),
    sqlite_autoincrement=True,  # ids are never reused: `taken_to` only moves forward
)
TAKEN_COLUMNS = [column.name for column in WORK.columns if column.name != "id"]
TAKE_AT_MOST = 1000  # rows a claim takes in (a long backlog is taken over several claims)


def spool_path(engine: Engine) -> str | None:
    """The spool's file for a SQLite database file; None for PostgreSQL or a database in
    memory (one process: it stores its work in `work` directly)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return f"{url.database}{SUFFIX}"


def open_spool(engine: Engine, *, lock_wait: float = SQLITE_LOCK_WAIT) -> Engine | None:
    """The spool of `engine`'s database, made if missing, for the process that writes it
    (None where there is none: see `spool_path`). A spool made afresh — or one older than
    the database — has its ids start past the last row the database took in."""
    path = spool_path(engine)
    if path is None:
        return None
    spool = make_engine(f"sqlite:///{path}", lock_wait=lock_wait)
    taken_to = taken_so_far(engine)
    with spool.begin() as connection:
        SPOOL.create(connection, checkfirst=True)
        (last,) = connection.execute(
            text("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'work'")
        ).one()
        if last < taken_to:
            connection.execute(text("DELETE FROM sqlite_sequence WHERE name = 'work'"))
            connection.execute(
                text("INSERT INTO sqlite_sequence (name, seq) VALUES ('work', :seq)"),
                {"seq": taken_to},
            )
    return spool


def taken_so_far(engine: Engine) -> int:
    """The last spool id the database took in."""
    with reader_of(engine).connect() as connection:
        taken = connection.execute(
            select(WorkIntake.taken_to).where(WorkIntake.id == INTAKE_ROW)
        ).scalar()
    return int(taken or 0)


def take_in(session: Session) -> int:
    """Copy the spool's rows not taken yet (the first TAKE_AT_MOST) into `work`, in
    `session`'s write transaction on the database, and move the mark past them; how many rows
    it read. A row whose key is in `work` already (a retried delivery) is not copied again."""
    reader = _spool_of(session.get_bind())  # type: ignore[arg-type]
    if reader is None:
        return 0
    intake = session.get(WorkIntake, INTAKE_ROW)
    taken_to = intake.taken_to if intake is not None else 0
    with reader_of(reader).connect() as connection:
        rows = connection.execute(
            select(SPOOL).where(SPOOL.c.id > taken_to).order_by(SPOOL.c.id).limit(TAKE_AT_MOST)
        ).all()
    if not rows:
        return 0
    session.execute(
        sqlite_insert(WORK).on_conflict_do_nothing(index_elements=["key"]),
        [{name: getattr(row, name) for name in TAKEN_COLUMNS} for row in rows],
    )
    if intake is None:
        session.add(WorkIntake(id=INTAKE_ROW, taken_to=rows[-1].id))
    else:
        intake.taken_to = rows[-1].id
    session.flush()
    return len(rows)


def waiting(engine: Engine, now: datetime) -> tuple[int, datetime | None]:
    """Work in the spool not taken in yet that is due by `now`: how many, and the earliest
    due time."""
    reader = _spool_of(engine)
    if reader is None:
        return 0, None
    taken_to = taken_so_far(engine)
    with reader_of(reader).connect() as connection:
        count, oldest = connection.execute(
            select(func.count(), func.min(SPOOL.c.next_at)).where(
                SPOOL.c.id > taken_to, SPOOL.c.next_at <= now
            )
        ).one()
    return int(count), oldest


# Deleting rows taken in, through SQLite's driver: those up to id ?, at most ? of them (ALL:
# every one). The serving process's writer deletes a few at a time (workqueue.batching).
TRIM_SOME = "DELETE FROM work WHERE id IN (SELECT id FROM work WHERE id <= ? ORDER BY id LIMIT ?)"
ALL = -1  # SQLite's LIMIT -1: no limit


def trim(engine: Engine) -> int:
    """Delete the spool rows the database has taken in (they hold what people typed); how
    many."""
    spool = _spool_of(engine)
    if spool is None:
        return 0
    taken_to = taken_so_far(engine)
    with spool.begin() as connection:
        result = connection.exec_driver_sql(TRIM_SOME, (taken_to, ALL))
    return int(result.rowcount)


def _spool_of(engine: Engine) -> Engine | None:
    """An engine on the spool of `engine`'s database, if that spool exists (it is never
    made here: only the serving process makes it)."""
    path = spool_path(engine)
    if path is None or not os.path.exists(path):
        return None
    return _engine_on(path)


@cache
def _engine_on(path: str) -> Engine:
    return make_engine(f"sqlite:///{path}")

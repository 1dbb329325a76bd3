"""Engines and transactions. Nothing here runs at import time: callers build what they need."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session

from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)

SUPPORTED_BACKENDS = ("sqlite", "postgresql")


SQLITE_LOCK_WAIT = 30  # seconds a transaction waits for SQLite's write lock before failing


def make_engine(url: str, *, lock_wait: float = SQLITE_LOCK_WAIT) -> Engine:
    """An engine for `url`, configured so that concurrent writers are safe.

    SQLite: WAL, foreign keys, a busy timeout of `lock_wait` seconds, and every transaction
    opened with BEGIN IMMEDIATE so that read-then-write sequences are serialised instead of
    failing with "database is locked" half-way (pysqlite's own transaction handling is
    disabled). `lock_wait=0` fails at once when another connection writes: for a caller that
    waits its own way (workqueue.batching).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": lock_wait, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        reads_only = connection.get_execution_options().get(_READS_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")


_READS_ONLY = "mentorbot_reads_only"
_READERS: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()
_ACTIVE: ContextVar[dict[int, Session] | None] = ContextVar("mentorbot_session", default=None)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises.

    Objects stay readable after the block (expire_on_commit=False) so callers can turn them
    into plain values. Never share the session between threads.

    Inside another `session_scope` on the same engine, in the same thread, the block joins
    that transaction instead of opening one (as a savepoint, so that a block that raises still
    undoes only its own writes), and the outer block commits both. A
    piece of work uses this to commit a rule's writes together with the record that the rule
    ran (workqueue.steps), so that running the work again never repeats them.
    """
    active = _ACTIVE.get()
    if active is not None and id(engine) in active:
        joined = active[id(engine)]
        with joined.begin_nested():  # a savepoint: the block still rolls back on its own
            yield joined
        return
    with Session(engine, expire_on_commit=False) as session, session.begin():
        token = _ACTIVE.set({**(active or {}), id(engine): session})
        try:
            yield session
        finally:
            _ACTIVE.reset(token)


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A transaction that only reads (a consistent snapshot). On SQLite it does not take the
    write lock that `session_scope` takes at its start (readers never block the writer in WAL
    mode), so a long read — a whole App Home — never holds up the acks, which must write.
    Nothing may be written in it. Inside a `session_scope` on the same engine it joins that."""
    active = _ACTIVE.get()
    if active is not None and id(engine) in active:
        yield active[id(engine)]
        return
    with Session(reader_of(engine), expire_on_commit=False) as session, session.begin():
        yield session


def reader_of(engine: Engine) -> Engine:
    """`engine` for transactions that only read: on SQLite they begin without the write lock."""
    reader = _READERS.get(engine)
    if reader is None:
        reader = _READERS[engine] = engine.execution_options(**{_READS_ONLY: True})
    return reader


def init_db(engine: Engine) -> None:
    """The tables at this version's schema: set up when the database is empty, upgraded
    through the migrations otherwise (storage.schema.upgrade; safe to run again)."""
    from storage.schema import upgrade

    upgrade(engine)


# The database could not be reached (gone, restarting, its pool exhausted): trying again later
# can succeed, unlike an error in what was asked of it.
DATABASE_AWAY: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeout)


def describe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)

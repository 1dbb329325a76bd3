"""A PostgreSQL server for the tests, and a fresh database on it for each test that wants one;
the benchmarks use it too (`python -m bench.crash --backend postgresql`), which is why it is
here: tests import bench, never the other way round.

The server is `pgserver`'s (PostgreSQL shipped inside a wheel): started in a temporary
directory, in memory where there is room, tuned for throw-away data, stopped when the session
ends. TEST_DATABASE_URL
(`postgresql+psycopg://user:password@host:port/db`) uses an external server instead; its user
needs CREATEDB, and the server PostgreSQL 13 or newer (DROP DATABASE … WITH (FORCE)).

Each test database is a copy of a template that already has the tables (CREATE DATABASE …
TEMPLATE: about 17 ms in memory, against 60 ms for template0 plus create_all), and
its session time zone is far from UTC so that code relying on the server's zone shows up.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from storage.db import init_db, make_engine

if TYPE_CHECKING:
    from pgserver import PostgresServer

# +12:45 (+13:45 in summer) and on the far side of the date line: local dates differ from UTC's.
TEST_TIME_ZONE = "Pacific/Chatham"

# A tmpfs on Linux. Room for the template, the databases of the tests under way and the WAL
# between checkpoints (max_wal_size below), with some to spare; a Docker container's default
# 64 MB is not enough, and the data then goes to disk.
MEMORY_DIRECTORY = "/dev/shm"
MEMORY_NEEDED = 1 << 30

# Safe only because the data is thrown away: a crash loses it, which is fine for tests.
_THROWAWAY_SETTINGS = (
    "fsync = off",
    "synchronous_commit = off",
    "full_page_writes = off",
    "max_wal_size = '256MB'",  # each database made is written to the WAL too
)


class PostgresForTests:
    """One server for the session; `database()` lends each test its own empty database."""

    def __init__(
        self,
        admin_url: str,
        url_for: Callable[[str], str],
        stop: Callable[[], None],
        log: Path | None = None,
    ) -> None:
        # One pooled connection, checked before each use: a server restart costs one test,
        # not every test after it.
        self._admin = create_engine(
            admin_url, isolation_level="AUTOCOMMIT", pool_size=1, pool_pre_ping=True
        )
        self._url_for = url_for
        self._stop = stop
        self.log = log  # the server's log file, when the server is ours
        self._prefix = f"mentorbot_test_{uuid.uuid4().hex[:8]}"
        self._numbers = itertools.count(1)
        self._template = f"{self._prefix}_template"
        self._sql(f"CREATE DATABASE {self._template} TEMPLATE template0")
        template = make_engine(self._url_for(self._template))
        try:
            init_db(template)
        finally:
            template.dispose()  # CREATE DATABASE … TEMPLATE needs nobody connected to it

    @classmethod
    def start(cls, directory: Path) -> PostgresForTests:
        """pgserver's PostgreSQL with its data in a directory of its own, removed when the
        server stops (its log is copied to `directory`, which exists).

        That directory is in memory (MEMORY_DIRECTORY) when there is room: every test database
        is a copy of the template, some 8.6 MB, and on this project's CI machines writing that
        to disk took 360 ms a test (17 ms in memory) — over a minute of the suite. Else it is
        in the system's temporary directory. Not under `directory` itself: as root, pgserver
        runs PostgreSQL as a user of its own, which must be able to reach the data, and pytest
        makes /tmp/pytest-of-root private again whenever another session starts, and PostgreSQL
        then PANICs.
        """
        with warnings.catch_warnings():
            # platformdirs warns at import when XDG_RUNTIME_DIR is unset (CI, containers).
            warnings.simplefilter("ignore")
            import pgserver

        scratch = Path(tempfile.mkdtemp(prefix="mentorbot-postgres-", dir=_scratch_parent()))
        data = scratch / "data"
        server = None

        def stop() -> None:
            try:
                if server is not None:
                    _stop(server)
            finally:
                with contextlib.suppress(OSError):  # keep the log with the session's files
                    shutil.copy(data / "log", directory / "log")
                shutil.rmtree(scratch, ignore_errors=True)

        try:
            server = pgserver.get_server(data, cleanup_mode="stop")
            admin_url = _psycopg(server.get_uri())
            tuning = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
            with tuning.connect() as connection:
                for setting in _THROWAWAY_SETTINGS:
                    connection.exec_driver_sql(f"ALTER SYSTEM SET {setting}")
                connection.exec_driver_sql("SELECT pg_reload_conf()")
            tuning.dispose()
            return cls(
                admin_url,
                lambda name: _psycopg(server.get_uri(name)),
                stop,
                log=server.log,
            )
        except BaseException:
            stop()
            raise

    @classmethod
    def external(cls, url: str) -> PostgresForTests:
        """A server someone else runs; `url` names a database its user can connect to."""
        parsed = make_url(url)
        if parsed.get_backend_name() != "postgresql":
            raise ValueError(f"TEST_DATABASE_URL must be a postgresql+psycopg:// URL, not {url!r}")
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")

        def url_for(name: str) -> str:
            return parsed.set(database=name).render_as_string(hide_password=False)

        return cls(parsed.render_as_string(hide_password=False), url_for, lambda: None)

    @contextmanager
    def database(self) -> Iterator[str]:
        """A new database with the tables and no rows; its URL. Dropped afterwards, even if
        something (a thread, a subprocess) is still connected to it."""
        name = f"{self._prefix}_{next(self._numbers)}"
        self._sql(f"CREATE DATABASE {name} TEMPLATE {self._template}")
        try:
            self._sql(f"ALTER DATABASE {name} SET timezone TO '{TEST_TIME_ZONE}'")
            yield self._url_for(name)
        finally:
            self._sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        """Drop the template and stop the server (when it is ours)."""
        try:
            self._sql(f"DROP DATABASE IF EXISTS {self._template} WITH (FORCE)")
            self._admin.dispose()
        finally:
            self._stop()

    def _sql(self, statement: str) -> None:
        try:
            with self._admin.connect() as connection:
                connection.exec_driver_sql(statement)
        except Exception as error:
            if self.log is not None:
                error.add_note(f"PostgreSQL's log: {self.log}")
            raise


def _scratch_parent() -> str | None:
    """MEMORY_DIRECTORY when it is there with MEMORY_NEEDED free, else None (the system's
    temporary directory)."""
    try:
        free = shutil.disk_usage(MEMORY_DIRECTORY).free
    except OSError:
        return None
    if free < MEMORY_NEEDED or not os.access(MEMORY_DIRECTORY, os.W_OK):
        return None
    return MEMORY_DIRECTORY


def _stop(server: PostgresServer) -> None:
    server.cleanup()
    # Stopped now: the exit-time hook would only log, maybe into a stream pytest has closed.
    atexit.unregister(server._cleanup)


def _psycopg(uri: str) -> str:
    """pgserver's libpq URI (postgresql://postgres:@/db?host=/socket/dir) for SQLAlchemy."""
    return uri.replace("postgresql://", "postgresql+psycopg://", 1)

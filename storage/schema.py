"""The database's schema version: set up, checked and upgraded with Alembic's migrations
(storage/migrations).

Every process that serves or works checks the version at start (`ensure`): an empty database
is set up at once — there is nothing to break, and a first `make run` just works — but a
database made by an older version is never changed behind its operator's back: the process
refuses to start with one line saying to run `python -m bot db upgrade`. Upgrading is a step
of its own (`upgrade`), taken once, under a lock (PostgreSQL's advisory lock; SQLite's write
lock), so that replicas starting together never race on the same DDL.

An empty database gets the tables from the models and is stamped with the newest revision,
as Alembic's own documentation suggests: the test that compares the models with the
migrations' result (tests/test_schema.py) is what makes the two the same. A database made
before versions were kept (no `alembic_version` table) is recognised by its tables, stamped
with the version that made it, and upgraded from there.

`ensure` reads the version with plain SQL: Alembic itself (24 MB) is imported only to upgrade.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, inspect, select, text
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)

HEAD = "0009"  # the newest revision in storage/migrations/versions (a test keeps them equal)
SCRIPTS = "storage:migrations"
# Alembic's own table, declared as Alembic declares it, for reading and stamping without it.
VERSION_TABLE = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), primary_key=True),
)
ADVISORY_LOCK = 0x6D656E746F72  # "mentor": one upgrade at a time on PostgreSQL


@dataclass(frozen=True)
class Version:
    """Where a database stands: `revision` None with `empty` for a new database, None
    without it for one made before versions were kept."""

    revision: str | None
    empty: bool = False

    @property
    def current(self) -> bool:
        return self.revision == HEAD


class SchemaBehind(Exception):
    """The database was made by an older version: `db upgrade` brings it forward."""

    def __init__(self, version: Version) -> None:
        found = version.revision or "from before versions were kept"
        super().__init__(
            f"the database's schema is {found}, this version needs {HEAD}: run "
            "`python -m bot db upgrade` (after a backup), then start again."
        )


class SchemaAhead(Exception):
    """The database was upgraded by a newer version than this one."""

    def __init__(self, version: Version) -> None:
        super().__init__(
            f"the database's schema is {version.revision}, newer than this version's "
            f"({HEAD}): run the newer version, or restore the backup taken before it upgraded."
        )


def version_of(connection: Connection) -> Version:
    tables = set(inspect(connection).get_table_names())
    if VERSION_TABLE.name not in tables:
        return Version(None, empty=not (tables & set(SQLModel.metadata.tables)))
    revision = connection.execute(select(VERSION_TABLE.c.version_num)).scalar()
    return Version(revision)


def ensure(engine: Engine) -> Version:
    """For a process about to serve or work: set up an empty database; accept one at this
    version; refuse any other (SchemaBehind, SchemaAhead) without changing it."""
    with engine.begin() as connection:
        version = version_of(connection)
        if version.empty:
            _create(connection)
            return Version(HEAD)
    if version.current:
        return version
    if version.revision is not None and version.revision not in _known():
        raise SchemaAhead(version)
    raise SchemaBehind(version)


def upgrade(engine: Engine) -> tuple[Version, Version]:
    """Bring the database to this version's schema, once, under the lock; safe to run again.
    Returns where it stood before and where it stands now."""
    with engine.connect() as connection, _tables_movable(connection), connection.begin():
        _lock(connection)
        before = version_of(connection)
        if before.empty:
            _create(connection)
        elif before.revision != HEAD:
            if before.revision is not None and before.revision not in _known():
                raise SchemaAhead(before)
            _migrate(connection, before.revision or legacy_revision(connection))
        return before, version_of(connection)


@contextmanager
def _tables_movable(connection: Connection) -> Iterator[None]:
    """SQLite alters a table by copying it and dropping the old one, which its foreign keys
    forbid while they are enforced: off for the upgrade (a pragma that only takes effect
    outside a transaction, so on the driver's connection before ours begins), then on again,
    and every reference checked."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        driver.execute("PRAGMA foreign_keys=ON")
    broken = driver.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the upgrade left {len(broken)} rows pointing nowhere: {broken[:3]}")


def legacy_revision(connection: Connection) -> str:
    """The revision of a database made before versions were kept, from its tables: 0.3.0's
    development builds added the work queue, 0.2.0 reviews, and 0.1.0 had neither."""
    tables = set(inspect(connection).get_table_names())
    if "work" in tables:
        return "0003"
    if "review" in tables:
        return "0002"
    return "0001"


def history() -> list[str]:
    """Each revision, oldest first: its id and what it brought."""
    scripts = _scripts()
    return [
        f"{script.revision}  {(script.doc or '').splitlines()[0]}"
        for script in reversed(list(scripts.walk_revisions()))
    ]


def _create(connection: Connection) -> None:
    SQLModel.metadata.create_all(connection)
    VERSION_TABLE.create(connection, checkfirst=True)
    connection.execute(VERSION_TABLE.delete())
    connection.execute(VERSION_TABLE.insert().values(version_num=HEAD))


def _lock(connection: Connection) -> None:
    """PostgreSQL: wait for any other upgrade, until this transaction ends. (SQLite's
    transactions here already hold its one write lock from their start.)"""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})


def _migrate(connection: Connection, start: str) -> None:
    from alembic import command

    config = _config(connection)
    if version_of(connection).revision is None:
        command.stamp(config, start)
    command.upgrade(config, "head")


def _config(connection: Connection | None = None) -> Any:
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # loading, not news
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPTS)
    config.attributes["connection"] = connection
    return config


def _scripts() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def _known() -> set[str]:
    return {script.revision for script in _scripts().walk_revisions()}

"""A copy of a live SQLite database, taken with SQLite's online backup API.

The copy is one consistent snapshot: a single backup step runs inside one read transaction, and
in WAL mode (storage.db) a reader neither waits for the writers nor holds them up, so the bot
keeps serving while it is taken. What was committed before the step is in the copy; what is
committed after it, or is still uncommitted, is not.

The copy is written beside its final name and moved there once complete, so a half-written
backup never carries the name; a file already at that name is never replaced. The copy is a
single file in rollback-journal mode, ready to be moved or archived; the bot turns WAL back on
when it opens it after a restore.

PostgreSQL is not copied here: `pg_dump` does it, consistently, while the bot runs.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupRefused(Exception):
    """Nothing was written. `str()` is one line saying why and what to do instead."""


class BackupFailed(Exception):
    """The database could not be read, or the copy written. `str()` is one line."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size_bytes: int
    tables: int


def backup_database(url: str, target: Path) -> Backup:
    """Copy the SQLite database at `url` to `target`, a file that must not exist yet.

    Raises BackupRefused when the database is not a SQLite file (PostgreSQL, in memory) or
    `target` exists; BackupFailed when the database cannot be read or the copy written."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        raise BackupRefused(
            "db backup copies SQLite databases; for PostgreSQL use pg_dump, e.g. "
            "`pg_dump --format=custom --file=mentorbot.dump DBNAME` (docs/deploy.md, Backups)."
        )
    if backend != "sqlite" or parsed.database in (None, "", ":memory:"):
        raise BackupRefused(f"db backup needs a SQLite file; DATABASE_URL names {backend!r}.")
    source_path = Path(parsed.database).resolve()
    if not source_path.is_file():
        raise BackupFailed(f"there is no database at {source_path}: check DATABASE_URL.")
    target = Path(target)
    if target.exists():
        raise _taken(target)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        _copy(source_path, partial)
        tables = _check(partial)
        _claim(partial, target)
    except BaseException:
        for leftover in (partial, *(Path(f"{partial}{end}") for end in ("-journal", "-wal"))):
            leftover.unlink(missing_ok=True)
        raise
    return Backup(path=target, size_bytes=target.stat().st_size, tables=tables)


def _copy(source_path: Path, partial: Path) -> None:
    """One backup step of every page, from a read-only connection (it never creates the
    database nor writes to it)."""
    try:
        source = sqlite3.connect(f"{source_path.as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as error:
        raise BackupFailed(f"can't open {source_path} ({error}).") from None
    try:
        try:
            copy = sqlite3.connect(partial)
        except sqlite3.Error as error:
            raise BackupFailed(f"can't write {partial.parent} ({error}).") from None
        try:
            source.backup(copy, pages=-1)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        except sqlite3.Error as error:
            raise BackupFailed(f"the copy failed ({error}).") from None
        finally:
            copy.close()
    finally:
        source.close()


def _check(partial: Path) -> int:
    """SQLite's quick check of the copy; the number of tables in it."""
    copy = sqlite3.connect(f"{partial.resolve().as_uri()}?mode=ro", uri=True)
    try:
        verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise BackupFailed(f"the copy fails SQLite's check ({verdict}).")
        (tables,) = copy.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
        return int(tables[0])
    finally:
        copy.close()


def _claim(partial: Path, target: Path) -> None:
    """Give the complete copy its name, unless a file took that name meanwhile: a hard link
    fails where a name exists, where a rename would replace it. On a filesystem without hard
    links the name is first claimed as an empty file, then the copy moved over it."""
    try:
        os.link(partial, target)
    except FileExistsError:
        raise _taken(target) from None
    except OSError:
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            raise _taken(target) from None
        except OSError as error:
            raise BackupFailed(f"can't write {target} ({error.strerror}).") from None
        os.replace(partial, target)
        return
    partial.unlink()


def _taken(target: Path) -> BackupRefused:
    return BackupRefused(f"{target} already exists: name a new file (nothing was written).")

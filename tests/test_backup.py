"""`db backup PATH`: a consistent copy of a live SQLite database, and clear refusals."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot import cli
from storage.backup import BackupFailed, BackupRefused, backup_database
from storage.db import init_db, make_engine, session_scope
from storage.models import Goal
from tests.support import T0, pair_up

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Live:
    """A SQLite database in use by an engine made as the bot makes it (WAL)."""

    url: str
    engine: Engine
    pair_id: int


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    """The database at tmp_path/bot.db, open, with a pair and its goals 1 to 3."""
    url = f"sqlite:///{tmp_path}/bot.db"
    engine = make_engine(url)
    init_db(engine)
    pair = pair_up(engine)
    with session_scope(engine) as session:
        for number in (1, 2, 3):
            session.add(goal(pair.id, number))
    yield Live(url, engine, pair.id)
    engine.dispose()


def goal(pair_id: int, number: int, text: str | None = None) -> Goal:
    return Goal(
        pair_id=pair_id,
        number=number,
        text=text or f"goal {number}",
        created_by="U1",
        created_at=T0,
    )


def goal_texts(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            return list(session.exec(select(Goal.text).order_by(Goal.number)))
    finally:
        engine.dispose()


def test_the_copy_holds_what_was_committed_before_it_and_nothing_after(
    live: Live, tmp_path: Path
) -> None:
    """Taken while a writer holds an uncommitted row: the backup neither waits for it nor
    contains it, nor the rows committed after it; the copy opens and reads like the original."""
    url, engine, pair_id = live.url, live.engine, live.pair_id
    with session_scope(engine) as session:
        session.add(goal(pair_id, 4, "uncommitted"))
        session.flush()  # written, not committed: this transaction holds the write lock
        made = backup_database(url, tmp_path / "copy.db")
    with session_scope(engine) as session:
        session.add(goal(pair_id, 5))

    assert made.path == tmp_path / "copy.db" and made.size_bytes > 0 and made.tables >= 10
    assert goal_texts(f"sqlite:///{made.path}") == ["goal 1", "goal 2", "goal 3"]
    assert goal_texts(url) == ["goal 1", "goal 2", "goal 3", "uncommitted", "goal 5"]


def test_the_copy_is_one_self_contained_file(live: Live, tmp_path: Path) -> None:
    """No -wal or -shm beside it, nothing left half-written beside it; SQLite finds it sound."""
    url = live.url
    (tmp_path / "backups").mkdir()
    made = backup_database(url, tmp_path / "backups" / "copy.db")
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == ["copy.db"]
    copy = sqlite3.connect(made.path)
    try:
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        copy.close()


def test_a_database_nobody_has_open_is_copied_without_being_written(tmp_path: Path) -> None:
    """The source is opened read-only: its bytes are the same after the backup."""
    url = f"sqlite:///{tmp_path}/bot.db"
    engine = make_engine(url)
    init_db(engine)
    pair_up(engine)
    engine.dispose()
    before = (tmp_path / "bot.db").read_bytes()
    backup_database(url, tmp_path / "copy.db")
    assert (tmp_path / "bot.db").read_bytes() == before
    assert goal_texts(f"sqlite:///{tmp_path}/copy.db") == []


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql+psycopg://bot:secret@db/mentorbot", "for PostgreSQL use pg_dump"),
        ("sqlite://", "needs a SQLite file"),
        ("sqlite:///:memory:", "needs a SQLite file"),
    ],
)
def test_what_is_not_a_sqlite_file_is_refused(url: str, says: str, tmp_path: Path) -> None:
    """PostgreSQL (pg_dump does it) and an in-memory database: refused, nothing written."""
    with pytest.raises(BackupRefused, match=says):
        backup_database(url, tmp_path / "copy.db")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_never_replaced(live: Live, tmp_path: Path) -> None:
    """Refused, the file untouched, and no partial copy left beside it."""
    url = live.url
    (tmp_path / "copy.db").write_text("yesterday's backup")
    with pytest.raises(BackupRefused, match="already exists"):
        backup_database(url, tmp_path / "copy.db")
    assert (tmp_path / "copy.db").read_text() == "yesterday's backup"
    assert sorted(p.name for p in tmp_path.iterdir() if "copy" in p.name) == ["copy.db"]


def test_without_hard_links_the_copy_still_gets_its_name_and_replaces_nothing(
    live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a filesystem that refuses hard links the name is claimed another way, as safely."""

    def no_links(*_: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    made = backup_database(live.url, tmp_path / "copy.db")
    assert goal_texts(f"sqlite:///{made.path}") == ["goal 1", "goal 2", "goal 3"]
    with pytest.raises(BackupRefused, match="already exists"):
        backup_database(live.url, tmp_path / "copy.db")
    assert [p.name for p in tmp_path.iterdir() if "copy" in p.name] == ["copy.db"]


def test_a_missing_database_or_folder_fails_and_creates_nothing(tmp_path: Path) -> None:
    """No database at the URL: it is not created; no folder for the copy: nothing left."""
    with pytest.raises(BackupFailed, match="there is no database"):
        backup_database(f"sqlite:///{tmp_path}/gone.db", tmp_path / "copy.db")
    assert list(tmp_path.iterdir()) == []
    url = f"sqlite:///{tmp_path}/bot.db"
    init_db(make_engine(url))
    with pytest.raises(BackupFailed, match="can't write"):
        backup_database(url, tmp_path / "nowhere" / "copy.db")
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("bot.db")] == []


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`cli.main` run in an empty folder (no .env), its logging undone afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield tmp_path
    root.handlers[:], root.level = handlers, level


@pytest.mark.parametrize(
    ("argv", "url", "line"),
    [
        (
            ["db", "backup", "copy.db"],
            "postgresql+psycopg://bot:secret@db/mentorbot",
            "mentorbot: db backup copies SQLite databases; for PostgreSQL use pg_dump, e.g. "
            "`pg_dump --format=custom --file=mentorbot.dump DBNAME` (docs/deploy.md, Backups).",
        ),
        (
            ["db", "backup"],
            "sqlite:///bot.db",
            "mentorbot: db backup needs the file to write, e.g. "
            "`python -m bot db backup backups/mentorbot-2026-12-07.db`.",
        ),
        (
            ["db", "backup", "bot.db"],
            "sqlite:///bot.db",
            "mentorbot: bot.db already exists: name a new file (nothing was written).",
        ),
        (
            ["db", "upgrade", "copy.db"],
            "sqlite:///bot.db",
            "mentorbot: db upgrade takes no PATH (db backup does).",
        ),
    ],
)
def test_the_cli_refuses_in_one_line_with_exit_2(
    argv: list[str],
    url: str,
    line: str,
    in_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """PostgreSQL, no PATH, a PATH that exists, a PATH given to upgrade: one line, exit 2."""
    monkeypatch.setenv("DATABASE_URL", url)
    (in_tmp / "bot.db").write_bytes(b"")
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [line] and captured.out == ""
    assert not (in_tmp / "copy.db").exists()


def test_the_cli_says_when_the_database_is_missing_with_exit_1(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database that isn't there is an outage, not a usage error: exit 1, one line."""
    monkeypatch.setenv("DATABASE_URL", "sqlite:///gone.db")
    assert cli.main(["db", "backup", "copy.db"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"mentorbot: there is no database at {in_tmp.resolve() / 'gone.db'}: check DATABASE_URL."
    ]


def test_python_m_bot_db_backup_copies_the_database(live: Live, tmp_path: Path) -> None:
    """The command as an operator types it: exit 0, one line naming the copy; the copy reads."""
    url = live.url
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "backup", "backups-copy.db"],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO), "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Backup written: backups-copy.db (")
    assert result.stdout.rstrip().endswith(f"bytes) of {url}")
    assert goal_texts(f"sqlite:///{tmp_path}/backups-copy.db") == ["goal 1", "goal 2", "goal 3"]

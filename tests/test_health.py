"""/healthz tells the truth: a database that can't be written, a Socket Mode connection that is
down, workers that stopped claiming work, or a backlog that grows old."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from bot import health
from handlers.runtime import Services
from storage.db import init_db, make_engine
from tests.support import T0, FrozenClock, T
from workqueue import queue


@pytest.mark.both_backends
def test_a_writable_database_passes_and_keeps_nothing_of_the_probe(engine: Engine) -> None:
    """The probe writes in a transaction that is rolled back: nothing of it stays."""
    assert health.DatabaseProbe(engine)() == health.Check("database")
    assert health.PROBE_TABLE not in inspect(engine).get_table_names()


def test_a_removed_database_directory_fails_though_the_app_engine_still_answers(
    tmp_path: Path,
) -> None:
    """SQLite: the pooled connection still reads the deleted file, but the probe, on a
    connection of its own that never creates the file, fails; so does a missing file."""
    folder = tmp_path / "data"
    folder.mkdir()
    engine = make_engine(f"sqlite:///{folder}/bot.db")
    init_db(engine)
    probe = health.DatabaseProbe(engine)
    assert probe().ok
    shutil.rmtree(folder)
    with engine.connect() as connection:  # what a "SELECT 1" health check saw
        assert connection.execute(text("SELECT 1")).scalar() == 1
    failed = probe()
    assert not failed.ok and failed.problem.startswith("can't write (OperationalError")
    assert not folder.exists()  # the probe created nothing


def test_the_report_names_the_check_that_failed() -> None:
    """200 and "ok" for each check; 503 naming the failed one, with its reason."""
    assert health.report([health.Check("database"), health.Check("socket_mode")]) == (
        200,
        {"status": "ok", "database": "ok", "socket_mode": "ok"},
    )
    down = health.socket_mode(lambda: False)()
    assert health.report([health.Check("database"), down]) == (
        503,
        {
            "status": "failing",
            "database": "ok",
            "socket_mode": "error: not connected to Slack",
            "failed": ["socket_mode"],
        },
    )


def test_the_health_server_answers_only_healthz() -> None:
    """The health-only app (Socket Mode's) answers GET /healthz and 404 elsewhere."""
    app = health.wsgi([lambda: health.Check("database", "can't write (disk full)")])
    statuses: list[str] = []
    body = app({"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"}, lambda s, h: statuses.append(s))
    app({"PATH_INFO": "/slack/events", "REQUEST_METHOD": "POST"}, lambda s, h: statuses.append(s))
    assert statuses == ["503 Service Unavailable", "404 Not Found"]
    assert b'"failed": ["database"]' in body[0]


def test_work_that_waits_unclaimed_too_long_fails() -> None:
    """Nothing waiting passes; work waiting with a recent claim passes; no claim for longer
    than the limit while work waits fails (and never-claimed counts from the oldest wait)."""
    limit = timedelta(seconds=60)
    assert health.work_is_claimed(None, None, T0, limit).ok
    assert health.work_is_claimed(T0, T(seconds=30), T(seconds=80), limit).ok
    stuck = health.work_is_claimed(T0, T(seconds=10), T(seconds=80), limit)
    assert stuck == health.Check("workers", "no work claimed for 70 s while work waits")
    assert not health.work_is_claimed(T0, None, T(seconds=61), limit).ok


def test_old_waiting_work_fails() -> None:
    """The oldest waiting work may be up to the limit old; older fails, saying how old."""
    limit = timedelta(minutes=5)
    assert health.oldest_work_is_recent(None, T0, limit).ok
    assert health.oldest_work_is_recent(T0, T(minutes=5), limit).ok
    assert health.oldest_work_is_recent(T0, T(minutes=6), limit) == health.Check(
        "backlog", "the oldest waiting work is 360 s old"
    )


@pytest.mark.both_backends
def test_the_work_checks_read_the_stored_work(services: Services, clock: FrozenClock) -> None:
    """Wired to the work table: work due and unclaimed for a minute fails "workers", five
    minutes "backlog"; a claim passes both; work set to run later is not yet due."""
    workers, backlog = health.work_probes(services)
    assert workers().ok and backlog().ok
    queue.enqueue(services.engine, "flow:a", "{}", T0)
    queue.enqueue(services.engine, "flow:b", "{}", T(hours=1))  # not due for an hour
    clock.advance(seconds=61)
    assert workers() == health.Check("workers", "no work claimed for 61 s while work waits")
    clock.advance(minutes=5)
    assert backlog() == health.Check("backlog", "the oldest waiting work is 361 s old")
    (claimed,) = queue.claim(services.engine, "w1", clock(), 10)
    assert workers().ok and backlog().ok
    queue.finish(services.engine, claimed.id, "w1", clock())
    assert workers().ok and backlog().ok

"""GET /healthz: 200 when every check passes, else 503 with JSON naming the one that failed.

The checks: the database can be written (a real write in a transaction that is rolled back,
on a connection of its own); workers claim the stored work (none claimed for WORKERS_IDLE while
some is due means the workers are gone or stuck); the work due is not old (BACKLOG_AGE: the
workers fall behind); and, in Socket Mode, the connection to Slack is open.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from workqueue import queue

if TYPE_CHECKING:
    from handlers.runtime import Services

PROBE_TABLE = "mentorbot_health_probe"
WORKERS_IDLE = timedelta(seconds=60)  # workers poll every quarter second when idle
BACKLOG_AGE = timedelta(minutes=5)


@dataclass(frozen=True)
class Check:
    """One check's verdict: `problem` is None when it passed, else a short sentence."""

    name: str
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


Probe = Callable[[], Check]


def report(checks: Iterable[Check]) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON body for a set of verdicts."""
    verdicts = list(checks)
    failed = [c.name for c in verdicts if not c.ok]
    body: dict[str, Any] = {"status": "ok" if not failed else "failing"}
    body.update({c.name: "ok" if c.ok else f"error: {c.problem}" for c in verdicts})
    if failed:
        body["failed"] = failed
    return (200 if not failed else 503), body


def wsgi(probes: Iterable[Probe]) -> Callable[[dict[str, Any], Callable[..., Any]], list[bytes]]:
    """A WSGI app answering GET /healthz (and 404 anything else)."""
    probes = tuple(probes)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("PATH_INFO") != "/healthz" or environ.get("REQUEST_METHOD") != "GET":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        return respond(probes, start_response)

    return application


def respond(probes: Iterable[Probe], start_response: Callable[..., Any]) -> list[bytes]:
    """Run the probes and answer with their report."""
    status, body = report(probe() for probe in probes)
    reason = "OK" if status == 200 else "Service Unavailable"
    start_response(f"{status} {reason}", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


class DatabaseProbe:
    """Can the database be written? Each check opens a connection of its own (never a pooled one
    that may outlive the file it opened), writes in a transaction and rolls it back.

    SQLite opens the file read-write without creating it, so a database whose file or
    directory was removed fails instead of starting afresh; PostgreSQL uses the app's engine,
    whose pool checks each connection before lending it.
    """

    def __init__(self, engine: Engine) -> None:
        url = engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            uri = make_url(f"sqlite:///file:{url.database}?mode=rw&uri=true")
            self._engine = create_engine(uri, poolclass=NullPool, connect_args={"timeout": 5})
            self._sqlite = True
        else:
            self._engine = engine
            self._sqlite = False

    def __call__(self) -> Check:
        try:
            with self._engine.connect() as connection:
                if self._sqlite:
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                transaction = connection.begin() if not self._sqlite else None
                connection.execute(text(f"CREATE TABLE {PROBE_TABLE} (written INTEGER)"))
                connection.execute(text(f"INSERT INTO {PROBE_TABLE} VALUES (1)"))
                if transaction is not None:
                    transaction.rollback()
                else:
                    connection.exec_driver_sql("ROLLBACK")
        except Exception as error:  # any driver error means "not healthy"; the report says which
            first_line = str(error).splitlines()[0] if str(error) else ""
            return Check("database", f"can't write ({type(error).__name__}: {first_line})")
        return Check("database")


def socket_mode(is_connected: Callable[[], bool]) -> Probe:
    """Is the Socket Mode connection to Slack open?"""

    def probe() -> Check:
        return Check("socket_mode", None if is_connected() else "not connected to Slack")

    return probe


def work_is_claimed(
    oldest_waiting_at: datetime | None,
    last_claim_at: datetime | None,
    now: datetime,
    limit: timedelta,
) -> Check:
    """Fails when work waits and no worker has claimed any for longer than `limit` (the
    workers are gone or stuck). Nothing waiting always passes."""
    if oldest_waiting_at is None:
        return Check("workers")
    since = last_claim_at if last_claim_at is not None else oldest_waiting_at
    idle = now - since
    if idle > limit:
        waited = f"{idle.total_seconds():.0f} s"
        return Check("workers", f"no work claimed for {waited} while work waits")
    return Check("workers")


def oldest_work_is_recent(
    oldest_waiting_at: datetime | None, now: datetime, limit: timedelta
) -> Check:
    """Fails when the oldest waiting work is older than `limit` (the workers fall behind)."""
    if oldest_waiting_at is None:
        return Check("backlog")
    age = now - oldest_waiting_at
    if age > limit:
        return Check("backlog", f"the oldest waiting work is {age.total_seconds():.0f} s old")
    return Check("backlog")


def work_probes(services: Services) -> list[Probe]:
    """The two checks of the stored work, on the app's database and clock."""

    def workers() -> Check:
        now = services.clock()
        seen = queue.backlog(services.engine, now)
        return work_is_claimed(seen.oldest_due_at, seen.last_claim_at, now, WORKERS_IDLE)

    def backlog() -> Check:
        now = services.clock()
        return oldest_work_is_recent(
            queue.backlog(services.engine, now).oldest_due_at, now, BACKLOG_AGE
        )

    return [workers, backlog]

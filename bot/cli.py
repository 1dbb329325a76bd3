"""`python -m bot …` and the `mentorbot` console script."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import yaml
from dotenv import load_dotenv
from slack_bolt.error import BoltError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot import __version__, health, startup
from bot.app import build_services, create_app, with_runner
from bot.clock import system_clock
from bot.logs import configure_logging
from bot.manifest import build_manifest
from bot.processes import Children
from bot.sandbox import DIRECTORY, Sandbox
from bot.scheduler import make_dispatcher, run_scheduler
from bot.settings import Settings, SettingsError
from bot.web import WSGIApp, make_server, make_wsgi_app, shut_down
from bot.worker import WORKER_THREADS, work
from handlers.messages import replay_pending
from handlers.runtime import Services
from mentoring import digest, forgetting, inbox, nudges
from outbox.listing import ledger_lines
from storage import schema
from storage.backup import BackupFailed, BackupRefused, backup_database
from storage.db import describe_url, make_engine
from workqueue.batching import GroupCommit

logger = logging.getLogger("mentorbot")

SETUP_HINTS = {
    "SLACK_BOT_TOKEN": "OAuth & Permissions → Bot User OAuth Token (xoxb-…)",
    "SLACK_APP_TOKEN": "Basic Information → App-Level Tokens, scope connections:write (xapp-…)",
    "SLACK_SIGNING_SECRET": "Basic Information → App Credentials → Signing Secret",
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "manifest":
        print(
            yaml.safe_dump(build_manifest(args.request_url), sort_keys=False, allow_unicode=True),
            end="",
        )
        return 0
    dotenv = Path.cwd() / ".env"
    if dotenv.is_file():
        load_dotenv(dotenv, override=False)
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as error:
        print(f"mentorbot: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level_number, settings.log_format)
    if args.command == "db" and args.action == "backup":
        return _db_backup(settings, args.path)
    if args.command == "db" and args.path is not None:
        print(f"mentorbot: db {args.action} takes no PATH (db backup does).", file=sys.stderr)
        return 2
    if args.command == "db":
        return _db(settings, args.action)
    if args.command == "tick":
        return _tick(settings, args.at)
    if args.command == "deliveries":
        return _deliveries(settings, args.pair, args.limit)
    if args.command == "worker":
        return _worker(settings, args.threads)
    if args.command == "scheduler":
        return _scheduler(settings)
    if args.command == "sandbox":
        return _sandbox(settings, args.dir, args.empty)
    if args.or_sandbox and not (
        settings.bot_token or settings.app_token or settings.signing_secret
    ):
        return _sandbox(settings, Path(DIRECTORY), empty=False)  # `make run`, no Slack yet
    return _run(settings, args.mode or settings.default_mode())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mentorbot", description=__doc__)
    parser.add_argument("--version", action="version", version=f"mentorbot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the bot")
    run.add_argument(
        "--mode",
        choices=("socket", "http"),
        help="socket (default when SLACK_APP_TOKEN is set) or http (POST /slack/events)",
    )
    run.add_argument(
        "--or-sandbox",
        action="store_true",
        help="with no Slack setting at all, start the sandbox instead (what `make run` does; "
        "a deployment missing its settings still stops and says what to set)",
    )
    manifest = commands.add_parser("manifest", help="print the Slack app manifest (YAML)")
    manifest.add_argument(
        "--request-url",
        metavar="URL",
        help="public https URL of this bot for HTTP mode (default: Socket Mode)",
    )
    db = commands.add_parser("db", help="database tasks")
    db.add_argument(
        "action",
        choices=("upgrade", "init", "current", "history", "backup"),
        help="upgrade: bring the database to this version's schema, once, under a lock (init: "
        "the same); current: the schema the database is at; history: every schema version; "
        "backup PATH: copy a live SQLite database to PATH",
    )
    db.add_argument("path", nargs="?", type=Path, help="backup: the new file to write")
    tick = commands.add_parser("tick", help="run one scheduler pass, then exit")
    tick.add_argument(
        "--at",
        type=_instant,
        metavar="ISO-8601",
        help="as of this instant (e.g. 2026-11-24T13:00:00Z; no offset means UTC)",
    )
    worker = commands.add_parser(
        "worker", help="run stored work (any number, against one database); `run` starts one"
    )
    worker.add_argument("--threads", type=int, default=WORKER_THREADS, help="tasks at once")
    commands.add_parser(
        "scheduler", help="send scheduled messages (any number); `run` starts one unless told"
    )
    sandbox = commands.add_parser(
        "sandbox",
        help="try Mentorbot without Slack: the real bot and a stand-in for Slack in the browser "
        "(what `run` does when no Slack setting is there)",
    )
    sandbox.add_argument(
        "--dir",
        type=Path,
        default=Path(DIRECTORY),
        help=f"where the sandbox keeps its database, workspace and clock (default {DIRECTORY})",
    )
    sandbox.add_argument("--empty", action="store_true", help="start without the demo programme")
    listing = commands.add_parser(
        "deliveries", help="the delivery ledger: what was sent, and why not"
    )
    listing.add_argument("--pair", type=int, metavar="ID", help="only this pair")
    listing.add_argument("--limit", type=int, default=50, help="newest first (default 50)")
    return parser


def _instant(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 instant: {value!r}") from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _db(settings: Settings, action: str) -> int:
    if action == "history":
        print("\n".join(schema.history()))
        return 0
    try:
        engine = make_engine(settings.database_url)
        if action == "current":
            with engine.connect() as connection:
                version = schema.version_of(connection)
            print(_described(version))
            return 0
        before, after = schema.upgrade(engine)
    except (schema.SchemaAhead, schema.SchemaBehind) as error:
        print(f"mentorbot: {error}", file=sys.stderr)
        return 2
    except (SQLAlchemyError, ImportError) as error:
        print(f"mentorbot: DATABASE_URL: {_db_problem(error)}", file=sys.stderr)
        return 1
    where = describe_url(settings.database_url)
    if before.revision == after.revision:
        print(f"Database ready: {where}, schema {after.revision} (nothing to upgrade)")
    else:
        was = before.revision or _described(before)
        print(f"Database ready: {where}, schema {was} → {after.revision}")
    return 0


def _db_backup(settings: Settings, path: Path | None) -> int:
    """`db backup PATH`: a consistent copy of the SQLite database, taken while the bot runs."""
    if path is None:
        print(
            "mentorbot: db backup needs the file to write, e.g. "
            "`python -m bot db backup backups/mentorbot-2026-12-07.db`.",
            file=sys.stderr,
        )
        return 2
    try:
        made = backup_database(settings.database_url, path)
    except BackupRefused as error:
        print(f"mentorbot: {error}", file=sys.stderr)
        return 2
    except BackupFailed as error:
        print(f"mentorbot: {error}", file=sys.stderr)
        return 1
    print(
        f"Backup written: {made.path} ({made.tables} tables, {made.size_bytes:,} bytes) "
        f"of {describe_url(settings.database_url)}"
    )
    return 0


def _described(version: schema.Version) -> str:
    if version.empty:
        return "empty"
    if version.revision is None:
        return "unversioned (made before 0.3.0)"
    note = "" if version.current else f" (this version needs {schema.HEAD})"
    return f"{version.revision}{note}"


def _open_database(settings: Settings) -> tuple[Engine | None, int]:
    """The engine, its database at this version's schema (an empty one is set up); or None
    and the exit code, after saying in one line why the database can't be used."""
    try:
        engine = make_engine(settings.database_url)
        schema.ensure(engine)
    except (schema.SchemaAhead, schema.SchemaBehind) as error:
        print(f"mentorbot: {error}", file=sys.stderr)
        return None, 2
    except (SQLAlchemyError, ImportError) as error:
        print(f"mentorbot: DATABASE_URL: {_db_problem(error)}", file=sys.stderr)
        return None, 1
    return engine, 0


def _tick(settings: Settings, at: datetime | None) -> int:
    if not settings.bot_token:
        print(_setup_help(["SLACK_BOT_TOKEN"], "tick"), file=sys.stderr)
        return 2
    engine, refused = _open_database(settings)
    if engine is None:
        return refused
    clock = (lambda: at) if at is not None else system_clock
    nudged = nudges.plan_nudges(engine, clock())  # first, so one due now goes out in this pass
    digests = digest.plan_digests(engine, clock(), settings.coordinators)
    report = make_dispatcher(settings, engine, clock).tick(at)
    pruned = inbox.prune(engine, clock())
    ended = forgetting.delete_ended_pairs(engine, clock(), settings.delete_ended_pairs_after_days)
    print(
        report.summary()
        + (f"; planned {nudged} nudge(s)" if nudged else "")
        + (f"; planned {digests} digest(s)" if digests else "")
        + (f"; pruned {pruned} old row(s)" if pruned else "")
        + (f"; deleted {ended} ended pair(s)" if ended else "")
    )
    return 0


def _deliveries(settings: Settings, pair: int | None, limit: int) -> int:
    engine, refused = _open_database(settings)
    if engine is None:
        return refused
    lines = ledger_lines(engine, pair, limit)
    if not lines:
        print(
            "The ledger is empty: no prompt has been planned"
            + (f" for pair {pair}." if pair else ".")
        )
        return 0
    rows = [("id", "pair", "about", "kind", "to", "due (UTC)", "status", "tries", "detail")]
    for line in lines:
        rows.append(
            (
                str(line.id),
                str(line.pair_id),
                line.about,
                line.kind,
                line.audience,
                f"{line.due_at:%Y-%m-%d %H:%M}Z",
                line.status,
                str(line.attempts),
                line.detail,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True))
            + "  "
            + row[-1]
        )
    return 0


def _db_problem(error: Exception) -> str:
    if isinstance(error, ImportError):
        return f"the database driver is not installed ({error.name})"
    return f"can't open the database ({type(error).__name__}: {str(error).splitlines()[0]})"


def _run(settings: Settings, mode: str) -> int:
    """Check, start, serve until SIGTERM or SIGINT, stop. A start-up that cannot go on says why
    in one line (exit 2: configuration, 1: outage), never with a traceback and never hanging."""
    missing = settings.missing_for(mode)
    if missing:
        print(_setup_help(missing, mode), file=sys.stderr)
        return 2
    stop = threading.Event()
    _stop_on_signals(stop)
    engine, refused = _open_database(settings)
    if engine is None:
        return refused
    services = build_services(settings, engine=engine)
    deadline = startup.Deadline(settings.startup_wait_seconds, stop)
    try:
        startup.check_bot_token(settings, deadline)
        if mode == "socket":
            startup.check_app_token(settings, deadline)
    except startup.StartupError as error:
        print(f"mentorbot: {error.line}", file=sys.stderr)
        return error.exit_code
    except startup.Stopped:
        return 0
    return _serve(settings, mode, services, stop)


def _serve(
    settings: Settings,
    mode: str,
    services: Services,
    stop: threading.Event,
    started: Callable[[], None] | None = None,
) -> int:
    """Start the workers and the scheduler, then what takes Slack's requests; stop in the
    reverse order: first nothing new comes in (the Socket Mode connection closes, the HTTP
    server stops), then the children finish (workers the tasks under way, the scheduler's pass
    what is in flight). Nothing acknowledged is held here: it is stored before each ack.
    `started` runs once the children are (the sandbox starts its stand-in for Slack there)."""
    children = Children(settings, settings.workers, scheduler=settings.scheduler_enabled)
    services.engine.dispose()  # no connection of ours crosses into a child
    children.start()  # first, while this process has one thread: the children are forked
    group_commit = GroupCommit(services.engine, committed=lambda: children.wake(None))
    services = replace(with_runner(services, children), group_commit=group_commit)
    intake: Intake | None = None
    health_server: Serving | None = None
    try:
        if started is not None:
            started()
        app = create_app(settings, services)
        if not settings.scheduler_enabled:
            logger.info("scheduler disabled", extra={"setting": "SCHEDULER_ENABLED"})
        replay_pending(services)
        probes = [health.DatabaseProbe(services.engine), *health.work_probes(services)]
        if mode == "socket":
            assert settings.app_token is not None
            from bot.socket_mode import SocketMode  # aiohttp: 26 MB, for Socket Mode only

            socket = SocketMode(app, settings.app_token, settings.slack_api_url)
            intake = socket
            probes.append(health.socket_mode(socket.is_connected))
            if not socket.connect(timeout=max(5, settings.startup_wait_seconds)):
                raise startup.StartupError(
                    "the Socket Mode connection to Slack did not open: check the network or "
                    "a proxy, then start again.",
                    startup.OUTAGE,
                )
            health_server = Serving(health.wsgi(probes), settings.health_port_number)
        else:
            secret = settings.signing_secret or ""
            wsgi = make_wsgi_app(app, services.engine, secret, probes)
            intake = Serving(wsgi, settings.port)
            if settings.health_port_number != settings.port:
                health_server = Serving(health.wsgi(probes), settings.health_port_number)
        # What is alive now lives as long as the process: out of the collector's reach, a full
        # collection while serving (50 ms over the app's 100,000 objects, every request thread
        # waiting) becomes one over what requests made since.
        gc.freeze()
        logger.info(
            "starting",
            extra={"mode": mode, "port": settings.port, "health": settings.health_port_number},
        )
        stop.wait()
        logger.info("stopping")
        failure = None
    except startup.StartupError as error:
        failure = (error.line, error.exit_code)
    except BoltError as error:
        failure = (f"Slack did not accept SLACK_BOT_TOKEN ({error}).", startup.CONFIGURATION)
    except Exception as error:
        logger.exception("start-up failed")
        failure = (
            f"start-up failed ({type(error).__name__}: {error}); the log above says where.",
            startup.OUTAGE,
        )
    finally:
        if intake is not None:
            intake.stop()  # nothing new is acknowledged from here on
        children.stop()
        if health_server is not None:
            health_server.stop()
    if failure is None:
        return 0
    line, code = failure  # said last, after what the children logged as they stopped
    print(f"mentorbot: {line}", file=sys.stderr)
    return code


def _sandbox(settings: Settings, directory: Path, empty: bool) -> int:
    """The real bot against a local stand-in for Slack, with its page on PORT (3000), until
    SIGTERM or SIGINT; the demo programme is made on a first start unless `empty`."""
    stop = threading.Event()
    _stop_on_signals(stop)
    try:
        sandbox = Sandbox(settings, directory, settings.port)
    except OSError as error:
        print(f"mentorbot: can't keep the sandbox in {directory} ({error})", file=sys.stderr)
        return 2
    configure_logging(sandbox.settings.log_level_number, sandbox.settings.log_format)
    try:
        engine, refused = _open_database(sandbox.settings)
        if engine is None:
            return refused
        services = build_services(sandbox.settings, engine=engine, clock=sandbox.clock)

        def open_page() -> None:
            try:
                page = sandbox.start(engine)
            except OSError as error:
                raise startup.StartupError(
                    f"can't open the sandbox on port {settings.port} ({error.strerror}): set "
                    "PORT to a free port.",
                    startup.CONFIGURATION,
                ) from None

            def ready() -> None:
                print(f"Mentorbot sandbox: {page.origin}  (Ctrl-C stops it)", flush=True)
                if sandbox.fresh and not empty:
                    sandbox.seed_demo()

            sandbox.when_ready(ready)

        return _serve(sandbox.settings, "http", services, stop, open_page)
    finally:
        sandbox.stop()


def _worker(settings: Settings, threads: int) -> int:
    """`python -m bot worker`: run stored work until SIGTERM, then finish what runs."""
    return _alone(settings, "worker", lambda stop: work(settings, threads, stop=stop, nice=False))


def _scheduler(settings: Settings) -> int:
    """`python -m bot scheduler`: scheduled messages until SIGTERM."""
    return _alone(settings, "scheduler", lambda stop: run_scheduler(settings, stop))


def _alone(settings: Settings, name: str, body: Callable[[threading.Event], None]) -> int:
    """A worker or scheduler run on its own: check the token and the database, then run
    `body` until SIGTERM or SIGINT sets its stop."""
    if not settings.bot_token:
        print(_setup_help(["SLACK_BOT_TOKEN"], name), file=sys.stderr)
        return 2
    engine, refused = _open_database(settings)
    if engine is None:
        return refused
    engine.dispose()
    stop = threading.Event()
    _stop_on_signals(stop)
    body(stop)
    return 0


def _stop_on_signals(stop: threading.Event) -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())


class Intake(Protocol):
    """Where Slack's requests come in: stopped first when the bot stops."""

    def stop(self) -> None: ...


class Serving:
    """A waitress server on 0.0.0.0:`port`, run from a thread of its own."""

    def __init__(self, wsgi: WSGIApp, port: int) -> None:
        try:
            self.server = make_server(wsgi, "0.0.0.0", port)
        except OSError as error:
            raise startup.StartupError(
                f"can't listen on port {port} ({error.strerror}): set PORT or HEALTH_PORT to a "
                "free port.",
                startup.CONFIGURATION,
            ) from None
        self.thread = threading.Thread(target=self.server.run, name=f"http-{port}", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        shut_down(self.server)
        self.thread.join(10)


def _setup_help(missing: list[str], mode: str) -> str:
    doing = "run a scheduler pass" if mode == "tick" else f"start in {mode} mode"
    lines = [f"mentorbot: can't {doing}; these settings are missing:"]
    lines += [f"  {name:<22}{SETUP_HINTS[name]}" for name in missing]
    lines += [
        "Put them in .env (copy .env.example) or the environment.",
        *(
            ["For HTTP mode instead, set SLACK_SIGNING_SECRET and run with --mode http."]
            if mode == "socket"
            else []
        ),
        "No Slack app yet? `python -m bot manifest` prints one to paste at "
        "https://api.slack.com/apps → Create New App → From a manifest (README: Install).",
        *(
            ["To try Mentorbot without Slack first: `python -m bot sandbox`."]
            if mode != "tick"
            else []
        ),
    ]
    return "\n".join(lines)

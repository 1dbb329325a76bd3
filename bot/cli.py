"""`python -m bot …` and the `mentorbot` console script."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import yaml
from dotenv import load_dotenv
from slack_bolt.error import BoltError
from sqlalchemy.exc import SQLAlchemyError

from bot.app import build_services, create_app, with_runner
from bot.clock import system_clock
from bot.logs import configure_logging
from bot.manifest import build_manifest
from bot.scheduler import make_dispatcher, start_scheduler, stop_scheduler
from bot.settings import Settings, SettingsError
from bot.web import make_server, make_wsgi_app
from bot.worker import ProcessRunner
from handlers.messages import replay_pending
from mentoring import inbox, nudges
from outbox.listing import ledger_lines
from storage.db import describe_url, init_db, make_engine

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
    configure_logging(settings.log_level_number)
    if args.command == "db":
        return _db_init(settings)
    if args.command == "tick":
        return _tick(settings, args.at)
    if args.command == "deliveries":
        return _deliveries(settings, args.pair, args.limit)
    return _run(settings, args.mode or settings.default_mode())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mentorbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the bot")
    run.add_argument(
        "--mode",
        choices=("socket", "http"),
        help="socket (default when SLACK_APP_TOKEN is set) or http (POST /slack/events)",
    )
    manifest = commands.add_parser("manifest", help="print the Slack app manifest (YAML)")
    manifest.add_argument(
        "--request-url",
        metavar="URL",
        help="public https URL of this bot for HTTP mode (default: Socket Mode)",
    )
    db = commands.add_parser("db", help="database tasks")
    db.add_argument("action", choices=("init",), help="init: create the tables")
    tick = commands.add_parser("tick", help="run one scheduler pass, then exit")
    tick.add_argument(
        "--at",
        type=_instant,
        metavar="ISO-8601",
        help="as of this instant (e.g. 2026-11-24T13:00:00Z; no offset means UTC)",
    )
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


def _db_init(settings: Settings) -> int:
    try:
        init_db(make_engine(settings.database_url))
    except (SQLAlchemyError, ImportError) as error:
        print(f"mentorbot: DATABASE_URL: {_db_problem(error)}", file=sys.stderr)
        return 1
    print(f"Database ready: {describe_url(settings.database_url)}")
    return 0


def _open_database(settings: Settings):  # type: ignore[no-untyped-def]
    """The engine with its tables, or None after saying why the database can't be used."""
    try:
        engine = make_engine(settings.database_url)
        init_db(engine)
    except (SQLAlchemyError, ImportError) as error:
        print(f"mentorbot: DATABASE_URL: {_db_problem(error)}", file=sys.stderr)
        return None
    return engine


def _tick(settings: Settings, at: datetime | None) -> int:
    if not settings.bot_token:
        print(_setup_help(["SLACK_BOT_TOKEN"], "tick"), file=sys.stderr)
        return 2
    engine = _open_database(settings)
    if engine is None:
        return 1
    clock = (lambda: at) if at is not None else system_clock
    nudged = nudges.plan_nudges(engine, clock())  # first, so one due now goes out in this pass
    report = make_dispatcher(settings, engine, clock).tick(at)
    pruned = inbox.prune(engine, clock())
    print(
        report.summary()
        + (f"; planned {nudged} nudge(s)" if nudged else "")
        + (f"; pruned {pruned} old row(s)" if pruned else "")
    )
    return 0


def _deliveries(settings: Settings, pair: int | None, limit: int) -> int:
    engine = _open_database(settings)
    if engine is None:
        return 1
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
    missing = settings.missing_for(mode)
    if missing:
        print(_setup_help(missing, mode), file=sys.stderr)
        return 2
    try:
        services = build_services(settings)
        init_db(services.engine)
    except (SQLAlchemyError, ImportError) as error:
        print(f"mentorbot: DATABASE_URL: {_db_problem(error)}", file=sys.stderr)
        return 1
    runner = ProcessRunner(settings)
    services = with_runner(services, runner)
    scheduler = dispatcher = None
    try:
        app = create_app(settings, services)
    except BoltError as error:
        runner.close()
        print(f"mentorbot: Slack did not accept SLACK_BOT_TOKEN ({error}).", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop)
    replay_pending(services)
    if settings.scheduler_enabled:
        dispatcher = make_dispatcher(settings, services.engine, services.clock)
        scheduler = start_scheduler(dispatcher, settings)
    else:
        logger.info("scheduler disabled", extra={"setting": "SCHEDULER_ENABLED"})
    try:
        if mode == "socket":
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            logger.info("starting", extra={"mode": "socket"})
            SocketModeHandler(app, settings.app_token).start()
        else:
            wsgi = make_wsgi_app(app, services.engine, settings.signing_secret or "")
            server = make_server(wsgi, "0.0.0.0", settings.port)
            logger.info("starting", extra={"mode": "http", "port": settings.port})
            server.run()
    except KeyboardInterrupt:
        logger.info("stopping")
    finally:
        if scheduler is not None and dispatcher is not None:
            # A pass in progress records its posts in flight and hands the rest back.
            stop_scheduler(scheduler, dispatcher)
        runner.close()  # the worker finishes what was acknowledged before it stops
    return 0


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


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
    ]
    return "\n".join(lines)

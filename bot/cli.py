"""`python -m bot …` and the `mentorbot` console script."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import yaml
from dotenv import load_dotenv
from slack_bolt.error import BoltError
from sqlalchemy.exc import SQLAlchemyError

from bot.app import build_services, create_app, with_runner
from bot.logs import configure_logging
from bot.manifest import build_manifest
from bot.settings import Settings, SettingsError
from bot.web import make_server, make_wsgi_app
from bot.worker import ProcessRunner
from handlers.messages import replay_pending
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
    return parser


def _db_init(settings: Settings) -> int:
    try:
        init_db(make_engine(settings.database_url))
    except (SQLAlchemyError, ImportError) as error:
        print(f"mentorbot: DATABASE_URL: {_db_problem(error)}", file=sys.stderr)
        return 1
    print(f"Database ready: {describe_url(settings.database_url)}")
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
    try:
        app = create_app(settings, services)
    except BoltError as error:
        runner.close()
        print(f"mentorbot: Slack did not accept SLACK_BOT_TOKEN ({error}).", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop)
    replay_pending(services)
    try:
        if mode == "socket":
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            logger.info("starting", extra={"mode": "socket"})
            SocketModeHandler(app, settings.app_token).start()
        else:
            server = make_server(make_wsgi_app(app, services.engine), "0.0.0.0", settings.port)
            logger.info("starting", extra={"mode": "http", "port": settings.port})
            server.run()
    except KeyboardInterrupt:
        logger.info("stopping")
    finally:
        runner.close()  # the worker finishes what was acknowledged before it stops
    return 0


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _setup_help(missing: list[str], mode: str) -> str:
    lines = [f"mentorbot: can't start in {mode} mode; these settings are missing:"]
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

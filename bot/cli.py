"""`python -m bot …` and the `mentorbot` console script."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import yaml
from dotenv import load_dotenv
from sqlalchemy.exc import SQLAlchemyError

from bot import __version__, startup
from bot.logs import configure_logging
from bot.manifest import build_manifest
from bot.settings import SANDBOX_DIRECTORY, WORKER_THREADS, Settings, SettingsError
from storage import schema
from storage.backup import BackupFailed, BackupRefused, backup_database
from storage.db import describe_url, make_engine

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
    if args.command == "deliveries":
        return _deliveries(settings, args.pair, args.limit)
    if args.command == "run" and args.or_sandbox and not _any_slack_setting(settings):
        args.command, args.dir, args.empty = "sandbox", Path(SANDBOX_DIRECTORY), False  # `make run`
    doing = (args.mode or settings.default_mode()) if args.command == "run" else args.command
    missing = _missing(settings, args.command, doing)
    if missing:
        print(_setup_help(missing, doing), file=sys.stderr)
        return 2
    # The whole bot, for the commands that run it: imported only now (about half a second).
    from bot import serving

    if args.command == "tick":
        return serving.tick(settings, args.at)
    if args.command == "worker":
        return serving.worker(settings, args.threads)
    if args.command == "scheduler":
        return serving.scheduler(settings)
    if args.command == "sandbox":
        return serving.sandbox(settings, args.dir, args.empty)
    return serving.run(settings, doing)


def _any_slack_setting(settings: Settings) -> bool:
    return bool(settings.bot_token or settings.app_token or settings.signing_secret)


def _missing(settings: Settings, command: str, mode: str) -> list[str]:
    """The settings `command` (`run` in `mode`) needs that are not there."""
    if command == "run":
        return settings.missing_for(mode)
    if command in ("tick", "worker", "scheduler") and not settings.bot_token:
        return ["SLACK_BOT_TOKEN"]
    return []


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
    worker.add_argument(
        "--threads",
        type=int,
        default=WORKER_THREADS,
        help=f"tasks at once (default {WORKER_THREADS})",
    )
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
        default=Path(SANDBOX_DIRECTORY),
        help="where the sandbox keeps its database, workspace and clock "
        f"(default {SANDBOX_DIRECTORY})",
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
        print(f"mentorbot: DATABASE_URL: {startup.db_problem(error)}", file=sys.stderr)
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


def _deliveries(settings: Settings, pair: int | None, limit: int) -> int:
    from outbox.listing import ledger_lines  # the delivery ledger's reader, for this alone

    engine, refused = startup.open_database(settings)
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

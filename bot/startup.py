"""What `run` checks with Slack before it serves, each failure said in one line.

An outage (Slack unreachable, a timeout, a 5xx, a 429) is retried with backoff until
SLACK_STARTUP_WAIT_SECONDS have passed, then ends the start with exit code 1; anything Slack
refuses (a rejected token, a token without its scope, Socket Mode off for the app) is a
configuration problem and ends it at once with exit code 2. A stop signal cuts the waiting
short. The database is checked the same way (`open_database`).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import urllib.error
from collections.abc import Callable
from typing import TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings
from storage import schema
from storage.db import make_engine

T = TypeVar("T")

CONFIGURATION, OUTAGE = 2, 1  # exit codes
REQUEST_TIMEOUT = 10  # seconds, at most, for one call
FIRST_DELAY = 0.5  # seconds before the first retry; doubled after each
# Errors Slack answers while it is having trouble: worth another try.
PASSING_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
# slack_sdk logs each failed request; the start-up says what went wrong once, in its own line.
_quiet = logging.getLogger("mentorbot.startup.slack")
_quiet.propagate = False
_quiet.addHandler(logging.NullHandler())
APP_TOKEN_HINT = "generate one with connections:write under Basic Information → App-Level Tokens"


class StartupError(Exception):
    """`run` cannot start: `line` says what to check, `exit_code` is 2 or 1."""

    def __init__(self, line: str, exit_code: int) -> None:
        super().__init__(line)
        self.line = line
        self.exit_code = exit_code


class Stopped(Exception):
    """A stop signal arrived while `run` was starting."""


class Deadline:
    """The start-up's budget for reaching Slack, shared by every check."""

    def __init__(self, seconds: float, stop: threading.Event) -> None:
        self.ends = time.monotonic() + seconds
        self.stop = stop

    def remaining(self) -> float:
        return max(0.0, self.ends - time.monotonic())

    def sleep(self, seconds: float) -> None:
        """Wait (never past the deadline); raise Stopped if a stop signal comes meanwhile."""
        if self.stop.wait(min(seconds, self.remaining())):
            raise Stopped


def check_bot_token(settings: Settings, deadline: Deadline) -> None:
    """auth.test with SLACK_BOT_TOKEN."""
    client = _client(settings, settings.bot_token)
    try:
        _reach(client, client.auth_test, settings, deadline)
    except SlackApiError as refused:
        code = _code(refused)
        raise StartupError(
            f"Slack rejected SLACK_BOT_TOKEN ({code}): copy the Bot User OAuth Token (xoxb-…) "
            "from OAuth & Permissions, and reinstall the app if it was revoked.",
            CONFIGURATION,
        ) from None


def check_app_token(settings: Settings, deadline: Deadline) -> None:
    """apps.connections.open with SLACK_APP_TOKEN: the token, its scope and Socket Mode being on
    for the app. The URL it returns is not used: the Socket Mode client asks for its own."""
    client = _client(settings, None)
    assert settings.app_token is not None
    try:
        token = settings.app_token
        _reach(client, lambda: client.apps_connections_open(app_token=token), settings, deadline)
    except SlackApiError as refused:
        code = _code(refused)
        if code == "socket_mode_not_enabled":
            line = (
                f"Socket Mode is off for this Slack app ({code}): turn it on under Settings → "
                "Socket Mode at api.slack.com/apps, or serve HTTP with --mode http."
            )
        elif code == "missing_scope":
            line = f"SLACK_APP_TOKEN lacks the connections:write scope ({code}): {APP_TOKEN_HINT}."
        else:
            line = f"Slack rejected SLACK_APP_TOKEN ({code}): {APP_TOKEN_HINT}."
        raise StartupError(line, CONFIGURATION) from None


def _client(settings: Settings, token: str | None) -> WebClient:
    """A client that never retries by itself: `_reach` decides, within the deadline."""
    return WebClient(token=token, base_url=settings.slack_api_url, retry_handlers=[], logger=_quiet)


def _reach(client: WebClient, call: Callable[[], T], settings: Settings, deadline: Deadline) -> T:
    """`call` (through `client`), tried again after an outage, with backoff, until the deadline;
    SlackApiError for a refusal."""
    tries, started, delay = 0, time.monotonic(), FIRST_DELAY
    while True:
        tries += 1
        client.timeout = max(1, min(REQUEST_TIMEOUT, round(deadline.remaining())))
        try:
            return call()
        except SlackApiError as error:
            if _code(error) not in PASSING_ERRORS and error.response.status_code < 500:
                raise
            problem = f"Slack answered {_code(error)}"
            retry_after = error.response.headers.get("Retry-After")
            if retry_after and str(retry_after).isdigit():
                delay = max(delay, float(retry_after))
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            problem = type(reason).__name__ if isinstance(reason, Exception) else str(reason)
        if deadline.remaining() <= 0:
            waited = time.monotonic() - started
            raise StartupError(
                f"can't reach Slack at {settings.slack_api_url} ({problem}; {_tries(tries)} in "
                f"{waited:.0f} s): check the network, a proxy or SLACK_API_URL, then start again.",
                OUTAGE,
            )
        deadline.sleep(delay)
        delay *= 2


def _tries(count: int) -> str:
    return "1 try" if count == 1 else f"{count} tries"


def _code(error: SlackApiError) -> str:
    data = error.response.data if isinstance(error.response.data, dict) else {}
    return str(data.get("error") or f"HTTP {error.response.status_code}")


def open_database(settings: Settings) -> tuple[Engine | None, int]:
    """The engine, its database at this version's schema (an empty one is set up); or None
    and the exit code, after saying in one line why the database can't be used."""
    try:
        engine = make_engine(settings.database_url)
        schema.ensure(engine)
    except (schema.SchemaAhead, schema.SchemaBehind) as error:
        print(f"mentorbot: {error}", file=sys.stderr)
        return None, 2
    except (SQLAlchemyError, ImportError) as error:
        print(f"mentorbot: DATABASE_URL: {db_problem(error)}", file=sys.stderr)
        return None, 1
    return engine, 0


def db_problem(error: Exception) -> str:
    """What is wrong with DATABASE_URL, in a few words."""
    if isinstance(error, ImportError):
        return f"the database driver is not installed ({error.name})"
    return f"can't open the database ({type(error).__name__}: {str(error).splitlines()[0]})"

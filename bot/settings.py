"""Settings from the environment. `.env` is loaded by the entry point only, never here."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from storage.db import SUPPORTED_BACKENDS

DEFAULT_DATABASE_URL = "sqlite:///mentorbot.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
DEFAULT_STARTUP_WAIT_SECONDS = 30
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")  # text: key=value lines; json: one object per line

VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "DATABASE_URL",
    "SLACK_API_URL",
    "PORT",
    "HEALTH_PORT",
    "SLACK_STARTUP_WAIT_SECONDS",
    "MENTORBOT_ADMINS",
    "MENTORBOT_COORDINATORS",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "SCHEDULER_ENABLED",
    "SCHEDULER_INTERVAL_SECONDS",
    "DISPATCH_BUDGET_PER_MINUTE",
    "DISPATCH_CONCURRENCY",
    "WORKERS",
    "WORK_LEASE_SECONDS",
    "DELETE_ENDED_PAIRS_AFTER_DAYS",
)
DEFAULT_TICK_SECONDS = 30
DEFAULT_BUDGET_PER_MINUTE = 300
DEFAULT_CONCURRENCY = 8
DEFAULT_WORKERS = 1
DEFAULT_WORK_LEASE_SECONDS = 120
WORKER_THREADS = 8  # tasks a worker process runs at once (`python -m bot worker --threads`)
SANDBOX_DIRECTORY = ".sandbox"  # where the sandbox keeps its database, workspace and clock

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class SettingsError(ValueError):
    """One setting is wrong. `str()` names the variable and says what it should look like."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    slack_api_url: str = DEFAULT_SLACK_API_URL
    port: int = DEFAULT_PORT
    health_port: int | None = None  # None: the same as `port`
    startup_wait_seconds: int = DEFAULT_STARTUP_WAIT_SECONDS
    admins: frozenset[str] = field(default_factory=frozenset)
    # Who sees the programme (aggregates, never content): a role of its own, not the admins'.
    coordinators: frozenset[str] = field(default_factory=frozenset)
    log_level: str = "INFO"
    log_format: str = "text"
    scheduler_enabled: bool = True
    tick_seconds: int = DEFAULT_TICK_SECONDS
    budget_per_minute: int = DEFAULT_BUDGET_PER_MINUTE
    dispatch_concurrency: int = DEFAULT_CONCURRENCY
    workers: int = DEFAULT_WORKERS
    work_lease_seconds: int = DEFAULT_WORK_LEASE_SECONDS
    delete_ended_pairs_after_days: int | None = None  # None: ended pairs are kept
    # The sandbox's movable clock (bot.clock.OffsetClock); never read from the environment.
    clock_file: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read and check every setting; raise SettingsError on the first bad one."""

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        return cls(
            bot_token=_token(get("SLACK_BOT_TOKEN"), "SLACK_BOT_TOKEN", "xoxb-"),
            signing_secret=_secret(get("SLACK_SIGNING_SECRET")),
            app_token=_token(get("SLACK_APP_TOKEN"), "SLACK_APP_TOKEN", "xapp-"),
            database_url=_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL),
            slack_api_url=_api_url(get("SLACK_API_URL") or DEFAULT_SLACK_API_URL),
            port=_port(get("PORT"), "PORT") or DEFAULT_PORT,
            health_port=_port(get("HEALTH_PORT"), "HEALTH_PORT"),
            startup_wait_seconds=_count(
                get("SLACK_STARTUP_WAIT_SECONDS"),
                "SLACK_STARTUP_WAIT_SECONDS",
                DEFAULT_STARTUP_WAIT_SECONDS,
                0,
                600,
            ),
            admins=_user_ids(get("MENTORBOT_ADMINS"), "MENTORBOT_ADMINS"),
            coordinators=_user_ids(get("MENTORBOT_COORDINATORS"), "MENTORBOT_COORDINATORS"),
            log_level=_log_level(get("LOG_LEVEL")),
            log_format=_log_format(get("LOG_FORMAT")),
            scheduler_enabled=_flag(get("SCHEDULER_ENABLED"), "SCHEDULER_ENABLED", True),
            tick_seconds=_count(
                get("SCHEDULER_INTERVAL_SECONDS"),
                "SCHEDULER_INTERVAL_SECONDS",
                DEFAULT_TICK_SECONDS,
                1,
                3600,
            ),
            budget_per_minute=_count(
                get("DISPATCH_BUDGET_PER_MINUTE"),
                "DISPATCH_BUDGET_PER_MINUTE",
                DEFAULT_BUDGET_PER_MINUTE,
                1,
                1_000_000,
            ),
            dispatch_concurrency=_count(
                get("DISPATCH_CONCURRENCY"), "DISPATCH_CONCURRENCY", DEFAULT_CONCURRENCY, 1, 64
            ),
            workers=_count(get("WORKERS"), "WORKERS", DEFAULT_WORKERS, 1, 32),
            work_lease_seconds=_count(
                get("WORK_LEASE_SECONDS"),
                "WORK_LEASE_SECONDS",
                DEFAULT_WORK_LEASE_SECONDS,
                1,
                3600,
            ),
            delete_ended_pairs_after_days=_days(get("DELETE_ENDED_PAIRS_AFTER_DAYS")),
        )

    @property
    def health_port_number(self) -> int:
        """Where GET /healthz is served: HEALTH_PORT, or PORT when it is not set."""
        return self.health_port if self.health_port is not None else self.port

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]

    def default_mode(self) -> str:
        """Socket Mode when its token is set, or when neither mode's secret is (the easy start)."""
        return "http" if self.signing_secret and not self.app_token else "socket"

    def missing_for(self, mode: str) -> list[str]:
        """The settings `run` needs in `mode` that are not set."""
        needed = ["SLACK_BOT_TOKEN"]
        needed.append("SLACK_APP_TOKEN" if mode == "socket" else "SLACK_SIGNING_SECRET")
        present = {
            "SLACK_BOT_TOKEN": self.bot_token,
            "SLACK_APP_TOKEN": self.app_token,
            "SLACK_SIGNING_SECRET": self.signing_secret,
        }
        return [name for name in needed if not present[name]]


def _token(value: str | None, name: str, prefix: str) -> str | None:
    if value is not None and (not value.startswith(prefix) or any(c.isspace() for c in value)):
        raise SettingsError(name, f"expected a token starting with {prefix} (see README, Install)")
    return value


def _secret(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[A-Za-z0-9]{16,128}", value):
        raise SettingsError(
            "SLACK_SIGNING_SECRET",
            "expected the Signing Secret from Basic Information (letters and digits)",
        )
    return value


def _database_url(value: str) -> str:
    try:
        backend = make_url(value).get_backend_name()
    except ArgumentError as error:
        raise SettingsError("DATABASE_URL", f"not a database URL ({error})") from error
    if backend not in SUPPORTED_BACKENDS:
        raise SettingsError(
            "DATABASE_URL",
            f"unsupported database {backend!r}; use sqlite:///path.db or postgresql+psycopg://…",
        )
    return value


def _api_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError("SLACK_API_URL", "expected an http(s) URL like https://slack.com/api/")
    return value if value.endswith("/") else value + "/"


def _port(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise SettingsError(name, f"expected a port number from 1 to 65535, got {value!r}")
    return int(value)


def _user_ids(value: str | None, name: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    ids = [part.strip() for part in value.split(",") if part.strip()]
    bad = [part for part in ids if not _USER_ID.match(part)]
    if bad:
        raise SettingsError(
            name,
            f"expected comma-separated Slack user IDs like U012ABCDEF, got {bad[0]!r}",
        )
    return frozenset(ids)


def _log_level(value: str | None) -> str:
    level = (value or "INFO").upper()
    if level not in LOG_LEVELS:
        raise SettingsError("LOG_LEVEL", f"expected one of {', '.join(LOG_LEVELS)}")
    return level


def _log_format(value: str | None) -> str:
    chosen = (value or "text").lower()
    if chosen not in LOG_FORMATS:
        raise SettingsError("LOG_FORMAT", f"expected {' or '.join(LOG_FORMATS)}, got {value!r}")
    return chosen


def _flag(value: str | None, name: str, default: bool) -> bool:
    if value is None:
        return default
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SettingsError(name, f"expected true or false, got {value!r}")


def _days(value: str | None) -> int | None:
    """DELETE_ENDED_PAIRS_AFTER_DAYS: empty keeps ended pairs; a number of days deletes them."""
    if value is None:
        return None
    return _count(value, "DELETE_ENDED_PAIRS_AFTER_DAYS", 0, 1, 36_500)


def _count(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise SettingsError(name, f"expected a whole number from {low} to {high}, got {value!r}")
    return int(value)

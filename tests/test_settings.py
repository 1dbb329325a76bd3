"""Settings: defaults, and one clear line naming the variable for every bad value."""

import pytest

from bot.settings import Settings, SettingsError


def test_defaults() -> None:
    """With nothing set: SQLite file, Slack's API, port 3000, no admins, INFO."""
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///mentorbot.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert (settings.port, settings.admins, settings.log_level) == (3000, frozenset(), "INFO")
    assert (settings.health_port_number, settings.startup_wait_seconds) == (3000, 30)


def test_ended_pairs_are_kept_unless_a_number_of_days_is_set() -> None:
    """DELETE_ENDED_PAIRS_AFTER_DAYS: unset or empty keeps ended pairs (None); a number of
    days deletes them that long after they end."""
    assert Settings.from_env({}).delete_ended_pairs_after_days is None
    assert (
        Settings.from_env({"DELETE_ENDED_PAIRS_AFTER_DAYS": ""}).delete_ended_pairs_after_days
        is None
    )
    days = Settings.from_env({"DELETE_ENDED_PAIRS_AFTER_DAYS": "90"}).delete_ended_pairs_after_days
    assert days == 90


def test_values_are_read_and_normalised() -> None:
    """Admins are split on commas; the API URL gets its trailing slash; levels any case."""
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1-2",
            "SLACK_APP_TOKEN": "xapp-1-A-2",
            "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
            "DATABASE_URL": "postgresql+psycopg://bot@db/mentorbot",
            "SLACK_API_URL": "http://127.0.0.1:9999/api",
            "PORT": "8080",
            "HEALTH_PORT": "8081",
            "MENTORBOT_ADMINS": "U012AB, W0CD",
            "MENTORBOT_COORDINATORS": "U0COORD",
            "LOG_LEVEL": "debug",
            "LOG_FORMAT": "JSON",
        }
    )
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.admins == {"U012AB", "W0CD"} and settings.port == 8080
    assert settings.coordinators == {"U0COORD"}  # a role of its own: admins are not in it
    assert settings.health_port_number == 8081
    assert settings.log_level == "DEBUG" and settings.default_mode() == "socket"
    assert settings.log_format == "json"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("SLACK_APP_TOKEN", "xoxb-wrong-kind"),
        ("SLACK_SIGNING_SECRET", "has spaces in it!"),
        ("DATABASE_URL", "mysql://db/x"),
        ("DATABASE_URL", "not a url"),
        ("SLACK_API_URL", "slack.com/api"),
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("HEALTH_PORT", "0"),
        ("SLACK_STARTUP_WAIT_SECONDS", "forever"),
        ("MENTORBOT_ADMINS", "U012AB,@bob"),
        ("MENTORBOT_COORDINATORS", "coordinator@example.com"),
        ("LOG_LEVEL", "LOUD"),
        ("LOG_FORMAT", "xml"),
        ("SCHEDULER_ENABLED", "sometimes"),
        ("SCHEDULER_INTERVAL_SECONDS", "0"),
        ("DISPATCH_BUDGET_PER_MINUTE", "-5"),
        ("DISPATCH_CONCURRENCY", "1000"),
        ("DELETE_ENDED_PAIRS_AFTER_DAYS", "0"),
        ("DELETE_ENDED_PAIRS_AFTER_DAYS", "a month"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str) -> None:
    """The error is one line that starts with the variable's name."""
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: value})
    message = str(raised.value)
    assert message.startswith(f"{variable}: ") and "\n" not in message


def test_scheduler_settings() -> None:
    """The scheduler is on by default and can be turned off for a web-only replica."""
    defaults = Settings.from_env({})
    assert (defaults.scheduler_enabled, defaults.tick_seconds) == (True, 30)
    assert (defaults.budget_per_minute, defaults.dispatch_concurrency) == (300, 8)
    tuned = Settings.from_env(
        {
            "SCHEDULER_ENABLED": "false",
            "SCHEDULER_INTERVAL_SECONDS": "10",
            "DISPATCH_BUDGET_PER_MINUTE": "120",
            "DISPATCH_CONCURRENCY": "4",
        }
    )
    assert (tuned.scheduler_enabled, tuned.tick_seconds) == (False, 10)
    assert (tuned.budget_per_minute, tuned.dispatch_concurrency) == (120, 4)


def test_modes_and_what_run_needs() -> None:
    """Socket Mode needs the app token; HTTP mode the signing secret; both the bot token."""
    assert Settings().default_mode() == "socket"
    assert Settings().missing_for("socket") == ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"]
    http = Settings(bot_token="xoxb-1", signing_secret="a" * 32)
    assert http.default_mode() == "http" and http.missing_for("http") == []


def test_the_web_client_retries_rate_limits_and_dropped_connections() -> None:
    """slack_sdk's own handlers: 429s (honouring Retry-After) and connection errors; 5xx are
    not retried blindly because a post may have gone through."""
    from slack_sdk.http_retry.builtin_handlers import (
        ConnectionErrorRetryHandler,
        RateLimitErrorRetryHandler,
        ServerErrorRetryHandler,
    )

    from bot.app import make_web_client

    client = make_web_client(Settings(bot_token="xoxb-1", slack_api_url="http://127.0.0.1:9/api/"))
    kinds = {type(handler) for handler in client.retry_handlers}
    assert {ConnectionErrorRetryHandler, RateLimitErrorRetryHandler} <= kinds
    assert ServerErrorRetryHandler not in kinds
    assert client.base_url == "http://127.0.0.1:9/api/"

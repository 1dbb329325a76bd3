"""The start-up's checks with Slack: outages retried with backoff within the deadline, refusals
said at once, a stop signal heard while waiting."""

from __future__ import annotations

import threading
import time

import pytest

from bot import serving, startup
from bot.settings import Settings
from fakeslack import FakeSlack


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(startup, "FIRST_DELAY", 0.01)


def _settings(fake: FakeSlack) -> Settings:
    return Settings(bot_token=fake.token, app_token=fake.app_token, slack_api_url=fake.base_url)


def test_an_outage_is_tried_again_with_backoff_until_slack_answers(fake_slack: FakeSlack) -> None:
    """Three 503s and a 429, then Slack answers: the checks pass, having tried five times."""
    fake_slack.fail_next("auth.test", status=503, times=3)
    startup.check_bot_token(_settings(fake_slack), startup.Deadline(10, threading.Event()))
    fake_slack.fail_next("apps.connections.open", "ratelimited", retry_after=0)
    startup.check_app_token(_settings(fake_slack), startup.Deadline(10, threading.Event()))
    assert fake_slack.call_count("auth.test") == 4
    assert fake_slack.call_count("apps.connections.open") == 2


def test_an_outage_past_the_deadline_is_one_line_and_exit_1(fake_slack: FakeSlack) -> None:
    """Slack answering 503 for longer than the deadline: exit 1, how many tries, what to check."""
    fake_slack.fail_next("auth.test", status=503, times=1000)
    with pytest.raises(startup.StartupError) as failed:
        startup.check_bot_token(_settings(fake_slack), startup.Deadline(0.2, threading.Event()))
    assert failed.value.exit_code == startup.OUTAGE
    assert failed.value.line.startswith(f"can't reach Slack at {fake_slack.base_url} (Slack ")
    assert f"{fake_slack.call_count('auth.test')} tries in" in failed.value.line


@pytest.mark.parametrize(
    ("fake_options", "says"),
    [
        ({"app_token_scopes": ("authorizations:read",)}, "lacks the connections:write scope"),
        ({"socket_mode_enabled": False}, "Socket Mode is off for this Slack app"),
    ],
)
def test_an_app_slack_refuses_is_a_configuration_error(fake_options: dict, says: str) -> None:
    """A refusal is not retried: exit 2 at once, saying what to change."""
    with FakeSlack(**fake_options) as fake:
        with pytest.raises(startup.StartupError) as failed:
            startup.check_app_token(_settings(fake), startup.Deadline(10, threading.Event()))
        assert fake.call_count("apps.connections.open") == 1
    assert failed.value.exit_code == startup.CONFIGURATION and says in failed.value.line


def test_a_stop_signal_cuts_the_wait_short(fake_slack: FakeSlack) -> None:
    """SIGTERM while waiting for Slack: the start-up ends at once."""
    fake_slack.fail_next("auth.test", status=503, times=1000)
    stop = threading.Event()
    threading.Timer(0.1, stop.set).start()
    began = time.monotonic()
    with pytest.raises(startup.Stopped):
        startup.check_bot_token(_settings(fake_slack), startup.Deadline(60, stop))
    assert time.monotonic() - began < 30


def test_a_second_serving_process_on_one_sqlite_file_is_a_configuration_error(
    sqlite_file, spool_writers
) -> None:
    """Two serving processes would share the spool's files: the second is refused with one
    line saying what to do, exit 2."""
    spool_writers(sqlite_file)
    with pytest.raises(startup.StartupError) as failed:
        serving._work_store(sqlite_file, committed=lambda: None)
    assert failed.value.exit_code == startup.CONFIGURATION
    assert failed.value.line.startswith("another Mentorbot serves this SQLite database")
    assert "use PostgreSQL" in failed.value.line

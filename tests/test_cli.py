"""The command line: clear words instead of tracebacks, and a real `run` in HTTP mode."""

import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect

from fakeslack.payloads import SIGNING_SECRET
from mentoring import inbox
from storage.db import init_db, make_engine
from tests.support import T0, pair_up, schedule_meetings

PYTHON = [sys.executable, "-m", "bot"]
REPO = Path(__file__).resolve().parent.parent


def _bot(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PYTHON, *args],
        cwd=cwd,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_without_tokens_says_what_to_set(tmp_path: Path) -> None:
    """No tokens: exit 2 and a few lines naming the settings and the manifest; no traceback."""
    result = _bot("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "SLACK_APP_TOKEN" in result.stderr
    assert "manifest" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) <= 8


def test_a_bad_setting_is_one_line_naming_it(tmp_path: Path) -> None:
    """An invalid value: exit 2, one line starting with the variable."""
    result = _bot("run", cwd=tmp_path, env={"PORT": "eighty"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "mentorbot: PORT: expected a port number from 1 to 65535, got 'eighty'"
    ]


def test_settings_are_read_from_dotenv_in_the_working_directory(tmp_path: Path) -> None:
    """A .env next to where the bot runs is read (and the environment still wins)."""
    (tmp_path / ".env").write_text("LOG_LEVEL=shouty\nPORT=eighty\n")
    result = _bot("run", cwd=tmp_path, env={"PORT": "3001"})
    assert (
        result.stderr.strip()
        == "mentorbot: LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
    )


def test_db_init_creates_the_tables(tmp_path: Path) -> None:
    """`db init` creates every table and says where."""
    url = f"sqlite:///{tmp_path}/bot.db"
    result = _bot("db", "init", cwd=tmp_path, env={"DATABASE_URL": url})
    assert result.returncode == 0 and "Database ready" in result.stdout
    tables = set(inspect(make_engine(url)).get_table_names())
    assert {"pair", "goal", "win", "draft", "inboundevent"} <= tables


def test_an_unopenable_database_is_explained(tmp_path: Path) -> None:
    """A database that can't be opened: exit 1 with the reason, not a traceback."""
    result = _bot(
        "db", "init", cwd=tmp_path, env={"DATABASE_URL": f"sqlite:///{tmp_path}/no/such/dir.db"}
    )
    assert result.returncode == 1
    assert result.stderr.startswith("mentorbot: DATABASE_URL: can't open the database")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run_env(fake_slack, tmp_path: Path, port: int, token: str | None = None) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": token or fake_slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db",
        "PORT": str(port),
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO),
    }


def test_a_rejected_token_is_explained(fake_slack, tmp_path: Path) -> None:
    """A token Slack rejects (auth.test fails): exit 2 with what went wrong."""
    env = _run_env(fake_slack, tmp_path, _free_port(), token="xoxb-revoked")
    result = subprocess.run(
        [*PYTHON, "run", "--mode", "http"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert (
        "Slack did not accept SLACK_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr
    )


def test_run_serves_http_replays_stored_dms_and_stops_cleanly(fake_slack, tmp_path: Path) -> None:
    """`run --mode http` serves /healthz, applies a DM stored before a crash, exits 0 on SIGTERM."""
    engine = make_engine(f"sqlite:///{tmp_path}/bot.db")
    init_db(engine)
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "DUX",
        "user": "UX",
        "text": "goal: x",
    }
    inbox.record_delivery(engine, "EvBeforeCrash", "message", event, T0)
    fake_slack.add_user("UX", "xavier")
    port = _free_port()
    process = subprocess.Popen(
        [*PYTHON, "run", "--mode", "http"],
        cwd=tmp_path,
        env=_run_env(fake_slack, tmp_path, port),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in process.stderr:
            if "starting" in line:
                break
        else:
            pytest.fail("the bot exited before starting")
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        assert health.status_code == 200 and health.json()["database"] == "ok"
        (reply,) = fake_slack.wait_for("chat.postMessage")
        assert reply.args["channel"] == "DUX" and "not in a mentorship yet" in reply.args["text"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        process.stderr.close()


def test_the_console_script_is_the_cli() -> None:
    """The installed `mentorbot` command runs the same main as `python -m bot`."""
    from importlib.metadata import entry_points

    from bot.cli import main

    (script,) = entry_points(group="console_scripts", name="mentorbot")
    assert script.load() is main


def test_run_starts_the_scheduler_which_sends_an_overdue_prompt(fake_slack, tmp_path: Path) -> None:
    """With SCHEDULER_ENABLED (the default) `run` sends the DMs due before a meeting in 2 hours."""
    engine = make_engine(f"sqlite:///{tmp_path}/bot.db")
    init_db(engine)
    now = datetime.now(UTC)
    soon = now + timedelta(hours=2)
    pair_up(engine, "UMR", "UME", "CP")
    fake_slack.add_user("UMR", "mira")
    fake_slack.add_user("UME", "emil")
    schedule_meetings(engine, f"weekly {soon:%a} {soon:%H:%M} UTC", mentee="UME", now=now)
    process = subprocess.Popen(
        [*PYTHON, "run", "--mode", "http"],
        cwd=tmp_path,
        env={**_run_env(fake_slack, tmp_path, _free_port()), "SCHEDULER_INTERVAL_SECONDS": "1"},
        stderr=subprocess.DEVNULL,
    )
    try:
        prompts = fake_slack.wait_for("chat.postMessage", count=2, timeout=30)
        assert sorted(call.args["channel"] for call in prompts) == ["UME", "UMR"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_tick_without_a_token_says_what_to_set(tmp_path: Path) -> None:
    """`tick` needs the bot token; without it, a short explanation and exit 2."""
    result = _bot("tick", cwd=tmp_path)
    assert result.returncode == 2 and "can't run a scheduler pass" in result.stderr
    assert "SLACK_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_deliveries_on_an_empty_ledger_says_so(tmp_path: Path) -> None:
    """`deliveries` works without Slack tokens and explains an empty ledger."""
    result = _bot("deliveries", cwd=tmp_path, env={"DATABASE_URL": f"sqlite:///{tmp_path}/b.db"})
    assert result.returncode == 0 and "The ledger is empty" in result.stdout


def test_a_web_only_replica_runs_without_the_scheduler(fake_slack, tmp_path: Path) -> None:
    """SCHEDULER_ENABLED=false: `run` serves Slack and says the scheduler is off."""
    port = _free_port()
    env = {**_run_env(fake_slack, tmp_path, port), "SCHEDULER_ENABLED": "false"}
    process = subprocess.Popen(
        [*PYTHON, "run", "--mode", "http"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        lines = []
        for line in process.stderr:
            lines.append(line)
            if "starting" in line:
                break
        assert any("scheduler disabled" in line for line in lines)
        assert not any("scheduler started" in line for line in lines)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        process.stderr.close()

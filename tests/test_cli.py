"""The command line: clear words instead of tracebacks, and a real `run` in HTTP mode."""

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect
from sqlmodel import select

from bot.cli import main
from bot.processes import STOP_TIMEOUT
from fakeslack import FakeSlack
from fakeslack.payloads import SIGNING_SECRET
from mentoring import inbox
from storage.db import init_db, make_engine, session_scope
from storage.models import Win
from tests.conftest import PAIR_CHANNEL, SocketWire
from tests.support import T0, pair_up, schedule_meetings

PYTHON = [sys.executable, "-m", "bot"]
REPO = Path(__file__).resolve().parent.parent


def _bot(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI's answer to `python -m bot *args`, run in `cwd` with only `env` set, in this
    process: the one-shot commands say what they say before loading the bot, and starting an
    interpreter for each cost a second. (The tests that run the bot start the real process.)"""
    saved, before = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update({"PATH": saved["PATH"], **(env or {})})
    out, err = io.StringIO(), io.StringIO()
    try:
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(before)
        os.environ.clear()
        os.environ.update(saved)  # .env is loaded into the environment: none of it stays
    return subprocess.CompletedProcess(["bot", *args], code, out.getvalue(), err.getvalue())


def test_run_without_tokens_says_what_to_set(tmp_path: Path) -> None:
    """A deployment with no tokens (`run`): exit 2 and a few lines naming the settings, the
    manifest and the sandbox; no traceback, and no sandbox started in its place."""
    result = _bot("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "SLACK_APP_TOKEN" in result.stderr
    assert "manifest" in result.stderr and "python -m bot sandbox" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) <= 8
    assert not (tmp_path / ".sandbox").exists()


def _sandbox_channel(port: int, user: str, channel: str) -> list[str]:
    """The texts `user` sees in `channel` on the sandbox's page."""
    state = httpx.post(
        f"http://127.0.0.1:{port}/api/state",
        params={"as": user, "channel": channel},
        json={},
        timeout=10,
    ).json()
    return [message["text"] for message in state["messages"]]


def test_make_run_without_any_slack_setting_opens_the_sandbox(tmp_path: Path) -> None:
    """No Slack settings at all, as `make run` runs it (`run --or-sandbox`): the sandbox
    starts, says its address on PORT, serves the page and makes the demo programme in its own
    database in .sandbox/; stopped with SIGTERM and started again, it carries on where it was
    (nothing lost, nothing made twice)."""
    port = _free_port()
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO), "PORT": str(port)}
    seen: list[list[str]] = []
    for _ in range(2):
        process = subprocess.Popen(
            [*PYTHON, "run", "--or-sandbox"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None
            said = process.stdout.readline()
            assert said.startswith(f"Mentorbot sandbox: http://127.0.0.1:{port}")
            page = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
            assert page.status_code == 200 and "Mentorbot sandbox" in page.text
            deadline = time.monotonic() + 30
            while len(_sandbox_channel(port, "ULEO", "CMAYALEO")) < 2:
                assert time.monotonic() < deadline, "the demo programme was not made"
                time.sleep(0.2)
            seen.append(_sandbox_channel(port, "ULEO", "CMAYALEO"))
        finally:
            # The stop lands while the demo's commands are still being carried out: the
            # workers finish them first, which on a loaded machine takes a while (up to the
            # children's STOP_TIMEOUT, then the HTTP servers' own).
            process.send_signal(signal.SIGTERM)
            try:
                assert process.wait(timeout=STOP_TIMEOUT + 30) == 0
            finally:
                if process.poll() is None:  # never leave it running (and posting) after a failure
                    process.kill()
                    process.wait()
    assert (tmp_path / ".sandbox" / "mentorbot.db").is_file()
    greeting, goal = seen[0][:2]
    assert "this is your mentorship channel" in greeting and "Goal 1 added" in goal
    assert seen[1] == seen[0]


def test_run_with_some_slack_settings_says_what_is_missing(tmp_path: Path) -> None:
    """A bot token without its partner, even from `make run`: exit 2 and a few lines naming the
    missing setting and the manifest; no traceback (and no sandbox: this is meant for Slack)."""
    result = _bot("run", "--or-sandbox", cwd=tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN" in result.stderr and "manifest" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) <= 8
    assert not (tmp_path / ".sandbox").exists()


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


def _serving_http(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    """`run --mode http`, once it says it is serving (its stderr left to read)."""
    process = subprocess.Popen(
        [*PYTHON, "run", "--mode", "http"], cwd=cwd, env=env, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    for line in process.stderr:
        if "starting" in line:
            return process
    pytest.fail("the bot exited before starting")


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


def test_start_up_failures_are_one_line_and_an_exit(fake_slack, tmp_path: Path) -> None:
    """Slack unreachable (no time to retry here: tests/test_startup.py has the retries), a
    token or an app Slack refuses, a database that can't be opened: one line saying what to
    check, exit 2 for configuration and 1 for an outage; no traceback, no hang. (The cases run
    side by side.)"""
    socket = {"SLACK_APP_TOKEN": fake_slack.app_token}
    with FakeSlack(socket_mode_enabled=False) as off:
        cases = {
            "Slack unreachable": (
                {"SLACK_API_URL": f"http://127.0.0.1:{_free_port()}/api/"},
                {"SLACK_STARTUP_WAIT_SECONDS": "0"},
                1,
                "can't reach Slack at http://127.0.0.1:",
            ),
            "bot token": (
                {},
                {"SLACK_BOT_TOKEN": "xoxb-revoked"},
                2,
                "Slack rejected SLACK_BOT_TOKEN",
            ),
            "app token": (
                {},
                {"SLACK_APP_TOKEN": "xapp-1-A0001-1-revoked"},
                2,
                "Slack rejected SLACK_APP_TOKEN (invalid_auth)",
            ),
            "Socket Mode off": (
                {"SLACK_API_URL": off.base_url, "SLACK_BOT_TOKEN": off.token},
                {"SLACK_APP_TOKEN": off.app_token},
                2,
                "Socket Mode is off for this Slack app (socket_mode_not_enabled)",
            ),
            "database": (
                {"DATABASE_URL": f"sqlite:///{tmp_path}/no/such/dir/bot.db"},
                socket,
                1,
                "DATABASE_URL: can't open the database",
            ),
        }
        running = {
            name: subprocess.Popen(
                [*PYTHON, "run"],
                cwd=tmp_path,
                env={**_run_env(fake_slack, tmp_path, _free_port()), **socket, **env, **more},
                stderr=subprocess.PIPE,
                text=True,
            )
            for name, (env, more, _, _) in cases.items()
        }
        for name, (_, _, code, says) in cases.items():
            _, stderr = running[name].communicate(timeout=30)
            assert running[name].returncode == code, (name, stderr)
            (line,) = stderr.splitlines()
            assert line.startswith(f"mentorbot: {says}"), (name, line)


def test_a_failure_after_the_worker_started_stops_it_and_exits(fake_slack, tmp_path: Path) -> None:
    """An exception between starting the worker and serving (here injected into the replay of
    stored DMs) stops the worker and ends the process, exit 1, within the bound."""
    inject = (
        "import sys, bot.cli, bot.serving\n"
        "def boom(services): raise RuntimeError('injected')\n"
        "bot.serving.replay_pending = boom\n"
        "sys.exit(bot.cli.main(['run', '--mode', 'http']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", inject],
        cwd=tmp_path,
        env=_run_env(fake_slack, tmp_path, _free_port()),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(
        "mentorbot: start-up failed (RuntimeError: injected)"
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
    process = _serving_http(_run_env(fake_slack, tmp_path, port), tmp_path)
    try:
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


@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_a_worker_or_scheduler_alone_without_a_token_says_what_to_set(
    command: str, tmp_path: Path
) -> None:
    """`worker` and `scheduler` run on their own need the bot token: a short explanation,
    exit 2, no traceback."""
    result = _bot(command, cwd=tmp_path)
    assert result.returncode == 2 and f"can't start in {command} mode" in result.stderr
    assert "SLACK_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_deliveries_on_an_empty_ledger_says_so(tmp_path: Path) -> None:
    """`deliveries` works without Slack tokens and explains an empty ledger."""
    result = _bot("deliveries", cwd=tmp_path, env={"DATABASE_URL": f"sqlite:///{tmp_path}/b.db"})
    assert result.returncode == 0 and "The ledger is empty" in result.stdout


def test_a_web_only_replica_runs_without_the_scheduler(fake_slack, tmp_path: Path) -> None:
    """SCHEDULER_ENABLED=false: `run` serves Slack and says the scheduler is off; a
    HEALTH_PORT other than PORT serves /healthz there too."""
    port, health_port = _free_port(), _free_port()
    env = {
        **_run_env(fake_slack, tmp_path, port),
        "SCHEDULER_ENABLED": "false",
        "HEALTH_PORT": str(health_port),
    }
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
        health = httpx.get(f"http://127.0.0.1:{health_port}/healthz", timeout=10)
        assert health.json() == {"status": "ok", "database": "ok", "workers": "ok", "backlog": "ok"}
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        process.stderr.close()


def test_sigterm_closes_the_connection_first_and_drops_nothing_acked(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """`run` in Socket Mode: /healthz on HEALTH_PORT; on SIGTERM the connection closes while
    acknowledged work is still under way, that work is finished, and the process exits 0."""
    engine = make_engine(f"sqlite:///{tmp_path}/bot.db")
    init_db(engine)
    pair_up(engine, channel=PAIR_CHANNEL)
    health_port = _free_port()
    env = {
        **_run_env(fake_slack, tmp_path, _free_port()),
        "SLACK_APP_TOKEN": fake_slack.app_token,
        "HEALTH_PORT": str(health_port),
        "SCHEDULER_ENABLED": "false",
    }
    process = subprocess.Popen(
        [*PYTHON, "run"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    server = fake_slack.socket_mode
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if "starting" in line:
                break
        health = httpx.get(f"http://127.0.0.1:{health_port}/healthz", timeout=10)
        assert health.json() == {
            "status": "ok",
            "database": "ok",
            "workers": "ok",
            "backlog": "ok",
            "socket_mode": "ok",
        }
        (connection,) = server.open_connections()
        release = fake_slack.hold("chat.postMessage")
        wire = SocketWire(fake_slack)
        ack, _ = wire.command("/win", "Acked before the stop")
        fake_slack.wait_held("chat.postMessage", timeout=30)
        process.send_signal(signal.SIGTERM)
        server.wait_closed(connection, timeout=20)
        assert fake_slack.calls_to("chat.postMessage") == []  # the work is still under way
        release.set()
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.stderr.close()
    posts = [c.args["text"] for c in fake_slack.calls_to("chat.postMessage")]
    assert any(":trophy:" in text for text in posts)
    with session_scope(engine) as session:
        assert [w.text for w in session.exec(select(Win))] == ["Acked before the stop"]


def _children_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _started_by_spawn(pid: int) -> bool:
    return "multiprocessing.spawn" in Path(f"/proc/{pid}/cmdline").read_text()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_run_forks_its_children_and_spawns_a_replacement_then_stops_them_all(
    fake_slack, tmp_path: Path
) -> None:
    """The worker and scheduler are forked from `run` before it starts a thread (they share its
    memory); one killed later, when `run` serves on many threads, is spawned afresh; SIGTERM
    still ends every child (each sees its own pipe close, not held open by a sibling)."""
    port = _free_port()
    process = _serving_http(_run_env(fake_slack, tmp_path, port), tmp_path)
    try:
        first = _children_of(process.pid)
        assert len(first) == 2 and not any(_started_by_spawn(pid) for pid in first)
        os.kill(first[0], signal.SIGKILL)
        deadline = datetime.now(UTC) + timedelta(seconds=20)
        while datetime.now(UTC) < deadline:
            replacements = [pid for pid in _children_of(process.pid) if pid not in first]
            if any(_started_by_spawn(pid) for pid in replacements):
                break
            time.sleep(0.1)
        else:
            pytest.fail("the killed child was not started again")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        process.stderr.close()
    # Among `replacements` may be multiprocessing's resource tracker, which spawning starts: it
    # ends on its own once `run` is gone (its pipe closes), so it is given a moment to.
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in [*first, *replacements]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in [*first, *replacements] if _running(pid)] == []


def _running(pid: int) -> bool:
    """Whether `pid` is a process that has not ended (a zombie has)."""
    try:
        return " Z " not in Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False


def test_the_version_is_kept_in_one_place(capsys: pytest.CaptureFixture[str]) -> None:
    """`--version`, the installed package and the CHANGELOG's newest release say the same."""
    from importlib.metadata import version

    from bot import __version__

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"mentorbot {__version__}"
    assert version("mentorbot") == __version__
    changelog = (Path(__file__).parent.parent / "CHANGELOG.md").read_text()
    releases = [line for line in changelog.splitlines() if line.startswith("## ")]
    newest = next(line for line in releases if line != "## Unreleased")
    assert newest.startswith(f"## {__version__} — ")

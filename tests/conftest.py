"""Fixtures at three depths: the rules on a real database, listeners with a fake Slack, and the
whole app over loopback HTTP with a fake Slack Web API behind it."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import itertools
import logging
import os
import pickle
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from bench.postgres import PostgresForTests
from bot import cli, scheduler
from bot import serving as bot_serving
from bot.app import build_services, create_app, make_web_client, with_runner
from bot.settings import Settings
from bot.web import make_server, make_wsgi_app, shut_down
from fakeslack import FakeSlack
from fakeslack.payloads import (
    SIGNING_SECRET,
    TEAM,
    block_action,
    event_callback,
    home_action,
    message_event,
    slack_signature_headers,
    slash_command,
    view_submission,
)
from fakeslack.socketmode import Ack, SocketModeServer, from_http
from handlers.performing import InlineRunner
from handlers.runtime import Services
from mentoring import pairs
from mentoring.model import Actor, PairInfo
from storage import spool
from storage.db import init_db, make_engine
from tests.support import T0, FrozenClock, SlackClock, VirtualTime
from workqueue.batching import GroupCommit

MENTOR, MENTEE, OUTSIDER, ADMIN = "UMENTOR", "UMENTEE", "UOUTSIDER", "UADMIN"
SECOND_MENTEE = "UMENTEE2"
PAIR_CHANNEL = "CPAIR"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


BACKENDS = ("sqlite", "postgresql")


def selected_backends() -> tuple[str, ...]:
    """The backends named in MENTORBOT_TEST_BACKENDS (comma-separated), by default both."""
    raw = os.environ.get("MENTORBOT_TEST_BACKENDS", "")
    chosen = tuple(name.strip() for name in raw.split(",") if name.strip()) or BACKENDS
    unknown = sorted(set(chosen) - set(BACKENDS))
    if unknown:
        raise pytest.UsageError(
            f"MENTORBOT_TEST_BACKENDS: unknown {', '.join(unknown)} (use {', '.join(BACKENDS)})"
        )
    return chosen


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests (or modules) marked `both_backends` run once per selected backend."""
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_backends"
    ):
        backends = [name for name in BACKENDS if name in selected_backends()]
        metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database a test runs on: "sqlite", or once each "sqlite" and "postgresql" for tests
    marked `both_backends` (`pytestmark = pytest.mark.both_backends` marks a module).

    MENTORBOT_TEST_BACKENDS=sqlite runs the marked tests on SQLite only, and no PostgreSQL
    server is started; the default is "sqlite,postgresql". A PostgreSQL-only test says
    `@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)` instead of the mark.
    """
    name = getattr(request, "param", "sqlite")
    if name not in selected_backends():
        pytest.skip(f"MENTORBOT_TEST_BACKENDS leaves out {name}")
    return name


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresForTests]:
    """The session's PostgreSQL, started the first time a test needs it: the server that
    TEST_DATABASE_URL (postgresql+psycopg://…, its user needs CREATEDB) points at, else a
    pgserver one in a temporary directory, stopped at the end of the session."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        server = PostgresForTests.external(external)
    else:
        server = PostgresForTests.start(tmp_path_factory.mktemp("postgres"))
    yield server
    server.close()


@pytest.fixture(autouse=True)
def root_logging_kept() -> Iterator[None]:
    """The root logger as it was before the test: a test that runs the CLI has it log to a
    stream pytest closes afterwards, which later records (a server's teardown) would hit."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database with the tables created, once; each test gets a copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "mentorbot.db"
    template = make_engine(f"sqlite:///{path}")
    init_db(template)
    template.dispose()
    return path


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """The URL of this test's own empty database (tables created), for DATABASE_URL in a
    subprocess or a second engine: sqlite:///<tmp_path>/mentorbot.db, or on PostgreSQL
    postgresql+psycopg://postgres:@/<fresh db>?host=<socket dir>, dropped after the test. Both
    are copies of a template that already has the tables (a few ms, against ~30 for the DDL)."""
    if backend == "sqlite":
        path = tmp_path / "mentorbot.db"
        template: Path = request.getfixturevalue("sqlite_template")
        with (
            contextlib.closing(sqlite3.connect(template)) as source,
            contextlib.closing(sqlite3.connect(path)) as copy,
        ):
            source.backup(copy)
        yield f"sqlite:///{path}"
        return
    server: PostgresForTests = request.getfixturevalue("postgres_server")
    with server.database() as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test's database (see `database_url`: its tables are there already),
    disposed after the test."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite database in a file, set up: for what is about SQLite's files (its one
    writer, the spool beside it)."""
    engine = make_engine(f"sqlite:///{tmp_path}/bot.db")
    init_db(engine)
    yield engine
    engine.dispose()


GroupCommits = Callable[..., GroupCommit]
SpoolWriters = Callable[..., spool.Writer]


@pytest.fixture
def group_commits() -> Iterator[GroupCommits]:
    """Makes a GroupCommit (the serving process's store on PostgreSQL) as its constructor
    would; each is closed after the test."""
    yield from _closed_after(GroupCommit)


@pytest.fixture
def spool_writers() -> Iterator[SpoolWriters]:
    """Makes a spool Writer (the serving process's store on a SQLite file) as its constructor
    would; each is closed after the test, its trimmer thread stopped and its lock let go."""
    yield from _closed_after(spool.Writer)


def _closed_after(kind: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    made: list[Any] = []

    def make(engine: Engine, **options: Any) -> Any:
        made.append(kind(engine, **options))
        return made[-1]

    yield make
    for each in made:
        each.close()


@pytest.fixture
def slack_clock() -> SlackClock:
    """The fake Slack's clock: real time, which a test may move on (`advance(minutes=31)`)."""
    return SlackClock()


@pytest.fixture
def fake_slack(slack_clock: SlackClock) -> Iterator[FakeSlack]:
    with FakeSlack(clock=slack_clock) as fake:
        fake.add_user(MENTOR, "maria", tz="Europe/Berlin")
        fake.add_user(MENTEE, "lee", tz="America/New_York")
        fake.add_user(SECOND_MENTEE, "sam")
        fake.add_user(OUTSIDER, "olga")
        fake.add_user(ADMIN, "ada")
        fake.add_channel(PAIR_CHANNEL, "maria-lee", members=(MENTOR, MENTEE), is_private=True)
        yield fake


@pytest.fixture
def settings(fake_slack: FakeSlack, database_url: str) -> Settings:
    """Settings for the app under test, on the test's database (the same one as `engine`)."""
    return Settings(
        bot_token=fake_slack.token,
        signing_secret=SIGNING_SECRET,
        database_url=database_url,
        slack_api_url=fake_slack.base_url,
        admins=frozenset({ADMIN}),
    )


@pytest.fixture
def services(settings: Settings, engine: Engine, clock: FrozenClock) -> Services:
    """Services whose work after the ack runs inline, before the HTTP response returns."""
    base = build_services(settings, engine=engine, clock=clock)
    return with_runner(base, InlineRunner(base, make_web_client(settings)))


@pytest.fixture
def paired(services: Services) -> PairInfo:
    """MENTOR mentors MENTEE in PAIR_CHANNEL."""
    return pairs.create_pair(
        services.engine,
        Actor(MENTEE),
        team_id=TEAM,
        mentor_id=MENTOR,
        mentee_id=MENTEE,
        channel_id=PAIR_CHANNEL,
        now=services.clock(),
    )


@dataclass
class Exchange:
    """One request to the app and what it said back: the HTTP answer, then the private replies
    it sent to the request's response_url."""

    http: httpx.Response
    replies: list[dict[str, Any]]

    @property
    def reply(self) -> dict[str, Any]:
        assert self.replies, f"no reply was sent (HTTP {self.http.status_code} {self.http.text!r})"
        return self.replies[-1]

    @property
    def reply_text(self) -> str:
        """The reply's fallback text and every text in its blocks, for assertions."""
        return flatten_text(self.reply)


def flatten_text(message: dict[str, Any]) -> str:
    parts = [message.get("text") or ""]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks", []))
    return "\n".join(parts)


class Wire:
    """Talks to the running app as Slack does: signed HTTP requests over loopback."""

    def __init__(self, url: str, fake: FakeSlack, services: Services) -> None:
        self.url = url
        self.fake = fake
        self.services = services
        self.http = httpx.Client(base_url=url, timeout=10)
        self._names = itertools.count(1)

    def post(
        self, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        signed = {**slack_signature_headers(body), "Content-Type": content_type, **(headers or {})}
        return self.http.post("/slack/events", content=body, headers=signed)

    def command(
        self, command: str, text: str, *, user: str, channel: str = PAIR_CHANNEL
    ) -> Exchange:
        name = f"cmd{next(self._names)}"
        body = slash_command(
            command, text, user=user, channel=channel, response_url=self.fake.response_url(name)
        )
        response = self.post(body, "application/x-www-form-urlencoded")
        return Exchange(response, self.fake.responses(name))

    def dm(
        self,
        event_id: str,
        text: str,
        *,
        user: str,
        retry_num: int | None = None,
        thread_ts: str | None = None,
    ) -> httpx.Response:
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        body = message_event(
            event_id, user=user, text=text, channel=dm_channel(user), thread_ts=thread_ts
        )
        return self.post(body, "application/json", headers)

    def thread_reply(
        self, event_id: str, text: str, *, user: str, channel: str, thread_ts: str
    ) -> httpx.Response:
        """A reply in a thread of a private channel the bot is in (message.groups)."""
        body = message_event(
            event_id,
            user=user,
            text=text,
            channel=channel,
            thread_ts=thread_ts,
            channel_type="group",
            ts=f"{thread_ts}1",
        )
        return self.post(body, "application/json")

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str,
        channel: str | None = None,
        message: dict[str, Any] | None = None,
    ) -> Exchange:
        """Click a button; `message`, the post it is in (its text and blocks, as Slack sends)."""
        name = f"click{next(self._names)}"
        body = block_action(
            action_id,
            value,
            user=user,
            response_url=self.fake.response_url(name),
            channel=channel or dm_channel(user),
            message=message,
        )
        response = self.post(body, "application/x-www-form-urlencoded")
        return Exchange(response, self.fake.responses(name))

    def click_home(self, action_id: str, value: str, *, user: str) -> httpx.Response:
        """Click a button on the person's App Home tab (answers go to their DM)."""
        body = home_action(action_id, value, user=user)
        return self.post(body, "application/x-www-form-urlencoded")

    def open_home(self, user: str) -> httpx.Response:
        """The person opens the bot's Home tab (app_home_opened)."""
        body = event_callback(
            f"EvHome-{user}-{next(self._names)}",
            {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"},
        )
        return self.post(body, "application/json")

    def home_of(self, user: str) -> dict[str, Any]:
        """The view last published as the person's Home."""
        published = [c for c in self.fake.calls_to("views.publish") if c.args["user_id"] == user]
        assert published, f"no Home was published for {user}"
        return published[-1].args["view"]

    def submit(
        self, callback_id: str, values: dict[str, Any], *, user: str, private_metadata: str
    ) -> httpx.Response:
        """Submit a modal: `values` maps each block id to its element's value dict."""
        state = {block: {block: value} for block, value in values.items()}
        body = view_submission(callback_id, state, user=user, private_metadata=private_metadata)
        return self.post(body, "application/x-www-form-urlencoded")

    def close(self) -> None:
        self.http.close()


def dm_channel(user: str) -> str:
    return "D" + user


class SocketWire:
    """Talks to the app as Slack does in Socket Mode: envelopes, then their acks."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.server: SocketModeServer = fake.socket_mode
        self._names = 0

    def deliver(self, body: bytes, retry_attempt: int | None = None, retry_reason: str = "") -> Ack:
        """Send what Slack would POST in HTTP mode as an envelope; wait for its ack."""
        kind, payload = from_http(body)
        sent = self.server.send(
            kind, payload, retry_attempt=retry_attempt, retry_reason=retry_reason
        )
        return self.server.wait_ack(sent)

    def command(self, command: str, text: str) -> tuple[Ack, list[dict[str, Any]]]:
        """A slash command typed by the mentee in the pair's channel: its ack, and the private
        replies sent to its response_url."""
        self._names += 1
        name = f"sm{self._names}"
        body = slash_command(
            command,
            text,
            user=MENTEE,
            channel=PAIR_CHANNEL,
            response_url=self.fake.response_url(name),
        )
        return self.deliver(body), self.fake.responses(name)


@contextmanager
def serving(settings: Settings, services: Services, fake: FakeSlack) -> Iterator[Wire]:
    """The real app in HTTP mode on a loopback port; its WebClient talks to `fake`."""
    app = create_app(settings, services)
    wsgi = make_wsgi_app(app, services.engine, settings.signing_secret or "")
    server = make_server(wsgi, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=server.run, name="app-under-test", daemon=True)
    thread.start()
    client = Wire(f"http://127.0.0.1:{server.effective_port}", fake, services)
    try:
        yield client
    finally:
        client.close()
        shut_down(server)
        thread.join(timeout=10)
        assert not thread.is_alive()


@pytest.fixture
def wire(settings: Settings, services: Services, fake_slack: FakeSlack) -> Iterator[Wire]:
    """The app over the wire, its work after each ack done inline."""
    with serving(settings, services, fake_slack) as client:
        yield client


Tick = Callable[[datetime], str]


@pytest.fixture
def tick(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Tick:
    """`python -m bot tick --at …` in this process, configured like a deployment would be,
    but for pacing's time: a virtual timeline (tests.support.VirtualTime), on which Slack's
    one post a second to a conversation takes none of the test's (tests/test_pacing.py
    checks the spacing itself)."""
    monkeypatch.chdir(tmp_path)  # no developer .env
    monkeypatch.setenv("SLACK_BOT_TOKEN", settings.bot_token or "")
    monkeypatch.setenv("SLACK_API_URL", settings.slack_api_url)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    virtual = functools.partial(scheduler.make_dispatcher, timeline=VirtualTime())
    monkeypatch.setattr(bot_serving, "make_dispatcher", virtual)

    def run(at: datetime) -> str:
        capsys.readouterr()
        assert cli.main(["tick", "--at", at.isoformat().replace("+00:00", "Z")]) == 0
        return capsys.readouterr().out

    return run


COACHING_FIGURES = pytest.StashKey[dict[str, str]]()


def report_coaching(config: pytest.Config, name: str, figures: str) -> None:
    """Keep the goal-coaching figures of one labelled set for the end of the run (from a
    pytest-xdist worker, they travel to the controller, which prints the summary)."""
    config.stash.setdefault(COACHING_FIGURES, {})[name] = figures
    if hasattr(config, "workeroutput"):
        config.workeroutput.setdefault("coaching", {})[name] = figures


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist: a worker finished; keep what it reported."""
    figures = getattr(node, "workeroutput", {}).get("coaching")
    if figures:
        node.config.stash.setdefault(COACHING_FIGURES, {}).update(figures)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print the figures measured on the labelled sets (tests/test_coaching.py,
    tests/test_matching_ranking.py), one line a set."""
    figures = config.stash.get(COACHING_FIGURES, None)
    if figures:
        terminalreporter.write_sep("-", "labelled sets: goal coaching, mentor matching")
        for name in sorted(figures):
            terminalreporter.write_line(figures[name])


def texts(wire: Wire, channel: str) -> list[str]:
    return [flatten_text(message) for message in wire.fake.messages_in(channel)]


@pytest.fixture(scope="session")
def surfaces(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app over the wire on a pair with something of everything, restorable in a moment
    (tests/surfaces.py); built once for the whole run."""
    from tests.surfaces import Surfaces

    made = Surfaces(tmp_path_factory.mktemp("surfaces"))
    yield made
    made.close()


@pytest.fixture(scope="session")
def crawled(surfaces: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Everything a person can do from that pair, done once and recorded (tests/surfaces.py).

    Once a run, not once a worker (some 17 s): under pytest-xdist the first worker to need it
    crawls, under a lock in the run's shared temporary directory, and the others read what it
    recorded. Every worker's surfaces start from the same template, so its paths replay there."""
    from tests.surfaces import crawl

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return crawl(surfaces)
    shared = tmp_path_factory.getbasetemp().parent / "crawl.pickle"  # the run's, not the worker's
    with open(shared.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if shared.exists():
            return pickle.loads(shared.read_bytes())
        found = crawl(surfaces)
        partial = shared.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(found))
        partial.replace(shared)  # whole or absent, should this worker die while writing
        return found

"""kill -9, mid-burst: the worker, then the serving process with its workers. After a restart,
every request Slack got an ack for had its effect exactly once, every win posted has its post
recorded, and nothing was posted twice — on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from fakeslack import FakeSlack
from fakeslack.payloads import (
    SIGNING_SECRET,
    block_action,
    message_event,
    slack_signature_headers,
    slash_command,
    view_submission,
)
from handlers.goals.blocks import MILESTONE_DONE
from handlers.meetings.agenda import AGENDA_FORM, AGENDA_FORM_TEXT
from mentoring import milestones
from mentoring.capture import Kind, capture
from mentoring.model import Actor, Target
from storage.db import make_engine, session_scope
from storage.models import AgendaItem, Goal, Milestone, Win, Work
from tests.conftest import MENTEE, MENTOR, PAIR_CHANNEL
from tests.support import T0, pair_up
from workqueue import queue

pytestmark = pytest.mark.both_backends

REPO = Path(__file__).resolve().parent.parent
REQUESTS = 30
KINDS = ("win", "goal", "agenda", "dm", "form", "click")


@dataclass
class Sent:
    index: int
    kind: str
    marker: str
    acked: bool = False


class Bot:
    """`python -m bot run --mode http`, started and killed as an operator (or a crash) would."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--mode", "http"],
            env=self.env,
            cwd=self.env["HOME"],
            stderr=subprocess.PIPE,
            text=True,
        )
        serving, working = threading.Event(), threading.Event()

        def read() -> None:
            assert self.process is not None and self.process.stderr is not None
            for line in self.process.stderr:
                if "starting" in line:
                    serving.set()
                if "worker started" in line:
                    working.set()

        threading.Thread(target=read, daemon=True).start()
        assert serving.wait(60) and working.wait(60), "the bot did not start"

    def children(self) -> list[int]:
        """The worker processes `run` started (not multiprocessing's resource tracker)."""
        assert self.process is not None
        found = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            found += [int(pid) for pid in (task / "children").read_text().split()]
        return [pid for pid in found if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]

    def kill(self, *, with_children: bool) -> None:
        assert self.process is not None
        doomed = self.children() if with_children else []
        self.process.kill()
        self.process.wait(10)
        for pid in doomed:
            _kill(pid)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(60)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def crash_slack() -> Iterator[FakeSlack]:
    """Slack answering after 20 ms, as over a network: the kills land in work under way."""
    with FakeSlack(latency=0.02) as fake:
        fake.add_user(MENTOR, "maria")
        fake.add_user(MENTEE, "lee")
        fake.add_channel(PAIR_CHANNEL, "maria-lee", members=(MENTOR, MENTEE), is_private=True)
        yield fake


def _request(sent: Sent, fake: FakeSlack, pair_id: int, steps: list[int]) -> tuple[bytes, str]:
    name = f"r{sent.index}"
    typed = {
        "win": ("/win", f"{sent.marker} worked: practice"),
        "goal": ("/goal", f"{sent.marker} by June 2027"),
        "agenda": ("/agenda", f"add {sent.marker}"),
    }
    if sent.kind in typed:
        command, text = typed[sent.kind]
        body = slash_command(
            command, text, user=MENTEE, channel=PAIR_CHANNEL, response_url=fake.response_url(name)
        )
        return body, "form"
    if sent.kind == "dm":
        body = message_event(
            f"EvCrash{sent.index}", user=MENTEE, text=f"win: {sent.marker}", channel=f"D{MENTEE}"
        )
        return body, "json"
    if sent.kind == "form":
        values = {
            AGENDA_FORM_TEXT: {AGENDA_FORM_TEXT: {"type": "plain_text_input", "value": sent.marker}}
        }
        return view_submission(
            AGENDA_FORM, values, user=MENTEE, private_metadata=str(pair_id)
        ), "form"
    step = steps[sent.index // len(KINDS)]
    return block_action(
        f"{MILESTONE_DONE}_0",
        str(step),
        user=MENTEE,
        response_url=fake.response_url(name),
        channel=PAIR_CHANNEL,
    ), "form"


def _send(url: str, body: bytes, kind: str, retry: int | None = None) -> bool:
    headers = slack_signature_headers(body, SIGNING_SECRET)
    headers["Content-Type"] = (
        "application/json" if kind == "json" else "application/x-www-form-urlencoded"
    )
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    try:
        return httpx.post(
            f"{url}/slack/events", content=body, headers=headers, timeout=10
        ).is_success
    except httpx.HTTPError:
        return False


def test_kill_9_mid_burst_loses_nothing_and_does_nothing_twice(
    crash_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    """A burst of commands, clicks, forms and DMs; the worker killed a third of the way, the
    serving process and its workers killed two thirds of the way, then started again. Slack
    retries the DMs it got no ack for (as it does); a command or click without an ack is the
    person's to repeat. Every acknowledged request has its effect once, its reply once."""
    fake, engine = crash_slack, make_engine(database_url)
    pair = pair_up(engine, MENTOR, MENTEE, PAIR_CHANNEL)
    capture(engine, Actor(MENTEE), Kind.GOAL, "Ship the crash-proof worker", Target(), T0)
    steps = [
        milestones.add_milestone(engine, Actor(MENTEE), Target(), 1, f"Step {n}", T0)
        .milestones[-1]
        .id
        for n in range(REQUESTS // len(KINDS))
    ]
    port = _free_port()
    home = tmp_path / "bot"
    home.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO),
        "HOME": str(home),
        "SLACK_BOT_TOKEN": fake.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.base_url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "SCHEDULER_ENABLED": "false",
        "WORK_LEASE_SECONDS": "1",
    }
    url = f"http://127.0.0.1:{port}"
    bot = Bot(env)
    bot.start()
    burst = [Sent(i, KINDS[i % len(KINDS)], f"Crash {i:03d}") for i in range(REQUESTS)]
    try:
        with ThreadPoolExecutor(4) as pool:
            for start, stop, then in (
                (0, REQUESTS // 3, lambda: _kill(bot.children()[0])),
                (REQUESTS // 3, 2 * REQUESTS // 3, lambda: bot.kill(with_children=True)),
                (2 * REQUESTS // 3, REQUESTS, None),
            ):
                chunk = burst[start:stop]
                requests = [_request(sent, fake, pair.id, steps) for sent in chunk]
                results = pool.map(lambda r: _send(url, *r), requests)
                if then is not None:
                    _under_way(engine)
                    then()
                for sent, acked in zip(chunk, results, strict=True):
                    sent.acked = acked
                if bot.process is not None and bot.process.poll() is not None:
                    bot.start()
        for sent in burst:  # Slack retries an event it got no ack for
            if sent.kind == "dm" and not sent.acked:
                sent.acked = _send(url, *_request(sent, fake, pair.id, steps), retry=1)
        _drained(engine)
    finally:
        bot.stop()
    _every_acknowledged_request_had_its_effect_once(engine, fake, burst, steps)


def _under_way(engine, timeout: float = 30) -> None:
    """Wait until a worker holds a claim: the kill lands in work under way."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(engine) as session:
            if session.exec(select(Work).where(Work.status == queue.CLAIMED)).first():
                return
        time.sleep(0.005)
    raise AssertionError("no work was under way")


def _drained(engine, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(engine) as session:
            left = session.exec(
                select(Work).where(Work.status.in_(queue.CLAIMABLE))  # type: ignore[attr-defined]
            ).all()
        if not left:
            return
        time.sleep(0.2)
    raise AssertionError(f"{len(left)} pieces of work still waiting after {timeout} s")


def _every_acknowledged_request_had_its_effect_once(engine, fake, burst, steps) -> None:
    with session_scope(engine) as session:
        wins = session.exec(select(Win)).all()
        goals = session.exec(select(Goal)).all()
        items = session.exec(select(AgendaItem)).all()
        done_steps = {m.id for m in session.exec(select(Milestone)).all() if m.status == "done"}
        failed = session.exec(select(Work).where(Work.status == queue.FAILED)).all()
        work_of_event = {w.key: w.id for w in session.exec(select(Work)).all() if w.key}
    assert failed == [], [(w.flow, w.reason) for w in failed]
    counts = {
        "win": lambda s: sum(w.text == s.marker for w in wins),
        "dm": lambda s: sum(w.text == s.marker for w in wins),
        "goal": lambda s: sum(g.text == s.marker for g in goals),
        "agenda": lambda s: sum(i.text == s.marker for i in items),
        "form": lambda s: sum(i.text == s.marker for i in items),
    }
    twice: list[int] = []
    posts = fake.messages_in(PAIR_CHANNEL)
    dms = fake.messages_in(f"D{MENTEE}")
    replies_to = [((m.get("metadata") or {}).get("event_payload") or {}).get("work") for m in dms]
    for sent in burst:
        if sent.kind == "click":
            assert steps[sent.index // len(KINDS)] in done_steps or not sent.acked, sent
            continue
        effects = counts[sent.kind](sent)
        assert effects == (1 if sent.acked else effects) and effects <= 1, (sent, effects)
        if sent.kind in ("win", "goal", "agenda") and sent.acked:
            # A response_url reply is the one step Slack gives no way to check: sent just
            # before a kill, and not yet recorded, it is sent again (twice, never none).
            replies = len(fake.responses(f"r{sent.index}"))
            assert 1 <= replies <= 2, sent
            if replies == 2:
                twice.append(sent.index)
        if sent.kind == "form" and sent.acked:
            assert sum(sent.marker in json.dumps(dm) for dm in dms) == 1, sent
        if sent.kind == "dm" and sent.acked:  # the reply carries its work's key
            work_id = work_of_event[f"event:EvCrash{sent.index}"]
            assert replies_to.count(f"{work_id}:0") == 1, sent
    for win in wins:
        shown = [p for p in posts if win.text in json.dumps(p)]
        assert len(shown) == 1 and win.announce_ts == shown[0]["ts"], win.text
    assert sum(sent.acked for sent in burst) >= REQUESTS // 2  # the test did test something
    with session_scope(engine) as session:
        again = [w for w in session.exec(select(Work)).all() if w.attempts > 1]
    assert again, "no kill landed in work under way"

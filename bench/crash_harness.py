"""Crashing the bot on purpose, and counting what a crash cost: shared by tests/test_crash.py
and bench/crash.py.

`Bot` starts `python -m bot run --mode http` as an operator would and kills it (or only its
worker) with SIGKILL as a crash would. A burst mixes what people send: /win, /goal and /agenda
typed in the pair's channel, a win sent to the bot by DM (an event), the agenda form submitted,
and a milestone's Done button clicked; `request` builds each as Slack sends it (signed, with a
response_url on the fake Slack) and `send` posts it, True when Slack would count it as acked.
`audit` then compares what was acknowledged with what the database and the fake Slack hold.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import httpx
from sqlalchemy import Engine
from sqlmodel import col, func, select

from fakeslack import FakeSlack
from fakeslack.payloads import (
    SIGNING_SECRET,
    TEAM,
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
from mentoring.pairs import create_pair
from storage import spool
from storage.db import read_scope
from storage.models import AgendaItem, Goal, Milestone, Win, Work
from workqueue import queue

REPO = Path(__file__).resolve().parent.parent
KINDS = ("win", "goal", "agenda", "dm", "form", "click")
TYPED = ("win", "goal", "agenda")  # slash commands, answered through their response_url
SLACK_LATENCY = 0.02  # Slack answers after 20 ms, as over a network: kills land in work under way


@dataclass(frozen=True)
class Pair:
    """A mentor and a mentee in their private channel; once set up, the pair's id and the
    milestones of its goal (one for each click of the burst that goes to this pair)."""

    mentor: str
    mentee: str
    channel: str
    id: int = 0
    steps: tuple[int, ...] = ()


def pairs_of(count: int) -> list[Pair]:
    return [Pair(f"UMENTOR{n:02d}", f"UMENTEE{n:02d}", f"CPAIR{n:02d}") for n in range(count)]


@contextlib.contextmanager
def fake_slack(pairs: list[Pair]) -> Iterator[FakeSlack]:
    """The fake Slack, answering after SLACK_LATENCY, with the pairs' people and channels."""
    with FakeSlack(latency=SLACK_LATENCY) as fake:
        for n, pair in enumerate(pairs):
            fake.add_user(pair.mentor, f"mentor{n}")
            fake.add_user(pair.mentee, f"mentee{n}")
            fake.add_channel(
                pair.channel, f"pair-{n}", members=(pair.mentor, pair.mentee), is_private=True
            )
        yield fake


def set_up(engine: Engine, pairs: list[Pair], requests: int) -> list[Pair]:
    """Pair each mentor and mentee, give each mentee a goal with a milestone for each click a
    burst of `requests` sends them (see `burst`); the pairs with their ids and milestones."""
    now = datetime.now(UTC)
    clicks = math.ceil(math.ceil(requests / len(KINDS)) / len(pairs))
    done = []
    for pair in pairs:
        info = create_pair(
            engine,
            Actor(pair.mentee),
            team_id=TEAM,
            mentor_id=pair.mentor,
            mentee_id=pair.mentee,
            channel_id=pair.channel,
            now=now,
        )
        mentee = Actor(pair.mentee)
        capture(engine, mentee, Kind.GOAL, "Ship the crash-proof worker", Target(), now)
        steps = tuple(
            milestones.add_milestone(engine, mentee, Target(), 1, f"Step {n}", now)
            .milestones[-1]
            .id
            for n in range(clicks)
        )
        done.append(replace(pair, id=info.id, steps=steps))
    return done


@dataclass
class Sent:
    """One request of the burst: what it is, for which pair, the text that marks its effect
    (unique to it), the milestone a click marks done, and whether it was acknowledged."""

    index: int
    kind: str
    marker: str
    pair: Pair
    step: int | None = None
    acked: bool = False

    def again(self, index: int) -> Sent:
        """The same kind of request to the same pair, sent anew by its person (a command
        typed again, a button clicked again, a form submitted again), with a text of its own."""
        return Sent(index, self.kind, marker(index), self.pair, self.step)


def marker(index: int) -> str:
    return f"Crash {index:05d}"  # one width: no marker is part of another


def burst(pairs: list[Pair], requests: int) -> list[Sent]:
    """`requests` requests, the kinds in turn; each run of len(KINDS) goes to one pair, the
    pairs in turn, and each click to the next milestone of its pair."""
    sent = []
    for index in range(requests):
        block = index // len(KINDS)
        pair = pairs[block % len(pairs)]
        kind = KINDS[index % len(KINDS)]
        step = pair.steps[block // len(pairs)] if kind == "click" else None
        sent.append(Sent(index, kind, marker(index), pair, step))
    return sent


def request(sent: Sent, fake: FakeSlack) -> tuple[bytes, str]:
    """The request as Slack sends it, and its body's type ("form" or "json")."""
    pair, name = sent.pair, f"r{sent.index}"
    typed = {
        "win": ("/win", f"{sent.marker} worked: practice"),
        "goal": ("/goal", f"{sent.marker} by June 2027"),
        "agenda": ("/agenda", f"add {sent.marker}"),
    }
    if sent.kind in typed:
        command, text = typed[sent.kind]
        url = fake.response_url(name)
        body = slash_command(
            command, text, user=pair.mentee, channel=pair.channel, response_url=url
        )
        return body, "form"
    if sent.kind == "dm":
        body = message_event(
            event_id(sent), user=pair.mentee, text=f"win: {sent.marker}", channel=f"D{pair.mentee}"
        )
        return body, "json"
    if sent.kind == "form":
        values = {
            AGENDA_FORM_TEXT: {AGENDA_FORM_TEXT: {"type": "plain_text_input", "value": sent.marker}}
        }
        return view_submission(
            AGENDA_FORM, values, user=pair.mentee, private_metadata=str(pair.id)
        ), "form"
    return block_action(
        f"{MILESTONE_DONE}_0",
        str(sent.step),
        user=pair.mentee,
        response_url=fake.response_url(name),
        channel=pair.channel,
    ), "form"


def event_id(sent: Sent) -> str:
    return f"EvCrash{sent.index}"


def send(url: str, body: bytes, kind: str, retry: int | None = None, timeout: float = 10) -> bool:
    """Post a request to the bot; True when it answered 2xx within `timeout` (Slack waits 3 s).
    `retry` numbers Slack's retry of an event it got no ack for."""
    headers = slack_signature_headers(body, SIGNING_SECRET)
    headers["Content-Type"] = (
        "application/json" if kind == "json" else "application/x-www-form-urlencoded"
    )
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    try:
        return httpx.post(
            f"{url}/slack/events", content=body, headers=headers, timeout=timeout
        ).is_success
    except httpx.HTTPError:
        return False


# The bot


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_env(
    fake: FakeSlack, database_url: str, port: int, home: Path, lease_seconds: int
) -> dict[str, str]:
    """The bot's environment: the fake Slack, the database, no scheduler (nothing is
    scheduled), and the work lease (how long a killed worker's claims hold its work)."""
    return {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO),
        "HOME": str(home),
        "SLACK_BOT_TOKEN": fake.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.base_url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "SCHEDULER_ENABLED": "false",
        "WORK_LEASE_SECONDS": str(lease_seconds),
    }


class Bot:
    """`python -m bot run --mode http`, started and killed as an operator (or a crash) would.
    `log`, if given, gets what every process it started wrote to stderr."""

    def __init__(self, env: dict[str, str], log: IO[str] | None = None) -> None:
        self.env = env
        self.log = log
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
                if self.log is not None:
                    self.log.write(line)

        threading.Thread(target=read, daemon=True).start()
        assert serving.wait(60) and working.wait(60), "the bot did not start"

    def children(self) -> list[int]:
        """The worker processes `run` started (named worker-<n>: not the scheduler, nor
        multiprocessing's resource tracker)."""
        assert self.process is not None
        found = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            found += [int(pid) for pid in (task / "children").read_text().split()]
        return [pid for pid in found if _named(pid).startswith("worker")]

    def kill(self, *, with_children: bool) -> None:
        assert self.process is not None
        doomed = self.children() if with_children else []
        self.process.kill()
        self.process.wait(10)
        for pid in doomed:
            kill(pid)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(60)


def _named(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except FileNotFoundError:  # gone already
        return ""


def kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


# The work


def under_way(engine: Engine, timeout: float = 30) -> None:
    """Wait until a worker holds a claim: the kill lands in work under way."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with read_scope(engine) as session:
            if session.exec(select(Work).where(Work.status == queue.CLAIMED)).first():
                return
        time.sleep(0.005)
    raise AssertionError("no work was under way")


def drained(engine: Engine, timeout: float = 60) -> float:
    """Wait until no work is waiting or claimed; when that was (time.monotonic())."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with read_scope(engine) as session:
            left = session.exec(
                select(func.count()).where(col(Work.status).in_(queue.CLAIMABLE))
            ).one()
        left += spool.waiting(engine)[0]  # stored, not taken in
        if not left:
            return time.monotonic()
        time.sleep(0.2)
    raise AssertionError(f"{left} pieces of work still waiting after {timeout} s")


# What a crash cost


@dataclass(frozen=True)
class Problem:
    what: str
    sent: Sent | None = None

    def __str__(self) -> str:
        if self.sent is None:
            return self.what
        return f"{self.sent.kind} {self.sent.marker!r} (acked: {self.sent.acked}): {self.what}"


@dataclass
class Audit:
    """What the database and the fake Slack hold against what was acknowledged.

    lost: an acknowledged request without its effect or its answer, or a win never posted;
    duplicated: an effect, an answer or a post more than once; unrecorded: a win whose post is
    not the one recorded with it; failed: work set aside as failed. replied_twice: commands
    whose response_url reply went out twice (allowed: see below); retaken: pieces of work
    claimed again after their worker died; keyed_twice: posts made for one step of one piece
    of work that reached Slack more than once (its metadata key, counted by the fake)."""

    lost: list[Problem] = field(default_factory=list)
    duplicated: list[Problem] = field(default_factory=list)
    unrecorded: list[Problem] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    replied_twice: list[Sent] = field(default_factory=list)
    retaken: int = 0
    keyed_twice: dict[str, int] = field(default_factory=dict)

    def requests_lost(self) -> int:
        return len({id(p.sent) for p in self.lost})

    def requests_duplicated(self) -> int:
        return len({id(p.sent) for p in self.duplicated})


def audit(engine: Engine, fake: FakeSlack, burst: list[Sent]) -> Audit:
    """Every acknowledged request had its effect once and its answer once; no request had its
    effect twice; every win was posted once, and that post is the one recorded with it."""
    found = Audit()
    with read_scope(engine) as session:
        wins = session.exec(select(Win)).all()
        goals = session.exec(select(Goal)).all()
        items = session.exec(select(AgendaItem)).all()
        done_steps = {m.id for m in session.exec(select(Milestone)).all() if m.status == "done"}
        works = session.exec(select(Work)).all()
    found.failed = [f"{w.flow}: {w.reason}" for w in works if w.status == queue.FAILED]
    found.retaken = sum(w.attempts > 1 for w in works)
    work_of_event = {w.key: w.id for w in works if w.key}
    effects = {
        "win": Counter(w.text for w in wins),
        "goal": Counter(g.text for g in goals),
        "agenda": Counter(i.text for i in items),
    }
    effects |= {"dm": effects["win"], "form": effects["agenda"]}
    pairs = {sent.pair.id: sent.pair for sent in burst}
    posts = {
        p.id: [(m["ts"], json.dumps(m)) for m in fake.messages_in(p.channel)]
        for p in pairs.values()
    }
    dms = {p.mentee: fake.messages_in(f"D{p.mentee}") for p in pairs.values()}
    dumped_dms = {mentee: [json.dumps(dm) for dm in shown] for mentee, shown in dms.items()}
    replies_to = Counter(
        ((m.get("metadata") or {}).get("event_payload") or {}).get("work")
        for shown in dms.values()
        for m in shown
    )
    replies = Counter(
        call.method.removeprefix("respond:") for call in fake.calls_to("respond:*") if call.ok
    )
    for sent in burst:

        def lost(what: str, sent: Sent = sent) -> None:
            found.lost.append(Problem(what, sent))

        def twice(what: str, sent: Sent = sent) -> None:
            found.duplicated.append(Problem(what, sent))

        if sent.kind == "click":
            if sent.acked and sent.step not in done_steps:
                lost("its milestone is not done")
            continue
        count = effects[sent.kind][sent.marker]
        if count > 1:
            twice(f"stored {count} times")
        elif sent.acked and count == 0:
            lost("not stored")
        if not sent.acked:
            continue
        if sent.kind in TYPED:
            # A response_url reply is the one step Slack gives no way to check: sent just
            # before a kill, and not yet recorded, it is sent again (twice, never none).
            answered = replies[f"r{sent.index}"]
            if answered == 0:
                lost("no reply")
            elif answered == 2:
                found.replied_twice.append(sent)
            elif answered > 2:
                twice(f"replied {answered} times")
        if sent.kind == "form":
            confirmed = sum(sent.marker in dm for dm in dumped_dms[sent.pair.mentee])
            if confirmed != 1:
                (lost if confirmed == 0 else twice)(f"confirmed by DM {confirmed} times")
        if sent.kind == "dm":  # the reply carries its work's key
            work_id = work_of_event.get(f"event:{event_id(sent)}")
            answered = 0 if work_id is None else replies_to[f"{work_id}:0"]
            if answered != 1:
                (lost if answered == 0 else twice)(f"answered by DM {answered} times")
    by_marker = {sent.marker: sent for sent in burst}
    for win in wins:
        shown = [ts for ts, post in posts.get(win.pair_id, []) if win.text in post]
        sent = by_marker.get(win.text)
        if not shown:
            found.lost.append(Problem("win never posted in the pair's channel", sent))
        elif len(shown) > 1:
            found.duplicated.append(Problem(f"win posted {len(shown)} times", sent))
        elif win.announce_ts != shown[0]:
            found.unrecorded.append(Problem("win posted, but not recorded as posted", sent))
    found.keyed_twice = {str(key): n for key, n in fake.duplicate_metadata("work").items()}
    return found

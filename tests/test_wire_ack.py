"""With the production process model (workers in processes of their own, fed from the work
table): Slack gets its ack before any slow work, the work still lands, and nothing
acknowledged is lost when a worker stops or dies."""

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import select

from bot.app import build_services, with_runner
from bot.processes import Children
from handlers.commands import run_command
from handlers.runtime import Origin, ReplyTo, Services, Task
from storage.db import session_scope
from storage.models import InboundEvent, Win, Work
from tests.conftest import MENTEE, MENTOR, PAIR_CHANNEL, Wire, serving
from workqueue import queue

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker_wire(settings, engine, fake_slack, paired) -> Iterator[Wire]:
    """Like `wire`, but work after the ack runs in a worker process, as in production (with
    the system's clock, as the worker process has)."""
    children = Children(settings, scheduler=False).start()
    services = with_runner(build_services(settings, engine=engine), children)
    try:
        with serving(settings, services, fake_slack) as client:
            yield client
    finally:
        children.stop()


def test_the_ack_does_not_wait_for_slack(worker_wire: Wire) -> None:
    """While chat.postMessage is held at the fake, /win is already acknowledged; once released
    the win is posted and the mentee gets the private confirmation."""
    fake = worker_wire.fake
    release = fake.hold("chat.postMessage")
    try:
        sent = worker_wire.command("/win", "Gave feedback to a peer", user=MENTEE)
        assert sent.http.status_code == 200 and sent.http.text == ""
        fake.wait_held("chat.postMessage", timeout=30)  # the post is under way, and blocked
        assert fake.calls_to("chat.postMessage") == []
    finally:
        release.set()
    fake.wait_for("chat.postMessage", timeout=30)
    (reply,) = [call.args for call in fake.wait_for("respond:*", timeout=30)]
    assert "shared with" in reply["text"]
    assert ":trophy:" in fake.messages_in(PAIR_CHANNEL)[-1]["text"]


def test_a_dm_is_stored_before_its_ack(worker_wire: Wire) -> None:
    """By the time the Events API request is answered, the delivery and its work are in the
    database."""
    fake = worker_wire.fake
    release = fake.hold("chat.postMessage")
    try:
        assert worker_wire.dm("Ev1", "win: Kept the on-call calm", user=MENTEE).status_code == 200
        with session_scope(worker_wire.services.engine) as session:
            assert session.get(InboundEvent, "Ev1") is not None
            assert session.exec(select(Work).where(Work.key == "event:Ev1")).one()
    finally:
        release.set()
    fake.wait_for("chat.postMessage", count=2, timeout=30)  # the channel post and the DM reply
    with session_scope(worker_wire.services.engine) as session:
        assert [w.text for w in session.exec(select(Win)).all()] == ["Kept the on-call calm"]


def _store_wins(services: Services, *texts: str, reply: ReplyTo | None = None) -> None:
    """`/win <text>` typed by the mentee in the pair's channel, stored as its listener does."""
    origin = Origin(MENTEE, PAIR_CHANNEL, team_id="T0001")
    for text in texts:
        services.after_ack(Task(run_command, origin, ("/win", text), reply or ReplyTo(), "/win"))


def _wait_done(services: Services, count: int, timeout: float = 30) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(services.engine) as session:
            done = session.exec(select(Work).where(Work.status == queue.DONE)).all()
        if len(done) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{count} pieces of work were not done in {timeout} s")


def test_work_left_when_the_workers_stop_is_done_by_the_next(
    settings, engine, fake_slack, paired
) -> None:
    """Work stored while no worker runs, or left when they stop, waits in the database and is
    done, once, when a worker runs again. Run as a burst, the five wins cost each member's
    Home one drawing (bot.worker.HOME_SETTLE), not five, showing the last win — also when the
    worker is stopped before the settling time is over (it draws what waits first)."""
    services = build_services(settings, engine=engine)
    _store_wins(services, *(f"Queued win {n}" for n in range(5)))
    children = Children(settings, scheduler=False).start()
    try:
        _wait_done(services, 5)
    finally:
        children.stop()
    with session_scope(engine) as session:
        assert sorted(w.text for w in session.exec(select(Win)).all()) == [
            f"Queued win {n}" for n in range(5)
        ]
    assert len(fake_slack.calls_to("chat.postMessage")) == 5
    published = fake_slack.calls_to("views.publish")
    assert sorted(str(call.args["user_id"]) for call in published) == sorted([MENTEE, MENTOR])
    mentees = [call for call in published if call.args["user_id"] == MENTEE]
    assert "Queued win 4" in str(mentees[-1].args["view"])


def test_a_worker_killed_mid_task_is_replaced_and_its_task_done_once(
    settings, engine, fake_slack, paired
) -> None:
    """kill -9 of the worker while it posts a win: a new worker starts, takes the task when the
    lease runs out, finds the post that went through by its metadata, and records it — one win,
    one post, one reply."""
    import os
    import signal

    settings = replace(settings, work_lease_seconds=1)
    children = Children(settings, scheduler=False).start()
    services = with_runner(build_services(settings, engine=engine), children)
    release = fake_slack.hold("chat.postMessage")
    try:
        reply = ReplyTo(response_url=fake_slack.response_url("win"))
        _store_wins(services, "Ran the incident review", reply=reply)
        fake_slack.wait_held("chat.postMessage", timeout=30)
        (first,) = children.pids
        os.kill(first, signal.SIGKILL)
        release.set()  # the post reaches Slack, but its worker is gone
        _wait_done(services, 1)  # once the claim's lease (1 s) runs out
        assert children.pids != [first]
    finally:
        release.set()
        children.stop()
    with session_scope(engine) as session:
        (win,) = session.exec(select(Win)).all()
    posts = [m for m in fake_slack.messages_in(PAIR_CHANNEL) if ":trophy:" in m["text"]]
    assert len(posts) == 1 and win.announce_ts == posts[0]["ts"]
    assert len(fake_slack.responses("win")) == 1


def test_work_slower_than_its_lease_keeps_its_claim_and_runs_once(
    settings, engine, fake_slack, paired
) -> None:
    """Slack holds a win's post for three leases (1 s each): the worker renews the claim while
    the task runs, so neither it nor another worker takes the task again — one claim, one
    post, one reply."""

    settings = replace(settings, work_lease_seconds=1)
    children = Children(settings, scheduler=False).start()
    services = with_runner(build_services(settings, engine=engine), children)
    release = fake_slack.hold("chat.postMessage")
    try:
        _store_wins(
            services,
            "Shipped the migration",
            reply=ReplyTo(response_url=fake_slack.response_url("w")),
        )
        _finish_after_holding(fake_slack, services, release, 3 * settings.work_lease_seconds)
    finally:
        release.set()
        children.stop()
    _claimed_once_posted_once(engine, fake_slack)
    assert len(fake_slack.responses("w")) == 1


def _finish_after_holding(fake_slack, services: Services, release, seconds: float) -> None:
    """Once the win's post reaches Slack, hold it there `seconds`, then let it through and
    wait until the work is done."""
    import time

    fake_slack.wait_held("chat.postMessage", timeout=30)
    time.sleep(seconds)
    release.set()
    _wait_done(services, 1)


def _claimed_once_posted_once(engine, fake_slack) -> None:
    with session_scope(engine) as session:
        (work,) = session.exec(select(Work)).all()
    assert work.attempts == 1
    posts = [m for m in fake_slack.messages_in(PAIR_CHANNEL) if ":trophy:" in m["text"]]
    assert len(posts) == 1


def test_a_worker_late_to_renew_never_takes_its_own_running_task_again(
    settings, engine, fake_slack, paired, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker kept from renewing (its loop starved of CPU: workers take only what is left)
    finds the lease of a task it is still running run out. It must not claim that task
    again and run it a second time beside the first: one claim, one post. Renewals are
    switched off here, and the task is held by Slack for two and a half leases."""
    import threading
    import time

    from bot import worker

    settings = replace(settings, work_lease_seconds=1)
    monkeypatch.setattr(worker, "_renew", lambda services, name, ids, lease: time.monotonic())
    services = build_services(settings, engine=engine)
    release = fake_slack.hold("chat.postMessage")
    stop = threading.Event()
    running = threading.Thread(
        target=worker.work, args=(settings, 2), kwargs={"stop": stop, "nice": False}
    )
    try:
        _store_wins(services, "Shipped the migration")
        running.start()
        _finish_after_holding(fake_slack, services, release, 2.5 * settings.work_lease_seconds)
    finally:
        release.set()
        stop.set()
        running.join(timeout=30)
    _claimed_once_posted_once(engine, fake_slack)


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="Linux's scheduling policies")
def test_a_worker_gives_way_to_everything_else_threads_included() -> None:
    """A worker takes only CPU nothing else wants: SCHED_IDLE, inherited by the threads it
    starts afterwards (its task pool). Checked in a process of its own."""
    code = (
        "import os, threading; from bot.worker import _give_way; _give_way(); seen = [];"
        "t = threading.Thread(target=lambda: seen.append(os.sched_getscheduler(0)));"
        "t.start(); t.join(); print(os.sched_getscheduler(0), seen[0])"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert shown == [str(os.SCHED_IDLE)] * 2

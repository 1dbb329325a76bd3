"""With the production runner (a worker process): Slack gets its ack before any slow work, and
the work still lands."""

from collections.abc import Iterator

import pytest
from sqlmodel import select

from bot.app import build_services, with_runner
from bot.worker import ProcessRunner
from handlers.commands import run_command
from handlers.runtime import Origin, ReplyTo, Task
from storage.db import session_scope
from storage.models import InboundEvent, Win
from tests.conftest import MENTEE, PAIR_CHANNEL, Wire, serving


@pytest.fixture
def worker_wire(settings, engine, clock, fake_slack, paired) -> Iterator[Wire]:
    """Like `wire`, but work after the ack runs in a worker process, as in production."""
    runner = ProcessRunner(settings)
    services = with_runner(build_services(settings, engine=engine, clock=clock), runner)
    try:
        with serving(settings, services, fake_slack) as client:
            yield client
    finally:
        runner.close()


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
    """By the time the Events API request is answered, the delivery is in the database."""
    fake = worker_wire.fake
    release = fake.hold("chat.postMessage")
    try:
        assert worker_wire.dm("Ev1", "win: Kept the on-call calm", user=MENTEE).status_code == 200
        with session_scope(worker_wire.services.engine) as session:
            assert session.get(InboundEvent, "Ev1") is not None
    finally:
        release.set()
    fake.wait_for("chat.postMessage", count=2, timeout=30)  # the channel post and the DM reply
    with session_scope(worker_wire.services.engine) as session:
        assert [w.text for w in session.exec(select(Win)).all()] == ["Kept the on-call calm"]


def _win_task(text: str) -> Task:
    """`/win <text>` typed by the mentee in the pair's channel, as the worker gets it."""
    origin = Origin(MENTEE, PAIR_CHANNEL, team_id="T0001")
    return Task(run_command, origin, ("/win", text), ReplyTo(), "/win")


def test_closing_the_runner_finishes_queued_work(
    settings, engine, clock, fake_slack, paired
) -> None:
    """Work acknowledged before a shutdown is done before the worker stops (nothing lost)."""
    runner = ProcessRunner(settings)
    for n in range(5):
        runner.submit(_win_task(f"Queued win {n}"))
    runner.close()
    with session_scope(engine) as session:
        assert sorted(w.text for w in session.exec(select(Win)).all()) == [
            f"Queued win {n}" for n in range(5)
        ]
    assert len(fake_slack.calls_to("chat.postMessage")) == 5


def test_a_worker_that_died_is_started_again(settings, engine, clock, fake_slack, paired) -> None:
    """If the worker process is killed, the next task starts a new one and still runs."""
    import os
    import signal

    runner = ProcessRunner(settings)
    first = runner.pid
    os.kill(first, signal.SIGKILL)
    # Wait until it has fully exited (all its pipes closed), without reaping it: the sentinel
    # alone can be ready while the task pipe is still open, and a task sent then is lost.
    exited = os.waitid(os.P_PID, first, os.WEXITED | os.WNOWAIT)
    assert exited is not None and exited.si_status == signal.SIGKILL
    runner.submit(_win_task("After a crash"))
    runner.close()
    assert runner.pid != first
    with session_scope(engine) as session:
        assert [w.text for w in session.exec(select(Win)).all()] == ["After a crash"]

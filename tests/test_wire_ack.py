"""With the real thread pool: Slack gets its ack before any slow work, and the work still lands."""

import threading
from collections.abc import Iterator

import pytest
from sqlmodel import select

from bot.app import build_services, create_app
from bot.web import make_server, make_wsgi_app, stop_server
from storage.db import session_scope
from storage.models import InboundEvent, Win
from tests.conftest import MENTEE, PAIR_CHANNEL, Wire


@pytest.fixture
def threaded_wire(settings, engine, clock, fake_slack, paired) -> Iterator[Wire]:
    """Like `wire`, but work after the ack runs on the production thread pool."""
    services = build_services(settings, engine=engine, clock=clock)
    server = make_server(make_wsgi_app(create_app(settings, services), engine), "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    client = Wire(f"http://127.0.0.1:{server.effective_port}", fake_slack, services)
    yield client
    client.close()
    stop_server(server)
    thread.join(timeout=10)
    assert not thread.is_alive()
    services.executor.shutdown(wait=True)


def test_the_ack_does_not_wait_for_slack(threaded_wire: Wire) -> None:
    """While chat.postMessage is held at the fake, /win is already acknowledged; once released
    the win is posted and the mentee gets the private confirmation."""
    fake = threaded_wire.fake
    release = fake.hold("chat.postMessage")
    try:
        sent = threaded_wire.command("/win", "Gave feedback to a peer", user=MENTEE)
        assert sent.http.status_code == 200 and sent.http.text == ""
        fake.wait_held("chat.postMessage")  # the post is under way, and blocked
        assert fake.calls_to("chat.postMessage") == []
    finally:
        release.set()
    fake.wait_for("chat.postMessage")
    (reply,) = [call.args for call in fake.wait_for("respond:*")]
    assert "shared with" in reply["text"]
    assert ":trophy:" in fake.messages_in(PAIR_CHANNEL)[-1]["text"]


def test_a_dm_is_stored_before_its_ack(threaded_wire: Wire) -> None:
    """By the time the Events API request is answered, the delivery is in the database."""
    fake = threaded_wire.fake
    release = fake.hold("chat.postMessage")
    try:
        assert threaded_wire.dm("Ev1", "win: Kept the on-call calm", user=MENTEE).status_code == 200
        with session_scope(threaded_wire.services.engine) as session:
            assert session.get(InboundEvent, "Ev1") is not None
    finally:
        release.set()
    fake.wait_for("chat.postMessage", count=2)  # the channel post and the DM reply
    with session_scope(threaded_wire.services.engine) as session:
        assert [w.text for w in session.exec(select(Win)).all()] == ["Kept the on-call calm"]

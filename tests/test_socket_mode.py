"""Socket Mode over the fake's WebSocket server: what the app acknowledges, and what it does."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date

import pytest
from sqlmodel import select

from bot import health
from bot.app import create_app
from bot.settings import Settings
from bot.socket_mode import SocketMode
from fakeslack import FakeSlack
from fakeslack.payloads import block_action, message_event, view_submission
from fakeslack.socketmode import Ack
from handlers.goals import blocks as goal_blocks
from handlers.runtime import Services
from storage.db import session_scope
from storage.models import Goal, Win
from tests.conftest import MENTEE, PAIR_CHANNEL, SocketWire, dm_channel


@pytest.fixture
def socket_mode(
    settings: Settings, services: Services, fake_slack: FakeSlack
) -> Iterator[SocketMode]:
    """The real app connected in Socket Mode to the fake, its work after each ack done inline."""
    socket = SocketMode(create_app(settings, services), fake_slack.app_token, fake_slack.base_url)
    assert socket.connect(timeout=10)
    yield socket
    socket.stop()


@pytest.fixture
def socket_wire(socket_mode: SocketMode, fake_slack: FakeSlack) -> SocketWire:
    return SocketWire(fake_slack)


def _wins(services: Services) -> list[str]:
    with session_scope(services.engine) as session:
        return [win.text for win in session.exec(select(Win))]


def test_commands_dms_clicks_and_forms_arrive_and_are_acked(
    socket_wire: SocketWire, services: Services, paired
) -> None:
    """A slash command, a DM and Slack's retry of it (applied once), a button click and a form
    submission, each acknowledged over the socket, and the work lands."""
    fake = socket_wire.fake
    ack, replies = socket_wire.command("/win", "Shipped the importer")
    assert ack.payload is None and "shared with" in replies[-1]["text"]
    assert ":trophy:" in fake.messages_in(PAIR_CHANNEL)[-1]["text"]

    dm = message_event(
        "EvSock1", user=MENTEE, text="win: Ran the retro", channel=dm_channel(MENTEE)
    )
    socket_wire.deliver(dm)
    socket_wire.deliver(dm, retry_attempt=1, retry_reason="timeout")
    assert _wins(services) == ["Shipped the importer", "Ran the retro"]
    assert len([m for m in fake.messages_in(PAIR_CHANNEL) if ":trophy:" in m["text"]]) == 2

    undo = replies[-1]["blocks"][1]["elements"][0]
    click = block_action(
        undo["action_id"], undo["value"], user=MENTEE, response_url=fake.response_url("undo")
    )
    socket_wire.deliver(click)
    assert "Removed that win" in fake.responses("undo")[-1]["text"]
    assert _wins(services) == ["Ran the retro"]

    fields = {
        goal_blocks.GOAL_OUTCOME: {"type": "plain_text_input", "value": "Give a talk"},
        goal_blocks.GOAL_DUE: {"type": "datepicker", "selected_date": "2047-11-21"},
        goal_blocks.GOAL_EVIDENCE: {"type": "plain_text_input", "value": ""},
    }
    state = {block: {block: value} for block, value in fields.items()}

    def submit(due: str) -> Ack:
        state[goal_blocks.GOAL_DUE][goal_blocks.GOAL_DUE]["selected_date"] = due
        form = view_submission(
            goal_blocks.GOAL_FORM, state, user=MENTEE, private_metadata=str(paired.id)
        )
        return socket_wire.deliver(form)

    refused = submit("2047-11-21")  # more than 20 years away: the errors ride on the ack
    assert refused.payload["response_action"] == "errors"
    assert goal_blocks.GOAL_DUE in refused.payload["errors"]
    assert submit("2045-11-21").payload is None
    with session_scope(services.engine) as session:
        assert [goal.due_on for goal in session.exec(select(Goal))] == [date(2045, 11, 21)]


def test_envelopes_right_after_a_refresh_are_acked_and_done_once(
    socket_wire: SocketWire, services: Services, paired
) -> None:
    """Slack asks for a refresh; the envelopes it sends next arrive on the new connection,
    are acknowledged, and each win is saved and posted once."""
    server = socket_wire.server
    old = server.disconnect("refresh_requested")
    acks = [socket_wire.command("/win", f"After the refresh {n}")[0] for n in range(3)]
    assert {ack.connection for ack in acks} != {old}
    assert _wins(services) == [f"After the refresh {n}" for n in range(3)]
    posts = [m for m in socket_wire.fake.messages_in(PAIR_CHANNEL) if ":trophy:" in m["text"]]
    assert len(posts) == 3 and len(server.acks) == 3


def test_socket_mode_turned_off_fails_the_health_check(
    socket_mode: SocketMode, fake_slack: FakeSlack
) -> None:
    """Socket Mode switched off for the app (link_disabled): the client cannot reconnect, and
    the health check says the connection is down."""
    probe = health.socket_mode(socket_mode.is_connected)
    assert probe().ok
    fake_slack.disable_socket_mode()
    for _ in range(100):
        if not probe().ok:
            break
        time.sleep(0.05)
    assert probe() == health.Check("socket_mode", "not connected to Slack")

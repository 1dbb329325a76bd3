"""Action items that move: one per line of a thread reply, their age in meetings carried
forward compactly, a checklist with Done / Undo in the meeting's posts, and one question
(Keep / Drop) about an item open through three meetings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.settings import Settings
from fakeslack import FakeSlack
from mentoring.errors import InvalidInput
from mentoring.model import Actor, PairInfo
from mentoring.replies import reply_to_followup_in, split_items
from outbox import Dispatcher
from storage.db import session_scope
from storage.models import ActionItem
from tests.conftest import MENTEE, MENTOR, PAIR_CHANNEL, flatten_text
from tests.support import dispatcher, pair_up, schedule_meetings

# T0 is Saturday 21 November 2026; "weekly tue 15:00 Europe/Berlin" starts at 14:00 UTC on the 24th.
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
WEEK = timedelta(weeks=1)


def _items(engine: Engine) -> list[ActionItem]:
    with session_scope(engine) as session:
        return list(session.exec(select(ActionItem).order_by(ActionItem.number)).all())


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for block in message.get("blocks", []):
        if "accessory" in block:
            found.append(block["accessory"])
        found += block.get("elements", []) if block.get("type") == "actions" else []
    return found


def _button(message: dict[str, Any], prefix: str) -> dict[str, Any]:
    return next(b for b in _buttons(message) if b["action_id"].startswith(prefix))


@pytest.fixture
def pair(engine: Engine) -> PairInfo:
    pair = pair_up(engine, channel=PAIR_CHANNEL)
    schedule_meetings(engine)
    return pair


@pytest.fixture
def run(engine: Engine, settings: Settings, pair: PairInfo) -> Dispatcher:
    return dispatcher(engine, settings)


def _posts(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    return [
        c.args for c in fake.calls_to("chat.postMessage") if c.ok and c.args["channel"] == channel
    ]


# Splitting a thread reply


def test_a_reply_splits_into_one_item_per_line_or_bullet() -> None:
    """Lines and "-", "*", "•", "1." / "2)" bullets each give an item; blank lines and bare
    markers are ignored; a star that starts bold text stays."""
    reply = (
        "- book a room\n\n* ask Sam for feedback\n• draft the abstract\n"
        "1. send it\n2) wait\n-\n*bold* move"
    )
    assert split_items(reply) == [
        "book a room",
        "ask Sam for feedback",
        "draft the abstract",
        "send it",
        "wait",
        "*bold* move",
    ]
    assert split_items("Draft the talk outline") == ["Draft the talk outline"]


def test_a_multi_line_thread_reply_files_one_action_item_per_line(
    run: Dispatcher, engine: Engine, fake_slack: FakeSlack
) -> None:
    """The reply under "what will you act on?" becomes an item per bullet, all the writer's,
    numbered in order; a line over the limit refuses the whole reply and adds nothing."""
    run.tick(START + timedelta(hours=3))
    (followup,) = _posts(fake_slack, PAIR_CHANNEL)
    ts = fake_slack.messages_in(PAIR_CHANNEL)[-1]["ts"]
    assert "one thing per line" in followup["text"] or "per line" in flatten_text(followup)
    reply = "- book a room\n- ask Sam for feedback\n"
    now = START + timedelta(hours=4)
    with session_scope(engine) as session:
        filed = reply_to_followup_in(session, Actor(MENTEE), PAIR_CHANNEL, ts, reply, now)
    assert filed is not None and filed.kind == "action"
    assert filed.items == ((1, "book a room"), (2, "ask Sam for feedback"))
    assert [(a.number, a.owner_id, a.text) for a in _items(engine)] == [
        (1, MENTEE, "book a room"),
        (2, MENTEE, "ask Sam for feedback"),
    ]
    too_long = "- fine\n- " + "x" * 600
    with pytest.raises(InvalidInput, match="Line 2"), session_scope(engine) as session:
        reply_to_followup_in(session, Actor(MENTOR), PAIR_CHANNEL, ts, too_long, now)
    assert len(_items(engine)) == 2

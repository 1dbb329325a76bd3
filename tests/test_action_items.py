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
from fakeslack import FakeSlack, validate_message
from handlers.meetings import checklist
from mentoring.errors import InvalidInput, NotAllowed
from mentoring.meetings import agenda
from mentoring.meetings.agenda import ActionInfo, Mark
from mentoring.model import Actor, PairInfo, Target
from mentoring.replies import reply_to_followup_in, split_items
from outbox import Dispatcher
from storage.db import session_scope
from storage.models import ActionItem
from tests.conftest import ADMIN, MENTEE, MENTOR, OUTSIDER, PAIR_CHANNEL, Tick, Wire, flatten_text
from tests.support import T0, dispatcher, pair_up, schedule_meetings

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


# Age, and the one question


def test_carried_items_show_their_age_and_the_third_meeting_asks_once(
    run: Dispatcher, engine: Engine, pair: PairInfo, fake_slack: FakeSlack
) -> None:
    """An item's age counts the meetings held since it was added; the agenda of the meeting
    after its third asks Keep / Drop, and no agenda after that asks again."""
    agenda.add_action(engine, Actor(MENTEE), Target(pair_id=pair.id), "Book a room", None, T0)
    agendas: list[dict[str, Any]] = []
    for week in range(5):
        run.tick(START + week * WEEK - timedelta(hours=1))  # the DMs (late) and the agenda
        agendas.append(_posts(fake_slack, PAIR_CHANNEL)[-1])
        run.tick(START + week * WEEK + timedelta(hours=3))  # the follow-up; plans the next
    assert "_new_" in flatten_text(agendas[0])
    assert "_2 meetings_" in flatten_text(agendas[2])
    asking = [
        any(b["action_id"].startswith(checklist.KEEP_ACTION) for b in _buttons(a)) for a in agendas
    ]
    assert asking == [False, False, False, True, False]
    assert "open through 3 meetings" in flatten_text(agendas[3])
    dms = _posts(fake_slack, MENTEE)
    assert "_3 meetings_" in flatten_text(dms[3])  # the DM lists it, without asking
    assert not any(b["action_id"].startswith(checklist.KEEP_ACTION) for b in _buttons(dms[3]))


def test_many_items_are_listed_compactly_inside_block_kit() -> None:
    """Forty open items: five with buttons (the asked ones first), the rest on one line with
    their age and a count — valid Block Kit."""
    items = [
        ActionInfo(n, n, MENTEE, f"Item {n} " + "y" * 400, True, 1, age=n % 5) for n in range(1, 41)
    ]
    blocks = checklist.checklist(items, ask=True)
    message = {"text": "x", "blocks": blocks}
    assert validate_message(message) == []
    assert len(blocks) <= 1 + 2 * checklist.SHOWN + 1
    text = flatten_text(message)
    assert "35 more" in text and "(4 meetings)" in text and "32 new" not in text
    assert "8 new, 32 carried over" in text
    assert blocks[1]["block_id"].endswith(":ask")  # an item open through 3 meetings, first


# Clicking


def _checked(engine: Engine, pair: PairInfo, who: str, mark: Mark, action_id: int) -> Any:
    return agenda.check_action(engine, Actor(who, who == ADMIN), action_id, mark, [action_id], T0)


def test_either_member_ticks_an_item_once_and_nobody_else_can(
    engine: Engine, pair: PairInfo
) -> None:
    """Done by either member, twice, closes it once; Undo opens it; Drop drops it; Keep
    changes nothing; an outsider and an admin are refused and change nothing."""
    added = agenda.add_action(engine, Actor(MENTEE), Target(pair_id=pair.id), "Book", None, T0)
    item_id = added.action.id
    for stranger in (OUTSIDER, ADMIN):
        with pytest.raises(NotAllowed, match="Only <@UMENTEE> and <@UMENTOR>"):
            _checked(engine, pair, stranger, Mark.DONE, item_id)
    assert _items(engine)[0].status == "open"
    first = _checked(engine, pair, MENTOR, Mark.DONE, item_id)
    closed_at = _items(engine)[0].closed_at
    again = agenda.check_action(engine, Actor(MENTEE), item_id, Mark.DONE, [], T0 + WEEK)
    assert first.changed and not again.changed and again.item.status == "done"
    assert _items(engine)[0].closed_at == closed_at
    assert _checked(engine, pair, MENTEE, Mark.UNDO, item_id).item.open
    assert not _checked(engine, pair, MENTEE, Mark.KEEP, item_id).changed
    assert _checked(engine, pair, MENTEE, Mark.DROP, item_id).item.status == "dropped"
    assert _checked(engine, pair, MENTOR, Mark.UNDO, item_id).item.status == "open"


def test_keep_stops_the_question_and_drop_strikes_the_item_with_undo() -> None:
    """Redrawn after Keep, the item is an ordinary open line; dropped, it is struck through
    with Undo; an item gone from the database leaves the post."""
    asked = ActionInfo(7, 4, MENTEE, "Book a room", True, 1, age=3)
    other = ActionInfo(8, 5, MENTOR, "Read the paper", True, 1, age=0)
    blocks = checklist.checklist([asked, other], ask=True)
    assert [b.get("block_id") for b in blocks[1:]] == [
        "act:7:3:ask",
        "act:7:3:ask:buttons",
        "act:8:0",
    ]
    kept = checklist.redraw(blocks, {7: asked, 8: other}, kept=7)
    assert [b.get("block_id") for b in kept[1:]] == ["act:7:3", "act:8:0"]
    dropped = ActionInfo(7, 4, MENTEE, "Book a room", False, 1, "dropped")
    redrawn = checklist.redraw(blocks, {7: dropped})
    assert "~Book a room~" in flatten_text({"blocks": redrawn}) and "dropped" in flatten_text(
        {"blocks": redrawn}
    )
    assert _button({"blocks": redrawn}, checklist.UNDO_ACTION)["value"] == "7"
    assert [b.get("block_id") for b in checklist.redraw(blocks, {8: other})[1:]] == ["act:8:0"]


def test_done_in_the_agenda_post_redraws_it_and_refuses_outsiders(
    wire: Wire, paired, tick: Tick
) -> None:
    """Done in the channel's agenda post replaces the post (for everyone) with the item struck
    through and an Undo; clicked again it changes nothing; an outsider's click is answered
    privately and leaves the item and the post alone; Undo opens it again."""
    wire.command("/mentor", "schedule weekly tue 15:00", user=MENTEE)
    wire.command("/agenda", "action Book a room", user=MENTEE)
    tick(datetime(2026, 11, 24, 19, 0, tzinfo=UTC))  # the agenda, an hour before (New York)
    post = wire.fake.messages_in(PAIR_CHANNEL)[-1]
    done = _button(post, checklist.DONE_ACTION)
    shown = {"text": post["text"], "blocks": post["blocks"]}

    outsider = wire.click(
        done["action_id"], done["value"], user=OUTSIDER, channel=PAIR_CHANNEL, message=shown
    )
    assert outsider.reply_text.startswith(":warning:") and not outsider.reply.get(
        "replace_original"
    )
    assert _items(wire.services.engine)[0].status == "open"

    clicked = wire.click(
        done["action_id"], done["value"], user=MENTOR, channel=PAIR_CHANNEL, message=shown
    )
    assert clicked.reply["replace_original"] is True
    assert (
        "~Book a room~" in clicked.reply_text and "Agenda for today's session" in clicked.reply_text
    )
    assert _items(wire.services.engine)[0].status == "done"
    twice = wire.click(
        done["action_id"], done["value"], user=MENTEE, channel=PAIR_CHANNEL, message=shown
    )
    assert twice.reply["blocks"] == clicked.reply["blocks"]

    undo = _button(clicked.reply, checklist.UNDO_ACTION)
    reopened = wire.click(
        undo["action_id"], undo["value"], user=MENTEE, channel=PAIR_CHANNEL, message=clicked.reply
    )
    assert _items(wire.services.engine)[0].status == "open"
    assert _button(reopened.reply, checklist.DONE_ACTION)["value"] == done["value"]

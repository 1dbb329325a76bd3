"""Finding a mentor over the wire: an offer made in its form, a goal's suggestions, Ask, the
mentor's Accept (a new private channel through the pairing flow) and Decline (the next
suggestion), and the Find a mentor button on the mentee's Home."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from handlers.matching import blocks
from handlers.matching.offer import OFFER_ACHIEVEMENTS, OFFER_AREAS, OFFER_CAPACITY, OFFER_FORM
from mentoring import capture
from mentoring.capture import Kind
from mentoring.matching import offers
from mentoring.matching.offers import OfferText
from mentoring.model import Actor, PairInfo, Target
from storage.db import session_scope
from storage.models import MentorRequest, Pair
from tests.conftest import MENTEE, MENTOR, PAIR_CHANNEL, Wire, dm_channel, flatten_text
from tests.support import T0

NEAR, NEXT = "UNEAR", "UNEXT"
GOAL = "Give my first conference talk"


def _offering(wire: Wire, paired: PairInfo) -> None:
    """MENTEE has goal 1; NEAR and NEXT offer, both matching it (NEAR more recently)."""
    wire.fake.add_user(NEAR, "nia", tz="Europe/London")
    wire.fake.add_user(NEXT, "ned", tz="Europe/Paris")
    engine = wire.services.engine
    capture.capture(engine, Actor(MENTEE), Kind.GOAL, GOAL, Target(pair_id=paired.id), T0)
    for who, achieved in (
        (NEAR, "Gave my first conference talk in 2026"),
        (NEXT, "Gave a conference talk in 2025"),
    ):
        text = OfferText("conference talks", achieved, 1, consent=False)
        offers.save_offer(engine, Actor(who), who, text, "Europe/London", T0)


def _value(message: dict[str, Any], action_id: str) -> str:
    for block in message.get("blocks", []):
        for element in [block.get("accessory", {}), *block.get("elements", [])]:
            if str(element.get("action_id", "")).startswith(action_id):
                return str(element["value"])
    raise AssertionError(f"no {action_id} in {flatten_text(message)}")


def test_an_offer_is_made_in_its_form_with_the_zone_from_slack_and_withdrawn(wire: Wire) -> None:
    """`/mentor offer` opens the person's own form; saved, it holds their Slack zone; opened
    again it is filled in; `off` withdraws it."""
    wire.command("/mentor", "offer", user=MENTOR)
    view = wire.fake.calls_to("views.open")[-1].args["view"]
    assert (view["callback_id"], view["private_metadata"]) == (OFFER_FORM, MENTOR)
    values = {
        OFFER_AREAS: {"type": "plain_text_input", "value": "conference talks"},
        OFFER_ACHIEVEMENTS: {"type": "plain_text_input", "value": "Spoke at PyCon in 2026"},
        OFFER_CAPACITY: {"type": "static_select", "selected_option": {"value": "2"}},
    }
    answer = wire.submit(OFFER_FORM, values, user=MENTOR, private_metadata=MENTOR)
    assert answer.status_code == 200 and not answer.content
    saved = offers.offer_of(wire.services.engine, MENTOR)
    assert saved is not None and (saved.tz, saved.capacity, saved.consent) == (
        "Europe/Berlin",
        2,
        False,
    )
    assert "offering to mentor up to 2 mentees" in flatten_text(
        wire.fake.messages_in(dm_channel(MENTOR))[-1]
    )
    wire.command("/mentor", "offer", user=MENTOR)
    again = wire.fake.calls_to("views.open")[-1].args["view"]
    assert "Spoke at PyCon in 2026" in str(again["blocks"])
    off = wire.command("/mentor", "offer off", user=MENTOR)
    assert "withdrawn" in off.reply_text and offers.offer_of(wire.services.engine, MENTOR) is None


def test_ask_then_accept_pairs_them_in_a_new_private_channel(wire: Wire, paired: PairInfo) -> None:
    """`/mentor find #1` suggests near peers privately; Ask sends the mentor the goal alone;
    Accept makes the pair and its private channel, greeted there, and tells the mentee."""
    _offering(wire, paired)
    found = wire.command("/mentor", "find #1", user=MENTEE)
    assert found.reply["response_type"] == "ephemeral"
    assert (
        f"<@{NEAR}>" in found.reply_text
        and "Gave my first conference talk in 2026" in found.reply_text
    )
    asked = wire.click(
        blocks.ASK_MENTOR + "_0",
        _value(found.reply, blocks.ASK_MENTOR),
        user=MENTEE,
        channel=PAIR_CHANNEL,
    )
    assert f"Asked <@{NEAR}>" in asked.reply_text
    (request,) = wire.fake.messages_in(dm_channel(NEAR))
    assert GOAL in flatten_text(request) and PAIR_CHANNEL not in flatten_text(request)
    accepted = wire.click(blocks.ACCEPT_REQUEST, _value(request, blocks.ACCEPT_REQUEST), user=NEAR)
    assert f"You now mentor <@{MENTEE}>" in accepted.reply_text
    with session_scope(wire.services.engine) as session:
        pair = session.exec(select(Pair).where(Pair.mentor_id == NEAR)).one()
        stored = session.exec(select(MentorRequest)).one()
    assert (pair.mentee_id, stored.status, stored.pair_id) == (MENTEE, "accepted", pair.id)
    (created,) = wire.fake.calls_to("conversations.create")
    assert created.args["is_private"] in (True, "true", "1", 1)
    assert any(f"<@{NEAR}>" in m["text"] for m in wire.fake.messages_in(pair.channel_id))
    assert "said yes" in flatten_text(wire.fake.messages_in(dm_channel(MENTEE))[-1])


def test_decline_tells_the_mentee_kindly_and_offers_the_next(wire: Wire, paired: PairInfo) -> None:
    """Decline: the mentor's message says so; the mentee hears it kindly, without a reason,
    with the next suggestion (not the one who declined) and its Ask."""
    _offering(wire, paired)
    found = wire.command("/mentor", "find give my first conference talk", user=MENTEE)
    wire.click(blocks.ASK_MENTOR + "_0", _value(found.reply, blocks.ASK_MENTOR), user=MENTEE)
    (request,) = wire.fake.messages_in(dm_channel(NEAR))
    declined = wire.click(
        blocks.DECLINE_REQUEST, _value(request, blocks.DECLINE_REQUEST), user=NEAR
    )
    assert "Declined" in declined.reply_text
    told = wire.fake.messages_in(dm_channel(MENTEE))[-1]
    assert "can't take on a mentee right now" in flatten_text(told)
    assert _value(told, blocks.ASK_MENTOR).startswith(f"{MENTEE}:{NEXT}:")
    again = wire.command("/mentor", "find give my first conference talk", user=MENTEE)
    assert f"<@{NEAR}>" not in again.reply_text


def test_the_homes_find_a_mentor_opens_the_form_filled_with_the_goal(
    wire: Wire, paired: PairInfo
) -> None:
    """The mentee's Home (not the mentor's) has Find a mentor on their goals; it opens the form
    with the goal, whose submission DMs the suggestions."""
    _offering(wire, paired)
    wire.open_home(MENTOR)
    assert blocks.FIND_FOR_GOAL not in str(wire.home_of(MENTOR))
    wire.open_home(MENTEE)
    goal_id = _value(wire.home_of(MENTEE), blocks.FIND_FOR_GOAL)
    wire.click_home(blocks.FIND_FOR_GOAL, goal_id, user=MENTEE)
    view = wire.fake.calls_to("views.open")[-1].args["view"]
    assert view["callback_id"] == blocks.FIND_FORM and GOAL in str(view["blocks"])
    values = {blocks.FIND_GOAL: {"type": "plain_text_input", "value": GOAL}}
    wire.submit(blocks.FIND_FORM, values, user=MENTEE, private_metadata=view["private_metadata"])
    assert f"<@{NEAR}>" in flatten_text(wire.fake.messages_in(dm_channel(MENTEE))[-1])

"""Drift nudges over the real HTTP wire, with the scheduler driven by `python -m bot tick --at`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from mentoring.model import Actor
from storage.db import session_scope
from storage.models import AgendaItem, Delivery, Milestone
from tests.conftest import (
    MENTEE,
    MENTOR,
    PAIR_CHANNEL,
    SECOND_MENTEE,
    Tick,
    Wire,
    dm_channel,
    flatten_text,
    texts,
)
from tests.support import T0, pair_up

pytestmark = pytest.mark.both_backends

# Milestone 1.1 is due Monday 23 November 2026; the mentee's zone is America/New_York, so
# their 10:00 is 15:00 UTC.
TUESDAY = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TEN_NY = timedelta(hours=3)


def nudges_to(wire: Wire, channel: str) -> list[str]:
    texts = [flatten_text(message) for message in wire.fake.messages_in(channel)]
    return [text for text in texts if "A gentle nudge" in text]


def nudge_rows(wire: Wire) -> list[tuple[str, str, str | None]]:
    with session_scope(wire.services.engine) as session:
        rows = session.exec(
            select(Delivery).where(Delivery.kind == "nudge").order_by(col(Delivery.id))
        ).all()
    return [(row.subject, row.status, row.reason) for row in rows]


def test_an_overdue_milestone_gets_one_nudge_a_week_until_nudges_are_turned_off(
    wire: Wire, paired, tick: Tick
) -> None:
    """A week of ticks sends the mentee one nudge, at 10:00 their time, and nothing to the
    mentor or the channel; `/mentor nudges off` then drops the next one before it is due."""
    wire.command("/mentor", "schedule weekly thu 15:00", user=MENTEE)
    wire.command("/goal", "Give a talk at PyCon by June 2027", user=MENTEE)
    wire.command("/goal", "milestone 1 Pick a topic by 2026-11-23", user=MENTEE)

    assert "planned 1 nudge(s)" in tick(TUESDAY)
    assert nudges_to(wire, MENTEE) == []  # 07:00 in New York: not yet
    assert "sent 1" in tick(TUESDAY + TEN_NY)
    for hours in range(4, 7 * 24, 7):
        tick(TUESDAY + timedelta(hours=hours))
    (nudge,) = nudges_to(wire, MENTEE)
    assert "Milestone *1.1*, Pick a topic, was due 23 Nov" in nudge
    assert "`/goal done 1.1`" in nudge and "`/mentor nudges off`" in nudge
    assert nudges_to(wire, MENTOR) == [] and nudges_to(wire, PAIR_CHANNEL) == []

    assert "planned 1 nudge(s)" in tick(TUESDAY + timedelta(days=7, hours=4))
    off = wire.command("/mentor", "nudges off", user=MENTEE)
    assert off.reply.get("response_type") == "ephemeral"
    assert "Nudges are now off for your mentorship with <@UMENTOR>" in off.reply_text
    assert "Nudges are off" in wire.command("/mentor", "nudges", user=MENTOR).reply_text
    for hours in (24, 27, 48):
        tick(TUESDAY + timedelta(days=7, hours=hours))
    assert len(nudges_to(wire, MENTEE)) == 1
    assert nudge_rows(wire) == [
        ("nudge:UMENTEE:2026-W48", "sent", None),
        ("nudge:UMENTEE:2026-W49", "skipped", "nudges turned off"),
    ]
    assert "Nudges are now on" in wire.command("/mentor", "nudges on", user=MENTOR).reply_text


def the_nudge(wire: Wire, user: str) -> dict:
    """The one nudge in `user`'s DM, as posted."""
    (nudge,) = [m for m in wire.fake.messages_in(user) if "A gentle nudge" in (m["text"] or "")]
    return nudge


def one_step(nudge: dict) -> list[str]:
    """The commands the nudge's "One small step" suggests, as typed."""
    (step,) = [
        block["text"]["text"]
        for block in nudge["blocks"]
        if block["type"] == "section" and block["text"]["text"].startswith("*One small step:*")
    ]
    return re.findall(r"`(/[^`]+)`", step)


def typed_in_dm(wire: Wire, command_line: str, user: str) -> str:
    """`command_line` typed by `user` in their DM with the bot; the private reply's text."""
    command, _, text = command_line.partition(" ")
    return wire.command(command, text, user=user, channel=dm_channel(user)).reply_text


def test_a_mentee_in_two_pairs_can_type_the_suggested_command_in_their_dm(
    wire: Wire, paired, tick: Tick
) -> None:
    """Lee is mentee of Maria and mentor of Sam: the nudge names the pair, so each suggested
    command, typed in the DM as shown, works where the bare one is refused as ambiguous."""
    pair_up(wire.services.engine, MENTEE, SECOND_MENTEE, "CSECOND", actor=Actor(MENTEE))
    wire.command("/mentor", "schedule weekly thu 15:00", user=MENTEE)
    wire.command("/goal", "Give a talk at PyCon by June 2027", user=MENTEE)
    wire.command("/goal", "milestone 1 Pick a topic by 2026-11-23", user=MENTEE)
    assert "planned 1 nudge(s)" in tick(TUESDAY)
    assert "sent 1" in tick(TUESDAY + TEN_NY)

    nudge = the_nudge(wire, MENTEE)
    assert "Milestone *1.1* (with <@UMENTOR>), Pick a topic, was due 23 Nov" in flatten_text(nudge)
    assert "`/mentor nudges off to <@UMENTOR>`" in flatten_text(nudge)
    done, agenda = one_step(nudge)
    assert done == "/goal done 1.1 to <@UMENTOR>"
    assert agenda == "/agenda add What's in the way of 1.1 to <@UMENTOR>"

    assert "You're in 2 mentorships" in typed_in_dm(wire, "/goal done 1.1", MENTEE)
    assert "Added to the agenda" in typed_in_dm(wire, agenda, MENTEE)
    typed_in_dm(wire, done, MENTEE)
    with session_scope(wire.services.engine) as session:
        (step,) = session.exec(select(Milestone)).all()
        (item,) = session.exec(select(AgendaItem)).all()
    assert (step.pair_id, step.status) == (paired.id, "done")
    assert (item.pair_id, item.text) == (paired.id, "What's in the way of 1.1")
    off = typed_in_dm(wire, "/mentor nudges off to <@UMENTOR>", MENTEE)
    assert "Nudges are now off for your mentorship with <@UMENTOR>" in off
    assert nudges_to(wire, MENTOR) == [] and nudges_to(wire, PAIR_CHANNEL) == []


# Weekly on Thursday at 15:00 New York (20:00 UTC): 26 November, 3, 10 and 17 December.
THURSDAY = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def hold_meeting(tick: Tick, starts_at: datetime) -> str:
    """Tick through a meeting: its agenda post (an hour before) and its follow-up (after)."""
    assert "sent" in tick(starts_at - timedelta(hours=1))
    return tick(starts_at + timedelta(hours=3))


def test_two_meetings_without_agenda_items_get_one_nudge_a_week_until_turned_off(
    wire: Wire, paired, tick: Tick
) -> None:
    """Two sessions in a row with empty agendas: the mentee alone gets one nudge, at 10:00
    their time, saying so and suggesting `/agenda add`; none the rest of the week; and after
    `/mentor nudges off` no more, though the agendas stay empty."""
    wire.command("/mentor", "schedule weekly thu 15:00", user=MENTEE)
    assert "nudge(s)" not in hold_meeting(tick, THURSDAY)  # one empty agenda is not a run
    assert "Agenda for today's session" in texts(wire, PAIR_CHANNEL)[0]
    assert "planned 1 nudge(s)" in hold_meeting(tick, THURSDAY + WEEK)
    friday_ten_ny = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    assert nudges_to(wire, MENTEE) == []
    assert "sent 1" in tick(friday_ten_ny)
    later = [friday_ten_ny + timedelta(hours=h) for h in range(3, 7 * 24, 7)]
    for at in sorted([*later, THURSDAY + 2 * WEEK - timedelta(hours=1)]):  # meeting 3's agenda
        tick(at)

    nudge = the_nudge(wire, MENTEE)
    text = flatten_text(nudge)
    assert "Your last two sessions with <@UMENTOR> started with nothing on the agenda" in text
    assert one_step(nudge) == ["/agenda add …"]
    assert "`/mentor nudges off` in <#CPAIR>" in text
    assert len(nudges_to(wire, MENTEE)) == 1
    assert nudges_to(wire, MENTOR) == [] and nudges_to(wire, PAIR_CHANNEL) == []

    assert "planned 1 nudge(s)" in tick(friday_ten_ny + WEEK + timedelta(hours=1))
    off = wire.command("/mentor", "nudges off", user=MENTEE)
    assert "Nudges are now off for your mentorship with <@UMENTOR>" in off.reply_text
    assert "sent" not in tick(friday_ten_ny + WEEK + timedelta(days=1))  # when it was due
    assert "nudge(s)" not in hold_meeting(tick, THURSDAY + 3 * WEEK)
    assert "nudge(s)" not in tick(friday_ten_ny + 2 * WEEK + timedelta(hours=1))
    assert len(nudges_to(wire, MENTEE)) == 1
    assert nudge_rows(wire) == [
        ("nudge:UMENTEE:2026-W49", "sent", None),
        ("nudge:UMENTEE:2026-W50", "skipped", "nudges turned off"),
    ]


def test_four_weeks_without_a_win_get_one_nudge_a_week_until_turned_off(
    wire: Wire, paired, tick: Tick
) -> None:
    """No win for 28 days (one exactly 28 days old still counts): the mentee alone gets one
    nudge saying so and suggesting `/win`; none the rest of the week; none after the mentor
    turns nudges off."""
    logged = wire.command("/win", "Shipped the migration", user=MENTEE)  # at T0
    assert "Logged, and shared with <@UMENTOR>" in logged.reply_text
    four_weeks = T0 + timedelta(days=28)
    assert "nudge(s)" not in tick(four_weeks)
    assert "planned 1 nudge(s)" in tick(four_weeks + timedelta(minutes=30))
    ten_utc = four_weeks + timedelta(hours=1)  # no schedule, so no zone known but UTC
    assert "sent 1" in tick(ten_utc)
    for hours in range(2, 7 * 24, 7):
        tick(ten_utc + timedelta(hours=hours))

    nudge = the_nudge(wire, MENTEE)
    assert "No win logged in four weeks. Small ones count" in flatten_text(nudge)
    assert one_step(nudge) == ["/win …"]
    assert len(nudges_to(wire, MENTEE)) == 1
    assert nudges_to(wire, MENTOR) == [] and nudges_to(wire, PAIR_CHANNEL) == []

    assert "planned 1 nudge(s)" in tick(ten_utc + WEEK + timedelta(hours=1))
    off = wire.command("/mentor", "nudges off", user=MENTOR)
    assert "Nudges are now off for your mentorship with <@UMENTEE>" in off.reply_text
    for days in (1, 2, 8, 15):
        assert "nudge(s)" not in tick(ten_utc + WEEK + timedelta(days=days))
    assert len(nudges_to(wire, MENTEE)) == 1
    assert nudge_rows(wire) == [
        ("nudge:UMENTEE:2026-W51", "sent", None),
        ("nudge:UMENTEE:2026-W52", "skipped", "nudges turned off"),
    ]

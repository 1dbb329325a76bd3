"""Drift nudges over the real HTTP wire, with the scheduler driven by `python -m bot tick --at`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from storage.db import session_scope
from storage.models import Delivery
from tests.conftest import MENTEE, MENTOR, PAIR_CHANNEL, Tick, Wire, flatten_text

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

"""A database made by an earlier version is brought up to date without losing a row."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    inspect,
    text,
)
from sqlmodel import col, select

from mentoring.capture import Kind, capture
from mentoring.meetings.agenda import add_action
from mentoring.milestones import add_milestone
from mentoring.model import Actor, Target
from mentoring.nudges import set_nudges, show_nudges
from mentoring.reviews.planning import start_review_now
from storage.db import init_db, session_scope
from storage.models import Delivery, Pair
from tests.support import T0, pair_up, schedule_meetings

pytestmark = pytest.mark.both_backends


def test_columns_added_since_are_created_and_old_rows_kept(engine: Engine) -> None:
    """0.1's pair table lacks action_seq and attention, its goal table milestone_seq: init_db
    adds them, with their defaults, to the rows already there."""
    pair = pair_up(engine)
    capture(engine, Actor(pair.mentee_id), Kind.GOAL, "Give a talk", Target(), T0)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE pair DROP COLUMN action_seq"))
        connection.execute(text("ALTER TABLE pair DROP COLUMN attention"))
        connection.execute(text("ALTER TABLE goal DROP COLUMN milestone_seq"))
    init_db(engine)
    init_db(engine)  # and again: nothing left to add
    columns = {column["name"] for column in inspect(engine).get_columns("pair")}
    assert {"action_seq", "attention"} <= columns
    with engine.connect() as connection:
        row = connection.execute(text("SELECT action_seq, attention, mentee_id FROM pair")).one()
    assert tuple(row) == (0, None, pair.mentee_id)
    added = add_action(engine, Actor(pair.mentee_id), Target(), "Draft the outline", None, T0)
    assert added.action.number == 1
    road = add_milestone(engine, Actor(pair.mentee_id), Target(), 1, "Pick a topic", T0)
    assert road.milestones[0].label == "1.1"


def test_pairs_made_before_nudges_get_them_switched_on(engine: Engine) -> None:
    """A pair table made before nudges lacks the column: init_db adds it, true for the pairs
    already there, and the switch works on them."""
    pair = pair_up(engine)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE pair DROP COLUMN nudges"))
    init_db(engine)
    init_db(engine)  # and again: nothing left to add
    with session_scope(engine) as session:
        assert session.get(Pair, pair.id).nudges is True
    assert show_nudges(engine, Actor(pair.mentee_id), Target()).on is True
    assert set_nudges(engine, Actor(pair.mentor_id), Target(), False, T0).on is False
    with session_scope(engine) as session:
        assert session.get(Pair, pair.id).nudges is False


def _delivery_as_in_0_2() -> Table:
    """The ledger table as 0.2 made it: keyed by meeting, meeting_id NOT NULL, no subject."""
    return Table(
        "delivery",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("pair_id", Integer, nullable=False),
        Column("meeting_id", Integer, nullable=False),
        Column("kind", String(16), nullable=False),
        Column("audience", String(16), nullable=False),
        Column("due_at", DateTime, nullable=False),
        Column("expires_at", DateTime, nullable=False),
        Column("status", String(16), nullable=False),
        Column("next_at", DateTime, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("uncertain", Boolean, nullable=False),
        Column("claimed_by", String(64)),
        Column("channel", String(32)),
        Column("ts", String(32)),
        Column("reply_taken", Boolean, nullable=False),
        Column("reason", String(200)),
        Column("updated_at", DateTime, nullable=False),
        UniqueConstraint("meeting_id", "kind", "audience", name="uq_delivery_key"),
    )


def test_a_0_2_ledger_gets_subjects_and_takes_review_rows(engine: Engine) -> None:
    """0.2's ledger rows were keyed by meeting alone: init_db adds their subject, lets rows
    without a meeting in (a review's), adds the new unique key, and keeps every row."""
    pair_up(engine)
    schedule_meetings(engine, now=T0)
    with session_scope(engine) as session:
        old_rows = [
            (row.meeting_id, row.kind, row.audience, row.due_at)
            for row in session.exec(select(Delivery).where(col(Delivery.meeting_id).is_not(None)))
        ]
    old = _delivery_as_in_0_2()
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE delivery"))
        old.create(connection)
        for meeting_id, kind, audience, due in old_rows:
            connection.execute(
                old.insert().values(
                    pair_id=1, meeting_id=meeting_id, kind=kind, audience=audience, due_at=due,
                    expires_at=due, status="planned", next_at=due, attempts=0, uncertain=False,
                    reply_taken=False, updated_at=due,
                )
            )  # fmt: skip
    init_db(engine)
    init_db(engine)  # and again: nothing left to do
    columns = {column["name"]: column for column in inspect(engine).get_columns("delivery")}
    assert columns["meeting_id"]["nullable"] and "subject" in columns
    indexes = {index["name"] for index in inspect(engine).get_indexes("delivery")}
    assert "uq_delivery_subject" in indexes
    with session_scope(engine) as session:
        kept = session.exec(select(Delivery).order_by(col(Delivery.id))).all()
    assert [(r.meeting_id, r.kind, r.audience) for r in kept] == [r[:3] for r in old_rows]
    assert all(row.subject == f"meeting:{row.meeting_id}" for row in kept)
    started = start_review_now(engine, Actor("UMENTEE"), Target(), T0)
    with session_scope(engine) as session:
        review_rows = session.exec(
            select(Delivery).where(Delivery.review_id == started.review.id)
        ).all()
    assert {(r.kind, r.audience) for r in review_rows} >= {("review", "channel")}
    assert all(r.meeting_id is None for r in review_rows)

"""A database made by an earlier version is brought up to date without losing a row."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text

from mentoring.capture import Kind, capture
from mentoring.meetings import add_action
from mentoring.milestones import add_milestone
from mentoring.model import Actor, Target
from storage.db import init_db
from tests.support import T0, pair_up

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

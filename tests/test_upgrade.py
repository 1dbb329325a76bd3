"""A database made by an earlier version is brought up to date without losing a row."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text

from mentoring.meetings import add_action
from mentoring.model import Actor, Target
from storage.db import init_db
from tests.support import T0, pair_up

pytestmark = pytest.mark.both_backends


def test_columns_added_since_are_created_and_old_rows_kept(engine: Engine) -> None:
    """The 0.1 pair table lacks action_seq and attention: init_db adds them, with defaults."""
    pair = pair_up(engine)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE pair DROP COLUMN action_seq"))
        connection.execute(text("ALTER TABLE pair DROP COLUMN attention"))
    init_db(engine)
    init_db(engine)  # and again: nothing left to add
    columns = {column["name"] for column in inspect(engine).get_columns("pair")}
    assert {"action_seq", "attention"} <= columns
    with engine.connect() as connection:
        row = connection.execute(text("SELECT action_seq, attention, mentee_id FROM pair")).one()
    assert tuple(row) == (0, None, pair.mentee_id)
    added = add_action(engine, Actor(pair.mentee_id), Target(), "Draft the outline", None, T0)
    assert added.action.number == 1

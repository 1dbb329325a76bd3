"""A database made by each earlier release's own code (tests/legacy/: 0.1.0 and 0.2.0, each
built through that release's rules and dumped) is upgraded by today's `db upgrade`: it ends
exactly at today's schema, every row reads through today's models as the release wrote it,
and today's rules work on it."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel, select

from mentoring.capture import Kind, capture
from mentoring.goals import list_goals
from mentoring.model import Actor, Target
from mentoring.prompts import plan_due
from storage import schema
from storage.db import make_engine, session_scope
from storage.models import Pair
from tests.test_schema import differences

LEGACY = Path(__file__).parent / "legacy"
RELEASES = ("v0_1_0", "v0_2_0")
JSON_COLUMNS = {"review_answer": ("checkins", "audit", "evidence", "goalposts")}


@pytest.fixture(params=RELEASES)
def release(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Any]]:
    """The release's database, restored from its dump, and what the release read from it."""
    path = tmp_path / "mentorbot.db"
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.executescript((LEGACY / f"{request.param}.sql").read_text())
    engine = make_engine(f"sqlite:///{path}")
    yield engine, json.loads((LEGACY / f"{request.param}.json").read_text())
    engine.dispose()


def test_it_upgrades_to_exactly_todays_schema(release: tuple[Engine, Any]) -> None:
    engine, made = release
    before, after = schema.upgrade(engine)
    assert before == schema.Version(None) and after == schema.Version(schema.HEAD)
    assert differences(engine) == []
    assert schema.upgrade(engine) == (after, after)  # and again: nothing to do
    tables = set(inspect(engine).get_table_names())
    assert set(made["counts"]) <= tables


def test_every_row_reads_as_the_release_wrote_it(release: tuple[Engine, Any]) -> None:
    engine, made = release
    schema.upgrade(engine)
    models = {
        model.__tablename__: model
        for model in SQLModel.__subclasses__()
        if getattr(model, "__table__", None) is not None
    }
    with session_scope(engine) as session:
        for table, rows in made["rows"].items():
            model = models[table]
            keys = [column.name for column in model.__table__.primary_key.columns]  # type: ignore[attr-defined]
            found = session.exec(
                select(model).order_by(*(getattr(model, key) for key in keys))
            ).all()
            assert len(found) == made["counts"][table] == len(rows), table
            for row, expected in zip(found, rows, strict=True):
                for column, value in expected.items():
                    if column in JSON_COLUMNS.get(table, ()):
                        value = json.loads(value)
                    assert plain(getattr(row, column)) == value, (table, column, expected)


def test_todays_rules_work_on_what_the_release_made(release: tuple[Engine, Any]) -> None:
    """Each pair's goals list as the release listed them; a new goal takes the next number
    (the failure a model rename once caused went unnoticed on fresh databases); the scheduler
    plans on the old schedules."""
    engine, made = release
    schema.upgrade(engine)
    now = datetime.fromisoformat(made["views_read_at"])
    with session_scope(engine) as session:
        pairs = session.exec(select(Pair).order_by(Pair.id)).all()
    for pair in pairs:
        listed = list_goals(engine, Actor(pair.mentee_id), Target(channel_id=pair.channel_id))
        expected = [g for g in made["views"]["goals"] if g["pair_id"] == pair.id]
        assert [(g.number, g.text, g.status) for g in listed.goals] == [
            (g["number"], g["text"], g["status"]) for g in expected
        ]
    active = next(pair for pair in pairs if pair.status == "active")
    target = Target(channel_id=active.channel_id)
    added = capture(
        engine, Actor(active.mentee_id), Kind.GOAL, "Run the team retro by 2027-03-01", target, now
    )
    numbers = [g.number for g in list_goals(engine, Actor(active.mentee_id), target).goals]
    assert numbers[-1] == max(numbers[:-1]) + 1 and added is not None
    plan_due(engine, now + timedelta(days=7))


def plain(value: Any) -> Any:
    """A value as the sidecar writes it (ISO instants and dates, seconds for durations)."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value

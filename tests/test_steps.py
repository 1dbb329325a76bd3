"""The steps of a piece of work: each takes effect once, and a run again gets the record."""

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from storage.db import read_scope
from storage.models import Work
from tests.support import T0
from workqueue import queue, steps

pytestmark = pytest.mark.both_backends


def test_a_run_again_gets_the_recorded_result_without_running(engine: Engine) -> None:
    ran: list[str] = []

    def rule(value: str) -> str:
        ran.append(value)
        return value

    assert steps.once(engine, 7, 1, lambda: rule("first")) == "first"
    assert steps.once(engine, 7, 1, lambda: rule("second")) == "first"
    assert ran == ["first"]


def test_a_first_run_meeting_another_runs_record_keeps_it_and_undoes_its_own_writes(
    engine: Engine,
) -> None:
    """A first run looks nothing up; should another run (its lease ran out) have recorded
    the step meanwhile, the commit fails on that record, which stands, and the first run's
    writes are undone with its record."""
    steps.record(engine, 7, 1, ("ok", "the other run's"))
    result = steps.once(
        engine, 7, 1, lambda: queue.enqueue(engine, "side-effect", "{}", T0), replaying=False
    )
    assert result == "the other run's"
    with read_scope(engine) as session:
        assert session.exec(select(Work)).all() == []

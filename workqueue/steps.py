"""Steps of a piece of work, recorded as they take effect, replayed when it runs again.

A step is a rule applied (its result, or its refusal, recorded in the same transaction as
its writes), a message posted (its channel and ts), or the reply sent. Steps are numbered in
the order a flow takes them; a flow does the same things in the same order when it runs
again, so step n is the same step both times.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from storage.db import read_scope, session_scope
from storage.models import WorkStep

T = TypeVar("T")
_MISSING = object()


def recorded(engine: Engine, work_id: int, step: int) -> Any:
    """What step `step` recorded, or a marker that nothing was."""
    with read_scope(engine) as session:
        row = session.get(WorkStep, (work_id, step))
        return _MISSING if row is None else pickle.loads(row.result)


def record(engine: Engine, work_id: int, step: int, value: Any) -> Any:
    """Record a step that took effect outside the database (a post); the value recorded
    first wins if two runs race."""
    try:
        with session_scope(engine) as session:
            session.add(WorkStep(work_id=work_id, step=step, result=pickle.dumps(value)))
        return value
    except IntegrityError:
        return recorded(engine, work_id, step)


def once(
    engine: Engine,
    work_id: int,
    step: int,
    run: Callable[[], T],
    refusals: tuple[type[Exception], ...] = (),
    *,
    replaying: bool = True,
) -> T:
    """Run `run` once for this work's step `step`: its database writes and the record of
    its result commit together. Run again, the recorded result is returned (or the recorded
    refusal, one of `refusals`, raised again) without running it. `replaying=False` (the
    work's first run) skips looking for a record: should another run have made one
    meanwhile, the commit fails on it and that record stands."""
    done = recorded(engine, work_id, step) if replaying else _MISSING
    if done is not _MISSING:
        return _replayed(done)
    try:
        with session_scope(engine) as session:
            result = run()
            session.add(WorkStep(work_id=work_id, step=step, result=pickle.dumps(("ok", result))))
            return result
    except refusals as refused:
        stored = record(engine, work_id, step, ("refused", refused))
        return _replayed(stored)
    except IntegrityError:  # another run recorded this step first: its result stands
        done = recorded(engine, work_id, step)
        if done is _MISSING:
            raise
        return _replayed(done)


def _replayed(done: tuple[str, Any]) -> Any:
    kind, value = done
    if kind == "refused":
        raise value
    return value


def value_of(engine: Engine, work_id: int, step: int) -> Any:
    """What step `step` recorded with `record`, or None."""
    done = recorded(engine, work_id, step)
    return None if done is _MISSING else done

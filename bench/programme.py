"""The coordinators' programme view over 10,000 pairs, against a bare read of the same rows.

    python -m bench.programme [--pairs 10000] [--runs 7] [--save]

The database (a temporary SQLite file) holds N pairs with three months of history each: a
weekly schedule (one pair in twenty paused), twelve meetings (every fourth skipped), three
agenda items, three wins, two reviews with their answers, three goals (one achieved); one pair
in five has drifted for five weeks. Measured, each as the median of `--runs`:

- the view: mentoring.programme.programme, as the Home and the digest compute it;
- the baseline, in the same run on the same database: the rows any view of every pair must
  touch, read bare — each table's pair ids (and the review answers' review ids) fetched, with
  no grouping, no windows and no Python work on them.

The ratio view / baseline says what the view costs beyond reading its rows once, whatever the
machine's speed that day; its SQL statements are counted too (fixed: they do not grow with N).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, insert, select

from bench import figures
from mentoring.model import Actor
from mentoring.programme import programme
from storage.db import init_db, make_engine
from storage.models import (
    AgendaItem,
    Goal,
    Meeting,
    MeetingSchedule,
    Pair,
    Review,
    ReviewAnswer,
    Win,
)

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CREATED = NOW - timedelta(days=100)
CHUNK = 5000
COORDINATOR = Actor("UCOORD", is_coordinator=True)
READ = (Pair, MeetingSchedule, Meeting, AgendaItem, Win, Review, Goal)


def _rows(i: int) -> dict[type, list[dict[str, Any]]]:
    """Pair `i + 1` and its history (see the module's docstring)."""
    pid = i + 1
    drifted = i % 5 == 0
    last = timedelta(days=35) if drifted else timedelta(days=2)
    rows: dict[type, list[dict[str, Any]]] = {
        Pair: [
            {
                "id": pid,
                "team_id": "T1",
                "mentor_id": f"UM{i:06d}",
                "mentee_id": f"UE{i:06d}",
                "channel_id": f"C{i:06d}",
                "status": "active",
                "goal_seq": 3,
                "action_seq": 0,
                "created_by": f"UE{i:06d}",
                "created_at": CREATED,
                "nudges": True,
            }
        ],  # fmt: skip
        MeetingSchedule: [
            {
                "pair_id": pid,
                "interval_weeks": 1,
                "weekday": 1,
                "at_time": "15:00",
                "tz": "UTC",
                "anchor": CREATED.date(),
                "active": True,
                "meeting_seq": 12,
                "paused_until": (NOW + timedelta(days=9)).date() if i % 20 == 1 else None,
                "updated_by": f"UE{i:06d}",
                "updated_at": CREATED,
            }
        ],  # fmt: skip
        Meeting: [],
        AgendaItem: [],
        Win: [],
        Review: [],
        Goal: [],
    }
    for n in range(12):
        start = NOW - last - timedelta(days=7 * n)
        rows[Meeting].append(
            {"pair_id": pid, "number": 12 - n, "local_date": start.date(), "starts_at": start,
             "status": "skipped" if n % 4 == 3 else "scheduled", "created_at": CREATED}
        )  # fmt: skip
    for n in range(3):
        at = NOW - last - timedelta(days=10 * n)
        rows[AgendaItem].append({"pair_id": pid, "author_id": f"UE{i:06d}", "text": "x",
                                 "source": "command", "created_at": at})  # fmt: skip
        rows[Win].append({"pair_id": pid, "author_id": f"UE{i:06d}", "text": "y",
                          "created_at": at})  # fmt: skip
        rows[Goal].append(
            {"pair_id": pid, "number": n + 1, "text": "z", "status": "done" if n == 0 else "open",
             "created_by": f"UE{i:06d}", "created_at": CREATED,
             "closed_at": NOW - timedelta(days=20) if n == 0 else None, "milestone_seq": 0}
        )  # fmt: skip
    for n in range(2):
        opened = NOW - timedelta(days=30 + 28 * n)
        rows[Review].append(
            {"id": 2 * i + n + 1, "pair_id": pid, "number": 2 - n, "opens_at": opened,
             "closes_at": opened + timedelta(days=7), "status": "closed",
             "closed_at": opened + timedelta(days=3 if not drifted else 7),
             "close_reason": "seven days passed" if drifted else "both answered",
             "created_at": opened}
        )  # fmt: skip
    return rows


def build(engine: Engine, pairs: int) -> None:
    """Fill the database with bulk INSERTs, CHUNK pairs at a time."""
    init_db(engine)
    for start in range(0, pairs, CHUNK):
        batch: dict[type, list[dict[str, Any]]] = {}
        answers = []
        for i in range(start, min(start + CHUNK, pairs)):
            for model, rows in _rows(i).items():
                batch.setdefault(model, []).extend(rows)
            for n in range(2):
                review = 2 * i + n + 1
                for author, role in (("UE", "mentee"), ("UM", "mentor"))[: 1 if i % 5 == 0 else 2]:
                    answers.append(
                        {"review_id": review, "author_id": f"{author}{i:06d}", "role": role,
                         "checkins": {}, "audit": {}, "evidence": [], "goalposts": {},
                         "submitted_at": NOW - timedelta(days=29), "updated_at": CREATED}
                    )  # fmt: skip
        with engine.begin() as connection:
            for model in (Pair, MeetingSchedule, Meeting, AgendaItem, Win, Review, Goal):
                connection.execute(insert(model.__table__), batch[model])  # type: ignore[attr-defined]
            connection.execute(insert(ReviewAnswer.__table__), answers)  # type: ignore[attr-defined]


def baseline(engine: Engine) -> int:
    """Every row the view reads, fetched bare: each table's pair ids."""
    fetched = 0
    with engine.connect() as connection:
        for model in READ:
            column = Pair.id if model is Pair else model.pair_id  # type: ignore[attr-defined]
            fetched += len(connection.execute(select(column)).all())
        fetched += len(connection.execute(select(ReviewAnswer.review_id)).all())
    return fetched


def _median_ms(work: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 1)


def measure(pairs: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/programme.db")
        started = time.perf_counter()
        build(engine, pairs)
        setup = round(time.perf_counter() - started, 1)
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        seen = programme(engine, COORDINATOR, NOW)
        event.remove(engine, "before_cursor_execute", count)
        counted = len(statements)
        rows = baseline(engine)
        programme(engine, COORDINATOR, NOW)  # warm, like the baseline
        view_ms = _median_ms(lambda: programme(engine, COORDINATOR, NOW), runs)
        base_ms = _median_ms(lambda: baseline(engine), runs)
        engine.dispose()
    return {
        "pairs": pairs,
        "rows_read": rows,
        "setup_seconds": setup,
        "view_ms": view_ms,
        "baseline_ms": base_ms,
        "ratio": round(view_ms / base_ms, 2),
        "statements": counted,
        "at_risk": len(seen.at_risk),
        "active": seen.active,
        "paused": seen.paused,
    }


def readme_table(result: dict[str, Any]) -> str:
    r = result["run"]
    return "\n".join(
        [
            f"Latest run, {result['when'][:10]} ({result['machine']}; SQLite; median of "
            f"{result['runs']} runs):",
            "",
            "| pairs | rows read | the view | bare read of the same rows | ratio | SQL statements "
            "| at risk |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            f"| {r['pairs']:,} | {r['rows_read']:,} | {r['view_ms']} ms | {r['baseline_ms']} ms "
            f"| {r['ratio']} | {r['statements']} | {r['at_risk']:,} |",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--save", action="store_true", help="write bench/results and the README")
    args = parser.parse_args()
    run = measure(args.pairs, args.runs)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "runs": args.runs,
        "run": run,
    }
    print(readme_table(result))
    if args.save:
        print(f"wrote {figures.save('programme', result, readme_table(result))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Scheduled prompts: a burst delivered within Slack's limits, and what an idle pass costs.

    python -m bench.dispatch [--pairs 10000] [--budget 6000] [--concurrency 8] [--save]
    python -m bench.dispatch --database-url postgresql+psycopg://… --schedulers 3 --save

Burst: N pairs all meet at 15:00 UTC on the same day, so every pair's agenda post (one message
to the pair's private channel, T-1h) falls due between 14:00:00 and 14:00:59. Each pair also has
its previous meeting (four rows, sent), this meeting's two DM prompts (sent at T-24h) and its
follow-up (planned at T+2h): N due rows in a ledger of 8N. The database is filled with bulk
inserts, then outbox.Dispatcher, wired as bot.scheduler.build_dispatcher wires it, delivers
against the fake Slack Web API in a process of its own (bench.fake_slack_server: 50 ms per
call, 1 post per second per channel and the workspace budget B per sliding minute, HTTP 429
with Retry-After beyond), with Limits(per_minute=B, channel_interval=1.0, concurrency=C).
Passes run as of 14:01:00; while rows remain (a 429 puts a row back for Retry-After), the next
pass runs as of the earliest retry, and never ahead of the time that really passed. Measured:
wall time until every row is recorded sent, against the budget's bound N / B minutes, with the
fake's count of 429s and duplicates. `--schedulers N` runs N scheduler processes (as N
`python -m bot scheduler` replicas would) against the one database, sharing its budget; they
start together once each is ready, and the time runs from the first pass's start to the last
one's end. On PostgreSQL the results are saved as dispatch_postgresql.

Idle: 1k, 10k and 100k pairs, built the same way with nothing due (this meeting's four rows
planned in the future). The median wall time of an idle `tick(at)` and its SQL statements at
each size; the ratio of the largest to the smallest size should stay near 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, event, func, insert, select, text
from sqlalchemy.engine import make_url

from bench import figures
from bench.ack_latency import percentile
from bench.fake_slack_server import SlackProcess
from bot.scheduler import build_dispatcher, make_dispatch_client
from bot.settings import Settings
from outbox import Limits
from storage.db import init_db, make_engine
from storage.models import AgendaItem, Delivery, Meeting, MeetingSchedule, Pair

START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # every pair's meeting (a Tuesday)
DUE_MINUTE = START - timedelta(hours=1)  # the agenda posts fall due in this minute
BURST_AT = DUE_MINUTE + timedelta(minutes=1)  # the passes run as of just after it
IDLE_AT = START - timedelta(hours=25)  # an hour before anything of this meeting is due
PREVIOUS = START - timedelta(days=7)
CREATED = START - timedelta(days=30)
CHUNK = 5000  # rows per bulk INSERT
TABLES = (Delivery, AgendaItem, Meeting, MeetingSchedule, Pair)  # children first
SCENARIO = (
    "each pair's agenda post to its own channel, all due within one minute; "
    "8 ledger rows per pair, 1 of them due"
)


def pair_ids(i: int) -> tuple[str, str, str]:
    """Mentor, mentee and channel of pair `i`, as bench.fake_slack_server registers them."""
    return f"UMR{i:06d}", f"UME{i:06d}", f"CP{i:06d}"


# The database


def _ts(n: int) -> str:
    return f"{1_700_000_000 + n}.{n % 1_000_000:06d}"


def _row(
    pair_id: int,
    meeting_id: int,
    kind: str,
    audience: str,
    due: datetime,
    expires: datetime,
    *,
    sent_to: str | None = None,
    ts: str | None = None,
) -> dict[str, Any]:
    """One ledger row: planned at `due`, or sent to `sent_to` (with `ts`)."""
    return {
        "pair_id": pair_id,
        "subject": f"meeting:{meeting_id}",
        "meeting_id": meeting_id,
        "review_id": None,
        "kind": kind,
        "audience": audience,
        "due_at": due,
        "expires_at": expires,
        "status": "sent" if sent_to else "planned",
        "next_at": due,
        "attempts": 1 if sent_to else 0,
        "uncertain": False,
        "claimed_by": "bench" if sent_to else None,
        "channel": sent_to,
        "ts": ts,
        "reply_taken": False,
        "reason": None,
        "updated_at": due if sent_to else CREATED,
    }


def _meeting_rows(
    pair_id: int,
    meeting_id: int,
    starts: datetime,
    to: dict[str, str],
    *,
    sent: int,
    ts_base: int,
    due: datetime | None = None,
) -> list[dict[str, Any]]:
    """The meeting's four ledger rows (DM prompts at T-24h, agenda at T-1h or `due`, follow-up
    at T+2h), of which the first `sent` are sent to `to[audience]`."""
    two_h = timedelta(hours=2)
    timings = [
        ("prompt", "mentor", starts - timedelta(days=1), starts),
        ("prompt", "mentee", starts - timedelta(days=1), starts),
        ("agenda", "channel", due or starts - timedelta(hours=1), starts),
        ("followup", "channel", starts + two_h, starts + two_h + timedelta(days=1)),
    ]
    return [
        _row(
            pair_id,
            meeting_id,
            kind,
            audience,
            due_at,
            expires,
            sent_to=to[audience] if n < sent else None,
            ts=_ts(ts_base + n) if n < sent else None,
        )
        for n, (kind, audience, due_at, expires) in enumerate(timings)
    ]


def _pair_rows(i: int, count: int, burst: bool) -> dict[type, list[dict[str, Any]]]:
    """Pair `i` with its schedule, last week's meeting (all sent) and this week's (the agenda
    due in the burst minute when `burst`, else all four rows planned ahead)."""
    mentor, mentee, channel = pair_ids(i)
    pair_id, previous_id, meeting_id = i + 1, 2 * i + 1, 2 * i + 2
    rows: dict[type, list[dict[str, Any]]] = {
        Pair: [
            {
                "id": pair_id,
                "team_id": "T0001",
                "mentor_id": mentor,
                "mentee_id": mentee,
                "channel_id": channel,
                "status": "active",
                "goal_seq": 0,
                "action_seq": 0,
                "attention": None,
                "created_by": mentee,
                "created_at": CREATED,
                "ended_at": None,
                "ended_by": None,
            }
        ],
        MeetingSchedule: [
            {
                "pair_id": pair_id,
                "interval_weeks": 1,
                "weekday": START.weekday(),
                "at_time": f"{START:%H:%M}",
                "tz": "UTC",
                "anchor": PREVIOUS.date(),
                "active": True,
                "paused_until": None,
                "dm_before_minutes": 24 * 60,
                "agenda_before_minutes": 60,
                "followup_after_minutes": 120,
                "mentor_tz": None,
                "mentee_tz": None,
                "meeting_seq": 2,
                "next_plan_at": START,
                "updated_by": mentee,
                "updated_at": CREATED,
            }
        ],
        Meeting: [
            {
                "id": meeting_id - 1 + offset,
                "pair_id": pair_id,
                "number": 1 + offset,
                "local_date": starts.date(),
                "starts_at": starts,
                "status": "scheduled",
                "created_at": starts - timedelta(days=7),
            }
            for offset, starts in ((0, PREVIOUS), (1, START))
        ],
        AgendaItem: [
            {
                "pair_id": pair_id,
                "author_id": mentee,
                "text": f"Bench topic {i}: feedback on my design doc",
                "source": "command",
                "created_at": CREATED,
                "meeting_id": None,
            }
        ],
    }
    to = {"mentor": f"DMR{i:06d}", "mentee": f"DME{i:06d}", "channel": channel}
    agenda_due = DUE_MINUTE + timedelta(microseconds=i * 60_000_000 // count) if burst else None
    history = _meeting_rows(pair_id, previous_id, PREVIOUS, to, sent=4, ts_base=8 * i)
    current = _meeting_rows(
        pair_id, meeting_id, START, to, sent=2 if burst else 0, ts_base=8 * i + 4, due=agenda_due
    )
    rows[Delivery] = history + current
    return rows


def bulk_insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """`INSERT INTO table` every row in one executemany.

    The same as `connection.execute(insert(table), rows)` but the column types' bind
    processing runs once per distinct value, not once per value: most values here repeat, and
    per-value processing is most of the time SQLAlchemy takes for 100k pairs.
    """
    keys = list(rows[0])
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    order = compiled.positiontup or keys
    processed = []
    for key in order:
        process = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        values = [row[key] for row in rows]
        if process is not None:
            cache: dict[Any, Any] = {}
            values = [cache[v] if v in cache else cache.setdefault(v, process(v)) for v in values]
        processed.append(values)
    if compiled.positiontup is None:
        parameters: list[Any] = [
            dict(zip(order, values, strict=True)) for values in zip(*processed, strict=True)
        ]
    else:
        parameters = list(zip(*processed, strict=True))
    connection.exec_driver_sql(compiled.string, parameters)


def populate(engine: Engine, count: int, *, burst: bool) -> float:
    """Bulk-insert `count` pairs (Core executemany, CHUNK rows a statement); returns seconds."""
    began = time.perf_counter()
    with engine.begin() as connection:
        for first in range(0, count, CHUNK):
            batch: dict[type, list[dict[str, Any]]] = {table: [] for table in reversed(TABLES)}
            for i in range(first, min(count, first + CHUNK)):
                for table, rows in _pair_rows(i, count, burst).items():
                    batch[table] += rows
            for table, rows in batch.items():
                bulk_insert(connection, table.__table__, rows)  # type: ignore[attr-defined]
        if engine.dialect.name == "postgresql":
            for name in ("pair", "meeting"):  # ids were given: move the sequences past them
                sequence = f"pg_get_serial_sequence('{name}', 'id')"
                connection.execute(text(f"SELECT setval({sequence}, max(id)) FROM {name}"))
            names = ", ".join(table.__tablename__ for table in TABLES)  # type: ignore[attr-defined]
            connection.execute(text(f"ANALYZE {names}"))  # as autovacuum would, in time
    return time.perf_counter() - began


@contextmanager
def scratch_database(url: str | None, name: str) -> Iterator[Engine]:
    """A new SQLite file in a temporary directory, or (`url`) an empty database whose rows are
    deleted afterwards: the benchmark refuses a database that already holds pairs."""
    if url is None:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/{name}.db")
            init_db(engine)
            try:
                yield engine
            finally:
                engine.dispose()
        return
    engine = make_engine(url)
    init_db(engine)
    with engine.connect() as connection:
        if connection.execute(select(func.count()).select_from(Pair)).scalar_one():
            engine.dispose()
            raise SystemExit(f"{make_url(url).render_as_string()} holds pairs: give an empty one")
    try:
        yield engine
    finally:
        names = ", ".join(table.__tablename__ for table in TABLES)  # type: ignore[attr-defined]
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                # Not DELETE: each deleted meeting would be checked against the dead rows
                # of agenda_item (no index on meeting_id), which takes minutes at 10k pairs.
                # CASCADE reaches only tables that refer to pairs, and there were none.
                connection.execute(text(f"TRUNCATE {names} CASCADE"))
            else:
                for table in TABLES:
                    connection.execute(delete(table))
        engine.dispose()


# The burst


def left_to_send(engine: Engine) -> tuple[int, datetime | None]:
    """Agenda rows waiting to be sent (not those another scheduler is sending now), and the
    earliest time one may be claimed."""
    with engine.connect() as connection:
        count, earliest = connection.execute(
            select(func.count(), func.min(Delivery.next_at)).where(
                Delivery.kind == "agenda", Delivery.status == "planned"
            )
        ).one()
    if earliest is not None and earliest.tzinfo is None:
        earliest = earliest.replace(tzinfo=UTC)
    return count, earliest


_ready: Any = None  # in a scheduler process: the barrier every scheduler waits at to start


def _scheduler_process(ready: Any) -> None:
    global _ready
    _ready = ready


def passes(
    url: str, token: str, api_url: str, limits: Limits, number: int
) -> tuple[Counter[str], list[dict[str, Any]], float, float]:
    """One scheduler's passes over the burst until no agenda row waits: each as of the
    earliest retry, never ahead of the time that really passed. With other scheduler
    processes, all start together once each is ready (their interpreters' start-up is not
    the dispatcher's time). Returns the outcomes, the passes, and when it started and ended
    (time.monotonic(): one clock for every process on Linux)."""
    logging.getLogger("mentorbot").addHandler(logging.NullHandler())  # no per-429 warnings
    engine = make_engine(url)
    settings = Settings(bot_token=token, slack_api_url=api_url)
    name = f"bench-{number}"
    dispatcher = build_dispatcher(
        engine, make_dispatch_client(settings), lambda: BURST_AT, name, limits
    )
    if _ready is not None:
        _ready.wait()
    began = time.monotonic()
    outcomes: Counter[str] = Counter()
    ticks: list[dict[str, Any]] = []
    at = BURST_AT
    while True:
        tick_began = time.monotonic()
        report = dispatcher.tick(at)
        outcomes.update(report.outcomes)
        ticks.append(
            {
                "scheduler": number,
                "at": (at - BURST_AT).total_seconds(),
                "seconds": round(time.monotonic() - tick_began, 2),
                "outcomes": dict(report.outcomes),
            }
        )
        print(f"  {name}, pass as of +{ticks[-1]['at']:.0f} s: {report.summary()}", flush=True)
        left, earliest = left_to_send(engine)
        if not left or earliest is None or earliest >= START:
            break
        at = max(at, earliest)
        # A Retry-After is waited out in wall time too (by the pass's own pacing or here).
        ahead = (at - BURST_AT).total_seconds() - (time.monotonic() - began)
        if ahead > 0:
            time.sleep(ahead)
    ended = time.monotonic()
    engine.dispose()
    return outcomes, ticks, began, ended


def burst(args: argparse.Namespace) -> dict[str, Any]:
    slack = SlackProcess(
        f"--latency={args.slack_latency}",
        f"--pairs={args.pairs}",
        "--channel-rate=1",
        f"--workspace-per-minute={args.budget}",
    )
    try:
        with scratch_database(args.database_url, "burst") as engine:
            setup = populate(engine, args.pairs, burst=True)
            print(f"burst: {args.pairs} pairs inserted in {setup:.1f} s", flush=True)
            limits = Limits(
                channel_interval=1.0, per_minute=args.budget, concurrency=args.concurrency
            )
            url = engine.url.render_as_string(hide_password=False)
            if args.schedulers == 1:
                runs = [passes(url, slack.token, slack.base_url, limits, 0)]
            else:  # scheduler processes of their own, as `python -m bot scheduler` replicas
                context = multiprocessing.get_context("spawn")
                ready = context.Barrier(args.schedulers)
                with ProcessPoolExecutor(
                    args.schedulers,
                    mp_context=context,
                    initializer=_scheduler_process,
                    initargs=(ready,),
                ) as pool:
                    runs = list(
                        pool.map(
                            passes,
                            *zip(
                                *[
                                    (url, slack.token, slack.base_url, limits, n)
                                    for n in range(args.schedulers)
                                ],
                                strict=True,
                            ),
                        )
                    )
            outcomes = sum((run[0] for run in runs), Counter())
            ticks = [tick for run in runs for tick in run[1]]
            seconds = max(run[3] for run in runs) - min(run[2] for run in runs)
            with engine.connect() as connection:
                statuses = dict(
                    connection.execute(
                        select(Delivery.status, func.count())
                        .where(Delivery.kind == "agenda", Delivery.meeting_id % 2 == 0)
                        .group_by(Delivery.status)
                    ).all()
                )
                distinct_ts = connection.execute(
                    select(func.count(func.distinct(Delivery.ts))).where(
                        Delivery.kind == "agenda",
                        Delivery.meeting_id % 2 == 0,
                        Delivery.status == "sent",
                    )
                ).scalar_one()
    finally:
        stats = json.loads(slack.ask("stats"))
        slack.close()
    sent = statuses.get("sent", 0)
    missing_posts = max(0, args.pairs - stats["posts_ok"])
    bound = args.pairs / args.budget * 60
    span = (
        stats["last_post_at"] - stats["first_post_at"]
        if stats["first_post_at"] is not None
        else None
    )
    return {
        "scenario": SCENARIO,
        "pairs": args.pairs,
        "budget_per_minute": args.budget,
        "concurrency": args.concurrency,
        "schedulers": args.schedulers,
        "channel_interval_s": 1.0,
        "slack_latency_s": args.slack_latency,
        "setup_seconds": round(setup, 1),
        "seconds": round(seconds, 1),
        "posting_span_seconds": round(span, 1) if span is not None else None,
        "lower_bound_seconds": round(bound, 1),
        "ratio": round(seconds / bound, 2),
        "posts_ok": stats["posts_ok"],
        "rows_sent": sent,
        "distinct_ts": distinct_ts,
        "duplicates": stats["duplicates"],
        "losses": (args.pairs - sent) + missing_posts,
        "ledger": statuses,
        "ratelimited_channel": stats["ratelimited_channel"],
        "ratelimited_workspace": stats["ratelimited_workspace"],
        "outcomes": dict(outcomes),
        "passes": len(ticks),
        "pass_log": ticks,
    }


# Idle passes


def query_plans(engine: Engine, statements: list[tuple[str, Any]]) -> list[str]:
    """How the database runs each SELECT of an idle pass (SQLite's EXPLAIN QUERY PLAN, or
    PostgreSQL's EXPLAIN ANALYZE: it runs them), one line per step."""
    plans = []
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            cursor = raw.cursor()
            if engine.dialect.name == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
                steps = [row[-1] for row in cursor.fetchall()]
            else:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) {statement}", parameters)
                steps = [row[0].strip() for row in cursor.fetchall()]
            cursor.close()
            plans.append("; ".join(steps))
    return plans


def idle(args: argparse.Namespace, count: int) -> dict[str, Any]:
    with scratch_database(args.database_url, f"idle{count}") as engine:
        setup = populate(engine, count, burst=False)
        with engine.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(Delivery)).scalar_one()
        settings = Settings(bot_token="xoxb-idle", slack_api_url="http://127.0.0.1:9/api/")
        dispatcher = build_dispatcher(
            engine, make_dispatch_client(settings), lambda: IDLE_AT, "bench"
        )
        for _ in range(5):  # warm: connections, statement caches
            dispatcher.tick(IDLE_AT)
        statements: list[tuple[str, Any]] = []

        def record(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
            statements.append((statement, parameters))

        commits = 0

        def count_commit(_conn) -> None:  # type: ignore[no-untyped-def]
            nonlocal commits
            commits += 1

        event.listen(engine, "before_cursor_execute", record)
        event.listen(engine, "commit", count_commit)
        timings = []
        for _ in range(args.idle_ticks):
            began = time.perf_counter()
            report = dispatcher.tick(IDLE_AT)
            timings.append((time.perf_counter() - began) * 1000)
            assert not report.planned and not report.outcomes, report.summary()
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "commit", count_commit)
        per_tick = len(statements) / args.idle_ticks
        plans = query_plans(engine, statements[: int(per_tick)])
    result = {
        "pairs": count,
        "ledger_rows": rows,
        "build_seconds": round(setup, 1),
        "median_ms": round(statistics.median(timings), 3),
        "p90_ms": round(percentile(timings, 90), 3),
        "statements": per_tick,
        "transactions": commits / args.idle_ticks,
        "plans": plans,
    }
    print(
        f"idle: {count:>7} pairs ({rows} ledger rows, built in {setup:.1f} s): "
        f"median {result['median_ms']} ms, p90 {result['p90_ms']} ms, "
        f"{per_tick:g} statements in {commits / args.idle_ticks:g} transactions a pass",
        flush=True,
    )
    return result


# Results


def schedulers(result: dict[str, Any]) -> str:
    count = result["burst"].get("schedulers", 1)
    return "one scheduler process" if count == 1 else f"{count} scheduler processes"


def readme_table(result: dict[str, Any]) -> str:
    """The README's figures, written from the saved result (so the two always agree)."""
    b, sizes = result["burst"], result["idle"]["sizes"]
    limits = (
        f"budget {b['budget_per_minute']}/min, {b['concurrency']} in flight, "
        f"Slack answering in {b['slack_latency_s'] * 1000:g} ms"
    )
    return "\n".join(
        [
            f"Latest run, {result['when'][:10]} ({result['machine']}; {result['database']}; "
            f"{schedulers(result)}):",
            "",
            "| burst | delivered in | budget's bound | ratio | 429s | duplicates | lost |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            f"| {b['pairs']:,} agenda posts due in one minute, one per channel; {limits} "
            f"| {b['seconds']} s | {b['lower_bound_seconds']} s | {b['ratio']} "
            f"| {b['ratelimited_channel'] + b['ratelimited_workspace']} "
            f"| {b['duplicates']} | {b['losses']} |",
            "",
            "| idle pass | "
            + " | ".join(f"{s['pairs']:,} pairs" for s in sizes)
            + f" | {sizes[-1]['pairs']:,} / {sizes[0]['pairs']:,} |",
            "| --- |" + " --- |" * (len(sizes) + 1),
            "| median, ms | "
            + " | ".join(str(s["median_ms"]) for s in sizes)
            + f" | {result['idle']['ratio']} |",
            "| SQL statements | " + " | ".join(f"{s['statements']:g}" for s in sizes) + " | |",
        ]
    )


def print_burst(b: dict[str, Any]) -> None:
    print(f"burst: {b['pairs']} agenda posts ({b['scenario']})")
    print(
        f"  delivered in {b['seconds']} s (posts spanned {b['posting_span_seconds']} s); "
        f"bound {b['pairs']}/{b['budget_per_minute']} per min = {b['lower_bound_seconds']} s;"
        f" ratio {b['ratio']}"
    )
    print(
        f"  429s: {b['ratelimited_channel']} per channel, "
        f"{b['ratelimited_workspace']} workspace; duplicates {b['duplicates']}; "
        f"lost {b['losses']} (ledger {b['ledger']}, {b['posts_ok']} posts); "
        f"{b['passes']} pass(es)",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000, help="pairs in the burst")
    parser.add_argument(
        "--budget", type=int, default=6000, help="posts per minute, for Slack and the dispatcher"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="posts in flight at once")
    parser.add_argument(
        "--schedulers", type=int, default=1, help="scheduler processes sharing the burst"
    )
    parser.add_argument("--slack-latency", type=float, default=0.05, help="seconds per Slack call")
    parser.add_argument(
        "--idle-sizes",
        default="1000,10000,100000",
        help="pairs in each idle database, comma-separated",
    )
    parser.add_argument("--idle-ticks", type=int, default=50, help="idle passes timed per size")
    parser.add_argument(
        "--database-url",
        help="run on this (empty, scratch) database instead of temporary SQLite files",
    )
    parser.add_argument("--only", choices=("burst", "idle"), help="run one part (not savable)")
    parser.add_argument(
        "--save", action="store_true", help="write bench/results/dispatch.json and the README"
    )
    parser.add_argument(
        "--save-json-only",
        action="store_true",
        help="write bench/results/dispatch.json and print the README block without writing it",
    )
    args = parser.parse_args()
    if (args.save or args.save_json_only) and args.only:
        parser.error("--only is a diagnosis, not the figure to save")
    backend = make_url(args.database_url).get_backend_name() if args.database_url else "sqlite"
    name = "dispatch" if backend == "sqlite" else f"dispatch_{backend}"  # the results' name
    if args.save and not figures.has_section(name):
        parser.error(
            f"README.md has no bench:{name} section yet: add its markers, or use --save-json-only"
        )
    logging.getLogger("mentorbot").addHandler(logging.NullHandler())  # no per-429 warnings

    burst_result = burst(args) if args.only != "idle" else None
    if burst_result is not None:
        print_burst(burst_result)
    sizes = [int(size) for size in args.idle_sizes.split(",")]
    idle_results = [idle(args, count) for count in sizes] if args.only != "burst" else []
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "database": "PostgreSQL" if backend == "postgresql" else "SQLite",
        "burst": burst_result,
        "idle": {
            "ticks": args.idle_ticks,
            "sizes": idle_results,
            "ratio": round(idle_results[-1]["median_ms"] / idle_results[0]["median_ms"], 2)
            if idle_results
            else None,
        },
    }

    if idle_results:
        print(f"idle pass: {result['idle']['ratio']}x from {sizes[0]} to {sizes[-1]} pairs")
        for plan in idle_results[-1]["plans"]:
            print(f"  plan: {plan}")
    if args.save or args.save_json_only:
        table = readme_table(result)
        print(f"wrote {figures.save(name, result, table if args.save else None)}")
        if args.save_json_only:
            start, end = figures.markers(name)
            print(f"\nREADME block (not written):\n{start}\n{table}\n{end}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Crashes under load: kill -9 of the worker and of the serving process, mid-burst; what was lost.

    python -m bench.crash [--requests 2000] [--kills 10] [--clients 12] [--pairs 20]
                          [--backend sqlite|postgresql] [--lease 10] [--log FILE] [--save]

The real `python -m bot run --mode http` (the serving process, which stores each request's work
before acking it, and its worker process) runs against the fake Slack (bench.crash_harness,
the same harness as tests/test_crash.py), which answers every call after 20 ms. --clients
threads send --requests signed requests as fast as they are acknowledged: /win, /goal and
/agenda typed in a pair's channel, a win sent to the bot by DM (an Events API event), the
agenda form submitted and a milestone's Done button clicked, in turn, spread over --pairs
pairs. --kills SIGKILLs land at evenly spaced points of the burst (after k·N/(kills+1)
requests were taken), each once some work is claimed, alternating: the worker alone (`run`
starts it again itself), then the serving process with its workers (then `run` is started
again at once, as a supervisor would).

A request counts as acknowledged when the bot answered 2xx within 3 s, as Slack does. While the
serving process is down, requests are refused; they are tried again as Slack and people do:
Slack retries an event at once, after 1 minute and after 5 minutes (here 60 times sooner: at
once, after 1 s, after 5 s), the same event with X-Slack-Retry-Num; Slack retries no command,
click or form, so the person tries again, after 2 s, up to three times, and each try is a
request of its own (its own text and response_url: a first try that was stored but not
acknowledged may have its effect too, and must not be mistaken for a duplicate).

When the burst is over and the last restart done, the benchmark waits until no work is waiting
or claimed, then checks, as the test does: lost (an acknowledged request without its effect or
its answer, or a win never posted), duplicated (a request whose effect, answer or post
happened more than once), wins whose post is not the one recorded, and work set aside as
failed; and counts the posts the fake saw twice for one step of one piece of work (their
metadata key). The drain time is mostly the backlog the worker has not reached when the burst
ends (the acks outpace one worker; `--kills 0` shows how much of it the kills add), plus the
work a killed worker had claimed, which waits for its lease to run out
(WORK_LEASE_SECONDS=--lease, 10 s here against 120 s by default) before a worker takes it
again. The fake Slack and the clients share this process; the figures that matter are the
counts, which must be 0, not the times.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import platform
import queue as queues
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from bench import figures
from bench.crash_harness import (
    SLACK_LATENCY,
    Bot,
    Sent,
    audit,
    bot_env,
    burst,
    drained,
    fake_slack,
    free_port,
    kill,
    pairs_of,
    request,
    send,
    set_up,
    under_way,
)
from fakeslack import FakeSlack
from storage.db import init_db, make_engine

ACK_TIMEOUT = 3.0  # Slack gives up on an ack after 3 s
EVENT_RETRIES = (0.0, 1.0, 5.0)  # Slack's at once, 1 min and 5 min, 60 times sooner
PERSON_RETRIES = (2.0, 2.0, 2.0)  # a person tries a command, click or form again
DRAIN_TIMEOUT = 900


@contextmanager
def database(backend: str, tmp: Path) -> Iterator[str]:
    """A new database with the tables: a SQLite file, or one on a PostgreSQL of our own."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp}/crash.db"
        engine = make_engine(url)
        init_db(engine)
        engine.dispose()
        yield url
        return
    from bench.postgres import PostgresForTests

    (tmp / "postgres").mkdir()
    server = PostgresForTests.start(tmp / "postgres")
    try:
        with server.database() as url:
            yield url
    finally:
        server.close()


class Burst:
    """The requests, taken by the client threads in order; the people's new tries appended."""

    def __init__(self, sent: list[Sent]) -> None:
        self.sent = sent
        self.planned = len(sent)
        self._next = 0
        self._indexes = itertools.count(len(sent))
        self._lock = threading.Condition()
        self.posts = 0  # HTTP requests made, retries and new tries included
        self.event_retries = 0
        self.new_tries = 0

    def take(self) -> Sent | None:
        with self._lock:
            if self._next >= self.planned:
                return None
            self._next += 1
            self._lock.notify_all()
            return self.sent[self._next - 1]

    def taken(self) -> int:
        with self._lock:
            return self._next

    def wait_taken(self, count: int) -> None:
        with self._lock:
            self._lock.wait_for(lambda: self._next >= count)

    def again(self, sent: Sent) -> Sent:
        with self._lock:
            new = sent.again(next(self._indexes))
            self.sent.append(new)
            self.new_tries += 1
            return new

    def counted(self, *, retry: bool = False) -> None:
        with self._lock:
            self.posts += 1
            self.event_retries += retry


def client(url: str, fake: FakeSlack, burst: Burst) -> None:
    """Send requests until none are left, each tried again as Slack or its person would."""
    while (sent := burst.take()) is not None:
        body = request(sent, fake)
        burst.counted()
        sent.acked = send(url, *body, timeout=ACK_TIMEOUT)
        if sent.kind == "dm":
            for number, pause in enumerate(EVENT_RETRIES, start=1):
                if sent.acked:
                    break
                time.sleep(pause)
                burst.counted(retry=True)
                sent.acked = send(url, *body, retry=number, timeout=ACK_TIMEOUT)
            continue
        for pause in PERSON_RETRIES:
            if sent.acked:
                break
            time.sleep(pause)
            sent = burst.again(sent)
            burst.counted()
            sent.acked = send(url, *request(sent, fake), timeout=ACK_TIMEOUT)


def crash(bot: Bot, engine: Any, burst: Burst, kills: int, log: list[dict[str, Any]]) -> None:
    """The kills, at evenly spaced points of the burst: the worker, then everything, in turn."""
    for k in range(kills):
        burst.wait_taken(round((k + 1) * burst.planned / (kills + 1)))
        with contextlib.suppress(AssertionError):
            under_way(engine, timeout=10)
        at, taken = time.monotonic(), burst.taken()
        if k % 2 == 0:
            kill(bot.children()[0])
            # back at once: `run` starts the worker again (within its 0.2 s watch)
            log.append({"what": "worker", "after_requests": taken, "at": at, "back_at": at})
        else:
            bot.kill(with_children=True)
            bot.start()
            log.append(
                {"what": "front", "after_requests": taken, "at": at, "back_at": time.monotonic()}
            )


def run(args: argparse.Namespace, tmp: Path, bot_log: IO[str] | None) -> dict[str, Any]:
    began = time.monotonic()
    pairs = pairs_of(args.pairs)
    with fake_slack(pairs) as fake, database(args.backend, tmp) as url:
        engine = make_engine(url)
        pairs = set_up(engine, pairs, args.requests)
        port = free_port()
        home = tmp / "bot"
        home.mkdir()
        bot = Bot(bot_env(fake, url, port, home, args.lease), log=bot_log)
        bot.start()
        work = Burst(burst(pairs, args.requests))
        kills: list[dict[str, Any]] = []
        failures: queues.SimpleQueue[BaseException] = queues.SimpleQueue()

        def guarded(function: Any, *arguments: Any) -> None:
            try:
                function(*arguments)
            except BaseException as error:
                failures.put(error)
                raise

        try:
            started = time.monotonic()
            threads = [
                threading.Thread(
                    target=guarded, args=(client, f"http://127.0.0.1:{port}", fake, work)
                )
                for _ in range(args.clients)
            ]
            killer = threading.Thread(
                target=guarded, args=(crash, bot, engine, work, args.kills, kills)
            )
            for thread in [*threads, killer]:
                thread.start()
            for thread in threads:
                thread.join()
            ended = time.monotonic()
            killer.join()
            if not failures.empty():
                raise failures.get()
            back = max([ended, *(k["back_at"] for k in kills)])
            drained_at = drained(engine, timeout=DRAIN_TIMEOUT)
        finally:
            bot.stop()
        found = audit(engine, fake, work.sent)
        engine.dispose()
    acked = sum(sent.acked for sent in work.sent)
    fronts = [k for k in kills if k["what"] == "front"]
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "database": "PostgreSQL" if args.backend == "postgresql" else "SQLite",
        "requests": args.requests,
        "clients": args.clients,
        "pairs": args.pairs,
        "slack_latency_s": SLACK_LATENCY,
        "lease_s": args.lease,
        "posts": work.posts,
        "event_retries": work.event_retries,
        "new_tries": work.new_tries,
        "sent": len(work.sent),
        "acknowledged": acked,
        "kills": {"worker": len(kills) - len(fronts), "front": len(fronts)},
        "kill_points": [k["after_requests"] for k in kills],
        "front_restart_s": [round(k["back_at"] - k["at"], 2) for k in fronts],
        "lost": found.requests_lost(),
        "duplicated": found.requests_duplicated(),
        "unrecorded": len(found.unrecorded),
        "failed": len(found.failed),
        "posted_twice": len(found.keyed_twice),
        "replied_twice": len(found.replied_twice),
        "retaken": found.retaken,
        "problems": [str(p) for p in found.lost + found.duplicated + found.unrecorded]
        + found.failed
        + [f"work step {key} posted {n} times" for key, n in found.keyed_twice.items()],
        "burst_s": round(ended - started, 1),
        "drain_s": round(drained_at - back, 1),
        "drain_after_last_restart_s": round(
            drained_at - max([started, *(k["back_at"] for k in kills)]), 1
        ),
        "total_s": round(time.monotonic() - began, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests in the burst")
    parser.add_argument("--kills", type=int, default=10, help="kill -9s, worker and front in turn")
    parser.add_argument("--clients", type=int, default=12, help="client threads sending")
    parser.add_argument("--pairs", type=int, default=20, help="pairs the requests are spread over")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--lease", type=int, default=10, help="WORK_LEASE_SECONDS, in seconds")
    parser.add_argument("--log", type=Path, help="write what the bot's processes logged here")
    parser.add_argument(
        "--save", action="store_true", help="write bench/results/crash.json and the README"
    )
    args = parser.parse_args()
    if args.save and not figures.has_section("crash"):
        parser.error("README.md has no bench:crash section")

    with (
        tempfile.TemporaryDirectory(prefix="mentorbot-crash-") as tmp,
        open(args.log, "w") if args.log else contextlib.nullcontext() as bot_log,
    ):
        result = run(args, Path(tmp), bot_log)
    print(summary(result))
    for problem in result["problems"]:
        print(f"  {problem}")
    if args.save:
        figures.save("crash", result, readme_table(result))
    return 0


def summary(r: dict[str, Any]) -> str:
    kills, restarts = r["kills"], r["front_restart_s"]
    back = f" (serving again {min(restarts)}–{max(restarts)} s after)" if restarts else ""
    return "\n".join(
        [
            f"{r['requests']} requests from {r['clients']} clients over {r['pairs']} pairs, "
            f"{r['database']}: {r['posts']} HTTP posts ({r['event_retries']} events retried, "
            f"{r['new_tries']} commands, clicks and forms tried again)",
            f"acknowledged {r['acknowledged']} of {r['sent']} requests; "
            f"killed the worker {kills['worker']} times, "
            f"the serving process {kills['front']}{back}",
            f"lost {r['lost']}, duplicated {r['duplicated']}, wins' posts not recorded "
            f"{r['unrecorded']}, failed {r['failed']}, posts sent twice {r['posted_twice']}",
            f"response_url replies sent twice (allowed) {r['replied_twice']}; "
            f"work taken again after a kill {r['retaken']}",
            f"burst {r['burst_s']} s; backlog drained {r['drain_s']} s after the burst and the "
            f"last restart ({r['drain_after_last_restart_s']} s after the last restart); "
            f"whole run {r['total_s']} s",
        ]
    )


def readme_table(r: dict[str, Any]) -> str:
    """The README's figures, written from the saved result (so the two always agree)."""
    kills = r["kills"]
    return "\n".join(
        [
            f"Latest run, {r['when'][:10]} ({r['machine']}; {r['database']}; {r['pairs']} pairs, "
            f"{r['clients']} clients, Slack answering in {r['slack_latency_s'] * 1000:g} ms, "
            f"work lease {r['lease_s']} s):",
            "",
            "| requests | sent, tries again included | acknowledged | kill -9s, worker + serving "
            "| lost | duplicated | wins' posts not recorded | burst | drained after the burst "
            "| whole run |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
            f"| {r['requests']:,} | {r['sent']:,} | {r['acknowledged']:,} "
            f"| {kills['worker']} + {kills['front']} | {r['lost']} | {r['duplicated']} "
            f"| {r['unrecorded']} | {r['burst_s']} s | {r['drain_s']} s | {r['total_s']} s |",
            "",
            f"Work set aside as failed: {r['failed']}; posts that reached Slack twice for one "
            f"step of one piece of work: {r['posted_twice']}; replies to a command's "
            f"response_url sent twice (allowed): {r['replied_twice']}; pieces of work taken "
            f"again after their worker was killed: {r['retaken']}.",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())

"""Workers: where the work after each ack runs.

The process that serves Slack only checks, stores and acknowledges: each listener stores its
task as durable work (handlers.runtime). Workers claim stored work with a lease and run it on
a thread pool (the work mostly waits on Slack), in processes of their own, so acks never
compete with the work for the interpreter lock. `python -m bot worker` runs one; `run` starts
them for a single machine and wakes them when it stores work. Any number may run against one
PostgreSQL database.

Stopping (SIGTERM, or `stop` set by `run`): claim nothing more, let the tasks under way
finish (up to STOP_TIMEOUT), and exit. A worker killed outright leaves its claims to run out;
another worker takes them, and the steps already done are not repeated.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import timedelta
from typing import Any

from bot.app import build_services, make_web_client
from bot.clock import clock_for
from bot.logs import configure_logging
from bot.scheduler import worker_name
from bot.settings import WORKER_THREADS, Settings
from handlers.performing import perform
from workqueue import queue

logger = logging.getLogger("mentorbot.worker")

# Workers take only the CPU the serving process leaves (SCHED_IDLE, or this niceness where
# that is not to be had: see _give_way): when the machine is saturated, replies wait rather
# than acks (Slack gives up on an ack after 3 s and retries events, which only adds load; a
# reply through response_url may come up to 30 minutes later).
WORKER_NICENESS = 19
STOP_TIMEOUT = 30
RENEWALS = 3  # the leases of work under way are renewed this often per lease
POLL_SECONDS = 0.25  # an idle worker looks for work this often (sooner when woken)
# A Home is redrawn this long after the first change that asked for it, once for every change
# made meanwhile (handlers.dashboard.HomeRedraws): a burst of wins costs one drawing a Home.
HOME_SETTLE = 1.0


def work(
    settings: Settings,
    threads: int = WORKER_THREADS,
    *,
    stop: Any = None,
    wake: Any = None,
    nice: bool = True,
) -> None:
    """A worker's main loop: claim as many tasks as threads are free, run them, repeat, until
    `stop` (a threading or multiprocessing Event) is set. `wake`, an Event set when work is
    stored, cuts the wait between polls short."""
    if nice:
        _give_way()
    configure_logging(settings.log_level_number, settings.log_format)
    stop = stop or threading.Event()
    services = build_services(
        settings, clock=clock_for(settings.clock_file), home_settle=HOME_SETTLE
    )
    client = make_web_client(settings)
    name = worker_name()
    lease = timedelta(seconds=settings.work_lease_seconds)
    logger.info("worker started", extra={"worker": name, "threads": threads})
    running: dict[Future[None], int] = {}  # each task under way, and its work's id
    renewed = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="work") as pool:
        while not stop.is_set():
            # Renew before claiming: a loop kept from running (the CPU busy elsewhere: workers
            # take only what is left) would otherwise find its own tasks' leases run out.
            if running and time.monotonic() - renewed >= lease.total_seconds() / RENEWALS:
                renewed = _renew(services, name, list(running.values()), lease)
            claimed = []
            if len(running) < threads:
                try:
                    claimed = queue.claim(
                        services.engine,
                        name,
                        services.clock(),
                        threads - len(running),
                        lease=lease,
                        running=list(running.values()),
                    )
                except Exception:  # the database is away: log, wait, try again
                    logger.exception("could not claim work")
            for item in claimed:
                running[pool.submit(perform, item, services, client, name)] = item.id
            if claimed and len(running) >= threads:
                wait(running, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            elif not claimed:
                _idle(stop, wake)
            running = {future: work_id for future, work_id in running.items() if not future.done()}
        wait(running, timeout=STOP_TIMEOUT)
    if services.flush_homes is not None:
        services.flush_homes()
    services.engine.dispose()
    logger.info("worker stopped", extra={"worker": name, "unfinished": len(running)})


def _give_way() -> None:
    """Run at the lowest priority there is: on Linux, SCHED_IDLE (the process runs only on a
    CPU nothing else wants, and any other task that wakes takes the CPU at once); elsewhere,
    niceness WORKER_NICENESS. Threads started afterwards inherit it."""
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            return
        except OSError:  # not allowed here (a container's seccomp, say): niceness instead
            pass
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)


def _renew(services: Any, name: str, work_ids: list[int], lease: timedelta) -> float:
    """Renew the leases of the work under way (a task slower than its lease — Slack
    rate-limiting it, say — would otherwise be taken and run a second time); when it did."""
    try:
        queue.extend(services.engine, work_ids, name, services.clock(), lease)
    except Exception:  # the database is away: the next loop tries again
        logger.exception("could not renew leases", extra={"work": len(work_ids)})
        return 0.0
    return time.monotonic()


def _idle(stop: Any, wake: Any) -> None:
    """Wait for work: until woken, stopped, or the next poll."""
    if wake is None:
        stop.wait(POLL_SECONDS)
        return
    if wake.wait(POLL_SECONDS):
        wake.clear()

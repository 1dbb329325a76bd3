"""The worker process: where the work after each ack runs in production.

The process that serves Slack only verifies, parses and acknowledges; each listener hands a
`Task` to `ProcessRunner`, which queues it to a separate process with its own database engine,
Slack client and thread pool (the work mostly waits on Slack). Acks therefore never compete with
that work for the interpreter lock, however much of it there is.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from bot.app import build_services, make_web_client
from bot.logs import configure_logging
from bot.settings import Settings
from handlers.runtime import Task, perform

logger = logging.getLogger("mentorbot.worker")

WORKER_THREADS = 8
# The worker takes only the CPU the serving process leaves: when the machine is saturated,
# replies wait rather than acks (Slack gives up on an ack after 3 s and retries events, which
# only adds load; a reply through response_url may come up to 30 minutes later). Its database
# transactions are short, so a DM ack that needs SQLite's write lock waits little for them.
WORKER_NICENESS = 19
STOP_TIMEOUT = 60
MAX_RESTART_DELAY = 30


class ProcessRunner:
    """Hands tasks to a worker process, and starts a new one if it dies.

    Listeners put tasks on an unbounded in-memory queue, so an ack never waits; a feeder thread
    sends them down a pipe that belongs to the current worker alone. A worker that died takes
    nothing shared with it (no lock it held, no half-read queue): the feeder starts a new one with
    a new pipe and sends the task again. What a killed worker had already received is lost, like
    any work in a process that is killed; DMs come back through the event inbox at the next start.
    """

    def __init__(self, settings: Settings, threads: int = WORKER_THREADS) -> None:
        self._context = multiprocessing.get_context("spawn")  # no inherited threads or sockets
        self._settings = settings
        self._threads = threads
        self._pending: queue.SimpleQueue[Task | None] = queue.SimpleQueue()
        self._process, self._pipe = self._start()
        self._feeder = threading.Thread(target=self._feed, name="worker-feeder", daemon=True)
        self._feeder.start()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def submit(self, task: Task) -> None:
        self._pending.put(task)

    def close(self) -> None:
        """Let the worker finish everything submitted so far, then stop it."""
        self._pending.put(None)
        self._feeder.join()

    def _start(self) -> tuple[BaseProcess, Connection]:
        receiver, sender = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=work, args=(self._settings, receiver, self._threads), name="mentorbot-worker"
        )
        process.start()
        receiver.close()  # the worker holds the only reading end: its death breaks the pipe
        return process, sender

    def _feed(self) -> None:
        while True:
            task = self._pending.get()
            self._send(task)
            if task is None:
                break
        self._process.join(STOP_TIMEOUT)
        if self._process.is_alive():
            logger.error("worker did not stop in time; terminating it")
            self._process.terminate()
        self._pipe.close()

    def _send(self, task: Task | None) -> None:
        restarts = 0
        while True:
            if self._process.is_alive():
                try:
                    self._pipe.send(task)
                    return
                except OSError:  # BrokenPipeError: the worker is gone
                    self._process.join(STOP_TIMEOUT)
            exit_code = self._process.exitcode
            logger.error("worker died; starting it again", extra={"exit": exit_code})
            if restarts:  # it died again at once: back off rather than spin
                time.sleep(min(MAX_RESTART_DELAY, 0.5 * 2**restarts))
            restarts += 1
            self._pipe.close()
            self._process, self._pipe = self._start()


def work(settings: Settings, tasks: Connection, threads: int) -> None:
    """The worker's main loop: run each task on a thread pool until told to stop."""
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)
    configure_logging(settings.log_level_number)
    services = build_services(settings)
    client = make_web_client(settings)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="work") as pool:
        while (task := _next(tasks)) is not None:
            pool.submit(perform, task, services, client)
    services.engine.dispose()


def _next(tasks: Connection) -> Task | None:
    try:
        return tasks.recv()
    except EOFError:  # the serving process is gone without saying stop
        return None

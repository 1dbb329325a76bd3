"""The processes of a single machine: `run` serves Slack and starts workers and the scheduler
as child processes of their own; a child that dies is started again (with backoff).

The serving process holds no work in memory: it stores each task before acking, and wakes the
workers through a shared event. Stopping: the caller stops serving first; then `stop()` tells
the children to finish (workers finish the tasks under way; the scheduler's pass posts what is
in flight and hands the rest back) and waits for them, then kills what is left.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from typing import Any

from bot.settings import Settings

logger = logging.getLogger("mentorbot.processes")

STOP_TIMEOUT = 40
MAX_RESTART_DELAY = 30


class Children:
    """Worker processes (and, when enabled, the scheduler) started and watched by `run`."""

    def __init__(self, settings: Settings, workers: int = 1, scheduler: bool = True) -> None:
        self._context = multiprocessing.get_context("spawn")  # no inherited threads or sockets
        self._settings = settings
        self._stop = self._context.Event()
        self.wake_event = self._context.Event()
        self._targets: list[tuple[str, Callable[..., None], tuple[Any, ...]]] = [
            (f"mentorbot-worker-{n}", _run_worker, (settings, self._stop, self.wake_event))
            for n in range(workers)
        ]
        if scheduler:
            self._targets.append(("mentorbot-scheduler", _run_scheduler, (settings, self._stop)))
        self._processes = [self._start(target) for target in self._targets]
        self._watching = True
        self._watcher = threading.Thread(target=self._watch, name="children", daemon=True)
        self._watcher.start()

    @property
    def pids(self) -> list[int | None]:
        return [process.pid for process in self._processes]

    def wake(self, work_id: int) -> None:
        """Work was stored: a worker should look now rather than at its next poll."""
        self.wake_event.set()

    def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Tell every child to finish, wait for them (bounded), then kill what is left."""
        self._watching = False
        self._stop.set()
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                logger.error("child did not stop in time; killing it", extra={"pid": process.pid})
                process.kill()
                process.join(5)
        self._watcher.join(5)

    def _start(self, target: tuple[str, Callable[..., None], tuple[Any, ...]]) -> BaseProcess:
        name, function, args = target
        process = self._context.Process(target=function, args=args, name=name, daemon=False)
        process.start()
        return process

    def _watch(self) -> None:
        restarts = [0] * len(self._processes)
        while self._watching:
            time.sleep(0.2)
            for index, process in enumerate(self._processes):
                if not self._watching or process.is_alive():
                    continue
                died = {"child": self._targets[index][0], "exit": process.exitcode}
                logger.error("child died; starting it again", extra=died)
                if restarts[index]:
                    time.sleep(min(MAX_RESTART_DELAY, 0.5 * 2 ** restarts[index]))
                restarts[index] += 1
                if self._watching:
                    self._processes[index] = self._start(self._targets[index])


def _as_child(stop: Any) -> None:
    """A child stops when its parent says so, not on the terminal's Ctrl-C or a SIGTERM sent
    to the whole process group (the parent stops serving first, then stops its children) —
    or when its parent is gone (killed outright): no child outlives the `run` that started it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        while not stop.wait(0.5):
            if os.getppid() != parent:
                logger.warning("parent gone; stopping", extra={"parent": parent})
                stop.set()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _run_worker(settings: Settings, stop: Any, wake: Any) -> None:
    from bot.worker import work

    _as_child(stop)
    work(settings, stop=stop, wake=wake)


def _run_scheduler(settings: Settings, stop: Any) -> None:
    from bot.scheduler import run_scheduler

    _as_child(stop)
    run_scheduler(settings, stop)

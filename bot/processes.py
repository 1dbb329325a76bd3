"""The processes of a single machine: `run` serves Slack and starts workers and the scheduler
as child processes of their own; a child that dies is started again (with backoff).

The serving process holds no work in memory: it stores each task before acking, then rings
the workers. Each child hangs on a pipe from its parent: a byte means "work was stored, look
now"; the end of the pipe means "stop" — sent by `stop()`, or by the kernel when the parent is
gone, however it died. (No lock or semaphore is shared between processes: one held by a child
killed outright would hang whoever touched it next.)

Memory: started while `run` has no other thread, a child is forked and shares the code and
data `run` has loaded (copy-on-write; the objects loaded so far are moved out of the garbage
collector's reach first, so that collecting in a child does not copy them). Forking is safe only
in a process with one thread; a child started again later, when `run` is serving on many
threads, is spawned as a fresh interpreter instead (and costs its own memory).

Stopping: the caller stops serving first; then `stop()` tells the children to finish (workers
finish the tasks under way; the scheduler's pass posts what is in flight and hands the rest
back) and waits for them, then kills what is left.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from bot.settings import Settings

logger = logging.getLogger("mentorbot.processes")

STOP_TIMEOUT = 40
# What the children run, loaded before they are forked so that they share it.
CHILD_MODULES = ("bot.worker", "bot.scheduler")
MAX_RESTART_DELAY = 30


class Children:
    """Worker processes (and, when enabled, the scheduler) started and watched by `run`."""

    def __init__(self, settings: Settings, workers: int = 1, scheduler: bool = True) -> None:
        self._targets: list[tuple[str, Callable[..., None]]] = [
            (f"mentorbot-worker-{n}", _run_worker) for n in range(workers)
        ]
        if scheduler:
            self._targets.append(("mentorbot-scheduler", _run_scheduler))
        self._settings = settings
        self._processes: list[BaseProcess] = []
        self._lines: list[Connection | None] = []  # the parent's end of each child's pipe
        self._lock = threading.Lock()  # guards _lines against wake() from request threads
        self._watching = False
        self._watcher = threading.Thread(target=self._watch, name="children", daemon=True)

    def start(self) -> Children:
        """Start the children, and watch them. Call it before this process starts any thread
        (and with no database connection open): the children are then forked."""
        if _may_fork():
            for module in CHILD_MODULES:
                importlib.import_module(module)
            gc.freeze()
        for index in range(len(self._targets)):
            process, line = self._start(index)
            self._processes.append(process)
            self._lines.append(line)
        self._watching = True
        self._watcher.start()
        return self

    @property
    def pids(self) -> list[int | None]:
        return [process.pid for process in self._processes]

    def wake(self, work_id: int | None) -> None:
        """Work was stored: the workers should look now rather than at their next poll."""
        with self._lock:
            for (_name, function), line in zip(self._targets, self._lines, strict=True):
                if line is not None and function is _run_worker:
                    _ring(line)

    def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Tell every child to finish, wait for them (bounded), then kill what is left."""
        with self._lock:  # from here on the watcher starts nothing more (see _watch)
            started, self._watching = self._watching, False
        if started:
            self._watcher.join(5)
        with self._lock:
            for line in self._lines:
                if line is not None:
                    line.close()  # the end of the pipe: stop
            self._lines = [None] * len(self._lines)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                logger.error("child did not stop in time; killing it", extra={"pid": process.pid})
                process.kill()
                process.join(5)

    def _start(self, index: int) -> tuple[BaseProcess, Connection]:
        name, function = self._targets[index]
        fork = _may_fork()
        context = multiprocessing.get_context("fork" if fork else "spawn")
        theirs, ours = context.Pipe(duplex=False)
        # A forked child inherits every descriptor: it must close the parent's ends of the
        # pipes (its own included), or no child would see its pipe end. A spawned one has none.
        parents_ends = tuple(line.fileno() for line in (*self._lines, ours) if line) if fork else ()
        process = context.Process(
            target=function, args=(self._settings, theirs, parents_ends), name=name, daemon=False
        )
        process.start()
        theirs.close()  # the child has its own copy: the pipe ends when ours closes or we die
        os.set_blocking(ours.fileno(), False)
        return process, ours

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
                # Checked and started under the lock that `stop` takes to end the watching: a
                # replacement is either in the list `stop` stops, or never started.
                with self._lock:
                    if not self._watching:
                        return
                    process, line = self._start(index)
                    old, self._lines[index] = self._lines[index], line
                    self._processes[index] = process
                if old is not None:
                    old.close()


def _may_fork() -> bool:
    """Whether a child may be forked from this process: only while it runs one thread (a fork
    copies no other thread, so a lock one of them held would stay held in the child)."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def _ring(line: Connection) -> None:
    """One byte down a child's pipe; a full pipe has bytes enough, a closed one no reader."""
    with contextlib.suppress(BlockingIOError, BrokenPipeError):
        os.write(line.fileno(), b"w")


def _as_child(
    line: Connection, parents_ends: tuple[int, ...]
) -> tuple[threading.Event, threading.Event]:
    """In a child: (stop, wake) events kept by a thread that reads the pipe from the parent.
    A child stops when its parent says so or is gone, not on the terminal's Ctrl-C or a
    SIGTERM sent to the whole process group (the parent stops serving first, then stops its
    children): no child outlives the `run` that started it. On Linux the child takes its
    name (`worker-0`, `scheduler`) as its process name, for ps and top."""
    for descriptor in parents_ends:
        os.close(descriptor)
    with contextlib.suppress(OSError):
        name = multiprocessing.current_process().name.removeprefix("mentorbot-")
        Path("/proc/self/comm").write_text(name[:15])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    stop, wake = threading.Event(), threading.Event()

    def listen() -> None:
        while True:
            try:
                rung = os.read(line.fileno(), 512)
            except InterruptedError:
                continue
            except OSError:
                rung = b""
            if not rung:
                logger.info("parent said stop, or is gone")
                stop.set()
                wake.set()
                return
            wake.set()

    threading.Thread(target=listen, name="parent-line", daemon=True).start()
    return stop, wake


def _run_worker(settings: Settings, line: Connection, parents_ends: tuple[int, ...]) -> None:
    from bot.worker import work

    stop, wake = _as_child(line, parents_ends)
    work(settings, stop=stop, wake=wake)


def _run_scheduler(settings: Settings, line: Connection, parents_ends: tuple[int, ...]) -> None:
    from bot.scheduler import run_scheduler

    stop, _ = _as_child(line, parents_ends)
    run_scheduler(settings, stop)

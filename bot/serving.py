"""What runs the bot: `run` (the serving process, which starts the workers and the scheduler),
`sandbox`, a worker or a scheduler on its own, and one scheduler pass (`tick`).

The CLI (bot.cli) imports this module only for those commands, after checking the settings
they need: it loads the whole bot (Bolt, every handler, the worker, the scheduler), about half
a second of start-up on top of the CLI's that the other commands and a missing setting do
without.
"""

from __future__ import annotations

import gc
import logging
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from slack_bolt.error import BoltError
from sqlalchemy import Engine

from bot import health, startup
from bot.app import build_services, create_app, with_runner
from bot.clock import system_clock
from bot.logs import configure_logging
from bot.processes import Children
from bot.sandbox import Sandbox
from bot.scheduler import make_dispatcher, run_scheduler
from bot.settings import Settings
from bot.web import WSGIApp, make_server, make_wsgi_app, shut_down
from bot.worker import work
from handlers.messages import replay_pending
from handlers.runtime import Services
from mentoring import digest, forgetting, inbox, nudges
from storage import spool
from workqueue.batching import WorkStore, work_store

logger = logging.getLogger("mentorbot")


def run(settings: Settings, mode: str) -> int:
    """Check, start, serve until SIGTERM or SIGINT, stop. A start-up that cannot go on says why
    in one line (exit 2: configuration, 1: outage), never with a traceback and never hanging.
    The settings `mode` needs are there (the CLI checked them)."""
    stop = threading.Event()
    stop_on_signals(stop)
    engine, refused = startup.open_database(settings)
    if engine is None:
        return refused
    services = build_services(settings, engine=engine)
    deadline = startup.Deadline(settings.startup_wait_seconds, stop)
    try:
        startup.check_bot_token(settings, deadline)
        if mode == "socket":
            startup.check_app_token(settings, deadline)
    except startup.StartupError as error:
        print(f"mentorbot: {error.line}", file=sys.stderr)
        return error.exit_code
    except startup.Stopped:
        return 0
    return serve(settings, mode, services, stop)


def serve(
    settings: Settings,
    mode: str,
    services: Services,
    stop: threading.Event,
    started: Callable[[], None] | None = None,
) -> int:
    """Start the workers and the scheduler, then what takes Slack's requests; stop in the
    reverse order: first nothing new comes in (the Socket Mode connection closes, the HTTP
    server stops), then the children finish (workers the tasks under way, the scheduler's pass
    what is in flight). Nothing acknowledged is held here: it is stored before each ack.
    `started` runs once the children are (the sandbox starts its stand-in for Slack there)."""
    children = Children(settings, settings.workers, scheduler=settings.scheduler_enabled)
    services.engine.dispose()  # no connection of ours crosses into a child
    children.start()  # first, while this process has one thread: the children are forked
    store: WorkStore | None = None
    intake: Intake | None = None
    health_server: Serving | None = None
    try:
        store = _work_store(services.engine, committed=lambda: children.wake(None))
        services = replace(with_runner(services, children), work_store=store)
        if started is not None:
            started()
        app = create_app(settings, services)
        if not settings.scheduler_enabled:
            logger.info("scheduler disabled", extra={"setting": "SCHEDULER_ENABLED"})
        replay_pending(services)
        probes = [health.DatabaseProbe(services.engine), *health.work_probes(services)]
        if mode == "socket":
            assert settings.app_token is not None
            from bot.socket_mode import SocketMode  # aiohttp: 26 MB, for Socket Mode only

            socket = SocketMode(app, settings.app_token, settings.slack_api_url)
            intake = socket
            probes.append(health.socket_mode(socket.is_connected))
            if not socket.connect(timeout=max(5, settings.startup_wait_seconds)):
                raise startup.StartupError(
                    "the Socket Mode connection to Slack did not open: check the network or "
                    "a proxy, then start again.",
                    startup.OUTAGE,
                )
            health_server = Serving(health.wsgi(probes), settings.health_port_number)
        else:
            secret = settings.signing_secret or ""
            wsgi = make_wsgi_app(app, services.engine, secret, probes)
            intake = Serving(wsgi, settings.port)
            if settings.health_port_number != settings.port:
                health_server = Serving(health.wsgi(probes), settings.health_port_number)
        # What is alive now lives as long as the process: out of the collector's reach, a full
        # collection while serving (50 ms over the app's 100,000 objects, every request thread
        # waiting) becomes one over what requests made since.
        gc.freeze()
        logger.info(
            "starting",
            extra={"mode": mode, "port": settings.port, "health": settings.health_port_number},
        )
        stop.wait()
        logger.info("stopping")
        failure = None
    except startup.StartupError as error:
        failure = (error.line, error.exit_code)
    except BoltError as error:
        failure = (f"Slack did not accept SLACK_BOT_TOKEN ({error}).", startup.CONFIGURATION)
    except Exception as error:
        logger.exception("start-up failed")
        failure = (
            f"start-up failed ({type(error).__name__}: {error}); the log above says where.",
            startup.OUTAGE,
        )
    finally:
        if intake is not None:
            intake.stop()  # nothing new is acknowledged from here on
        if store is not None:
            store.close()
        children.stop()
        if health_server is not None:
            health_server.stop()
    if failure is None:
        return 0
    line, code = failure  # said last, after what the children logged as they stopped
    print(f"mentorbot: {line}", file=sys.stderr)
    return code


def sandbox(settings: Settings, directory: Path, empty: bool) -> int:
    """The real bot against a local stand-in for Slack, with its page on PORT (3000), until
    SIGTERM or SIGINT; the demo programme is made on a first start unless `empty`."""
    stop = threading.Event()
    stop_on_signals(stop)
    try:
        sandbox = Sandbox(settings, directory, settings.port)
    except OSError as error:
        print(f"mentorbot: can't keep the sandbox in {directory} ({error})", file=sys.stderr)
        return 2
    configure_logging(sandbox.settings.log_level_number, sandbox.settings.log_format)
    try:
        engine, refused = startup.open_database(sandbox.settings)
        if engine is None:
            return refused
        services = build_services(sandbox.settings, engine=engine, clock=sandbox.clock)

        def open_page() -> None:
            try:
                page = sandbox.start(engine)
            except OSError as error:
                raise startup.StartupError(
                    f"can't open the sandbox on port {settings.port} ({error.strerror}): set "
                    "PORT to a free port.",
                    startup.CONFIGURATION,
                ) from None

            def ready() -> None:
                print(f"Mentorbot sandbox: {page.origin}  (Ctrl-C stops it)", flush=True)
                if sandbox.fresh and not empty:
                    sandbox.seed_demo()

            sandbox.when_ready(ready)

        return serve(sandbox.settings, "http", services, stop, open_page)
    finally:
        sandbox.stop()


def worker(settings: Settings, threads: int) -> int:
    """`python -m bot worker`: run stored work until SIGTERM, then finish what runs."""
    return _alone(
        settings,
        "worker",
        lambda stop: work(settings, threads, stop=stop, nice=False),
    )


def scheduler(settings: Settings) -> int:
    """`python -m bot scheduler`: scheduled messages until SIGTERM."""
    return _alone(settings, "scheduler", lambda stop: run_scheduler(settings, stop))


def _alone(settings: Settings, name: str, body: Callable[[threading.Event], None]) -> int:
    """A worker or scheduler run on its own (the CLI checked the token): check the database,
    then run `body` until SIGTERM or SIGINT sets its stop."""
    engine, refused = startup.open_database(settings)
    if engine is None:
        return refused
    engine.dispose()
    stop = threading.Event()
    stop_on_signals(stop)
    body(stop)
    return 0


def tick(settings: Settings, at: datetime | None) -> int:
    """`python -m bot tick`: one scheduler pass as of `at` (the CLI checked the token)."""
    engine, refused = startup.open_database(settings)
    if engine is None:
        return refused
    clock = (lambda: at) if at is not None else system_clock
    nudged = nudges.plan_nudges(engine, clock())  # first, so one due now goes out in this pass
    digests = digest.plan_digests(engine, clock(), settings.coordinators)
    report = make_dispatcher(settings, engine, clock).tick(at)
    pruned = inbox.prune(engine, clock())
    ended = forgetting.delete_ended_pairs(engine, clock(), settings.delete_ended_pairs_after_days)
    print(
        report.summary()
        + (f"; planned {nudged} nudge(s)" if nudged else "")
        + (f"; planned {digests} digest(s)" if digests else "")
        + (f"; pruned {pruned} old row(s)" if pruned else "")
        + (f"; deleted {ended} ended pair(s)" if ended else "")
    )
    return 0


def _work_store(engine: Engine, committed: Callable[[], None]) -> WorkStore:
    try:
        return work_store(engine, committed)
    except spool.SpoolBusy as busy:
        raise startup.StartupError(
            f"another Mentorbot serves this SQLite database (it holds {busy}/lock): stop it, "
            "or use PostgreSQL to run several.",
            startup.CONFIGURATION,
        ) from None


def stop_on_signals(stop: threading.Event) -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())


class Intake(Protocol):
    """Where Slack's requests come in: stopped first when the bot stops."""

    def stop(self) -> None: ...


class Serving:
    """A waitress server on 0.0.0.0:`port`, run from a thread of its own."""

    def __init__(self, wsgi: WSGIApp, port: int) -> None:
        try:
            self.server = make_server(wsgi, "0.0.0.0", port)
        except OSError as error:
            raise startup.StartupError(
                f"can't listen on port {port} ({error.strerror}): set PORT or HEALTH_PORT to a "
                "free port.",
                startup.CONFIGURATION,
            ) from None
        self.thread = threading.Thread(target=self.server.run, name=f"http-{port}", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        shut_down(self.server)
        self.thread.join(10)

"""`python -m bot sandbox` (and `make run` with no Slack settings): Mentorbot without Slack.

The real app — its listeners, worker and scheduler processes, its database code — serves HTTP
on a loopback port of its own, talking to the fake Slack of ``fakeslack`` (the one the tests
use, with its scope and Block Kit checks) as it would to Slack; the page at
http://127.0.0.1:3000 is a browser stand-in for Slack's client, whose people send the app
signed requests as Slack does. A small demo programme is made by sending the app the slash
commands a person would type. The bot's clock is the sandbox's (bot.clock.OffsetClock): the
page moves it forward and the real scheduler runs at that instant.

Everything is kept in one directory (`.sandbox/` by default): the bot's own SQLite database,
the workspace (people, channels, messages) and the clock, so a restart carries on.
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import SQLModel, select

from bot.clock import OffsetClock
from bot.manifest import COMMANDS
from bot.settings import Settings
from fakeslack import FakeSlack
from fakeslack.people import People, Refused
from fakeslack.sandbox import SandboxPage
from fakeslack.snapshot import restore, save
from storage import ledger
from storage import meetings as meeting_store
from storage.db import session_scope
from storage.models import ACTIVE, Pair

logger = logging.getLogger("mentorbot.sandbox")

SAVE_EVERY = 2.0  # seconds between saves of the workspace (when it changed)
READY_WAIT = 60.0  # seconds the app has to start serving
BOT_TOKEN = "xoxb-sandbox-token"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    real_name: str
    tz: str


PEOPLE = (
    Person("UMAYA", "maya", "Maya Okafor", "Europe/London"),
    Person("ULEO", "leo", "Leo Brandt", "America/New_York"),
    Person("UPRIYA", "priya", "Priya Raman", "Asia/Kolkata"),
    Person("USAM", "sam", "Sam Whitfield", "Australia/Sydney"),
    Person("UOLGA", "olga", "Olga Petrova", "Europe/Berlin"),
    Person("UADA", "ada", "Ada Quinn", "America/Los_Angeles"),
)
ADMIN = "UADA"
CHANNELS = (  # id, name, members, private
    ("CGENERAL", "general", tuple(p.id for p in PEOPLE), False),
    ("CMAYALEO", "maya-leo", ("UMAYA", "ULEO"), True),
    ("CPRIYASAM", "priya-sam", ("UPRIYA", "USAM"), True),
)


class Sandbox:
    """The fake workspace, the settings the real app runs with in it, and the page's host:
    the time machine and starting over."""

    def __init__(self, settings: Settings, directory: Path, page_port: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.page_port = page_port
        self.workspace_file = directory / "workspace.json"
        self.clock = OffsetClock(directory / "clock")
        self.fake = FakeSlack(token=BOT_TOKEN)
        self.fake.keep_calls = 200
        with self.fake.workspace() as ws:
            ws.wall = lambda: self.clock().timestamp()  # messages are stamped with its time
        self._add_people()
        self.fresh = not restore(self.fake, self.workspace_file)
        self.fake_port = _free_port()
        self.settings = replace(
            settings,
            bot_token=BOT_TOKEN,
            app_token=None,
            signing_secret=secrets.token_hex(16),
            slack_api_url=f"http://127.0.0.1:{self.fake_port}/api/",
            database_url=f"sqlite:///{directory / 'mentorbot.db'}",
            port=_free_port(),
            health_port=None,
            admins=frozenset({ADMIN}),
            coordinators=frozenset({ADMIN}),  # sees the programme view on her Home
            tick_seconds=1,
            clock_file=str(self.clock.path),
            startup_wait_seconds=5,
            # The scheduler's pass every second is news only when something goes wrong.
            log_level="WARNING" if settings.log_level == "INFO" else settings.log_level,
        )
        app_url = f"http://127.0.0.1:{self.settings.port}/slack/events"
        self.people = People(self.fake, app_url, self.settings.signing_secret or "")
        self.engine: Engine | None = None
        self.page: SandboxPage | None = None
        self._saved = ""
        self._stop = threading.Event()

    # -- the page's host -------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    def next_due(self) -> datetime | None:
        """The next instant a scheduled message is due; when none is planned yet, the
        instant a schedule has its next meeting planned (its messages come after it)."""
        if self.engine is None:
            return None
        now = self.clock()
        with session_scope(self.engine) as session:
            message = ledger.next_due_after(session, now)
            return message or meeting_store.next_plan_after(session, now)

    def travel(self, to: str) -> datetime:
        """Move the clock: to the next scheduled message, an hour or a day on, or to 09:00 UTC
        of a date (YYYY-MM-DD). Never backwards."""
        now = self.clock()
        if to == "next":
            target = self.next_due() or now
        elif to == "hour":
            target = now + timedelta(hours=1)
        elif to == "day":
            target = now + timedelta(days=1)
        else:
            target = datetime.combine(date.fromisoformat(to), wall_time(9), tzinfo=UTC)
        if target < now:
            raise ValueError("the time machine only goes forward")
        return self.clock.move_to(target + timedelta(seconds=1))

    def reset(self, demo: bool) -> None:
        """Start over: the bot's data deleted, the workspace emptied, the clock back to now;
        then the demo programme again unless asked for an empty one."""
        assert self.engine is not None
        with self.engine.begin() as connection:
            for table in reversed(SQLModel.metadata.sorted_tables):
                connection.execute(table.delete())
        with self.fake.workspace() as ws:
            ws.channels.clear()
            ws.forget_traffic()
            ws.views.clear()
            ws.homes.clear()
        self._add_people()
        self.clock.reset()
        if demo:
            self.seed_demo()
        self.save()

    def describe(self) -> dict[str, Any]:
        """Who is who in the programme, and the slash commands with their usage."""
        roles = {p.id: "not in a mentorship" for p in PEOPLE}
        roles[ADMIN] = "admin (coordinator)"
        names = {p.id: p.real_name.split()[0] for p in PEOPLE}
        if self.engine is not None:
            with session_scope(self.engine) as session:
                pairs = session.exec(select(Pair).where(Pair.status == ACTIVE)).all()
                for pair in pairs:
                    mentee = names.get(pair.mentee_id, pair.mentee_id)
                    mentor = names.get(pair.mentor_id, pair.mentor_id)
                    roles[pair.mentor_id] = f"mentors {mentee}"
                    roles[pair.mentee_id] = f"mentee of {mentor}"
        commands = [{"command": c, "description": d, "usage": u} for c, d, u in COMMANDS]
        return {"roles": roles, "commands": commands}

    # -- running ---------------------------------------------------------------------------

    def start(self, engine: Engine) -> SandboxPage:
        """Serve the fake Slack and the page, and keep the workspace saved. Called once the
        bot's children are started: they are forked only from a process of one thread."""
        self.engine = engine
        self.fake.start(self.fake_port)
        self.page = SandboxPage(self.fake, self.people, self, self.page_port)
        threading.Thread(target=self._keep_saved, name="sandbox-save", daemon=True).start()
        return self.page

    def when_ready(self, then: Callable[[], None]) -> None:
        """Run `then` on a thread of its own once the app answers HTTP at all (its health
        check may still say a worker is starting)."""

        def wait() -> None:
            url = f"http://127.0.0.1:{self.settings.port}/healthz"
            deadline = time.monotonic() + READY_WAIT
            while time.monotonic() < deadline and not self._stop.is_set():
                try:
                    with urllib.request.urlopen(url, timeout=2):
                        break
                except urllib.error.HTTPError:
                    break  # it answers
                except OSError:
                    time.sleep(0.2)
            else:
                logger.error("the app did not answer in time")
                return
            then()

        threading.Thread(target=wait, name="sandbox-ready", daemon=True).start()

    def seed_demo(self) -> None:
        """The demo programme, made as people would make it: Maya pairs with Leo and sets
        their schedule, Leo sets a goal; Priya pairs with Sam."""
        by = (self.clock() + timedelta(weeks=8)).date()
        try:
            self.people.command("UMAYA", "CMAYALEO", "/mentor pair @maya @leo")
            self._wait_for(lambda: self._pairs() >= 1)
            self.people.command("UMAYA", "CMAYALEO", "/mentor schedule weekly thu 15:00")
            goal = f"/goal Give a talk at the guild by {by:%d %B %Y}"
            self.people.command("ULEO", "CMAYALEO", goal)
            self.people.command("UPRIYA", "CPRIYASAM", "/mentor pair @priya @sam")
            self._wait_for(lambda: self._pairs() >= 2)
        except Refused as refused:  # stopped while it was being made
            logger.warning("the demo programme was not made", extra={"why": str(refused)})

    def stop(self) -> None:
        self._stop.set()
        if self.page is not None:
            self.page.stop()
            self.save()
        self.fake.stop()

    def save(self) -> None:
        save(self.fake, self.workspace_file)

    def _keep_saved(self) -> None:
        while not self._stop.wait(SAVE_EVERY):
            try:
                self.save()
            except OSError:
                logger.exception("could not save the sandbox's workspace")

    def _add_people(self) -> None:
        for person in PEOPLE:
            self.fake.add_user(person.id, person.name, real_name=person.real_name, tz=person.tz)
        for channel_id, name, members, private in CHANNELS:
            self.fake.add_channel(channel_id, name, members=members, is_private=private)

    def _pairs(self) -> int:
        assert self.engine is not None
        with session_scope(self.engine) as session:
            return len(session.exec(select(Pair.id)).all())

    def _wait_for(self, done: Callable[[], bool], seconds: float = 20.0) -> None:
        deadline = time.monotonic() + seconds
        while not done() and time.monotonic() < deadline and not self._stop.is_set():
            time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

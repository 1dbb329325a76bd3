"""Every surface the app offers, reached the way its people reach it.

`Surfaces` serves the real app over the wire on a pair with something of everything (goals,
milestones, a win, a kept note, a schedule, agenda and action items, a closed review with a
private fit answer), and restores that state from a template database in a moment. `crawl`
then does what people do, starting from the registries: it types every verb's examples, opens
the Home, sends DMs, clicks every button the answers, posts, DMs and Homes offer, and submits
every form those buttons open — recording each step. Tests read the record to prove things of
every verb, button and form at once; one registered later is covered without touching them,
or a test fails naming it.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import SQLModel, col, func, select

import handlers
from bot.app import build_services, make_web_client, with_runner
from bot.settings import Settings
from fakeslack import FakeSlack
from fakeslack.payloads import SIGNING_SECRET
from handlers.dashboard import build_home
from handlers.performing import InlineRunner, perform
from handlers.routing import FORMS, VERBS, Verb
from handlers.wins.blocks import ADD_TO_AGENDA
from mentoring import capture, dashboard, milestones
from mentoring.capture import Kind
from mentoring.goals import GoalText
from mentoring.matching.offers import OfferText, save_offer
from mentoring.meetings import agenda
from mentoring.model import Actor, Target
from mentoring.reviews.answers import save_page
from mentoring.reviews.closing import close_review_in
from mentoring.reviews.planning import start_review_now
from mentoring.reviews.questionnaire import questionnaire
from storage.db import init_db, make_engine, session_scope
from storage.models import Draft, Review, Work
from tests.conftest import (
    ADMIN,
    MENTEE,
    MENTOR,
    OUTSIDER,
    PAIR_CHANNEL,
    SECOND_MENTEE,
    Wire,
    flatten_text,
    serving,
)
from tests.support import T0, FrozenClock, dispatcher, pair_up, schedule_meetings
from workqueue import queue

assert handlers.FEATURES  # every feature registered before the registries are read

WORK_TABLES = ("work", "workstep")
SLACK_WRITES = (
    "chat.postMessage",
    "chat.delete",
    "files.completeUploadExternal",
    "conversations.create",
    "conversations.invite",
    "conversations.archive",
)
FIRST_MEETING = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # populate(): weekly, Tue 15:00 Berlin
SECOND_CHANNEL = "CSECOND"  # MENTEE mentors SECOND_MENTEE here
COORDINATOR = "UCOORD"  # sees the programme (MENTORBOT_COORDINATORS), never its content
NEW_MENTOR, NEW_MENTEE, NEW_CHANNEL = "UNEWMENTOR", "UNEWMENTEE", "CNEWPAIR"
MEMBERS = (MENTOR, MENTEE, SECOND_MENTEE, NEW_MENTOR, NEW_MENTEE)

SECRET_GOAL = "Negotiate a raise before my review"
SECRET_WIN = "Told my manager about the burnout"
SECRET_NOTE = "I am thinking about leaving"
SECRET_AGENDA = "How to tell my manager I want a transfer"
SECRET_ACTION = "Update my CV quietly"
SECRET_STEP = "Ask HR about the transfer policy"
SECRET_REVIEW = "Stop hiding how unhappy I am"
SECRET_FIT = "They have never managed anyone"
SECRET_DONE_WHEN = "HR confirms the new salary in writing"
MENTOR_ACHIEVEMENT = "Gave my first meetup talk in 2026"  # NEW_MENTOR offers to mentor
SECRETS = (
    SECRET_GOAL,
    SECRET_WIN,
    SECRET_NOTE,
    SECRET_AGENDA,
    SECRET_ACTION,
    SECRET_STEP,
    SECRET_REVIEW,
    SECRET_FIT,
    SECRET_DONE_WHEN,
)


def populate(engine: Any) -> dict[str, int]:
    """The private pair: MENTOR mentors MENTEE in PAIR_CHANNEL, with goals 1 and 2, milestones
    1.1 and 2.1, a win, a kept note, a weekly schedule, an agenda item, action items 1 and 2,
    and review 1 closed with both people's answers (the mentee's fit among them). MENTEE also
    mentors SECOND_MENTEE, so a goal sent by DM must say which mentorship it is for.
    NEW_MENTOR offers to mentor, with an achievement that matches goal 2."""
    mentee, mentor = Actor(MENTEE), Actor(MENTOR)
    pair = pair_up(engine, MENTOR, MENTEE, PAIR_CHANNEL)
    here = Target(pair_id=pair.id)
    capture.capture_form(engine, mentee, pair.id, GoalText(SECRET_GOAL, None, SECRET_DONE_WHEN), T0)
    capture.capture(engine, mentee, Kind.GOAL, "Give a talk at a meetup by 2027-03-31", here, T0)
    milestones.add_milestone(engine, mentee, here, 1, SECRET_STEP, T0)
    milestones.add_milestone(engine, mentee, here, 2, "Submit the proposal", T0)
    capture.capture(engine, mentee, Kind.WIN, f"{SECRET_WIN} #1", here, T0)
    schedule_meetings(engine, "weekly tue 15:00 Europe/Berlin")
    agenda.add_agenda_item(engine, mentee, here, SECRET_AGENDA, T0)
    agenda.add_action(engine, mentee, here, SECRET_ACTION, None, T0)
    agenda.add_action(engine, mentor, here, "Book a room for the talk", None, T0)
    review = start_review_now(engine, mentee, here, T0).review
    _answer_review(engine, review.id)
    pair_up(engine, MENTEE, SECOND_MENTEE, SECOND_CHANNEL)
    with session_scope(engine) as session:
        capture.keep_note_in(session, mentee, SECRET_NOTE, T0)
    with session_scope(engine) as session:
        draft = session.exec(select(Draft)).one()
    offered = OfferText("public speaking, meetup talks", MENTOR_ACHIEVEMENT, 2, consent=False)
    save_offer(engine, Actor(NEW_MENTOR), NEW_MENTOR, offered, "UTC", T0)
    return {"pair": pair.id, "review": review.id, "draft": draft.id or 0}


def _answer_review(engine: Any, review_id: int) -> None:
    """Both answer review 1 (the mentee every page, fit included); then it closes."""
    mentee_answers: dict[str, object] = {"stop": SECRET_REVIEW, "start": "x", "continue": "y"}
    mentee_answers |= {"fit_score": "1", "fit_comment": SECRET_FIT}
    form = questionnaire(engine, Actor(MENTEE), review_id, T0)
    for entry in form.audit:
        mentee_answers[f"item:goal:{entry.goal.id}"] = "on_track"
        mentee_answers |= {f"item:milestone:{m.id}": "on_track" for m in entry.milestones}
    mentee_answers |= {f"decision:{goal.id}": "keep" for goal in form.goals}
    mentee_answers["evidence"] = [str(win.id) for win in form.wins[:1]]
    for page in form.pages:
        save_page(engine, Actor(MENTEE), review_id, page, mentee_answers, T0)
    mentor_answers = {"stop": "Cancelling late", "start": "Agendas", "continue": "Pairing"}
    save_page(engine, Actor(MENTOR), review_id, "ssc", mentor_answers, T0)
    with session_scope(engine) as session:
        review = session.get(Review, review_id)
        assert review is not None
        close_review_in(session, review, T0, "both answered")


# What people do


@dataclass(frozen=True)
class Command:
    user: str
    command: str
    text: str
    channel: str = PAIR_CHANNEL
    fault: tuple[str, str] | None = None  # (method, error) Slack answers the next call with


@dataclass(frozen=True)
class DirectMessage:
    user: str
    text: str


@dataclass(frozen=True)
class OpenHome:
    user: str


@dataclass(frozen=True)
class Click:
    user: str
    action_id: str
    value: str
    on_home: bool = False
    post: str = ""  # JSON: the message the button is in (its text and blocks), as Slack sends


@dataclass(frozen=True)
class Deliver:
    """The scheduler sends what falls due over the populated pair's first `meetings` meetings
    (the DMs, the agenda, the follow-up; the last one's agenda only, so that the meeting after,
    which brings the next review, is not planned); the channel's buttons are `user`'s."""

    user: str
    meetings: int


@dataclass(frozen=True)
class Submit:
    user: str
    callback_id: str
    values: str  # JSON: block id → element value, as Slack sends it
    metadata: str


Action = Command | DirectMessage | OpenHome | Click | Submit | Deliver


@dataclass
class Seen:
    """What one action brought back: the private answer, the buttons shown (to whom, where),
    the modals opened, the Homes published, and how often it used its response_url."""

    reply: dict[str, Any] | None = None
    buttons: list[Click] = field(default_factory=list)
    modals: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (user, view)
    published: dict[str, dict[str, Any]] = field(default_factory=dict)  # user → last Home
    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (channel, msg)
    answers: int = 0  # posts to the action's response_url, taken or refused
    invites: list[tuple[str, str]] = field(default_factory=list)  # (channel, users) invited


TEMPLATE = 0  # the state `restore` brings back


class Surfaces:
    """The app over the wire on the populated pair; `restore` brings that state back."""

    def __init__(self, root: Path) -> None:
        self._stack = contextlib.ExitStack()
        self.fake = self._stack.enter_context(FakeSlack())
        for user, name, tz in (
            (MENTOR, "maria", "Europe/Berlin"),
            (MENTEE, "lee", "America/New_York"),
            (SECOND_MENTEE, "sam", "Asia/Tokyo"),
            (OUTSIDER, "olga", "UTC"),
            (ADMIN, "ada", "UTC"),
            (COORDINATOR, "cora", "UTC"),
            (NEW_MENTOR, "nia", "UTC"),
            (NEW_MENTEE, "noah", "UTC"),
        ):
            self.fake.add_user(user, name, tz=tz)
        self.fake.add_channel(PAIR_CHANNEL, "maria-lee", members=(MENTOR, MENTEE), is_private=True)
        self.fake.add_channel(SECOND_CHANNEL, "lee-sam", members=(MENTEE, SECOND_MENTEE))
        self.fake.add_channel(NEW_CHANNEL, "nia-noah", members=(NEW_MENTOR, NEW_MENTEE))
        self.template, self.database = root / "template.db", root / "mentorbot.db"
        engine = make_engine(f"sqlite:///{self.template}")
        init_db(engine)
        self.ids = populate(engine)
        engine.dispose()
        self.settings = Settings(
            bot_token=self.fake.token,
            signing_secret=SIGNING_SECRET,
            database_url=f"sqlite:///{self.database}",
            slack_api_url=self.fake.base_url,
            admins=frozenset({ADMIN}),
            coordinators=frozenset({COORDINATOR}),
        )
        self.clock = FrozenClock(T0)
        self._states = itertools.count(TEMPLATE + 1)  # what the database holds (see homes)
        self._state = TEMPLATE
        self._homes: dict[tuple[int, datetime], dict[str, dict[str, Any]]] = {}
        self._copy_template()
        base = build_services(self.settings, clock=self.clock)
        self.services = with_runner(base, InlineRunner(base, make_web_client(self.settings)))
        self.wire: Wire = self._stack.enter_context(
            serving(self.settings, self.services, self.fake)
        )

    def close(self) -> None:
        self._stack.close()
        self.services.engine.dispose()

    def restore(self) -> None:
        """Back to the populated pair: the database as it was built, Slack with no history."""
        self.services.engine.dispose()
        self._copy_template()
        self.fake.reset()
        self._state = TEMPLATE

    def _copy_template(self) -> None:
        with (
            contextlib.closing(sqlite3.connect(self.template)) as source,
            contextlib.closing(sqlite3.connect(self.database)) as target,
        ):
            source.backup(target)

    def homes(self) -> dict[str, dict[str, Any]]:
        """Each member's Home as the rules would draw it now. Drawn once per state: nothing
        but an action (`do`, `run_again`) or `restore` changes what they show, so the Homes
        after one step are those before the next, and the template's are drawn once."""
        key = (self._state, self.clock())
        if key not in self._homes:
            self._homes = {k: v for k, v in self._homes.items() if k[0] == TEMPLATE}
            engine, now = self.services.engine, key[1]
            self._homes[key] = {
                user: build_home(dashboard.dashboard(engine, user, now)) for user in MEMBERS
            }
        return self._homes[key]

    def snapshot(self) -> str:
        """Every row of every table but the work queue's (which records each request itself),
        for "nothing changed"."""
        # Read through SQLite's driver, in one read transaction: through the ORM this was a
        # quarter of the privacy tests' time (they take a snapshot before and after each try).
        with contextlib.closing(sqlite3.connect(self.database)) as connection:
            connection.row_factory = sqlite3.Row
            connection.execute("BEGIN")
            rows = {
                table.name: [dict(row) for row in connection.execute(f'SELECT * FROM "{table}"')]
                for table in SQLModel.metadata.sorted_tables
                if table.name not in WORK_TABLES
            }
        return json.dumps(rows, sort_keys=True, default=str)

    def last_work_id(self) -> int:
        with session_scope(self.services.engine) as session:
            return session.exec(select(func.max(Work.id))).one() or 0

    def run_again(self, after: int) -> list[str]:
        """Run every piece of work stored after id `after` a second time, as a worker does
        when the first one died having done everything but say so; what that second run
        changed, took back or posted (nothing, when every step is recorded)."""
        engine, now = self.services.engine, self.clock()
        before, calls = self.snapshot(), len(self.fake.calls)
        with session_scope(engine) as session:
            rows = session.exec(select(Work).where(col(Work.id) > after)).all()
            for row in rows:
                row.status, row.claimed_by, row.next_at = queue.CLAIMED, "died", now
            ids = [row.id for row in rows]
        runner = self.services.runner
        assert isinstance(runner, InlineRunner)
        for work_id in ids:
            for claimed in queue.claim(engine, "second", now, 1, only=work_id):
                perform(claimed, self.services, runner.client, "second")
        changed = ["the database"] if self.snapshot() != before else []
        if changed:  # (the work queue's own rows are no part of any Home)
            self._state = next(self._states)
        return changed + [
            call.method
            for call in self.fake.calls[calls:]
            if call.ok and (call.method in SLACK_WRITES or call.method.startswith("respond:"))
        ]

    def do(self, action: Action) -> Seen:
        """Perform one action over the wire and gather what it brought back."""
        self._state = next(self._states)
        wire, start = self.wire, len(self.fake.calls)
        reply: dict[str, Any] | None = None
        match action:
            case Command(user, command, text, channel, fault):
                if fault is not None:
                    self.fake.fail_next(fault[0], fault[1])
                replies = wire.command(command, text, user=user, channel=channel).replies
                reply = replies[-1] if replies else None
            case DirectMessage(user, text):
                wire.dm(f"Ev{start}", text, user=user)
            case OpenHome(user):
                wire.open_home(user)
            case Click(user, action_id, value, on_home, post):
                if on_home:
                    wire.click_home(action_id, value, user=user)
                else:
                    shown = json.loads(post) if post else None
                    clicked = wire.click(
                        action_id, value, user=user, channel=PAIR_CHANNEL, message=shown
                    )
                    reply = clicked.replies[-1] if clicked.replies else None
            case Deliver(_, meetings):
                run = dispatcher(self.services.engine, self.settings)
                for week in range(meetings):
                    begins = FIRST_MEETING + timedelta(weeks=week)
                    run.tick(begins - timedelta(hours=1))  # the DMs (late) and the agenda
                    if week < meetings - 1:  # the follow-up, and the next meeting planned
                        run.tick(begins + timedelta(hours=3))
            case Submit(user, callback_id, values, metadata):
                answer = wire.submit(
                    callback_id, json.loads(values), user=user, private_metadata=metadata
                )
                reply = answer.json() if answer.content else None
        return self._seen(action, reply, self.fake.calls[start:])

    def _seen(self, action: Action, reply: dict[str, Any] | None, calls: list[Any]) -> Seen:
        seen = Seen(reply=reply)
        if reply is not None:
            seen.buttons += buttons_in(reply, action.user)
        for call in calls:
            if call.method.startswith("respond:"):
                seen.answers += 1
            if not call.ok:
                continue
            if call.method == "chat.postMessage":
                channel = str(call.args["channel"])
                seen.messages.append((channel, call.args))
                dm_to = dm_user(channel)
                if dm_to in MEMBERS:
                    seen.buttons += buttons_in(call.args, dm_to)
                else:  # a pair's channel: its buttons are for whoever is in it
                    seen.buttons += buttons_in(call.args, action.user)
            elif call.method == "conversations.invite":
                seen.invites.append((str(call.args["channel"]), str(call.args["users"])))
            elif call.method == "views.open":
                seen.modals.append((action.user, call.args["view"]))
            elif call.method == "views.publish":
                seen.published[call.args["user_id"]] = call.args["view"]
        if isinstance(action, OpenHome):
            home = seen.published.get(action.user, {})
            seen.buttons += [
                Click(b.user, b.action_id, b.value, on_home=True)
                for b in buttons_in(home, action.user)
            ]
        return seen


def dm_user(channel: str) -> str:
    """Whose DM a post went to: the app posts to a user id, Slack names the DM "D" + it."""
    return channel[1:] if channel.startswith("DU") else channel


def buttons_in(message: dict[str, Any], user: str) -> list[Click]:
    """Every button in a message or view, as `user` would click it in that message."""
    found: list[Click] = []
    post = json.dumps({"text": message.get("text") or "", "blocks": message.get("blocks", [])})

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "button" and "action_id" in node:
                found.append(Click(user, node["action_id"], str(node.get("value", "")), post=post))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks", []))
    return found


def filled(view: dict[str, Any]) -> str:
    """A modal's inputs filled the way a person would: words in text boxes, the first option of
    each select, the initial date if there is one (JSON, block id → element value)."""
    values: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind = element["type"]
        if kind == "plain_text_input":
            text = element.get("initial_value") or f"Written in the form, {block['block_id']}"
            values[block["block_id"]] = {"type": kind, "value": text[: element.get("max_length")]}
        elif kind == "static_select":
            chosen = element.get("initial_option") or element["options"][0]
            values[block["block_id"]] = {"type": kind, "selected_option": chosen}
        elif kind == "multi_static_select":
            values[block["block_id"]] = {"type": kind, "selected_options": element["options"][:1]}
        elif kind == "datepicker" and element.get("initial_date"):
            values[block["block_id"]] = {"type": kind, "selected_date": element["initial_date"]}
    return json.dumps(values)


# The crawl


def texts_of(verb: Verb) -> list[str]:
    """What a person types to reach `verb`: its help examples, or its usage when that has no
    placeholders. A verb with neither cannot be reached by the crawl: its test fails."""
    typed = [example for example, _ in verb.examples]
    if not typed and "<" not in verb.usage:
        typed = [verb.usage]
    return [text.partition(" ")[2] for text in typed]


def as_mentee(verb: Verb, text: str) -> Command:
    """The command as the pair's mentee types it. Examples write people as @mentor and
    @mentee: ending examples name the pair's own two; pairing (and other) examples name two
    unpaired people, in a channel they share. The programme's examples are typed by the
    coordinator, whom they are for."""
    if text.startswith("programme"):
        return Command(COORDINATOR, verb.command, text)
    if text.startswith("end ") and ("@mentor" in text or "@mentee" in text):
        text = text.replace("@mentor", f"<@{MENTOR}>").replace("@mentee", f"<@{MENTEE}>")
        return Command(MENTEE, verb.command, text)
    if "@mentor" in text or "@mentee" in text:
        text = text.replace("@mentor", f"<@{NEW_MENTOR}>").replace("@mentee", f"<@{NEW_MENTEE}>")
        return Command(NEW_MENTEE, verb.command, text, NEW_CHANNEL)
    return Command(MENTEE, verb.command, text)


EXTRA_ENTRIES: tuple[Action, ...] = (
    Command(MENTEE, "/goal", "Get better at things"),  # vague: coached, "Make it specific"
    Command(MENTEE, "/win", "Shipped the caching layer", fault=("chat.postMessage", "is_archived")),
    Command(MENTEE, "/goal", "", f"D{MENTEE}"),  # two mentorships: which one is the form for?
    DirectMessage(MENTEE, "goal: Lead the guild meetup by June 2027"),  # which mentorship?
    DirectMessage(MENTEE, "Had a good chat about the talk"),  # kept as a note
    # The kept note of populate() (the only draft, so id 1) onto an agenda: MENTEE is in two
    # pairs, so which one? (Crawled from the DM above, "Save as win" would use the note first.)
    Click(MENTEE, ADD_TO_AGENDA, "1"),
    OpenHome(MENTEE),
    OpenHome(MENTOR),
    # Four meetings: the DMs' and the agendas' checklists, and the fourth agenda asking about
    # the action items of populate(), open through three meetings by then.
    Deliver(MENTEE, 4),
)


@dataclass
class Step:
    path: tuple[Action, ...]  # the actions that led here, this one last
    seen: Seen
    homes_before: dict[str, dict[str, Any]]
    homes_after: dict[str, dict[str, Any]]
    run_again: list[str]  # what running its work a second time changed (see Surfaces)

    @property
    def action(self) -> Action:
        return self.path[-1]


@dataclass
class Crawl:
    entries: dict[Command, Step] = field(default_factory=dict)  # each verb text typed
    steps: list[Step] = field(default_factory=list)
    offered: dict[str, tuple[Action, ...]] = field(default_factory=dict)  # button → path to it
    forms: dict[str, tuple[tuple[Action, ...], str, dict[str, Any]]] = field(default_factory=dict)

    def path_to_button(self, action_id: str) -> tuple[Action, ...]:
        """The actions after which `action_id` (or one of its numbered ids) was on screen, the
        last one being its click."""
        for clicked, path in self.offered.items():
            if clicked == action_id or re.fullmatch(rf"{re.escape(action_id)}_\d+", clicked):
                return path
        raise AssertionError(f"no surface offers the button {action_id!r}")


MAX_CLICKS = 12  # per entry: enough to reach every follow-up (Undo after Done, …)


def crawl(surfaces: Surfaces) -> Crawl:
    """Do everything a person can, entry by entry, from the populated pair each time."""
    found = Crawl()
    entries: list[Action] = [as_mentee(verb, text) for verb in VERBS for text in texts_of(verb)]
    for entry in [*entries, *EXTRA_ENTRIES]:
        surfaces.restore()
        first = _step(surfaces, found, (entry,))
        if isinstance(entry, Command):
            found.entries[entry] = first
        queue = [(first.path, click) for click in first.seen.buttons]
        _forms(surfaces, found, first)
        clicked = 0
        while queue and clicked < MAX_CLICKS:
            path, click = queue.pop(0)
            if click.action_id in found.offered:
                continue
            step = _step(surfaces, found, (*path, click))
            found.offered[click.action_id] = step.path
            clicked += 1
            queue += [(step.path, more) for more in step.seen.buttons]
            _forms(surfaces, found, step)
    return found


def _forms(surfaces: Surfaces, found: Crawl, step: Step) -> None:
    """Submit each form the step opened, filled in, as the person who opened it."""
    for user, view in step.seen.modals:
        callback_id = view.get("callback_id", "")
        if callback_id not in FORMS or callback_id in found.forms:
            continue
        submit = Submit(user, callback_id, filled(view), view.get("private_metadata", ""))
        found.forms[callback_id] = (step.path, submit.values, view)
        _step(surfaces, found, (*step.path, submit))


def _step(surfaces: Surfaces, found: Crawl, path: tuple[Action, ...]) -> Step:
    before, stored = surfaces.homes(), surfaces.last_work_id()
    seen = surfaces.do(path[-1])
    after = surfaces.homes()
    step = Step(path, seen, before, after, surfaces.run_again(stored))
    found.steps.append(step)
    return step


def replay(surfaces: Surfaces, path: tuple[Action, ...]) -> None:
    """From the populated pair, do the actions of `path` again (its last one left out)."""
    surfaces.restore()
    for action in path[:-1]:
        surfaces.do(action)


def shown_to(surfaces: Surfaces, user: str, seen: Seen) -> str:
    """Everything `user` got back from an action: the answer, and what was sent to their DM."""
    parts = [flatten_text(seen.reply) if seen.reply else ""]
    parts += [
        flatten_text(message) for channel, message in seen.messages if dm_user(channel) == user
    ]
    parts += [json.dumps(view) for who, view in seen.modals if who == user]
    return "\n".join(parts)

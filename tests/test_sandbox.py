"""The sandbox's parts: people acting through the fake Slack against the real app (signed, in
Slack's shapes, answers shown as Slack shows them), the page's view of one person, the
workspace kept across restarts, and the clock the time machine moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import scheduler
from bot.clock import OffsetClock, system_clock
from bot.sandbox import Sandbox
from bot.settings import Settings
from fakeslack import FakeSlack
from fakeslack.payloads import SIGNING_SECRET
from fakeslack.people import People
from fakeslack.sandbox import SandboxPage
from fakeslack.snapshot import restore, save
from handlers.goals import blocks as goal_blocks
from storage import schema
from storage.db import make_engine
from tests.conftest import MENTEE, MENTOR, PAIR_CHANNEL, Tick, Wire
from tests.support import T0, FrozenClock, pair_up, schedule_meetings
from tests.test_wire_reviews import fill, ids


class StillHost:
    """A host whose clock stands still and which has nothing planned."""

    def now(self) -> datetime:
        return datetime(2026, 12, 1, 9, tzinfo=UTC)

    def next_due(self) -> datetime | None:
        return None

    def travel(self, to: str) -> datetime:
        return self.now()

    def reset(self, demo: bool) -> None:
        """Nothing to reset."""

    def describe(self) -> dict[str, Any]:
        return {"roles": {}, "commands": []}


@pytest.fixture
def people(wire: Wire) -> People:
    return People(wire.fake, f"{wire.url}/slack/events", SIGNING_SECRET)


@pytest.fixture
def page(wire: Wire, people: People) -> Iterator[SandboxPage]:
    shown = SandboxPage(wire.fake, people, StillHost(), port=0)
    yield shown
    shown.stop()


def test_a_typed_command_is_escaped_and_its_reply_shown_only_to_its_writer(
    wire: Wire, people: People, page: SandboxPage
) -> None:
    """`/mentor pair @maria @lee` reaches the app with Slack's escaped mentions and pairs them;
    the greeting is in the channel for both, the private reply only for the one who typed it,
    and it is not in conversations.history."""
    answer = people.command(MENTEE, PAIR_CHANNEL, "/mentor pair @maria @lee")
    assert answer.status == 200
    stored = wire.fake.messages_in(PAIR_CHANNEL)
    greeting, reply = stored
    assert f"<@{MENTEE}>" in greeting["text"] and "ephemeral_to" not in greeting
    assert reply["ephemeral_to"] == MENTEE and "now mentors" in reply["text"]
    assert [m["ts"] for m in page.state(MENTEE, PAIR_CHANNEL)["messages"]] == [
        greeting["ts"],
        reply["ts"],
    ]
    assert [m["ts"] for m in page.state(MENTOR, PAIR_CHANNEL)["messages"]] == [greeting["ts"]]
    history = wire.fake.calls_to("conversations.history")
    assert all(reply["ts"] not in str(call) for call in history)


def test_a_click_in_a_private_reply_replaces_it(wire: Wire, people: People) -> None:
    """In a public channel pairing asks first: the confirm button, clicked, sends Slack's
    block_actions payload and its answer replaces the question in place."""
    wire.fake.add_channel("CPUBLIC", "general", members=(MENTOR, MENTEE), is_private=False)
    people.command(MENTOR, "CPUBLIC", "/mentor pair @maria @lee")
    (question,) = wire.fake.messages_in("CPUBLIC")
    confirm = question["blocks"][-1]["elements"][0]
    action = {
        "type": "button",
        "action_id": confirm["action_id"],
        "block_id": "b",
        "value": confirm["value"],
    }
    people.click(MENTOR, {"channel": "CPUBLIC", "ts": question["ts"]}, action)
    answered = next(m for m in wire.fake.messages_in("CPUBLIC") if m["ts"] == question["ts"])
    assert "now mentors" in str(answered["blocks"]) + answered["text"]
    assert answered["ephemeral_to"] == MENTOR


def test_a_modal_opened_by_a_click_shows_errors_beside_its_field(
    wire: Wire, people: People, paired
) -> None:
    """A vague goal's "Make it specific" opens the goal editor for the person who clicked (and
    no one else); a date in the past comes back as an error beside the date field; a good
    one closes the modal."""
    people.command(MENTEE, PAIR_CHANNEL, "/goal Improve my technical skills")
    reply = wire.fake.messages_in(PAIR_CHANNEL)[-1]
    button = reply["blocks"][1]["accessory"]
    action = {
        "type": "button",
        "action_id": button["action_id"],
        "block_id": "b",
        "value": button["value"],
    }
    people.click(MENTEE, {"channel": PAIR_CHANNEL, "ts": reply["ts"]}, action)
    assert people.modals_for(MENTOR) == []
    (modal,) = people.modals_for(MENTEE)
    assert people.modals_for(MENTEE) == []  # shown once

    def values(due: str) -> dict[str, Any]:
        return {
            goal_blocks.GOAL_OUTCOME: {
                goal_blocks.GOAL_OUTCOME: {"type": "plain_text_input", "value": "Ship search"}
            },
            goal_blocks.GOAL_DUE: {
                goal_blocks.GOAL_DUE: {"type": "datepicker", "selected_date": due}
            },
            goal_blocks.GOAL_EVIDENCE: {
                goal_blocks.GOAL_EVIDENCE: {"type": "plain_text_input", "value": "it is live"}
            },
        }

    late = people.submit(MENTEE, modal["id"], values("2020-01-01"))
    assert late == {"errors": {goal_blocks.GOAL_DUE: "Pick a date in the future."}}
    assert people.submit(MENTEE, modal["id"], values("2027-03-31")) == {}


def test_a_dm_is_stored_as_the_persons_and_delivered_as_an_event(
    wire: Wire, people: People, paired
) -> None:
    """A message typed in the DM is kept as that person's and reaches the app as message.im,
    which answers in the same DM."""
    people.say(MENTEE, f"D{MENTEE}", "Gave my first demo to the team today")
    mine, *answers = wire.fake.messages_in(MENTEE)
    assert (mine["user"], mine["text"]) == (MENTEE, "Gave my first demo to the team today")
    assert answers and answers[-1]["user"] == wire.fake.bot_user_id


def test_the_workspace_is_kept_across_a_restart(tmp_path: Path) -> None:
    """People, channels, messages (threads and private replies), Homes and files come back."""
    path = tmp_path / "workspace.json"
    with FakeSlack() as before:
        before.add_user("UMAYA", "maya", tz="Europe/London")
        before.add_channel("CPAIR", "maya-leo", members=("UMAYA",), is_private=True)
        with before.workspace() as ws:
            posted = ws.post_as_person("UMAYA", "CPAIR", "hello")
            ws.show_privately("UMAYA", "CPAIR", {"text": "only you"})
            ws.homes["UMAYA"] = "V1"
        save(before, path)
        kept = before.messages_in("CPAIR")
    with FakeSlack() as after:
        assert restore(after, path)
        assert after.messages_in("CPAIR") == kept and kept[0]["ts"] == posted["ts"]
        with after.workspace() as ws:
            assert ws.users["UMAYA"].tz == "Europe/London" and ws.homes == {"UMAYA": "V1"}
            assert ws.next_ts() > kept[-1]["ts"]
    assert not restore(FakeSlack(), tmp_path / "none.json")


def test_the_sandbox_clock_moves_forward_only_and_every_process_reads_it(tmp_path: Path) -> None:
    """The time machine writes the offset; another reader of the same file (a worker, the
    scheduler) sees the new time; going back is refused by keeping the later time; a reset
    returns to the system's."""
    machine, reader = OffsetClock(tmp_path / "clock"), OffsetClock(tmp_path / "clock")
    assert abs(reader() - system_clock()) < timedelta(seconds=1)
    later = system_clock() + timedelta(days=9)
    machine.move_to(later)
    assert abs(reader() - later) < timedelta(seconds=1)
    machine.move_to(later - timedelta(days=3))
    assert abs(reader() - later) < timedelta(seconds=1)
    machine.reset()
    assert abs(reader() - system_clock()) < timedelta(seconds=1)


def test_the_time_machine_goes_to_the_next_scheduled_message_and_reset_starts_over(
    tmp_path: Path,
) -> None:
    """With a weekly schedule set, "next" moves the bot's clock to the first message it
    planned (and the page says what comes after); +1 hour moves an hour; a date in the past is
    refused; a reset empties the bot's database and the workspace and puts the clock back."""
    sandbox = Sandbox(Settings(), tmp_path / "sandbox", page_port=0)
    engine = make_engine(sandbox.settings.database_url)
    schema.ensure(engine)
    page = sandbox.start(engine)
    try:
        pair_up(engine, "UMAYA", "ULEO", "CMAYALEO")
        schedule_meetings(
            engine, "weekly thu 15:00 America/New_York", mentee="ULEO", now=sandbox.now()
        )
        with sandbox.fake.workspace() as ws:
            ws.post_as_person("ULEO", "CMAYALEO", "hello")
        due = sandbox.next_due()
        assert due is not None and due > sandbox.now()
        sandbox.travel("next")
        assert timedelta(0) <= sandbox.now() - due < timedelta(seconds=5)
        before = sandbox.now()
        sandbox.travel("hour")
        assert timedelta(minutes=59) < sandbox.now() - before < timedelta(minutes=61)
        with pytest.raises(ValueError):
            sandbox.travel("2020-01-01")
        assert page.state("ULEO", None)["clock"]["now"].startswith(f"{sandbox.now():%Y-%m-%d}")

        sandbox.reset(demo=False)
        assert abs(sandbox.now() - system_clock()) < timedelta(seconds=1)
        assert sandbox.next_due() is None and sandbox.describe()["roles"]["ULEO"] == (
            "not in a mentorship"
        )
        assert sandbox.fake.messages_in("CMAYALEO") == []
        assert {c["id"] for c in page.state("ULEO", None)["conversations"]} == {
            "CGENERAL",
            "CMAYALEO",
            "DULEO",
        }
    finally:
        sandbox.stop()
        engine.dispose()


def test_housekeeping_runs_hourly_by_the_bots_clock_so_a_jump_runs_it_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Looked at every pass, housekeeping (pruning, drift nudges) runs when an hour of the
    bot's clock has passed since it last ran: hourly in real time, and at once after the time
    machine jumps a day."""
    ran: list[datetime] = []
    monkeypatch.setattr(scheduler, "_housekeeping", lambda engine, clock, *_: ran.append(clock()))
    clock = FrozenClock()
    hourly = scheduler.Hourly(None, clock, None)  # type: ignore[arg-type]
    for minutes in (0, 30, 59, 60, 61, 60 * 24 + 60):
        clock.now = T0 + timedelta(minutes=minutes)
        hourly()
    assert ran == [T0, T0 + timedelta(hours=1), T0 + timedelta(days=1, hours=1)]


def test_only_the_page_itself_may_act(page: SandboxPage) -> None:
    """The API takes JSON from the page's own origin, under 127.0.0.1 or localhost: a form
    posted by another site, or a request under another host name, is refused."""
    url = f"{page.origin}/api/home?as={MENTEE}"
    ours = httpx.post(url, json={}, headers={"Origin": page.origin})
    assert ours.json() == {"ok": True}
    form = httpx.post(url, content=b"x=1", headers={"Content-Type": "text/plain"})
    assert form.status_code == 403
    other = httpx.post(url, json={}, headers={"Origin": "https://example.com"})
    rebound = httpx.post(url, json={}, headers={"Host": "attacker.example"})
    assert (other.status_code, rebound.status_code) == (403, 403)


def test_a_modal_page_submitted_is_updated_in_place(
    wire: Wire, people: People, paired, tick: Tick, clock: FrozenClock
) -> None:
    """The review questionnaire, opened from the "Review time" post by the mentee's click:
    its first page submitted, the app answers response_action update, and the same view (same
    id) becomes the next page, checked against Block Kit as Slack would."""
    people.command(MENTEE, PAIR_CHANNEL, "/goal Give a talk at PyCon US by May 2027")
    people.command(MENTEE, PAIR_CHANNEL, "/review now")
    tick(clock())
    post = next(m for m in wire.fake.messages_in(PAIR_CHANNEL) if "Review time" in m["text"])
    button = post["blocks"][-1]["elements"][0]
    action = {
        "type": "button",
        "action_id": button["action_id"],
        "block_id": "b",
        "value": button["value"],
    }
    people.click(MENTEE, {"channel": PAIR_CHANNEL, "ts": post["ts"]}, action)
    (modal,) = people.modals_for(MENTEE)
    assert modal["title"]["text"] == "Roadmap audit"
    audit = {item: "on_track" for item in ids(modal, "item:")}
    values = {block: {block: value} for block, value in fill(modal, audit).items()}
    answer = people.submit(MENTEE, modal["id"], values)
    assert answer["pushed"] is False and answer["view"]["id"] == modal["id"]
    assert answer["view"]["title"]["text"] == "Stop/Start/Continue"  # no wins: no evidence page

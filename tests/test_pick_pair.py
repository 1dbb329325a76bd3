"""Someone in several mentorships picks the pair with a button, for every command that needs
one: the command waits as typed and runs, for the pair picked, when its button is clicked."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlmodel import col, select

import handlers  # noqa: F401  (registers every verb)
from fakeslack import FakeSlack, validate_message
from fakeslack.payloads import TEAM
from handlers.actions import run_button
from handlers.commands import run_command
from handlers.performing import InlineRunner, perform
from handlers.routing import VERBS, route
from handlers.runtime import Origin, ReplyTo, Services, Task
from handlers.wins.blocks import CHOOSE_PAIR
from mentoring.model import PairInfo
from storage.db import session_scope
from storage.models import AgendaItem, Draft, Goal, MeetingSchedule, Review, Work
from tests.conftest import MENTEE, MENTOR, OUTSIDER, SECOND_MENTEE, flatten_text
from tests.support import pair_up
from tests.surfaces import SLACK_WRITES
from workqueue import queue

LEE_DM = f"D{MENTEE}"
_names = itertools.count(1)

# Every command that needs a pair, as Lee (Maria's mentee, Sam's mentor) types it in a DM, and
# the button its question offers: the typed text waits in a draft (choose_pair), a form opens.
NEEDS_A_PAIR: list[tuple[str, str, str]] = [
    ("/goal", "", "open_goal_form"),
    ("/goal", "Lead the migration by 2027-06-01", CHOOSE_PAIR),
    ("/goal", "list", CHOOSE_PAIR),
    ("/goal", "done 1", CHOOSE_PAIR),
    ("/goal", "drop 1", CHOOSE_PAIR),
    ("/goal", "history 1", CHOOSE_PAIR),
    ("/goal", "milestone 1 Pick a topic by 2027-01-10", CHOOSE_PAIR),
    ("/goal", "milestones 1", CHOOSE_PAIR),
    ("/goal", "done 1.1", CHOOSE_PAIR),
    ("/goal", "roadmap", CHOOSE_PAIR),
    ("/win", "", "open_win_form"),
    ("/win", "Gave my first talk", CHOOSE_PAIR),
    ("/mentor", "schedule weekly tue 15:00", CHOOSE_PAIR),
    ("/mentor", "schedule", CHOOSE_PAIR),
    ("/mentor", "schedule off", CHOOSE_PAIR),
    ("/mentor", "skip", CHOOSE_PAIR),
    ("/mentor", "pause until 2027-01-10", CHOOSE_PAIR),
    ("/mentor", "resume", CHOOSE_PAIR),
    ("/mentor", "prompts 24h 1h 2h", CHOOSE_PAIR),
    ("/mentor", "nudges off", CHOOSE_PAIR),
    ("/mentor", "review", CHOOSE_PAIR),
    ("/mentor", "review every 6 weeks", CHOOSE_PAIR),
    ("/mentor", "end", CHOOSE_PAIR),
    ("/mentor", "visibility", CHOOSE_PAIR),
    ("/agenda", "", CHOOSE_PAIR),
    ("/agenda", "add Talk about the talk", CHOOSE_PAIR),
    ("/agenda", "action Book a room", CHOOSE_PAIR),
    ("/agenda", "done 1", CHOOSE_PAIR),
    ("/review", "", CHOOSE_PAIR),
    ("/review", "history", CHOOSE_PAIR),
    ("/review", "now", CHOOSE_PAIR),
]


def typed(
    services: Services, fake: FakeSlack, command: str, text: str, *, channel: str = LEE_DM
) -> dict[str, Any]:
    """Lee types the command; its answer (stored as work and run, as the listener does)."""
    name = f"typed{next(_names)}"
    origin = Origin(MENTEE, channel, team_id=TEAM)
    reply = ReplyTo(response_url=fake.response_url(name))
    services.after_ack(Task(run_command, origin, (command, text), reply, command))
    return fake.responses(name)[-1]


def click(services: Services, fake: FakeSlack, button: dict[str, Any]) -> dict[str, Any]:
    """Lee clicks a button of a private answer; the answer that replaces it."""
    name = f"click{next(_names)}"
    reply = ReplyTo(response_url=fake.response_url(name), replace=True)
    args = (button["action_id"], button["value"])
    services.after_ack(Task(run_button, Origin(MENTEE), args, reply, button["action_id"]))
    return fake.responses(name)[-1]


def buttons_of(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [block["accessory"] for block in answer["blocks"] if "accessory" in block]


def choice_for(answer: dict[str, Any], pair: PairInfo) -> dict[str, Any]:
    return next(b for b in buttons_of(answer) if b["value"].endswith(str(pair.id)))


@pytest.fixture
def two_pairs(services: Services, paired: PairInfo) -> tuple[PairInfo, PairInfo]:
    """Lee is Maria's mentee (the pair's channel CPAIR) and Sam's mentor (CSECOND)."""
    return paired, pair_up(services.engine, MENTEE, SECOND_MENTEE, "CSECOND")


def test_the_table_names_every_command_that_needs_a_pair() -> None:
    """Each verb about a pair (and `/mentor end`) is in the table, so a new one is tested too."""
    reached = {route(command, text).verb.run for command, text, _ in NEEDS_A_PAIR}
    needing = {verb.run for verb in VERBS if verb.pair} | {route("/mentor", "end").verb.run}
    # `/mentor find #n` reads the goals of the pair where one is the mentee: Lee is in one.
    needing.discard(route("/mentor", "find #1").verb.run)
    assert needing - reached == set()


@pytest.mark.parametrize(("command", "text", "action_id"), NEEDS_A_PAIR)
def test_every_command_that_needs_a_pair_offers_one_button_per_pair(
    services: Services, fake_slack: FakeSlack, two_pairs, command: str, text: str, action_id: str
) -> None:
    """In two mentorships, the command answers with a valid message holding one button per
    pair, each saying which role Lee has there; nothing asks for `to @name` alone. (Wins are
    the mentee's: for `/win`, Lee is Olga's mentee too.)"""
    pairs = list(two_pairs)
    labels = ["You mentor sam", "maria mentors you"]
    if command == "/win":
        pairs[1] = pair_up(services.engine, OUTSIDER, MENTEE, "CTHIRD")
        labels = ["maria mentors you", "olga mentors you"]
    answer = typed(services, fake_slack, command, text)
    assert validate_message(answer) == []
    shown = flatten_text(answer)
    assert "You're in 2 mentorships" in shown and "end the command with" not in shown
    buttons = buttons_of(answer)
    assert [b["action_id"] for b in buttons] == [f"{action_id}_0", f"{action_id}_1"]
    assert sorted(b["value"].rpartition(":")[2] for b in buttons) == sorted(
        str(pair.id) for pair in pairs
    )
    assert sorted(b["text"]["text"] for b in buttons) == labels
    assert f"<@{MENTOR}> mentors you" in shown


def test_a_click_runs_the_waiting_command_for_the_pair_picked(
    services: Services, fake_slack: FakeSlack, two_pairs
) -> None:
    """`/agenda add` and `/mentor schedule` wait (the typed text in a draft: a button's value
    holds ids only); each click runs its command, as typed, for the pair picked, only once."""
    with_maria, with_sam = two_pairs
    topic = "Talk about the conference talk: " + "slides &amp; timing, questions. " * 14
    asked = typed(services, fake_slack, "/agenda", f"add {topic}")
    (draft,) = _rows(services, Draft)
    assert draft.kind == "command" and draft.text == f"/agenda add {topic}".strip()
    assert all(len(b["value"]) < 20 for b in buttons_of(asked))
    added = click(services, fake_slack, choice_for(asked, with_sam))
    assert "Added to the agenda" in flatten_text(added) and added["replace_original"] is True
    (item,) = _rows(services, AgendaItem)
    assert (item.pair_id, item.text) == (with_sam.id, topic.replace("&amp;", "&").strip())

    again = click(services, fake_slack, choice_for(asked, with_maria))
    assert "already ran" in flatten_text(again) and len(_rows(services, AgendaItem)) == 1

    scheduled = typed(services, fake_slack, "/mentor", "schedule weekly thu 15:00")
    click(services, fake_slack, choice_for(scheduled, with_maria))
    assert [s.pair_id for s in _rows(services, MeetingSchedule)] == [with_maria.id]


def test_a_click_for_a_listing_shows_that_pairs_list(
    services: Services, fake_slack: FakeSlack, two_pairs
) -> None:
    """`/goal list` picked for Sam's pair lists the goals of that pair, not Maria's."""
    with_maria, with_sam = two_pairs
    typed(services, fake_slack, "/goal", f"Give a talk by June 2027 to <@{MENTOR}>")
    typed(services, fake_slack, "/goal", f"Teach Sam testing by June 2027 to <@{SECOND_MENTEE}>")
    assert len(_rows(services, Goal)) == 2
    listed = click(
        services, fake_slack, choice_for(typed(services, fake_slack, "/goal", "list"), with_sam)
    )
    shown = flatten_text(listed)
    assert "Teach Sam testing" in shown and "Give a talk" not in shown


def test_to_name_still_skips_the_question(
    services: Services, fake_slack: FakeSlack, two_pairs
) -> None:
    """`to @name` names the pair, so nothing waits and no button is offered."""
    answer = typed(services, fake_slack, "/agenda", f"add Book the room to <@{SECOND_MENTEE}>")
    assert "Added to the agenda" in flatten_text(answer) and buttons_of(answer) == []
    assert _rows(services, Draft) == []
    (item,) = _rows(services, AgendaItem)
    assert item.pair_id == two_pairs[1].id


def test_two_people_who_mentor_each_other_can_pick_either_pair(
    services: Services, fake_slack: FakeSlack, paired: PairInfo
) -> None:
    """Maria mentors Lee and Lee mentors Maria: `to @maria` still means two pairs, so the
    buttons say which role Lee has in each, and the click runs the command in that one."""
    reverse = pair_up(services.engine, MENTEE, MENTOR, "CREVERSE")
    asked = typed(services, fake_slack, "/agenda", f"add Swap notes to <@{MENTOR}>")
    labels = {b["text"]["text"]: b for b in buttons_of(asked)}
    assert sorted(labels) == ["You mentor maria", "maria mentors you"]
    assert "`to @name`" not in flatten_text(asked)
    click(services, fake_slack, labels["You mentor maria"])
    (item,) = _rows(services, AgendaItem)
    assert item.pair_id == reverse.id != paired.id


def _rows(services: Services, table: type) -> list[Any]:
    with session_scope(services.engine) as session:
        return list(session.exec(select(table)).all())


def test_a_click_run_again_by_another_worker_does_nothing_twice(
    services: Services, fake_slack: FakeSlack, two_pairs
) -> None:
    """The click is durable work like any other: run a second time (its worker died before
    saying it was done), the waiting `/review now` starts no second review and sends nothing."""
    asked = typed(services, fake_slack, "/review", "now")
    started = click(services, fake_slack, choice_for(asked, two_pairs[1]))
    assert "review" in flatten_text(started).lower()
    assert [review.pair_id for review in _rows(services, Review)] == [two_pairs[1].id]
    calls, now = len(fake_slack.calls), services.clock()
    with session_scope(services.engine) as session:
        work = session.exec(select(Work).order_by(col(Work.id).desc())).first()
        assert work is not None and work.flow.endswith("run_button")
        work.status, work.claimed_by, work.next_at = queue.CLAIMED, "died", now
        work_id = work.id
    assert isinstance(services.runner, InlineRunner)
    for claimed in queue.claim(services.engine, "second", now, 1, only=work_id):
        perform(claimed, services, services.runner.client, "second")
    assert len(_rows(services, Review)) == 1
    sent = [
        call.method
        for call in fake_slack.calls[calls:]
        if call.ok and (call.method in SLACK_WRITES or call.method.startswith("respond:"))
    ]
    assert sent == []

"""A whole review over the real HTTP wire: due, answered by both, summarised, and followed up."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from fakeslack import validate_view
from handlers.reviews import messages as review_messages
from handlers.reviews import questionnaire
from storage.db import session_scope
from storage.models import Commitment, Goal, ReviewFit
from tests.conftest import MENTEE, MENTOR, OUTSIDER, PAIR_CHANNEL, Tick, Wire, flatten_text, texts
from tests.support import FrozenClock

pytestmark = pytest.mark.both_backends

START = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # the first meeting (see test_wire_meetings)
FIT_COMMENT = "Honestly my goals have moved past what they know"


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


def fill(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """The state Slack would send for `view` with `answers` (by block id) filled in."""
    values: dict[str, Any] = {}
    for block_id, element in inputs(view).items():
        kind, answer = element["type"], answers.get(block_id)
        if kind == "static_select":
            chosen = {"value": answer} if answer is not None else None
            values[block_id] = {"type": kind, "selected_option": chosen}
        elif kind == "multi_static_select":
            picked = [{"value": value} for value in answer or []]
            values[block_id] = {"type": kind, "selected_options": picked}
        else:
            values[block_id] = {"type": kind, "value": answer}
    return values


class Reviewer:
    """One member answering their questionnaire page by page, as Slack would submit it."""

    def __init__(self, wire: Wire, user: str, view: dict[str, Any]) -> None:
        self.wire, self.user, self.view = wire, user, view

    def submit(self, answers: dict[str, Any], metadata: str | None = None) -> dict[str, Any]:
        assert validate_view(self.view) == [], validate_view(self.view)
        response = self.wire.submit(
            questionnaire.REVIEW_PAGE,
            fill(self.view, answers),
            user=self.user,
            private_metadata=metadata or self.view["private_metadata"],
        )
        assert response.status_code == 200
        body = response.json() if response.content else {}
        if body.get("response_action") == "update":
            self.view = body["view"]
        return body

    def title(self) -> str:
        return self.view["title"]["text"]


def ids(view: dict[str, Any], prefix: str) -> list[str]:
    return [block_id for block_id in inputs(view) if block_id.startswith(prefix)]


def test_a_whole_review_over_the_wire(wire: Wire, paired, tick: Tick, clock: FrozenClock) -> None:
    """Cadence → "Review time" post and DMs → the mentee answers every page in the modal, the
    mentor answers by DM → the summary in the channel, the Homes redrawn with the pivot → the
    next agenda prompt lists the commitments → the next review asks about them, both answer
    in the modal (the mentor after a DM reply) and its summary reports the check-ins."""
    wire.command("/goal", "Give a talk at PyCon US by May 2027", user=MENTEE)
    wire.command("/goal", "milestone 1 Submit the proposal by 2027-01-15", user=MENTEE)
    wire.command("/goal", "Lead the Q1 billing migration by March 2027", user=MENTEE)
    wire.command("/win", "Gave a lightning talk at the team meetup", user=MENTEE)
    wire.command("/win", "Read a book on public speaking", user=MENTEE)
    wire.command("/mentor", "schedule weekly tue 15:00", user=MENTEE)
    cadence = wire.command("/mentor", "review every 2 weeks", user=MENTOR).reply_text
    assert "every 2 weeks" in cadence

    tick(START)  # meeting 2 planned
    tick(START + timedelta(days=7))  # meeting 3 planned, and the review an hour after it
    shown = wire.command("/mentor", "review", user=MENTEE).reply_text
    assert "*Next review* (review 1): " in shown

    opens = START + timedelta(days=14, hours=1)
    clock.now = opens
    assert "sent 3" in tick(opens)
    post = wire.fake.messages_in(PAIR_CHANNEL)[-1]
    assert "Review time" in post["text"]
    mentor_dm = wire.fake.messages_in(MENTOR)[-1]
    assert "Review 1" in flatten_text(mentor_dm) and "stop: …" in flatten_text(mentor_dm)
    button = next(
        e
        for b in post["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == review_messages.ANSWER_REVIEW
    )

    # An outsider's click opens nothing; the mentee's opens page 1.
    refused = wire.click(button["action_id"], button["value"], user=OUTSIDER, channel=PAIR_CHANNEL)
    assert "Only the two people" in refused.reply_text
    assert wire.fake.calls_to("views.open") == []
    wire.click(button["action_id"], button["value"], user=MENTEE, channel=PAIR_CHANNEL)
    (opened,) = wire.fake.calls_to("views.open")
    mentee = Reviewer(wire, MENTEE, opened.args["view"])
    assert mentee.title() == "Roadmap audit"

    goal_item, milestone_item = ids(mentee.view, "item:goal:")[0], ids(mentee.view, "item:")[1]
    note = ids(mentee.view, "note:")[0]
    audit = {goal_item: "on_track", milestone_item: "behind:time"}
    for other_goal in ids(mentee.view, "item:goal:")[1:]:
        audit[other_goal] = "on_track"
    errors = mentee.submit(audit)  # behind, but no note on what would help
    assert errors["response_action"] == "errors" and note in errors["errors"]
    mentee.submit({**audit, note: "Two evenings a week blocked for writing"})
    assert mentee.title() == "Growth evidence"

    wins = mentee.view["blocks"][-1]["element"]["options"]
    talk = next(o["value"] for o in wins if "lightning talk" in o["text"]["text"])
    assert mentee.submit({"evidence": []})["response_action"] == "errors"
    mentee.submit({"evidence": [talk]})
    assert mentee.title() == "Stop/Start/Continue"
    mentee.submit(
        {
            "stop": "Saying yes to every side project",
            "start": "Sending the agenda a day ahead",
            "continue": "Mock talks every other week",
        }
    )
    assert mentee.title() == "Goalposts"
    first, second = ids(mentee.view, "decision:")
    second_id = second.split(":")[1]
    pivot = {
        first: "keep",
        second: "pivot",
        f"pivot:{second_id}": "Lead the Q2 platform migration by June 2027",
    }
    errors = mentee.submit(pivot)  # a pivot without a reason
    assert f"why:{second_id}" in errors["errors"]
    mentee.submit({**pivot, f"why:{second_id}": "Billing moved to another team"})
    assert mentee.title() == "Mentor fit"
    assert mentee.submit({"fit_score": "2", "fit_comment": FIT_COMMENT}) == {}

    # The low fit gets the mentee a kind note; nobody else hears of it.
    thanks = texts(wire, MENTEE)[-1]
    assert "Thanks — your review answers are saved" in thanks and "one or two steps" in thanks
    assert not any("steps ahead" in text for text in texts(wire, MENTOR))

    # The mentor answers in the review DM's thread.
    clock.now = opens + timedelta(hours=3)
    wire.dm(
        "EvReview1",
        "stop: Rescheduling late\nstart: Introducing Lee to the PyCon reviewers\n"
        "continue: Reading drafts within a day",
        user=MENTOR,
        thread_ts=mentor_dm["ts"],
    )
    assert "Saved your stop, start, continue for review 1" in texts(wire, MENTOR)[-1]

    wire.fake.reset_calls()
    tick(clock.now)  # both answered: the summary now, not seven days later
    assert "Lead the Q2 platform migration" in flatten_text(wire.home_of(MENTEE))
    summary = next(text for text in texts(wire, PAIR_CHANNEL) if "Review 1: summary" in text)
    (picture,) = wire.fake.uploads(PAIR_CHANNEL)
    assert picture.data.startswith(b"\x89PNG") and "review 1" in (picture.initial_comment or "")
    assert "Review 1: summary" in summary and "both answered" in summary
    assert "behind" in summary and "time" in summary and "Two evenings a week" in summary
    assert "Saying yes to every side project" in summary and "Rescheduling late" in summary
    assert "pivoted" in summary and "Billing moved to another team" in summary
    assert "Gave a lightning talk" in summary
    assert "Sending the agenda a day ahead" in summary  # a commitment
    assert FIT_COMMENT not in json.dumps([call.args for call in wire.fake.calls])  # to nobody
    with session_scope(wire.services.engine) as session:
        assert session.exec(select(ReviewFit)).one().comment == FIT_COMMENT
        goals = {g.number: g.text for g in session.exec(select(Goal)).all()}
        commitments = session.exec(select(Commitment)).all()
    assert goals[2] == "Lead the Q2 platform migration"
    assert {(c.owner_id, c.kind) for c in commitments} == {
        (MENTEE, "start"),
        (MENTEE, "stop"),
        (MENTOR, "start"),
        (MENTOR, "stop"),
    }
    history = wire.command("/goal", "history 2", user=MENTOR).reply_text
    assert "Lead the Q1 billing migration" in history and "Billing moved" in history
    assert "Review 1: summary" in wire.command("/review", "", user=MENTOR).reply_text
    assert "Review 1:" in wire.command("/review", "history", user=MENTEE).reply_text

    # The next pre-meeting DM lists the open commitments.
    tick(START + timedelta(days=20))
    assert "Commitments from your last review" in texts(wire, MENTEE)[-1]
    assert "Introducing Lee to the PyCon reviewers" in texts(wire, MENTEE)[-1]

    # The next review opens by asking about them, and this time both answer in the modal.
    clock.now = START + timedelta(days=20, hours=1)
    assert "Review 2 is open" in wire.command("/review", "now", user=MENTEE).reply_text
    wire.fake.reset_calls()
    tick(clock.now)
    assert {c.args["user_id"] for c in wire.fake.calls_to("views.publish")} == {MENTOR, MENTEE}
    second_post = wire.fake.messages_in(PAIR_CHANNEL)[-1]
    assert "review 2" in second_post["text"]
    value = second_post["blocks"][-1]["elements"][0]["value"]
    wire.click(review_messages.ANSWER_REVIEW, value, user=MENTEE, channel=PAIR_CHANNEL)
    mentee = Reviewer(wire, MENTEE, wire.fake.calls_to("views.open")[-1].args["view"])
    assert mentee.title() == "Last time"
    asked = flatten_text(mentee.view)
    assert "Start: Sending the agenda a day ahead" in asked
    assert "Stop: Saying yes to every side project" in asked
    assert "Rescheduling late" not in asked  # the mentor's own commitments are theirs to check
    start, stop = ids(mentee.view, "checkin:")
    mentee.submit({start: "yes", stop: "partly"})
    assert mentee.title() == "Roadmap audit"
    mentee.submit({item: "on_track" for item in ids(mentee.view, "item:")})
    assert mentee.title() == "Stop/Start/Continue"  # no win since review 1: no evidence page
    mentee.submit(
        {"stop": "nothing", "start": "Asking for feedback on drafts", "continue": "Mock talks"}
    )
    mentee.submit({decision: "keep" for decision in ids(mentee.view, "decision:")})
    assert mentee.submit({"fit_score": "4"}) == {}

    # The mentor answers Stop/Start/Continue by DM first: the check-ins still wait for the form.
    mentor_dm = wire.fake.messages_in(MENTOR)[-1]
    assert "Review 2" in flatten_text(mentor_dm)
    wire.dm(
        "EvReview2",
        "stop: Rescheduling late\n"
        "start: A monthly walk-through of the roadmap\n"
        "continue: Reading drafts",
        user=MENTOR,
        thread_ts=mentor_dm["ts"],
    )
    assert "behind the *Answer review* button" in texts(wire, MENTOR)[-1]
    button = mentor_dm["blocks"][1]["elements"][0]
    wire.click(button["action_id"], button["value"], user=MENTOR)
    mentor = Reviewer(wire, MENTOR, wire.fake.calls_to("views.open")[-1].args["view"])
    assert mentor.title() == "Last time"
    asked = flatten_text(mentor.view)
    assert "Introducing Lee to the PyCon reviewers" in asked and "Sending the agenda" not in asked
    first, second = ids(mentor.view, "checkin:")
    mentor.submit({first: "no", second: "yes"})
    assert mentor.title() == "Stop/Start/Continue"
    prefilled = {
        i["block_id"]: i["element"].get("initial_value")
        for i in mentor.view["blocks"]
        if i["type"] == "input"
    }
    assert prefilled["start"] == "A monthly walk-through of the roadmap"
    assert mentor.submit({key: value for key, value in prefilled.items()}) == {}
    assert "both answered" in texts(wire, MENTOR)[-1]

    clock.now += timedelta(minutes=5)
    tick(clock.now)
    summary = next(text for text in texts(wire, PAIR_CHANNEL) if "Review 2: summary" in text)
    assert "both answered" in summary
    assert "said they would start: Sending the agenda a day ahead — *yes*" in summary
    assert "said they would stop: Saying yes to every side project — *partly*" in summary
    assert "said they would start: Introducing Lee to the PyCon reviewers — *no*" in summary
    assert "said they would stop: Rescheduling late — *yes*" in summary
    assert "A monthly walk-through of the roadmap" in summary  # a new commitment

    tick(START + timedelta(days=30))  # nothing is posted twice
    summaries = [text for text in texts(wire, PAIR_CHANNEL) if ": summary" in text]
    assert [text.split(":")[0] for text in summaries] == ["Review 1", "Review 2"]


def test_mentor_review_and_the_home_say_the_same_next_review(wire: Wire, paired) -> None:
    """`/mentor review` said only "every 4 weeks" while the Home showed "Next review: around
    …": both now show the same line."""
    shown = wire.command("/mentor", "review", user=MENTEE).reply_text
    wire.open_home(MENTEE)
    home = json.dumps(wire.home_of(MENTEE))
    line = shown.split("*Next review*")[1].split(": ", 1)[1].splitlines()[0]
    assert line.startswith("around <!date^") and line in home.replace('\\"', '"')

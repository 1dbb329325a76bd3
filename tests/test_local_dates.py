"""'Today' is each person's own date in their Slack time zone, tried at instants where zones
disagree about the date (a frozen 09:00 UTC, where every zone from UTC−9 to UTC+14 agrees,
hides the difference)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from handlers.goals import blocks as goal_blocks
from handlers.goals.blocks import GOAL_FORM
from mentoring import dashboard, milestones
from mentoring.capture import Kind, capture
from mentoring.dates import known_zone, local_date
from mentoring.model import Actor, Target
from mentoring.prompts import Outgoing, plan_due, prepare
from mentoring.reviews.answers import save_page
from mentoring.reviews.planning import start_review_now
from mentoring.reviews.questionnaire import questionnaire
from storage.db import session_scope
from storage.models import Delivery, Goal, Milestone, ReviewAnswer
from tests.conftest import MENTEE, Wire
from tests.support import T0, FrozenClock, pair_up, schedule_meetings

# (instant, the person's zone, their date then); the UTC date is different in every row.
DISAGREE = [
    pytest.param(
        datetime(2026, 12, 7, 4, 30, tzinfo=UTC),
        "America/New_York",
        date(2026, 12, 6),
        id="23:30 in New York",
    ),
    pytest.param(
        datetime(2026, 12, 6, 15, 30, tzinfo=UTC),
        "Asia/Tokyo",
        date(2026, 12, 7),
        id="00:30 in Tokyo",
    ),
    pytest.param(
        datetime(2027, 3, 14, 12, 0, tzinfo=UTC),
        "Pacific/Auckland",
        date(2027, 3, 15),
        id="12:00 UTC on New York's DST change, in Auckland",
    ),
    pytest.param(
        datetime(2027, 3, 28, 22, 30, tzinfo=UTC),
        "Europe/Berlin",
        date(2027, 3, 29),
        id="00:30 in Berlin the night its clocks went forward",
    ),
]


@pytest.mark.parametrize(("now", "zone", "today"), DISAGREE)
def test_local_date_is_the_date_on_the_persons_wall_clock(
    now: datetime, zone: str, today: date
) -> None:
    """local_date gives the zone's date (DST included), not UTC's."""
    assert now.date() != today
    assert local_date(now, zone) == today


def test_local_date_without_a_zone_it_knows_is_utcs() -> None:
    """No zone, or a name the tz database doesn't know, counts as UTC."""
    now = datetime(2026, 12, 7, 4, 30, tzinfo=UTC)
    assert local_date(now, None) == local_date(now, "Not/AZone") == date(2026, 12, 7)


def _goal_fields(outcome: str, due: date) -> dict:
    return {
        goal_blocks.GOAL_OUTCOME: {"type": "plain_text_input", "value": outcome},
        goal_blocks.GOAL_DUE: {"type": "datepicker", "selected_date": due.isoformat()},
        goal_blocks.GOAL_EVIDENCE: {"type": "plain_text_input", "value": ""},
    }


@pytest.mark.parametrize(("now", "zone", "today"), DISAGREE)
def test_the_goal_form_takes_the_submitters_today_and_refuses_their_yesterday(
    wire: Wire, clock: FrozenClock, paired, now: datetime, zone: str, today: date
) -> None:
    """Opened by someone in `zone`, the New goal form accepts their today and refuses their
    yesterday beside the date (UTC's today refused New York's at 23:30)."""
    wire.fake.add_user(MENTEE, "lee", tz=zone)
    clock.now = now
    wire.click_home("open_goal_form", str(paired.id), user=MENTEE)
    (opened,) = wire.fake.calls_to("views.open")
    metadata = opened.args["view"]["private_metadata"]
    late = wire.submit(
        GOAL_FORM,
        _goal_fields("Give a talk", today - timedelta(days=1)),
        user=MENTEE,
        private_metadata=metadata,
    )
    assert late.json() == {
        "response_action": "errors",
        "errors": {goal_blocks.GOAL_DUE: "Pick a date in the future."},
    }
    saved = wire.submit(
        GOAL_FORM, _goal_fields("Give a talk", today), user=MENTEE, private_metadata=metadata
    )
    assert saved.status_code == 200 and saved.text == ""
    with session_scope(wire.services.engine) as session:
        assert [(g.text, g.due_on) for g in session.exec(select(Goal)).all()] == [
            ("Give a talk", today)
        ]


@pytest.mark.parametrize(("now", "zone", "today"), DISAGREE)
def test_typed_dates_are_read_from_the_typists_today(
    wire: Wire, clock: FrozenClock, paired, now: datetime, zone: str, today: date
) -> None:
    """`/goal … by <their yesterday>` is refused as past; `/goal … by <their today>` and
    `/goal milestone 1 … by <their today>` are taken, in the zone Slack gives the typist."""
    wire.fake.add_user(MENTEE, "lee", tz=zone)
    clock.now = now
    yesterday = today - timedelta(days=1)
    refused = wire.command("/goal", f"Give a talk by {yesterday}", user=MENTEE)
    assert f"{yesterday} is in the past" in refused.reply_text
    wire.command("/goal", f"Give a talk by {today}", user=MENTEE)
    wire.command("/goal", f"milestone 1 Outline it by {today}", user=MENTEE)
    with session_scope(wire.services.engine) as session:
        assert [g.due_on for g in session.exec(select(Goal)).all()] == [today]
        assert [m.due_on for m in session.exec(select(Milestone)).all()] == [today]


@pytest.mark.parametrize(("now", "zone", "today"), DISAGREE)
def test_the_home_flags_overdue_by_the_viewers_own_date(
    engine: Engine, now: datetime, zone: str, today: date
) -> None:
    """A next step due on the viewer's today is not overdue; one due their yesterday is —
    whatever the UTC date says."""
    pair_up(engine)
    schedule_meetings(engine, member_tz=("Europe/London", zone), now=now)
    mentee = Actor(MENTEE)
    for number, due in ((1, today), (2, today - timedelta(days=1))):
        capture(engine, mentee, Kind.GOAL, f"Goal {number}", Target(), now)
        milestones.add_step(
            engine,
            mentee,
            Target(),
            number,
            milestones.MilestoneText(f"Step of {number}", due),
            now,
        )
    (board,) = dashboard.dashboard(engine, MENTEE, now)
    assert [(g.goal.number, g.overdue) for g in board.goals] == [(1, False), (2, True)]


def test_a_home_without_a_schedule_is_dated_in_the_viewers_slack_zone(
    wire: Wire, clock: FrozenClock, paired
) -> None:
    """With no schedule to keep anyone's zone, the Home asks Slack: at 23:30 in New York a step
    due that day is not overdue, one due the day before is."""
    for number, due in ((1, "2026-12-06"), (2, "2026-12-05")):
        wire.command("/goal", f"Goal {number}", user=MENTEE)
        wire.command("/goal", f"milestone {number} Step {number} by {due}", user=MENTEE)
    clock.now = datetime(2026, 12, 7, 4, 30, tzinfo=UTC)  # Sun 6 Dec, 23:30 in New York
    wire.open_home(MENTEE)
    shown = json.dumps(wire.home_of(MENTEE))
    assert "by 6 December 2026" in shown and "overdue since 5 December 2026" in shown
    assert "overdue since 6 December 2026" not in shown


def test_the_pre_meeting_dm_dates_overdue_by_each_recipients_day_of_the_meeting(
    engine: Engine,
) -> None:
    """A meeting on Tuesday 08:00 in Tokyo is Monday 18:00 in New York: a step due that Monday
    is overdue in the Tokyo mentee's DM and not in the New York mentor's (both used Tokyo's
    Tuesday); the channel's agenda dates by the mentee's."""
    pair_up(engine)
    mentee, mentor = Actor(MENTEE), Actor("UMENTOR")
    schedule_meetings(
        engine, "weekly tue 08:00 Asia/Tokyo", member_tz=("America/New_York", "Asia/Tokyo")
    )
    capture(engine, mentee, Kind.GOAL, "Give a talk", Target(), T0)
    milestones.add_milestone(engine, mentor, Target(), 1, "Outline it by 2026-11-23", T0)
    plan_due(engine, T0)
    with session_scope(engine) as session:
        rows = [(row.id, row.audience) for row in session.exec(select(Delivery)).all()]
    seen = {}
    for delivery_id, audience in rows:
        out = prepare(engine, delivery_id or 0, "w1", T0)
        if isinstance(out, Outgoing) and out.carry is not None:
            (step,) = out.carry.milestones_due
            seen[(out.kind, audience)] = step.overdue(out.carry.today)
    assert seen[("prompt", "mentor")] is False and seen[("prompt", "mentee")] is True
    assert seen[("agenda", "channel")] is True


def test_a_review_pivot_takes_the_answerers_today(engine: Engine) -> None:
    """At 23:30 in New York, a mentee pivoting a goal "by" their today is not told it is past
    (the page is checked before Slack's ack, by the zone their schedule keeps)."""
    now = datetime(2026, 12, 7, 4, 30, tzinfo=UTC)
    pair_up(engine)
    mentee = Actor(MENTEE)
    schedule_meetings(engine, member_tz=("Europe/Berlin", "America/New_York"))
    capture(engine, mentee, Kind.GOAL, "Lead the billing migration", Target(), T0)
    review = start_review_now(engine, mentee, Target(), now).review
    form = questionnaire(engine, mentee, review.id, now)
    (page,) = [page for page in form.pages if page.startswith("goalpost:")]
    (goal,) = form.goalpost_page(page)
    values = {
        f"decision:{goal.id}": "pivot",
        f"pivot:{goal.id}": "Lead the platform migration by 2026-12-06",
        f"why:{goal.id}": "Billing moved teams",
    }
    save_page(engine, mentee, review.id, page, values, now)
    with session_scope(engine) as session:
        (answer,) = session.exec(select(ReviewAnswer)).all()
        assert answer.goalposts[str(goal.id)]["due_on"] == "2026-12-06"


@pytest.mark.parametrize(
    "name", ["9" * 400, "Europe/" + "x" * 300, "Europe/Berlin\x00", "Erde/Ost"]
)
def test_a_zone_no_system_could_know_counts_as_none_and_never_raises(name: str) -> None:
    """Whatever a form's metadata carries after its id (a forged 400-digit "zone" made ZoneInfo
    raise OSError, file name too long) is no zone, never a failure."""
    assert known_zone(name) is None
    assert known_zone("Europe/Berlin") == "Europe/Berlin"

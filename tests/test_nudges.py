"""Drift nudges on a real database: each signal and its edges, one a week per person, the
scan's cost, and the dispatcher sending each nudge once, privately, while it still holds."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event
from sqlmodel import col, select

import handlers  # noqa: F401  (registers every verb)
from bot.scheduler import _housekeeping
from bot.settings import Settings
from fakeslack import FakeSlack
from handlers.goals.milestones import complete_milestone as complete_milestone_verb
from handlers.routing import route
from mentoring import nudges, pairs
from mentoring.capture import Kind, capture
from mentoring.meetings.agenda import add_agenda_item
from mentoring.meetings.schedule import pause
from mentoring.milestones import add_milestone, complete_milestone
from mentoring.model import Actor, PairInfo, Target
from mentoring.nudges import NudgeInfo, Signal, iso_week, next_send_time, plan_nudges
from outbox import Dispatcher, Limits
from storage.db import session_scope
from storage.models import AgendaItem, Delivery, Meeting, MeetingSchedule, Pair
from tests.conftest import MENTEE, MENTOR, PAIR_CHANNEL
from tests.support import T0, FrozenClock, T, dispatcher, pair_up, schedule_meetings

pytestmark = pytest.mark.both_backends

# T0 is Saturday 21 November 2026 (ISO week 47), 09:00 UTC.
TUESDAY = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
FOUR_WEEKS = timedelta(days=28)


def nudge_rows(engine: Engine) -> list[Delivery]:
    with session_scope(engine) as session:
        statement = select(Delivery).where(Delivery.kind == "nudge").order_by(col(Delivery.id))
        return list(session.exec(statement).all())


def decide(engine: Engine, at: datetime) -> NudgeInfo | str:
    """What the planned nudge would say if it were sent at `at`, or why it would be skipped."""
    with session_scope(engine) as session:
        row = session.exec(select(Delivery).where(Delivery.kind == "nudge")).one()
        pair = session.get(Pair, row.pair_id)
        assert pair is not None
        schedule = session.get(MeetingSchedule, row.pair_id)
        return nudges.prepare_nudge_row(session, row, pair, schedule, at)


def overdue_milestone(engine: Engine, mentee: str = MENTEE, due: str = "2026-11-23") -> None:
    """Goal 1 of `mentee`'s only pair, with milestone 1.1 due on `due`."""
    capture(engine, Actor(mentee), Kind.GOAL, "Give a talk at PyCon by June 2027", Target(), T0)
    add_milestone(engine, Actor(mentee), Target(), 1, f"Pick a topic by {due}", T0)


def held_meeting(
    engine: Engine,
    pair: PairInfo,
    number: int,
    starts_at: datetime,
    *,
    items: int = 0,
    status: str = "scheduled",
    posted: bool = True,
) -> None:
    """A meeting in the past; its agenda post sent (or skipped) listing `items` items."""
    with session_scope(engine) as session:
        meeting = Meeting(
            pair_id=pair.id,
            number=number,
            local_date=starts_at.date(),
            starts_at=starts_at,
            status=status,
            created_at=T0,
        )
        session.add(meeting)
        session.flush()
        for n in range(items):
            session.add(
                AgendaItem(
                    pair_id=pair.id,
                    author_id=pair.mentee_id,
                    text=f"Topic {n}",
                    source="command",
                    created_at=T0,
                    meeting_id=meeting.id,
                )
            )
        due = starts_at - timedelta(hours=1)
        session.add(
            Delivery(
                pair_id=pair.id,
                subject=f"meeting:{meeting.id}",
                meeting_id=meeting.id,
                kind="agenda",
                audience="channel",
                due_at=due,
                expires_at=starts_at,
                next_at=due,
                status="sent" if posted and status == "scheduled" else "skipped",
                updated_at=due,
            )
        )


@pytest.fixture
def pair(engine: Engine) -> PairInfo:
    return pair_up(engine, channel=PAIR_CHANNEL)


# The timing


def test_a_nudge_is_due_at_the_next_ten_oclock_in_the_given_zone() -> None:
    """Before 10:00 local: today; after: tomorrow; at 10:00 exactly: now."""
    ny = "America/New_York"
    assert next_send_time(datetime(2026, 11, 24, 14, 59, tzinfo=UTC), ny) == datetime(
        2026, 11, 24, 15, 0, tzinfo=UTC
    )
    assert next_send_time(datetime(2026, 11, 24, 15, 1, tzinfo=UTC), ny) == datetime(
        2026, 11, 25, 15, 0, tzinfo=UTC
    )
    at_ten = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert next_send_time(at_ten, "UTC") == at_ten
    assert iso_week(datetime(2026, 11, 29).date()) == "2026-W48"  # a Sunday
    assert iso_week(datetime(2026, 11, 30).date()) == "2026-W49"


# Each signal


def test_an_overdue_milestone_plans_a_nudge_to_the_mentee_at_ten_in_their_zone(
    engine: Engine, pair: PairInfo
) -> None:
    """Milestone 1.1 due Monday: on Tuesday the mentee's nudge is planned for 10:00 New York,
    keyed by person and week, expiring a day later; it names the milestone and /goal done."""
    schedule_meetings(engine, member_tz=("Europe/Berlin", "America/New_York"))
    overdue_milestone(engine)
    assert plan_nudges(engine, TUESDAY) == 1
    (row,) = nudge_rows(engine)
    due = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    assert (row.subject, row.audience, row.pair_id) == ("nudge:UMENTEE:2026-W48", "mentee", pair.id)
    assert (row.due_at, row.expires_at, row.status) == (due, due + timedelta(days=1), "planned")
    nudge = decide(engine, due)
    assert isinstance(nudge, NudgeInfo) and nudge.signal == Signal.OVERDUE_MILESTONE
    assert (nudge.milestone, nudge.milestone_text) == ("1.1", "Pick a topic")
    assert "`/goal done 1.1`" in nudge.suggestion


def test_a_milestone_due_today_in_the_mentees_zone_is_not_overdue(
    engine: Engine, pair: PairInfo
) -> None:
    """Due Monday: still Monday in New York at 04:00 UTC Tuesday, so no nudge yet."""
    schedule_meetings(engine, member_tz=(None, "America/New_York"))
    overdue_milestone(engine)
    assert plan_nudges(engine, datetime(2026, 11, 23, 12, 0, tzinfo=UTC)) == 0
    assert plan_nudges(engine, datetime(2026, 11, 24, 4, 0, tzinfo=UTC)) == 0
    assert plan_nudges(engine, datetime(2026, 11, 24, 5, 0, tzinfo=UTC)) == 1


def test_done_milestones_and_those_of_closed_goals_are_not_overdue(
    engine: Engine, pair: PairInfo
) -> None:
    """A milestone marked done no longer counts."""
    overdue_milestone(engine)
    complete_milestone(engine, Actor(MENTEE), Target(), 1, 1, T0)
    assert plan_nudges(engine, TUESDAY) == 0


def test_two_held_meetings_without_agenda_items_plan_a_nudge(
    engine: Engine, pair: PairInfo
) -> None:
    """Both agenda posts went out empty: an agenda nudge suggesting /agenda add."""
    held_meeting(engine, pair, 1, T(days=-6))
    held_meeting(engine, pair, 2, T(days=1))
    assert plan_nudges(engine, T(days=2)) == 1
    nudge = decide(engine, T(days=2, hours=1))
    assert isinstance(nudge, NudgeInfo) and nudge.signal == Signal.NO_AGENDA
    assert "/agenda add" in nudge.suggestion


@pytest.mark.parametrize(
    ("first", "second", "why"),
    [
        ({"items": 2}, {}, "the earlier one had items"),
        ({}, {"items": 1}, "the later one had items"),
        ({}, {"posted": False}, "the later one's agenda post did not go out (paused)"),
    ],
)
def test_an_agenda_with_items_or_never_posted_breaks_the_signal(
    engine: Engine, pair: PairInfo, first: dict, second: dict, why: str
) -> None:
    """No agenda nudge unless both of the last two meetings had an empty agenda post."""
    held_meeting(engine, pair, 1, T(days=-6), **first)
    held_meeting(engine, pair, 2, T(days=1), **second)
    assert plan_nudges(engine, T(days=2)) == 0, why


def test_one_held_meeting_or_an_item_waiting_for_the_next_is_not_drift(
    engine: Engine, pair: PairInfo
) -> None:
    """One empty meeting is not two in a row; an item added since ends the drift."""
    held_meeting(engine, pair, 1, T(days=1))
    assert plan_nudges(engine, T(days=2)) == 0
    held_meeting(engine, pair, 2, T(days=8))
    add_agenda_item(engine, Actor(MENTOR), Target(), "Conference budget", T(days=8))
    assert plan_nudges(engine, T(days=9)) == 0


def test_skipped_meetings_do_not_count_as_held(engine: Engine, pair: PairInfo) -> None:
    """A skipped meeting between two empty ones neither breaks the run nor counts as one."""
    held_meeting(engine, pair, 1, T(days=-13), items=1)
    held_meeting(engine, pair, 2, T(days=-6))
    held_meeting(engine, pair, 3, T(days=1), status="skipped")
    assert plan_nudges(engine, T(days=2)) == 0  # the last two held: 1 (items) and 2
    held_meeting(engine, pair, 4, T(days=8))
    assert plan_nudges(engine, T(days=9)) == 1  # 2 and 4, both empty
    nudge = decide(engine, T(days=9, hours=1))
    assert isinstance(nudge, NudgeInfo) and nudge.signal == Signal.NO_AGENDA


@pytest.mark.parametrize(
    ("at", "win_at", "planned"),
    [
        (T0 + FOUR_WEEKS, None, 1),  # the pair is exactly 28 days old
        (T0 + FOUR_WEEKS - timedelta(seconds=1), None, 0),  # a second younger
        (T0 + FOUR_WEEKS + timedelta(days=3), T(days=3), 0),  # a win exactly 28 days ago
        (T0 + FOUR_WEEKS + timedelta(days=3), T(days=3) - timedelta(seconds=1), 1),
    ],
)
def test_no_win_in_28_days_plans_a_nudge(
    engine: Engine, pair: PairInfo, at: datetime, win_at: datetime | None, planned: int
) -> None:
    """No win in the last 28 days (a win exactly 28 days ago still counts), in a pair at
    least 28 days old."""
    if win_at is not None:
        capture(engine, Actor(MENTEE), Kind.WIN, "Shipped the migration", Target(), win_at)
    assert plan_nudges(engine, at) == planned
    if planned:
        nudge = decide(engine, at)
        assert isinstance(nudge, NudgeInfo) and nudge.signal == Signal.NO_WIN
        assert "`/win …`" in nudge.suggestion


def test_one_signal_per_nudge_the_overdue_milestone_first(engine: Engine, pair: PairInfo) -> None:
    """All three signals hold: the nudge is about the milestone, with one suggestion."""
    overdue_milestone(engine)
    held_meeting(engine, pair, 1, T(days=20))
    held_meeting(engine, pair, 2, T(days=27))
    assert plan_nudges(engine, T0 + FOUR_WEEKS) == 1
    nudge = decide(engine, T0 + FOUR_WEEKS)
    assert isinstance(nudge, NudgeInfo) and nudge.signal == Signal.OVERDUE_MILESTONE


# Who is not nudged


def _pause(engine: Engine) -> None:
    schedule_meetings(engine)
    pause(engine, Actor(MENTEE), Target(), TUESDAY.date() + timedelta(days=5), T0)


def _nudges_off(engine: Engine) -> None:
    nudges.set_nudges(engine, Actor(MENTOR), Target(), False, T0)


def _end(engine: Engine) -> None:
    (info,) = [p.pair for p in pairs.summaries(engine, MENTEE, T0)]
    pairs.end_pair(engine, Actor(MENTEE), info.id, T0)


@pytest.mark.parametrize("change", [_pause, _nudges_off, _end])
def test_paused_switched_off_and_ended_pairs_get_no_nudge(
    engine: Engine, pair: PairInfo, change: Callable[[Engine], None]
) -> None:
    """A pair that is paused, has nudges off, or has ended is not scanned."""
    overdue_milestone(engine)
    change(engine)
    assert plan_nudges(engine, TUESDAY) == 0


def test_the_mentor_is_never_nudged(engine: Engine) -> None:
    """Someone who mentors a drifting pair gets nothing for it; only its mentee does."""
    pair_up(engine, "UMARIA", "ULEE", "C1")
    pair_up(engine, "ULEE", "USAM", "C2")  # Lee mentors Sam; Sam's pair drifts
    overdue_milestone(engine, mentee="USAM")
    assert plan_nudges(engine, TUESDAY) == 1
    (row,) = nudge_rows(engine)
    assert row.subject.startswith("nudge:USAM:") and row.audience == "mentee"


# At most one a week


def test_a_mentee_of_two_drifting_pairs_gets_one_nudge_a_week(engine: Engine) -> None:
    """Lee is mentee in two drifting pairs: one nudge, about the stronger signal; scanning
    again that week adds none."""
    pair_up(engine, "UMARIA", "ULEE", "C1")
    second = pair_up(engine, "UOMAR", "ULEE", "C2")
    capture(engine, Actor("ULEE"), Kind.GOAL, "Ship it by June 2027", Target(pair_id=second.id), T0)
    add_milestone(engine, Actor("ULEE"), Target(pair_id=second.id), 1, "Plan by 2026-11-23", T0)
    at = T0 + FOUR_WEEKS  # both pairs also went four weeks without a win
    assert plan_nudges(engine, at) == 1
    assert plan_nudges(engine, at + timedelta(days=1)) == 0
    (row,) = nudge_rows(engine)
    assert row.pair_id == second.id and row.subject == "nudge:ULEE:2026-W51"


def test_no_second_nudge_within_seven_days_across_an_iso_week(
    engine: Engine, pair: PairInfo
) -> None:
    """Nudged on Sunday: nothing on Monday (a new ISO week) nor all week; again seven days on."""
    overdue_milestone(engine)
    sunday = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    assert plan_nudges(engine, sunday) == 1
    assert plan_nudges(engine, sunday + timedelta(days=1)) == 0
    assert plan_nudges(engine, sunday + timedelta(days=6)) == 0
    assert plan_nudges(engine, sunday + timedelta(days=7, hours=1)) == 1
    assert [row.subject for row in nudge_rows(engine)] == [
        "nudge:UMENTEE:2026-W48",
        "nudge:UMENTEE:2026-W49",
    ]


def test_a_nudge_skipped_this_week_is_not_planned_again_until_the_next(
    engine: Engine, pair: PairInfo
) -> None:
    """The week's key is taken even when its nudge was skipped, so a returning drift waits."""
    overdue_milestone(engine)
    assert plan_nudges(engine, TUESDAY) == 1
    nudges.set_nudges(engine, Actor(MENTEE), Target(), False, TUESDAY)
    nudges.set_nudges(engine, Actor(MENTEE), Target(), True, TUESDAY)
    assert plan_nudges(engine, TUESDAY + timedelta(days=1)) == 0
    assert plan_nudges(engine, datetime(2026, 11, 30, 9, 0, tzinfo=UTC)) == 1


# Naming the pair in the suggested commands


def suggested_commands(suggestion: str) -> list[tuple[str, str]]:
    """Each backticked command in a suggestion, as (command, text)."""
    return re.findall(r"`(/\w+) ([^`]*)`", suggestion)


@pytest.mark.parametrize(
    ("other_mentor", "other_mentee"),
    [("UOMAR", "ULEE"), ("ULEE", "USAM")],
    ids=["mentee of two mentors", "mentor in another pair"],
)
def test_a_mentee_in_two_pairs_is_told_to_name_the_pair_and_in_one_pair_is_not(
    engine: Engine, other_mentor: str, other_mentee: str
) -> None:
    """With a second active pair the suggested commands end in `to <@mentor>`; with one, or
    once the other has ended, they don't: decided when the nudge is sent, not planned."""
    pair_up(engine, "UMARIA", "ULEE", "C1")
    overdue_milestone(engine, mentee="ULEE")
    assert plan_nudges(engine, TUESDAY) == 1
    at = TUESDAY + timedelta(hours=1)
    alone = decide(engine, at)
    assert isinstance(alone, NudgeInfo) and alone.to is None
    assert "`/goal done 1.1`" in alone.suggestion and "to <@" not in alone.suggestion

    other = pair_up(engine, other_mentor, other_mentee, "C2")  # after the nudge was planned
    named = decide(engine, at)
    assert isinstance(named, NudgeInfo) and named.to == "UMARIA"
    assert named.signal == Signal.OVERDUE_MILESTONE and named.milestone == "1.1"
    assert "`/goal done 1.1 to <@UMARIA>`" in named.suggestion
    assert "`/agenda add What's in the way of 1.1 to <@UMARIA>`" in named.suggestion

    pairs.end_pair(engine, Actor("ULEE"), other.id, at)
    assert decide(engine, at) == alone


@pytest.mark.parametrize("signal", list(Signal))
def test_every_suggested_command_parses_naming_the_pair_only_when_asked(signal: Signal) -> None:
    """Each command in each signal's suggestion parses; it targets the mentor only when named."""
    for to in ("UMARIA", None):
        commands = suggested_commands(nudges.suggest(signal, "2.1", to))
        assert commands, signal
        for command, text in commands:
            routed = route(command, text)
            assert routed.with_user == to, (command, text)
    if signal == Signal.OVERDUE_MILESTONE:
        first = suggested_commands(nudges.suggest(signal, "2.1", "UMARIA"))[0]
        assert first == ("/goal", "done 2.1 to <@UMARIA>")
        routed = route(*first)
        assert routed.verb.run is complete_milestone_verb
        assert (routed.arguments, routed.with_user) == ({"goal": "2", "step": "1"}, "UMARIA")


# Turning nudges off, and the checks before sending


def test_turning_nudges_off_skips_the_planned_one_and_on_shows_the_state(
    engine: Engine, pair: PairInfo
) -> None:
    """Either member switches them for the pair; off skips what was planned, saying why."""
    overdue_milestone(engine)
    plan_nudges(engine, TUESDAY)
    off = nudges.set_nudges(engine, Actor(MENTOR), Target(), False, TUESDAY)
    assert (off.on, off.changed, off.cancelled) == (False, True, 1)
    assert [(r.status, r.reason) for r in nudge_rows(engine)] == [("skipped", "nudges turned off")]
    again = nudges.set_nudges(engine, Actor(MENTEE), Target(), False, TUESDAY)
    assert (again.changed, again.cancelled) == (False, 0)
    assert nudges.show_nudges(engine, Actor(MENTEE), Target()).on is False
    assert nudges.set_nudges(engine, Actor(MENTEE), Target(), True, TUESDAY).on is True


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda e: _nudges_off_in_place(e), "nudges turned off"),
        (_end, "pair ended"),
        (_pause, "paused until 2026-11-29"),
        (lambda e: complete_milestone(e, Actor(MENTEE), Target(), 1, 1, TUESDAY), "back on track"),
    ],
)
def test_a_claimed_nudge_is_skipped_when_it_no_longer_applies(
    engine: Engine, pair: PairInfo, change: Callable[[Engine], object], reason: str
) -> None:
    """Checked again when it is sent: ended, switched off, paused or back on track."""
    overdue_milestone(engine)
    plan_nudges(engine, TUESDAY)
    change(engine)
    assert decide(engine, TUESDAY + timedelta(hours=1)) == reason


def test_a_nudge_more_than_a_day_late_is_skipped(engine: Engine, pair: PairInfo) -> None:
    """Down for over a day: too late."""
    overdue_milestone(engine)
    plan_nudges(engine, TUESDAY)
    assert decide(engine, TUESDAY + timedelta(days=2)) == "too late: a day had passed"


def _nudges_off_in_place(engine: Engine) -> None:
    """Nudges switched off after the row was claimed (set_nudges skips planned rows)."""
    with session_scope(engine) as session:
        (row,) = session.exec(select(Pair)).all()
        row.nudges = False
        session.add(row)


# The scan's cost, and where it runs


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def test_a_scan_costs_the_same_statements_for_3_pairs_and_for_30(
    engine: Engine, statements: list[str]
) -> None:
    """Every pair drifting (overdue milestone, empty meetings, no win): 3 pairs and 30 pairs
    are scanned and planned with the same number of statements."""
    counts = []
    for size in (3, 30):
        for n in range(len(counts) * 3, size):
            info = pair_up(engine, f"UM{n}", f"UE{n}", f"C{n}")
            overdue_milestone(engine, mentee=info.mentee_id)
            held_meeting(engine, info, 1, T(days=14))
            held_meeting(engine, info, 2, T(days=21))
        statements.clear()
        planned = plan_nudges(engine, T0 + FOUR_WEEKS + timedelta(days=len(counts) * 7))
        counts.append(len(statements))
        assert planned == size - len(counts[:-1]) * 3
    print("scan statements", counts)
    assert counts[0] == counts[1] <= 10


def test_the_hourly_housekeeping_plans_nudges_and_the_dispatch_pass_does_not(
    engine: Engine, settings: Settings, pair: PairInfo
) -> None:
    """The scan belongs to housekeeping: a dispatcher pass alone plans no nudge."""
    overdue_milestone(engine)
    run = dispatcher(engine, settings, clock=FrozenClock(TUESDAY), limits=Limits())
    run.tick(TUESDAY)
    assert nudge_rows(engine) == []
    _housekeeping(engine, FrozenClock(TUESDAY))
    assert len(nudge_rows(engine)) == 1


# Sending


@pytest.fixture
def run(engine: Engine, settings: Settings, fake_slack: FakeSlack) -> Dispatcher:
    return dispatcher(engine, settings)


def test_a_nudge_is_dmed_once_to_the_mentee_never_the_mentor_or_channel(
    engine: Engine, pair: PairInfo, run: Dispatcher, fake_slack: FakeSlack
) -> None:
    """Sent at 10:00 to the mentee alone, once, however many passes follow."""
    overdue_milestone(engine)
    plan_nudges(engine, TUESDAY)
    assert run.tick(TUESDAY).outcomes == {}
    due = TUESDAY + timedelta(hours=1)
    assert run.tick(due).outcomes == {"sent": 1}
    for hours in (1, 5, 30):
        plan_nudges(engine, due + timedelta(hours=hours))
        assert run.tick(due + timedelta(hours=hours)).outcomes == {}
    posts = [call.args for call in fake_slack.calls_to("chat.postMessage") if call.ok]
    assert [p["channel"] for p in posts] == [MENTEE]
    assert "Pick a topic" in posts[0]["text"]
    assert fake_slack.messages_in(MENTOR) == [] and fake_slack.messages_in(PAIR_CHANNEL) == []
    (row,) = nudge_rows(engine)
    assert row.status == "sent" and row.ts


def test_a_nudge_whose_signal_went_away_before_it_was_due_is_skipped(
    engine: Engine, pair: PairInfo, run: Dispatcher, fake_slack: FakeSlack
) -> None:
    """Four quiet weeks, then a win is logged before 10:00: the nudge is skipped, nothing sent."""
    at = T0 + FOUR_WEEKS
    assert plan_nudges(engine, at) == 1
    capture(engine, Actor(MENTEE), Kind.WIN, "Gave the demo", Target(), at + timedelta(minutes=5))
    report = run.tick(at + timedelta(hours=1))
    assert report.outcomes == {"skipped": 1} and report.reasons == {"back on track": 1}
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_nudge_that_cannot_be_delivered_tells_nobody_else(
    engine: Engine, pair: PairInfo, run: Dispatcher, fake_slack: FakeSlack
) -> None:
    """account_inactive on the mentee's nudge: failed, and the mentor is not warned about it."""
    overdue_milestone(engine)
    plan_nudges(engine, TUESDAY)
    fake_slack.fail_next("chat.postMessage", "account_inactive")
    run.tick(TUESDAY + timedelta(hours=1))
    run.tick(TUESDAY + timedelta(hours=2))
    assert [(r.status, r.reason) for r in nudge_rows(engine)] == [("failed", "account_inactive")]
    assert fake_slack.messages_in(MENTOR) == []
    with session_scope(engine) as session:
        assert session.exec(select(Delivery).where(Delivery.kind == "attention")).all() == []
        assert session.get(Pair, pair.id).attention is None

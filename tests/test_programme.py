"""The programme as coordinators see it: the aggregates and the pairs at risk of drift on a
programme built row by row under a frozen clock; its cost, the same few statements for 3 pairs
or 30; what a pair's members are shown of it; and the weekly digest, sent once."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, event
from sqlmodel import select

from bot.scheduler import _housekeeping
from bot.settings import Settings
from fakeslack import FakeSlack
from handlers.dashboard import build_home
from handlers.kit import SECTION_CHARS, VIEW_BLOCKS
from handlers.programme.blocks import digest_dm, programme_blocks, programme_csv
from mentoring import forgetting
from mentoring.digest import plan_digests, set_digest
from mentoring.errors import NotAllowed
from mentoring.model import Actor, Target
from mentoring.programme import (
    Fired,
    Meetings,
    RiskSignal,
    pair_visibility,
    programme,
)
from storage.db import session_scope
from storage.models import (
    AgendaItem,
    Delivery,
    Goal,
    Meeting,
    MeetingSchedule,
    Pair,
    Review,
    ReviewAnswer,
    Win,
)
from tests.conftest import flatten_text
from tests.support import (
    T0,
    FrozenClock,
    T,
    dispatcher,
    outside_work,
    pair_up,
    scan,
    schedule_meetings,
)

NOW = T(days=60)
COORDINATOR = Actor("UCOORD", is_coordinator=True)
SECRET = "Quietly interviewing elsewhere"


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def _meetings(session, pair_id: int, days_ago: list[float], status: str = "scheduled") -> None:  # type: ignore[no-untyped-def]
    for days in days_ago:
        start = ago(days)
        session.add(
            Meeting(
                pair_id=pair_id,
                number=int(1000 - days),
                local_date=start.date(),
                starts_at=start,
                status=status,
                created_at=T0,
            )
        )


def _review(session, pair_id: int, opened: float, answers: int, reason: str) -> None:  # type: ignore[no-untyped-def]
    review = Review(
        pair_id=pair_id,
        number=1,
        opens_at=ago(opened),
        closes_at=ago(opened - 7),
        status="closed",
        closed_at=ago(opened - 2),
        close_reason=reason,
        created_at=ago(opened),
    )
    session.add(review)
    session.flush()
    for n, (author, role) in enumerate([("UA", "mentee"), ("UB", "mentor")][:answers]):
        session.add(
            ReviewAnswer(
                review_id=review.id,
                author_id=author,
                role=role,
                stop=SECRET if n == 0 else None,
                submitted_at=ago(opened - 1),
                updated_at=ago(opened - 1),
            )
        )


def _goal(session, pair_id: int, number: int, closed: float | None) -> None:  # type: ignore[no-untyped-def]
    session.add(
        Goal(
            pair_id=pair_id,
            number=number,
            text=SECRET,
            status="done" if closed is not None else "open",
            created_by="UA",
            created_at=T0,
            closed_at=ago(closed) if closed is not None else None,
        )
    )


def build(engine: Engine) -> dict[str, int]:
    """A: healthy. B: drifting on every signal. C: paused. D: ended. Content is SECRET."""
    a = pair_up(engine, "UMA", "UEA", "CA").id
    b = pair_up(engine, "UMB", "UEB", "CB").id
    c = pair_up(engine, "UMC", "UEC", "CC").id
    schedule_meetings(engine, "weekly tue 15:00 UTC", mentee="UEC")
    d = pair_up(engine, "UMD", "UED", "CD").id
    with session_scope(engine) as session:
        _meetings(session, a, [7, 14, 21, 28, 35, 42, 49, 56])
        _meetings(session, a, [3], "skipped")
        _meetings(session, a, [-2])  # to come: not counted
        _meetings(session, b, [40, 47])
        _meetings(session, b, [26, 33], "skipped")
        _meetings(session, b, [19], "cancelled")
        session.add(AgendaItem(pair_id=a, author_id="UEA", text=SECRET, source="command",
                               created_at=ago(5)))  # fmt: skip
        session.add(Win(pair_id=a, author_id="UEA", text=SECRET, created_at=ago(2)))
        session.add(Win(pair_id=b, author_id="UEB", text=SECRET, created_at=ago(25)))
        _review(session, a, 30, 2, "both answered")
        _review(session, b, 30, 1, "seven days passed")
        _goal(session, a, 1, closed=10)
        _goal(session, a, 2, closed=None)
        _goal(session, b, 1, closed=100)
        _goal(session, b, 2, closed=None)
        schedule = session.get(MeetingSchedule, c)
        schedule.paused_until = (NOW + timedelta(days=10)).date()
        session.add(schedule)
        ended = session.get(Pair, d)
        ended.status, ended.ended_at = "ended", ago(20)
        session.add(ended)
    return {"a": a, "b": b, "c": c, "d": d}


@pytest.mark.both_backends
def test_the_programme_counts_pairs_meetings_reviews_and_goals(engine: Engine) -> None:
    """Active, paused and ended pairs; meetings held against planned over 30 and 90 days
    (skipped ones planned, cancelled and future ones not; C's first, before its pause, held);
    reviews closed on time; goals."""
    build(engine)
    seen = programme(engine, COORDINATOR, NOW)
    assert (seen.active, seen.paused, seen.ended) == (2, 1, 1)
    assert seen.meetings == (Meetings(30, planned=6, held=4), Meetings(90, planned=14, held=11))
    assert (seen.reviews_closed, seen.reviews_on_time) == (2, 1)
    assert (seen.goals_achieved, seen.goals_achieved_ever, seen.goals_open) == (1, 2, 2)


@pytest.mark.both_backends
def test_a_drifting_pair_is_listed_with_each_signal_since_when_and_one_action(
    engine: Engine,
) -> None:
    """B alone is at risk (A is healthy, C paused, D ended), by both people, every signal
    with the day it was last otherwise, and the suggestion of the first."""
    ids = build(engine)
    (risk,) = programme(engine, COORDINATOR, NOW).at_risk
    assert (risk.pair_id, risk.mentor_id, risk.mentee_id) == (ids["b"], "UMB", "UEB")
    assert risk.fired == (
        Fired(RiskSignal.NO_MEETING, ago(40)),
        Fired(RiskSignal.REVIEW_UNANSWERED, ago(30)),
        Fired(RiskSignal.NO_AGENDA, T0),  # never: since the pair began
        Fired(RiskSignal.NO_WIN, ago(25)),
    )
    assert "meeting time" in risk.suggestion


def test_a_signal_fires_after_21_days_not_before(engine: Engine) -> None:
    """A new pair with nothing yet is not at risk for 21 days; then three signals fire, each
    since the day it began."""
    pair_up(engine, "UMN", "UEN", "CN")
    assert programme(engine, COORDINATOR, T(days=20, hours=23)).at_risk == ()
    (risk,) = programme(engine, COORDINATOR, T(days=21)).at_risk
    assert [fired.signal for fired in risk.fired] == [
        RiskSignal.NO_MEETING,
        RiskSignal.NO_AGENDA,
        RiskSignal.NO_WIN,
    ]
    assert {fired.since for fired in risk.fired} == {T0}


def test_only_coordinators_see_the_programme(engine: Engine) -> None:
    """Anyone else, an admin or a member included, is refused."""
    build(engine)
    for actor in (Actor("UEA"), Actor("UADMIN", is_admin=True)):
        with pytest.raises(NotAllowed):
            programme(engine, actor, NOW)


def test_the_view_digest_and_csv_hold_no_content(engine: Engine) -> None:
    """Every text coordinators get — the Home's blocks, the digest, the CSV — has the two
    people and the signals, and nothing anyone wrote."""
    build(engine)
    seen = programme(engine, COORDINATOR, NOW)
    shown = [flatten_text({"blocks": programme_blocks(seen)}), flatten_text(digest_dm(seen))]
    table = programme_csv(seen, {"UMB": "maria", "UEB": "lee"})
    for text in (*shown, table):
        assert SECRET not in text
    assert "<@UMB> mentoring <@UEB>" in shown[0] and "no meeting held since" in shown[0]
    rows = list(csv.reader(io.StringIO(table)))
    assert ["meetings held", "4", "6", "30"] in rows
    assert [r[:6] for r in rows if r[:1] == ["UMB"]][0] == [
        "UMB", "maria", "UEB", "lee", "no meeting held", ago(40).date().isoformat()
    ]  # fmt: skip


def test_members_see_exactly_what_coordinators_see_of_their_pair(engine: Engine) -> None:
    """`/mentor visibility`'s figures are the programme's, narrowed to the pair; an outsider
    has no pair to ask about."""
    ids = build(engine)
    mine = pair_visibility(engine, Actor("UEB"), Target(), NOW).seen
    whole = programme(engine, COORDINATOR, NOW)
    assert mine.at_risk == tuple(r for r in whole.at_risk if r.pair_id == ids["b"])
    assert mine.meetings == (Meetings(30, 1, 0), Meetings(90, 4, 2))
    assert (mine.active, mine.reviews_closed, mine.reviews_on_time) == (1, 1, 0)


# Cost


def _drifting_pairs(engine: Engine, start: int, end: int) -> None:
    for n in range(start, end):
        pid = pair_up(engine, f"UM{n}", f"UE{n}", f"C{n}").id
        with session_scope(engine) as session:
            _meetings(session, pid, [40, 47])
            _meetings(session, pid, [26], "skipped")
            session.add(Win(pair_id=pid, author_id=f"UE{n}", text=SECRET, created_at=ago(25)))
            _review(session, pid, 30, 1, "seven days passed")
            _goal(session, pid, 1, closed=10)


def test_the_programme_costs_the_same_statements_for_3_pairs_as_for_30(engine: Engine) -> None:
    """Counted with an SQLAlchemy listener: no statement per pair."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    counts = []
    for start, end in ((0, 3), (3, 30)):
        _drifting_pairs(engine, start, end)
        event.listen(engine, "before_cursor_execute", record)
        try:
            seen = programme(engine, COORDINATOR, NOW)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert len(seen.at_risk) == end
        counts.append(len(statements))
        statements.clear()
    print("programme statements", counts)
    assert counts[0] == counts[1] <= 8  # seven queries and BEGIN on SQLite


# The weekly digest

SUNDAY = datetime(2027, 1, 24, 10, 0, tzinfo=T0.tzinfo)  # the Monday after: 25 January 2027
MONDAY_9 = datetime(2027, 1, 25, 9, 0, tzinfo=T0.tzinfo)


def _digests(engine: Engine) -> list[Delivery]:
    with session_scope(engine) as session:
        rows = list(session.exec(select(Delivery).where(Delivery.kind == "digest")).all())
        session.expunge_all()
        return rows


@pytest.mark.both_backends
def test_the_weekly_digest_is_planned_and_sent_once(
    engine: Engine, settings: Settings, fake_slack: FakeSlack
) -> None:
    """Asked for, it is planned a day ahead of Monday 09:00 by every housekeeping run, but
    once; two dispatchers passing again and again post it once, to the coordinator alone."""
    _drifting_pairs(engine, 0, 1)
    fake_slack.add_user("UCOORD", "cora")
    set_digest(engine, COORDINATOR, True, "UTC", SUNDAY)
    coordinators = frozenset({"UCOORD"})
    assert plan_digests(engine, SUNDAY - timedelta(hours=2), coordinators) == 0  # too early
    for hours in (0, 1, 5):
        _housekeeping(engine, FrozenClock(SUNDAY + timedelta(hours=hours)), None, coordinators)
    (row,) = _digests(engine)
    assert row.subject == "digest:UCOORD:2027-W04" and row.pair_id is None
    assert row.due_at == MONDAY_9
    first, second = dispatcher(engine, settings, "w1"), dispatcher(engine, settings, "w2")
    first.tick(MONDAY_9 - timedelta(minutes=1))
    assert fake_slack.messages_in("UCOORD") == []  # not before it is due
    for minutes in (0, 1, 2):
        for run in (first, second):
            run.tick(MONDAY_9 + timedelta(minutes=minutes))
    plan_digests(engine, MONDAY_9 + timedelta(hours=3), coordinators)
    (row,) = _digests(engine)
    assert row.status == "sent"
    posts = [c.args for c in fake_slack.calls_to("chat.postMessage") if c.ok]
    to_coordinator = [p for p in posts if p["channel"] == "UCOORD"]
    assert len(to_coordinator) == 1
    assert "Your programme this week" in to_coordinator[0]["text"]
    assert "<@UM0> mentoring <@UE0>" in flatten_text(to_coordinator[0])
    assert not any(SECRET in flatten_text(p) for p in posts)


def test_a_digest_turned_off_or_for_someone_no_longer_coordinating_is_not_sent(
    engine: Engine, settings: Settings, fake_slack: FakeSlack
) -> None:
    """Off skips the one planned; removed from MENTORBOT_COORDINATORS, the next planning skips
    theirs; either way nothing is posted."""
    set_digest(engine, COORDINATOR, True, "UTC", SUNDAY)
    set_digest(engine, Actor("UOTHER", is_coordinator=True), True, "UTC", SUNDAY)
    plan_digests(engine, SUNDAY, frozenset({"UCOORD", "UOTHER"}))
    set_digest(engine, COORDINATOR, False, "UTC", SUNDAY)
    plan_digests(engine, SUNDAY + timedelta(hours=1), frozenset({"UCOORD"}))
    assert {row.reason for row in _digests(engine)} == {
        "digest turned off",
        "no longer a coordinator",
    }
    assert dispatcher(engine, settings).tick(MONDAY_9).outcomes == {}
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_coordinators_home_stays_within_slacks_limits_however_many_drift(
    engine: Engine,
) -> None:
    """120 pairs at risk: the Home lists the first ten, counts the rest, keeps every section
    under 3,000 characters and the view under 100 blocks."""
    _drifting_pairs(engine, 0, 120)
    seen = programme(engine, COORDINATOR, NOW)
    home = build_home([], seen)
    assert len(home["blocks"]) <= VIEW_BLOCKS
    texts = [b["text"]["text"] for b in home["blocks"] if b["type"] == "section"]
    assert all(len(text) <= SECTION_CHARS for text in texts)
    shown = flatten_text(home)
    assert shown.count("mentoring <@") == 10 and "+110 more" in shown


def test_forgetting_a_coordinator_leaves_no_digest_or_choice_of_theirs(engine: Engine) -> None:
    """`/mentor forget me` from a coordinator deletes their digest choice and digests."""
    set_digest(engine, COORDINATOR, True, "Europe/Paris", SUNDAY)
    plan_digests(engine, SUNDAY, frozenset({"UCOORD"}))
    assert outside_work(scan(engine, ("UCOORD",))) != []
    forgetting.forget(engine, COORDINATOR, "UCOORD", "UCOORD", SUNDAY)
    assert outside_work(scan(engine, ("UCOORD",))) == []


def test_the_message_opening_a_pairs_channel_says_what_coordinators_see(engine: Engine) -> None:
    """Both members read, in their channel's first message, that coordinators see activity,
    not content, and how to see exactly what."""
    from handlers.pairing import pair_intro

    shown = flatten_text(pair_intro(pair_up(engine)))
    assert "coordinators see activity, not content" in shown
    assert "`/mentor visibility` shows exactly what they see" in shown

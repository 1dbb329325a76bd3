"""Meeting rules on a real database: rescheduling, prompt offsets, agenda and action items."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from mentoring.errors import InvalidInput, NoPair, NotAllowed
from mentoring.meetings import agenda, schedule
from mentoring.meetings.planning import plan_next_meeting
from mentoring.meetings.values import Offsets
from mentoring.model import Actor, PairInfo, Target
from storage.db import session_scope
from storage.models import Delivery, Meeting, MeetingSchedule
from tests.support import T0, pair_up, schedule_meetings

pytestmark = pytest.mark.both_backends

MENTOR, MENTEE = "UMENTOR", "UMENTEE"


def set_cadence(engine: Engine, text: str):
    return schedule_meetings(engine, text, default_tz="Europe/Berlin")


@pytest.fixture
def pair(engine: Engine) -> PairInfo:
    return pair_up(engine)


def rows(engine: Engine) -> list[tuple[int, str, str, str, str | None]]:
    with session_scope(engine) as session:
        numbers = {m.id: m.number for m in session.exec(select(Meeting)).all()}
        return sorted(
            (numbers[r.meeting_id], r.kind, r.audience, r.status, r.reason)
            for r in session.exec(select(Delivery)).all()
            if r.meeting_id is not None
        )


def test_setting_a_cadence_plans_the_first_meeting_and_its_four_prompts(
    engine: Engine, pair: PairInfo
) -> None:
    """One meeting, four planned prompts, and the next three meetings shown."""
    view = set_cadence(engine, "weekly tue 15:00")
    assert [m.starts_at for m in view.upcoming] == [
        datetime(2026, 11, 24, 14, tzinfo=UTC) + timedelta(weeks=n) for n in range(3)
    ]
    assert rows(engine) == [
        (1, "agenda", "channel", "planned", None),
        (1, "followup", "channel", "planned", None),
        (1, "prompt", "mentee", "planned", None),
        (1, "prompt", "mentor", "planned", None),
    ]


def test_rescheduling_cancels_the_planned_meeting_and_says_why(
    engine: Engine, pair: PairInfo
) -> None:
    """A new cadence replaces the upcoming meeting; its prompts end as skipped: rescheduled."""
    set_cadence(engine, "weekly tue 15:00")
    view = set_cadence(engine, "biweekly thu 9:30")
    assert view.upcoming[0].starts_at == datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
    assert {r[3:] for r in rows(engine) if r[0] == 1} == {("skipped", "rescheduled")}
    assert {r[3] for r in rows(engine) if r[0] == 2} == {"planned"}


def test_new_offsets_move_the_planned_prompts(engine: Engine, pair: PairInfo) -> None:
    """`/mentor prompts 2d 30m 90m` moves the next meeting's prompts with it."""
    set_cadence(engine, "weekly tue 15:00")
    offsets = Offsets(timedelta(days=2), timedelta(minutes=30), timedelta(minutes=90))
    schedule.set_offsets(engine, Actor(MENTOR), Target(), offsets, T0)
    start = datetime(2026, 11, 24, 14, tzinfo=UTC)
    with session_scope(engine) as session:
        due = {(r.kind, r.audience): r.due_at for r in session.exec(select(Delivery)).all()}
    assert due[("prompt", "mentor")] == start - timedelta(days=2)
    assert due[("agenda", "channel")] == start - timedelta(minutes=30)
    assert due[("followup", "channel")] == start + timedelta(minutes=90)
    with pytest.raises(InvalidInput):
        bad = Offsets(timedelta(hours=1), timedelta(hours=2), timedelta(hours=2))
        schedule.set_offsets(engine, Actor(MENTOR), Target(), bad, T0)


def test_agenda_items_wait_for_the_next_agenda_and_actions_are_numbered(
    engine: Engine, pair: PairInfo
) -> None:
    """Items are open until an agenda lists them; action numbers count up in the pair."""
    set_cadence(engine, "weekly tue 15:00")
    agenda.add_agenda_item(engine, Actor(MENTOR), Target(), "  Promotion   case ", T0)
    first = agenda.add_action(engine, Actor(MENTOR), Target(), "Write the abstract", None, T0)
    second = agenda.add_action(engine, Actor(MENTEE), Target(), "Intro", MENTOR, T0)
    view = agenda.agenda(engine, Actor(MENTEE), Target(), T0)
    assert [item.text for item in view.items] == ["Promotion case"]
    assert [(a.number, a.owner_id) for a in view.actions] == [(1, MENTEE), (2, MENTOR)]
    assert (first.action.number, second.action.number) == (1, 2)
    agenda.close_action(engine, Actor(MENTEE), Target(), 1, T0)
    assert [a.number for a in agenda.agenda(engine, Actor(MENTOR), Target(), T0).actions] == [2]
    with pytest.raises(InvalidInput):
        agenda.add_agenda_item(engine, Actor(MENTEE), Target(), "x" * 501, T0)


def test_outsiders_reach_no_meeting_of_the_pair(engine: Engine, pair: PairInfo) -> None:
    """Someone outside the pair can neither read nor change its meetings, even by id."""
    set_cadence(engine, "weekly tue 15:00")
    outsider = Actor("UOUTSIDER")
    with pytest.raises(NoPair):
        agenda.agenda(engine, outsider, Target(), T0)
    with pytest.raises(NoPair):
        schedule.skip_next(engine, outsider, Target(), T0)
    skipped = schedule.skip_next(engine, Actor(MENTOR), Target(), T0)
    with pytest.raises(NotAllowed):
        schedule.unskip(engine, outsider, skipped.id, T0)
    with pytest.raises(NotAllowed):
        agenda.add_action(engine, outsider, Target(pair_id=pair.id), "sneaky", None, T0)


def test_after_a_skip_the_agenda_speaks_of_the_meeting_that_will_take_place(
    engine: Engine, pair: PairInfo
) -> None:
    """T0 is Sat 21 Nov; weekly Tuesdays 15:00 Berlin. The 24th is skipped: `/agenda add` and
    `/agenda` name Tue 1 Dec (planned or not yet), never the skipped meeting, and the item
    waits for it; undoing the skip brings the 24th back."""
    set_cadence(engine, "weekly tue 15:00")
    skipped = schedule.skip_next(engine, Actor(MENTEE), Target(), T0)
    assert skipped.local_date.isoformat() == "2026-11-24"
    added = agenda.add_agenda_item(engine, Actor(MENTEE), Target(), "Talk abstract", T0)
    assert added.meeting is not None and added.meeting.local_date.isoformat() == "2026-12-01"
    assert added.meeting.status == "scheduled"
    view = agenda.agenda(engine, Actor(MENTOR), Target(), T0)
    assert view.meeting == added.meeting
    assert [item.text for item in view.items] == ["Talk abstract"]
    schedule.unskip(engine, Actor(MENTEE), skipped.id, T0)
    back = agenda.agenda(engine, Actor(MENTOR), Target(), T0)
    assert back.meeting is not None and back.meeting.local_date.isoformat() == "2026-11-24"


def test_a_monthly_cadence_is_stored_as_its_rule_and_plans_month_by_month(
    engine: Engine, pair: PairInfo
) -> None:
    """ "First Monday of the month" is kept as an RRULE; the next meeting planned after the
    first one starts is the first Monday of the month after, at the same wall-clock time."""
    view = set_cadence(engine, "first monday of the month at 10:00")
    firsts = [datetime(2026, 12, 7, 9, tzinfo=UTC), datetime(2027, 1, 4, 9, tzinfo=UTC)]
    assert [m.starts_at for m in view.upcoming] == [*firsts, datetime(2027, 2, 1, 9, tzinfo=UTC)]
    assert view.cadence is not None
    assert view.cadence.describe() == "Every month on the first Monday at 10:00 (Europe/Berlin)"
    with session_scope(engine) as session:
        stored = session.exec(select(MeetingSchedule)).one()
        assert stored.rule == "FREQ=MONTHLY;BYDAY=1MO"
        planned = plan_next_meeting(session, stored, firsts[0], firsts[0])
        assert (planned.local_date, planned.starts_at) == (date(2027, 1, 4), firsts[1])


def test_a_schedule_stored_before_rules_reads_as_weekly(engine: Engine, pair: PairInfo) -> None:
    """A row from before revision 0005 has no rule: its weeks and weekday still say when."""
    set_cadence(engine, "every other thursday 9:30")
    with session_scope(engine) as session:
        stored = session.exec(select(MeetingSchedule)).one()
        assert stored.rule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"
        stored.rule = None
        session.add(stored)
    shown = schedule.show_schedule(engine, Actor(MENTEE), Target(), T0)
    assert [m.local_date for m in shown.upcoming] == [
        date(2026, 11, 26),
        date(2026, 12, 10),
        date(2026, 12, 24),
    ]

"""Reviews: when they fall due, how answers are checked and saved, how they are reminded and
closed (with the injected clock), and what closing applies — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.settings import Settings
from fakeslack import FakeSlack
from handlers.reviews import messages as review_messages
from mentoring import pairs
from mentoring.errors import InvalidInput, NotAllowed
from mentoring.goals import goal_history
from mentoring.meetings.schedule import pause, schedule_off, skip_next
from mentoring.milestones import add_milestone
from mentoring.model import Actor, GoalStatus, Target
from mentoring.reviews.answers import (
    ReviewFieldErrors,
    ReviewReplyFiled,
    parse_stop_start_continue,
    save_page,
)
from mentoring.reviews.cadence import NextReview, next_reviews_in, parse_every
from mentoring.reviews.closing import commitment_lines
from mentoring.reviews.planning import set_review_cadence, start_review_now
from mentoring.reviews.questionnaire import questionnaire
from mentoring.reviews.summary import last_summary
from outbox import Dispatcher
from storage import repositories as repo
from storage.db import session_scope
from storage.models import (
    Commitment,
    Delivery,
    Goal,
    GoalRevision,
    Meeting,
    Review,
    ReviewAnswer,
    ReviewFit,
)
from tests.conftest import MENTEE, MENTOR, PAIR_CHANNEL
from tests.support import T0, dispatcher, pair_up, schedule_meetings

pytestmark = pytest.mark.both_backends

START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # weekly tue 15:00 Berlin, from T0
SSC = {"stop": "Skipping prep", "start": "Bringing a draft", "continue": "Weekly mock talks"}


def _goal(engine: Engine, text: str = "Give a talk at PyCon US by May 2027") -> int:
    from mentoring.capture import Kind, capture

    added = capture(engine, Actor(MENTEE), Kind.GOAL, text, Target(), T0)
    return added.goal.id


def _rows(engine: Engine, review_id: int) -> dict[tuple[str, str], Delivery]:
    with session_scope(engine) as session:
        rows = session.exec(select(Delivery).where(Delivery.review_id == review_id)).all()
    return {(row.kind, row.audience): row for row in rows}


def _reviews(engine: Engine) -> list[Review]:
    with session_scope(engine) as session:
        return list(session.exec(select(Review).order_by(Review.number)).all())


def _weekly_with_a_review(engine: Engine, settings: Settings) -> tuple[Dispatcher, Review]:
    """A pair meeting weekly from 24 Nov with reviews every week: after the first meeting's
    pass, review 1 is planned for the hour after the meeting of 1 Dec."""
    pair_up(engine, channel=PAIR_CHANNEL)
    schedule_meetings(engine, "weekly tue 15:00 Europe/Berlin")
    set_review_cadence(engine, Actor(MENTOR), Target(), 1, T0)
    run = dispatcher(engine, settings)
    run.tick(START)
    (planned,) = _reviews(engine)
    return run, planned


def _answer_all(engine: Engine, user: str, review_id: int, now: datetime, **extra) -> None:
    """Answer every page of `user`'s questionnaire with plausible values."""
    form = questionnaire(engine, Actor(user), review_id, now)
    for page in form.pages:
        values: dict[str, object] = dict(SSC)
        if page.startswith("audit:"):
            for entry in form.audit_page(page):
                values[f"item:goal:{entry.goal.id}"] = "on_track"
                for milestone in entry.milestones:
                    values[f"item:milestone:{milestone.id}"] = "done"
        if page == "evidence":
            values["evidence"] = [str(form.wins[0].id)]
        if page.startswith("goalpost:"):
            for goal in form.goalpost_page(page):
                values[f"decision:{goal.id}"] = "keep"
        if page.startswith("checkin:"):
            values |= {f"checkin:{c.id}": "yes" for c in form.checkin_page(page)}
        values |= {"fit_score": "4"} | extra
        save_page(engine, Actor(user), review_id, page, values, now)


def test_cadence_words() -> None:
    """Weeks and months read as weeks; off is None; nonsense and extremes are refused."""
    assert parse_every(["every", "6", "weeks"]) == 6
    assert parse_every(["every", "2", "months"]) == 8
    assert parse_every(["monthly"]) == 4 and parse_every(["off"]) is None
    for words in (["every", "0", "weeks"], ["every", "27", "weeks"], ["sometimes"]):
        with pytest.raises(InvalidInput):
            parse_every(words)


def test_the_default_cadence_reviews_an_hour_after_the_meeting_four_weeks_on(
    engine: Engine, settings: Settings, fake_slack: FakeSlack
) -> None:
    """Weekly meetings from 24 Nov and the default of 4 weeks: review 1 follows the meeting of
    22 Dec (the first at least four weeks after pairing), at 15:00 UTC; nothing before."""
    pair_up(engine, channel=PAIR_CHANNEL)
    schedule_meetings(engine, "weekly tue 15:00 Europe/Berlin")
    run = dispatcher(engine, settings)
    for week in range(4):
        run.tick(START + timedelta(weeks=week))
    (review,) = _reviews(engine)
    assert review.opens_at == START + timedelta(weeks=4, hours=1)
    assert review.closes_at == review.opens_at + timedelta(days=7)
    rows = _rows(engine, review.id)
    assert set(rows) == {
        ("review", "channel"),
        ("review", "mentor"),
        ("review", "mentee"),
        ("reminder", "mentor"),
        ("reminder", "mentee"),
        ("summary", "channel"),
    }
    assert rows[("reminder", "mentee")].due_at == review.opens_at + timedelta(days=2)
    assert rows[("summary", "channel")].due_at == review.closes_at


def test_changing_the_cadence_replans_and_off_stops_reviews(engine: Engine) -> None:
    """`every 1 week` brings the next review to the next meeting; `off` cancels the planned
    one and plans no more."""
    pair_up(engine, channel=PAIR_CHANNEL)
    schedule_meetings(engine, "weekly tue 15:00 Europe/Berlin")
    now = T0 + timedelta(days=2)
    with pytest.raises(InvalidInput):
        parse_every(["every"])
    shown = set_review_cadence(engine, Actor(MENTOR), Target(), 1, now)
    assert shown.every_weeks == 1 and shown.upcoming is None  # 24 Nov is under a week on
    set_review_cadence(engine, Actor(MENTOR), Target(), None, now)
    assert _reviews(engine) == []
    started = start_review_now(engine, Actor(MENTEE), Target(), now)
    off = set_review_cadence(engine, Actor(MENTOR), Target(), None, now)
    assert off.upcoming is not None and off.upcoming.id == started.review.id  # open: carries on


def test_review_now_once_at_a_time(engine: Engine) -> None:
    """`/review now` opens at once; a second one while it is open is refused with a pointer."""
    pair_up(engine, channel=PAIR_CHANNEL)
    started = start_review_now(engine, Actor(MENTEE), Target(), T0)
    assert started.review.number == 1 and started.review.opens_at == T0
    with pytest.raises(InvalidInput, match="already open"):
        start_review_now(engine, Actor(MENTOR), Target(), T0 + timedelta(hours=1))


def test_one_reminder_to_whoever_has_not_answered_then_closing_with_whoever_did(
    engine: Engine, settings: Settings, fake_slack: FakeSlack
) -> None:
    """Day 0: post and two DMs. Day 2: one reminder, to the mentor (the mentee answered).
    Day 7: the summary, closed "seven days passed", naming who didn't answer; nothing more."""
    pair_up(engine, channel=PAIR_CHANNEL)
    _goal(engine)
    review = start_review_now(engine, Actor(MENTEE), Target(), T0).review
    run = dispatcher(engine, settings)
    run.tick(T0)
    assert len(fake_slack.messages_in(MENTOR)) == len(fake_slack.messages_in(MENTEE)) == 1
    _answer_all(engine, MENTEE, review.id, T0 + timedelta(hours=5))
    run.tick(T0 + timedelta(days=2) - timedelta(minutes=1))
    assert len(fake_slack.messages_in(MENTOR)) == 1
    run.tick(T0 + timedelta(days=2))
    assert "A reminder" in fake_slack.messages_in(MENTOR)[-1]["text"]
    assert len(fake_slack.messages_in(MENTEE)) == 1
    assert _rows(engine, review.id)[("reminder", "mentee")].reason == "already answered"
    run.tick(T0 + timedelta(days=6))
    assert _reviews(engine)[0].status == "open"
    run.tick(T0 + timedelta(days=7))
    (closed,) = _reviews(engine)
    assert (closed.status, closed.close_reason) == ("closed", "seven days passed")
    summary = str([m for m in fake_slack.messages_in(PAIR_CHANNEL) if ": summary" in m["text"]])
    assert "Review 1: summary" in summary and "No answer from <@UMENTOR>" in summary
    posts = len(fake_slack.messages_in(PAIR_CHANNEL))
    run.tick(T0 + timedelta(days=9))
    assert len(fake_slack.messages_in(PAIR_CHANNEL)) == posts
    with pytest.raises(InvalidInput, match="has closed"):
        questionnaire(engine, Actor(MENTOR), review.id, T0 + timedelta(days=8))


def test_a_review_whose_invitations_never_went_out_is_called_off_with_the_reason(
    engine: Engine, settings: Settings, fake_slack: FakeSlack
) -> None:
    """Down for the whole week a review was open: no invitation went out, so the channel hears
    it was called off and why, not "Nobody answered"; the number is free for the next one."""
    pair_up(engine, channel=PAIR_CHANNEL)
    _goal(engine)
    review = start_review_now(engine, Actor(MENTEE), Target(), T0).review
    dispatcher(engine, settings).tick(T0 + timedelta(days=7))
    (called_off,) = _reviews(engine)
    assert called_off.status == "cancelled"
    assert called_off.close_reason == "its invitations were never sent while it was open"
    (post,) = fake_slack.messages_in(PAIR_CHANNEL)
    text = str(post)
    assert "called off" in text and "invitations were never sent" in text
    assert "Nobody answered" not in text and "summary" not in post["text"]
    assert not fake_slack.messages_in(MENTOR) and not fake_slack.messages_in(MENTEE)
    assert last_summary(engine, Actor(MENTEE), Target()) is None
    again = start_review_now(engine, Actor(MENTEE), Target(), T0 + timedelta(days=8)).review
    assert again.id != review.id and again.number == 1


def test_a_pair_ended_mid_review_closes_it_with_the_reason(
    engine: Engine, settings: Settings, fake_slack: FakeSlack
) -> None:
    """Ending the pair closes the review ("the mentorship ended"): no reminder, no summary,
    and nothing the review decided is applied."""
    pair = pair_up(engine, channel=PAIR_CHANNEL)
    _goal(engine)
    review = start_review_now(engine, Actor(MENTEE), Target(), T0).review
    run = dispatcher(engine, settings)
    run.tick(T0)
    _answer_all(engine, MENTEE, review.id, T0 + timedelta(hours=1))
    pairs.end_pair(engine, Actor(MENTOR), pair.id, T0 + timedelta(days=1))
    (closed,) = _reviews(engine)
    assert (closed.status, closed.close_reason) == ("closed", "the mentorship ended")
    posts = len(fake_slack.calls_to("chat.postMessage"))
    run.tick(T0 + timedelta(days=8))
    assert len(fake_slack.calls_to("chat.postMessage")) == posts
    rows = _rows(engine, review.id)
    assert {row.status for key, row in rows.items() if key[0] != "review"} == {"skipped"}
    with session_scope(engine) as session:
        assert session.exec(select(Commitment)).all() == []


def test_a_paused_pair_gets_no_review_while_away(
    engine: Engine, settings: Settings, fake_slack: FakeSlack
) -> None:
    """A review falling inside a pause is called off (with the reason), not sent."""
    pair_up(engine, channel=PAIR_CHANNEL)
    schedule_meetings(engine, "weekly tue 15:00 Europe/Berlin")
    set_review_cadence(engine, Actor(MENTOR), Target(), 1, T0)
    pause(engine, Actor(MENTEE), Target(), date(2026, 12, 20), T0)
    run = dispatcher(engine, settings)
    run.tick(START)
    run.tick(START + timedelta(weeks=1, hours=1))
    (review,) = _reviews(engine)
    assert review.status == "cancelled" and "paused until 2026-12-20" in review.close_reason
    assert fake_slack.messages_in(PAIR_CHANNEL) == []


def test_pages_check_their_fields_and_a_second_submission_updates_the_answer(
    engine: Engine,
) -> None:
    """Errors by field and nothing saved; a behind item needs a note; submitting again
    updates the one answer row."""
    pair_up(engine, channel=PAIR_CHANNEL)
    goal_id = _goal(engine)
    add_milestone(engine, Actor(MENTEE), Target(), 1, "Submit the proposal by 2027-01-15", T0)
    review = start_review_now(engine, Actor(MENTEE), Target(), T0).review
    form = questionnaire(engine, Actor(MENTEE), review.id, T0)
    assert form.pages == ("audit:0", "ssc", "goalpost:0", "fit")  # no wins: no evidence page
    milestone_id = form.audit[0].milestones[0].id
    with pytest.raises(ReviewFieldErrors) as refused:
        save_page(
            engine,
            Actor(MENTEE),
            review.id,
            0,
            {f"item:goal:{goal_id}": "behind:skill_gap", f"item:milestone:{milestone_id}": "?"},
            T0,
        )
    assert set(refused.value.errors) == {f"note:{goal_id}", f"item:milestone:{milestone_id}"}
    with session_scope(engine) as session:
        assert session.exec(select(ReviewAnswer)).all() == []
    with pytest.raises(ReviewFieldErrors) as refused:
        save_page(engine, Actor(MENTEE), review.id, 1, {"stop": "x", "start": " "}, T0)
    assert set(refused.value.errors) == {"start", "continue"}
    for text in ("First thoughts", "Second thoughts"):
        save_page(engine, Actor(MENTEE), review.id, 1, SSC | {"stop": text}, T0)
    with session_scope(engine) as session:
        (answer,) = session.exec(select(ReviewAnswer)).all()
    assert answer.stop == "Second thoughts" and answer.submitted_at is None
    with pytest.raises(ReviewFieldErrors) as refused:
        save_page(engine, Actor(MENTEE), review.id, 3, {"fit_score": "9"}, T0)
    assert set(refused.value.errors) == {"fit_score"}


def test_others_cannot_open_or_save_and_the_mentor_never_sees_the_fit(engine: Engine) -> None:
    """An outsider is refused outright; the mentor's form is check-ins and Stop/Start/Continue
    only, so a forged fit page from the mentor is out of date and stores nothing."""
    pair_up(engine, channel=PAIR_CHANNEL)
    _goal(engine)
    review = start_review_now(engine, Actor(MENTEE), Target(), T0).review
    for who in (Actor("UOUTSIDER"), Actor("UADMIN", is_admin=True)):
        with pytest.raises(NotAllowed):
            questionnaire(engine, who, review.id, T0)
        with pytest.raises(NotAllowed):
            save_page(engine, who, review.id, 0, SSC, T0)
    assert questionnaire(engine, Actor(MENTOR), review.id, T0).pages == ("ssc",)
    with pytest.raises(InvalidInput, match="out of date"):
        save_page(engine, Actor(MENTOR), review.id, 3, {"fit_score": "1"}, T0)
    with session_scope(engine) as session:
        assert session.exec(select(ReviewFit)).all() == []
        assert session.exec(select(ReviewAnswer)).all() == []


def test_closing_applies_pivots_as_history_and_turns_start_and_stop_into_commitments(
    engine: Engine, settings: Settings, fake_slack: FakeSlack
) -> None:
    """A pivot keeps the goal's id (its milestones stay) and records the old wording and the
    reason; "achieved" closes a goal; each Start/Stop line is a commitment; the next review
    asks about them and records the outcome."""
    pair_up(engine, channel=PAIR_CHANNEL)
    talk, other = _goal(engine), _goal(engine, "Lead the billing migration by March 2027")
    add_milestone(engine, Actor(MENTEE), Target(), 2, "Write the plan by 2027-01-10", T0)
    review = start_review_now(engine, Actor(MENTEE), Target(), T0).review
    pivot = {
        f"decision:{talk}": "achieved",
        f"decision:{other}": "pivot",
        f"pivot:{other}": "Lead the platform migration by June 2027",
        f"why:{other}": "Billing moved teams",
    }
    _answer_all(engine, MENTEE, review.id, T0, **pivot, start="Draft early\n- Ask for help")
    _answer_all(engine, MENTOR, review.id, T0, stop="nothing")
    dispatcher(engine, settings).tick(T0 + timedelta(minutes=1))  # both answered: summary now
    (closed,) = _reviews(engine)
    assert closed.close_reason == "both answered"
    with session_scope(engine) as session:
        goals = {g.id: g for g in session.exec(select(Goal)).all()}
        (revision,) = session.exec(select(GoalRevision)).all()
        commitments = session.exec(select(Commitment).order_by(Commitment.id)).all()
    assert goals[talk].status == "done"
    assert (goals[other].text, goals[other].due_on) == (
        "Lead the platform migration",
        date(2027, 6, 30),
    )
    assert (revision.goal_id, revision.old_text) == (
        other,
        "Lead the billing migration",
    )
    assert [(c.owner_id, c.kind, c.text) for c in commitments] == [
        (MENTEE, "start", "Draft early"),
        (MENTEE, "start", "Ask for help"),
        (MENTEE, "stop", "Skipping prep"),
        (MENTOR, "start", "Bringing a draft"),
    ]
    history = goal_history(engine, Actor(MENTOR), Target(), 2)
    assert [r.reason for r in history.revisions] == ["Billing moved teams"]
    summary = last_summary(engine, Actor(MENTOR), Target())
    assert summary is not None and [c.decision for c in summary.changes] == ["achieved", "pivot"]

    second = start_review_now(engine, Actor(MENTEE), Target(), T0 + timedelta(days=1)).review
    form = questionnaire(engine, Actor(MENTEE), second.id, T0 + timedelta(days=1))
    assert form.pages[0] == "checkin:0" and len(form.checkins) == 3
    _answer_all(engine, MENTEE, second.id, T0 + timedelta(days=1))
    _answer_all(engine, MENTOR, second.id, T0 + timedelta(days=1))
    dispatcher(engine, settings).tick(T0 + timedelta(days=1, minutes=1))
    with session_scope(engine) as session:
        checked = session.exec(select(Commitment).where(Commitment.review_id == closed.id)).all()
    assert {c.outcome for c in checked} == {"yes"}
    assert {c.checked_in_review_id for c in checked} == {second.id}


def test_stop_start_continue_lines_and_commitment_lines() -> None:
    """Labels in any case, "keep" for continue, continuation lines; "nothing" is no
    commitment."""
    parsed = parse_stop_start_continue(
        "Stop: late cancellations\nSTART - sharing drafts\n  earlier\nkeep: mock talks"
    )
    assert parsed == {
        "stop": "late cancellations",
        "start": "sharing drafts\nearlier",
        "continue": "mock talks",
    }
    assert parse_stop_start_continue("thanks, will do") == {}
    assert commitment_lines("- one\n• two\nNothing.\n\n") == ["one", "two"]


def test_the_next_review_for_the_home_in_three_queries(engine: Engine) -> None:
    """Expected by the cadence, planned, open (until it closes), and off — for several pairs
    in the same three statements."""
    from sqlalchemy import event

    first = pair_up(engine, channel=PAIR_CHANNEL)
    second = pair_up(engine, "UM2", "UE2", "C2")
    third = pair_up(engine, "UM3", "UE3", "C3")
    set_review_cadence(engine, Actor("UE3"), Target(), None, T0)
    start_review_now(engine, Actor("UE2"), Target(), T0)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with session_scope(engine) as session:
        rows = [repo.get_pair(session, p.id) for p in (first, second, third)]
        statements.clear()
        found = next_reviews_in(session, rows, T0 + timedelta(hours=1))
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 3
    assert found == {
        first.id: NextReview(T0 + timedelta(weeks=4), "expected"),
        second.id: NextReview(T0 + timedelta(days=7), "open"),
        third.id: None,
    }


def _meetings(engine: Engine) -> list[Meeting]:
    with session_scope(engine) as session:
        return list(session.exec(select(Meeting).order_by(Meeting.number)).all())


def test_a_review_moves_with_its_meeting_when_that_is_skipped_rescheduled_or_stopped(
    engine: Engine, settings: Settings, fake_slack: FakeSlack
) -> None:
    """Planned for the hour after a meeting: when the meeting is skipped the review waits for
    the next one (keeping its number and moving its messages); a new schedule takes it along;
    no schedule calls it off."""
    run, review = _weekly_with_a_review(engine, settings)
    assert review.opens_at == START + timedelta(weeks=1, hours=1)

    skip_next(engine, Actor(MENTEE), Target(), START + timedelta(days=1))
    run.tick(START + timedelta(weeks=1))  # the skipped meeting's hour: meeting 3 is planned
    (review,) = _reviews(engine)
    assert (review.number, review.opens_at) == (1, START + timedelta(weeks=2, hours=1))
    assert review.meeting_id == _meetings(engine)[-1].id
    rows = _rows(engine, review.id)
    assert rows[("review", "channel")].due_at == review.opens_at
    assert rows[("reminder", "mentee")].due_at == review.opens_at + timedelta(days=2)
    assert rows[("summary", "channel")].expires_at == review.closes_at + timedelta(days=1)
    run.tick(START + timedelta(weeks=1, hours=1))  # when it would have opened: nothing
    assert fake_slack.messages_in(PAIR_CHANNEL) == []

    now = START + timedelta(weeks=1, hours=2)
    schedule_meetings(engine, "weekly thu 10:00 Europe/Berlin", now=now)
    (review,) = _reviews(engine)
    thursday = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
    assert (review.number, review.opens_at) == (1, thursday + timedelta(hours=1))

    schedule_off(engine, Actor(MENTOR), Target(), now)
    (review,) = _reviews(engine)
    assert (review.status, review.close_reason) == ("cancelled", "schedule turned off")
    assert {row.status for row in _rows(engine, review.id).values()} == {"skipped"}
    assert start_review_now(engine, Actor(MENTEE), Target(), now).review.number == 1


def test_a_shorter_cadence_or_reviews_back_on_plan_one_for_the_next_meeting(
    engine: Engine, settings: Settings
) -> None:
    """With a meeting planned and no review due under 4 weeks, `every 1 week` plans one for
    that meeting; `off` calls it off; `on` again plans it afresh with the same number."""
    pair_up(engine, channel=PAIR_CHANNEL)
    schedule_meetings(engine, "weekly tue 15:00 Europe/Berlin")
    dispatcher(engine, settings).tick(START)  # meeting 2 on 1 Dec: not four weeks on yet
    assert _reviews(engine) == []
    now = START + timedelta(hours=2)
    shown = set_review_cadence(engine, Actor(MENTOR), Target(), 1, now)
    assert shown.upcoming is not None
    assert (shown.upcoming.number, shown.upcoming.opens_at) == (
        1,
        START + timedelta(weeks=1, hours=1),
    )
    assert set_review_cadence(engine, Actor(MENTOR), Target(), None, now).upcoming is None
    again = set_review_cadence(engine, Actor(MENTEE), Target(), 2, now)
    assert again.upcoming is None  # two weeks from pairing is not by 1 Dec
    back = set_review_cadence(engine, Actor(MENTEE), Target(), 1, now)
    assert back.upcoming is not None and back.upcoming.number == 1


def test_review_now_brings_a_planned_review_forward_keeping_its_number(
    engine: Engine, settings: Settings
) -> None:
    """A review planned for next week opens now instead: same review, same number, its
    messages due now."""
    _run, planned = _weekly_with_a_review(engine, settings)
    now = START + timedelta(hours=3)
    started = start_review_now(engine, Actor(MENTEE), Target(), now).review
    assert (started.id, started.number, started.opens_at) == (planned.id, 1, now)
    assert _rows(engine, planned.id)[("review", "mentor")].due_at == now
    assert len(_reviews(engine)) == 1


def test_every_commitment_is_asked_about_in_one_review_only(
    engine: Engine, settings: Settings, fake_slack: FakeSlack
) -> None:
    """Commitments nobody checked in on are settled as unknown when their review closes: the
    summary says "not answered", and the review after does not ask again."""
    pair_up(engine, channel=PAIR_CHANNEL)
    _goal(engine)
    first = start_review_now(engine, Actor(MENTEE), Target(), T0).review
    _answer_all(engine, MENTEE, first.id, T0)
    _answer_all(engine, MENTOR, first.id, T0)
    run = dispatcher(engine, settings)
    run.tick(T0 + timedelta(minutes=1))
    day = T0 + timedelta(days=1)
    second = start_review_now(engine, Actor(MENTEE), Target(), day).review
    assert questionnaire(engine, Actor(MENTOR), second.id, day).pages == ("checkin:0", "ssc")
    run.tick(day)  # review 2's invitations go out
    run.tick(day + timedelta(days=7))  # nobody answered review 2
    with session_scope(engine) as session:
        made = session.exec(select(Commitment).where(Commitment.review_id == first.id)).all()
    assert {(c.outcome, c.checked_in_review_id) for c in made} == {("unknown", second.id)}
    summary = last_summary(engine, Actor(MENTEE), Target())
    assert summary is not None and summary.review.number == 2
    text = str(review_messages.summary_message(summary))
    assert "said they would start: Bringing a draft — *not answered*" in text
    later = day + timedelta(days=8)
    third = start_review_now(engine, Actor(MENTEE), Target(), later).review
    assert questionnaire(engine, Actor(MENTOR), third.id, later).pages == ("ssc",)


def test_more_commitments_than_a_page_holds_are_checked_over_two_pages(engine: Engine) -> None:
    """40 open commitments: two check-in pages of 30 and 10; every answer is kept and the form
    completes after Stop/Start/Continue."""
    pair = pair_up(engine, channel=PAIR_CHANNEL)
    earlier = start_review_now(engine, Actor(MENTEE), Target(), T0).review
    with session_scope(engine) as session:
        session.add_all(
            Commitment(
                pair_id=pair.id,
                review_id=earlier.id,
                owner_id=MENTOR,
                kind="start",
                text=f"Thing {n}",
                created_at=T0,
            )
            for n in range(40)
        )
    now = T0 + timedelta(hours=1)
    form = questionnaire(engine, Actor(MENTOR), earlier.id, now)
    assert form.pages == ("checkin:0", "checkin:1", "ssc")
    assert [len(form.checkin_page(page)) for page in form.pages[:2]] == [30, 10]
    for page in form.pages[:2]:
        answers = {f"checkin:{c.id}": "partly" for c in form.checkin_page(page)}
        assert save_page(engine, Actor(MENTOR), earlier.id, page, answers, now).next_page
    done = save_page(engine, Actor(MENTOR), earlier.id, "ssc", SSC, now)
    assert done.complete
    with session_scope(engine) as session:
        (answer,) = session.exec(select(ReviewAnswer)).all()
    assert set(answer.checkins.values()) == {"partly"}
    assert len(answer.checkins) == 40


def test_pages_are_saved_by_name_whatever_changed_while_the_form_was_open(engine: Engine) -> None:
    """A win logged while the Stop/Start/Continue page is open adds an evidence page before it,
    yet that page is saved as Stop/Start/Continue and the next is the goalposts; a goal closed
    while the goalposts are open is no longer asked about, and nothing typed is refused."""
    from mentoring.capture import Kind, capture
    from mentoring.goals import set_goal_status

    pair_up(engine, channel=PAIR_CHANNEL)
    first, second = _goal(engine), _goal(engine, "Lead the billing migration by March 2027")
    review = start_review_now(engine, Actor(MENTEE), Target(), T0).review
    form = questionnaire(engine, Actor(MENTEE), review.id, T0)
    assert form.pages == ("audit:0", "ssc", "goalpost:0", "fit")
    audit = {f"item:goal:{first}": "on_track", f"item:goal:{second}": "done"}
    save_page(engine, Actor(MENTEE), review.id, "audit:0", audit, T0)

    capture(engine, Actor(MENTEE), Kind.WIN, "Shipped the billing export", Target(), T0)
    saved = save_page(engine, Actor(MENTEE), review.id, "ssc", SSC, T0)
    now_form = questionnaire(engine, Actor(MENTEE), review.id, T0)
    assert now_form.pages == ("audit:0", "evidence", "ssc", "goalpost:0", "fit")
    assert saved.next_page is not None and now_form.pages[saved.next_page] == "goalpost:0"

    set_goal_status(engine, Actor(MENTEE), 2, GoalStatus.DONE, Target(), T0)
    decisions = {f"decision:{first}": "keep", f"decision:{second}": "drop"}
    saved = save_page(engine, Actor(MENTEE), review.id, "goalpost:0", decisions, T0)
    assert saved.next_page == 4 and not saved.complete
    with session_scope(engine) as session:
        (answer,) = session.exec(select(ReviewAnswer)).all()
    assert answer.stop == SSC["stop"] and answer.goalposts == {str(first): {"decision": "keep"}}


def test_stop_start_continue_by_dm_completes_only_what_is_left(
    engine: Engine, settings: Settings, fake_slack: FakeSlack
) -> None:
    """The mentor's DM reply completes their answer when there is nothing else to answer; with
    commitments to check in on, it is saved and the rest waits for the form. Over 2,000
    characters is refused and nothing is saved."""
    from mentoring import inbox

    pair_up(engine, channel=PAIR_CHANNEL)
    _goal(engine)
    run = dispatcher(engine, settings)
    first = start_review_now(engine, Actor(MENTEE), Target(), T0).review
    run.tick(T0)
    reply = "stop: Rescheduling late\nstart: Reading drafts\ncontinue: Weekly calls"
    filed = _dm_reply(engine, first.id, "Ev1", reply, T0 + timedelta(hours=1))
    assert isinstance(filed, ReviewReplyFiled) and filed.complete and not filed.more_in_form
    _answer_all(engine, MENTEE, first.id, T0 + timedelta(hours=1))
    run.tick(T0 + timedelta(hours=2))  # both answered: review 1 closes

    day = T0 + timedelta(days=1)
    second = start_review_now(engine, Actor(MENTEE), Target(), day).review
    run.tick(day)
    too_long = _dm_reply(engine, second.id, "Ev2", "stop: " + "x" * 2001, day)
    assert isinstance(too_long, inbox.Refused) and "2,001 characters" in str(too_long.error)
    filed = _dm_reply(engine, second.id, "Ev3", reply, day)
    assert isinstance(filed, ReviewReplyFiled)
    assert filed.more_in_form and not filed.complete and filed.missing == ()
    with session_scope(engine) as session:
        answer = session.exec(select(ReviewAnswer).where(ReviewAnswer.review_id == second.id)).one()
    assert answer.submitted_at is None and answer.stop == "Rescheduling late"
    form = questionnaire(engine, Actor(MENTOR), second.id, day)
    checkins = {f"checkin:{c.id}": "yes" for c in form.checkin_page("checkin:0")}
    save_page(engine, Actor(MENTOR), second.id, "checkin:0", checkins, day)
    filed = _dm_reply(engine, second.id, "Ev4", "continue: Weekly calls, and a monthly walk", day)
    assert isinstance(filed, ReviewReplyFiled) and filed.complete


def _dm_reply(engine: Engine, review_id: int, event_id: str, text: str, now: datetime):
    """The mentor's reply in the thread of their review DM, as the inbox files it."""
    from mentoring import inbox

    with session_scope(engine) as session:
        row = session.exec(
            select(Delivery).where(
                Delivery.review_id == review_id,
                Delivery.kind == "review",
                Delivery.audience == "mentor",
            )
        ).one()
        channel, ts = row.channel, row.ts
    assert channel is not None and ts is not None
    event = {"type": "message", "channel": channel, "thread_ts": ts, "text": text}
    inbox.record_delivery(engine, event_id, "message", event, now)
    return inbox.apply_reply(engine, event_id, Actor(MENTOR), channel, ts, text, now)


def test_ending_a_pair_calls_off_a_review_that_had_not_opened(
    engine: Engine, settings: Settings
) -> None:
    """A planned review is cancelled, not closed: `/review` and the history never show an
    empty "summary" for it."""
    _run, planned = _weekly_with_a_review(engine, settings)
    pairs.end_pair(engine, Actor(MENTOR), planned.pair_id, START + timedelta(days=1))
    (review,) = _reviews(engine)
    assert (review.status, review.close_reason) == ("cancelled", "the mentorship ended")
    assert last_summary(engine, Actor(MENTEE), Target(pair_id=planned.pair_id)) is None


def test_a_review_stays_with_a_meeting_that_went_ahead(engine: Engine, settings: Settings) -> None:
    """In the hour between a meeting's start and its review, restating the cadence or turning
    the schedule off leaves that review where it is: only the meetings after it change."""
    run, planned = _weekly_with_a_review(engine, settings)
    held = planned.opens_at - timedelta(hours=1)
    run.tick(held)  # the meeting starts; the one after is planned
    set_review_cadence(engine, Actor(MENTOR), Target(), 1, held + timedelta(minutes=20))
    schedule_off(engine, Actor(MENTEE), Target(), held + timedelta(minutes=30))
    (review,) = _reviews(engine)
    assert (review.status, review.number, review.opens_at) == ("open", 1, planned.opens_at)
    assert _rows(engine, review.id)[("review", "channel")].status == "planned"


def test_a_review_waiting_on_a_skipped_meeting_follows_a_cadence_change(
    engine: Engine, settings: Settings
) -> None:
    """Reviews set to every 26 weeks while the planned one waits on a skipped meeting: it is
    called off when the next meeting is planned (and gives its number back), not moved."""
    run, _planned = _weekly_with_a_review(engine, settings)
    skip_next(engine, Actor(MENTEE), Target(), START + timedelta(days=1))
    set_review_cadence(engine, Actor(MENTOR), Target(), 26, START + timedelta(days=1))
    run.tick(START + timedelta(weeks=1))
    (review,) = _reviews(engine)
    assert (review.status, review.close_reason) == ("cancelled", "no longer due")
    later = START + timedelta(weeks=1, hours=2)
    assert start_review_now(engine, Actor(MENTEE), Target(), later).review.number == 1


def test_a_pause_stops_a_review_opening_but_not_one_under_way(
    engine: Engine, settings: Settings, fake_slack: FakeSlack
) -> None:
    """A review due during a pause is called off as it would open and gives its number back;
    one already open when the pause is set carries on to its reminder and summary."""
    run, planned = _weekly_with_a_review(engine, settings)
    pause(engine, Actor(MENTOR), Target(), date(2026, 12, 20), START + timedelta(hours=1))
    run.tick(planned.opens_at)
    (called_off,) = _reviews(engine)
    assert called_off.status == "cancelled" and called_off.number < 0

    pause(engine, Actor(MENTOR), Target(), None, planned.opens_at + timedelta(hours=1))
    now = planned.opens_at + timedelta(hours=2)
    review = start_review_now(engine, Actor(MENTEE), Target(), now).review
    assert review.number == 1
    run.tick(now)
    pause(engine, Actor(MENTOR), Target(), date(2027, 1, 20), now + timedelta(hours=1))
    run.tick(now + timedelta(days=2))
    assert "A reminder" in fake_slack.messages_in(MENTOR)[-1]["text"]
    run.tick(now + timedelta(days=7))
    assert [(r.number, r.status) for r in _reviews(engine)][-1] == (1, "closed")


def test_a_goal_that_slid_off_the_goalpost_pages_is_asked_about_at_the_end(
    engine: Engine,
) -> None:
    """Twelve goals over two goalpost pages; goal 1 is marked done while the first is open, so
    the second page starts at goal 12. The form doesn't finish at the fit page: it goes back to
    the page that now holds goal 11, and completes once that is answered."""
    from mentoring.goals import set_goal_status

    pair_up(engine, channel=PAIR_CHANNEL)
    goals = [_goal(engine, f"Give talk {n} at PyCon by May 2027") for n in range(1, 13)]
    review = start_review_now(engine, Actor(MENTEE), Target(), T0).review
    form = questionnaire(engine, Actor(MENTEE), review.id, T0)
    first_page = [goal.id for goal in form.goalpost_page("goalpost:0")]
    assert first_page == goals[:10]
    save_page(engine, Actor(MENTEE), review.id, "ssc", SSC, T0)
    set_goal_status(engine, Actor(MENTOR), 1, GoalStatus.DONE, Target(), T0)

    keep = {f"decision:{goal}": "keep" for goal in first_page}
    save_page(engine, Actor(MENTEE), review.id, "goalpost:0", keep, T0)
    form = questionnaire(engine, Actor(MENTEE), review.id, T0)
    assert [goal.id for goal in form.goalpost_page("goalpost:1")] == [goals[11]]
    save_page(engine, Actor(MENTEE), review.id, "goalpost:1", {f"decision:{goals[11]}": "keep"}, T0)
    audit = {f"item:goal:{goal}": "on_track" for goal in goals}
    save_page(engine, Actor(MENTEE), review.id, "audit:0", audit, T0)
    back = save_page(engine, Actor(MENTEE), review.id, "fit", {"fit_score": "4"}, T0)
    assert not back.complete and back.next_page is not None
    assert form.pages[back.next_page] == "goalpost:0"
    assert goals[10] in [goal.id for goal in form.goalpost_page("goalpost:0")]
    again = {f"decision:{goal.id}": "keep" for goal in form.goalpost_page("goalpost:0")}
    save_page(engine, Actor(MENTEE), review.id, "goalpost:0", again, T0)
    done = save_page(engine, Actor(MENTEE), review.id, "fit", {"fit_score": "4"}, T0)
    assert done.complete

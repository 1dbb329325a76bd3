"""The App Home: the dashboard builder on plain values, and over the wire the Home published
when opened, its buttons opening forms, the forms saving through the rules, and the Home drawn
again after each change."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event
from sqlmodel import select

import handlers  # noqa: F401  (registers every feature)
from fakeslack import validate_message, validate_view
from fakeslack.payloads import TEAM, event_callback
from handlers.dashboard import build_home
from handlers.goals import blocks as goal_blocks
from handlers.goals.blocks import GOAL_FORM
from handlers.goals.milestones import (
    MILESTONE_DONE_FORM,
    MILESTONE_DONE_FORM_PICK,
    MILESTONE_FORM,
    MILESTONE_FORM_DUE,
    MILESTONE_FORM_GOAL,
    MILESTONE_FORM_TEXT,
)
from handlers.meetings.agenda import AGENDA_FORM, AGENDA_FORM_TEXT
from handlers.routing import PAIR_FORMS
from handlers.wins.commands import WIN_FORM, WIN_FORM_GOAL, WIN_FORM_TEXT, WIN_FORM_WORKED
from mentoring import pairs
from mentoring.capture import Kind, capture
from mentoring.dashboard import FormContext, GoalProgress, NextMeeting, PairDashboard
from mentoring.meetings.agenda import ActionInfo
from mentoring.milestones import MilestoneInfo
from mentoring.model import Actor, GoalInfo, GoalStatus, PairInfo, Role, Target, WinInfo
from mentoring.pairs import create_pair
from mentoring.reviews.cadence import NextReview
from storage.db import session_scope
from storage.models import AgendaItem, Goal, Milestone, Win
from tests.conftest import (
    MENTEE,
    MENTOR,
    OUTSIDER,
    PAIR_CHANNEL,
    SECOND_MENTEE,
    Wire,
    flatten_text,
)
from tests.support import T0

PAIR = PairInfo(1, "T1", "UMENTOR", "UMENTEE", "C1", True, T0, None)
HUGE = "<!channel> & <b> 🚀 " + "x" * 6000


# The builder: plain values in, a view out


def _goal(number: int, text: str = "Give a talk") -> GoalInfo:
    return GoalInfo(number, 1, number, text, date(2027, 3, 31), GoalStatus.OPEN, T0, None)


def _board(role: Role = Role.MENTEE, **fields: object) -> PairDashboard:
    return replace(PairDashboard(PAIR, role), **fields)  # type: ignore[arg-type]


def _buttons(view: dict) -> list[str]:
    return [
        element["action_id"]
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_a_pair_shows_goals_with_progress_meetings_actions_wins_and_review() -> None:
    """Each part of the dashboard is drawn from its values, the other person's time in words."""
    meeting = NextMeeting(
        starts_at=datetime(2026, 11, 24, 14, tzinfo=UTC),
        skipped=None,
        paused_until=None,
        agenda_items=2,
        viewer_tz="America/New_York",
        other_tz="Europe/Berlin",
    )
    board = _board(
        goals=(GoalProgress(_goal(1), 1, 4), GoalProgress(_goal(2, "Write a post"), 0, 0)),
        open_goals=7,
        open_milestones=3,
        next_meeting=meeting,
        actions=(ActionInfo(9, 1, "UMENTEE", "Draft the outline", True, 1),),
        open_actions=1,
        wins=(WinInfo(4, 1, "UMENTEE", "Gave the talk", None, _goal(1), T0, "C1", None),),
        recent_wins=12,
        next_review=NextReview(datetime(2026, 12, 22, 15, tzinfo=UTC), "planned"),
    )
    view = build_home([board])
    shown = flatten_text(view)
    assert validate_view(view) == []
    assert "*<@UMENTOR> mentors you* in <#C1>" in shown
    assert "▰▰▱▱▱▱▱▱▱▱ 1/4 milestones" in shown and "no milestones yet" in shown
    assert "+5 more goals — `/goal list`" in shown
    stamp = int(meeting.starts_at.timestamp())
    assert f"<!date^{stamp}^{{date_short_pretty}} at {{time}}|Tue 24 Nov 2026, 09:00" in shown
    assert "for you · Tue 24 Nov, 15:00 Berlin for <@UMENTOR> · 2 agenda items" in shown
    assert "*1.* Draft the outline — <@UMENTEE>" in shown
    assert "*Wins in the last 30 days*: 12" in shown and "Gave the talk _(goal 1)_" in shown
    assert (
        f"*Next review*: <!date^{int(datetime(2026, 12, 22, 15, tzinfo=UTC).timestamp())}^" in shown
    )
    for state, words in (("open", "open now, until"), ("expected", "around")):
        later = replace(board, next_review=NextReview(meeting.starts_at, state))
        assert f"*Next review*: {words}" in flatten_text(build_home([later]))
    off = flatten_text(build_home([replace(board, next_review=None)]))
    assert "*Next review*: off (`/mentor review every 4 weeks` turns them on)" in off


def test_paused_and_unscheduled_pairs_say_so() -> None:
    """A pause shows its end date; a pair without a schedule shows how to set one."""
    paused = NextMeeting(
        datetime(2026, 12, 15, 14, tzinfo=UTC), None, date(2026, 12, 10), 0, "UTC", "UTC"
    )
    assert "Paused until Thu 10 December 2026" in flatten_text(
        build_home([_board(next_meeting=paused)])
    )
    assert "No meetings scheduled" in flatten_text(build_home([_board()]))


def test_buttons_follow_the_rules() -> None:
    """Wins are the mentee's to log; milestones need an open goal, and one to mark done."""
    mentee = _buttons(build_home([_board(open_goals=1, open_milestones=1)]))
    assert mentee == [
        "open_goal_form",
        "open_win_form",
        "open_milestone_form",
        "open_milestone_done_form",
        "open_agenda_form",
    ]
    mentor = _buttons(build_home([_board(Role.MENTOR)]))
    assert mentor == ["open_goal_form", "open_agenda_form"]


def test_a_heavy_home_stays_within_slacks_limits() -> None:
    """20 pairs with long goals, actions and wins: ≤ 100 blocks, each text ≤ 3000, the rest
    counted."""
    long_goal = GoalProgress(_goal(1, HUGE[:300]), 3, 10)
    board = _board(
        goals=(long_goal,) * 5,
        open_goals=30,
        actions=(ActionInfo(1, 1, "UMENTEE", HUGE, True, 1),) * 5,
        open_actions=40,
        wins=(WinInfo(1, 1, "UMENTEE", HUGE, HUGE, None, T0, "C1", None),) * 3,
        recent_wins=1000,
    )
    view = build_home([board] * 20 + [_board(pair=replace(PAIR, active=False, ended_at=T0))] * 30)
    assert validate_view(view) == [] and len(view["blocks"]) <= 100
    shown = flatten_text(view)
    assert "+7 more mentorships" in shown and "<!channel>" not in shown


def test_forms_fit_slacks_limits_with_many_goals() -> None:
    """Every form, with 150 open goals and milestones of long text, is a valid modal."""
    goals = tuple(_goal(n, HUGE[:300]) for n in range(1, 151))
    steps = tuple(MilestoneInfo(n, 1, n, HUGE[:300], None, False, 1) for n in range(1, 151))
    for role in Role:
        context = FormContext(PAIR, role, goals, steps)
        for form in PAIR_FORMS.values():
            view = form.view(context)
            assert validate_view(view) == [], (form.name, role)
            assert view["private_metadata"] == "1"
    empty = FormContext(PAIR, Role.MENTEE, (), ())
    assert "submit" not in PAIR_FORMS["milestone"].view(empty)
    assert "submit" not in PAIR_FORMS["milestone_done"].view(empty)


# Over the wire


def _opened(user: str, tab: str = "home") -> bytes:
    return event_callback(
        f"EvHome-{user}-{tab}",
        {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": tab},
    )


def _rows(wire: Wire, model: type) -> list:
    with session_scope(wire.services.engine) as session:
        return list(session.exec(select(model)).all())


def test_opening_home_publishes_the_dashboard(wire: Wire, paired) -> None:
    """Home shows the pair from the viewer's side, with its open goals."""
    wire.command("/goal", "Give a talk at a meetup by June 2027", user=MENTEE)
    wire.fake.reset_calls()
    assert wire.post(_opened(MENTOR), "application/json").status_code == 200
    (call,) = wire.fake.calls_to("views.publish")
    assert call.args["user_id"] == MENTOR and validate_view(call.args["view"]) == []
    shown = flatten_text(call.args["view"])
    assert f"You mentor <@{MENTEE}>" in shown and "Give a talk at a meetup" in shown
    assert "No meetings scheduled" in shown and "Next review*: around" in shown


def test_home_for_someone_without_a_pair_says_how_to_start(wire: Wire) -> None:
    """No pairs: the Home explains /mentor pair."""
    wire.post(_opened(OUTSIDER), "application/json")
    assert "/mentor pair @mentor @mentee" in flatten_text(wire.home_of(OUTSIDER))


def test_the_messages_tab_publishes_nothing(wire: Wire) -> None:
    """Opening the Messages tab is acknowledged and ignored."""
    assert wire.post(_opened(MENTEE, tab="messages"), "application/json").status_code == 200
    assert wire.fake.calls_to("views.publish") == []


def _goal_fields(outcome: str, due: str | None = None, evidence: str = "") -> dict:
    return {
        goal_blocks.GOAL_OUTCOME: {"type": "plain_text_input", "value": outcome},
        goal_blocks.GOAL_DUE: {"type": "datepicker", "selected_date": due},
        goal_blocks.GOAL_EVIDENCE: {"type": "plain_text_input", "value": evidence},
    }


def test_new_goal_from_the_home_is_coached_saved_and_shown(wire: Wire, paired) -> None:
    """New goal opens the form for the pair; a past date comes back inline and saves nothing;
    a good submission saves the goal, replies with the same coaching as /goal, and both
    members' Homes are published again showing it."""
    assert wire.click_home("open_goal_form", str(paired.id), user=MENTEE).status_code == 200
    (opened,) = wire.fake.calls_to("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == GOAL_FORM
    assert view["private_metadata"] == f"{paired.id} America/New_York"
    late = wire.submit(
        GOAL_FORM,
        _goal_fields("Give a talk", "2020-01-01"),
        user=MENTEE,
        private_metadata=str(paired.id),
    )
    assert late.json() == {
        "response_action": "errors",
        "errors": {goal_blocks.GOAL_DUE: "Pick a date in the future."},
    }
    assert _rows(wire, Goal) == []
    wire.fake.reset_calls()
    saved = wire.submit(
        GOAL_FORM,
        _goal_fields("Improve my skills"),
        user=MENTEE,
        private_metadata=str(paired.id),
    )
    assert saved.status_code == 200 and saved.text == ""
    assert [goal.text for goal in _rows(wire, Goal)] == ["Improve my skills"]
    reply = wire.fake.messages_in(MENTEE)[-1]
    assert "Goal 1 added" in flatten_text(reply) and "Make it specific" in flatten_text(reply)
    assert validate_message(reply) == []
    published = {call.args["user_id"] for call in wire.fake.calls_to("views.publish")}
    assert published == {MENTOR, MENTEE}
    assert "Improve my skills" in flatten_text(wire.home_of(MENTOR))


def _win_fields(what: str, goal: str | None = None, worked: str = "") -> dict:
    option = {"text": {"type": "plain_text", "text": goal}, "value": goal} if goal else None
    return {
        WIN_FORM_TEXT: {"type": "plain_text_input", "value": what},
        WIN_FORM_GOAL: {"type": "static_select", "selected_option": option},
        WIN_FORM_WORKED: {"type": "plain_text_input", "value": worked},
    }


def test_win_with_no_text_opens_the_form_which_checks_before_saving(wire: Wire, paired) -> None:
    """`/win` alone opens the Log win form with the pair's goals; an empty "what happened"
    comes back inline and nothing is saved or posted; a filled one is logged, linked, posted
    to the mentor and shown on the Home."""
    wire.command("/goal", "Give a talk at PyCon by May 2027", user=MENTEE)
    sent = wire.command("/win", "", user=MENTEE)
    assert sent.replies == []
    (opened,) = wire.fake.calls_to("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == WIN_FORM and validate_view(view) == []
    assert "1. Give a talk at PyCon" in flatten_text(view)
    posts = len(wire.fake.messages_in(PAIR_CHANNEL))
    empty = wire.submit(
        WIN_FORM, _win_fields("   "), user=MENTEE, private_metadata=view["private_metadata"]
    )
    assert empty.json() == {
        "response_action": "errors",
        "errors": {WIN_FORM_TEXT: "Say what happened."},
    }
    assert _rows(wire, Win) == [] and len(wire.fake.messages_in(PAIR_CHANNEL)) == posts
    wire.submit(
        WIN_FORM,
        _win_fields("Gave the talk", "1", "rehearsing twice"),
        user=MENTEE,
        private_metadata=view["private_metadata"],
    )
    (win,) = _rows(wire, Win)
    assert (win.text, win.worked, win.goal_id) == ("Gave the talk", "rehearsing twice", 1)
    assert "Gave the talk" in flatten_text(wire.fake.messages_in(PAIR_CHANNEL)[-1])
    assert "shared with" in wire.fake.messages_in(MENTEE)[-1]["text"]
    home = flatten_text(wire.home_of(MENTOR))
    assert "*Wins in the last 30 days*: 1" in home and "Gave the talk" in home


def test_goal_done_redraws_both_homes(wire: Wire, paired) -> None:
    """`/goal done 1` publishes both members' Homes again, without the achieved goal."""
    wire.command("/goal", "Give a talk at PyCon by May 2027", user=MENTEE)
    wire.fake.reset_calls()
    wire.command("/goal", "done 1", user=MENTOR)
    published = {call.args["user_id"] for call in wire.fake.calls_to("views.publish")}
    assert published == {MENTOR, MENTEE}
    assert "Give a talk at PyCon" not in flatten_text(wire.home_of(MENTEE))


def test_milestones_and_agenda_items_through_the_forms(wire: Wire, paired) -> None:
    """Add milestone, then Mark milestone done, then Add agenda item: each saved by the same
    rules as the commands, answered in a DM, and shown on the Home."""
    wire.command("/goal", "Give a talk at PyCon by May 2027", user=MENTEE)
    pair = str(paired.id)
    wire.click_home("open_milestone_form", pair, user=MENTOR)
    assert wire.fake.calls_to("views.open")[-1].args["view"]["callback_id"] == MILESTONE_FORM
    option = {"text": {"type": "plain_text", "text": "1."}, "value": "1"}
    wire.submit(
        MILESTONE_FORM,
        {
            MILESTONE_FORM_GOAL: {"type": "static_select", "selected_option": option},
            MILESTONE_FORM_TEXT: {"type": "plain_text_input", "value": "Submit the proposal"},
            MILESTONE_FORM_DUE: {"type": "datepicker", "selected_date": "2027-01-15"},
        },
        user=MENTOR,
        private_metadata=pair,
    )
    (step,) = _rows(wire, Milestone)
    assert (step.text, step.due_on) == ("Submit the proposal", date(2027, 1, 15))
    assert "Added milestone 1.1" in flatten_text(wire.fake.messages_in(MENTOR)[-1])
    assert "0/1 milestones" in flatten_text(wire.home_of(MENTEE))
    wire.click_home("open_milestone_done_form", pair, user=MENTEE)
    view = wire.fake.calls_to("views.open")[-1].args["view"]
    assert view["callback_id"] == MILESTONE_DONE_FORM
    (picked,) = view["blocks"][0]["element"]["options"]
    wire.submit(
        MILESTONE_DONE_FORM,
        {MILESTONE_DONE_FORM_PICK: {"type": "static_select", "selected_option": picked}},
        user=MENTEE,
        private_metadata=pair,
    )
    assert _rows(wire, Milestone)[0].status == "done"
    assert "1/1 milestones" in flatten_text(wire.home_of(MENTOR))
    wire.click_home("open_agenda_form", pair, user=MENTEE)
    assert wire.fake.calls_to("views.open")[-1].args["view"]["callback_id"] == AGENDA_FORM
    wire.submit(
        AGENDA_FORM,
        {AGENDA_FORM_TEXT: {"type": "plain_text_input", "value": "Feedback on my slides"}},
        user=MENTEE,
        private_metadata=pair,
    )
    assert [item.text for item in _rows(wire, AgendaItem)] == ["Feedback on my slides"]
    assert "Added to the agenda" in wire.fake.messages_in(MENTEE)[-1]["text"]


def test_a_mentor_cannot_log_a_win_from_a_replayed_button(wire: Wire, paired) -> None:
    """The mentor has no Log win button; a replayed one is refused in a DM, no form opens."""
    wire.click_home("open_win_form", str(paired.id), user=MENTOR)
    assert wire.fake.calls_to("views.open") == []
    assert "Wins are logged by the mentee" in wire.fake.messages_in(MENTOR)[-1]["text"]


def test_goal_alone_asks_which_pair_first_when_there_are_several(wire: Wire, paired) -> None:
    """In two mentorships, `/goal` in a DM offers one button per pair; each opens the form
    for its pair. Someone with no pair gets the usual message."""
    other = create_pair(
        wire.services.engine,
        Actor(MENTOR),
        team_id=TEAM,
        mentor_id=MENTOR,
        mentee_id=SECOND_MENTEE,
        channel_id="CSECOND",
        now=T0,
    )
    sent = wire.command("/goal", "", user=MENTOR, channel="DUMENTOR")
    assert validate_message(sent.reply) == [] and "Which one is a new goal for?" in sent.reply_text
    buttons = [block["accessory"] for block in sent.reply["blocks"] if "accessory" in block]
    assert sorted(b["value"] for b in buttons) == sorted([str(paired.id), str(other.id)])
    assert wire.fake.calls_to("views.open") == []
    chosen = next(b for b in buttons if b["value"] == str(other.id))
    wire.click(chosen["action_id"], chosen["value"], user=MENTOR)
    (opened,) = wire.fake.calls_to("views.open")
    assert opened.args["view"]["private_metadata"] == f"{other.id} Europe/Berlin"
    alone = wire.command("/goal", "", user=OUTSIDER, channel="DUOUTSIDER")
    assert "not in a mentorship" in alone.reply_text


@pytest.mark.parametrize("due", ["not-a-date", "2027-02-30"])
def test_a_forged_date_is_refused_inline(wire: Wire, paired, due: str) -> None:
    """A date that is no date comes back beside the field instead of failing the request."""
    answer = wire.submit(
        GOAL_FORM, _goal_fields("Give a talk", due), user=MENTEE, private_metadata=str(paired.id)
    )
    assert answer.json()["errors"] == {goal_blocks.GOAL_DUE: "Pick a date from the calendar."}


def test_summaries_use_the_same_number_of_queries_whatever_the_data(engine) -> None:
    """Three pairs with 30 goals and 100 wins each cost no more queries than one empty pair."""

    def count_queries(user: str) -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            pairs.summaries(engine, user, T0)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    pairs.create_pair(
        engine,
        Actor("ULIGHT"),
        team_id="T",
        mentor_id="UM0",
        mentee_id="ULIGHT",
        channel_id="C0",
        now=T0,
    )
    light = count_queries("ULIGHT")
    for n in range(3):
        mentor = f"UM{n + 1}"
        pairs.create_pair(
            engine,
            Actor("UHEAVY"),
            team_id="T",
            mentor_id=mentor,
            mentee_id="UHEAVY",
            channel_id=f"C{n + 1}",
            now=T0,
        )
        for g in range(30):
            capture(engine, Actor("UHEAVY"), Kind.GOAL, f"Goal {g}", Target(with_user=mentor), T0)
        for w in range(100):
            capture(engine, Actor("UHEAVY"), Kind.WIN, f"Win {w}", Target(with_user=mentor), T0)
    assert count_queries("UHEAVY") == light
    assert len(pairs.summaries(engine, "UHEAVY", T0)) == 3


def test_a_milestone_is_looked_up_in_the_forms_own_pair(wire: Wire, paired) -> None:
    """A label picked in one pair's form never reaches the same label in another pair."""
    other = create_pair(
        wire.services.engine,
        Actor(MENTOR),
        team_id=TEAM,
        mentor_id=MENTOR,
        mentee_id=SECOND_MENTEE,
        channel_id="CSECOND",
        now=T0,
    )
    wire.command("/goal", "Give a talk", user=MENTEE)
    wire.command("/goal", f"Write a post to <@{SECOND_MENTEE}>", user=MENTOR)
    wire.command("/goal", f"milestone 1 Outline it to <@{SECOND_MENTEE}>", user=MENTOR)
    option = {"text": {"type": "plain_text", "text": "1.1"}, "value": "1.1"}
    wire.submit(
        MILESTONE_DONE_FORM,
        {MILESTONE_DONE_FORM_PICK: {"type": "static_select", "selected_option": option}},
        user=MENTOR,
        private_metadata=str(paired.id),
    )
    assert "Goal 1 has no milestone 1" in wire.fake.messages_in(MENTOR)[-1]["text"]
    (step,) = _rows(wire, Milestone)
    assert step.pair_id == other.id and step.status == "open"


def _button(reply: dict, action_id: str) -> str:
    """The value of the button `action_id` in a reply (in an actions block or beside a section)."""
    elements = [
        element
        for block in reply.get("blocks", [])
        for element in block.get("elements", []) + [block.get("accessory") or {}]
    ]
    return next(e["value"] for e in elements if e.get("action_id") == action_id)


def test_a_home_that_cannot_be_drawn_never_undoes_or_hides_the_change(services, paired) -> None:
    """A dropped connection while publishing one member's Home is logged; the other member's
    Home is still published and nothing is raised to the flow that saved the change."""
    from urllib.error import URLError

    from handlers.dashboard import redraw_homes

    class FlakyClient:
        def __init__(self) -> None:
            self.published: list[str] = []

        def users_info(self, *, user: str) -> dict:
            return {"user": {"id": user, "tz": "Europe/Berlin"}}

        def views_publish(self, *, user_id: str, view: dict) -> None:
            if not self.published:
                self.published.append("dropped")
                raise URLError("connection reset")
            self.published.append(user_id)

    client = FlakyClient()
    redraw_homes(services.engine, services.clock, client, [paired.id])  # type: ignore[arg-type]
    assert client.published[0] == "dropped" and client.published[1] in {MENTOR, MENTEE}
    assert len(client.published) == 2


def test_the_next_meetings_agenda_count_survives_its_agenda_post(engine) -> None:
    """Items posted on the agenda an hour before still count for that meeting on the Home;
    items added after the post are counted with them, not lost."""
    from mentoring.dashboard import dashboard
    from mentoring.meetings.agenda import add_agenda_item
    from storage import meetings as meeting_store
    from tests.support import pair_up, schedule_meetings

    pair_up(engine, channel=PAIR_CHANNEL)
    schedule_meetings(engine, "weekly tue 15:00 Europe/Berlin")
    add_agenda_item(engine, Actor(MENTEE), Target(), "The proposal", T0)
    with session_scope(engine) as session:
        meeting = meeting_store.next_meeting(session, 1, T0)
        assert meeting is not None
        items = [item.id for item in meeting_store.open_agenda(session, 1)]
        meeting_store.stamp_agenda(session, items, meeting.id)
    add_agenda_item(engine, Actor(MENTOR), Target(pair_id=1), "Feedback on the draft", T0)
    (board,) = dashboard(engine, MENTEE, T0)
    assert board.next_meeting is not None and board.next_meeting.agenda_items == 2


def test_redraws_asked_for_during_a_drawing_are_one_more_drawing_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A burst of changes to one person's Home from several worker threads: each asks for a
    redraw, those that come while one is being drawn leave it to that thread, which draws once
    more when done (so the last drawing starts after the last change); another person's Home
    is drawn at once, alongside."""
    from handlers import dashboard as home

    drawing, release, drawn = threading.Event(), threading.Event(), []

    def draw(engine, clock, client, user_id, coordinators):  # type: ignore[no-untyped-def]
        drawn.append(user_id)
        if len(drawn) == 1:
            drawing.set()
            assert release.wait(10)

    monkeypatch.setattr(home, "_redraw_one", draw)
    redraws = home.HomeRedraws(None, None)  # type: ignore[arg-type]
    first = threading.Thread(target=redraws.person, args=(None, "ULEE"))
    first.start()
    assert drawing.wait(10)
    for _ in range(5):  # five more changes while the first drawing is under way
        redraws.person(None, "ULEE")  # type: ignore[arg-type]
    redraws.person(None, "USAM")  # type: ignore[arg-type]
    assert drawn == ["ULEE", "USAM"]  # the five returned at once; Sam's Home drawn meanwhile
    release.set()
    first.join(10)
    assert drawn == ["ULEE", "USAM", "ULEE"]  # one more drawing of Lee's, after the changes
    redraws.person(None, "ULEE")  # type: ignore[arg-type]
    assert drawn[-1] == "ULEE" and len(drawn) == 4  # nothing under way: drawn at once


def test_with_a_settling_time_a_burst_of_changes_is_one_drawing_a_home(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As a worker redraws: a Home is drawn `settle` seconds after the first change that asked
    for it, once for all the changes made meanwhile; a change after that drawing started is
    drawn again later; `flush` draws whatever still waits, at once."""
    from handlers import dashboard as home

    drawn: list[str] = []
    monkeypatch.setattr(home, "_redraw_one", lambda e, c, client, user, k: drawn.append(user))
    now = [100.0]
    redraws = home.HomeRedraws(
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        settle=1.0,
        monotonic=lambda: now[0],
        background=False,
    )
    for _ in range(50):  # fifty wins of Lee's, one after the other
        redraws.person(None, "ULEE")  # type: ignore[arg-type]
    now[0] = 100.5
    redraws.person(None, "USAM")  # type: ignore[arg-type]
    assert redraws.draw_due() == 101.0 and drawn == []  # nothing before its time
    now[0] = 101.0
    assert redraws.draw_due() == 101.5 and drawn == ["ULEE"]
    redraws.person(None, "ULEE")  # type: ignore[arg-type]  # a change after the drawing
    now[0] = 101.5
    assert redraws.draw_due() == 102.0 and drawn == ["ULEE", "USAM"]
    redraws.flush()
    assert drawn == ["ULEE", "USAM", "ULEE"] and redraws.draw_due() is None


def test_a_settling_home_is_drawn_by_its_own_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody calls `draw_due` in a worker: the redraws' own thread draws each Home when its
    time comes, and keeps doing so for later changes."""
    from handlers import dashboard as home

    drawn: list[str] = []
    each = threading.Semaphore(0)

    def draw(engine, clock, client, user_id, coordinators):  # type: ignore[no-untyped-def]
        drawn.append(user_id)
        each.release()

    monkeypatch.setattr(home, "_redraw_one", draw)
    redraws = home.HomeRedraws(None, None, settle=0.01)  # type: ignore[arg-type]
    for user in ("ULEE", "ULEE", "USAM"):
        redraws.person(None, user)  # type: ignore[arg-type]
    assert each.acquire(timeout=10) and each.acquire(timeout=10)
    redraws.person(None, "ULEE")  # type: ignore[arg-type]
    assert each.acquire(timeout=10)
    assert sorted(drawn[:2]) == ["ULEE", "USAM"] and drawn[2:] == ["ULEE"]
    assert not each.acquire(timeout=0.05)  # and nothing more

"""A pair's goals and wins are for the two of them: every surface refuses everyone else.

An outsider (and an admin, who may pair and unpair but not read) tries each command and each
button, with forged values, against a pair with a goal, a win and a kept note. Each attempt is
refused, the database is byte-for-byte unchanged, nothing is posted or uploaded in the pair's
channel, and no reply shows the pair's text.
"""

import json

import pytest
from sqlmodel import select

from handlers import pairing
from handlers.goals import blocks as goal_blocks
from handlers.goals import milestones as milestone_handlers
from handlers.meetings import agenda
from handlers.meetings import blocks as meeting_blocks
from handlers.reviews import messages as review_messages
from handlers.reviews import questionnaire as review_pages
from handlers.routing import PAIR_FORMS
from handlers.wins import blocks as win_blocks
from handlers.wins import commands as win_commands
from mentoring.model import Actor
from mentoring.reviews.answers import save_page
from mentoring.reviews.questionnaire import questionnaire
from storage.db import session_scope
from storage.models import (
    ActionItem,
    AgendaItem,
    Commitment,
    Delivery,
    Draft,
    Goal,
    GoalRevision,
    Meeting,
    MeetingSchedule,
    Milestone,
    Pair,
    Review,
    ReviewAnswer,
    ReviewFit,
    Win,
)
from tests.conftest import ADMIN, MENTEE, MENTOR, OUTSIDER, PAIR_CHANNEL, Wire, flatten_text
from tests.support import T0

SECRET_GOAL = "Negotiate a raise before my review"
SECRET_WIN = "Told my manager about the burnout"
SECRET_NOTE = "I am thinking about leaving"
SECRET_AGENDA = "How to tell my manager I want a transfer"
SECRET_ACTION = "Update my CV quietly"
SECRET_STEP = "Ask HR about the transfer policy"
SECRET_REVIEW = "Stop hiding how unhappy I am"
SECRET_FIT = "They have never managed anyone"


def _snapshot(wire: Wire) -> str:
    with session_scope(wire.services.engine) as session:
        rows = [
            row.model_dump(mode="json")
            for model in (
                Pair,
                Goal,
                Win,
                Draft,
                MeetingSchedule,
                Meeting,
                AgendaItem,
                ActionItem,
                Delivery,
                Milestone,
                Review,
                ReviewAnswer,
                ReviewFit,
                Commitment,
                GoalRevision,
            )
            for row in session.exec(select(model)).all()
        ]
    return json.dumps(rows, sort_keys=True)


@pytest.fixture
def private_pair(wire: Wire, paired) -> dict[str, str]:
    wire.command("/goal", SECRET_GOAL, user=MENTEE)
    wire.command("/win", f"{SECRET_WIN} #1", user=MENTEE)
    wire.dm("EvNote", SECRET_NOTE, user=MENTEE)
    wire.command("/mentor", "schedule weekly tue 15:00", user=MENTEE)
    wire.command("/agenda", f"add {SECRET_AGENDA}", user=MENTEE)
    wire.command("/agenda", f"action {SECRET_ACTION}", user=MENTEE)
    wire.command("/agenda", "done 1", user=MENTEE)
    wire.command("/mentor", "skip", user=MENTEE)
    wire.command("/goal", f"milestone 1 {SECRET_STEP}", user=MENTEE)
    wire.command("/review", "now", user=MENTEE)
    with session_scope(wire.services.engine) as session:
        review = session.exec(select(Review)).one()
    form = questionnaire(wire.services.engine, Actor(MENTEE), review.id, T0)
    answers = {"stop": SECRET_REVIEW, "start": "x", "continue": "y", "fit_score": "1"}
    answers |= {"fit_comment": SECRET_FIT}
    for entry in form.audit:
        answers[f"item:goal:{entry.goal.id}"] = "on_track"
        answers |= {f"item:milestone:{m.id}": "on_track" for m in entry.milestones}
    answers |= {f"decision:{goal.id}": "keep" for goal in form.goals}
    answers |= {"evidence": [str(win.id) for win in form.wins[:1]]}
    for index in range(len(form.pages)):
        save_page(wire.services.engine, Actor(MENTEE), review.id, index, answers, T0)
    with session_scope(wire.services.engine) as session:
        goal = session.exec(select(Goal)).one()
        win = session.exec(select(Win)).one()
        draft = session.exec(select(Draft)).one()
        meeting = session.exec(select(Meeting)).one()
        action = session.exec(select(ActionItem)).one()
        milestone = session.exec(select(Milestone)).one()
    assert meeting.status == "skipped" and action.status == "done"
    return {
        "pair": str(paired.id),
        "goal": str(goal.id),
        "win": str(win.id),
        "draft": str(draft.id),
        "meeting": str(meeting.id),
        "action": str(action.id),
        "milestone": str(milestone.id),
        "review": str(review.id),
    }


COMMANDS = [
    ("/goal", "list"),
    ("/goal", f"list to <@{MENTEE}>"),
    ("/goal", f"list to <@{MENTOR}>"),
    ("/goal", f"done 1 to <@{MENTEE}>"),
    ("/goal", f"drop 1 to <@{MENTOR}>"),
    ("/goal", f"Sneaky extra goal to <@{MENTEE}>"),
    ("/win", f"Fake win to <@{MENTOR}>"),
    ("/win", "Fake win"),
    ("/mentor", "end"),
    ("/mentor", f"end <@{MENTEE}>"),
    ("/goal", "milestones 1"),
    ("/goal", f"milestones 1 to <@{MENTEE}>"),
    ("/goal", "milestone 1 Sneaky step"),
    ("/goal", "done 1.1"),
    ("/goal", "roadmap"),
    ("/goal", f"roadmap to <@{MENTEE}>"),
    ("/goal", f"roadmap to <@{MENTOR}>"),
    ("/agenda", ""),
    ("/agenda", f"to <@{MENTEE}>"),
    ("/agenda", "add Sneaky topic"),
    ("/agenda", f"action Sneaky task for <@{MENTEE}>"),
    ("/agenda", "done 1"),
    ("/mentor", "schedule"),
    ("/mentor", f"schedule to <@{MENTEE}>"),
    ("/mentor", "schedule weekly mon 9:00"),
    ("/mentor", "schedule off"),
    ("/mentor", "skip"),
    ("/mentor", "pause until 2027-01-10"),
    ("/mentor", "resume"),
    ("/mentor", "prompts 48h 2h 3h"),
    ("/review", ""),
    ("/review", f"to <@{MENTEE}>"),
    ("/review", "history"),
    ("/review", "now"),
    ("/mentor", "review"),
    ("/mentor", "review every 2 weeks"),
    ("/mentor", "review off"),
    ("/goal", "history 1"),
    ("/goal", f"history 1 to <@{MENTEE}>"),
    ("/mentor", "nudges off"),
    ("/mentor", f"nudges off to <@{MENTEE}>"),
    ("/mentor", "nudges on"),
    ("/mentor", "nudges"),
]
SECRETS = (
    SECRET_GOAL,
    SECRET_WIN,
    SECRET_NOTE,
    SECRET_AGENDA,
    SECRET_ACTION,
    SECRET_STEP,
    SECRET_REVIEW,
    SECRET_FIT,
)


@pytest.mark.parametrize("who", [OUTSIDER, ADMIN])
@pytest.mark.parametrize(("command", "text"), COMMANDS)
def test_commands_from_others_are_refused_in_the_pairs_own_channel(
    wire: Wire, private_pair, who, command, text
) -> None:
    """Even typed in the pair's channel, another person's command reads and changes nothing."""
    before = _snapshot(wire)
    posts_before = len(wire.fake.messages_in(PAIR_CHANNEL))
    sent = wire.command(command, text, user=who, channel=PAIR_CHANNEL)
    shown = sent.reply_text
    assert not any(secret in shown for secret in SECRETS)
    assert any(word in shown for word in ("not in", "isn't one of yours", "only"))
    assert _snapshot(wire) == before
    assert len(wire.fake.messages_in(PAIR_CHANNEL)) == posts_before
    assert wire.fake.uploads() == [] and wire.fake.calls_to("files.getUploadURLExternal") == []


def _forged(ids: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (win_blocks.SAVE_AS_WIN, ids["draft"]),
        (win_blocks.SAVE_AS_GOAL, ids["draft"]),
        (win_blocks.DISCARD_NOTE, ids["draft"]),
        (f"{win_blocks.CHOOSE_PAIR}_0", f"{ids['draft']}:{ids['pair']}"),
        (goal_blocks.UNDO_GOAL_STATUS, f"{ids['goal']}:open:dropped"),
        (win_blocks.UNDO_WIN, ids["win"]),
        (win_blocks.REPOST_WIN, ids["win"]),
        (pairing.END_PAIR, ids["pair"]),
        (meeting_blocks.UNSKIP_MEETING, ids["meeting"]),
        (meeting_blocks.REOPEN_ACTION, ids["action"]),
        (f"{goal_blocks.MILESTONE_DONE}_0", ids["milestone"]),
        (goal_blocks.UNDO_MILESTONE, ids["milestone"]),
        (goal_blocks.MAKE_GOAL_SPECIFIC, ids["goal"]),
        (review_messages.ANSWER_REVIEW, ids["review"]),
    ]


@pytest.mark.parametrize("index", range(14))
def test_forged_or_replayed_buttons_from_an_outsider_are_refused(
    wire: Wire, private_pair, index
) -> None:
    """Every button, replayed by an outsider with the pair's real ids, changes nothing."""
    action_id, value = _forged(private_pair)[index]
    before = _snapshot(wire)
    posts_before = wire.fake.messages_in(PAIR_CHANNEL)
    clicked = wire.click(action_id, value, user=OUTSIDER, channel=PAIR_CHANNEL)
    assert clicked.http.status_code == 200
    shown = clicked.reply_text
    assert not any(secret in shown for secret in SECRETS)
    assert _snapshot(wire) == before
    assert wire.fake.messages_in(PAIR_CHANNEL) == posts_before
    assert wire.fake.calls_to("views.open") == []  # no editor opened on their goal


@pytest.mark.parametrize("value", ["", "abc", "1:2:3:4", "-1", "99999999"])
def test_malformed_button_values_are_refused_politely(wire: Wire, private_pair, value) -> None:
    """Garbage in a button value: a clear message, never an error page, nothing changed."""
    before = _snapshot(wire)
    clicked = wire.click(win_blocks.UNDO_WIN, value, user=MENTEE)
    assert clicked.http.status_code == 200
    assert "out of date" in clicked.reply_text or "no longer there" in clicked.reply_text
    assert _snapshot(wire) == before


def test_an_admin_can_end_a_pair_but_the_home_shows_them_nothing_of_it(
    wire: Wire, private_pair
) -> None:
    """Admins manage pairs; their own App Home and status hold none of the pair's content."""
    asked = wire.command("/mentor", f"end <@{MENTOR}> <@{MENTEE}>", user=ADMIN, channel="DUADMIN")
    assert SECRET_GOAL not in asked.reply_text
    ended = wire.click(pairing.END_PAIR, private_pair["pair"], user=ADMIN)
    assert "was ended by" in ended.reply_text
    status = wire.command("/mentor", "status", user=ADMIN, channel="DUADMIN")
    assert "not in a mentorship" in status.reply_text
    wire.post(_home_opened(ADMIN), "application/json")
    assert SECRET_GOAL not in flatten_text(wire.home_of(ADMIN))


def _home_opened(user: str) -> bytes:
    from fakeslack.payloads import event_callback

    return event_callback(
        f"EvHome{user}",
        {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"},
    )


@pytest.mark.parametrize("who", [OUTSIDER, ADMIN, MENTOR])
@pytest.mark.parametrize("page", range(5))
def test_forged_review_pages_save_nothing(wire: Wire, private_pair, who, page) -> None:
    """A review page submitted with the pair's real review id in a forged private_metadata:
    others are refused, the mentor cannot reach the mentee's pages, and nothing changes."""
    before, posts_before = _snapshot(wire), wire.fake.messages_in(PAIR_CHANNEL)
    metadata = json.dumps({"review": int(private_pair["review"]), "page": page})
    values = {
        "stop": {"type": "plain_text_input", "value": "Forged"},
        "fit_score": {"type": "static_select", "selected_option": {"value": "5"}},
    }
    response = wire.submit(review_pages.REVIEW_PAGE, values, user=who, private_metadata=metadata)
    assert response.status_code == 200
    body = response.json()
    shown = json.dumps(body)
    assert body["response_action"] in ("update", "errors")
    assert not any(secret in shown for secret in SECRETS)
    if who == MENTOR and page == 0:  # the mentor's own (only) page: their own answer is wanted
        assert body["response_action"] == "errors"
    assert _snapshot(wire) == before
    assert wire.fake.messages_in(PAIR_CHANNEL) == posts_before


def test_the_fit_answer_reaches_nobody_but_the_mentee(wire: Wire, private_pair) -> None:
    """The mentor's review form, the summary and /review never carry the fit answer."""
    review_id = int(private_pair["review"])
    form = questionnaire(wire.services.engine, Actor(MENTOR), review_id, T0)
    assert form.pages == ("ssc",) and form.saved.fit_comment is None
    save_page(
        wire.services.engine,
        Actor(MENTOR),
        review_id,
        0,
        {"stop": "a", "start": "b", "continue": "c"},
        T0,
    )
    from mentoring.prompts import prepare  # the summary row, as the dispatcher sees it

    with session_scope(wire.services.engine) as session:
        row = session.exec(select(Delivery).where(Delivery.kind == "summary")).one()
    with session_scope(wire.services.engine) as session:
        session.get(Delivery, row.id).status = "sending"
        session.get(Delivery, row.id).claimed_by = "w"
    out = prepare(wire.services.engine, row.id, "w", T0)
    assert SECRET_REVIEW in json.dumps(review_messages.review_message(out))
    assert SECRET_FIT not in json.dumps(review_messages.review_message(out))
    shown = wire.command("/review", "", user=MENTOR).reply_text
    assert "Review 1: summary" in shown and SECRET_FIT not in shown


# The App Home and its forms


@pytest.mark.parametrize("who", [OUTSIDER, ADMIN])
def test_someone_elses_home_shows_nothing_of_the_pair(wire: Wire, private_pair, who) -> None:
    """An outsider's or an admin's Home, published when they open it, holds none of the pair's
    text; and no change of the pair ever publishes a Home to them."""
    assert {call.args["user_id"] for call in wire.fake.calls_to("views.publish")} == {
        MENTOR,
        MENTEE,
    }
    wire.open_home(who)
    shown = flatten_text(wire.home_of(who))
    assert not any(secret in shown for secret in SECRETS) and f"<#{PAIR_CHANNEL}>" not in shown


def _form_submissions(ids: dict[str, str]) -> list[tuple[str, dict]]:
    def text(value: str) -> dict:
        return {"type": "plain_text_input", "value": value}

    def pick(value: str) -> dict:
        return {
            "type": "static_select",
            "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
        }

    return [
        (goal_blocks.GOAL_FORM, {goal_blocks.GOAL_OUTCOME: text("Sneaky goal")}),
        (win_commands.WIN_FORM, {win_commands.WIN_FORM_TEXT: text("Fake win")}),
        (
            milestone_handlers.MILESTONE_FORM,
            {
                milestone_handlers.MILESTONE_FORM_GOAL: pick("1"),
                milestone_handlers.MILESTONE_FORM_TEXT: text("Sneaky step"),
            },
        ),
        (
            milestone_handlers.MILESTONE_DONE_FORM,
            {milestone_handlers.MILESTONE_DONE_FORM_PICK: pick("1.1")},
        ),
        (agenda.AGENDA_FORM, {agenda.AGENDA_FORM_TEXT: text("Sneaky topic")}),
        (
            goal_blocks.GOAL_EDITOR,
            {goal_blocks.GOAL_OUTCOME: text("Sneaky rewrite")},
        ),
    ]


@pytest.mark.parametrize("who", [OUTSIDER, ADMIN])
@pytest.mark.parametrize("index", range(6))
def test_forged_form_submissions_are_refused(wire: Wire, private_pair, who, index) -> None:
    """Each form submitted with private_metadata naming the pair (or its goal), by someone
    outside it: refused in their DM, every table unchanged, nothing posted in the pair's
    channel, no Home published."""
    callback_id, values = _form_submissions(private_pair)[index]
    metadata = private_pair["goal" if callback_id == goal_blocks.GOAL_EDITOR else "pair"]
    before = _snapshot(wire)
    posts_before = wire.fake.messages_in(PAIR_CHANNEL)
    publishes = len(wire.fake.calls_to("views.publish"))
    answer = wire.submit(callback_id, values, user=who, private_metadata=metadata)
    assert answer.status_code == 200 and answer.text == ""
    assert _snapshot(wire) == before
    assert wire.fake.messages_in(PAIR_CHANNEL) == posts_before
    assert len(wire.fake.calls_to("views.publish")) == publishes
    refusal = flatten_text(wire.fake.messages_in(who)[-1])
    assert "isn't one of yours" in refusal or "no longer exists" in refusal
    assert not any(secret in refusal for secret in SECRETS)


@pytest.mark.parametrize("form", [form.opener for form in PAIR_FORMS.values()])
@pytest.mark.parametrize("who", [OUTSIDER, ADMIN])
def test_replayed_home_buttons_open_no_form(wire: Wire, private_pair, form, who) -> None:
    """A Home button naming the pair, replayed by someone outside it (from the Home or from a
    message): no form opens, nothing changes, the refusal shows nothing of the pair."""
    before = _snapshot(wire)
    wire.click_home(form, private_pair["pair"], user=who)
    clicked = wire.click(f"{form}_0", private_pair["pair"], user=who)
    assert wire.fake.calls_to("views.open") == []
    assert _snapshot(wire) == before
    for shown in (flatten_text(wire.fake.messages_in(who)[-1]), clicked.reply_text):
        assert "isn't one of yours" in shown
        assert not any(secret in shown for secret in SECRETS)

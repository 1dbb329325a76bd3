"""A goal's "How you'll know" is its own field: stored apart from the wording, never glued to
the title in lists, the Home or pickers; shown in the goal's detail, the editor, the review
and the export; cleared when its writer is forgotten."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from fakeslack import validate_message, validate_view
from handlers.goals import blocks as goal_blocks
from handlers.goals.blocks import GOAL_FORM
from handlers.records.files import record_data, record_markdown
from handlers.reviews.questionnaire import review_page
from mentoring import capture, forgetting, records
from mentoring.coaching import OBSERVABLE, OUTCOME, coach
from mentoring.errors import FieldError
from mentoring.forgetting import REMOVED
from mentoring.goals import DONE_WHEN_MAX_CHARS, GoalText, parse_goal_edit
from mentoring.model import Actor, GoalInfo, GoalStatus, Target
from mentoring.reviews.planning import start_review_now
from mentoring.reviews.questionnaire import questionnaire
from storage.db import session_scope
from storage.models import Goal
from tests.conftest import MENTEE, MENTOR, PAIR_CHANNEL, Wire, flatten_text
from tests.support import T0, pair_up

TODAY = T0.date()
TITLE = "Give a 20-minute talk at the Berlin Python meetup"
HOW = "the talk is on the meetup schedule"


def _fields(outcome: str, evidence: str) -> dict:
    return {
        goal_blocks.GOAL_OUTCOME: {"type": "plain_text_input", "value": outcome},
        goal_blocks.GOAL_DUE: {"type": "datepicker", "selected_date": "2027-03-31"},
        goal_blocks.GOAL_EVIDENCE: {"type": "plain_text_input", "value": evidence},
    }


def _goals(wire: Wire) -> list[Goal]:
    with session_scope(wire.services.engine) as session:
        return list(session.exec(select(Goal)).all())


def test_the_form_keeps_the_wording_and_how_youll_know_apart() -> None:
    """The form's fields become a title and a separate "How you'll know", each flattened; an
    empty one is None."""
    goal = parse_goal_edit(f"  {TITLE} ", " the talk is on\nthe meetup schedule ", None, TODAY)
    assert (goal.text, goal.done_when) == (TITLE, HOW)
    assert parse_goal_edit(TITLE, "   ", None, TODAY).done_when is None


def test_a_long_how_youll_know_is_refused_beside_its_field() -> None:
    """Past its bound the refusal names the "How you'll know" field, not the outcome."""
    with pytest.raises(FieldError) as refused:
        parse_goal_edit(TITLE, "x" * (DONE_WHEN_MAX_CHARS + 1), None, TODAY)
    assert refused.value.field == "done_when"


def test_coaching_reads_how_youll_know_with_the_wording() -> None:
    """Something others could see may be said in "How you'll know" alone; a vague wording is
    still no outcome; a date ending the wording is still read as its date."""
    vague = "Get better at public speaking by June 2027"
    assert coach(vague, None, TODAY).missing == (OUTCOME, OBSERVABLE)
    assert coach(vague, None, TODAY, "I give a talk at the Berlin meetup").missing == (OUTCOME,)
    assert coach("Ship the search feature", date(2027, 3, 31), TODAY, "it is live").specific
    assert coach("Give a talk at the meetup by 31 March", None, TODAY, "I am asked").specific


def test_the_form_saves_it_apart_and_lists_show_the_title_alone(wire: Wire, paired) -> None:
    """Submitted with "How you'll know": the goal's text is the title alone; `/goal list`, the
    Home and the Log win picker show the title without it; the reply and `/goal milestones`
    (the goal's detail) show it on its own line; too long, it comes back beside its field."""
    meta = str(paired.id)
    long = wire.submit(GOAL_FORM, _fields(TITLE, "x" * 151), user=MENTEE, private_metadata=meta)
    assert list(long.json()["errors"]) == [goal_blocks.GOAL_EVIDENCE] and _goals(wire) == []
    wire.submit(GOAL_FORM, _fields(TITLE, f"{HOW} <!channel>"), user=MENTEE, private_metadata=meta)
    (goal,) = _goals(wire)
    assert (goal.text, goal.done_when) == (TITLE, f"{HOW} <!channel>")
    added = flatten_text(wire.fake.messages_in(MENTEE)[-1])
    assert f"How you'll know: _{HOW} &lt;!channel&gt;_" in added
    listed = wire.command("/goal", "list", user=MENTEE).reply_text
    home = flatten_text(wire.home_of(MENTOR))
    wire.command("/win", "", user=MENTEE)
    (opened,) = wire.fake.calls_to("views.open")
    picker = flatten_text(opened.args["view"])
    for shown in (listed, home, picker):
        assert TITLE in shown and HOW not in shown and "done when" not in shown
    detail = wire.command("/goal", "milestones 1", user=MENTEE).reply
    assert validate_message(detail) == []
    assert f"How you'll know: _{HOW} &lt;!channel&gt;_" in flatten_text(detail)


def test_the_editor_offers_how_youll_know_to_change() -> None:
    """ "Make it specific" opens with the goal's "How you'll know" filled in, to edit or clear."""
    goal = GoalInfo(1, 1, 1, TITLE, None, GoalStatus.OPEN, T0, None, HOW)
    view = goal_blocks.goal_editor(goal, coach(TITLE, None, TODAY, HOW))
    assert validate_view(view) == []
    (evidence,) = [b for b in view["blocks"] if b.get("block_id") == goal_blocks.GOAL_EVIDENCE]
    assert evidence["element"]["initial_value"] == HOW


def test_the_review_and_the_export_show_how_youll_know(engine) -> None:
    """The review's audit page shows it under the goal; the mentee's export holds it, in the
    Markdown (escaped) and the JSON."""
    pair = pair_up(engine, MENTOR, MENTEE, PAIR_CHANNEL)
    goal = GoalText(TITLE, None, "it is on the *schedule*")
    capture.capture_form(engine, Actor(MENTEE), pair.id, goal, T0)
    review = start_review_now(engine, Actor(MENTEE), Target(pair_id=pair.id), T0).review
    form = questionnaire(engine, Actor(MENTEE), review.id, T0)
    page = review_page(form, form.pages.index("audit:0"))
    assert validate_view(page) == []
    hints = [b["hint"]["text"] for b in page["blocks"] if "hint" in b]
    assert hints == ["How you'll know: it is on the *schedule*"]
    record = records.export_record(engine, Actor(MENTEE), T0)
    markdown = record_markdown(record, {})
    assert "- How you'll know: it is on the \\*schedule\\*" in markdown
    (goal_data,) = record_data(record, {})["mentorships"][0]["goals"]
    assert (goal_data["text"], goal_data["done_when"]) == (TITLE, "it is on the *schedule*")


def test_forgetting_a_goals_writer_clears_how_youll_know(engine) -> None:
    """A goal the mentor wrote stays the mentee's, its wording replaced and its "How you'll
    know" emptied, once the mentor is forgotten."""
    pair = pair_up(engine, MENTOR, MENTEE, PAIR_CHANNEL)
    capture.capture_form(engine, Actor(MENTOR), pair.id, GoalText(TITLE, None, HOW), T0)
    forgetting.forget(engine, Actor(MENTOR), MENTOR, MENTOR, T0)
    with session_scope(engine) as session:
        (goal,) = session.exec(select(Goal)).all()
    assert (goal.text, goal.done_when) == (REMOVED, None)

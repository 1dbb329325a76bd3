"""Forgetting a person: what the preview promises is what happens, their words and id are gone
from every table afterwards, what the other member needs stays, and ended pairs are deleted
some days after they end when the setting asks for it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.scheduler import _housekeeping
from fakeslack.blockkit import validate_message
from handlers.records.forget import FORGET, KEEP, forget_preview
from mentoring import capture, forgetting, milestones, records
from mentoring.capture import Kind
from mentoring.errors import NotAllowed
from mentoring.forgetting import REMOVED, Counts, ForgetPlan, Kept, PairFate
from mentoring.meetings import agenda
from mentoring.model import FORGOTTEN, Actor, Role, Target
from storage.db import session_scope
from storage.models import ActionItem, Goal, Milestone, Pair, Work
from tests.conftest import (
    ADMIN,
    MENTEE,
    MENTOR,
    OUTSIDER,
    PAIR_CHANNEL,
    SECOND_MENTEE,
    Tick,
    Wire,
    flatten_text,
)
from tests.support import T0, FrozenClock, T, outside_work, pair_up, scan
from tests.surfaces import SECOND_CHANNEL, SECRETS, populate
from workqueue import queue

pytestmark = pytest.mark.both_backends

# Words only the mentee wrote, planted over the wire as well as through the rules.
PLANTED_GOAL = "Become the go-to person for incident reviews"
PLANTED_DM = "Feeling unsure about the reorg and my place in it"
MENTOR_STEP = "Shadow the on-call lead for a week"  # the mentor's words on the mentee's goal
MENTEE_WORDS = (*SECRETS, PLANTED_GOAL, PLANTED_DM)


def test_the_preview_of_a_long_record_stays_within_block_kits_limits() -> None:
    """Sixty mentorships, thousands of rows: a few sections of counts and people, ten of each
    list and how many more, every Block Kit limit kept."""
    fates = tuple(
        PairFate(n, f"C{n}", Role.MENTOR, f"UM{n}", n % 2 == 0, n % 3 == 0, Kept(goals=n))
        for n in range(1, 61)
    )
    counts = Counts(goals=999, milestones=4000, wins=1200, answers=40, fit_answers=40)
    shown = forget_preview(ForgetPlan(MENTEE, ADMIN, counts, fates))
    assert validate_message(shown) == []
    text = flatten_text(shown)
    assert "*Forget <@UMENTEE>?*" in text and "and 20 more" in text and "and 30 more" in text
    assert "Their 999 goals, with 4000 steps" in text and "they sent me" in text


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    return {
        element["action_id"]: element["value"]
        for block in message.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
    }


def _last_work(engine: Engine) -> Work:
    with session_scope(engine) as session:
        rows = session.exec(select(Work)).all()
        return max(rows, key=lambda row: row.id or 0)


@pytest.fixture
def populated(wire: Wire) -> dict[str, int]:
    """The pair of tests/surfaces.py (MENTOR mentors MENTEE, who mentors SECOND_MENTEE), plus
    the mentee's words over the wire — a goal typed, a DM kept as a note — a step the mentor
    added to the mentee's goal, an action item the mentor wrote that mentions the mentee, and
    the mentor reading the review (its summary, with the mentee's words, is in that work)."""
    wire.fake.add_channel(SECOND_CHANNEL, "lee-sam", members=(MENTEE, SECOND_MENTEE))
    engine = wire.services.engine
    ids = populate(engine)
    wire.command("/goal", f"{PLANTED_GOAL} to <@{MENTOR}>", user=MENTEE)
    wire.dm("EvPlanted", PLANTED_DM, user=MENTEE)
    capture.capture(engine, Actor(MENTOR), Kind.GOAL, "Run a retro by 2027-02-01", _here(ids), T0)
    milestones.add_milestone(engine, Actor(MENTOR), _here(ids), 1, MENTOR_STEP, T0)
    agenda.add_action(engine, Actor(MENTOR), _here(ids), f"Review <@{MENTEE}>'s CV", MENTOR, T0)
    wire.command("/review", "", user=MENTOR)
    return ids


def _here(ids: dict[str, int]) -> Target:
    return Target(pair_id=ids["pair"])


def test_the_preview_says_what_goes_and_what_stays_and_changes_nothing(
    wire: Wire, populated: dict[str, int]
) -> None:
    """`/mentor forget me`: privately, the pairs that end, what is deleted (counts, no words)
    and what remains and why — the other member's own words, Slack's messages — with Confirm
    and Cancel; nothing is deleted yet, and Cancel deletes nothing."""
    asked = wire.command("/mentor", "forget me", user=MENTEE, channel=f"D{MENTEE}")
    shown = asked.reply_text
    assert asked.reply["response_type"] == "ephemeral"
    assert "*Forget me?*" in shown and "can't be undone" in shown
    assert f"with <@{MENTOR}> in <#{PAIR_CHANNEL}>" in shown
    assert "Your 4 goals, with 3 steps and 0 earlier wordings" in shown
    assert "2 action items you own" in shown
    assert "answers to 1 review, the private fit answers included" in shown
    assert "2 notes waiting for you to say what they are" in shown
    assert "stays for them" in shown
    assert "their own 1 review answer, 2 commitments and 1 action item stay theirs" in shown
    assert "deleted entirely" in shown  # the pair with SECOND_MENTEE holds nothing of theirs
    assert "not mine to delete" in shown
    assert not any(secret in shown for secret in MENTEE_WORDS)
    buttons = _buttons(asked.reply)
    assert buttons == {FORGET: f"{MENTEE}:{MENTEE}", KEEP: f"{MENTEE}:{MENTEE}"}
    before = outside_work(scan(wire.services.engine, (MENTEE, *MENTEE_WORDS)))
    cancelled = wire.click(KEEP, buttons[KEEP], user=MENTEE)
    assert cancelled.reply_text == "Cancelled: nothing was deleted."
    assert outside_work(scan(wire.services.engine, (MENTEE, *MENTEE_WORDS))) == before
    assert wire.fake.uploads() == []


def test_forgetting_the_mentee_leaves_no_id_or_word_of_theirs_in_any_table(
    wire: Wire, populated: dict[str, int]
) -> None:
    """After Confirm, every text, JSON and binary column of every table is searched for the
    mentee's id and every word they wrote: none is left but one, by design — the confirming
    click's own piece of work holds who asked (the mentee's id, none of their words) until
    finished work is pruned a week later, as all work is; after that, nothing."""
    engine = wire.services.engine
    assert {hit[2] for hit in scan(engine, MENTEE_WORDS)} == set(MENTEE_WORDS)  # all there
    asked = wire.command("/mentor", "forget me", user=MENTEE, channel=f"D{MENTEE}")
    done = wire.click(FORGET, _buttons(asked.reply)[FORGET], user=MENTEE)
    assert done.reply_text.startswith(":wastebasket: You are forgotten")
    confirm = _last_work(engine)
    assert scan(engine, MENTEE_WORDS) == []
    assert set(scan(engine, (MENTEE,))) == {("work", "payload", MENTEE)}
    assert MENTEE in confirm.payload and confirm.flow.endswith("run_button")
    assert queue.prune(engine, T(days=8)) >= 1
    assert scan(engine, (MENTEE, *MENTEE_WORDS)) == []


def test_what_the_mentor_needs_stays_with_the_mentee_taken_out(
    wire: Wire, populated: dict[str, int]
) -> None:
    """The pair stays for the mentor, ended, the mentee written as FORGOTTEN: the mentor's
    review answers, commitments and action items are still theirs; an action item the mentor
    wrote keeps its words with the mention replaced; the pair the mentee mentored, where
    nothing was the other's, is gone; both ended pairs' channels are told."""
    engine = wire.services.engine
    asked = wire.command("/mentor", "forget me", user=MENTEE, channel=f"D{MENTEE}")
    wire.click(FORGET, _buttons(asked.reply)[FORGET], user=MENTEE)
    with session_scope(engine) as session:
        (pair,) = session.exec(select(Pair)).all()
        assert (pair.mentor_id, pair.mentee_id, pair.status) == (MENTOR, FORGOTTEN, "ended")
        assert session.exec(select(Goal)).all() == []
        actions = [item.text for item in session.exec(select(ActionItem)).all()]
    assert actions == ["Review a former member's CV"]  # the mentee's own three are gone
    record = records.export_record(engine, Actor(MENTOR), T0)
    (mentorship,) = record.mentorships
    assert mentorship.other == FORGOTTEN and mentorship.reviews[0].own is not None
    assert [c.text for c in mentorship.commitments] == ["Agendas", "Cancelling late"]
    notices = [m["text"] for m in wire.fake.messages_in(PAIR_CHANNEL)]
    assert any("asked me to forget them" in text for text in notices)
    status = wire.command("/mentor", "status", user=MENTOR).reply_text
    assert "You mentor a former member" in status
    for command, text in (("/review", ""), ("/goal", "list")):
        shown = wire.command(command, text, user=MENTOR).reply_text
        assert "a former member" in shown and f"@{FORGOTTEN}" not in shown
    assert f"<@{FORGOTTEN}>" not in json.dumps(wire.home_of(MENTOR))


def test_forgetting_the_mentor_keeps_the_mentees_roadmap_without_the_mentors_words(
    wire: Wire, populated: dict[str, int]
) -> None:
    """The mentee's goals stay; a goal and a step the mentor wrote keep their place, dates and
    progress, their wording replaced; the mentor's answers and commitments are gone."""
    engine = wire.services.engine
    asked = wire.command("/mentor", "forget me", user=MENTOR, channel=f"D{MENTOR}")
    assert "3 goals, steps or action items you wrote" in asked.reply_text
    wire.click(FORGET, _buttons(asked.reply)[FORGET], user=MENTOR)
    with session_scope(engine) as session:
        goals = {goal.text for goal in session.exec(select(Goal)).all()}
        steps = {step.text for step in session.exec(select(Milestone)).all()}
    assert SECRETS[0] in goals and REMOVED in goals
    assert MENTOR_STEP not in steps and REMOVED in steps
    assert scan(engine, ("Cancelling late", "Run a retro", MENTOR_STEP)) == []
    record = records.export_record(engine, Actor(MENTEE), T0)
    mine = next(m for m in record.mentorships if m.other == FORGOTTEN)
    assert mine.reviews[0].own is not None and mine.reviews[0].fit is not None


def test_an_admin_forgets_someone_who_left_and_others_can_not(
    wire: Wire, populated: dict[str, int]
) -> None:
    """An admin's `/mentor forget @person` previews and, on their own Confirm, forgets; a
    member or an outsider naming someone else is refused and nothing changes; a Confirm
    clicked by anyone but whom it was shown to, or forged to name someone else, is refused."""
    engine = wire.services.engine
    before = outside_work(scan(engine, (MENTEE, *MENTEE_WORDS)))
    for who in (MENTOR, OUTSIDER):
        refused = wire.command("/mentor", f"forget <@{MENTEE}>", user=who)
        assert refused.reply_text.startswith(":warning: Only an admin can ask me to forget")
    for who, value in ((OUTSIDER, f"{MENTEE}:{OUTSIDER}"), (OUTSIDER, f"{MENTEE}:{ADMIN}")):
        forged = wire.click(FORGET, value, user=who)
        assert forged.reply_text.startswith(":warning:"), forged.reply_text
    assert outside_work(scan(engine, (MENTEE, *MENTEE_WORDS))) == before
    asked = wire.command("/mentor", f"forget <@{MENTEE}>", user=ADMIN, channel=f"D{ADMIN}")
    assert "*Forget <@UMENTEE>?*" in asked.reply_text
    assert not any(secret in asked.reply_text for secret in MENTEE_WORDS)
    value = _buttons(asked.reply)[FORGET]
    assert value == f"{MENTEE}:{ADMIN}"
    assert wire.click(FORGET, value, user=MENTEE).reply_text.startswith(":warning:")
    done = wire.click(FORGET, value, user=ADMIN)
    assert done.reply_text.startswith(f":wastebasket: <@{MENTEE}> is forgotten")
    assert scan(engine, MENTEE_WORDS) == []


def test_the_rule_refuses_anyone_but_the_person_or_an_admin(engine: Engine) -> None:
    """plan_forget and forget check who asks: the person, or an admin; forget also checks
    that the one confirming is the one who was asked."""
    pair_up(engine)
    with pytest.raises(NotAllowed):
        forgetting.plan_forget(engine, Actor(MENTOR), MENTEE)
    with pytest.raises(NotAllowed):
        forgetting.forget(engine, Actor(MENTOR), MENTEE, MENTOR, T0)
    with pytest.raises(NotAllowed):
        forgetting.forget(engine, Actor(ADMIN, is_admin=True), MENTEE, MENTEE, T0)
    assert forgetting.plan_forget(engine, Actor(ADMIN, is_admin=True), MENTEE).pairs


def test_ended_pairs_are_deleted_after_the_days_set_and_kept_by_default(engine: Engine) -> None:
    """With DELETE_ENDED_PAIRS_AFTER_DAYS unset nothing is deleted; set to 30, the hourly
    housekeeping deletes a pair 30 days after it ended, everything in it, and no other."""
    from mentoring.pairs import end_pair

    old = pair_up(engine)
    live = pair_up(engine, "UOTHERMENTOR", "UOTHERMENTEE", "C2")
    capture.capture(engine, Actor(MENTEE), Kind.GOAL, PLANTED_GOAL, Target(pair_id=old.id), T0)
    end_pair(engine, Actor(MENTEE), old.id, T0)
    assert forgetting.delete_ended_pairs(engine, T(days=400), None) == 0
    _housekeeping(engine, FrozenClock(T(days=29)), 30)
    assert scan(engine, (PLANTED_GOAL,))
    _housekeeping(engine, FrozenClock(T(days=30, minutes=1)), 30)
    assert scan(engine, (PLANTED_GOAL, MENTEE)) == []
    with session_scope(engine) as session:
        assert [pair.id for pair in session.exec(select(Pair)).all()] == [live.id]


def test_each_tick_deletes_ended_pairs_too(
    engine: Engine, tick: Tick, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deployment that runs `python -m bot tick` from cron deletes them as `run` does."""
    from mentoring.pairs import end_pair

    pair = pair_up(engine)
    end_pair(engine, Actor(MENTEE), pair.id, T0)
    monkeypatch.setenv("DELETE_ENDED_PAIRS_AFTER_DAYS", "30")
    assert "deleted" not in tick(T(days=29))
    assert "; deleted 1 ended pair(s)" in tick(T(days=31))
    assert scan(engine, (MENTEE,)) == []

"""Finding a mentor, by the rules: offers (the person's own), who is eligible for a goal, what
counts as evidence (consent), a request and its answer, shared working hours; and the
builders' messages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from fakeslack import validate_message, validate_view
from handlers.matching import blocks
from handlers.reviews.messages import answer_saved
from mentoring import capture, forgetting, goals
from mentoring.capture import Kind
from mentoring.errors import AmbiguousPair, FieldError, InvalidInput, NotAllowed, NotFound
from mentoring.matching import asking, finding, hours, offers
from mentoring.matching.finding import ACCEPTED, DECLINED, Found, Match
from mentoring.matching.offers import OfferText
from mentoring.model import Actor, GoalStatus, Target
from mentoring.reviews.planning import start_review_now
from storage.db import session_scope
from storage.models import MentorRequest
from tests.conftest import flatten_text
from tests.support import T0, T, pair_up, scan

MENTEE, NEAR, FAR_AWAY, OTHER = "UMENTEE", "UNEAR", "UFARAWAY", "UOTHER"
GOAL = "Give my first conference talk"
TALKS = "Gave my first three conference talks in 2026"


def _offer(engine, who=NEAR, achievements=TALKS, capacity=1, tz="Europe/Berlin", consent=False):
    text = OfferText("public speaking, conference talks", achievements, capacity, consent)
    return offers.save_offer(engine, Actor(who), who, text, tz, T0)


def _found(engine, mentee=MENTEE, goal=GOAL, tz="Europe/London") -> list[str]:
    return [m.mentor_id for m in finding.find_mentors(engine, mentee, goal, tz, T0).matches]


def test_an_offer_is_made_edited_and_withdrawn_by_its_owner_alone(engine) -> None:
    """Saving again edits the one offer; nobody (an admin neither) saves or withdraws another's."""
    _offer(engine)
    edited = _offer(engine, capacity=3, consent=True)
    assert (edited.capacity, edited.consent) == (3, True)
    text = OfferText("anything", "Everything in 2026", 1, True)
    for someone in (Actor(OTHER), Actor("UADMIN", is_admin=True)):
        with pytest.raises(NotAllowed, match="isn't one of yours"):
            offers.save_offer(engine, someone, NEAR, text, None, T0)
    assert offers.offer_of(engine, NEAR) == edited
    assert offers.withdraw_offer(engine, Actor(OTHER)) is None
    assert offers.offer_of(engine, NEAR) == edited
    assert offers.withdraw_offer(engine, Actor(NEAR)) == edited
    assert offers.offer_of(engine, NEAR) is None


def test_the_offer_form_says_which_field_to_fix() -> None:
    """Empty words, too many, or a capacity out of range: refused beside the field."""
    for args, field in (
        (("", TALKS, "1"), "areas"),
        (("talks", " ", "1"), "achievements"),
        (("talks", "x" * 2001, "1"), "achievements"),
        (("talks", TALKS, "9"), "capacity"),
        (("talks", TALKS, "²"), "capacity"),
    ):
        with pytest.raises(FieldError) as refused:
            offers.read_offer(*args, consent=False)
        assert refused.value.field == field
    assert offers.read_offer(" talks ", TALKS, "2", True) == OfferText("talks", TALKS, 2, True)


def test_a_mentor_is_suggested_only_with_room_hours_and_no_history_with_the_mentee(
    engine,
) -> None:
    """Capacity taken, no shared working hours, already their mentor, or declined them before:
    not suggested; the mentee is never suggested themselves."""
    _offer(engine)
    _offer(engine, who=MENTEE)
    assert _found(engine) == [NEAR]
    assert _found(engine, tz="Asia/Tokyo") == []  # 09–18 Tokyo shares no hours with Berlin
    pair_up(engine, NEAR, "USOMEONE", "C9")  # capacity 1, taken
    assert _found(engine) == []
    _offer(engine, capacity=2)
    assert _found(engine) == [NEAR]
    pair_up(engine, NEAR, MENTEE, "C1")
    assert _found(engine) == []


def test_a_declined_or_pending_request_keeps_that_mentor_out_of_the_next_suggestions(
    engine,
) -> None:
    """Asked: not suggested again while pending; declined: never again for that mentee."""
    _offer(engine)
    _offer(engine, who=OTHER, achievements="Gave my first conference talk in 2025")
    request = asking.ask(engine, Actor(MENTEE), MENTEE, NEAR, GOAL, T0)
    assert _found(engine) == [OTHER]
    asking.answer(engine, Actor(NEAR), request.id, DECLINED, T(hours=1))
    assert _found(engine) == [OTHER]
    with pytest.raises(InvalidInput, match="can't take this on"):
        asking.ask(engine, Actor(MENTEE), MENTEE, NEAR, GOAL, T(hours=2))
    assert set(_found(engine, mentee="USOMEONE")) == {NEAR, OTHER}


def _achieved_and_logged(engine, mentee: str) -> None:
    """`mentee` achieved "Run a conference workshop" and logged a win about a conference talk."""
    pair = pair_up(engine, "UTHEIRMENTOR", mentee, "CTHEIRS")
    here = Target(pair_id=pair.id)
    capture.capture(engine, Actor(mentee), Kind.GOAL, "Run a conference workshop", here, T0)
    goals.set_goal_status(engine, Actor(mentee), 1, GoalStatus.DONE, here, T0)
    capture.capture(engine, Actor(mentee), Kind.WIN, "My conference talk got accepted", here, T0)


def test_achieved_goals_and_wins_are_evidence_only_with_consent(engine) -> None:
    """Without consent, a mentor's goals and wins are never read for a search (so never
    quoted); with it, they can be the matched evidence, saying so."""
    _achieved_and_logged(engine, NEAR)
    _offer(engine, achievements="Learned to bake bread in 2026")
    assert _found(engine, goal="Get a conference talk accepted") == []
    _offer(engine, achievements="Learned to bake bread in 2026", consent=True)
    (match,) = finding.find_mentors(
        engine, MENTEE, "Get a conference talk accepted", None, T0
    ).matches
    assert (match.source, match.quote) == ("win", "My conference talk got accepted")
    assert "shared with their consent" in blocks.why(match)


def test_a_numbered_goal_is_the_mentees_own(engine) -> None:
    """`#n` reads the person's own goal as a mentee; a mentor's pair or none is refused."""
    pair = pair_up(engine, "UMENTOR", MENTEE, "C1")
    here = Target(pair_id=pair.id)
    capture.capture(engine, Actor(MENTEE), Kind.GOAL, GOAL, here, T0)
    assert finding.goal_text(engine, Actor(MENTEE), Target(), 1) == GOAL
    with pytest.raises(NotFound):
        finding.goal_text(engine, Actor(MENTEE), Target(), 7)
    with pytest.raises(NotAllowed, match="your own, as a mentee"):
        finding.goal_text(engine, Actor("UMENTOR"), Target(), 1)
    goal_id = goals.list_goals(engine, Actor(MENTEE), here).goals[0].id
    assert finding.goal_of_mentee(engine, Actor(MENTEE), goal_id) == (goal_id, GOAL)
    for someone in ("UMENTOR", OTHER):
        with pytest.raises(NotAllowed):
            finding.goal_of_mentee(engine, Actor(someone), goal_id)


def test_only_the_asker_asks_and_only_the_mentor_answers_once(engine) -> None:
    """Ask is the mentee's (as the suggestion said); Accept/Decline the mentor's, once."""
    _offer(engine)
    with pytest.raises(NotAllowed):
        asking.ask(engine, Actor(OTHER), MENTEE, NEAR, GOAL, T0)
    with pytest.raises(NotFound, match="isn't offering"):
        asking.ask(engine, Actor(MENTEE), MENTEE, OTHER, GOAL, T0)
    request = asking.ask(engine, Actor(MENTEE), MENTEE, NEAR, GOAL, T0)
    with pytest.raises(InvalidInput, match="asked"):
        asking.ask(engine, Actor(MENTEE), MENTEE, NEAR, GOAL, T0)
    for someone in (MENTEE, OTHER):
        with pytest.raises(NotAllowed, match="isn't one of yours"):
            asking.answerable(engine, Actor(someone), request.id)
    done = asking.answer(engine, Actor(NEAR), request.id, ACCEPTED, T(hours=1))
    assert done.status == ACCEPTED
    with pytest.raises(InvalidInput, match="already answered"):
        asking.answer(engine, Actor(NEAR), request.id, DECLINED, T(hours=2))


def test_working_hours_are_shared_with_two_hours_of_overlap() -> None:
    """09:00–18:00 local, at least 2 hours in common; an unknown zone doesn't exclude anyone."""
    day = date(2026, 11, 23)
    assert hours.share_hours("Europe/Berlin", "America/New_York", day)  # 15:00–18:00 Berlin
    assert not hours.share_hours("America/Los_Angeles", "Europe/Berlin", day)  # 1 hour
    assert not hours.share_hours("Asia/Tokyo", "Europe/London", day)
    assert hours.share_hours("Asia/Tokyo", "Australia/Sydney", day)
    assert hours.share_hours(None, "Asia/Tokyo", day) and hours.share_hours("Nowhere/X", "UTC", day)


# The builders


MATCH = Match(NEAR, "Spoke at <!channel> & *meetups*", "offer", date(2026, 5, 1), 1)


def test_suggestions_say_why_in_the_mentors_words_escaped_within_block_kit() -> None:
    """Each suggestion quotes its evidence (escaped), says how far ahead, and carries an Ask
    naming who may ask; nobody matching says so without naming anyone."""
    shown = blocks.suggestions(MENTEE, Found("A <goal> with: colons", (MATCH,) * 3))
    validate_message(shown)
    text = flatten_text(shown)
    assert "&lt;!channel&gt; &amp; *meetups*" in text and "one step ahead" in text
    asks = [block["accessory"] for block in shown["blocks"] if "accessory" in block]
    assert [a["action_id"] for a in asks] == ["ask_mentor_0", "ask_mentor_1", "ask_mentor_2"]
    assert asks[0]["value"] == f"{MENTEE}:{NEAR}:A <goal> with: colons"
    nobody = blocks.suggestions(MENTEE, Found(GOAL, ()))
    assert "Nobody who offers" in flatten_text(nobody) and "<@" not in flatten_text(nobody)


def test_the_mentor_gets_the_goal_and_nothing_else() -> None:
    """The request DM: who asks, their goal (escaped), Accept and Decline with the request id."""
    request = asking.RequestInfo(7, MENTEE, NEAR, "Talk <b>", "pending", None)
    sent = blocks.request_for_mentor(request)
    validate_message(sent)
    assert "Talk &lt;b&gt;" in flatten_text(sent)
    (accept, decline) = sent["blocks"][-1]["elements"]
    assert (accept["value"], decline["value"]) == ("7", "7")
    following = blocks.declined_for_mentee(request, Found("Talk <b>", (MATCH, MATCH)))
    validate_message(following)
    assert "not your goal" in flatten_text(following)
    assert len([b for b in following["blocks"] if "accessory" in b]) == 1
    validate_view(blocks.find_form(3, "x" * 900))


def test_a_low_fit_offers_the_mentee_a_mentor_for_their_first_open_goal(engine) -> None:
    """After a fit of 2 or less the thanks carries "Find someone one or two steps ahead" for the
    mentee's first open goal; the mentor's thanks and a good fit carry no such button."""
    pair = pair_up(engine, "UMENTOR", MENTEE, "C1")
    here = Target(pair_id=pair.id)
    capture.capture(engine, Actor(MENTEE), Kind.GOAL, GOAL, here, T0)
    review = start_review_now(engine, Actor(MENTEE), here, T0).review
    goal_id = finding.goal_after_review(engine, Actor(MENTEE), review.id)
    assert goal_id == goals.list_goals(engine, Actor(MENTEE), here).goals[0].id
    assert finding.goal_after_review(engine, Actor("UMENTOR"), review.id) is None
    low = answer_saved(False, True, goal_id)
    validate_message(low)
    (find,) = low["blocks"][-1]["elements"]
    assert (find["action_id"], find["value"]) == (blocks.FIND_FOR_GOAL, str(goal_id))
    assert find["text"]["text"] == "Find someone one or two steps ahead"
    assert "actions" not in str(answer_saved(False, False, goal_id))


def test_forgetting_someone_deletes_their_offer_and_their_requests(engine) -> None:
    """Forgotten: their offer and every request they made or were sent are gone; a pair a
    request made can still be deleted with everything in it."""
    _offer(engine)
    _offer(engine, who=OTHER, achievements="Gave a conference talk in 2026")
    request = asking.ask(engine, Actor(MENTEE), MENTEE, NEAR, GOAL, T0)
    pair = pair_up(engine, NEAR, MENTEE, "CNEW")
    asking.answer(engine, Actor(NEAR), request.id, ACCEPTED, T0, pair.id)
    asking.ask(engine, Actor(MENTEE), MENTEE, OTHER, GOAL, T0)
    done = forgetting.forget(engine, Actor(NEAR), NEAR, NEAR, T(hours=1))
    assert done.deleted.matching == 2 and offers.offer_of(engine, NEAR) is None
    with session_scope(engine) as session:
        left = session.exec(select(MentorRequest)).all()
    assert [(r.mentee_id, r.mentor_id) for r in left] == [(MENTEE, OTHER)]
    forgetting.forget(engine, Actor(MENTEE), MENTEE, MENTEE, T(hours=2))
    assert scan(engine, (GOAL,)) == [] and offers.offer_of(engine, OTHER) is not None


def test_a_mentee_in_two_mentorships_names_which_goal_with_to(engine) -> None:
    """Two mentors: `#1` alone is ambiguous; `#1 to @mentor` (or the pair's channel) picks it."""
    for mentor, channel, text in (("UMENTOR", "C1", GOAL), ("UOTHERMENTOR", "C2", "Write a book")):
        pair = pair_up(engine, mentor, MENTEE, channel)
        capture.capture(engine, Actor(MENTEE), Kind.GOAL, text, Target(pair_id=pair.id), T0)
    with pytest.raises(AmbiguousPair):
        finding.goal_text(engine, Actor(MENTEE), Target(), 1)
    assert finding.goal_text(engine, Actor(MENTEE), Target(with_user="UOTHERMENTOR"), 1) == (
        "Write a book"
    )
    assert finding.goal_text(engine, Actor(MENTEE), Target(channel_id="C1"), 1) == GOAL

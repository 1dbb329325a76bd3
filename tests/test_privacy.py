"""A pair's goals, wins, notes, agendas and reviews are for the two of them: every surface
refuses everyone else.

The attempts come from the registries, not from a list kept by hand: every verb of every
command (typed as its help shows it, in the pair's own channel, and naming either member),
every button (replayed with the real value the pair was shown, in the state it was shown in),
every form (submitted with the real private_metadata the pair's modal carried). An outsider,
an admin — who may pair and unpair people but not read them — and a programme coordinator —
who sees every pair's activity but not its content — try each. Nothing is shown,
changed, posted, uploaded or published. A verb, button or form registered later is tried too,
or its test fails naming it (tests/surfaces.py builds the pair once for the run).

A person's own record follows the same rule: an export holds only what is the person's (never
the other member's answers, nor the mentee's fit answer for the mentor), forgetting someone
leaves none of their words in any table, and nobody but an admin forgets anyone but themselves.

Finding a mentor too: a request and its answer reach only the mentee and the mentor, nobody
offers on someone's behalf or sees who offered, and a mentor's wins are evidence only with
their consent.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from handlers import pairing
from handlers.matching.blocks import ACCEPT_REQUEST, ASK_MENTOR, DECLINE_REQUEST
from handlers.matching.offer import OFFER_ACHIEVEMENTS, OFFER_AREAS, OFFER_CAPACITY, OFFER_FORM
from handlers.records import forget
from handlers.reviews.messages import summary_message
from handlers.reviews.questionnaire import REVIEW_PAGE
from handlers.routing import BUTTONS, FORMS, PAIR_FORMS, VERBS, Verb
from handlers.wins.blocks import UNDO_WIN
from mentoring.matching.offers import OfferText, save_offer
from mentoring.model import Actor, Target
from mentoring.reviews.questionnaire import questionnaire
from mentoring.reviews.summary import last_summary
from tests.conftest import ADMIN, MENTEE, MENTOR, OUTSIDER, PAIR_CHANNEL, flatten_text
from tests.support import T0, scan
from tests.surfaces import (
    COORDINATOR,
    MENTOR_ACHIEVEMENT,
    NEW_MENTEE,
    NEW_MENTOR,
    SECRET_DONE_WHEN,
    SECRET_FIT,
    SECRET_GOAL,
    SECRET_REVIEW,
    SECRET_WIN,
    SECRETS,
    Click,
    Command,
    Crawl,
    Step,
    Submit,
    Surfaces,
    dm_user,
    filled,
    shown_to,
    texts_of,
)

OTHERS = (OUTSIDER, ADMIN, COORDINATOR)
ADMIN_MAY = {pairing.END_PAIR, pairing.KEEP_PAIR}  # admins end pairs (test_an_admin_can_end…)
# Coordinators get the CSV (an upload): see test_a_coordinator_sees_activity_never_content
COORDINATOR_MAY = {"/mentor programme csv"}


def _named(verb: Verb) -> str:
    return f"{verb.command} {'|'.join(verb.words) if verb.words is not None else '<text>'}"


def _attempted(surfaces: Surfaces, attempt: Click | Command | Submit) -> str:
    """Make the attempt and check that it changed, posted and published nothing; returns what
    the person was shown."""
    before = surfaces.snapshot()
    seen = surfaces.do(attempt)
    assert surfaces.snapshot() == before, attempt
    posted = [channel for channel, _ in seen.messages if channel != attempt.user]
    assert posted == [], attempt
    assert seen.published == {} and surfaces.fake.uploads() == [], attempt
    shown = shown_to(surfaces, attempt.user, seen)
    assert not any(secret in shown for secret in SECRETS), attempt
    return shown


def test_the_snapshot_sees_what_a_member_changes(surfaces: Surfaces) -> None:
    """The instrument of "changes nothing": the same command from the mentee does change
    the snapshot (a goal written, in the goal table)."""
    surfaces.restore()
    before = surfaces.snapshot()
    surfaces.do(Command(MENTEE, "/goal", "Give my first conference talk by June 2027"))
    after = json.loads(surfaces.snapshot())
    assert after != json.loads(before)
    assert any("first conference talk" in str(row) for row in after["goal"])


@pytest.mark.parametrize("who", OTHERS)
@pytest.mark.parametrize("verb", VERBS, ids=_named)
def test_every_verb_from_someone_else_reads_and_changes_nothing(
    surfaces: Surfaces, verb: Verb, who: str
) -> None:
    """Typed in the pair's own channel, and naming either member: another person's command
    shows nothing of the pair and changes nothing; a verb about a pair is refused."""
    texts = texts_of(verb)
    assert texts, f"{_named(verb)} has no example: add one, so it is in the help and tried here"
    if who == COORDINATOR and verb.usage in COORDINATOR_MAY:
        pytest.skip("coordinators may; see test_a_coordinator_sees_activity_never_content")
    surfaces.restore()
    for text in texts:
        text = text.replace("@mentor", f"<@{MENTOR}>").replace("@mentee", f"<@{MENTEE}>")
        tries = [text] + ([f"{text} to <@{MENTEE}>", f"{text} to <@{MENTOR}>"] if verb.pair else [])
        for typed in tries:
            shown = _attempted(surfaces, Command(who, verb.command, typed))
            if verb.pair:
                assert shown.startswith(":warning:"), (verb.command, typed, shown)


BUTTON_IDS = [button.action_id for button in BUTTONS] + [f.opener for f in PAIR_FORMS.values()]


@pytest.mark.parametrize("action_id", BUTTON_IDS)
def test_every_button_replayed_by_someone_else_is_refused(
    surfaces: Surfaces, crawled: Crawl, action_id: str
) -> None:
    """Each button, clicked by each of the others (an outsider, an admin, a coordinator) with
    the very value the pair was shown, right when it was shown: refused, nothing changed,
    posted, opened or published. (Each refusal changes nothing, so the next person clicks in
    the same state; the way there is replayed once.) Admins may end a pair: see the admin
    test below."""
    path = crawled.path_to_button(action_id)
    click = path[-1]
    assert isinstance(click, Click)
    surfaces.restore()
    for action in path[:-1]:
        surfaces.do(action)
    for who in OTHERS:
        if who == ADMIN and action_id in ADMIN_MAY:
            continue
        opened = len(surfaces.fake.calls_to("views.open"))
        shown = _attempted(surfaces, Click(who, click.action_id, click.value, click.on_home))
        assert len(surfaces.fake.calls_to("views.open")) == opened, who  # no form on their data
        assert shown.startswith(":warning:") or "isn't one of yours" in shown, (who, shown)


@pytest.mark.parametrize("who", OTHERS)
@pytest.mark.parametrize("callback_id", sorted(FORMS))
def test_every_form_submitted_by_someone_else_is_refused(
    surfaces: Surfaces, crawled: Crawl, callback_id: str, who: str
) -> None:
    """Each form, submitted by someone else with the pair's real private_metadata and values a
    member could send: refused in their DM, nothing changed, posted or published."""
    assert callback_id in crawled.forms, f"no button opens the form {callback_id!r}"
    path, _values, view = crawled.forms[callback_id]
    surfaces.restore()
    for action in path:
        surfaces.do(action)
    attempt = Submit(who, callback_id, filled(view), view.get("private_metadata", ""))
    shown = _attempted(surfaces, attempt)
    assert "isn't one of yours" in shown or "no longer" in shown, shown


@pytest.mark.parametrize("value", ["", "abc", "1:2:3:4", "-1", "99999999", "9" * 5000, "²"])
def test_malformed_button_values_are_refused_politely(surfaces: Surfaces, value: str) -> None:
    """Garbage in a button value: a clear message, never an error page, nothing changed."""
    surfaces.restore()
    before = surfaces.snapshot()
    clicked = surfaces.wire.click(UNDO_WIN, value, user=MENTEE)
    assert clicked.http.status_code == 200
    assert "out of date" in clicked.reply_text or "no longer there" in clicked.reply_text
    assert surfaces.snapshot() == before


def test_an_admin_can_end_a_pair_but_the_home_shows_them_nothing_of_it(
    surfaces: Surfaces,
) -> None:
    """Admins manage pairs; their own App Home and status hold none of the pair's content."""
    surfaces.restore()
    wire = surfaces.wire
    asked = wire.command("/mentor", f"end <@{MENTOR}> <@{MENTEE}>", user=ADMIN, channel="DUADMIN")
    assert SECRET_GOAL not in asked.reply_text
    ended = wire.click(pairing.END_PAIR, str(surfaces.ids["pair"]), user=ADMIN)
    assert "was ended by" in ended.reply_text
    status = wire.command("/mentor", "status", user=ADMIN, channel="DUADMIN")
    assert "not in a mentorship" in status.reply_text
    wire.open_home(ADMIN)
    assert not any(secret in flatten_text(wire.home_of(ADMIN)) for secret in SECRETS)


@pytest.mark.parametrize("who", [OUTSIDER, ADMIN, MENTOR])
@pytest.mark.parametrize("page", range(5))
def test_forged_review_pages_save_nothing(
    surfaces: Surfaces, crawled: Crawl, who: str, page: int
) -> None:
    """A page of the open review, submitted with its real id in a forged private_metadata and
    answers that are not the person's to give: others are refused, the mentor cannot reach the
    mentee's pages, nothing changes and nothing of the pair is shown."""
    from handlers.reviews.messages import ANSWER_REVIEW

    path = crawled.path_to_button(ANSWER_REVIEW)
    surfaces.restore()
    for action in path[:-1]:
        surfaces.do(action)
    review_id = int(path[-1].value)  # type: ignore[union-attr]
    before, posts = surfaces.snapshot(), surfaces.fake.messages_in(PAIR_CHANNEL)
    metadata = json.dumps({"review": review_id, "page": page})
    values = {
        "stop": {"type": "plain_text_input", "value": "Forged"},
        "fit_score": {"type": "static_select", "selected_option": {"value": "5"}},
    }
    response = surfaces.wire.submit(REVIEW_PAGE, values, user=who, private_metadata=metadata)
    assert response.status_code == 200
    body = response.json()
    assert body["response_action"] in ("update", "errors")
    assert not any(secret in json.dumps(body) for secret in SECRETS)
    assert _but_own_answer(surfaces.snapshot(), who) == _but_own_answer(before, who)
    assert surfaces.fake.messages_in(PAIR_CHANNEL) == posts


def _but_own_answer(snapshot: str, who: str) -> dict:
    """Every row but `who`'s own review answer: the mentor may save their own page (even an
    empty one, by forging their own submission), never anything of the mentee's."""
    rows = json.loads(snapshot)
    rows["review_answer"] = [r for r in rows["review_answer"] if r["author_id"] != who]
    return rows


def test_the_fit_answer_reaches_nobody_but_the_mentee(surfaces: Surfaces, crawled: Crawl) -> None:
    """The summary (posted, and shown by /review) carries what the mentee chose to share but
    never the fit answer; the mentor's form for the next review has no fit question."""
    from handlers.reviews.messages import ANSWER_REVIEW

    surfaces.restore()
    engine = surfaces.services.engine
    summary = last_summary(engine, Actor(MENTOR), Target(pair_id=surfaces.ids["pair"]))
    shared = json.dumps(summary_message(summary))
    assert SECRET_REVIEW in shared and SECRET_FIT not in shared
    shown = surfaces.wire.command("/review", "", user=MENTOR).reply_text
    assert "Review 1: summary" in shown and SECRET_FIT not in shown
    path = crawled.path_to_button(ANSWER_REVIEW)
    for action in path[:-1]:
        surfaces.do(action)
    form = questionnaire(engine, Actor(MENTOR), int(path[-1].value), T0)  # type: ignore[union-attr]
    assert "fit" not in form.pages and form.saved.fit_comment is None


@pytest.mark.parametrize("who", OTHERS)
def test_someone_elses_home_shows_nothing_of_the_pair(surfaces: Surfaces, who: str) -> None:
    """An outsider's or an admin's Home, published when they open it, holds none of the pair's
    text or channel."""
    surfaces.restore()
    surfaces.wire.open_home(who)
    shown = flatten_text(surfaces.wire.home_of(who))
    assert not any(secret in shown for secret in SECRETS) and f"<#{PAIR_CHANNEL}>" not in shown


# Coordinators


def test_a_coordinator_sees_activity_never_content(surfaces: Surfaces) -> None:
    """Everything a coordinator can reach — the Home, `/mentor programme`, its CSV, the digest
    switch, and the weekly digest itself — names the pair once it drifts, with its signals,
    and holds none of the pair's words or its channel."""
    from handlers.programme.blocks import digest_dm
    from mentoring.model import Actor as Who
    from mentoring.programme import programme

    surfaces.restore()
    surfaces.clock.now = T0 + timedelta(days=30)  # the pair drifts: it is listed
    try:
        wire, shown = surfaces.wire, []
        wire.open_home(COORDINATOR)
        shown.append(flatten_text(wire.home_of(COORDINATOR)))
        for text in ("programme", "programme digest on", "programme digest", "programme csv",
                     "programme digest off", "visibility"):  # fmt: skip
            shown.append(wire.command("/mentor", text, user=COORDINATOR).reply_text)
        (upload,) = surfaces.fake.uploads()
        assert upload.channels == (f"D{COORDINATOR}",)
        shown.append(upload.data.decode())
        seen = programme(surfaces.services.engine, Who(COORDINATOR, is_coordinator=True), T0)
        shown.append(flatten_text(digest_dm(seen)))
    finally:
        surfaces.clock.now = T0
    assert f"<@{MENTOR}> mentoring <@{MENTEE}>" in shown[0], shown[0]
    assert f"{MENTOR},maria,{MENTEE},lee,no meeting held" in upload.data.decode()
    for text in shown:
        assert not any(secret in text for secret in SECRETS), text
        assert f"<#{PAIR_CHANNEL}>" not in text and PAIR_CHANNEL not in text


def test_a_member_sees_what_coordinators_see_and_others_cannot_ask(surfaces: Surfaces) -> None:
    """`/mentor visibility` tells each member what coordinators see of their pair, with none
    of its content; someone outside the pair is refused."""
    surfaces.restore()
    told = surfaces.wire.command("/mentor", "visibility", user=MENTOR).reply_text
    assert "coordinator" in told and "never see your goals" in told
    assert not any(secret in told for secret in SECRETS)
    refused = surfaces.wire.command("/mentor", "visibility", user=OUTSIDER).reply_text
    assert refused.startswith(":warning:")


# A person's own record: export and forget


def _exported(surfaces: Surfaces, who: str) -> str:
    """What `/mentor export` sent `who`, both files, as text (nothing: "")."""
    uploads = surfaces.fake.uploads()
    surfaces.wire.command("/mentor", "export", user=who)
    sent = surfaces.fake.uploads()[len(uploads) :]
    assert all(upload.channels == (f"D{who}",) for upload in sent)
    return "\n".join(upload.data.decode() for upload in sent)


def test_an_export_never_holds_the_other_members_answers(surfaces: Surfaces) -> None:
    """The mentor's export holds the wins they were told of and their own answers, never the
    mentee's: not the fit answer (the mentee's alone), not their Stop/Start/Continue, goals,
    steps, notes or agenda; the mentee's export holds their own fit answer and none of the
    mentor's words."""
    surfaces.restore()
    mentor = _exported(surfaces, MENTOR)
    assert SECRET_WIN in mentor and "Cancelling late" in mentor
    assert not any(secret in mentor for secret in SECRETS if secret != SECRET_WIN)
    mentee = _exported(surfaces, MENTEE)
    assert SECRET_FIT in mentee and SECRET_REVIEW in mentee and SECRET_GOAL in mentee
    assert SECRET_DONE_WHEN in mentee
    assert not any(words in mentee for words in ("Cancelling late", "Agendas", "Pairing"))


def test_an_outsider_exports_and_forgets_nobody_but_themselves(surfaces: Surfaces) -> None:
    """An outsider's export sends nothing (they have no record); naming a member to forget is
    refused; a Confirm forged to name a member — as shown to them, or to the member — is
    refused; forgetting themselves changes nothing of the pair."""
    surfaces.restore()
    before = surfaces.snapshot()
    assert _exported(surfaces, OUTSIDER) == ""
    for member in (MENTEE, MENTOR):
        named = surfaces.wire.command("/mentor", f"forget <@{member}>", user=OUTSIDER)
        assert named.reply_text.startswith(":warning: Only an admin")
        for issuer in (OUTSIDER, member):
            forged = surfaces.wire.click(forget.FORGET, f"{member}:{issuer}", user=OUTSIDER)
            assert forged.reply_text.startswith(":warning:"), forged.reply_text
    asked = surfaces.wire.command("/mentor", "forget me", user=OUTSIDER)
    assert not any(secret in asked.reply_text for secret in SECRETS)
    done = surfaces.wire.click(forget.FORGET, f"{OUTSIDER}:{OUTSIDER}", user=OUTSIDER)
    assert done.reply_text.startswith(":wastebasket: You are forgotten")
    assert surfaces.snapshot() == before
    assert surfaces.fake.messages_in(PAIR_CHANNEL) == [] and surfaces.fake.uploads() == []


def test_a_member_who_is_not_an_admin_cannot_forget_the_other(surfaces: Surfaces) -> None:
    """`/mentor forget @mentee` from the mentor is refused and changes nothing; so is the
    Confirm forged with the mentee's id."""
    surfaces.restore()
    before = surfaces.snapshot()
    refused = surfaces.wire.command("/mentor", f"forget <@{MENTEE}>", user=MENTOR)
    assert refused.reply_text.startswith(":warning: Only an admin")
    for issuer in (MENTOR, MENTEE):
        forged = surfaces.wire.click(forget.FORGET, f"{MENTEE}:{issuer}", user=MENTOR)
        assert forged.reply_text.startswith(":warning:")
    assert surfaces.snapshot() == before


def test_forgetting_leaves_no_text_of_the_person_anywhere(surfaces: Surfaces) -> None:
    """Once the mentee confirms, none of their words (every secret of the pair is theirs) is in
    any table, and their id only in the confirming click's own piece of work — who asked,
    kept like all finished work for a week (tests/test_forget.py prunes it and scans again)."""
    surfaces.restore()
    engine = surfaces.services.engine
    assert {hit[2] for hit in scan(engine, SECRETS)} == set(SECRETS)  # each is there to find
    asked = surfaces.wire.command("/mentor", "forget me", user=MENTEE)
    surfaces.wire.click(forget.FORGET, f"{MENTEE}:{MENTEE}", user=MENTEE)
    assert "Forget me?" in asked.reply_text
    assert scan(engine, SECRETS) == []
    assert set(scan(engine, (MENTEE,))) == {("work", "payload", MENTEE)}


# Finding a mentor: offers, requests and their answers


MATCHING_CLICKS = (ASK_MENTOR, ACCEPT_REQUEST, DECLINE_REQUEST)


def _matching_steps(crawled: Crawl) -> list[Step]:
    steps = [
        step
        for step in crawled.steps
        if isinstance(step.action, Click)
        and any(step.action.action_id.startswith(clicked) for clicked in MATCHING_CLICKS)
    ]
    assert {s.action.action_id.rstrip("_0123456789") for s in steps} == set(MATCHING_CLICKS)  # type: ignore[union-attr]
    return steps


def test_a_request_and_its_answer_reach_only_the_mentee_and_the_mentor(crawled: Crawl) -> None:
    """Every Ask, Accept and Decline the crawl made posted only to the mentee's DM, the
    mentor's DM, or the private channel Accept made for the two of them (nobody else invited);
    and the mentor got the goal and nothing else of the mentee's."""
    two = {MENTEE, NEW_MENTOR}
    for step in _matching_steps(crawled):
        assert step.action.user in two  # type: ignore[union-attr]
        made = {channel for channel, _ in step.seen.invites}
        assert all(set(users.split(",")) == two for _, users in step.seen.invites)
        for channel, message in step.seen.messages:
            assert dm_user(channel) in two or channel in made, (step.action, channel)
            if dm_user(channel) == NEW_MENTOR:
                assert not any(secret in flatten_text(message) for secret in SECRETS)


@pytest.mark.parametrize("who", OTHERS)
def test_nobody_offers_on_someone_elses_behalf(surfaces: Surfaces, who: str) -> None:
    """The offer form submitted by someone else with the offerer's id (an admin too): refused
    in their DM, and the offer unchanged."""
    surfaces.restore()
    before = surfaces.snapshot()
    values = {
        OFFER_AREAS: {"type": "plain_text_input", "value": "Forged areas"},
        OFFER_ACHIEVEMENTS: {"type": "plain_text_input", "value": "Forged in 2026"},
        OFFER_CAPACITY: {"type": "static_select", "selected_option": {"value": "5"}},
    }
    for owner in (NEW_MENTOR, MENTEE):
        seen = surfaces.do(Submit(who, OFFER_FORM, json.dumps(values), owner))
        assert "isn't one of yours" in shown_to(surfaces, who, seen)
    assert surfaces.snapshot() == before


@pytest.mark.parametrize("who", OTHERS)
def test_nobody_sees_who_offered_but_a_mentee_whose_goal_matches(
    surfaces: Surfaces, who: str
) -> None:
    """Every verb typed by someone else, their Home and their own offer form name nobody who
    offered and none of an offer's words; a search that matches nobody says so, naming none."""
    surfaces.restore()
    shown = []
    for verb in VERBS:
        for text in texts_of(verb):
            seen = surfaces.do(Command(who, verb.command, text, f"D{who}"))
            shown.append(shown_to(surfaces, who, seen))
    surfaces.wire.open_home(who)
    shown.append(flatten_text(surfaces.wire.home_of(who)))
    seen = surfaces.do(Command(who, "/mentor", "find learn to play the cello", f"D{who}"))
    shown.append(shown_to(surfaces, who, seen))
    assert "Nobody who offers" in shown[-1]
    everything = "\n".join(shown)
    assert NEW_MENTOR not in everything and MENTOR_ACHIEVEMENT not in everything


def test_a_mentors_wins_reach_nobody_without_their_consent(surfaces: Surfaces) -> None:
    """The mentee, offering to mentor without consent, is never suggested on the strength of
    the win they logged, whoever searches for nearly its words; with consent, it can be."""
    surfaces.restore()
    engine = surfaces.services.engine
    areas = "honest conversations with a manager about burnout"
    withheld = OfferText(areas, "Baked bread in 2026", 2, consent=False)
    save_offer(engine, Actor(MENTEE), MENTEE, withheld, "America/New_York", T0)
    searches = [
        Command(who, "/mentor", "find tell my manager about my burnout", f"D{who}")
        for who in (OUTSIDER, ADMIN, NEW_MENTEE)
    ]
    for search in searches:
        shown = shown_to(surfaces, search.user, surfaces.do(search))
        assert SECRET_WIN not in shown, search
    consented = OfferText(areas, "Baked bread in 2026", 2, consent=True)
    save_offer(engine, Actor(MENTEE), MENTEE, consented, "America/New_York", T0)
    shown = shown_to(surfaces, OUTSIDER, surfaces.do(searches[0]))
    assert SECRET_WIN in shown and "shared with their consent" in shown

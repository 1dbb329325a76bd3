"""`/mentor offer`: the form where someone offers to mentor (again: edits it), and
`/mentor offer off`, which withdraws it. The form is the person's own: it carries their id,
and the rule refuses anyone else who submits it."""

from __future__ import annotations

from datetime import date
from typing import Any

from handlers import forms
from handlers.help import Topic
from handlers.kit import (
    Block,
    Message,
    context,
    ephemeral,
    input_block,
    modal,
    option,
    plural,
    section,
    text_input,
)
from handlers.routing import Part, Values, form, verb
from handlers.runtime import Call
from handlers.slack_text import mrkdwn
from mentoring.matching import offers
from mentoring.matching.offers import OfferInfo, OfferText

OFFER_FORM = "mentor_offer"
OFFER_AREAS = "offer_areas"
OFFER_ACHIEVEMENTS = "offer_achievements"
OFFER_CAPACITY = "offer_capacity"
OFFER_CONSENT = "offer_consent"
CONSENT_YES, CONSENT_NO = "yes", "no"


@verb(
    "/mentor",
    "offer",
    r"(?P<off>off)?",
    usage="/mentor offer",
    topic=Topic.MENTORSHIP,
    examples=(("/mentor offer", "offer to mentor, or edit it (`off` withdraws it)"),),
    pair=False,
    refusal="`/mentor offer` opens your offer to mentor; `/mentor offer off` withdraws it.",
)
def offer(call: Call, off: str | None) -> Message | None:
    """Open the person's own offer form (filled with their offer, if they made one), or
    withdraw their offer."""
    if off:
        withdrawn = call.apply(offers.withdraw_offer, call.engine, call.actor)
        if withdrawn is None:
            return ephemeral(
                "You weren't offering to mentor, so nothing changed. `/mentor offer` makes an "
                "offer."
            )
        return ephemeral(
            ":wave: Your offer to mentor is withdrawn: you won't be suggested to anyone. "
            "Requests you already have are still yours to answer."
        )
    mine = call.apply(offers.offer_of, call.engine, call.user_id)
    call.open_modal(offer_form(call.user_id, mine, call.zone_of(call.user_id)))
    return None


def read_offer_form(values: Values, _today: date) -> tuple[Any, ...]:
    return (
        offers.read_offer(
            forms.text_of(values, OFFER_AREAS),
            forms.text_of(values, OFFER_ACHIEVEMENTS),
            forms.picked(values, OFFER_CAPACITY),
            forms.picked(values, OFFER_CONSENT) == CONSENT_YES,
        ),
    )


OFFER_FIELDS = {
    "areas": OFFER_AREAS,
    "achievements": OFFER_ACHIEVEMENTS,
    "capacity": OFFER_CAPACITY,
}


@form(OFFER_FORM, read=read_offer_form, fields=OFFER_FIELDS, metadata=Part.PERSON)
def save_offer(call: Call, owner: str, text: OfferText) -> Message:
    saved = call.apply(
        offers.save_offer,
        call.engine,
        call.actor,
        owner,
        text,
        call.zone_of(call.user_id),
        call.now,
    )
    return offer_saved(saved)


# Block Kit


def _select(block_id: str, label: str, choices: list[tuple[str, str]], initial: str) -> Block:
    element: Block = {
        "type": "static_select",
        "action_id": block_id,
        "options": [option(text, value) for value, text in choices],
        "initial_option": next(option(t, v) for v, t in choices if v == initial),
    }
    return input_block(block_id, label, element)


def offer_form(owner: str, mine: OfferInfo | None, tz: str | None) -> Block:
    """The offer form, filled with the person's offer when they have one; the private metadata
    is whose it is."""
    areas = text_input(OFFER_AREAS, offers.AREAS_MAX)
    areas["placeholder"] = {"type": "plain_text", "text": "e.g. public speaking, CFP proposals"}
    achieved = text_input(OFFER_ACHIEVEMENTS, offers.ACHIEVEMENTS_MAX)
    achieved["placeholder"] = {
        "type": "plain_text",
        "text": "One a line, with the year: gave my first three conference talks in 2025",
    }
    if mine is not None:
        areas["initial_value"], achieved["initial_value"] = mine.areas, mine.achievements
    capacity = [(str(n), plural(n, "mentee")) for n in range(1, offers.MAX_MENTEES + 1)]
    consent = [
        (CONSENT_NO, "No: only what I write here"),
        (CONSENT_YES, "Yes: my achieved goals and logged wins"),
    ]
    zone = tz or "not set in Slack (you won't be left out for it)"
    blocks = [
        context(
            "Mentees find mentors *one or two steps ahead*: someone who recently did what they "
            "want to do. Only a mentee whose goal matches sees your offer — as one suggestion, "
            "with the achievement that matched."
        ),
        input_block(OFFER_AREAS, "What can you help with?", areas),
        input_block(OFFER_ACHIEVEMENTS, "What have you recently achieved?", achieved),
        _select(
            OFFER_CAPACITY,
            "How many mentees can you take?",
            capacity,
            str(mine.capacity if mine else 1),
        ),
        _select(
            OFFER_CONSENT,
            "Use the goals you achieved and wins you logged here as evidence?",
            consent,
            CONSENT_YES if mine and mine.consent else CONSENT_NO,
        ),
        context(
            f"Your time zone, from Slack: {mrkdwn(zone)}. You're suggested to mentees who share "
            "at least 2 of your working hours (09:00–18:00 local)."
        ),
    ]
    title = "Your mentor offer" if mine else "Offer to mentor"
    return modal(OFFER_FORM, owner, title, blocks, submit="Save")


def offer_saved(saved: OfferInfo) -> Message:
    evidence = (
        "your achieved goals and logged wins count as evidence too"
        if saved.consent
        else "only what you wrote counts as evidence"
    )
    line = (
        f":raised_hands: Thanks — you're offering to mentor up to "
        f"{plural(saved.capacity, 'mentee')}; {evidence}."
    )
    return ephemeral(
        line,
        [
            section(line),
            context("`/mentor offer` edits it · `/mentor offer off` withdraws it"),
        ],
    )

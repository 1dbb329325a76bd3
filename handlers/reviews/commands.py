"""`/review`, `/review history`, `/review now`, `/mentor review [every …|off]`, and the Answer
review button that opens the questionnaire."""

from __future__ import annotations

from handlers.help import Topic
from handlers.kit import Message
from handlers.reviews.messages import (
    ANSWER_REVIEW,
    last_review,
    review_cadence,
    review_history,
    review_started,
)
from handlers.reviews.questionnaire import review_page
from handlers.routing import Part, button, verb
from handlers.runtime import Call, Reply
from mentoring.reviews import planning as planning_rules
from mentoring.reviews import questionnaire as questionnaire_rules
from mentoring.reviews import summary as summary_rules
from mentoring.reviews.cadence import parse_every

REVIEWS_LISTED = 20


@verb(
    "/review",
    ("", "last", "show"),
    usage="/review",
    topic=Topic.REVIEWS,
    examples=(("/review", "the last review's summary"),),
)
def show_last_review(call: Call) -> Message:
    return last_review(call.apply(summary_rules.last_summary, call.engine, call.actor, call.target))


@verb(
    "/review",
    ("history", "list"),
    usage="/review history",
    topic=Topic.REVIEWS,
    examples=(("/review history", "past reviews"),),
)
def show_review_history(call: Call) -> Message:
    history = call.apply(
        summary_rules.review_history, call.engine, call.actor, call.target, REVIEWS_LISTED
    )
    return review_history(history)


@verb(
    "/review",
    ("now", "start"),
    usage="/review now",
    topic=Topic.REVIEWS,
    examples=(("/review now", "start a review at once (each of you answers privately)"),),
)
def start_review(call: Call) -> Reply:
    started = call.apply(
        planning_rules.start_review_now, call.engine, call.actor, call.target, call.now
    )
    return Reply.after(started, review_started(started))


@verb(
    "/mentor",
    ("review", "reviews"),
    r"(?P<every>.*)",
    usage="/mentor review every <n> weeks",
    topic=Topic.REVIEWS,
    examples=(
        (
            "/mentor review every 6 weeks",
            "reviews every 6 weeks, after a meeting (default 4; `off` stops them)",
        ),
    ),
)
def review_cadence_of_pair(call: Call, every: str) -> Message | Reply:
    if not every.strip():
        return review_cadence(
            call.apply(
                planning_rules.show_review_cadence, call.engine, call.actor, call.target, call.now
            )
        )
    weeks = parse_every(every.split())
    cadence = call.apply(
        planning_rules.set_review_cadence, call.engine, call.actor, call.target, weeks, call.now
    )
    return Reply.after(cadence, review_cadence(cadence))


@button(ANSWER_REVIEW, Part.REVIEW, opens_modal=True)
def open_review(call: Call, review_id: int) -> None:
    """The person's questionnaire at its first page (trigger ids last three seconds, so this
    runs straight after the ack)."""
    form = call.apply(
        questionnaire_rules.questionnaire, call.engine, call.actor, review_id, call.now
    )
    call.open_modal(review_page(form, 0))

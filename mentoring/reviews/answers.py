"""Saving a review's answers: the questionnaire a page at a time, or Stop/Start/Continue by DM.

Each page is saved when it is submitted, so nothing typed is lost; the last page marks the
answer complete. Submitting again updates the same answer. A page's answers are read from the
fields it showed (see `mentoring.reviews.questionnaire`).

Everything about the review arrives from outside (the modal's metadata, field ids), so every
save checks again that the person is a member, the review is open, the page is theirs, and
every id belongs to the pair.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from mentoring.dates import local_date
from mentoring.errors import InvalidInput
from mentoring.goals import parse_goal
from mentoring.model import Actor, PairInfo, Role
from mentoring.reviews.closing import member_answered
from mentoring.reviews.questionnaire import (
    BOTTLENECKS,
    CHECKIN_OUTCOMES,
    DECISIONS,
    MENTOR_PAGES,
    PAGE_ORDER,
    Questionnaire,
    answerable_review,
    page_kind,
    questionnaire_in,
)
from mentoring.zones import member_zone
from storage import ledger
from storage import meetings as meeting_store
from storage import reviews as store
from storage.db import session_scope
from storage.models import Delivery, Pair, ReviewAnswer, ReviewFit

ANSWER_MAX_CHARS = 2000
FIT_LOW = 2
OUT_OF_DATE = "This review form is out of date; open it again from the post."


class ReviewFieldErrors(InvalidInput):
    """Answers that cannot be saved, by field; shown beside each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("Some answers need another look.")
        self.errors = errors


@dataclass(frozen=True)
class PageSaved:
    next_page: int | None  # index of the page to show next; None when the answer is complete
    complete: bool = False
    both_answered: bool = False
    low_fit: bool = False  # the mentee rated the fit 2 or lower: a kind private note follows


def save_page(
    engine: Engine,
    actor: Actor,
    review_id: int,
    page: str | int,
    values: dict[str, object],
    now: datetime,
) -> PageSaved:
    """Check one page's answers (the fields it showed) against the review as it stands, and
    save them. `page` is the page's name; a number (a form opened before pages had names)
    is read as a position in the questionnaire."""
    with session_scope(engine) as session:
        review, pair, role = answerable_review(session, actor, review_id, now, lock=True)
        form = questionnaire_in(session, review, pair, actor.user_id, role)
        if isinstance(page, int):
            if not 0 <= page < len(form.pages):
                raise InvalidInput(OUT_OF_DATE)
            page = form.pages[page]
        if page_kind(page) not in PAGE_ORDER or (
            role == Role.MENTOR and page_kind(page) not in MENTOR_PAGES
        ):
            raise InvalidInput(OUT_OF_DATE)
        answer = store.answer_of(session, review_id, actor.user_id) or ReviewAnswer(
            review_id=review_id, author_id=actor.user_id, role=role.value, updated_at=now
        )
        # Checked before Slack's ack, with no time to ask Slack: the zone the schedule keeps.
        schedule = meeting_store.schedule_of(session, pair.id or 0)
        today = local_date(now, member_zone(schedule, role))
        low_fit = _save(session, form, page, values, answer, now, today)
        answer.updated_at = now
        following = form.index_after(page)
        if following is None:  # the end: unless something shifted past unanswered meanwhile
            following = form.first_gap(answer)
        last = following is None
        if last:
            answer.submitted_at = now
        session.add(answer)
        session.flush()
        both = member_answered(session, review, pair, now) if last else False
        return PageSaved(following, last, both, low_fit)


# Checking and saving a page


def _text(values: dict[str, object], key: str) -> str:
    value = values.get(key)
    return value.strip() if isinstance(value, str) else ""


def _save(
    session: Session,
    form: Questionnaire,
    page: str,
    values: dict[str, object],
    answer: ReviewAnswer,
    now: datetime,
    today: date,
) -> bool:
    """Check and store one page. Items are those of the review that the page showed (its
    field ids are in `values`); returns True when the mentee rated the fit low."""
    errors: dict[str, str] = {}
    low_fit = False
    kind = page_kind(page)
    if kind == "checkin":
        checkins = dict(answer.checkins)
        for commitment in form.checkins:
            key = f"checkin:{commitment.id}"
            if key not in values:
                continue
            choice = _text(values, key)
            if choice not in CHECKIN_OUTCOMES:
                errors[key] = "Pick yes, partly or no."
            checkins[str(commitment.id)] = choice
        answer.checkins = checkins
    elif kind == "audit":
        audit = answer.audit
        items, notes = dict(audit.get("items", {})), dict(audit.get("notes", {}))
        for entry in form.audit:
            keys = [f"item:goal:{entry.goal.id}"]
            keys += [f"item:milestone:{m.id}" for m in entry.milestones]
            for key in (key for key in keys if key in values):
                choice = _text(values, key)
                status, _, bottleneck = choice.partition(":")
                valid = status in ("done", "on_track") and not bottleneck
                valid = valid or (status == "behind" and bottleneck in BOTTLENECKS)
                if not valid:
                    errors[key] = "Pick done, on track, or behind with what held it up."
                items[key.removeprefix("item:")] = choice
            note_key = f"note:{entry.goal.id}"
            if note_key not in values and keys[-1] not in values:
                continue  # the goal's note is on the page with its last item
            statuses = [items.get(key.removeprefix("item:"), "") for key in keys]
            behind = any(status.startswith("behind") for status in statuses)
            note = _text(values, note_key)
            if behind and not note:
                errors[note_key] = "Something here is behind: add a line on what would help."
            elif len(note) > ANSWER_MAX_CHARS:
                errors[note_key] = f"Keep the note under {ANSWER_MAX_CHARS:,} characters."
            notes[str(entry.goal.id)] = note
        answer.audit = {"items": items, "notes": notes}
    elif kind == "evidence":
        offered = {str(win.id) for win in form.wins}
        picked = values.get("evidence")
        chosen = [str(v) for v in picked] if isinstance(picked, list) else []
        if offered and (not 1 <= len(chosen) <= 3 or not set(chosen) <= offered):
            errors["evidence"] = "Pick one to three wins that show practice, not just theory."
        answer.evidence = [int(v) for v in chosen if v in offered]
    elif kind == "ssc":
        parts = {"stop": "stop doing", "start": "start doing", "continue": "keep doing"}
        for key, words in parts.items():
            text = _text(values, key)
            if not text:
                errors[key] = f"Say what you'd {words} — “nothing” is an answer too."
            elif len(text) > ANSWER_MAX_CHARS:
                errors[key] = f"Keep it under {ANSWER_MAX_CHARS:,} characters."
        answer.stop, answer.start = _text(values, "stop"), _text(values, "start")
        answer.keep_doing = _text(values, "continue")
    elif kind == "goalpost":
        goalposts = dict(answer.goalposts)
        for goal in form.goals:
            key = f"decision:{goal.id}"
            if key not in values:
                continue
            decision = _text(values, key)
            if decision not in DECISIONS:
                errors[key] = "Pick keep, pivot, drop or achieved."
            entry = {"decision": decision}
            if decision == "pivot":
                wording, reason = _text(values, f"pivot:{goal.id}"), _text(values, f"why:{goal.id}")
                try:
                    parsed = parse_goal(wording, today)
                except InvalidInput as refused:
                    errors[f"pivot:{goal.id}"] = f"A pivot needs the goal's new wording. {refused}"
                else:
                    if parsed.text == goal.text and parsed.due_on in (None, goal.due_on):
                        errors[f"pivot:{goal.id}"] = "That is the goal's wording already."
                    due = parsed.due_on.isoformat() if parsed.due_on else None
                    entry |= {"text": parsed.text, "due_on": due}
                if not reason:
                    errors[f"why:{goal.id}"] = "Say why the goal is changing — it's kept with it."
                entry |= {"reason": reason}
            goalposts[str(goal.id)] = entry
        answer.goalposts = goalposts
    elif kind == "fit":
        score = _text(values, "fit_score")
        comment = _text(values, "fit_comment")
        if score not in ("1", "2", "3", "4", "5"):
            errors["fit_score"] = "Pick a number from 1 to 5."
        elif len(comment) > ANSWER_MAX_CHARS:
            errors["fit_comment"] = f"Keep it under {ANSWER_MAX_CHARS:,} characters."
        else:
            fit = store.fit_of(session, form.review.id) or ReviewFit(
                review_id=form.review.id, mentee_id=form.viewer, score=0, updated_at=now
            )
            fit.score, fit.comment, fit.updated_at = int(score), comment or None, now
            session.add(fit)
            low_fit = fit.score <= FIT_LOW
    if errors:
        raise ReviewFieldErrors(errors)
    return low_fit


# Answers by DM: "stop: … / start: … / continue: …" in the thread of the review DM


@dataclass(frozen=True)
class ReviewReplyFiled:
    kind = "review"
    pair: PairInfo
    review_number: int
    parts: tuple[str, ...]  # which of stop/start/continue the reply filled
    missing: tuple[str, ...]  # which of them are still empty
    more_in_form: bool = False  # the rest of the answer needs the Answer review button
    complete: bool = False


SSC_LINE = re.compile(r"^\s*(stop|start|continue|keep)\s*[:\-–]\s*(.*)$", re.IGNORECASE)


def parse_stop_start_continue(text: str) -> dict[str, str]:
    """`stop: …`, `start: …`, `continue: …` lines (a line without a label continues the one
    before it) → {"stop": …, "start": …, "continue": …} for the labels present."""
    found: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        match = SSC_LINE.match(line)
        if match:
            label = match.group(1).lower()
            current = "continue" if label == "keep" else label
            found.setdefault(current, []).append(match.group(2).strip())
        elif current is not None and line.strip():
            found[current].append(line.strip())
    return {key: "\n".join(v for v in lines if v) for key, lines in found.items()}


def answer_by_dm_in(
    session: Session, actor: Actor, channel: str, thread_ts: str, text: str, now: datetime
) -> ReviewReplyFiled | None:
    """A reply in the thread of a review DM (or its reminder) fills Stop/Start/Continue. None
    when the thread is not a review DM to this person. The answer is complete when that was
    all the person had left to answer (a mentor with no commitments to check in on, or who
    checked in on them in the form already)."""
    row = ledger.sent_prompt_at(session, channel, thread_ts)
    if row is None or row.kind not in ("review", "reminder") or row.audience == "channel":
        return None
    review, pair, role = answerable_review(session, actor, row.review_id or 0, now, lock=True)
    if not _addressed_to(row, pair, actor):
        return None
    parts = parse_stop_start_continue(text)
    if not parts:
        raise InvalidInput(
            "To answer here, reply with one line each: `stop: …`, `start: …`, `continue: …`. "
            "Or use the *Answer review* button for the whole review."
        )
    for key, value in parts.items():
        if len(value) > ANSWER_MAX_CHARS:
            raise InvalidInput(
                f"Your `{key}:` answer is {len(value):,} characters; each can be up to "
                f"{ANSWER_MAX_CHARS:,}. Nothing was saved: shorten it and reply again."
            )
    answer = store.answer_of(session, review.id or 0, actor.user_id) or ReviewAnswer(
        review_id=review.id or 0, author_id=actor.user_id, role=role.value, updated_at=now
    )
    for key, value in parts.items():
        if key == "stop":
            answer.stop = value
        elif key == "start":
            answer.start = value
        else:
            answer.keep_doing = value
    answer.updated_at = now
    missing = tuple(
        key
        for key, value in (
            ("stop", answer.stop),
            ("start", answer.start),
            ("continue", answer.keep_doing),
        )
        if not value
    )
    form = questionnaire_in(session, review, pair, actor.user_id, role)
    checked = answer.checkins
    unchecked = any(checked.get(str(c.id)) not in CHECKIN_OUTCOMES for c in form.checkins)
    more_in_form = role == Role.MENTEE or unchecked
    if answer.submitted_at is None and not missing and not more_in_form:
        answer.submitted_at = now
    session.add(answer)
    session.flush()
    if answer.submitted_at is not None:
        member_answered(session, review, pair, now)
    return ReviewReplyFiled(
        PairInfo.of(pair),
        review.number,
        tuple(parts),
        missing,
        more_in_form=more_in_form and answer.submitted_at is None,
        complete=answer.submitted_at is not None,
    )


def _addressed_to(row: Delivery, pair: Pair, actor: Actor) -> bool:
    return actor.user_id == (pair.mentor_id if row.audience == "mentor" else pair.mentee_id)

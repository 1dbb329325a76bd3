"""Answering a review: the questionnaire's pages, checked and saved one page at a time.

Pages, in order: check-ins of last time's commitments (when there are any), then for the
mentee the roadmap audit, growth evidence, Stop/Start/Continue, the goalpost for each goal and
the private fit question; for the mentor the check-ins and Stop/Start/Continue. Long parts are
split over pages (a page never holds more than a modal's 100 blocks). Each page is saved when
it is submitted, so nothing typed is lost; the last page marks the answer complete.
Submitting again updates the same answer.

A page is named (`audit:1`, `ssc`), not numbered, and is checked against the fields it showed:
goals, milestones, wins or commitments that came or went while the modal was open never make
a page be read as another, nor a field the person cannot see required. When they made the
pages slide past a question, the end of the form leads back to it (`first_gap`).

Everything about the review arrives from outside (the modal's metadata, field ids), so every
save checks again that the person is a member, the review is open, the page is theirs, and
every id belongs to the pair.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from mentoring.errors import InvalidInput, NotFound
from mentoring.goals import parse_goal
from mentoring.milestones import MilestoneInfo
from mentoring.model import Actor, GoalInfo, PairInfo, Role
from mentoring.reviews import (
    BOTTLENECKS,
    CHECKIN_OUTCOMES,
    DECISIONS,
    CommitmentInfo,
    ReviewInfo,
    goal_infos,
    member_answered,
    require_member,
)
from storage import ledger
from storage import repositories as repo
from storage import reviews as store
from storage.db import session_scope
from storage.models import Delivery, Pair, Review, ReviewAnswer, ReviewFit, Win

AUDIT_ITEMS_PER_PAGE = 30
GOALS_PER_PAGE = 10
CHECKINS_PER_PAGE = 30
PAGE_ORDER = ("checkin", "audit", "evidence", "ssc", "goalpost", "fit")
MENTOR_PAGES = frozenset({"checkin", "ssc"})
MAX_WINS_LISTED = 50
ANSWER_MAX_CHARS = 2000
FIT_LOW = 2


class ReviewFieldErrors(InvalidInput):
    """Answers that cannot be saved, by field; shown beside each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("Some answers need another look.")
        self.errors = errors


@dataclass(frozen=True)
class AuditGoal:
    """A goal and its milestones on an audit page. A goal with more milestones than a page
    holds is split: later parts are `continued`, and only the last part `closes` it (its note)."""

    goal: GoalInfo
    milestones: tuple[MilestoneInfo, ...]
    continued: bool = False
    closes: bool = True


@dataclass(frozen=True)
class WinChoice:
    id: int
    text: str
    created_at: datetime


@dataclass(frozen=True)
class Saved:
    """What is already stored for this person, to fill the fields in again."""

    checkins: dict[str, str] = field(default_factory=dict)
    audit: dict = field(default_factory=dict)
    evidence: tuple[int, ...] = ()
    goalposts: dict = field(default_factory=dict)
    stop: str | None = None
    start: str | None = None
    keep_doing: str | None = None
    fit_score: int | None = None
    fit_comment: str | None = None


@dataclass(frozen=True)
class Questionnaire:
    review: ReviewInfo
    pair: PairInfo
    viewer: str
    role: Role
    pages: tuple[str, ...]
    checkins: tuple[CommitmentInfo, ...]
    audit: tuple[AuditGoal, ...]
    wins: tuple[WinChoice, ...]
    goals: tuple[GoalInfo, ...]
    saved: Saved

    def audit_page(self, page: str) -> tuple[AuditGoal, ...]:
        return _chunk_audit(self.audit)[_part(page)]

    def goalpost_page(self, page: str) -> tuple[GoalInfo, ...]:
        start = _part(page) * GOALS_PER_PAGE
        return self.goals[start : start + GOALS_PER_PAGE]

    def checkin_page(self, page: str) -> tuple[CommitmentInfo, ...]:
        start = _part(page) * CHECKINS_PER_PAGE
        return self.checkins[start : start + CHECKINS_PER_PAGE]

    def first_gap(self, answer: ReviewAnswer) -> int | None:
        """The first page holding a question `answer` has no answer to (pages slid while the
        modal was open: a goal closed, say, so the next page started one goal later), or None."""
        checked, decided = json.loads(answer.checkins), json.loads(answer.goalposts)
        items = json.loads(answer.audit).get("items", {})
        for index, page in enumerate(self.pages):
            kind = page_kind(page)
            if kind == "checkin":
                gap = any(str(c.id) not in checked for c in self.checkin_page(page))
            elif kind == "audit":
                keys = []
                for entry in self.audit_page(page):
                    if not entry.continued:
                        keys.append(f"goal:{entry.goal.id}")
                    keys += [f"milestone:{m.id}" for m in entry.milestones]
                gap = any(key not in items for key in keys)
            elif kind == "goalpost":
                gap = any(str(goal.id) not in decided for goal in self.goalpost_page(page))
            else:
                continue
            if gap:
                return index
        return None

    def index_after(self, page: str) -> int | None:
        """The page that follows `page` in this questionnaire as it stands now (`page` may
        have been split or joined since it was shown); None when it was the last."""
        later = [i for i, name in enumerate(self.pages) if _rank(name) > _rank(page)]
        return later[0] if later else None


def page_kind(page: str) -> str:
    return page.partition(":")[0]


def _part(page: str) -> int:
    number = page.partition(":")[2]
    return int(number) if number.isdigit() else 0


def _rank(page: str) -> tuple[int, int]:
    return PAGE_ORDER.index(page_kind(page)), _part(page)


def _pages_of(kind: str, count: int, per_page: int) -> list[str]:
    return [f"{kind}:{n}" for n in range(-(-count // per_page))]


@dataclass(frozen=True)
class PageSaved:
    next_page: int | None  # index of the page to show next; None when the answer is complete
    complete: bool = False
    both_answered: bool = False
    low_fit: bool = False  # the mentee rated the fit 2 or lower: a kind private note follows


def questionnaire(engine: Engine, actor: Actor, review_id: int, now: datetime) -> Questionnaire:
    with session_scope(engine) as session:
        review, pair, role = _open_review(session, actor, review_id, now)
        return _questionnaire(session, review, pair, actor.user_id, role)


OUT_OF_DATE = "This review form is out of date; open it again from the post."


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
        review, pair, role = _open_review(session, actor, review_id, now, lock=True)
        form = _questionnaire(session, review, pair, actor.user_id, role)
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
        low_fit = _save(session, form, page, values, answer, now)
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


def _open_review(
    session: Session, actor: Actor, review_id: int, now: datetime, *, lock: bool = False
) -> tuple[Review, Pair, Role]:
    """The open review, its pair and the actor's role; `lock` holds the review row, so two
    members' last pages are saved one after the other and the second sees both answers."""
    review = store.get_review(session, review_id, lock=lock)
    pair = repo.get_pair(session, review.pair_id) if review is not None else None
    if review is None or pair is None:
        raise NotFound("That review doesn't exist.")
    role = require_member(pair, actor)
    if review.status != store.OPEN or now >= review.closes_at:
        raise InvalidInput(
            f"Review {review.number} has closed; `/review` shows its summary."
            if review.status != store.CANCELLED
            else f"Review {review.number} was called off ({review.close_reason})."
        )
    if now < review.opens_at:
        raise InvalidInput(f"Review {review.number} hasn't opened yet.")
    return review, pair, role


def _questionnaire(
    session: Session, review: Review, pair: Pair, viewer: str, role: Role
) -> Questionnaire:
    pair_id = pair.id or 0
    checkins = tuple(CommitmentInfo.of(c) for c in store.open_commitments(session, pair_id, viewer))
    goals = goal_infos(session, pair_id)
    audit: tuple[AuditGoal, ...] = ()
    wins: tuple[WinChoice, ...] = ()
    pages = _pages_of("checkin", len(checkins), CHECKINS_PER_PAGE)
    if role == Role.MENTEE:
        audit = tuple(
            AuditGoal(
                goal,
                tuple(
                    MilestoneInfo.of(m, goal.number) for m in repo.milestones_of(session, goal.id)
                ),
            )
            for goal in goals
        )
        wins = _wins_since_last_review(session, review, pair)
        pages += [f"audit:{n}" for n in range(len(_chunk_audit(audit)))]
        pages += ["evidence"] if wins else []
        pages += ["ssc"]
        pages += _pages_of("goalpost", len(goals), GOALS_PER_PAGE)
        pages += ["fit"]
    else:
        pages += ["ssc"]
    return Questionnaire(
        review=ReviewInfo.of(review),
        pair=PairInfo.of(pair),
        viewer=viewer,
        role=role,
        pages=tuple(pages),
        checkins=checkins,
        audit=audit,
        wins=wins,
        goals=goals,
        saved=_saved(session, review, viewer, role),
    )


def _wins_since_last_review(session: Session, review: Review, pair: Pair) -> tuple[WinChoice, ...]:
    earlier = [r for r in store.closed_reviews(session, pair.id or 0, 2) if r.id != review.id]
    since = earlier[0].opens_at if earlier else pair.created_at
    rows = session.exec(
        select(Win)
        .where(Win.pair_id == pair.id, col(Win.created_at) >= since)
        .order_by(col(Win.created_at).desc())
        .limit(MAX_WINS_LISTED)
    ).all()
    return tuple(WinChoice(win.id or 0, win.text, win.created_at) for win in rows)


def _chunk_audit(audit: tuple[AuditGoal, ...]) -> list[tuple[AuditGoal, ...]]:
    """Goals grouped into pages of at most AUDIT_ITEMS_PER_PAGE items (a goal and each of its
    milestones is an item). A goal that fits on a page is kept whole; a longer one is split
    over pages of its own."""
    pages: list[list[AuditGoal]] = []
    size = AUDIT_ITEMS_PER_PAGE  # full: the first goal starts a page
    for item in audit:
        items = 1 + len(item.milestones)
        if items <= AUDIT_ITEMS_PER_PAGE:
            if size + items > AUDIT_ITEMS_PER_PAGE:
                pages.append([])
                size = 0
            pages[-1].append(item)
            size += items
            continue
        steps = item.milestones
        first = AUDIT_ITEMS_PER_PAGE - 1  # the goal's own line takes one place
        per_page = AUDIT_ITEMS_PER_PAGE
        parts = [steps[:first]] + [
            steps[i : i + per_page] for i in range(first, len(steps), per_page)
        ]
        for n, part in enumerate(parts):
            pages.append([AuditGoal(item.goal, part, continued=n > 0, closes=n == len(parts) - 1)])
        size = AUDIT_ITEMS_PER_PAGE
    return [tuple(page) for page in pages]


def _saved(session: Session, review: Review, viewer: str, role: Role) -> Saved:
    answer = store.answer_of(session, review.id or 0, viewer)
    fit = store.fit_of(session, review.id or 0) if role == Role.MENTEE else None
    if answer is None:
        return Saved(fit_score=fit.score if fit else None, fit_comment=fit.comment if fit else None)
    return Saved(
        checkins=json.loads(answer.checkins),
        audit=json.loads(answer.audit),
        evidence=tuple(json.loads(answer.evidence)),
        goalposts=json.loads(answer.goalposts),
        stop=answer.stop,
        start=answer.start,
        keep_doing=answer.keep_doing,
        fit_score=fit.score if fit else None,
        fit_comment=fit.comment if fit else None,
    )


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
) -> bool:
    """Check and store one page. Items are those of the review that the page showed (its
    field ids are in `values`); returns True when the mentee rated the fit low."""
    errors: dict[str, str] = {}
    low_fit = False
    kind = page_kind(page)
    if kind == "checkin":
        checkins = json.loads(answer.checkins)
        for commitment in form.checkins:
            key = f"checkin:{commitment.id}"
            if key not in values:
                continue
            choice = _text(values, key)
            if choice not in CHECKIN_OUTCOMES:
                errors[key] = "Pick yes, partly or no."
            checkins[str(commitment.id)] = choice
        answer.checkins = json.dumps(checkins)
    elif kind == "audit":
        audit = json.loads(answer.audit) if answer.audit else {}
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
        answer.audit = json.dumps({"items": items, "notes": notes})
    elif kind == "evidence":
        offered = {str(win.id) for win in form.wins}
        picked = values.get("evidence")
        chosen = [str(v) for v in picked] if isinstance(picked, list) else []
        if offered and (not 1 <= len(chosen) <= 3 or not set(chosen) <= offered):
            errors["evidence"] = "Pick one to three wins that show practice, not just theory."
        answer.evidence = json.dumps([int(v) for v in chosen if v in offered])
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
        goalposts = json.loads(answer.goalposts) if answer.goalposts else {}
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
                    parsed = parse_goal(wording, now.date())
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
        answer.goalposts = json.dumps(goalposts)
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
    review, pair, role = _open_review(session, actor, row.review_id or 0, now, lock=True)
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
    form = _questionnaire(session, review, pair, actor.user_id, role)
    checked: dict[str, str] = json.loads(answer.checkins)
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

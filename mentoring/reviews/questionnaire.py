"""The review questionnaire: its pages for each member, and the choices each question offers.

Pages, in order: check-ins of last time's commitments (when there are any), then for the
mentee the roadmap audit, growth evidence, Stop/Start/Continue, the goalpost for each goal and
the private fit question; for the mentor the check-ins and Stop/Start/Continue. Long parts are
split over pages (a page never holds more than a modal's 100 blocks).

A page is named (`audit:1`, `ssc`), not numbered, and is checked against the fields it showed:
goals, milestones, wins or commitments that came or went while the modal was open never make
a page be read as another, nor a field the person cannot see required. When they made the
pages slide past a question, the end of the form leads back to it (`first_gap`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from mentoring.errors import InvalidInput, NotAllowed, NotFound
from mentoring.milestones import MilestoneInfo
from mentoring.model import Actor, GoalInfo, GoalStatus, PairInfo, Role
from mentoring.reviews.values import CommitmentInfo, ReviewInfo
from storage import repositories as repo
from storage import reviews as store
from storage.db import session_scope
from storage.models import Pair, Review, ReviewAnswer, Win

AUDIT_ITEMS_PER_PAGE = 30
GOALS_PER_PAGE = 10
CHECKINS_PER_PAGE = 30
PAGE_ORDER = ("checkin", "audit", "evidence", "ssc", "goalpost", "fit")
MENTOR_PAGES = frozenset({"checkin", "ssc"})
MAX_WINS_LISTED = 50

# The choices the questions offer
CHECKIN_OUTCOMES = ("yes", "partly", "no")
DECISIONS = ("keep", "pivot", "drop", "achieved")
BOTTLENECKS = {
    "resources": "resources",
    "time": "time",
    "skill_gap": "skill gap",
    "other": "other",
}


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
        checked, decided = answer.checkins, answer.goalposts
        items = answer.audit.get("items", {})
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


def questionnaire(engine: Engine, actor: Actor, review_id: int, now: datetime) -> Questionnaire:
    with session_scope(engine) as session:
        review, pair, role = answerable_review(session, actor, review_id, now)
        return questionnaire_in(session, review, pair, actor.user_id, role)


def answerable_review(
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


def questionnaire_in(
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
        checkins=dict(answer.checkins),
        audit=dict(answer.audit),
        evidence=tuple(answer.evidence),
        goalposts=dict(answer.goalposts),
        stop=answer.stop,
        start=answer.start,
        keep_doing=answer.keep_doing,
        fit_score=fit.score if fit else None,
        fit_comment=fit.comment if fit else None,
    )


def require_member(pair: Pair, actor: Actor) -> Role:
    """The actor's role in the pair; admins and outsiders are refused."""
    if actor.user_id == pair.mentor_id:
        return Role.MENTOR
    if actor.user_id == pair.mentee_id:
        return Role.MENTEE
    raise NotAllowed("Only the two people in a mentorship can see or answer its reviews.")


def goal_infos(session: Session, pair_id: int) -> tuple[GoalInfo, ...]:
    return tuple(
        GoalInfo.of(goal)
        for goal in repo.goals_of(session, pair_id)
        if goal.status == GoalStatus.OPEN
    )

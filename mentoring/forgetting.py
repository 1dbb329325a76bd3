"""Forgetting a person — `/mentor forget me`, or an admin's `/mentor forget @person` for someone
who left — and deleting ended pairs some days after they end.

What is the person's alone is deleted: as a mentee their goals with their earlier wordings and
steps, and their wins; their agenda items, the action items they own, their review answers (the
private fit answer too), their commitments, the notes waiting for them to decide, the messages
planned for or sent to them in the ledger, the DMs and requests the bot keeps for a while
(`storage.erasure`). Their active pairs are ended first, by the end-pair rule, in the same
transaction.

Shared history keeps the rows the other member still needs, without the person in them: their
id becomes FORGOTTEN, words they wrote in a row that is the other member's (a step they added
to the mentee's goal, an action item they wrote for the mentor) become REMOVED, and a mention
of them in anyone's words becomes "a former member". A pair in which nothing is left that
belongs to the other member is deleted entirely. Messages in Slack are Slack's: the pair's
channel and the DMs keep what was posted.

The preview and the deletion read the same sweep (`_sweep`), so what the person is told is
what happens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from mentoring.digest import digests_to
from mentoring.errors import NotAllowed
from mentoring.model import FORGOTTEN, Actor, Outcome, Role, mention
from mentoring.pairs import end_pair
from mentoring.reviews.summary import summary_in
from storage import erasure, spool
from storage import repositories as repo
from storage import reviews as store
from storage.db import read_scope, session_scope
from storage.meetings import schedule_of
from storage.models import (
    ACTIVE,
    ActionItem,
    AgendaItem,
    Commitment,
    Coordinator,
    Delivery,
    Draft,
    Goal,
    GoalRevision,
    MentorOffer,
    MentorRequest,
    Milestone,
    Pair,
    Review,
    ReviewAnswer,
    ReviewFit,
    Win,
)

REMOVED = "(removed)"
MIN_SEARCHED = 4  # shorter words of theirs are not looked for in the work queue
ONLY_ADMINS = "Only an admin can ask me to forget someone else; `/mentor forget me` forgets you."
NOT_YOURS = "That confirmation was shown to someone else; nothing was deleted."

# Rows deleted one by one, children first (a goal after its steps, wins and history).
DELETE_ORDER: tuple[type[Any], ...] = (
    Delivery,
    Commitment,
    ReviewFit,
    ReviewAnswer,
    GoalRevision,
    AgendaItem,
    ActionItem,
    Win,
    Milestone,
    Goal,
    Draft,
    MentorRequest,
    MentorOffer,
    Coordinator,
)
# Where people's ids stand, and where their words do (mentions in them are replaced).
ID_FIELDS = ("mentor_id", "mentee_id", "created_by", "ended_by", "changed_by", "owner_id")
ID_FIELDS += ("updated_by", "started_by", "author_id")
TEXT_FIELDS: dict[type[Any], tuple[str, ...]] = {
    Goal: ("text", "done_when"),
    Milestone: ("text",),
    GoalRevision: ("old_text", "new_text", "reason"),
    Win: ("text", "worked"),
    AgendaItem: ("text",),
    ActionItem: ("text",),
    Commitment: ("text",),
    Draft: ("text",),
    ReviewFit: ("comment",),
    ReviewAnswer: ("checkins", "audit", "evidence", "goalposts", "stop", "start", "keep_doing"),
    MentorOffer: ("areas", "achievements"),
    MentorRequest: ("goal_text",),
}


@dataclass(frozen=True)
class Counts:
    """What forgetting deletes, by kind; `reworded`: rows kept for the other member, with the
    person's words taken out."""

    goals: int = 0
    milestones: int = 0
    revisions: int = 0
    wins: int = 0
    agenda_items: int = 0
    action_items: int = 0
    answers: int = 0
    fit_answers: int = 0
    commitments: int = 0
    drafts: int = 0
    deliveries: int = 0
    matching: int = 0  # their offer to mentor, and requests they made or were sent
    reworded: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


@dataclass(frozen=True)
class Kept:
    """The other member's own things in a pair, which stay theirs."""

    goals: int = 0
    wins: int = 0
    answers: int = 0
    commitments: int = 0
    agenda_items: int = 0
    action_items: int = 0

    @property
    def nothing(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class PairFate:
    """One of the person's pairs: ended first if active, then deleted entirely (nothing in it
    is the other member's own) or kept for the other member."""

    pair_id: int
    channel_id: str
    role: Role  # the person's
    other: str
    active: bool
    deleted: bool
    kept: Kept


@dataclass(frozen=True)
class ForgetPlan:
    """What `/mentor forget` will do, for the preview."""

    person: str
    asked_by: str
    deleted: Counts
    pairs: tuple[PairFate, ...]


@dataclass(frozen=True)
class Forgotten(Outcome):
    """What forgetting did. It names nobody forgotten: it is recorded with the work."""

    deleted: Counts
    ended: tuple[tuple[str, str], ...]  # (channel, other member) of each pair it ended
    others: tuple[str, ...]  # everyone who was paired with the person: their Home changed
    pairs_deleted: int
    pairs_kept: int
    requests: int  # stored DMs and pieces of work deleted


@dataclass
class _Sweep:
    person: str
    deletes: dict[type[Any], list[Any]] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)  # id() of each row in `deletes`
    rows: list[Any] = field(default_factory=list)  # kept rows of the person's pairs
    reworded: list[tuple[Any, str]] = field(default_factory=list)  # (row, text field)
    cleared: list[tuple[Any, str]] = field(default_factory=list)  # (row, field) set to None
    whole: list[int] = field(default_factory=list)  # pairs deleted entirely
    fates: list[PairFate] = field(default_factory=list)
    counts: Counts = Counts()
    texts: set[str] = field(default_factory=set)  # the person's words, looked for in work

    def delete(self, rows: Iterable[Any], whole: bool) -> None:
        for row in rows:
            self._remember(row)
            if not whole and id(row) not in self.deleted:
                self.deletes.setdefault(type(row), []).append(row)
                self.deleted.add(id(row))

    def reword(self, row: Any, name: str, whole: bool) -> None:
        self._remember(row)
        if not whole:
            self.reworded.append((row, name))

    def clear(self, row: Any, name: str, whole: bool) -> None:
        """Words of the person's in an optional field of a kept row: emptied, not reworded."""
        self._remember(row)
        if not whole:
            self.cleared.append((row, name))

    def _remember(self, row: Any) -> None:
        for name in TEXT_FIELDS.get(type(row), ()):
            value = getattr(row, name)
            if isinstance(value, str) and len(value.strip()) >= MIN_SEARCHED:
                self.texts.add(value)


def check_authority(actor: Actor, person: str) -> None:
    """Anyone may have themselves forgotten; only an admin someone else."""
    if actor.user_id != person and not actor.is_admin:
        raise NotAllowed(ONLY_ADMINS)


def check_confirmation(actor: Actor, person: str, issuer: str) -> None:
    """A Confirm or Cancel button works only for whom it was shown to, and only while they
    may still forget `person`: the value's ids are checked against who clicked, never
    trusted."""
    if actor.user_id != issuer:
        raise NotAllowed(NOT_YOURS)
    check_authority(actor, person)


def plan_forget(engine: Engine, actor: Actor, person: str) -> ForgetPlan:
    """What forgetting `person` would delete and keep; changes nothing."""
    check_authority(actor, person)
    with read_scope(engine) as session:
        sweep = _sweep(session, person)
    return ForgetPlan(person, actor.user_id, sweep.counts, tuple(sweep.fates))


def forget(
    engine: Engine,
    actor: Actor,
    person: str,
    issuer: str,
    now: datetime,
    keep_work: int | None = None,
) -> Forgotten:
    """Forget `person`, in one transaction: end their active pairs, delete what is theirs
    alone, take them out of what stays. `keep_work` is the work running this, left to finish
    (it holds who asked, not their words; finished work is pruned after a week)."""
    check_confirmation(actor, person, issuer)
    with session_scope(engine) as session:
        sweep = _sweep(session, person)
        ended = []
        for fate in sweep.fates:
            if fate.active:
                end_pair(engine, actor, fate.pair_id, now)  # joins this transaction
                ended.append((fate.channel_id, fate.other))
        session.flush()
        for model in DELETE_ORDER:
            for row in sweep.deletes.get(model, ()):
                session.delete(row)
            session.flush()
        for row, name in sweep.reworded:
            setattr(row, name, REMOVED)
        for row, name in sweep.cleared:
            setattr(row, name, None)
        for row in sweep.rows:
            for name in ID_FIELDS:
                if getattr(row, name, None) == person:
                    setattr(row, name, FORGOTTEN)
            session.add(row)
        session.flush()
        erasure.delete_pairs(session, sweep.whole)
        _unmention(session, person)
        requests = erasure.delete_events_of(session, person)
        while spool.take_in(session) == spool.TAKE_AT_MOST:  # a long backlog: take it all in
            continue  # (the work acknowledged is searched too)
        work = erasure.work_carrying(session, person, sorted(sweep.texts), keep_work)
        requests += erasure.delete_work(session, work)
        forgotten = Forgotten(
            deleted=sweep.counts,
            ended=tuple(ended),
            others=tuple(dict.fromkeys(f.other for f in sweep.fates if f.other != FORGOTTEN)),
            pairs_deleted=len(sweep.whole),
            pairs_kept=len(sweep.fates) - len(sweep.whole),
            requests=requests,
        )
    spool.trim(engine)  # its copies in the spool's files (see spool.trim for the newest segment)
    return forgotten


def delete_ended_pairs(engine: Engine, now: datetime, after_days: int | None) -> int:
    """Delete the pairs that ended more than `after_days` ago, with everything in them (None:
    keep them). Run by the hourly housekeeping."""
    if after_days is None:
        return 0
    with session_scope(engine) as session:
        ended = erasure.ended_before(session, now - timedelta(days=after_days))
        return erasure.delete_pairs(session, ended)


# The sweep


def _sweep(session: Session, person: str) -> _Sweep:
    """Every row forgetting `person` deletes or changes, read once."""
    sweep = _Sweep(person)
    for pair in repo.pairs_of(session, person):
        _pair(session, sweep, pair)
    drafts = session.exec(select(Draft).where(Draft.user_id == person)).all()
    nudges = [
        row
        for row in (*erasure.nudges_to(session, person), *digests_to(session, person))
        if row.pair_id not in sweep.whole and id(row) not in sweep.deleted
    ]
    choices = session.exec(select(Coordinator).where(Coordinator.user_id == person)).all()
    sweep.delete((*drafts, *nudges, *choices), whole=False)
    sweep.counts += Counts(drafts=len(drafts), deliveries=len(nudges))
    matching = [*erasure.matching_of(session, person)]
    sweep.delete(matching, whole=False)
    sweep.counts += Counts(matching=len(matching))
    return sweep


def _pair(session: Session, sweep: _Sweep, pair: Pair) -> None:
    person = sweep.person
    pair_id = pair.id or 0
    role = Role.MENTEE if pair.mentee_id == person else Role.MENTOR
    other = pair.mentor_id if role == Role.MENTEE else pair.mentee_id
    goals = erasure.rows_of_pair(session, Goal, pair_id)
    steps = erasure.rows_of_pair(session, Milestone, pair_id)
    revisions = erasure.rows_of_pair(session, GoalRevision, pair_id)
    wins = erasure.rows_of_pair(session, Win, pair_id)
    agenda = erasure.rows_of_pair(session, AgendaItem, pair_id)
    actions = erasure.rows_of_pair(session, ActionItem, pair_id)
    commitments = erasure.rows_of_pair(session, Commitment, pair_id)
    reviews = erasure.rows_of_pair(session, Review, pair_id)
    review_ids = [review.id or 0 for review in reviews]
    answers = erasure.rows_of_reviews(session, ReviewAnswer, review_ids)
    fits = erasure.rows_of_reviews(session, ReviewFit, review_ids)
    ledger = erasure.rows_of_pair(session, Delivery, pair_id)

    mine_agenda = [item for item in agenda if item.author_id == person]
    mine_actions = [item for item in actions if item.owner_id == person]
    written_actions = [i for i in actions if i.owner_id != person and i.created_by == person]
    mine_commitments = [c for c in commitments if c.owner_id == person]
    mine_answers = [answer for answer in answers if answer.author_id == person]
    mine_fits = [fit for fit in fits if fit.mentee_id == person]
    to_them = [row for row in ledger if row.audience == role.value]
    kept = Kept(
        goals=len(goals) if role == Role.MENTOR else 0,
        wins=len(wins) if role == Role.MENTOR else 0,
        answers=len(answers) - len(mine_answers),
        commitments=len(commitments) - len(mine_commitments),
        agenda_items=len(agenda) - len(mine_agenda),
        action_items=len(actions) - len(mine_actions),
    )
    whole = kept.nothing
    if whole:
        sweep.whole.append(pair_id)
    sweep.fates.append(
        PairFate(pair_id, pair.channel_id, role, other, pair.status == ACTIVE, whole, kept)
    )
    if role == Role.MENTEE:  # the roadmap is the mentee's, whoever wrote a step of it
        sweep.delete((*revisions, *wins, *steps, *goals), whole)
        reworded = 0
    else:
        reworded = _reword_roadmap(sweep, goals, steps, revisions, whole)
    for item in written_actions:
        sweep.reword(item, "text", whole)
    sweep.delete((*mine_agenda, *mine_actions, *mine_commitments, *mine_fits, *to_them), whole)
    sweep.delete(mine_answers, whole)
    _remember_answers(session, sweep, pair, reviews, role)
    sweep.counts += Counts(
        goals=len(goals) if role == Role.MENTEE else 0,
        milestones=len(steps) if role == Role.MENTEE else 0,
        revisions=len(revisions) if role == Role.MENTEE else 0,
        wins=len(wins) if role == Role.MENTEE else 0,
        agenda_items=len(mine_agenda),
        action_items=len(mine_actions),
        answers=len(mine_answers),
        fit_answers=len(mine_fits),
        commitments=len(mine_commitments),
        deliveries=len(to_them),
        reworded=reworded + len(written_actions),
    )
    if not whole:
        schedule, cadence = schedule_of(session, pair_id), store.cadence_of(session, pair_id)
        if schedule is not None:  # their time zone is theirs too
            sweep.cleared.append((schedule, f"{role.value}_tz"))
        kept_rows = [pair, *goals, *steps, *revisions, *actions, *reviews, schedule, cadence]
        sweep.rows += [r for r in kept_rows if r is not None and id(r) not in sweep.deleted]


def _reword_roadmap(
    sweep: _Sweep,
    goals: Iterable[Goal],
    steps: Iterable[Milestone],
    revisions: Iterable[GoalRevision],
    whole: bool,
) -> int:
    """The mentee's goals and steps stay theirs; the wording the person wrote in them goes.
    A goal's wording is its creator's until a pivot, then the pivot's author's."""
    person, changed = sweep.person, set()
    for goal in goals:
        lineage = [r for r in revisions if r.goal_id == goal.id]
        if goal.created_by == person:
            target = (lineage[0], "old_text") if lineage else (goal, "text")
            sweep.reword(*target, whole)
            changed.add(id(target[0]))
            if goal.done_when:  # "How you'll know" is the creator's words too (one goal)
                sweep.clear(goal, "done_when", whole)
        for index, revision in enumerate(lineage):
            if revision.changed_by != person:
                continue
            following = (lineage[index + 1], "old_text") if index + 1 < len(lineage) else None
            for row, name in (
                (revision, "new_text"),
                (revision, "reason"),
                following or (goal, "text"),
            ):
                sweep.reword(row, name, whole)
                changed.add(id(row))
    for step in steps:
        if step.created_by == person:
            sweep.reword(step, "text", whole)
            changed.add(id(step))
    return len(changed)


def _remember_answers(
    session: Session, sweep: _Sweep, pair: Pair, reviews: Iterable[Review], role: Role
) -> None:
    """The person's words in closed reviews as their summaries read them (the audit's notes,
    Stop/Start/Continue), to look for in the work queue."""
    for review in reviews:
        if review.status != store.CLOSED:
            continue
        summary = summary_in(session, pair, review)
        words = summary.feedback.get(role.value)
        found = [words.stop, words.start, words.keep_doing] if words is not None else []
        if role == Role.MENTEE:
            found += [line.note for line in summary.audit]
        sweep.texts |= {text for text in found if text and len(text.strip()) >= MIN_SEARCHED}


def _unmention(session: Session, person: str) -> None:
    """Wherever anyone's words mention the person, the mention becomes words."""
    needle = f"<@{person}>"
    for model, names in TEXT_FIELDS.items():
        for name in names:
            for row in erasure.mentioning(session, model, name, needle):
                setattr(row, name, _replaced(getattr(row, name), needle, mention(FORGOTTEN)))
                session.add(row)


def _replaced(value: Any, needle: str, words: str) -> Any:
    """`value` (text, or JSON as text or as structure) with `needle` replaced by `words`."""
    if isinstance(value, str):
        return value.replace(needle, words)
    if isinstance(value, dict):
        return {key: _replaced(item, needle, words) for key, item in value.items()}
    if isinstance(value, list):
        return [_replaced(item, needle, words) for item in value]
    return value

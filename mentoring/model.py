"""Plain values the rules hand back. Frozen, so they can cross threads and outlive a session."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Self

from storage.models import ACTIVE, Goal, Pair, Win

MAX_NUMBER = 2**31 - 1  # ids and numbers are INTEGER columns: 32 bits on PostgreSQL
# Stands where a forgotten person's id was, in rows kept for the other member of a pair
# (mentoring.forgetting); no Slack id looks like it.
FORGOTTEN = "forgotten"


def read_number(text: str) -> int | None:
    """`text` as an id or a number the tables can hold: ASCII digits only (str.isdigit and
    int() also take "²" and "٣"), at most MAX_NUMBER; None when it is anything else."""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_NUMBER))):
        return None
    number = int(text)
    return number if number <= MAX_NUMBER else None


def fits(number: int) -> bool:
    """Whether a number typed by a person could be in the tables at all: one that an INTEGER
    column cannot hold is in no row, and asking the database for it would overflow."""
    return 0 <= number <= MAX_NUMBER


def mention(user_id: str) -> str:
    """A person in text meant for people: `<@U…>`, which Slack shows as their name, or words
    for someone who was forgotten."""
    return "a former member" if user_id == FORGOTTEN else f"<@{user_id}>"


class Role(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


class GoalStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


@dataclass(frozen=True)
class Outcome:
    """Base of what the rules hand back. `changed` names the pairs whose data a rule changed —
    what their members see on their App Home — so that the Slack side can redraw those Homes in
    one place; a rule that only reads leaves it empty."""

    changed: frozenset[int] = field(default=frozenset(), kw_only=True)

    def changing(self, *pair_ids: int) -> Self:
        """This result, saying that it changed the pairs `pair_ids`."""
        return replace(self, changed=self.changed | frozenset(pair_ids))


@dataclass(frozen=True)
class Actor:
    """Who is asking. Admins may pair and unpair anyone; coordinators see the programme in
    counts and dates (mentoring.programme); neither reads a pair's content."""

    user_id: str
    is_admin: bool = False
    is_coordinator: bool = False


@dataclass(frozen=True)
class Target:
    """What a request says about which of the actor's pairs it is for."""

    with_user: str | None = None
    channel_id: str | None = None
    pair_id: int | None = None


@dataclass(frozen=True)
class PairInfo(Outcome):
    id: int
    team_id: str
    mentor_id: str
    mentee_id: str
    channel_id: str
    active: bool
    created_at: datetime
    ended_at: datetime | None
    attention: str | None = None  # why the bot could not post for the pair (outbox.outcomes)

    @classmethod
    def of(cls, pair: Pair) -> PairInfo:
        assert pair.id is not None
        return cls(
            id=pair.id,
            team_id=pair.team_id,
            mentor_id=pair.mentor_id,
            mentee_id=pair.mentee_id,
            channel_id=pair.channel_id,
            active=pair.status == ACTIVE,
            created_at=pair.created_at,
            ended_at=pair.ended_at,
            attention=pair.attention,
        )

    def role_of(self, user_id: str) -> Role | None:
        if user_id == self.mentor_id:
            return Role.MENTOR
        if user_id == self.mentee_id:
            return Role.MENTEE
        return None

    def other(self, user_id: str) -> str:
        return self.mentee_id if user_id == self.mentor_id else self.mentor_id


@dataclass(frozen=True)
class PairChoice:
    """One of the actor's pairs, as offered when a request could mean several."""

    pair_id: int
    other_user: str
    role: Role


@dataclass(frozen=True)
class GoalInfo(Outcome):
    id: int
    pair_id: int
    number: int
    text: str
    due_on: date | None
    status: GoalStatus
    created_at: datetime
    closed_at: datetime | None
    done_when: str | None = None  # "How you'll know": shown apart, never in the title

    @classmethod
    def of(cls, goal: Goal) -> GoalInfo:
        assert goal.id is not None
        return cls(
            id=goal.id,
            pair_id=goal.pair_id,
            number=goal.number,
            text=goal.text,
            due_on=goal.due_on,
            status=GoalStatus(goal.status),
            created_at=goal.created_at,
            closed_at=goal.closed_at,
            done_when=goal.done_when,
        )


@dataclass(frozen=True)
class WinInfo(Outcome):
    id: int
    pair_id: int
    author_id: str
    text: str
    worked: str | None
    goal: GoalInfo | None
    created_at: datetime
    announce_channel: str | None
    announce_ts: str | None

    @classmethod
    def of(cls, win: Win, goal: Goal | None) -> WinInfo:
        assert win.id is not None
        return cls(
            id=win.id,
            pair_id=win.pair_id,
            author_id=win.author_id,
            text=win.text,
            worked=win.worked,
            goal=GoalInfo.of(goal) if goal is not None else None,
            created_at=win.created_at,
            announce_channel=win.announce_channel,
            announce_ts=win.announce_ts,
        )


# Results of capturing something


@dataclass(frozen=True)
class GoalAdded(Outcome):
    goal: GoalInfo
    pair: PairInfo


@dataclass(frozen=True)
class WinLogged(Outcome):
    win: WinInfo
    pair: PairInfo


@dataclass(frozen=True)
class NeedsPair:
    """The text is kept as a draft until the person picks one of `choices`."""

    draft_id: int
    kind: str
    choices: tuple[PairChoice, ...]


Captured = GoalAdded | WinLogged | NeedsPair

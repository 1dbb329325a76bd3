"""The App Home dashboard: each of a person's pairs at a glance, and what its forms offer.

`dashboard` gathers everything for every pair of the person in a fixed number of queries —
set-based over the pair ids, with window functions to take each pair's first few goals,
action items and wins — so its cost does not grow with the goals, milestones or wins stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine

from mentoring.capture import Kind, role_for
from mentoring.dates import local_date
from mentoring.meetings.agenda import ActionInfo
from mentoring.meetings.planning import cadence_of
from mentoring.milestones import MilestoneInfo
from mentoring.model import Actor, GoalInfo, PairInfo, Role, Target, WinInfo
from mentoring.pairs import RECENT_WINS_DAYS, require_active, resolve_pair
from mentoring.reviews.cadence import NextReview, next_reviews_in
from mentoring.zones import member_zone
from storage import meetings as meeting_store
from storage import repositories as repo
from storage.db import read_scope
from storage.models import ACTIVE, Goal, Meeting, MeetingSchedule, Milestone

GOALS_SHOWN = 5
ACTIONS_SHOWN = 5
WINS_SHOWN = 3
FORM_OPTIONS = 100  # Slack's limit on a static select's options


@dataclass(frozen=True)
class GoalProgress:
    goal: GoalInfo
    done: int  # milestones done
    total: int  # milestones in all
    next_step: MilestoneInfo | None = None  # its first open milestone
    overdue: bool = False  # that milestone's date has passed


@dataclass(frozen=True)
class NextMeeting:
    """The next meeting that goes ahead, for the viewer and the other member."""

    starts_at: datetime
    skipped: datetime | None  # a skipped meeting before it
    paused_until: date | None  # no meetings before this date
    agenda_items: int
    viewer_tz: str  # the viewer's zone as Slack last told us, else the schedule's
    other_tz: str  # the other member's, likewise


@dataclass(frozen=True)
class PairDashboard:
    """One pair as the viewer sees it. An ended pair carries only `pair` and `role`."""

    pair: PairInfo
    role: Role
    goals: tuple[GoalProgress, ...] = ()  # the first open goals, by number
    open_goals: int = 0
    open_milestones: int = 0  # open milestones of open goals
    next_meeting: NextMeeting | None = None  # None: no meeting schedule
    actions: tuple[ActionInfo, ...] = ()  # the first open action items, by number
    open_actions: int = 0
    wins: tuple[WinInfo, ...] = ()  # the latest wins of the last RECENT_WINS_DAYS, newest first
    recent_wins: int = 0
    next_review: NextReview | None = None

    @property
    def other(self) -> str:
        """The other member of the pair."""
        return self.pair.mentee_id if self.role == Role.MENTOR else self.pair.mentor_id


def dashboard(
    engine: Engine, user_id: str, now: datetime, zone: str | None = None
) -> tuple[PairDashboard, ...]:
    """The person's pairs, active first (newest first), each with its open goals and their
    milestone progress, next meeting, open action items, recent wins and next review.
    Overdue is judged by the viewer's own date: in `zone` (Slack's for them), else in the zone
    each pair's schedule keeps for them (mentoring.zones)."""
    with read_scope(engine) as session:
        mine = repo.pairs_of(session, user_id)
        ids = [pair.id for pair in mine if pair.status == ACTIVE and pair.id is not None]
        goals = repo.first_open_goals(session, ids, GOALS_SHOWN)
        progress = repo.milestone_progress(session, ids)
        next_steps = repo.next_open_milestones(session, ids)
        schedules = meeting_store.schedules_of(session, ids)
        meetings = meeting_store.next_meetings(session, ids, now)
        upcoming_ids = [m.id for m in meetings.values() if m.id is not None]
        agenda = meeting_store.open_agenda_counts(session, ids, upcoming_ids)
        actions = meeting_store.first_open_actions(session, ids, ACTIONS_SHOWN)
        since = now - timedelta(days=RECENT_WINS_DAYS)
        wins = repo.latest_wins(session, ids, since, WINS_SHOWN)
        reviews = next_reviews_in(session, [pair for pair in mine if pair.id in ids], now)
    boards = []
    for row in mine:
        pair = PairInfo.of(row)
        role = pair.role_of(user_id)
        assert role is not None
        if not pair.active:
            boards.append(PairDashboard(pair, role))
            continue
        shown, open_goals = goals.get(pair.id, ([], 0))
        steps = progress.get(pair.id, {})
        own_actions, open_actions = actions.get(pair.id, ([], 0))
        own_wins, recent_wins = wins.get(pair.id, ([], 0))
        schedule = schedules.get(pair.id)
        today = local_date(now, zone or member_zone(schedule, role))
        boards.append(
            PairDashboard(
                pair=pair,
                role=role,
                goals=tuple(
                    _progress(goal, steps, next_steps.get(goal.id or 0), today) for goal in shown
                ),
                open_goals=open_goals,
                open_milestones=sum(total - done for done, total in steps.values()),
                next_meeting=(
                    upcoming(schedule, meetings.get(pair.id), agenda.get(pair.id, 0), role, now)
                    if schedule is not None and schedule.active
                    else None
                ),
                actions=tuple(ActionInfo.of(item) for item in own_actions),
                open_actions=open_actions,
                wins=tuple(WinInfo.of(win, goal) for win, goal in own_wins),
                recent_wins=recent_wins,
                next_review=reviews[pair.id],
            )
        )
    return tuple(boards)


def _progress(
    goal: Goal, steps: dict[int, tuple[int, int]], step: Milestone | None, today: date
) -> GoalProgress:
    done, total = steps.get(goal.id or 0, (0, 0))
    if step is None:
        return GoalProgress(GoalInfo.of(goal), done, total)
    late = step.due_on is not None and step.due_on < today
    return GoalProgress(GoalInfo.of(goal), done, total, MilestoneInfo.of(step, goal.number), late)


def upcoming(
    schedule: MeetingSchedule,
    planned: Meeting | None,
    agenda_items: int,
    role: Role,
    now: datetime,
) -> NextMeeting:
    """The next meeting that goes ahead: the planned one, or after a skipped one (or none
    planned yet) the cadence's next; during a pause, the first on or after its end."""
    cadence = cadence_of(schedule)
    skipped = None
    if planned is not None and planned.status == "scheduled":
        day, start = planned.local_date, planned.starts_at
    else:
        if planned is not None:
            skipped = planned.starts_at
        day, start = cadence.next_after(planned.starts_at if planned is not None else now)
    paused = schedule.paused_until
    if paused is not None and paused <= local_date(now, schedule.tz):
        paused = None
    if paused is not None and day < paused:
        day = cadence.occurrence_on_or_after(paused)
        start, skipped = cadence.start_of(day), None
    other = Role.MENTEE if role == Role.MENTOR else Role.MENTOR
    return NextMeeting(
        starts_at=start,
        skipped=skipped,
        paused_until=paused,
        agenda_items=agenda_items,
        viewer_tz=member_zone(schedule, role),
        other_tz=member_zone(schedule, other),
    )


# The forms


@dataclass(frozen=True)
class FormContext:
    """What a Home form for one pair offers to pick from."""

    pair: PairInfo
    role: Role
    goals: tuple[GoalInfo, ...]  # open goals, by number (at most FORM_OPTIONS)
    milestones: tuple[MilestoneInfo, ...]  # open milestones of open goals (at most FORM_OPTIONS)


def form_context(
    engine: Engine, actor: Actor, target: Target, capturing: Kind | None = None
) -> FormContext:
    """The actor's active pair that `target` means, with its open goals and milestones.

    Raises like resolve_pair: NoPair, NotAllowed (not theirs, ended, or a mentor about to log a
    win when `capturing` is Kind.WIN) and AmbiguousPair (with the pairs to choose from).
    """
    role = role_for(capturing) if capturing is not None else None
    with read_scope(engine) as session:
        pair = resolve_pair(session, actor, target, role=role)
        require_active(pair)
        assert pair.id is not None
        goals = repo.open_goals_of(session, [pair.id])[:FORM_OPTIONS]
        steps = repo.open_milestones_of(session, pair.id, FORM_OPTIONS)
        info = PairInfo.of(pair)
        viewer_role = info.role_of(actor.user_id)
        assert viewer_role is not None
        return FormContext(
            info,
            viewer_role,
            tuple(GoalInfo.of(goal) for goal in goals),
            tuple(MilestoneInfo.of(step, number) for step, number in steps),
        )

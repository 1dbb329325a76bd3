"""The App Home: each of a person's pairs at a glance, with buttons for its forms; and the one
place a Home is redrawn after something changed it.

The Home stays within a view's 100 blocks however much a person has: each pair takes
PAIR_BLOCKS blocks, lists are cut to their first few lines with a count of the rest, and every
section is clipped to 3000 characters.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from handlers.goals.blocks import goal_line, progress_bar
from handlers.kit import (
    VIEW_BLOCKS,
    Block,
    actions,
    button,
    context,
    day,
    header,
    local,
    plural,
    section,
    when,
)
from handlers.matching.blocks import FIND_FOR_GOAL
from handlers.meetings.prompts import attention_line
from handlers.programme.blocks import programme_blocks
from handlers.reviews.messages import next_review_text
from handlers.routing import PAIR_FORMS
from handlers.runtime import Call, Clock, slack_error, zone_of
from handlers.slack_text import clip, mrkdwn, plain
from mentoring import dashboard, pairs
from mentoring.dashboard import GoalProgress, NextMeeting, PairDashboard
from mentoring.model import Actor, GoalInfo, Role, mention
from mentoring.programme import Programme, programme

logger = logging.getLogger("mentorbot.home")

ITEM_CHARS = 200
PAIR_BLOCKS = 7  # head, goals, meetings, action items, wins, buttons, divider


def publish_home(
    engine: Engine,
    clock: Clock,
    client: WebClient,
    user_id: str,
    coordinators: frozenset[str] = frozenset(),
) -> None:
    """Draw the person's Home afresh (when they open it, or after a change), dated in their
    Slack time zone; a coordinator's begins with the programme."""
    now = clock()
    boards = dashboard.dashboard(engine, user_id, now, zone_of(client, user_id))
    seen = None
    if user_id in coordinators:
        seen = programme(engine, Actor(user_id, is_coordinator=True), now)
    client.views_publish(user_id=user_id, view=build_home(boards, seen))


def show_home(call: Call) -> None:
    """The person opened their Home tab."""
    services = call.services
    publish_home(call.engine, services.clock, call.client, call.user_id, services.coordinators)


def redraw_homes(
    engine: Engine,
    clock: Clock,
    client: WebClient,
    pair_ids: Iterable[int],
    coordinators: frozenset[str] = frozenset(),
) -> None:
    """Redraw the Home of both members of each pair, after a change to it — by a person's
    action (`performing.perform`) or by the scheduler. Never raises: the change is already saved,
    the person has their answer, and the Home is drawn afresh whenever it is opened — so a
    failure is logged, not reported."""
    HomeRedraws(engine, clock, coordinators).pairs(client, pair_ids)


def redraw_people(
    engine: Engine,
    clock: Clock,
    client: WebClient,
    user_ids: Iterable[str],
    coordinators: frozenset[str] = frozenset(),
) -> None:
    """Redraw these people's Homes (after a change that removed a pair, so that its members
    can no longer be read from it). Never raises, like `redraw_homes`."""
    for user_id in user_ids:
        _redraw_one(engine, clock, client, user_id, coordinators)


def _redraw_one(
    engine: Engine, clock: Clock, client: WebClient, user_id: str, coordinators: frozenset[str]
) -> None:
    try:
        publish_home(engine, clock, client, user_id, coordinators)
    except SlackApiError as error:
        code = slack_error(error)
        logger.warning("home not redrawn", extra={"user": user_id, "error": code})
    except Exception:  # a dropped connection, a database error: the next opening redraws
        logger.exception("home not redrawn", extra={"user": user_id})


class HomeRedraws:
    """The redraws after people's actions, coalesced across the threads of a process: a Home
    asked for while another thread is drawing it is left to that thread, which draws it once
    more when it is done — so the last drawing always starts after the last change, and a
    burst of changes to a pair (32 wins at once) costs two drawings a Home, not one each.

    With `settle` seconds, a Home is not drawn at once but that long after the first change
    asked for it, on a thread of its own, whatever else changed it meanwhile: a burst of a
    hundred wins costs one drawing a Home (each is a dozen queries and a views.publish, which
    Slack rate-limits), and the worker that made the change goes on with the next task.
    `flush` draws those still waiting (before a worker stops)."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        coordinators: frozenset[str] = frozenset(),
        *,
        settle: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
        background: bool = True,
    ) -> None:
        self.engine, self.clock, self.coordinators = engine, clock, coordinators
        self.settle, self._monotonic, self._background = settle, monotonic, background
        self._lock = threading.Lock()
        self._drawing: set[str] = set()
        self._again: set[str] = set()  # asked for while being drawn
        self._due: dict[str, tuple[float, WebClient]] = {}  # settling: when, and through what
        self._wake = threading.Condition(self._lock)
        self._drawer: threading.Thread | None = None

    def pairs(self, client: WebClient, pair_ids: Iterable[int]) -> None:
        """Like `redraw_homes`: both members of each pair; never raises."""
        for pair_id in sorted(set(pair_ids)):
            try:
                members = pairs.members(self.engine, pair_id)
            except Exception:
                logger.exception("home not redrawn", extra={"pair": pair_id})
                continue
            for user_id in members:
                self.person(client, user_id)

    def person(self, client: WebClient, user_id: str) -> None:
        if self.settle <= 0:
            self._draw(client, user_id)
            return
        with self._lock:
            if user_id not in self._due:  # else the drawing to come starts after this change
                self._due[user_id] = (self._monotonic() + self.settle, client)
                self._wake.notify()
            if self._background and self._drawer is None:
                self._drawer = threading.Thread(target=self._draw_settled, daemon=True)
                self._drawer.name = "home-redraws"
                self._drawer.start()

    def draw_due(self) -> float | None:
        """Draw the Homes whose settling time is over; when the next one is due, if any."""
        now = self._monotonic()
        with self._lock:
            due = [(user, client) for user, (at, client) in self._due.items() if at <= now]
            for user, _ in due:
                del self._due[user]
        for user, client in due:
            self._draw(client, user)
        with self._lock:
            return min((at for at, _ in self._due.values()), default=None)

    def flush(self) -> None:
        """Draw every Home still settling, now."""
        with self._lock:
            due, self._due = self._due, {}
        for user, (_, client) in sorted(due.items()):
            self._draw(client, user)

    def _draw_settled(self) -> None:
        while True:
            self.draw_due()
            with self._lock:  # what is due now, as asked since draw_due looked
                first = min((at for at, _ in self._due.values()), default=None)
                self._wake.wait(None if first is None else max(0.0, first - self._monotonic()))

    def _draw(self, client: WebClient, user_id: str) -> None:
        with self._lock:
            if user_id in self._drawing:
                self._again.add(user_id)
                return
            self._drawing.add(user_id)
        try:
            while True:
                _redraw_one(self.engine, self.clock, client, user_id, self.coordinators)
                with self._lock:
                    if user_id not in self._again:
                        return
                    self._again.discard(user_id)
        finally:
            with self._lock:
                self._drawing.discard(user_id)


def build_home(boards: Sequence[PairDashboard], seen: Programme | None = None) -> Block:
    """The App Home tab: for a coordinator, the programme first; then each active pair at a
    glance with buttons, then the ended ones."""
    active = [board for board in boards if board.pair.active]
    ended = [board for board in boards if not board.pair.active]
    blocks: list[Block] = programme_blocks(seen) if seen is not None else []
    blocks.append(header("Your mentorships"))
    if not active:
        blocks.append(
            section(
                "You're not in a mentorship yet. In a channel you share, run "
                "`/mentor pair @mentor @mentee` (or add `new` for a private channel)."
            )
        )
    room = (VIEW_BLOCKS - 4 - len(blocks) + 1) // PAIR_BLOCKS
    for board in active[:room]:
        blocks += pair_blocks(board)
    if len(active) > room:
        blocks.append(
            context(f"+{len(active) - room} more mentorships — `/mentor status` lists them all.")
        )
    if ended:
        names = [f"{mention(board.other)} ({_ended_on(board)})" for board in ended[:20]]
        more = f" and {len(ended) - 20} more" if len(ended) > 20 else ""
        blocks.append(context(f"Ended: {', '.join(names)}{more}. Their history stays readable."))
    blocks.append(context("`/goal` sets goals · `/win` shares wins · `/mentor help` for more"))
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS]}


def pair_blocks(board: PairDashboard) -> list[Block]:
    """One active pair: PAIR_BLOCKS blocks."""
    pair = board.pair
    if board.role == Role.MENTOR:
        head = f"*You mentor <@{board.other}>* in <#{pair.channel_id}>"
    else:
        head = f"*<@{board.other}> mentors you* in <#{pair.channel_id}>"
    warning = attention_line(pair)
    if warning is not None:
        head += f"\n{warning}"
    return [
        section(head),
        section("\n".join(_goal_lines(board)), _find_a_mentor(board)),
        section("\n".join(_meeting_lines(board))),
        section("\n".join(_action_lines(board))),
        section("\n".join(_win_lines(board))),
        actions(*_buttons(board)),
        {"type": "divider"},
    ]


def _find_a_mentor(board: PairDashboard) -> Block | None:
    """The mentee's button beside their goals: a mentor one or two steps ahead on the first."""
    if board.role != Role.MENTEE or not board.goals:
        return None
    return button("Find a mentor", FIND_FOR_GOAL, str(board.goals[0].goal.id))


def _goal_lines(board: PairDashboard) -> list[str]:
    if not board.open_goals:
        return ["*Goals*: none open yet. Press *New goal*, or type `/goal`."]
    lines = [f"*Goals* · {plural(board.open_goals, 'open goal')}"]
    for shown in board.goals:
        bar = progress_bar(shown.done, shown.total)
        steps = "milestones" if shown.total else ""
        lines.append(f"{goal_line(_short(shown.goal))}\n      {bar} {steps}".rstrip())
        if shown.next_step is not None:
            lines.append(f"      {_next_step(shown)}")
    if board.open_goals > len(board.goals):
        lines.append(f"+{board.open_goals - len(board.goals)} more goals — `/goal list`")
    return lines


def _next_step(shown: GoalProgress) -> str:
    """The goal's first open milestone, its date, and whether that date has passed."""
    step = shown.next_step
    assert step is not None
    line = f"Next: *{step.label}* {clip(mrkdwn(step.text), ITEM_CHARS)}"
    if step.due_on is None:
        return line
    if shown.overdue:
        return f"{line} · :warning: overdue since {day(step.due_on)}"
    return f"{line} · by {day(step.due_on)}"


def _short(goal: GoalInfo) -> GoalInfo:
    """The goal with its text cut for a dashboard line."""
    return replace(goal, text=plain(goal.text, ITEM_CHARS))


def _meeting_lines(board: PairDashboard) -> list[str]:
    meeting = board.next_meeting
    if meeting is None:
        lines = ["*Next meeting*: No meetings scheduled — `/mentor schedule weekly tue 15:00`"]
    else:
        lines = _next_meeting(meeting, board.other)
    lines.append(f"*Next review*: {next_review_text(board.next_review)}")
    return lines


def _next_meeting(meeting: NextMeeting, other: str) -> list[str]:
    lines = []
    if meeting.paused_until is not None:
        lines.append(
            f":double_vertical_bar: Paused until {meeting.paused_until:%a} "
            f"{day(meeting.paused_until)} — `/mentor resume` restarts"
        )
    mine = when(meeting.starts_at, meeting.viewer_tz, token="{date_short_pretty} at {time}")
    theirs = local(meeting.starts_at, meeting.other_tz)
    line = f"*Next meeting*: {mine} for you · {theirs} for <@{other}>"
    if meeting.agenda_items:
        line += f" · {plural(meeting.agenda_items, 'agenda item')}"
    lines.append(line)
    if meeting.skipped is not None:
        lines.append(f"_The one on {when(meeting.skipped, meeting.viewer_tz)} is skipped._")
    return lines


def _action_lines(board: PairDashboard) -> list[str]:
    if not board.open_actions:
        return ["*Open action items*: none"]
    lines = [f"*Open action items* · {board.open_actions}"]
    lines += [
        f"• *{a.number}.* {clip(mrkdwn(a.text), ITEM_CHARS)} — <@{a.owner_id}>"
        for a in board.actions
    ]
    if board.open_actions > len(board.actions):
        lines.append(f"+{board.open_actions - len(board.actions)} more — `/agenda`")
    return lines


def _win_lines(board: PairDashboard) -> list[str]:
    lines = [f"*Wins in the last 30 days*: {board.recent_wins}"]
    for win in board.wins:
        goal = f" _(goal {win.goal.number})_" if win.goal else ""
        lines.append(f"• {clip(mrkdwn(win.text), ITEM_CHARS)}{goal} — {win.created_at:%d %b}")
    if board.recent_wins > len(board.wins):
        lines.append(f"+{board.recent_wins - len(board.wins)} more")
    return lines


def _buttons(board: PairDashboard) -> list[Block]:
    """The forms this person may use in this pair: wins are the mentee's to log; milestones
    need an open goal, and a milestone to mark done."""
    offered = ["goal"]
    if board.role == Role.MENTEE:
        offered.append("win")
    if board.open_goals:
        offered.append("milestone")
    if board.open_milestones:
        offered.append("milestone_done")
    offered.append("agenda")
    forms = [PAIR_FORMS[name] for name in offered]
    return [button(form.label, form.opener, str(board.pair.id)) for form in forms]


def _ended_on(board: PairDashboard) -> str:
    ended = board.pair.ended_at
    return f"ended {day(ended.date())}" if ended else "ended"

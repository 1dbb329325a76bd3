"""The roadmap picture as a PNG: one row per goal on a date axis, its milestones and wins on it.

Pure: a RoadmapPicture in, PNG bytes out, the same bytes for the same picture. Drawn with
Matplotlib's object API on an Agg canvas of its own (never pyplot, whose global figure state is
not safe across threads). Sized for Slack's preview (800 px wide, shown at 360–800): few, large
fonts; long goal texts cut with an ellipsis; undated items in a "no date" band at the right.

The dated span is bounded so one far date cannot squash the rest into a column: it runs from
the earliest date but at most `LOOK_BACK_DAYS` (about six months) before today, to the latest but
at most `LOOK_AHEAD_DAYS` (two years) after. At 800 px, with about 520 px for dates once the goal
labels are drawn, that is at least ~17 px a month, so steps a month apart stay apart. Six months
back shows the recent progress a review looks at; two years ahead holds the goals mentoring pairs
set. A mark outside the span is drawn at the window's edge, with its real date beside it
("→ Mar 2040"), so nothing is dropped; goal bars are cut at the edge.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

import matplotlib
from matplotlib import dates as mdates
from matplotlib import ft2font
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from mentoring.model import GoalStatus
from mentoring.roadmap_picture import GoalMark, MilestoneState, RoadmapPicture

WIDTH_IN = 8.0
DPI = 100
LABEL_CHARS = 24
ELLIPSIS = "…"
ROW_IN = 0.5  # figure height per row, in inches
BASE_IN = 2.7  # title, date axis and legend
MIN_HEIGHT_IN = 3.8
FONT = 14
LOOK_BACK_DAYS = 183  # about six months before today
LOOK_AHEAD_DAYS = 731  # two years after today (one with a leap day included)

GOAL_BAR = "#cfd8dc"
GOAL_BAR_DONE = "#c8e6c9"
TARGET = "#37474f"
DONE = "#2e7d32"
ON_TRACK = "#1565c0"
OVERDUE = "#c62828"
WIN = "#f9a825"
TODAY = "#6a1b9a"
NO_DATE = "#eceff1"

_MILESTONE_STYLE = {
    MilestoneState.DONE: {"marker": "o", "color": DONE, "fill": True},
    MilestoneState.ON_TRACK: {"marker": "o", "color": ON_TRACK, "fill": False},
    MilestoneState.OVERDUE: {"marker": "X", "color": OVERDUE, "fill": True},
}
_LEGEND = ("goal target", "goal achieved", "step done", "step on track", "step overdue", "win")
_MILESTONE_LABEL = {
    MilestoneState.DONE: "step done",
    MilestoneState.ON_TRACK: "step on track",
    MilestoneState.OVERDUE: "step overdue",
}


@dataclass(frozen=True)
class Window:
    """The dated span drawn, first to last day; dates outside it are drawn at its edge."""

    first: date
    last: date

    def clamp(self, day: date) -> date:
        return min(max(day, self.first), self.last)


@dataclass(frozen=True)
class Placed:
    """One mark: its legend entry, its height, its real date (None: the "no date" band) and the
    date it is drawn at — `on` itself, or the window's edge when `on` is outside the window."""

    key: str
    y: float
    on: date | None
    at: date | None

    @property
    def beyond(self) -> int:
        """-1 before the window, 1 after it, 0 inside it (or undated)."""
        if self.on is None or self.at is None:
            return 0
        return (self.on > self.at) - (self.on < self.at)


@dataclass(frozen=True)
class EdgeNote:
    """The real dates of a row's marks at one edge: "→ Mar 2040", "← Jan 2025–Apr 2025 (5)"."""

    row: int
    after: bool
    text: str


@dataclass(frozen=True)
class Layout:
    """Where everything goes, in dates: the window, the rows (each goal's, by number), the
    marks in drawing order and the notes for marks beyond the window."""

    window: Window
    rows: int
    row_of: dict[int, int]
    marks: tuple[Placed, ...]
    notes: tuple[EdgeNote, ...]


def time_window(picture: RoadmapPicture) -> Window:
    """The picture's dates with today, cut to LOOK_BACK_DAYS before and LOOK_AHEAD_DAYS after."""
    days = [picture.today]
    for goal in picture.goals:
        days += [d for d in (goal.started_on, goal.due_on, goal.closed_on) if d is not None]
    days += [m.due_on for m in picture.milestones if m.due_on is not None]
    days += [win.on for win in picture.wins]
    return Window(
        max(min(days), picture.today - timedelta(days=LOOK_BACK_DAYS)),
        min(max(days), picture.today + timedelta(days=LOOK_AHEAD_DAYS)),
    )


def lay_out(picture: RoadmapPicture) -> Layout:
    """The picture's layout: pure, no drawing, so what goes where can be checked directly."""
    window = time_window(picture)
    rows = len(picture.goals) + (1 if _loose_wins(picture) else 0)
    row_of = {goal.number: rows - 1 - index for index, goal in enumerate(picture.goals)}
    marks: list[Placed] = []

    def place(key: str, y: float, on: date | None) -> None:
        marks.append(Placed(key, y, on, window.clamp(on) if on is not None else None))

    for goal in picture.goals:
        if goal.status == GoalStatus.DONE:
            place("goal achieved", row_of[goal.number], goal.closed_on or picture.today)
        elif goal.due_on is not None:
            place("goal target", row_of[goal.number], goal.due_on)
    for milestone in picture.milestones:
        place(_MILESTONE_LABEL[milestone.state], row_of[milestone.goal_number], milestone.due_on)
    for win in picture.wins:
        place("win", row_of[win.goal_number] + 0.28 if win.goal_number in row_of else 0, win.on)
    return Layout(window, rows, row_of, tuple(marks), _notes(marks))


def _notes(marks: Iterable[Placed]) -> tuple[EdgeNote, ...]:
    """One note per row and edge, giving the real dates of the marks pushed there."""
    beyond: dict[tuple[int, bool], list[date]] = {}
    for mark in marks:
        if mark.beyond and mark.on is not None:
            beyond.setdefault((math.floor(mark.y), mark.beyond > 0), []).append(mark.on)
    return tuple(
        EdgeNote(row, after, _beyond_text(sorted(days), after))
        for (row, after), days in sorted(beyond.items())
    )


def _beyond_text(days: list[date], after: bool) -> str:
    first, last = f"{days[0]:%b %Y}", f"{days[-1]:%b %Y}"
    when = first if first == last else f"{first}–{last}"
    count = f" ({len(days)})" if len(days) > 1 else ""
    return f"{'→' if after else '←'} {when}{count}"


def render_roadmap_png(picture: RoadmapPicture) -> bytes:
    """The picture as PNG bytes (no timestamp or software name inside, so they repeat)."""
    buffer = io.BytesIO()
    roadmap_figure(picture).savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def roadmap_figure(picture: RoadmapPicture) -> Figure:
    """The picture drawn on a Figure of its own (with its own Agg canvas)."""
    layout = lay_out(picture)
    rows = layout.rows
    height = max(MIN_HEIGHT_IN, BASE_IN + ROW_IN * max(rows, 1))
    figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    legend = _draw(axes, picture, layout)
    figure.legend(
        handles=legend,
        loc="outside lower center",
        ncols=min(4, len(legend)),
        fontsize=FONT - 1,
        frameon=False,
        handletextpad=0.3,
        columnspacing=1.0,
    )
    return figure


def _draw(axes: Axes, picture: RoadmapPicture, layout: Layout) -> list[Line2D]:
    """Draw everything on `axes`; returns the legend entries for what was drawn."""
    rows, window, row_of = layout.rows, layout.window, layout.row_of
    scale = _Scale(picture, window)
    shown: dict[str, Line2D] = {}

    def mark(x: float, y: float, key: str, style: dict[str, object], size: float = 11) -> None:
        color = str(style["color"])
        axes.plot(
            [x],
            [y],
            linestyle="none",
            marker=str(style["marker"]),
            markersize=size,
            markeredgewidth=2,
            markeredgecolor=color,
            markerfacecolor=color if style["fill"] else "white",
            zorder=4,
        )
        if key not in shown:
            shown[key] = Line2D(
                [],
                [],
                linestyle="none",
                marker=str(style["marker"]),
                markersize=size,
                markeredgewidth=2,
                markeredgecolor=color,
                markerfacecolor=color if style["fill"] else "white",
                label=key,
            )

    if scale.band is not None:
        axes.axvspan(scale.band[0], scale.band[1], color=NO_DATE, zorder=0)
    for goal in picture.goals:
        y = row_of[goal.number]
        done = goal.status == GoalStatus.DONE
        end = goal.closed_on if done else goal.due_on
        dated = end is not None
        axes.hlines(
            y,
            scale.x(window.clamp(goal.started_on)),
            scale.x(window.clamp(end)) if end is not None else scale.band_middle,
            colors=GOAL_BAR_DONE if done else GOAL_BAR,
            linewidth=7,
            linestyles="solid" if dated else (0, (2, 1)),
            zorder=1,
        )
    undated: dict[float, list[float]] = {}
    for placed in layout.marks:
        if placed.at is None:
            undated.setdefault(placed.y, []).append(0)
    for y, slots in undated.items():
        undated[y] = scale.spread(len(slots))
    for placed in layout.marks:
        x = undated[placed.y].pop(0) if placed.at is None else scale.x(placed.at)
        style, size = _STYLE[placed.key]
        mark(x, placed.y, placed.key, style, size)
    for note in layout.notes:
        axes.text(
            scale.x(window.last if note.after else window.first),
            note.row - 0.24,
            note.text,
            ha="right" if note.after else "left",
            va="top",
            fontsize=FONT - 3,
            color=TARGET,
            zorder=5,
        )
    axes.axvline(scale.x(picture.today), color=TODAY, linestyle="--", linewidth=2, zorder=3)
    today = Line2D([], [], color=TODAY, linestyle="--", linewidth=2, label="today")

    labels = [_label(goal) for goal in picture.goals]
    if rows > len(picture.goals):
        labels.append("Wins")
    axes.set_yticks(range(rows - 1, -1, -1), labels, fontsize=FONT)
    for tick, goal in zip(axes.get_yticklabels(), picture.goals, strict=False):
        if goal.status == GoalStatus.DONE:
            tick.set_color(DONE)
    axes.set_ylim(-0.6, rows - 0.4)
    axes.set_xlim(scale.low, scale.high)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=5)
    first, last = window.first, window.last
    if (last.year - first.year) * 12 + last.month - first.month - (last.day < first.day) > 24:
        # Too long for 5 monthly ticks, too short for 3 yearly ones (at most 30 months here):
        # allow a sixth, so every half year is marked without the locator warning it can't.
        locator.maxticks[mdates.MONTHLY] = 6
    dated = locator.tick_values(scale.first, scale.last)
    ticks = [float(tick) for tick in dated if scale.low <= tick <= scale.edge]
    names = mdates.ConciseDateFormatter(locator, show_offset=False).format_ticks(ticks)
    if scale.band is not None:
        ticks, names = [*ticks, scale.band_middle], [*names, "no date"]
    axes.set_xticks(ticks, names)
    axes.tick_params(axis="x", labelsize=FONT - 1)
    axes.tick_params(axis="y", length=0)
    axes.grid(axis="x", color="#e0e0e0", linewidth=1)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    today_text = f"{picture.today.day} {picture.today:%b %Y}"
    axes.set_title(f"Roadmap on {today_text}", fontsize=FONT + 3, loc="left")
    if picture.hidden_goals:
        axes.set_title(f"+{picture.hidden_goals} more goals", fontsize=FONT, loc="right")
    return [*sorted(shown.values(), key=lambda entry: _LEGEND.index(entry.get_label())), today]


_GOAL_TARGET: dict[str, object] = {"marker": "D", "color": TARGET, "fill": False}
_GOAL_DONE: dict[str, object] = {"marker": "D", "color": DONE, "fill": True}
_WIN: dict[str, object] = {"marker": "*", "color": WIN, "fill": True}
_STYLE: dict[str, tuple[dict[str, object], float]] = {
    "goal target": (_GOAL_TARGET, 13),
    "goal achieved": (_GOAL_DONE, 13),
    **{_MILESTONE_LABEL[state]: (style, 11) for state, style in _MILESTONE_STYLE.items()},
    "win": (_WIN, 15),
}


class _Scale:
    """Dates to x positions: the window with a margin, then a "no date" band if needed."""

    def __init__(self, picture: RoadmapPicture, window: Window) -> None:
        first, last = window.first, window.last
        span = max((last - first).days, 14)
        pad = max(span * 0.04, 2.0)
        self.first = _moment(first)
        self.last = _moment(last)
        self.low = self.x(first) - pad
        self.edge = self.x(last) + pad
        needs_band = any(
            goal.status == GoalStatus.OPEN and goal.due_on is None for goal in picture.goals
        ) or any(milestone.due_on is None for milestone in picture.milestones)
        self.band: tuple[float, float] | None = None
        self.high = self.edge
        if needs_band:
            self.band = (self.edge, self.edge + max(span * 0.16, 6.0))
            self.high = self.band[1]

    @staticmethod
    def x(day: date) -> float:
        return float(mdates.date2num(_moment(day)))

    @property
    def band_middle(self) -> float:
        return (self.band[0] + self.band[1]) / 2 if self.band else self.edge

    def spread(self, count: int) -> list[float]:
        """`count` evenly spaced places inside the "no date" band."""
        assert self.band is not None
        low, high = self.band
        return [low + (high - low) * (index + 1) / (count + 1) for index in range(count)]


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def _loose_wins(picture: RoadmapPicture) -> bool:
    """Whether some win has no goal row of its own and needs the "Wins" row."""
    return any(win.goal_number is None for win in picture.wins)


def _label(goal: GoalMark) -> str:
    text = shorten(drawable(goal.text), LABEL_CHARS)
    return f"{goal.number}. {text}".replace("$", r"\$")


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + ELLIPSIS


def drawable(text: str) -> str:
    """Text the chart's font can draw: characters it lacks (most emoji) are left out. (A `$`
    is drawn as typed once the label escapes it from Matplotlib's math markup.)"""
    glyphs = _glyphs()
    kept = "".join(char for char in text if char.isspace() or ord(char) in glyphs)
    return " ".join(kept.split())


@cache
def _glyphs() -> frozenset[int]:
    path = matplotlib.font_manager.findfont(matplotlib.font_manager.FontProperties())
    return frozenset(ft2font.FT2Font(path).get_charmap())

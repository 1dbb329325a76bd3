"""The roadmap picture as a PNG: one row per goal on a date axis, its milestones and wins on it.

Pure: a RoadmapPicture in, PNG bytes out, the same bytes for the same picture. Drawn with
Matplotlib's object API on an Agg canvas of its own (never pyplot, whose global figure state is
not safe across threads). Sized for Slack's preview (800 px wide, shown at 360–800): few, large
fonts; long goal texts cut with an ellipsis; undated items in a "no date" band at the right.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import cache

import matplotlib
from matplotlib import dates as mdates
from matplotlib import ft2font
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from handlers.slack_text import ELLIPSIS
from mentoring.model import GoalStatus
from mentoring.roadmap_picture import GoalMark, MilestoneState, RoadmapPicture

WIDTH_IN = 8.0
DPI = 100
LABEL_CHARS = 24
ROW_IN = 0.5  # figure height per row, in inches
BASE_IN = 2.7  # title, date axis and legend
MIN_HEIGHT_IN = 3.8
FONT = 14

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


def render_roadmap_png(picture: RoadmapPicture) -> bytes:
    """The picture as PNG bytes (no timestamp or software name inside, so they repeat)."""
    rows = len(picture.goals) + (1 if _loose_wins(picture) else 0)
    height = max(MIN_HEIGHT_IN, BASE_IN + ROW_IN * max(rows, 1))
    figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    legend = _draw(axes, picture, rows)
    figure.legend(
        handles=legend,
        loc="outside lower center",
        ncols=min(4, len(legend)),
        fontsize=FONT - 1,
        frameon=False,
        handletextpad=0.3,
        columnspacing=1.0,
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _draw(axes: Axes, picture: RoadmapPicture, rows: int) -> list[Line2D]:
    """Draw everything on `axes`; returns the legend entries for what was drawn."""
    scale = _Scale(picture)
    row_of = {goal.number: rows - 1 - index for index, goal in enumerate(picture.goals)}
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
            scale.x(goal.started_on),
            scale.x(end) if end is not None else scale.band_middle,
            colors=GOAL_BAR_DONE if done else GOAL_BAR,
            linewidth=7,
            linestyles="solid" if dated else (0, (2, 1)),
            zorder=1,
        )
        if done:
            mark(scale.x(end or picture.today), y, "goal achieved", _GOAL_DONE, 13)
        elif goal.due_on is not None:
            mark(scale.x(goal.due_on), y, "goal target", _GOAL_TARGET, 13)
    undated: dict[int, list[float]] = {}
    for milestone in picture.milestones:
        if milestone.due_on is None:
            undated.setdefault(milestone.goal_number, []).append(0)
    for goal_number, slots in undated.items():
        undated[goal_number] = scale.spread(len(slots))
    for milestone in picture.milestones:
        y = row_of[milestone.goal_number]
        if milestone.due_on is None:
            x = undated[milestone.goal_number].pop(0)
        else:
            x = scale.x(milestone.due_on)
        mark(x, y, _MILESTONE_LABEL[milestone.state], _MILESTONE_STYLE[milestone.state])
    for win in picture.wins:
        y = row_of[win.goal_number] + 0.28 if win.goal_number in row_of else 0
        mark(scale.x(win.on), y, "win", _WIN, 15)
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


class _Scale:
    """Dates to x positions: the dated span with a margin, then a "no date" band if needed."""

    def __init__(self, picture: RoadmapPicture) -> None:
        days = [picture.today]
        for goal in picture.goals:
            days += [d for d in (goal.started_on, goal.due_on, goal.closed_on) if d is not None]
        days += [m.due_on for m in picture.milestones if m.due_on is not None]
        days += [win.on for win in picture.wins]
        first, last = min(days), max(days)
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

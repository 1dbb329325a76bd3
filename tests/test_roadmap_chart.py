"""The roadmap PNG: a real, readable picture at Slack's preview size, the same for the same data."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from matplotlib import dates as mdates
from PIL import Image

from mentoring.model import GoalStatus, PairInfo
from mentoring.roadmap_picture import (
    MAX_GOAL_ROWS,
    GoalMark,
    MilestoneMark,
    MilestoneState,
    RoadmapPicture,
    WinMark,
)
from rendering import roadmap_chart
from rendering.roadmap_chart import (
    LOOK_AHEAD_DAYS,
    LOOK_BACK_DAYS,
    EdgeNote,
    Window,
    drawable,
    lay_out,
    render_roadmap_png,
    roadmap_figure,
    shorten,
)
from tests.support import T0

PAIR = PairInfo(1, "T1", "UMENTOR", "UMENTEE", "C1", True, T0, None)
TODAY = date(2026, 11, 21)
OPEN, DONE = GoalStatus.OPEN, GoalStatus.DONE

PICTURE = RoadmapPicture(
    pair=PAIR,
    today=TODAY,
    goals=(
        GoalMark(
            1,
            "Give a talk at PyCon about testing 🚀",
            OPEN,
            date(2026, 9, 5),
            date(2027, 3, 31),
            None,
        ),
        GoalMark(
            2, "Save $500 for the $20 course", DONE, date(2026, 9, 10), None, date(2026, 11, 2)
        ),
        GoalMark(3, "Get promoted to Senior Engineer", OPEN, date(2026, 10, 1), None, None),
    ),
    milestones=(
        MilestoneMark(1, 1, "Pick a topic", date(2026, 10, 15), MilestoneState.DONE),
        MilestoneMark(1, 2, "Submit", date(2026, 11, 10), MilestoneState.OVERDUE),
        MilestoneMark(1, 3, "Rehearse", date(2027, 2, 1), MilestoneState.ON_TRACK),
        MilestoneMark(3, 1, "Talk to my manager", None, MilestoneState.ON_TRACK),
    ),
    wins=(WinMark(date(2026, 10, 20), 1), WinMark(date(2026, 11, 15), None)),
)


def _rgb(color: str) -> tuple[int, int, int]:
    return (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))


def _open(png: bytes, tmp_path: Path) -> Image.Image:
    path = tmp_path / "roadmap.png"
    path.write_bytes(png)
    image = Image.open(path)
    image.load()
    return image


def _colours(image: Image.Image) -> set[tuple[int, int, int]]:
    counted = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert counted is not None
    return {colour for _, colour in counted}


def test_the_picture_is_a_png_sized_for_slacks_preview(tmp_path: Path) -> None:
    """A valid PNG 800 px wide, not taller than wide by much, with every state's colour."""
    png = render_roadmap_png(PICTURE)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = _open(png, tmp_path)
    assert image.format == "PNG"
    width, height = image.size
    assert width == 800 and 360 <= height <= 1000
    colours = _colours(image)
    assert len(colours) > 20  # not blank: markers, bars, text, the no-date band
    for colour in (roadmap_chart.DONE, roadmap_chart.OVERDUE, roadmap_chart.ON_TRACK):
        assert _rgb(colour) in colours
    assert _rgb(roadmap_chart.WIN) in colours and _rgb(roadmap_chart.TODAY) in colours


def test_same_data_same_bytes_and_different_data_a_different_picture() -> None:
    """Nothing time-dependent goes in (no timestamp, no software tag); any change shows."""
    png = render_roadmap_png(PICTURE)
    assert render_roadmap_png(replace(PICTURE)) == png
    assert b"tIME" not in png and b"Software" not in png
    later = replace(PICTURE, today=date(2026, 12, 21))
    fewer = replace(PICTURE, milestones=PICTURE.milestones[:2])
    assert len({png, render_roadmap_png(later), render_roadmap_png(fewer)}) == 3


def test_overdue_red_appears_only_when_a_step_is_overdue(tmp_path: Path) -> None:
    """The overdue colour marks overdue steps and nothing else."""
    on_time = replace(
        PICTURE,
        milestones=tuple(
            replace(m, state=MilestoneState.ON_TRACK) if m.state == MilestoneState.OVERDUE else m
            for m in PICTURE.milestones
        ),
    )
    assert _rgb(roadmap_chart.OVERDUE) not in _colours(_open(render_roadmap_png(on_time), tmp_path))


def test_twelve_rows_and_a_summary_still_fit(tmp_path: Path) -> None:
    """The most rows (12 goals and the wins row) stay within preview bounds."""
    goals = tuple(
        GoalMark(n, "A goal with a rather long wording " * 3, OPEN, TODAY, date(2027, 1, n), None)
        for n in range(1, MAX_GOAL_ROWS + 1)
    )
    crowded = replace(PICTURE, goals=goals, milestones=(), hidden_goals=18)
    width, height = _open(render_roadmap_png(crowded), tmp_path).size
    assert width == 800 and height <= 1000


def test_one_goal_without_any_dates_still_draws(tmp_path: Path) -> None:
    """A lone undated goal, with undated steps, is drawn in the "no date" band."""
    lone = RoadmapPicture(
        PAIR,
        TODAY,
        (GoalMark(1, "Be a better listener", OPEN, TODAY, None, None),),
        (MilestoneMark(1, 1, "Ask for feedback", None, MilestoneState.DONE),),
        (),
    )
    image = _open(render_roadmap_png(lone), tmp_path)
    assert image.size[0] == 800 and _rgb(roadmap_chart.DONE) in _colours(image)


def test_hard_text_draws_without_warnings() -> None:
    """Emoji the font lacks are left out and `$` is not read as math markup: no warnings."""
    tricky = replace(
        PICTURE,
        goals=(
            GoalMark(1, "$x$ \\frac{a}{b} $$ 🚀🎉 <!channel> & co", OPEN, TODAY, None, None),
            GoalMark(2, "😀" * 40, OPEN, TODAY, date(2027, 1, 1), None),
        ),
        milestones=(),
        wins=(),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert render_roadmap_png(tricky).startswith(b"\x89PNG")


def test_renders_in_parallel_threads_agree() -> None:
    """Each render has its own figure and canvas: threads at once give the same bytes."""
    expected = render_roadmap_png(PICTURE)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: render_roadmap_png(PICTURE), range(4)))
    assert results == [expected] * 4


@pytest.mark.parametrize(
    ("text", "limit", "shown"),
    [
        ("Short", 10, "Short"),
        ("Give a talk at PyCon", 10, "Give a ta…"),
        ("  spaced\n out  ", 20, "spaced out"),
    ],
)
def test_long_goal_texts_are_shortened_with_an_ellipsis(text: str, limit: int, shown: str) -> None:
    """Labels keep to `limit` characters, the last one an ellipsis when cut."""
    assert shorten(text, limit) == shown


def test_characters_the_font_lacks_are_left_out() -> None:
    """Accents stay; emoji the chart font cannot draw go, without leaving double spaces."""
    assert drawable("Café 🚀 launch ✓") == "Café launch ✓"


FAR_STEP = MilestoneMark(1, 4, "Celebrate", date(2040, 3, 1), MilestoneState.ON_TRACK)
FAR = replace(PICTURE, milestones=(*PICTURE.milestones, FAR_STEP))
EARLIEST, LATEST = TODAY - timedelta(days=LOOK_BACK_DAYS), TODAY + timedelta(days=LOOK_AHEAD_DAYS)


def test_normal_data_keeps_its_own_span_and_every_mark_in_place() -> None:
    """Dates within six months back and two years ahead: the window is exactly the data's."""
    layout = lay_out(PICTURE)
    assert layout.window == Window(date(2026, 9, 5), date(2027, 3, 31))
    assert all(mark.at == mark.on and mark.beyond == 0 for mark in layout.marks)
    assert layout.notes == ()


def test_one_far_date_does_not_stretch_the_window() -> None:
    """A step in 2040 ends the window two years after today; the step sits at its right edge."""
    layout = lay_out(FAR)
    assert layout.window == Window(date(2026, 9, 5), date(2028, 11, 21))
    (far,) = [mark for mark in layout.marks if mark.beyond]
    assert (far.key, far.on, far.at, far.beyond) == ("step on track", FAR_STEP.due_on, LATEST, 1)
    assert layout.notes == (EdgeNote(row=3, after=True, text="→ Mar 2040"),)


def test_old_and_far_marks_are_grouped_per_row_with_their_real_dates() -> None:
    """Wins from 2024–25 go to the left edge, two 2040 steps to the right, one note per edge."""
    old_wins = (WinMark(date(2025, 2, 5), 1), WinMark(date(2024, 1, 5), 1))
    two_far = (FAR_STEP, replace(FAR_STEP, number=5, due_on=date(2040, 3, 20)))
    picture = replace(
        PICTURE, milestones=PICTURE.milestones + two_far, wins=PICTURE.wins + old_wins
    )
    layout = lay_out(picture)
    assert layout.window == Window(EARLIEST, LATEST)
    assert [mark.at for mark in layout.marks if mark.beyond < 0] == [EARLIEST, EARLIEST]
    assert layout.notes == (
        EdgeNote(row=3, after=False, text="← Jan 2024–Feb 2025 (2)"),
        EdgeNote(row=3, after=True, text="→ Mar 2040 (2)"),
    )


def test_the_drawn_axis_stays_in_the_window_and_names_the_far_date() -> None:
    """The figure's x axis ends near the window's edge, not in 2040, and shows "→ Mar 2040"."""
    dated_only = replace(FAR, goals=FAR.goals[:2], milestones=(*PICTURE.milestones[:3], FAR_STEP))
    axes = roadmap_figure(dated_only).axes[0]
    low, high = axes.get_xlim()
    margin = 0.05 * (LATEST - date(2026, 9, 5)).days  # the chart pads the window by 4%
    assert mdates.date2num(date(2026, 9, 5)) - margin <= low
    assert high <= mdates.date2num(LATEST) + margin < mdates.date2num(date(2029, 1, 1))
    assert "→ Mar 2040" in [text.get_text() for text in axes.texts]


def test_a_picture_with_a_far_date_is_a_repeatable_preview_sized_png(tmp_path: Path) -> None:
    """With far and old marks it still renders 800 px wide, warning-free, the same bytes again."""
    picture = replace(FAR, wins=(*FAR.wins, WinMark(date(2023, 6, 1), None)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = render_roadmap_png(picture)
    width, height = _open(png, tmp_path).size
    assert width == 800 and 360 <= height <= 1000
    assert render_roadmap_png(replace(picture)) == png
    assert png != render_roadmap_png(PICTURE)

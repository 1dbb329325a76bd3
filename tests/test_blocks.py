"""Block Kit builders stay within Slack's limits whatever people type."""

from datetime import date

import pytest

from fakeslack import validate_message
from handlers import help as help_text
from handlers import kit, pairing
from handlers.goals import blocks as goal_blocks
from handlers.goals import roadmap
from handlers.wins import blocks as win_blocks
from mentoring.coaching import OBSERVABLE, OUTCOME, TIME_BOUND, Coaching
from mentoring.goals import GoalChanged, GoalList
from mentoring.milestones import MilestoneInfo, Roadmap
from mentoring.model import (
    GoalInfo,
    GoalStatus,
    NeedsPair,
    PairChoice,
    PairInfo,
    Role,
    WinInfo,
    WinLogged,
)
from mentoring.pairs import PairSummary
from mentoring.roadmap_picture import GoalMark, MilestoneMark, MilestoneState, RoadmapPicture
from tests.support import T0

PAIR = PairInfo(1, "T1", "UMENTOR", "UMENTEE", "C1", True, T0, None)
HUGE = "<!channel> & <b> 🚀 " + "x" * 6000


def _goal(number: int, text: str = "Give a talk", status=GoalStatus.OPEN) -> GoalInfo:
    return GoalInfo(number, 1, number, text, date(2027, 3, 31), status, T0, None)


def _win(
    text: str = "Shipped", worked: str | None = None, goal: GoalInfo | None = None
) -> WinLogged:
    return WinLogged(WinInfo(7, 1, "UMENTEE", text, worked, goal, T0, "C1", None), PAIR)


MESSAGES = {
    "help": lambda: help_text.help_message(),
    "refusal": lambda: kit.refusal(HUGE),
    "goal added": lambda: goal_blocks.goal_added(_goal(1, HUGE), PAIR, "UMENTOR"),
    "goal list (300 goals)": lambda: goal_blocks.goal_list(
        GoalList(PAIR, tuple(_goal(n, HUGE[:300]) for n in range(1, 301))), "UMENTEE"
    ),
    "goal changed": lambda: goal_blocks.goal_changed(
        GoalChanged(_goal(1, HUGE, GoalStatus.DONE), PAIR, GoalStatus.OPEN)
    ),
    "win announcement": lambda: win_blocks.win_announcement(_win(HUGE, HUGE, _goal(2, HUGE))),
    "win logged": lambda: win_blocks.win_logged(_win(HUGE), None),
    "win not posted": lambda: win_blocks.win_logged(_win(HUGE), "is_archived"),
    "pair chooser (60 pairs)": lambda: win_blocks.pair_chooser(
        NeedsPair(3, "win", tuple(PairChoice(n, f"U{n}", Role.MENTOR) for n in range(60)))
    ),
    "note prompt": lambda: win_blocks.note_prompt(5, HUGE, frozenset(Role)),
    "note prompt (a mentor)": lambda: win_blocks.note_prompt(5, HUGE, frozenset({Role.MENTOR})),
    "agenda pair chooser (60 pairs)": lambda: win_blocks.agenda_pair_chooser(
        NeedsPair(3, "agenda", tuple(PairChoice(n, f"U{n}", Role.MENTOR) for n in range(60)))
    ),
    "command chooser (60 pairs, long names)": lambda: win_blocks.command_chooser(
        NeedsPair(
            3,
            "command",
            tuple(PairChoice(n, f"U{n}", Role(["mentor", "mentee"][n % 2])) for n in range(60)),
        ),
        f"/agenda add {HUGE}",
        {f"U{n}": "Maria-Fernanda " * 10 for n in range(60)},
    ),
    "no mentorship": win_blocks.no_mentorship,
    "pairing question": lambda: pairing.pairing_question(
        "U1", "U2", "U3", "C4", PAIR, True, ("<@U3> isn't in this channel yet.",) * 2
    ),
    "end confirmation": lambda: pairing.end_confirmation(PAIR),
    "status (60 pairs)": lambda: pairing.status(
        [PairSummary(PAIR, Role.MENTEE, tuple(_goal(n, HUGE[:300]) for n in range(40)), 3)] * 60
    ),
    "roadmap": lambda: goal_blocks.roadmap_message(
        Roadmap(
            PAIR,
            _goal(1, HUGE),
            tuple(
                MilestoneInfo(n, 1, n, HUGE, date(2026, 12, 1), n % 3 == 0, 1)
                for n in range(1, 300)
            ),
        ),
        date(2026, 12, 5),
        "Added milestone 1.299.",
    ),
    "milestone done": lambda: goal_blocks.milestone_changed(
        MilestoneInfo(1, 1, 1, HUGE, None, True, 1)
    ),
    "roadmap empty": lambda: roadmap.roadmap_empty(),
    "roadmap not posted": lambda: roadmap.roadmap_not_shared("C1", HUGE),
}


def _picture(overdue: int = 0, hidden: int = 0, text: str = "Submit") -> RoadmapPicture:
    goals = (
        GoalMark(1, HUGE[:300], GoalStatus.OPEN, date(2026, 9, 1), None, None),
        GoalMark(2, "Ship", GoalStatus.DONE, date(2026, 9, 1), None, date(2026, 11, 1)),
    )
    steps = tuple(
        MilestoneMark(1, n, text, date(2026, 11, n), MilestoneState.OVERDUE)
        for n in range(1, overdue + 1)
    ) + (MilestoneMark(2, 1, "Done step", None, MilestoneState.DONE),)
    return RoadmapPicture(PAIR, date(2026, 11, 21), goals, steps, (), hidden)


@pytest.mark.parametrize("name", MESSAGES)
def test_messages_fit_slacks_limits(name: str) -> None:
    """Each builder, fed oversized text and lists, produces a message Slack accepts."""
    message = MESSAGES[name]()
    assert validate_message(message) == []
    assert message["text"]


@pytest.mark.parametrize("name", MESSAGES)
def test_messages_never_carry_a_broadcast(name: str) -> None:
    """Typed `<!channel>` never survives into what Slack receives."""
    assert "<!channel>" not in str(MESSAGES[name]())


def test_an_ended_mentorship_without_goals_does_not_invite_adding_one() -> None:
    """Read-only, so no "Add one": the list just says no goals were set."""
    ended = PairInfo(1, "T1", "UMENTOR", "UMENTEE", "C1", False, T0, T0)
    text = str(goal_blocks.goal_list(GoalList(ended, ()), "UMENTEE"))
    assert "read-only" in text and "No goals were set" in text and "Add one" not in text


def test_coaching_names_what_is_missing_as_a_sentence() -> None:
    """ "a concrete outcome, a date and a result others could see", not "… and … and …"."""
    coaching = Coaching((OUTCOME, TIME_BOUND, OBSERVABLE), "Give a talk by June")
    text = str(goal_blocks.coaching_section(_goal(1), coaching))
    assert "with a concrete outcome, a date and a result others could see." in text


def test_long_lists_are_summarised_not_cut_silently() -> None:
    """Past the block limit a list says how many more there are, and the count adds up."""
    goals = tuple(_goal(n, "g" * 300) for n in range(1, 1001))
    message = goal_blocks.goal_list(GoalList(PAIR, goals), "UMENTEE")
    assert validate_message(message) == []
    *sections, summary = message["blocks"][1:]
    shown = sum(block["text"]["text"].count(":dart:") for block in sections)
    left = int(summary["elements"][0]["text"].split()[1])
    assert shown + left == 1000 and left > 0


def test_win_announcement_mentions_the_mentor_and_quotes_every_line() -> None:
    """The mentor is mentioned as <@ID>; multi-line wins are quoted line by line."""
    post = win_blocks.win_announcement(_win("line one\nline <two>", "pairing"))
    assert post["text"].startswith(":trophy: <@UMENTOR>, a win from <@UMENTEE>:")
    assert ">line one\n>line &lt;two&gt;" in post["blocks"][0]["text"]["text"]


def test_the_roadmap_comment_counts_lists_overdue_steps_and_escapes_them() -> None:
    """Whose roadmap and what it shows; overdue steps by label, escaped; hidden goals counted."""
    comment = roadmap.roadmap_comment(_picture(overdue=5, hidden=18, text=HUGE), "UMENTOR")
    first, *overdue, more, hidden = comment.split("\n")
    assert first.startswith(":world_map: Roadmap of <@UMENTEE> with <@UMENTOR> on 21 November")
    assert "shared by <@UMENTOR>" in first
    assert "1 open goal · 1 achieved · 1 of 6 steps done · 5 overdue · 0 wins." in first
    assert len(overdue) == 3 and overdue[0].startswith("Overdue: 1.1 &lt;!channel&gt; &amp;")
    assert "<!channel>" not in comment and len(comment) <= kit.FALLBACK_CHARS
    assert more == "…and 2 more overdue." and hidden.startswith("18 more goals not drawn")
    quiet = roadmap.roadmap_comment(_picture(), "UMENTEE")
    assert "\n" not in quiet and "overdue" not in quiet


@pytest.mark.parametrize(
    ("error", "says"),
    [
        ("not_in_channel", "/invite @Mentorbot"),
        ("channel_not_found", "/invite @Mentorbot"),
        ("is_archived", "archived"),
        ("ratelimited", "slow down"),
        ("missing_scope", "files:write"),
        ("upload_failed", "`upload_failed`"),
    ],
)
def test_a_roadmap_not_posted_says_why(error: str, says: str) -> None:
    """Each failure gets its own plain reason, naming the channel."""
    text = roadmap.roadmap_not_shared("C1", error)["text"]
    assert says in text and "<#C1>" in text


def test_the_progress_bar_counts_done_milestones() -> None:
    """Ten cells, filled in proportion; a goal with no steps says so."""
    assert goal_blocks.progress_bar(3, 10) == "▰▰▰▱▱▱▱▱▱▱ 3/10"
    assert goal_blocks.progress_bar(2, 2) == "▰▰▰▰▰▰▰▰▰▰ 2/2"
    assert goal_blocks.progress_bar(0, 0) == "no milestones yet"

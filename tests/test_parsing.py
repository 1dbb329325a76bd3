"""The command grammar."""

import re

import pytest

from handlers import blocks
from handlers.parsing import (
    AddGoal,
    ChangeGoal,
    DirectMessage,
    EndPair,
    GoalHistory,
    Help,
    ListGoals,
    LogWin,
    LogWinForm,
    NewGoalForm,
    PairUp,
    ReviewHistory,
    SetNudges,
    SetReviewCadence,
    ShowLastReview,
    ShowNudges,
    ShowReviewCadence,
    ShowRoadmap,
    ShowStatus,
    StartReview,
    parse_agenda_command,
    parse_direct_message,
    parse_goal_command,
    parse_mentor_command,
    parse_review_command,
    parse_win_command,
    take_target,
)
from handlers.slack_text import from_slack
from mentoring.capture import Kind
from mentoring.errors import InvalidInput
from mentoring.model import GoalStatus


def test_goal_subcommands() -> None:
    """list / done n / drop n / help / nothing (the form) / anything else is a new goal."""
    assert parse_goal_command("list") == ListGoals(None)
    assert parse_goal_command("done 2") == ChangeGoal(2, GoalStatus.DONE, None)
    assert parse_goal_command("drop #3 to <@U9>") == ChangeGoal(3, GoalStatus.DROPPED, "U9")
    assert parse_goal_command("help") == Help()
    assert parse_goal_command("") == NewGoalForm(None)
    assert parse_goal_command("to <@U9>") == NewGoalForm("U9")
    assert parse_goal_command("list 3 talks I could give") == AddGoal(
        "list 3 talks I could give", None
    )


def test_goal_roadmap_alone_is_the_picture_and_anything_more_is_a_goal() -> None:
    """`/goal roadmap [to @person]` asks for the picture; a goal starting "roadmap" stays one."""
    assert parse_goal_command("roadmap") == ShowRoadmap(None)
    assert parse_goal_command("Roadmap to <@U9>") == ShowRoadmap("U9")
    assert parse_goal_command("roadmap the Q3 launch by June") == AddGoal(
        "roadmap the Q3 launch by June", None
    )


def test_goal_done_without_a_number_says_what_to_type() -> None:
    """`/goal done soon` is refused with an example, not saved as a goal."""
    with pytest.raises(InvalidInput, match="/goal done 2"):
        parse_goal_command("done soon")


def test_to_person_at_either_end_picks_the_pair() -> None:
    """`to @person` is recognised at the end or the start, and only there."""
    assert take_target("Ship it by June to <@U7>") == ("Ship it by June", "U7")
    assert take_target("to <@U7> ship it") == ("ship it", "U7")
    assert take_target("Introduce myself to <@U7> at the offsite") == (
        "Introduce myself to <@U7> at the offsite",
        None,
    )


def test_win_command() -> None:
    """/win with text logs it; `help` helps; nothing (or only `to @name`) opens the form."""
    assert parse_win_command("Shipped it #2 to <@U1>") == LogWin("Shipped it #2", "U1")
    assert parse_win_command("help") == Help()
    assert parse_win_command("") == LogWinForm(None)
    assert parse_win_command("to <@U1>") == LogWinForm("U1")


def test_mentor_subcommands() -> None:
    """pair (with optional new), end, status, help; unknown verbs are refused."""
    assert parse_mentor_command("pair <@U1> <@U2>") == PairUp("U1", "U2", False)
    assert parse_mentor_command("pair <@U1> <@U2> new") == PairUp("U1", "U2", True)
    assert parse_mentor_command("end") == EndPair(())
    assert parse_mentor_command("end <@U1> <@U2>") == EndPair(("U1", "U2"))
    assert parse_mentor_command("status") == ShowStatus()
    assert parse_mentor_command("") == Help()
    with pytest.raises(InvalidInput, match="don't know `/mentor dance`"):
        parse_mentor_command("dance")
    with pytest.raises(InvalidInput, match="mentor first"):
        parse_mentor_command("pair @maria @lee")  # not mentions: Slack did not resolve them


def test_mentor_nudges_on_off_and_show() -> None:
    """`/mentor nudges [on|off] [to @person]`; anything else says what to type."""
    assert parse_mentor_command("nudges") == ShowNudges(None)
    assert parse_mentor_command("nudges OFF") == SetNudges(False, None)
    assert parse_mentor_command("nudges on to <@U7>") == SetNudges(True, "U7")
    with pytest.raises(InvalidInput, match="/mentor nudges off"):
        parse_mentor_command("nudges sometimes")


def test_direct_message_prefixes() -> None:
    """`goal:` and `win:` save; `help` helps; anything else is a note to classify."""
    assert parse_direct_message("Goal: talk at PyCon by May") == DirectMessage(
        Kind.GOAL, "talk at PyCon by May", None
    )
    assert parse_direct_message("win:shipped") == DirectMessage(Kind.WIN, "shipped", None)
    assert parse_direct_message("help") == Help()
    assert parse_direct_message("had a good chat") == DirectMessage(
        Kind.NOTE, "had a good chat", None
    )


def test_every_example_in_the_help_parses() -> None:
    """The help text shows commands that work as shown (help matches behaviour)."""
    parsers = {
        "/goal": parse_goal_command,
        "/win": parse_win_command,
        "/mentor": parse_mentor_command,
        "/agenda": parse_agenda_command,
        "/review": parse_review_command,
    }
    for _title, commands in blocks.HELP_SECTIONS:
        for example, _what in commands:
            name, _, text = example.partition(" ")
            # People in examples are written @name; Slack sends them as <@U…|name>.
            text = re.sub(r"@(\w+)", lambda m: f"<@U{m.group(1).upper()}|{m.group(1)}>", text)
            assert parsers[name](from_slack(text)) != Help() or text in ("help", "")


def test_review_commands_and_cadences() -> None:
    """`/review`, its verbs and `to @name`; `/mentor review every N weeks|off`; `/goal history`."""
    assert parse_review_command("") == ShowLastReview(None)
    assert parse_review_command("history to <@UA>") == ReviewHistory("UA")
    assert parse_review_command("now") == StartReview(None)
    assert parse_mentor_command("review every 6 weeks") == SetReviewCadence(6, None)
    assert parse_mentor_command("review off to <@UB>") == SetReviewCadence(None, "UB")
    assert parse_mentor_command("review") == ShowReviewCadence(None)
    assert parse_goal_command("history 2") == GoalHistory(2, None)
    with pytest.raises(InvalidInput):
        parse_review_command("sometime")
    with pytest.raises(InvalidInput):
        parse_mentor_command("review every week-ish")
    with pytest.raises(InvalidInput):
        parse_goal_command("history two")

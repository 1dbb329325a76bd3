"""The command grammar: which verb a typed command reaches, with what, for which pair."""

from typing import Any

import pytest

import handlers  # noqa: F401  (registers every verb)
from handlers import help as help_text
from handlers import pairing
from handlers.goals import commands as goal_commands
from handlers.goals import milestones, roadmap
from handlers.meetings import agenda, schedule
from handlers.nudges import switch_nudges
from handlers.reviews import commands as review_commands
from handlers.routing import BUTTONS, OUT_OF_DATE, Part, read_id, read_value, route, take_target
from handlers.wins import commands as win_commands
from handlers.wins.notes import DirectMessage, parse_direct_message
from mentoring.capture import Kind
from mentoring.errors import InvalidInput
from mentoring.model import GoalStatus


def reached(command: str, text: str) -> tuple[Any, dict[str, Any], str | None]:
    """The flow the command reaches, its arguments (None left out), and the `to @name`."""
    found = route(command, text)
    arguments = {key: value for key, value in found.arguments.items() if value is not None}
    return found.verb.run, arguments, found.with_user


def test_goal_subcommands() -> None:
    """list / done n / drop n / help / nothing (the form) / anything else is a new goal."""
    assert reached("/goal", "list") == (goal_commands.list_goals, {}, None)
    assert reached("/goal", "done 2") == (goal_commands.goal_done, {"number": "2"}, None)
    assert reached("/goal", "drop #3 to <@U9>") == (
        goal_commands.goal_dropped,
        {"number": "3"},
        "U9",
    )
    assert reached("/goal", "help")[0] is help_text.HELP_FLOWS["/goal"]
    assert reached("/goal", "") == (goal_commands.new_goal_form, {}, None)
    assert reached("/goal", "to <@U9>") == (goal_commands.new_goal_form, {}, "U9")
    assert reached("/goal", "list 3 talks I could give") == (
        goal_commands.add_goal,
        {"text": "list 3 talks I could give"},
        None,
    )


def test_goal_roadmap_alone_is_the_picture_and_anything_more_is_a_goal() -> None:
    """`/goal roadmap [to @person]` asks for the picture; a goal starting "roadmap" stays one."""
    assert reached("/goal", "roadmap") == (roadmap.show_roadmap, {}, None)
    assert reached("/goal", "Roadmap to <@U9>") == (roadmap.show_roadmap, {}, "U9")
    assert reached("/goal", "roadmap the Q3 launch by June") == (
        goal_commands.add_goal,
        {"text": "roadmap the Q3 launch by June"},
        None,
    )


def test_goal_done_without_a_number_says_what_to_type() -> None:
    """`/goal done soon` is refused with an example, not saved as a goal."""
    with pytest.raises(InvalidInput, match="/goal done 2"):
        route("/goal", "done soon")


def test_milestone_verbs() -> None:
    """`done 2.1` is a milestone, `done 2` a goal; `milestone(s)` need a goal number."""
    assert reached("/goal", "done #2.1") == (
        milestones.complete_milestone,
        {"goal": "2", "step": "1"},
        None,
    )
    assert reached("/goal", "milestone 2 Submit the proposal by 2027-01-15") == (
        milestones.add_milestone,
        {"number": "2", "text": "Submit the proposal by 2027-01-15"},
        None,
    )
    assert reached("/goal", "milestones 2 to <@U3>") == (
        milestones.list_milestones,
        {"number": "2"},
        "U3",
    )
    with pytest.raises(InvalidInput, match="/goal milestone 2 Submit"):
        route("/goal", "milestone soon")
    with pytest.raises(InvalidInput, match="/goal milestones 2"):
        route("/goal", "milestones")


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
    assert reached("/win", "Shipped it #2 to <@U1>") == (
        win_commands.log_win,
        {"text": "Shipped it #2"},
        "U1",
    )
    assert reached("/win", "help")[0] is help_text.HELP_FLOWS["/win"]
    assert reached("/win", "") == (win_commands.log_win_form, {}, None)
    assert reached("/win", "to <@U1>") == (win_commands.log_win_form, {}, "U1")


def test_mentor_subcommands() -> None:
    """pair (with optional new), end, status, help; unknown verbs are refused."""
    assert reached("/mentor", "pair <@U1> <@U2>") == (
        pairing.pair_up,
        {"mentor": "U1", "mentee": "U2"},
        None,
    )
    assert reached("/mentor", "pair <@U1> <@U2> new")[1] == {
        "mentor": "U1",
        "mentee": "U2",
        "new": "new",
    }
    assert reached("/mentor", "end") == (pairing.end, {"people": ""}, None)
    assert reached("/mentor", "end <@U1> <@U2>")[1] == {"people": "<@U1> <@U2>"}
    assert reached("/mentor", "status") == (pairing.show_status, {}, None)
    assert reached("/mentor", "")[0] is help_text.HELP_FLOWS["/mentor"]
    with pytest.raises(InvalidInput, match="don't know `/mentor dance`"):
        route("/mentor", "dance")
    with pytest.raises(InvalidInput, match="mentor first"):
        route("/mentor", "pair @maria @lee")  # not mentions: Slack did not resolve them


def test_meeting_verbs() -> None:
    """schedule (show, set, off), skip, pause, resume and prompts; extra words are refused."""
    assert reached("/mentor", "schedule") == (schedule.show_schedule, {}, None)
    assert reached("/mentor", "schedule OFF") == (schedule.schedule_off, {}, None)
    assert reached("/mentor", "schedule weekly tue 15:00 to <@U4>") == (
        schedule.set_schedule,
        {"spec": "weekly tue 15:00"},
        "U4",
    )
    assert reached("/mentor", "pause until 2026-12-28")[1] == {"phrase": "2026-12-28"}
    assert reached("/mentor", "prompts 24h 1h 2h")[1] == {
        "dm": "24h",
        "agenda": "1h",
        "followup": "2h",
    }
    with pytest.raises(InvalidInput, match="takes nothing more. Try `/mentor"):
        route("/mentor", "skip tomorrow")
    with pytest.raises(InvalidInput, match="Say until when"):
        route("/mentor", "pause")
    with pytest.raises(InvalidInput, match="Give three times"):
        route("/mentor", "prompts 24h")
    assert schedule.parse_span("90m").total_seconds() == 5400
    with pytest.raises(InvalidInput, match="isn't a length of time"):
        schedule.parse_span("soon")


def test_agenda_verbs() -> None:
    """`/agenda` shows, `add`, `action [for @person]`, `done n`; anything else is refused."""
    assert reached("/agenda", "") == (agenda.show_agenda, {}, None)
    assert reached("/agenda", "to <@U5>") == (agenda.show_agenda, {}, "U5")
    assert reached("/agenda", "add The proposal")[1] == {"text": "The proposal"}
    assert reached("/agenda", "action Draft it for <@U6>") == (
        agenda.add_action,
        {"text": "Draft it", "owner": "U6"},
        None,
    )
    assert reached("/agenda", "done 2") == (agenda.close_action, {"number": "2"}, None)
    with pytest.raises(InvalidInput, match="/agenda done 2"):
        route("/agenda", "done it")
    with pytest.raises(InvalidInput, match="don't know `/agenda dance`"):
        route("/agenda", "dance")


def test_mentor_nudges_on_off_and_show() -> None:
    """`/mentor nudges [on|off] [to @person]`; anything else says what to type."""
    assert reached("/mentor", "nudges") == (switch_nudges, {}, None)
    assert reached("/mentor", "nudges OFF") == (switch_nudges, {"switch": "OFF"}, None)
    assert reached("/mentor", "nudges on to <@U7>") == (switch_nudges, {"switch": "on"}, "U7")
    with pytest.raises(InvalidInput, match="/mentor nudges off"):
        route("/mentor", "nudges sometimes")


def test_direct_message_prefixes() -> None:
    """`goal:` and `win:` save; `help` helps; anything else is a note to classify."""
    assert parse_direct_message("Goal: talk at PyCon by May") == DirectMessage(
        Kind.GOAL, "talk at PyCon by May", None
    )
    assert parse_direct_message("win:shipped") == DirectMessage(Kind.WIN, "shipped", None)
    assert parse_direct_message("help") is None
    assert parse_direct_message("had a good chat") == DirectMessage(
        Kind.NOTE, "had a good chat", None
    )


def test_review_commands_and_cadences() -> None:
    """`/review` and its verbs with `to @name`; `/mentor review [every N weeks|off]`; history."""
    assert reached("/review", "") == (review_commands.show_last_review, {}, None)
    assert reached("/review", "history to <@UA>") == (review_commands.show_review_history, {}, "UA")
    assert reached("/review", "now") == (review_commands.start_review, {}, None)
    assert reached("/mentor", "review every 6 weeks") == (
        review_commands.review_cadence_of_pair,
        {"every": "every 6 weeks"},
        None,
    )
    assert reached("/mentor", "review off to <@UB>")[1:] == ({"every": "off"}, "UB")
    assert reached("/goal", "history 2") == (goal_commands.show_goal_history, {"number": "2"}, None)
    with pytest.raises(InvalidInput, match="don't know `/review sometime`"):
        route("/review", "sometime")
    with pytest.raises(InvalidInput, match="/goal history 2"):
        route("/goal", "history two")


def test_button_values_are_ids_of_the_declared_kinds_or_out_of_date() -> None:
    """A button's value splits into exactly its declared parts: ids that fit an INTEGER column
    (32 bits on PostgreSQL), and enum values; anything else — forged, truncated, huge,
    non-ASCII digits — is refused."""
    assert read_value("12:34", (Part.DRAFT, Part.PAIR)) == (12, 34)
    assert read_value("5:done:open", (Part.GOAL, GoalStatus, GoalStatus)) == (
        5,
        GoalStatus.DONE,
        GoalStatus.OPEN,
    )
    for forged in ("", "12", "12:34:56", "a:1", "1:-2", "9" * 20, "１２:3", "²:3", " 1:2"):
        with pytest.raises(InvalidInput, match=OUT_OF_DATE):
            read_value(forged, (Part.DRAFT, Part.PAIR))
    with pytest.raises(InvalidInput):
        read_value("5:finished:open", (Part.GOAL, GoalStatus, GoalStatus))
    assert read_id(str(2**31 - 1)) == 2**31 - 1
    for beyond in (str(2**31), "3000000000", str(2**63), "9" * 5000):
        with pytest.raises(InvalidInput):
            read_id(beyond)


def test_a_numbered_button_answers_to_any_ascii_position() -> None:
    """Bolt routes `choose_pair_<digits>` to the buttons' listener whatever the digits; the
    registry finds the button for the same ids, and none for digits that are not ASCII."""
    from handlers.routing import find_button
    from handlers.wins.blocks import CHOOSE_PAIR

    for index in ("0", "7", "99999999999", "9" * 40):
        assert find_button(f"{CHOOSE_PAIR}_{index}") is not None, index
    for index in ("²", "٣", "", "-1"):
        assert find_button(f"{CHOOSE_PAIR}_{index}") is None, index


def test_every_button_has_a_distinct_action_id() -> None:
    """No two registered buttons answer to the same action id (or numbered id)."""
    ids = [button.action_id for button in BUTTONS]
    assert len(ids) == len(set(ids))
    for button in BUTTONS:
        others = [b for b in BUTTONS if b is not button]
        assert not any(b.matches(button.action_id) for b in others), button.action_id
        assert not any(b.matches(f"{button.action_id}_0") for b in others), button.action_id

"""Meeting messages stay within Block Kit's limits, escape what people typed, and say the
right thing when an agenda is empty."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest

from fakeslack import validate_message
from handlers import kit, outgoing
from handlers import nudges as nudge_blocks
from handlers.meetings import blocks as meeting_blocks
from handlers.meetings import prompts
from mentoring.meetings.agenda import ActionAdded, ActionInfo, AgendaAdded, AgendaEntry, AgendaView
from mentoring.meetings.cadence import Cadence, weekly
from mentoring.meetings.schedule import ScheduleView
from mentoring.meetings.values import DEFAULT_OFFSETS, MeetingInfo
from mentoring.model import GoalInfo, GoalStatus, PairInfo
from mentoring.nudges import NudgeInfo, NudgeSetting, Signal
from mentoring.prompts import CarryForward, Outgoing, WinBrief
from mentoring.reviews.values import CommitmentInfo
from tests.conftest import flatten_text
from tests.support import T0

PAIR = PairInfo(1, "T1", "UMENTOR", "UMENTEE", "C1", True, T0, None)
MEETING = MeetingInfo(
    3, 2, date(2026, 11, 24), datetime(2026, 11, 24, 14, tzinfo=UTC), "scheduled", 1
)
HUGE = "<!channel> & <b> 🚀 " + "x" * 6000


def _actions(count: int, text: str = "Draft the outline") -> tuple[ActionInfo, ...]:
    return tuple(ActionInfo(n, n, "UMENTEE", text, True, 1) for n in range(1, count + 1))


def _goal(number: int, text: str = "Give a talk", due: date | None = None) -> GoalInfo:
    return GoalInfo(number, 1, number, text, due, GoalStatus.OPEN, T0, None)


def _carry(actions=(), wins=(), goals_due=(), open_goals=()) -> CarryForward:
    return CarryForward(tuple(actions), tuple(wins), tuple(goals_due), tuple(open_goals), T0)


def _out(kind: str, carry: CarryForward, agenda=(), audience="channel", attention=None) -> Outgoing:
    recipient = "C1" if audience == "channel" else "UMENTEE"
    return Outgoing(
        1, "1", "meeting:1", kind, audience, recipient, "Europe/Berlin", PAIR, MEETING, None,
        False, 0, carry, tuple(agenda), attention,
    )  # fmt: skip


def _nudge(nudge: NudgeInfo) -> Outgoing:
    return Outgoing(
        1, "1", "nudge:UMENTEE:2026-W48", "nudge", "mentee", "UMENTEE", "America/New_York", PAIR,
        None, None, False, 0, None, nudge=nudge,
    )  # fmt: skip


LATE_STEP = NudgeInfo(
    Signal.OVERDUE_MILESTONE, "Mark it done: `/goal done 2.1`", "2.1", HUGE, date(2026, 11, 23)
)


BIG_CARRY = _carry(
    _actions(300, HUGE),
    [WinBrief(HUGE, T0)] * 40,
    [_goal(n, HUGE, date(2026, 12, 1)) for n in range(1, 40)],
    [_goal(n, HUGE) for n in range(1, 40)],
)
MESSAGES = {
    "prompt": lambda: outgoing.render(_out("prompt", BIG_CARRY, audience="mentee")),
    "agenda": lambda: outgoing.render(
        _out("agenda", BIG_CARRY, [AgendaEntry(n, "UMENTEE", HUGE) for n in range(200)])
    ),
    "empty agenda": lambda: outgoing.render(_out("agenda", BIG_CARRY)),
    "followup": lambda: outgoing.render(_out("followup", BIG_CARRY)),
    "attention": lambda: outgoing.render(
        _out("attention", _carry(), audience="mentee", attention="agenda to channel: is_archived")
    ),
    "schedule": lambda: meeting_blocks.schedule_view(
        ScheduleView(
            PAIR,
            Cadence(weekly(2, 1), time(15), "Europe/Berlin", date(2026, 11, 24)),
            DEFAULT_OFFSETS,
            date(2026, 12, 28),
            (MEETING,) * 3,
            "Europe/Berlin",
            "America/New_York",
        ),
        "UMENTEE",
    ),
    "agenda view": lambda: meeting_blocks.agenda_view(
        AgendaView(
            PAIR,
            MEETING,
            tuple(AgendaEntry(n, "UMENTOR", HUGE) for n in range(300)),
            _actions(300, HUGE),
        ),
        "Europe/Berlin",
    ),
    "agenda added": lambda: meeting_blocks.agenda_added(
        AgendaAdded(PAIR, AgendaEntry(1, "UMENTEE", HUGE), MEETING), None
    ),
    "action added": lambda: meeting_blocks.action_added(ActionAdded(PAIR, _actions(1, HUGE)[0])),
    "action closed": lambda: meeting_blocks.action_closed(_actions(1, HUGE)[0]),
    "skipped": lambda: meeting_blocks.meeting_skipped(MEETING, "Europe/Berlin"),
    "nudge, milestone": lambda: outgoing.render(_nudge(LATE_STEP)),
    "nudge, agenda": lambda: outgoing.render(
        _nudge(NudgeInfo(Signal.NO_AGENDA, "Add one thing: `/agenda add …`"))
    ),
    "nudge, win": lambda: outgoing.render(
        _nudge(NudgeInfo(Signal.NO_WIN, "Log something: `/win …`"))
    ),
    "nudges off": lambda: nudge_blocks.nudge_setting(NudgeSetting(PAIR, False, True, 2), "UMENTOR"),
}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_meeting_messages_fit_block_kit_and_escape_people_text(name: str) -> None:
    """Hundreds of long items with markup: valid Block Kit, and no live mention or tag."""
    message = MESSAGES[name]()
    assert validate_message(message) == []
    text = flatten_text(message)
    assert "<!channel>" not in text and "<b>" not in text


def test_an_empty_agenda_says_so_and_suggests_two_items_from_the_pairs_data() -> None:
    """No items: the post says nobody added anything and offers two of the pair's own topics."""
    carry = _carry(
        _actions(1, "Ask for the promotion rubric"),
        [WinBrief("Gave the team demo", T0)],
        [_goal(2, "Senior Engineer", date(2026, 12, 1))],
    )
    text = flatten_text(outgoing.render(_out("agenda", carry)))
    assert "Nobody added anything yet" in text
    assert "How did action item 1 go: Ask for the promotion rubric?" in text
    assert "Goal 2 is due 01 Dec: Senior Engineer" in text
    assert "What made it work" not in text  # only two suggestions


def test_the_suggestions_read_as_sentences_whatever_the_people_typed() -> None:
    """A win ending in "!" is not followed by "?", and a commitment reads "will start: …"."""
    commitment = CommitmentInfo(3, "UMENTEE", "start", "Bringing a draft", None)
    carry = replace(_carry(wins=[WinBrief("Submitted the CFP!", T0)]), commitments=(commitment,))
    text = flatten_text(outgoing.render(_out("agenda", carry)))
    assert "Last win: Submitted the CFP. What made it work?" in text and "!?" not in text
    assert "<@UMENTEE> will start: Bringing a draft" in text and "START" not in text


def test_an_empty_agenda_of_a_new_pair_still_gets_two_suggestions() -> None:
    """Nothing logged yet: two general starters, never an empty list."""
    assert len(prompts.suggestions(_carry())) == 2


def test_times_render_in_each_readers_zone_with_a_local_fallback() -> None:
    """The Slack date token carries the instant; the fallback is in the recipient's zone."""
    token = kit.when(MEETING.starts_at, "America/New_York")
    assert token.startswith(f"<!date^{int(MEETING.starts_at.timestamp())}^")
    assert token.endswith("|Tue 24 Nov 2026, 09:00 (America/New_York)>")


def test_a_nudge_names_one_step_and_how_to_turn_nudges_off() -> None:
    """The overdue milestone, escaped; one suggestion; where `/mentor nudges off` works."""
    message = outgoing.render(_nudge(replace(LATE_STEP, milestone_text="Pick a <b>topic</b> & go")))
    text = flatten_text(message)
    assert "Milestone *2.1*, Pick a &lt;b&gt;topic&lt;/b&gt; &amp; go, was due 23 Nov" in text
    assert text.count("One small step") == 1 and "`/goal done 2.1`" in text
    assert "`/mentor nudges off` in <#C1>" in text and "not <@UMENTOR>" in text

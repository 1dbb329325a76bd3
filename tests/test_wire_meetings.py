"""Meetings over the real HTTP wire, with the scheduler driven by `python -m bot tick --at`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot import cli
from handlers.meetings import blocks as meeting_blocks
from storage.db import session_scope
from storage.models import ActionItem, AgendaItem
from tests.conftest import MENTEE, MENTOR, OUTSIDER, PAIR_CHANNEL, Tick, Wire, texts
from tests.support import FrozenClock

pytestmark = pytest.mark.both_backends

# The mentee's Slack zone is America/New_York: "weekly tue 15:00" is 20:00 UTC on the 24th.
START = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)


def test_the_whole_rhythm_over_the_wire(
    wire: Wire, paired, tick: Tick, clock: FrozenClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """Schedule → T−24h DMs → replies on the agenda → T−1h agenda → T+2h action items → the
    next prompt carries them forward."""
    shown = wire.command("/mentor", "schedule weekly tue 15:00", user=MENTEE).reply_text
    assert "Every week on Tuesday at 15:00 (America/New_York)" in shown
    assert "Tue 24 Nov, 15:00 New York" in shown and "Tue 24 Nov, 21:00 Berlin" in shown

    assert "sent 2" in tick(START - timedelta(hours=24))
    (mentee_prompt,) = wire.fake.messages_in(MENTEE)
    assert "Your session with <@UMENTOR>" in mentee_prompt["text"]
    assert f"<!date^{int(START.timestamp())}^" in mentee_prompt["text"]
    assert len(wire.fake.messages_in(MENTOR)) == 1

    clock.now = START - timedelta(hours=20)
    wire.dm(
        "EvAg1",
        "Feedback on my <!channel> talk abstract",
        user=MENTEE,
        thread_ts=mentee_prompt["ts"],
    )
    wire.dm("EvAg2", "How the promotion case is going", user=MENTOR)
    assert "Added to the agenda for your session with <@UMENTOR>" in texts(wire, MENTEE)[-1]
    assert wire.fake.messages_in(MENTEE)[-1]["thread_ts"] == mentee_prompt["ts"]
    assert "Added to the agenda" in texts(wire, MENTOR)[-1]
    wire.dm("EvNote", "Just a thought for later", user=MENTOR)
    assert "Save as goal" in texts(wire, MENTOR)[-1]  # only the first plain DM is taken

    assert "sent 1" in tick(START - timedelta(hours=1))
    agenda = texts(wire, PAIR_CHANNEL)[-1]
    assert "Agenda for today's session" in agenda
    assert "Feedback on my @channel talk abstract" in agenda and "<!channel>" not in agenda
    assert agenda.index("From <@UMENTEE>") < agenda.index("From <@UMENTOR>")
    assert "How the promotion case is going" in agenda

    assert "sent 1" in tick(START + timedelta(hours=2))
    followup = wire.fake.messages_in(PAIR_CHANNEL)[-1]
    assert "What will you act on before next time?" in followup["text"]
    wire.thread_reply(
        "EvAct1",
        "Draft the talk outline",
        user=MENTEE,
        channel=PAIR_CHANNEL,
        thread_ts=followup["ts"],
    )
    wire.thread_reply(
        "EvAct2",
        "I'd like a task too",
        user=OUTSIDER,
        channel=PAIR_CHANNEL,
        thread_ts=followup["ts"],
    )
    with session_scope(wire.services.engine) as session:
        actions = session.exec(select(ActionItem)).all()
        items = session.exec(select(AgendaItem)).all()
    assert [(a.number, a.owner_id, a.text) for a in actions] == [
        (1, MENTEE, "Draft the talk outline")
    ]
    assert all(item.meeting_id is not None for item in items)  # both were on this agenda
    assert "Action item 1 for <@UMENTEE>" in texts(wire, PAIR_CHANNEL)[-1]

    assert "sent 2" in tick(START + timedelta(days=6))
    next_prompt = texts(wire, MENTEE)[-1]
    assert "Open action items" in next_prompt and "Draft the talk outline" in next_prompt

    capsys.readouterr()
    assert cli.main(["deliveries", "--pair", str(paired.id)]) == 0
    listing = capsys.readouterr().out
    assert listing.count(" sent ") >= 6 and "followup" in listing and "planned" in listing


def test_agenda_commands_and_their_undo(wire: Wire, paired) -> None:
    """/agenda add, action for @person, done with Undo, and the agenda listing them."""
    wire.command("/mentor", "schedule biweekly thursday 9:30 Europe/Berlin", user=MENTOR)
    added = wire.command(
        "/agenda", "add Review my &lt;b&gt;design&lt;/b&gt; doc", user=MENTEE
    ).reply_text
    assert "Added to the agenda for the session on" in added and "&lt;b&gt;" in added
    mine = wire.command("/agenda", f"action Send intro email for <@{MENTOR}>", user=MENTEE)
    assert "Action item 1 for <@UMENTOR>" in mine.reply_text
    wire.command("/agenda", "action Write the abstract", user=MENTOR)
    listing = wire.command("/agenda", "", user=MENTOR).reply_text
    assert (
        "Review my &lt;b&gt;design&lt;/b&gt; doc" in listing
        and "Write the abstract — <@UMENTEE>" in listing
    )
    done = wire.command("/agenda", "done 2", user=MENTEE)
    assert "Done: action item 2" in done.reply_text
    again = wire.command("/agenda", "done 2", user=MENTEE).reply_text
    assert "already done" in again
    button = done.reply["blocks"][0]["accessory"]
    undone = wire.click(meeting_blocks.REOPEN_ACTION, button["value"], user=MENTEE)
    assert "open again" in undone.reply_text
    assert "Write the abstract" in wire.command("/agenda", "", user=MENTEE).reply_text
    stranger = wire.command("/agenda", f"action Nope for <@{OUTSIDER}>", user=MENTEE).reply_text
    assert "isn't in this mentorship" in stranger


def test_schedule_commands_skip_pause_resume_off(wire: Wire, paired) -> None:
    """Skip with Undo, pause and resume, prompt offsets, and turning the schedule off."""
    assert "No meeting schedule yet" in wire.command("/mentor", "schedule", user=MENTEE).reply_text
    wire.command("/mentor", "schedule weekly tue 15:00", user=MENTEE)
    skipped = wire.command("/mentor", "skip", user=MENTOR)
    assert "Skipped the meeting on Tue 24 Nov" in skipped.reply_text
    shown = wire.command("/mentor", "schedule", user=MENTEE).reply_text
    assert "(skipped)" in shown
    value = skipped.reply["blocks"][0]["accessory"]["value"]
    assert "back on" in wire.click(meeting_blocks.UNSKIP_MEETING, value, user=MENTEE).reply_text
    assert "(skipped)" not in wire.command("/mentor", "schedule", user=MENTEE).reply_text
    paused = wire.command("/mentor", "pause until 2026-12-09", user=MENTEE).reply_text
    assert "no prompts before Wed 09 Dec 2026" in paused and paused.count("(paused)") == 3
    assert "Paused" not in wire.command("/mentor", "resume", user=MENTOR).reply_text
    assert "aren't paused" in wire.command("/mentor", "resume", user=MENTOR).reply_text
    offsets = wire.command("/mentor", "prompts 2d 30m 90m", user=MENTEE).reply_text
    assert "2 days before" in offsets and "30 minutes before" in offsets
    bad = wire.command("/mentor", "prompts 10d 1h 2h", user=MENTEE).reply_text
    assert "between 5 minutes and 6 days" in bad
    assert "turned off" in wire.command("/mentor", "schedule off", user=MENTOR).reply_text
    assert "No meeting schedule yet" in wire.command("/mentor", "schedule", user=MENTEE).reply_text
    assert "no meeting schedule" in wire.command("/mentor", "skip", user=MENTEE).reply_text


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("schedule daily 9:00", "couldn't read that schedule"),
        ("schedule weekly tue 15:00 Mars/Base", "isn't a time zone"),
        ("pause", "until when"),
        ("pause until yesterday", "in the past"),
        ("skip now", "takes nothing more"),
        ("prompts 1h", "Give three times"),
    ],
)
def test_bad_meeting_commands_explain_and_change_nothing(
    wire: Wire, paired, text: str, hint: str
) -> None:
    """A mistake in a meeting command says what to type, and leaves the ledger empty."""
    assert hint in wire.command("/mentor", text, user=MENTEE).reply_text
    assert "No meeting schedule yet" in wire.command("/mentor", "schedule", user=MENTEE).reply_text


def test_milestones_over_the_wire_and_in_the_pre_meeting_dm(wire: Wire, paired, tick: Tick) -> None:
    """/goal milestone, /goal milestones with Done buttons and Undo, /goal done 1.2, and the
    T−24h DM naming the milestones due soon (an overdue one flagged)."""
    wire.command("/goal", "Give a talk at PyCon by June 2027", user=MENTEE)
    added = wire.command("/goal", "milestone 1 Pick a topic by 2026-11-23", user=MENTEE)
    assert "Added milestone 1.1" in added.reply_text and "0/1" in added.reply_text
    wire.command("/goal", "milestone 1 Draft the abstract by 2026-11-28", user=MENTOR)
    listed = wire.command("/goal", "milestones 1", user=MENTOR)
    buttons = [b["accessory"] for b in listed.reply["blocks"] if "accessory" in b]
    assert [b["action_id"] for b in buttons] == ["milestone_done_0", "milestone_done_1"]
    done = wire.click(buttons[0]["action_id"], buttons[0]["value"], user=MENTEE)
    assert "Milestone 1.1 done" in done.reply_text
    undo = done.reply["blocks"][0]["accessory"]
    assert "open again" in wire.click(undo["action_id"], undo["value"], user=MENTEE).reply_text
    assert "Milestone 1.2 done" in wire.command("/goal", "done 1.2", user=MENTEE).reply_text
    assert "1/2" in wire.command("/goal", "milestones 1", user=MENTEE).reply_text

    wire.command("/mentor", "schedule weekly tue 15:00", user=MENTEE)
    tick(START - timedelta(hours=24))
    prompt = texts(wire, MENTEE)[-1]
    assert "Milestones due soon" in prompt and "Pick a topic" in prompt and "overdue" in prompt
    assert "Draft the abstract" not in prompt  # done

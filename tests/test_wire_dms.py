"""DMs to the bot over the Events API: prefixes, kept notes, retries, restarts, replay."""

import threading

from sqlmodel import select

from bot.app import create_app
from fakeslack.payloads import message_event
from handlers.messages import replay_pending
from handlers.wins import blocks as win_blocks
from mentoring import inbox
from storage.db import session_scope
from storage.models import AgendaItem, Draft, Goal, InboundEvent, Win
from tests.conftest import (
    MENTEE,
    MENTOR,
    OUTSIDER,
    PAIR_CHANNEL,
    SECOND_MENTEE,
    Wire,
    dm_channel,
    flatten_text,
)
from tests.support import T0


def _rows(wire: Wire, model) -> list:
    with session_scope(wire.services.engine) as session:
        return list(session.exec(select(model)).all())


def _dm_replies(wire: Wire, user: str = MENTEE) -> list[dict]:
    return wire.fake.messages_in(dm_channel(user))


def test_goal_and_win_prefixes_save_straight_away(wire: Wire, paired) -> None:
    """`goal: …` adds a goal, `win: …` logs and shares a win; each DM gets one reply."""
    assert (
        wire.dm("Ev1", "goal: Give a talk at a meetup by June 2027", user=MENTEE).status_code == 200
    )
    assert wire.dm("Ev2", "Win: Got my talk accepted #1", user=MENTEE).status_code == 200
    (goal,) = _rows(wire, Goal)
    (win,) = _rows(wire, Win)
    assert goal.text == "Give a talk at a meetup" and win.goal_id == goal.id
    assert ":trophy:" in wire.fake.messages_in(PAIR_CHANNEL)[-1]["text"]
    replies = [m["text"] for m in _dm_replies(wire)]
    assert len(replies) == 2 and "Goal 1 added" in replies[0] and "shared with" in replies[1]


def test_any_other_dm_is_kept_and_offered_as_win_or_goal(wire: Wire, paired) -> None:
    """A plain DM is kept; "Save as win" logs it and replaces the question."""
    wire.dm("Ev1", "Led my first design review today", user=MENTEE)
    (prompt,) = _dm_replies(wire)
    ids = [e["action_id"] for e in prompt["blocks"][1]["elements"]]
    assert ids == [win_blocks.SAVE_AS_WIN, win_blocks.SAVE_AS_GOAL, win_blocks.DISCARD_NOTE]
    assert _rows(wire, Win) == [] and _rows(wire, Draft)[0].status == "pending"
    draft_id = prompt["blocks"][1]["elements"][0]["value"]
    saved = wire.click(win_blocks.SAVE_AS_WIN, draft_id, user=MENTEE)
    assert "shared with" in saved.reply_text and saved.reply["replace_original"] is True
    assert [w.text for w in _rows(wire, Win)] == ["Led my first design review today"]
    again = wire.click(win_blocks.SAVE_AS_WIN, draft_id, user=MENTEE)
    assert "already saved" in again.reply_text and len(_rows(wire, Win)) == 1


def test_a_note_can_be_dismissed_and_only_by_its_author(wire: Wire, paired) -> None:
    """Dismiss marks the note; another person's click on it is refused and changes nothing."""
    wire.dm("Ev1", "thanks!", user=MENTEE)
    draft_id = _dm_replies(wire)[0]["blocks"][1]["elements"][2]["value"]
    refused = wire.click(win_blocks.DISCARD_NOTE, draft_id, user=OUTSIDER)
    assert "isn't one of your messages" in refused.reply_text
    assert _rows(wire, Draft)[0].status == "pending"
    assert "not saved" in wire.click(win_blocks.DISCARD_NOTE, draft_id, user=MENTEE).reply_text
    assert _rows(wire, Draft)[0].status == "dismissed"


def test_a_retried_delivery_logs_one_win(wire: Wire, paired) -> None:
    """The same event delivered again (X-Slack-Retry-Num) is acknowledged and ignored."""
    wire.dm("Ev1", "win: Closed the quarter's top bug", user=MENTEE)
    assert (
        wire.dm("Ev1", "win: Closed the quarter's top bug", user=MENTEE, retry_num=1).status_code
        == 200
    )
    assert (
        wire.dm("Ev1", "win: Closed the quarter's top bug", user=MENTEE, retry_num=2).status_code
        == 200
    )
    assert len(_rows(wire, Win)) == 1
    assert len([m for m in wire.fake.messages_in(PAIR_CHANNEL) if ":trophy:" in m["text"]]) == 1
    assert len(_dm_replies(wire)) == 1
    (event,) = _rows(wire, InboundEvent)
    assert event.deliveries == 3 and event.processed_at is not None


def test_concurrent_duplicate_deliveries_log_one_win(wire: Wire, paired) -> None:
    """Four copies of one event arriving at once: one win, one post, one reply."""
    start = threading.Barrier(4)
    statuses = []

    def deliver(retry: int) -> None:
        start.wait()
        statuses.append(
            wire.dm("Ev9", "win: Mentored an intern", user=MENTEE, retry_num=retry).status_code
        )

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 4
    assert len(_rows(wire, Win)) == 1 and len(_dm_replies(wire)) == 1


def test_a_restart_does_not_forget_what_was_applied(wire: Wire, paired, settings, services) -> None:
    """A retry that reaches a freshly started app (same database) is still ignored."""
    wire.dm("Ev1", "win: Shipped the importer", user=MENTEE)
    restarted = create_app(settings, services)  # a new process would build exactly this
    from slack_bolt.request import BoltRequest

    from fakeslack.payloads import slack_signature_headers

    body = message_event("Ev1", user=MENTEE, text="win: Shipped the importer", channel="DUMENTEE")
    headers = {
        **slack_signature_headers(body),
        "Content-Type": "application/json",
        "X-Slack-Retry-Num": "1",
    }
    response = restarted.dispatch(BoltRequest(body=body.decode(), headers=headers))
    assert response.status == 200
    assert len(_rows(wire, Win)) == 1 and len(_dm_replies(wire)) == 1


def _stored_but_not_applied(services, event_id: str, text: str) -> None:
    """What the database holds when the bot stopped after acking a DM and before applying it."""
    event = {"type": "message", "channel_type": "im", "channel": "DUMENTEE", "user": MENTEE}
    inbox.record_delivery(services.engine, event_id, "message", {**event, "text": text}, T0)


def test_a_delivery_stored_but_never_applied_is_replayed_at_start(
    wire: Wire, paired, services, clock
) -> None:
    """If the bot stopped between ack and work, start-up applies the stored delivery once."""
    _stored_but_not_applied(services, "EvLost", "win: Ran the retro")
    clock.advance(minutes=2)  # the bot stopped; it starts again a little later
    assert replay_pending(services) == 1
    assert [w.text for w in _rows(wire, Win)] == ["Ran the retro"]
    assert "shared with" in _dm_replies(wire)[-1]["text"]
    assert replay_pending(services) == 0


def test_a_stored_but_unapplied_delivery_is_applied_by_its_retry(
    wire: Wire, paired, services
) -> None:
    """A retry of a delivery whose first worker died is applied, not dropped."""
    _stored_but_not_applied(services, "EvHalf", "win: Wrote the RFC")
    wire.dm("EvHalf", "win: Wrote the RFC", user=MENTEE, retry_num=1)
    assert [w.text for w in _rows(wire, Win)] == ["Wrote the RFC"]


def test_help_and_refusals_in_dms(wire: Wire, paired) -> None:
    """`help` answers with the commands; a bad `win:` gets its reason; nothing else changes."""
    wire.dm("Ev1", "help", user=MENTEE)
    wire.dm("Ev2", "win:", user=MENTEE)
    first, second = _dm_replies(wire)
    assert "/goal" in flatten_text(first) and "Say what happened" in second["text"]
    assert _rows(wire, Win) == []


def test_edits_bot_messages_and_joins_are_acknowledged_and_ignored(wire: Wire, paired) -> None:
    """message_changed, bot posts and channel joins get a 200 and do nothing."""
    import json

    for subtype in ("message_changed", "bot_message", "channel_join"):
        envelope = json.loads(
            message_event(f"Ev-{subtype}", user=MENTEE, text="win: x", channel="DUMENTEE")
        )
        envelope["event"]["subtype"] = subtype
        assert wire.post(json.dumps(envelope).encode(), "application/json").status_code == 200
    assert _rows(wire, InboundEvent) == [] and _dm_replies(wire) == []


def test_a_win_from_someone_without_a_pair_says_how_to_pair(wire: Wire) -> None:
    """Without a pair, `win:` says how to pair up, and nothing is kept."""
    wire.dm("Ev1", "win: Shipped", user=OUTSIDER)
    (refusal,) = _dm_replies(wire, OUTSIDER)
    assert "/mentor pair" in refusal["text"] and _rows(wire, Draft) == []


def test_a_delivery_that_cannot_be_stored_gets_a_500_so_slack_retries(
    wire: Wire, paired, monkeypatch
) -> None:
    """If the event can't be stored before the ack, Slack must see a failure and retry later."""
    from sqlalchemy.exc import OperationalError

    def broken(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(inbox, "record_delivery", broken)
    assert wire.dm("EvDown", "win: Shipped", user=MENTEE).status_code == 500
    monkeypatch.undo()
    assert wire.dm("EvDown", "win: Shipped", user=MENTEE, retry_num=1).status_code == 200
    assert [w.text for w in _rows(wire, Win)] == ["Shipped"]


def test_a_command_whose_listener_fails_gets_a_polite_answer(
    wire: Wire, paired, monkeypatch
) -> None:
    """A listener failing before its ack still answers 200 with an apology, never a 500."""
    from handlers import commands

    def broken(**fields):
        raise RuntimeError("bug")

    monkeypatch.setattr(commands, "Origin", broken)
    sent = wire.command("/win", "Shipped", user=MENTEE)
    assert sent.http.status_code == 200 and "Something went wrong on my side" in sent.http.text
    assert _rows(wire, Win) == []


def test_a_stored_event_that_cannot_be_read_is_set_aside_not_replayed(services, paired) -> None:
    """An event kept before its ack but without the fields a DM needs (no channel): set aside
    with its reason at start-up, never raised, never replayed again."""
    event = {"type": "message", "channel_type": "im", "user": MENTEE, "text": "win: x"}
    inbox.record_delivery(services.engine, "EvBroken", "message", event, services.clock())
    services.clock.advance(minutes=5)
    assert replay_pending(services) == 1
    with session_scope(services.engine) as session:
        assert session.get(InboundEvent, "EvBroken").outcome == "unreadable"
    assert replay_pending(services) == 0


def test_a_mentor_is_offered_a_goal_or_the_agenda_not_a_win(wire: Wire, paired) -> None:
    """A mentor's plain DM offers what a mentor can do with it: a goal, or the next meeting's
    agenda — not a win, which only the mentee logs."""
    wire.dm("Ev1", "Ask how the conference talk went", user=MENTOR)
    (prompt,) = _dm_replies(wire, MENTOR)
    ids = [e["action_id"] for e in prompt["blocks"][1]["elements"]]
    assert win_blocks.SAVE_AS_WIN not in ids and win_blocks.SAVE_AS_GOAL in ids
    assert "win" not in prompt["text"].lower()
    assert ids == [win_blocks.SAVE_AS_GOAL, win_blocks.ADD_TO_AGENDA, win_blocks.DISCARD_NOTE]
    added = wire.click(
        win_blocks.ADD_TO_AGENDA, prompt["blocks"][1]["elements"][1]["value"], user=MENTOR
    )
    assert "agenda" in added.reply_text and added.reply["replace_original"] is True
    assert [i.text for i in _rows(wire, AgendaItem)] == ["Ask how the conference talk went"]
    assert _rows(wire, Draft)[0].status != "pending"


def test_someone_with_no_mentorship_is_told_how_to_pair(wire: Wire) -> None:
    """A DM from someone in no mentorship gets a short introduction and how to pair, with no
    buttons to save anything."""
    wire.dm("Ev1", "hello there", user=OUTSIDER)
    (reply,) = _dm_replies(wire, OUTSIDER)
    shown = flatten_text(reply)
    assert "/mentor pair @mentor @mentee" in shown and "Save as" not in shown
    assert not [b for b in reply.get("blocks", []) if b["type"] == "actions"]
    assert _rows(wire, Draft) == []


def test_a_mentor_of_two_picks_whose_agenda(wire: Wire, paired) -> None:
    """A mentor of two mentees adding a note to the agenda picks the pair; the note waits."""
    wire.fake.add_channel("CPAIR2", "maria-sam", members=(MENTOR, SECOND_MENTEE), is_private=True)
    wire.command("/mentor", f"pair <@{MENTOR}> <@{SECOND_MENTEE}>", user=MENTOR, channel="CPAIR2")
    wire.dm("Ev1", "Plan the hand-over", user=MENTOR)
    draft_id = _dm_replies(wire, MENTOR)[-1]["blocks"][1]["elements"][1]["value"]
    asked = wire.click(win_blocks.ADD_TO_AGENDA, draft_id, user=MENTOR)
    assert "Whose agenda" in asked.reply_text and _rows(wire, AgendaItem) == []
    second = next(b for b in asked.reply["blocks"] if f"<@{SECOND_MENTEE}>" in str(b))
    choose = second["accessory"]
    wire.click(choose["action_id"], choose["value"], user=MENTOR)
    (item,) = _rows(wire, AgendaItem)
    assert item.text == "Plan the hand-over" and item.pair_id != paired.id

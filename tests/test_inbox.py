"""Events API deliveries: stored before the ack, applied exactly once, replayable."""

import threading

import pytest
from sqlmodel import select

from mentoring import inbox
from mentoring.capture import Kind
from mentoring.model import Actor, Role, Target, WinLogged
from storage.db import session_scope
from storage.models import Draft, InboundEvent, Win
from tests.support import T0, T, pair_up

pytestmark = pytest.mark.both_backends

MENTOR, MENTEE = "UMENTOR", "UMENTEE"
EVENT = {"type": "message", "user": MENTEE, "text": "win: shipped", "channel": "DUMENTEE"}


def _pair(engine) -> None:
    pair_up(engine)


def _wins(engine) -> int:
    with session_scope(engine) as session:
        return len(session.exec(select(Win)).all())


def test_first_delivery_is_new_and_a_repeat_is_counted(engine) -> None:
    """The same event id twice: NEW, then PENDING (not applied yet), with two deliveries."""
    assert inbox.record_delivery(engine, "Ev1", "message", EVENT, T0) is inbox.Delivery.NEW
    assert inbox.record_delivery(engine, "Ev1", "message", EVENT, T0) is inbox.Delivery.PENDING
    with session_scope(engine) as session:
        assert session.get(InboundEvent, "Ev1").deliveries == 2


def test_a_message_is_applied_once_however_often_it_arrives(engine) -> None:
    """apply_message twice for one event: one win; the second is a Duplicate; then DONE."""
    _pair(engine)
    inbox.record_delivery(engine, "Ev1", "message", EVENT, T0)
    first = inbox.apply_message(engine, "Ev1", Actor(MENTEE), Kind.WIN, "shipped", Target(), T0)
    again = inbox.apply_message(engine, "Ev1", Actor(MENTEE), Kind.WIN, "shipped", Target(), T0)
    assert isinstance(first, WinLogged) and isinstance(again, inbox.Duplicate)
    assert inbox.record_delivery(engine, "Ev1", "message", EVENT, T0) is inbox.Delivery.DONE
    assert _wins(engine) == 1


def test_concurrent_deliveries_apply_once(engine) -> None:
    """Six workers applying the same event at once produce exactly one win."""
    _pair(engine)
    inbox.record_delivery(engine, "Ev1", "message", EVENT, T0)
    start = threading.Barrier(6)
    outcomes = []

    def apply() -> None:
        start.wait()
        outcomes.append(
            inbox.apply_message(engine, "Ev1", Actor(MENTEE), Kind.WIN, "shipped", Target(), T0)
        )

    threads = [threading.Thread(target=apply) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(isinstance(o, WinLogged) for o in outcomes) == 1
    assert sum(isinstance(o, inbox.Duplicate) for o in outcomes) == 5
    assert _wins(engine) == 1


def test_a_refusal_counts_as_applied(engine) -> None:
    """Bad input is answered once: the event is marked applied, nothing is stored."""
    _pair(engine)
    inbox.record_delivery(engine, "Ev1", "message", EVENT, T0)
    refused = inbox.apply_message(engine, "Ev1", Actor(MENTEE), Kind.WIN, "", Target(), T0)
    assert isinstance(refused, inbox.Refused)
    assert isinstance(
        inbox.apply_message(engine, "Ev1", Actor(MENTEE), Kind.WIN, "x", Target(), T0),
        inbox.Duplicate,
    )
    assert _wins(engine) == 0
    with session_scope(engine) as session:
        assert session.get(InboundEvent, "Ev1").outcome == "refused: InvalidInput"


def test_notes_are_kept_as_drafts(engine) -> None:
    """A plain DM becomes a draft in the same transaction as the claim, with the writer's roles
    (what the note can become)."""
    _pair(engine)
    inbox.record_delivery(engine, "Ev1", "message", EVENT, T0)
    kept = inbox.apply_message(engine, "Ev1", Actor(MENTEE), Kind.NOTE, "had a chat", Target(), T0)
    assert isinstance(kept, inbox.Kept) and kept.roles == {Role.MENTEE}
    with session_scope(engine) as session:
        assert session.get(Draft, kept.draft_id).text == "had a chat"


def test_a_note_from_someone_in_no_mentorship_is_not_kept(engine) -> None:
    """Without an active pair there is nowhere to save a note: none is kept, the claim stands."""
    inbox.record_delivery(engine, "Ev1", "message", EVENT, T0)
    outcome = inbox.apply_message(engine, "Ev1", Actor(MENTEE), Kind.NOTE, "hi", Target(), T0)
    assert isinstance(outcome, inbox.NoMentorship)
    with session_scope(engine) as session:
        assert session.exec(select(Draft)).all() == []
        assert session.get(InboundEvent, "Ev1").processed_at is not None


def test_pending_deliveries_are_those_never_applied(engine) -> None:
    """What was stored but not applied before an instant is listed for replay, in order."""
    inbox.record_delivery(engine, "Ev1", "message", EVENT, T0)
    inbox.record_delivery(engine, "Ev2", "message", {**EVENT, "text": "b"}, T(seconds=1))
    inbox.claim_delivery(engine, "Ev2", T(seconds=2), "help")
    inbox.record_delivery(engine, "Ev3", "message", EVENT, T(minutes=5))
    pending = inbox.pending_deliveries(engine, T(minutes=1))
    assert [(p.event_id, p.event["text"]) for p in pending] == [("Ev1", "win: shipped")]


def test_prune_forgets_applied_dms_after_a_week_and_closed_drafts_after_a_month(engine) -> None:
    """Old applied payloads and decided drafts go; anything pending or recent stays."""
    from datetime import timedelta

    from sqlmodel import select

    from mentoring import capture
    from mentoring.model import Actor
    from storage.db import session_scope
    from storage.models import Draft, InboundEvent

    event = {"type": "message", "user": "UMENTEE", "text": "old"}
    for event_id in ("EvOld", "EvRecent", "EvPending"):
        inbox.record_delivery(engine, event_id, "message", event, T0)
    inbox.claim_delivery(engine, "EvOld", T0, "help")
    inbox.claim_delivery(engine, "EvRecent", T0 + timedelta(days=6), "help")
    with session_scope(engine) as session:
        keep_pending = capture.keep_note_in(session, Actor("UMENTEE"), "undecided", T0)
        dismissed = capture.keep_note_in(session, Actor("UMENTEE"), "dismissed", T0)
    capture.discard_draft(engine, Actor("UMENTEE"), dismissed, T0)

    def left() -> tuple[set[str], set[int | None]]:
        with session_scope(engine) as session:
            events = {row.event_id for row in session.exec(select(InboundEvent)).all()}
            return events, {row.id for row in session.exec(select(Draft)).all()}

    assert inbox.prune(engine, T0 + timedelta(days=8)) == 1  # EvOld
    assert left() == ({"EvRecent", "EvPending"}, {keep_pending, dismissed})
    assert inbox.prune(engine, T0 + timedelta(days=31)) == 2  # EvRecent, the dismissed draft
    assert left() == ({"EvPending"}, {keep_pending})

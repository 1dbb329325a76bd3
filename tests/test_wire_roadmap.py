"""`/goal roadmap` over the wire, and the upload helper the review summary shares."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from slack_sdk import WebClient

from fakeslack import FakeSlack
from handlers.goals.roadmap import share_roadmap
from mentoring.model import GoalStatus, PairInfo
from mentoring.roadmap_picture import GoalMark, RoadmapPicture
from tests.conftest import MENTEE, MENTOR, OUTSIDER, PAIR_CHANNEL, Wire
from tests.support import T0, FrozenClock

UPLOAD_METHODS = ("files.getUploadURLExternal", "upload", "files.completeUploadExternal")


def _set_up_goals(wire: Wire, clock: FrozenClock) -> None:
    wire.command("/goal", "Give a talk at PyCon by June 2027", user=MENTEE)
    wire.command("/goal", "Get promoted", user=MENTEE)
    wire.command("/goal", "milestone 1 Pick a topic by 2026-12-01", user=MENTEE)
    wire.command("/goal", "milestone 1 Submit the proposal by 2027-01-10", user=MENTOR)
    wire.command("/goal", "milestone 2 Talk to my manager", user=MENTEE)
    wire.command("/goal", "done 2.1", user=MENTEE)
    wire.command("/win", "Proposal outline reviewed #1", user=MENTEE)
    clock.advance(days=14)  # 5 December: step 1.1 is now overdue


def _calls(fake: FakeSlack) -> int:
    return sum(fake.call_count(method) for method in UPLOAD_METHODS)


def test_the_roadmap_lands_once_in_the_pairs_channel(
    wire: Wire, paired, clock: FrozenClock
) -> None:
    """Asked in a DM, one PNG goes to the shared channel with a summary; the asker is told."""
    _set_up_goals(wire, clock)
    sent = wire.command("/goal", "roadmap", user=MENTEE, channel="DUMENTEE")
    [upload] = wire.fake.uploads()
    assert upload.channels == (PAIR_CHANNEL,) and upload.data.startswith(b"\x89PNG")
    assert upload.filename == "roadmap.png" and upload.title == "Roadmap on 5 December 2026"
    comment = upload.initial_comment or ""
    assert comment.startswith(f":world_map: Roadmap of <@{MENTEE}> with <@{MENTOR}>")
    assert "2 open goals" in comment and "1 overdue" in comment and "1 win" in comment
    assert "Overdue: 1.1 Pick a topic (due 1 December 2026)" in comment
    assert [c.method for c in wire.fake.calls if c.method in UPLOAD_METHODS] == list(UPLOAD_METHODS)
    assert sent.reply["response_type"] == "ephemeral"
    assert f"Posted the roadmap in <#{PAIR_CHANNEL}>" in sent.reply_text
    assert wire.fake.messages_in(PAIR_CHANNEL)[-1]["files"][0]["name"] == "roadmap.png"


def test_the_mentor_can_ask_too_and_the_picture_follows_the_data(
    wire: Wire, paired, clock: FrozenClock
) -> None:
    """Either member may ask; a new step since changes the picture."""
    _set_up_goals(wire, clock)
    wire.command("/goal", "roadmap", user=MENTOR)
    wire.command("/goal", "milestone 2 Lead the migration by 2027-03-01", user=MENTOR)
    wire.command("/goal", "roadmap", user=MENTOR)
    first, second = wire.fake.uploads(PAIR_CHANNEL)
    assert first.data != second.data
    assert f"shared by <@{MENTOR}>" in (second.initial_comment or "")


def test_an_outsider_in_the_pairs_channel_gets_nothing(wire: Wire, paired, clock) -> None:
    """Refused with the usual words; nothing rendered for them, nothing uploaded."""
    _set_up_goals(wire, clock)
    sent = wire.command("/goal", "roadmap", user=OUTSIDER, channel=PAIR_CHANNEL)
    assert "not in a mentorship" in sent.reply_text and "PyCon" not in sent.reply_text
    assert _calls(wire.fake) == 0 and wire.fake.uploads() == []


def test_no_goals_is_a_clear_private_message(wire: Wire, paired) -> None:
    """An empty roadmap is explained privately; Slack's file methods are not called."""
    sent = wire.command("/goal", "roadmap", user=MENTEE)
    assert "no goals to draw" in sent.reply_text and sent.reply["response_type"] == "ephemeral"
    assert _calls(wire.fake) == 0


@pytest.mark.parametrize(
    ("break_channel", "says"),
    [
        (FakeSlack.archive, "archived"),
        (FakeSlack.remove_bot, "/invite @Mentorbot"),
    ],
    ids=["archived", "bot removed"],
)
def test_a_channel_slack_refuses_gets_a_clear_private_message(
    wire: Wire, paired, clock: FrozenClock, break_channel, says: str
) -> None:
    """Archived, or the bot removed: one failed completion, no retry, a reason, no traceback."""
    _set_up_goals(wire, clock)
    break_channel(wire.fake, PAIR_CHANNEL)
    sent = wire.command("/goal", "roadmap", user=MENTEE)
    assert sent.http.status_code == 200
    assert says in sent.reply_text and "couldn't post the roadmap" in sent.reply_text
    assert wire.fake.call_count("files.completeUploadExternal") == 1
    assert wire.fake.uploads() == []


# The helper on its own, with a client that never retries (as a scheduled job's is)

PICTURE = RoadmapPicture(
    pair=PairInfo(1, "T0001", MENTOR, MENTEE, PAIR_CHANNEL, True, T0, None),
    today=date(2026, 11, 21),
    goals=(GoalMark(1, "Give a talk", GoalStatus.OPEN, date(2026, 9, 1), None, None),),
    milestones=(),
    wins=(),
)


@pytest.fixture
def plain_client(fake_slack: FakeSlack) -> WebClient:
    return WebClient(token=fake_slack.token, base_url=fake_slack.base_url, retry_handlers=[])


def test_share_roadmap_answers_none_once_it_is_there(
    fake_slack: FakeSlack, plain_client: WebClient
) -> None:
    """The review summary's call: no error, and the picture with its comment in the channel."""
    assert share_roadmap(plain_client, PAIR_CHANNEL, PICTURE, "Review: the roadmap") is None
    [upload] = fake_slack.uploads(PAIR_CHANNEL)
    assert upload.initial_comment == "Review: the roadmap" and upload.data.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("method", "error", "status", "logged"),
    [
        ("files.completeUploadExternal", "ratelimited", 429, "ratelimited"),
        ("files.completeUploadExternal", "channel_not_found", None, "channel_not_found"),
        ("files.getUploadURLExternal", "ratelimited", 429, "ratelimited"),
        ("upload", "service_unavailable", 503, "upload_failed"),
    ],
)
def test_share_roadmap_answers_the_error_logs_and_never_tries_twice(
    fake_slack: FakeSlack,
    plain_client: WebClient,
    caplog: pytest.LogCaptureFixture,
    method: str,
    error: str,
    status: int | None,
    logged: str,
) -> None:
    """A refusal or a failed transfer: its code, a warning naming it, one attempt, nothing
    shared."""
    fake_slack.fail_next(method, error, status=status)
    with caplog.at_level(logging.WARNING, logger="mentorbot.roadmap"):
        assert share_roadmap(plain_client, PAIR_CHANNEL, PICTURE, "Review") == logged
    [record] = caplog.records
    assert record.message.startswith("roadmap ")
    assert getattr(record, "error", None) == logged
    assert fake_slack.call_count(method) == 1 and fake_slack.uploads() == []
    assert fake_slack.call_count("files.completeUploadExternal") <= 1

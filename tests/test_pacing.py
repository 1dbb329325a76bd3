"""Pacing: the shared workspace budget, one channel never holding up the others, and the
spacing between two posts in one channel. Times are read on pacing's virtual timeline
(tests.support.VirtualTime), so the spacings are exact and no test waits for them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.scheduler import build_dispatcher
from mentoring.prompts import Outgoing
from outbox import Dispatcher, Limits
from outbox.pacing import (
    MIN_BUDGET_POLL,
    SPENT_WITHIN,
    Pacer,
    Sent,
    send_paced,
    take_budget,
)
from tests.support import T0, FrozenClock, VirtualTime, pair_up, schedule_meetings

pytestmark = pytest.mark.both_backends

START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # "weekly tue 15:00 Europe/Berlin"


class RecordingClient:
    """Stands in for WebClient.chat_postMessage: records when each channel was posted to, and
    holds posts to the channels in `slow` until released."""

    def __init__(self, timeline: VirtualTime, slow: frozenset[str] = frozenset()) -> None:
        self.timeline = timeline
        self.slow = slow
        self.release = threading.Event()
        self.posted: list[tuple[str, float]] = []
        self.cond = threading.Condition()

    def chat_postMessage(self, *, channel: str, **_: Any) -> dict[str, str]:  # noqa: N802
        if channel in self.slow:
            self.release.wait(timeout=10)
        with self.cond:
            self.posted.append((channel, self.timeline.monotonic()))
            self.cond.notify_all()
            return {"channel": channel, "ts": f"{len(self.posted)}.000100"}

    def wait_for(self, count: int) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.posted) >= count, timeout=10)


def scheduled_pairs(engine: Engine, mentors: list[str]) -> None:
    for n, mentor in enumerate(mentors):
        pair_up(engine, mentor, f"UE{n}", f"C{n}")
        schedule_meetings(engine, mentee=f"UE{n}")


def dispatcher(engine: Engine, client: RecordingClient, limits: Limits) -> Dispatcher:
    return build_dispatcher(
        engine, cast(WebClient, client), FrozenClock(T0), "w", limits, client.timeline
    )


def test_the_budget_is_a_bucket_that_no_minute_overflows(engine: Engine) -> None:
    """600 a minute: a burst of 5 (half a second's worth), then the refill; the tokens granted
    over any sliding minute and SPENT_WITHIN stay within 600, the burst included, so the posts
    that arrive in any minute do too, each sent up to SPENT_WITHIN after its token."""
    assert SPENT_WITHIN == 1.0
    assert take_budget(engine, 25, 600, wall=1000.0) == 5
    assert take_budget(engine, 5, 600, wall=1000.0) == 0
    assert take_budget(engine, 25, 600, wall=1000.5) == 4  # 0.5 s × 595/61 per second
    assert take_budget(engine, 25, 600, wall=999.0) == 0  # a clock behind does not refill
    # Asked every tenth of a second for 61 s, from the moment the bucket is full again.
    full = 1000.5 + 5 * 61 / 595
    granted = [take_budget(engine, 3, 600, wall=full + n / 10) for n in range(610)]
    assert 595 <= sum(granted) <= 600


def test_concurrent_takers_share_the_budget_exactly(engine: Engine) -> None:
    """Eight takers at once can only share the bucket's 10 tokens, never exceed them."""
    take_budget(engine, 0, 1200, wall=50.0)

    def taker(_: int) -> int:
        return sum(take_budget(engine, 1, 1200, wall=50.0) for _ in range(10))

    with ThreadPoolExecutor(8) as pool:
        assert sum(pool.map(taker, range(8))) == 10


def test_a_slow_channel_holds_up_no_other(engine: Engine) -> None:
    """One DM channel hangs: the other five prompts go out meanwhile."""
    scheduled_pairs(engine, ["UM0", "UM1", "UM2"])
    client = RecordingClient(VirtualTime(), slow=frozenset({"UE0"}))
    run = dispatcher(engine, client, Limits(channel_interval=0.0, per_minute=60_000, concurrency=2))
    pass_ = threading.Thread(target=run.tick, args=(START - timedelta(hours=24),))
    pass_.start()
    client.wait_for(5)
    assert "UE0" not in [channel for channel, _ in client.posted]
    client.release.set()
    pass_.join(timeout=10)
    everyone = {"UM0", "UM1", "UM2", "UE0", "UE1", "UE2"}
    assert [channel for channel, _ in client.posted][-1] == "UE0"
    assert {channel for channel, _ in client.posted} == everyone and len(client.posted) == 6


def test_two_posts_in_one_channel_are_spaced(engine: Engine) -> None:
    """A mentor of three mentees gets three DMs in one pass, Slack's second apart; the
    mentees' DMs, each in a channel of its own, go out at once."""
    scheduled_pairs(engine, ["UM", "UM", "UM"])
    client = RecordingClient(VirtualTime())
    run = dispatcher(engine, client, Limits(channel_interval=1.0, per_minute=60_000, concurrency=4))
    assert run.tick(START - timedelta(hours=24)).outcomes == {"sent": 6}
    assert [at for channel, at in client.posted if channel == "UM"] == [0.0, 1.0, 2.0]
    assert [at for channel, at in client.posted if channel != "UM"] == [0.0, 0.0, 0.0]


def test_a_pass_stays_within_the_workspace_budget(engine: Engine) -> None:
    """1200 a minute: a burst of 10 (half a second's worth), then 10 more as the bucket
    refills at 1190 a minute and SPENT_WITHIN — the last no sooner than 10 × 61/1190 s, and no
    later than one poll of the bucket after that."""
    scheduled_pairs(engine, [f"UM{n}" for n in range(10)])
    client = RecordingClient(VirtualTime())
    run = dispatcher(engine, client, Limits(channel_interval=0.0, per_minute=1200, concurrency=8))
    assert run.tick(START - timedelta(hours=24)).outcomes == {"sent": 20}
    times = [at for _, at in client.posted]
    assert times[:10] == [0.0] * 10
    refilled = 10 * (60 + SPENT_WITHIN) / 1190
    assert refilled <= times[-1] <= refilled + MIN_BUDGET_POLL


def test_a_429_rests_every_channel_for_its_retry_after() -> None:
    """The first post is refused with Retry-After 30 (Slack does not say whether the channel or
    the workspace was over): nothing else goes out for 30 seconds, then the rest does."""
    timeline = VirtualTime()
    rows = [cast(Outgoing, SimpleNamespace(recipient=channel)) for channel in ("C1", "C2", "C3")]
    sent: list[tuple[str, float]] = []

    def send(out: Outgoing) -> Sent:
        sent.append((out.recipient, timeline.monotonic()))
        if len(sent) == 1:
            return Sent("planned", rest=30.0, workspace=True)
        return Sent("sent")

    limits = Limits(channel_interval=1.0, per_minute=60_000, concurrency=1)
    pacer = Pacer(limits, lambda wanted: wanted, timeline.monotonic)
    with ThreadPoolExecutor(1) as pool:
        outcomes, unsent = send_paced(pool, pacer, limits, rows, send, threading.Event(), timeline)
    assert outcomes == {"planned": 1, "sent": 2} and unsent == []
    assert sent == [("C1", 0.0), ("C2", 30.0), ("C3", 30.0)]


def test_budget_is_taken_only_for_a_post_ready_to_go() -> None:
    """Three posts to one channel, a second apart, on a budget of 120 a minute (one token at a
    time): each token is taken from the shared bucket when its post can go, never while the
    channel still rests, so no token waits a second before its post (the bucket's SPENT_WITHIN
    counts on that)."""
    timeline = VirtualTime()
    rows = [cast(Outgoing, SimpleNamespace(recipient="C1")) for _ in range(3)]
    sent: list[float] = []
    taken: list[float] = []

    def take(wanted: int) -> int:
        taken.append(timeline.monotonic())
        return wanted

    def send(out: Outgoing) -> Sent:
        sent.append(timeline.monotonic())
        return Sent("sent")

    limits = Limits(channel_interval=1.0, per_minute=120, concurrency=1)
    pacer = Pacer(limits, take, timeline.monotonic)
    with ThreadPoolExecutor(1) as pool:
        outcomes, _ = send_paced(pool, pacer, limits, rows, send, threading.Event(), timeline)
    assert outcomes == {"sent": 3}
    assert sent == [0.0, 1.0, 2.0]
    assert taken == sent

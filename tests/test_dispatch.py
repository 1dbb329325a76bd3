"""The dispatcher against a fake Slack, on SQLite and on PostgreSQL: each prompt once, late
while still useful, skipped with a reason otherwise, and Slack's faults handled."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, event
from sqlmodel import select

from bot.scheduler import make_dispatch_client
from bot.settings import Settings
from handlers.dispatch import METADATA_EVENT, Dispatcher, Limits
from mentoring import deliveries, pairs
from mentoring.meetings.planning import PROMPTS
from mentoring.meetings.schedule import pause, skip_next, unskip
from mentoring.model import Actor, PairInfo, Target
from storage.db import session_scope
from storage.models import Delivery, Meeting, Pair
from tests.conftest import MENTEE, MENTOR, PAIR_CHANNEL
from tests.fakes.slack_api import FakeSlack
from tests.support import T0, FrozenClock, pair_up, schedule_meetings

pytestmark = pytest.mark.both_backends

# T0 is Saturday 21 November 2026, 09:00 UTC; "weekly tue 15:00" in Berlin starts on the 24th.
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
FAST = Limits(channel_interval=0.0, per_minute=60_000, concurrency=4)


def schedule(engine: Engine, text: str = "weekly tue 15:00 Europe/Berlin", now: datetime = T0):
    return schedule_meetings(
        engine,
        text,
        now=now,
        default_tz="America/New_York",
        member_tz=("Europe/Berlin", "America/New_York"),
    )


def dispatcher(
    engine: Engine, settings: Settings, worker: str = "w1", client: WebClient | None = None
) -> Dispatcher:
    return Dispatcher(
        engine,
        client or make_dispatch_client(settings),
        FrozenClock(T0),
        worker=worker,
        limits=FAST,
    )


def ledger(engine: Engine) -> dict[tuple[int, str, str], Delivery]:
    with session_scope(engine) as session:
        rows = session.exec(select(Delivery)).all()
        numbers = {m.id: m.number for m in session.exec(select(Meeting)).all()}
    return {
        (numbers[row.meeting_id], row.kind, row.audience): row
        for row in rows
        if row.meeting_id is not None  # a meeting's rows; a review's have their own tests
    }


def posts(fake: FakeSlack) -> list[dict]:
    return [call.args for call in fake.calls_to("chat.postMessage") if call.ok]


@pytest.fixture
def pair(engine: Engine) -> PairInfo:
    return pair_up(engine, channel=PAIR_CHANNEL)


@pytest.fixture
def run(engine: Engine, settings: Settings, pair: PairInfo) -> Dispatcher:
    schedule(engine)
    return dispatcher(engine, settings)


def test_the_rhythm_posts_each_prompt_once_at_its_time(
    run: Dispatcher, engine: Engine, fake_slack: FakeSlack
) -> None:
    """T−24h DMs to both, T−1h agenda and T+2h follow-up in the channel; repeats send nothing."""
    assert run.tick(START - timedelta(hours=24, minutes=1)).outcomes == {}
    assert run.tick(START - timedelta(hours=24)).outcomes == {"sent": 2}
    assert run.tick(START - timedelta(hours=23)).outcomes == {}
    assert {p["channel"] for p in posts(fake_slack)} == {MENTOR, MENTEE}
    assert run.tick(START - timedelta(hours=1)).outcomes == {"sent": 1}
    report = run.tick(START + timedelta(hours=2))
    assert report.outcomes == {"sent": 1} and report.planned == 1
    rows = ledger(engine)
    first = {key: row for key, row in rows.items() if key[0] == 1}
    assert {row.status for row in first.values()} == {"sent"}
    assert all(row.ts for row in first.values())
    assert [p["channel"] for p in posts(fake_slack)][2:] == [PAIR_CHANNEL, PAIR_CHANNEL]
    second = {key: row for key, row in rows.items() if key[0] == 2}
    assert second[(2, "prompt", "mentee")].due_at == START + timedelta(days=6)


def test_a_restarted_or_second_dispatcher_sends_nothing_twice(
    run: Dispatcher, engine: Engine, settings: Settings, fake_slack: FakeSlack
) -> None:
    """A new process (another worker name) on the same database finds nothing left to send."""
    run.tick(START - timedelta(hours=1))
    sent = len(posts(fake_slack))
    assert sent == 3
    again = dispatcher(engine, settings, worker="w2")
    assert again.tick(START - timedelta(minutes=30)).outcomes == {}
    assert len(posts(fake_slack)) == sent


def test_overlapping_ticks_never_double_post(
    run: Dispatcher, engine: Engine, settings: Settings, fake_slack: FakeSlack
) -> None:
    """While one pass is stuck in a post, another pass claims nothing it holds."""
    gate = fake_slack.hold("chat.postMessage")
    first = threading.Thread(target=run.tick, args=(START - timedelta(hours=24),))
    first.start()
    fake_slack.wait_held("chat.postMessage", count=2)
    other = dispatcher(engine, settings, worker="w2")
    assert other.tick(START - timedelta(hours=24)).outcomes == {}
    gate.set()
    first.join(timeout=10)
    assert len(posts(fake_slack)) == 2


def test_a_prompt_missed_while_down_is_sent_late_while_useful(
    run: Dispatcher, engine: Engine, fake_slack: FakeSlack
) -> None:
    """Down until 30 minutes before the meeting: the DMs and the agenda still go out."""
    report = run.tick(START - timedelta(minutes=30))
    assert report.outcomes == {"sent": 3}
    assert {row.status for key, row in ledger(engine).items() if key[1] != "followup"} == {"sent"}


def test_a_prompt_missed_past_its_use_is_skipped_with_a_reason(
    run: Dispatcher, engine: Engine, fake_slack: FakeSlack
) -> None:
    """Down until after the meeting started: DMs and agenda are skipped, saying why."""
    report = run.tick(START + timedelta(minutes=10))
    assert report.outcomes == {"skipped": 3}
    rows = ledger(engine)
    assert rows[(1, "agenda", "channel")].reason == "too late: the meeting had started"
    assert rows[(1, "followup", "channel")].status == "planned"
    assert posts(fake_slack) == []


def test_paused_and_skipped_meetings_send_nothing(
    run: Dispatcher, engine: Engine, fake_slack: FakeSlack
) -> None:
    """A skipped meeting's prompts and a paused one's are skipped, each with its reason."""
    skip_next(engine, Actor(MENTOR), Target(), T0)
    run.tick(START + timedelta(hours=3))
    pause(engine, Actor(MENTEE), Target(), date(2026, 12, 5), T0)
    run.tick(START + timedelta(days=7, hours=3))
    rows = ledger(engine)
    assert {rows[(1, kind, who)].reason for kind, who in PROMPTS} == {"meeting skipped"}
    assert {rows[(2, kind, who)].reason for kind, who in PROMPTS} == {"paused until 2026-12-05"}
    assert posts(fake_slack) == []


def test_undoing_a_skip_restores_the_prompts(run: Dispatcher, engine: Engine) -> None:
    """Undo brings the skipped meeting's prompts back while it is still ahead."""
    skipped = skip_next(engine, Actor(MENTOR), Target(), T0)
    unskip(engine, Actor(MENTEE), skipped.id, T0)
    assert run.tick(START - timedelta(hours=24)).outcomes == {"sent": 2}


def test_an_ended_pair_gets_no_prompts(run: Dispatcher, engine: Engine, pair: PairInfo) -> None:
    """Prompts of a pair that ended are skipped, and no further meeting is planned."""
    pairs.end_pair(engine, Actor(MENTOR), pair.id, T0)
    report = run.tick(START + timedelta(hours=3))
    assert report.outcomes == {"skipped": 4} and report.planned == 0
    assert {row.reason for row in ledger(engine).values()} == {"pair ended"}


def test_a_429_is_honoured_and_the_prompt_sent_once_after_retry_after(
    run: Dispatcher, engine: Engine, fake_slack: FakeSlack
) -> None:
    """Rate limited: the row waits Retry-After, then goes out; nothing is posted twice."""
    fake_slack.fail_next("chat.postMessage", retry_after=1)
    due = START - timedelta(hours=24)
    first = run.tick(due)
    assert first.outcomes == {"sent": 1, "planned": 1}
    waiting = [
        row for row in ledger(engine).values() if row.status == "planned" and row.kind == "prompt"
    ]
    assert len(waiting) == 1 and waiting[0].next_at == due + timedelta(seconds=1)
    assert waiting[0].attempts == 0 and waiting[0].reason == "ratelimited"
    assert run.tick(due + timedelta(seconds=1)).outcomes == {"sent": 1}
    assert sorted(p["channel"] for p in posts(fake_slack)) == sorted([MENTOR, MENTEE])


def test_a_5xx_after_slack_posted_is_found_in_history_not_reposted(
    run: Dispatcher, engine: Engine, fake_slack: FakeSlack
) -> None:
    """Slack stored the agenda but answered 503: the retry finds it and records its ts."""
    run.tick(START - timedelta(hours=24))
    fake_slack.fail_next("chat.postMessage", status=503, applied=True)
    due = START - timedelta(hours=1)
    assert run.tick(due).outcomes == {"planned": 1}
    row = ledger(engine)[(1, "agenda", "channel")]
    assert row.uncertain and row.attempts == 1
    assert run.tick(due + timedelta(seconds=30)).outcomes == {"sent": 1}
    stored = fake_slack.messages_in(PAIR_CHANNEL)
    assert len(stored) == 1
    assert ledger(engine)[(1, "agenda", "channel")].ts == stored[0]["ts"]


def test_a_5xx_before_slack_posted_is_retried_with_backoff(
    run: Dispatcher, engine: Engine, fake_slack: FakeSlack
) -> None:
    """A 500 that stored nothing: the history check finds nothing and the retry posts once."""
    run.tick(START - timedelta(hours=24))
    fake_slack.fail_next("chat.postMessage", status=500)
    due = START - timedelta(hours=1)
    run.tick(due)
    assert ledger(engine)[(1, "agenda", "channel")].status == "planned"
    run.tick(due + timedelta(seconds=30))
    assert ledger(engine)[(1, "agenda", "channel")].status == "sent"
    assert len(fake_slack.messages_in(PAIR_CHANNEL)) == 1


def test_retries_end_in_failed_with_the_error(
    run: Dispatcher, engine: Engine, fake_slack: FakeSlack
) -> None:
    """Five 5xx in a row: the row is failed, with the error, and not retried again."""
    run.tick(START - timedelta(hours=24))
    fake_slack.fail_next("chat.postMessage", status=500, times=20)
    due = START - timedelta(hours=1)
    for minutes in (0, 1, 3, 14, 45, 50):
        run.tick(due + timedelta(minutes=minutes))
    agenda = ledger(engine)[(1, "agenda", "channel")]
    assert agenda.status == "failed" and agenda.reason == "internal_error after 5 attempts"
    assert fake_slack.messages_in(PAIR_CHANNEL) == []


def test_a_timeout_after_slack_posted_is_not_reposted(
    engine: Engine, settings: Settings, pair: PairInfo, fake_slack: FakeSlack
) -> None:
    """The post landed but the answer came too late: the retry finds it in the history."""
    schedule(engine)
    client = WebClient(
        token=settings.bot_token, base_url=settings.slack_api_url, timeout=0.3, retry_handlers=[]
    )
    run = dispatcher(engine, settings, client=client)
    fake_slack.slow_next("chat.postMessage", 1.0, times=3)
    due = START - timedelta(minutes=50)
    run.tick(due)
    assert [r.reason for r in ledger(engine).values() if r.uncertain] == ["timeout"] * 3
    assert run.tick(due + timedelta(minutes=5)).outcomes == {"sent": 3}
    assert len(posts(fake_slack)) == 3
    assert all(len(fake_slack.messages_in(c)) == 1 for c in (MENTOR, MENTEE, PAIR_CHANNEL))


def test_an_archived_channel_fails_and_warns_both_members_once(
    run: Dispatcher, engine: Engine, fake_slack: FakeSlack, pair: PairInfo
) -> None:
    """is_archived: failed, not retried; each member gets one DM; the next meeting no more."""
    fake_slack.archive(PAIR_CHANNEL)
    run.tick(START - timedelta(hours=1))
    rows = ledger(engine)
    assert rows[(1, "agenda", "channel")].status == "failed"
    assert rows[(1, "agenda", "channel")].reason == "is_archived"
    warnings = [p for p in posts(fake_slack) if "couldn't deliver" in p["text"]]
    assert sorted(p["channel"] for p in warnings) == sorted([MENTOR, MENTEE])
    run.tick(START + timedelta(days=7, hours=3))
    assert len([p for p in posts(fake_slack) if "couldn't deliver" in p["text"]]) == 2
    with session_scope(engine) as session:
        assert session.get(Pair, pair.id).attention == "is_archived"


def test_an_inactive_account_warns_only_the_other_member(
    run: Dispatcher, engine: Engine, fake_slack: FakeSlack
) -> None:
    """account_inactive on the mentee's DM: the mentor is told, not the unreachable mentee."""
    fake_slack.fail_next("chat.postMessage", "account_inactive")
    run.tick(START - timedelta(hours=24))
    warnings = [p for p in posts(fake_slack) if "couldn't deliver" in p["text"]]
    assert len(warnings) == 1
    failed = [row for row in ledger(engine).values() if row.status == "failed"]
    assert len(failed) == 1 and failed[0].reason == "account_inactive"
    assert warnings[0]["channel"] != (MENTOR if failed[0].audience == "mentor" else MENTEE)


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def test_an_idle_tick_reads_the_same_whatever_the_number_of_pairs(
    engine: Engine, settings: Settings, statements: list[str]
) -> None:
    """Nothing due: a pass costs the same few statements with 3 pairs and with 30."""
    run = dispatcher(engine, settings)
    counts = []
    for size in (3, 30):
        for n in range(len(counts) * 3, size):
            info = pair_up(engine, f"UM{n}", f"UE{n}", f"C{n}")
            schedule_meetings(engine, mentee=info.mentee_id)
        statements.clear()
        assert run.tick(T0 + timedelta(hours=1)).outcomes == {}
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 6


@pytest.mark.parametrize(
    ("tz", "first", "utc_hours"),
    [
        ("Europe/Berlin", datetime(2027, 3, 20, tzinfo=UTC), (14, 13)),
        ("America/New_York", datetime(2027, 3, 6, tzinfo=UTC), (20, 19)),
        ("Europe/Berlin", datetime(2026, 10, 17, tzinfo=UTC), (13, 14)),
        ("America/New_York", datetime(2026, 10, 24, tzinfo=UTC), (19, 20)),
    ],
)
def test_prompts_follow_the_wall_clock_across_dst(
    engine: Engine,
    settings: Settings,
    pair: PairInfo,
    fake_slack: FakeSlack,
    tz: str,
    first: datetime,
    utc_hours: tuple[int, int],
) -> None:
    """Meetings either side of a DST change both start at 15:00 local; the agenda is at 14:00."""
    view = schedule(engine, f"weekly tue 15:00 {tz}", now=first)
    start = view.upcoming[0].starts_at
    run = dispatcher(engine, settings)
    run.tick(start)  # plans the meeting after the change
    rows = ledger(engine)
    agendas = [rows[(n, "agenda", "channel")].due_at for n in (1, 2)]
    assert [a.hour + 1 for a in agendas] == list(utc_hours)
    assert run.tick(agendas[1]).outcomes.get("sent", 0) >= 1
    assert ledger(engine)[(2, "agenda", "channel")].status == "sent"


def test_a_dispatcher_killed_mid_post_is_taken_over_without_a_repeat(
    run: Dispatcher, engine: Engine, settings: Settings, fake_slack: FakeSlack
) -> None:
    """A process claimed two DMs, posted one and died: after its lease another pass finds the
    posted one in the DM's history and sends only the other."""
    due = START - timedelta(hours=24)
    claimed = deliveries.claim(engine, due, "dead-worker", 10)
    assert len(claimed) == 2
    client = make_dispatch_client(settings)
    client.chat_postMessage(
        channel=MENTOR,
        text="posted by the process that died",
        metadata={"event_type": METADATA_EVENT, "event_payload": {"delivery": str(claimed[0])}},
    )
    assert run.tick(due + timedelta(minutes=5)).outcomes == {}  # the lease still holds
    assert run.tick(due + deliveries.LEASE + timedelta(seconds=1)).outcomes == {"sent": 2}
    assert len(fake_slack.messages_in(MENTOR)) == 1 and len(fake_slack.messages_in(MENTEE)) == 1
    assert {row.status for key, row in ledger(engine).items() if key[1] == "prompt"} == {"sent"}

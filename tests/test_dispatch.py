"""The dispatcher against a fake Slack, on SQLite and on PostgreSQL: each prompt once, late
while still useful, skipped with a reason otherwise, Slack's faults handled, and a stop that
hands the rows it claimed but did not post back."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, event
from sqlmodel import select

import outbox.dispatcher
from bot.scheduler import make_dispatch_client, stop_scheduler
from bot.settings import Settings
from fakeslack import FakeSlack
from mentoring import pairs
from mentoring.meetings.planning import PROMPTS
from mentoring.meetings.schedule import pause, skip_next, unskip
from mentoring.model import Actor, PairInfo, Target
from mentoring.prompts import prepare
from mentoring.reviews.planning import start_review_now
from outbox import Dispatcher
from outbox.claims import LEASE, claim
from outbox.recovery import METADATA_EVENT
from storage.db import session_scope
from storage.models import Delivery, Meeting, Pair
from tests.conftest import MENTEE, MENTOR, PAIR_CHANNEL
from tests.support import FAST, T0, FrozenClock, dispatcher, pair_up, schedule_meetings

pytestmark = pytest.mark.both_backends

# T0 is Saturday 21 November 2026, 09:00 UTC; "weekly tue 15:00" in Berlin starts on the 24th.
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


def schedule(engine: Engine, text: str = "weekly tue 15:00 Europe/Berlin", now: datetime = T0):
    return schedule_meetings(
        engine,
        text,
        now=now,
        default_tz="America/New_York",
        member_tz=("Europe/Berlin", "America/New_York"),
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
    """The post landed but the answer came too late: the retry finds it in the history.
    (The client waits a second: on a loaded machine an answer on time can take a few tenths.)"""
    schedule(engine)
    client = WebClient(
        token=settings.bot_token, base_url=settings.slack_api_url, timeout=1.0, retry_handlers=[]
    )
    run = dispatcher(engine, settings, client=client)
    fake_slack.slow_next("chat.postMessage", 3.0, times=3)
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
    claimed = claim(engine, due, "dead-worker", 10)
    assert len(claimed) == 2
    client = make_dispatch_client(settings)
    client.chat_postMessage(
        channel=MENTOR,
        text="posted by the process that died",
        metadata={"event_type": METADATA_EVENT, "event_payload": {"delivery": str(claimed[0])}},
    )
    assert run.tick(due + timedelta(minutes=5)).outcomes == {}  # the lease still holds
    assert run.tick(due + LEASE + timedelta(seconds=1)).outcomes == {"sent": 2}
    assert len(fake_slack.messages_in(MENTOR)) == 1 and len(fake_slack.messages_in(MENTEE)) == 1
    assert {row.status for key, row in ledger(engine).items() if key[1] == "prompt"} == {"sent"}


def test_the_outbox_posts_what_it_is_given_and_says_what_changed(
    engine: Engine, settings: Settings, pair: PairInfo, fake_slack: FakeSlack
) -> None:
    """Wired by hand, with no listener code: each row is posted as `render` builds it and
    marked with its key; `after_post` hears each post with its channel; `on_changed` hears the
    pair whose review opened."""
    start_review_now(engine, Actor(MENTEE), Target(), T0)
    followed: list[tuple[str, str, str]] = []
    changed: list[frozenset[int]] = []
    run = Dispatcher(
        engine,
        make_dispatch_client(settings),
        FrozenClock(T0),
        worker="w1",
        limits=FAST,
        render=lambda out: {"text": f"{out.kind} for {out.audience}", "blocks": []},
        after_post=lambda out, channel: followed.append((out.kind, out.audience, channel)),
        on_changed=changed.append,
    )
    assert run.tick(T0).outcomes == {"sent": 3}
    texts = sorted(p["text"] for p in posts(fake_slack))
    assert texts == ["review for channel", "review for mentee", "review for mentor"]
    assert all(p["metadata"]["event_type"] == METADATA_EVENT for p in posts(fake_slack))
    assert ("review", "channel", PAIR_CHANNEL) in followed and len(followed) == 3
    assert changed == [frozenset({pair.id})]


def prompts_of(engine: Engine) -> list[Delivery]:
    with session_scope(engine) as session:
        return list(session.exec(select(Delivery).where(Delivery.kind == "prompt")).all())


@pytest.fixture
def twelve_pairs(engine: Engine, fake_slack: FakeSlack) -> datetime:
    """Twelve pairs meeting on 24 Nov: 24 DM prompts due at the returned instant."""
    for n in range(12):
        fake_slack.add_user(f"UM{n}", f"mentor{n}")
        fake_slack.add_user(f"UE{n}", f"mentee{n}")
        pair_up(engine, f"UM{n}", f"UE{n}", f"C{n}")
        schedule_meetings(engine, mentee=f"UE{n}")
    return START - timedelta(hours=24)


def test_stopping_mid_pass_hands_the_unposted_rows_back(
    engine: Engine, settings: Settings, fake_slack: FakeSlack, twelve_pairs: datetime
) -> None:
    """stop() from another thread while Slack holds the four posts in flight: those four are
    recorded sent, nothing else is posted, the other twenty are planned again at once; the
    stopped dispatcher does nothing more, and a later pass elsewhere sends each of them once."""
    due = twelve_pairs
    gate = fake_slack.hold("chat.postMessage")
    run = dispatcher(engine, settings)  # four in flight at once
    reports = []
    pass_ = threading.Thread(target=lambda: reports.append(run.tick(due)))
    pass_.start()
    fake_slack.wait_held("chat.postMessage", count=4)
    stopper = threading.Thread(target=run.stop)
    stopper.start()
    stopper.join(timeout=5)
    gate.set()
    pass_.join(timeout=10)
    assert not pass_.is_alive() and reports[0].outcomes == {"sent": 4, "released": 20}
    assert len(posts(fake_slack)) == 4
    rows = prompts_of(engine)
    assert sorted(row.status for row in rows) == ["planned"] * 20 + ["sent"] * 4
    handed_back = [row for row in rows if row.status == "planned"]
    assert {(row.next_at, row.attempts, row.uncertain) for row in handed_back} == {(due, 0, False)}
    assert run.tick(due + timedelta(minutes=1)).outcomes == {}
    later = dispatcher(engine, settings, worker="w2")
    assert later.tick(due + timedelta(minutes=1)).outcomes == {"sent": 20}
    assert len(posts(fake_slack)) == 24 and fake_slack.duplicate_metadata("delivery") == {}
    assert all(len(fake_slack.messages_in(f"U{who}{n}")) == 1 for who in "ME" for n in range(12))


def _when_decided(monkeypatch: pytest.MonkeyPatch, count: int, then: Callable[[], None]) -> list:
    """Have the dispatcher call `then` once it has decided `count` rows; returns the list of
    what it decided, filled as it goes."""
    decided: list = []

    def prepare_and_count(*args):  # type: ignore[no-untyped-def]
        decided.append(prepare(*args))
        if len(decided) == count:
            then()
        return decided[-1]

    monkeypatch.setattr(outbox.dispatcher, "prepare", prepare_and_count)
    return decided


def test_stopping_while_a_batch_is_prepared_hands_back_the_rest(
    engine: Engine,
    settings: Settings,
    fake_slack: FakeSlack,
    twelve_pairs: datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """stop() after five of the batch's rows were prepared: nothing is posted, and all 24
    rows (prepared or not) are planned again."""
    run = dispatcher(engine, settings)
    prepared = _when_decided(monkeypatch, 5, run.stop)
    assert run.tick(twelve_pairs).outcomes == {"released": 24}
    assert len(prepared) == 5 and posts(fake_slack) == []
    assert {row.status for row in prompts_of(engine)} == {"planned"}
    assert dispatcher(engine, settings, "w2").tick(twelve_pairs).outcomes == {"sent": 24}


def _first_batch_held(
    engine: Engine, settings: Settings, fake_slack: FakeSlack, due: datetime, monkeypatch
) -> tuple[Dispatcher, list, threading.Thread, threading.Event]:
    """A pass over the 24 prompts in batches of 12, started with Slack holding its posts, and
    waited on until every row is decided (the second batch's too) while those posts are held.
    Returns the dispatcher, the list its report will be put in, the pass's thread and the
    gate that lets the posts through."""
    monkeypatch.setattr(outbox.dispatcher, "CLAIM_BATCH", 12)
    all_decided = threading.Event()
    decided = _when_decided(monkeypatch, 24, all_decided.set)
    gate = fake_slack.hold("chat.postMessage")
    run = dispatcher(engine, settings)
    reports: list = []
    pass_ = threading.Thread(target=lambda: reports.append(run.tick(due)))
    pass_.start()
    fake_slack.wait_held("chat.postMessage", count=4)
    assert all_decided.wait(timeout=10), f"only {len(decided)} decided while the posts waited"
    return run, reports, pass_, gate


def test_the_next_batch_is_decided_while_this_one_is_posted(
    engine: Engine,
    settings: Settings,
    fake_slack: FakeSlack,
    twelve_pairs: datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The posts never wait for the reads that decide the next batch: while Slack holds the
    first batch's posts, the second batch is claimed and decided. Then all 24 go, once each."""
    run, reports, pass_, gate = _first_batch_held(
        engine, settings, fake_slack, twelve_pairs, monkeypatch
    )
    assert {row.status for row in prompts_of(engine)} == {"sending"}  # both batches claimed
    gate.set()
    pass_.join(timeout=10)
    assert not pass_.is_alive() and reports[0].outcomes == {"sent": 24}
    assert len(posts(fake_slack)) == 24 and fake_slack.duplicate_metadata("delivery") == {}


def test_stopping_hands_back_the_batch_decided_ahead(
    engine: Engine,
    settings: Settings,
    fake_slack: FakeSlack,
    twelve_pairs: datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """stop() once the next batch is decided ahead: the four posts in flight are recorded,
    and the other twenty, the whole next batch among them, are planned again."""
    run, reports, pass_, gate = _first_batch_held(
        engine, settings, fake_slack, twelve_pairs, monkeypatch
    )
    run.stop()
    gate.set()
    pass_.join(timeout=10)
    assert not pass_.is_alive() and reports[0].outcomes == {"sent": 4, "released": 20}
    assert sorted(row.status for row in prompts_of(engine)) == ["planned"] * 20 + ["sent"] * 4
    later = dispatcher(engine, settings, worker="w2")
    assert later.tick(twelve_pairs + timedelta(minutes=1)).outcomes == {"sent": 20}
    assert len(posts(fake_slack)) == 24 and fake_slack.duplicate_metadata("delivery") == {}


def test_deciding_a_prompt_waits_for_no_writer(
    engine: Engine, settings: Settings, fake_slack: FakeSlack, twelve_pairs: datetime
) -> None:
    """A meeting's prompt is decided in a transaction that only reads: while another
    transaction is in the middle of writing (on SQLite it holds the database's one write lock),
    the decision is made at once, not after it."""
    ids = claim(engine, twelve_pairs, "w1", 1)
    writing, finish = threading.Event(), threading.Event()

    def writer() -> None:
        with session_scope(engine) as session:
            pair = session.exec(select(Pair)).first()
            assert pair is not None
            pair.attention = "is_archived"
            session.add(pair)
            session.flush()
            writing.set()
            finish.wait(timeout=30)

    held = threading.Thread(target=writer)
    held.start()
    try:
        assert writing.wait(timeout=10)
        decided: list = []
        deciding = threading.Thread(
            target=lambda: decided.append(prepare(engine, ids[0], "w1", twelve_pairs))
        )
        deciding.start()
        deciding.join(timeout=5)
        assert not deciding.is_alive(), "the decision waited for the writer"
        assert decided[0].kind == "prompt" and decided[0].delivery_id == ids[0]
    finally:
        finish.set()
        held.join(timeout=10)


def test_the_scheduler_stops_its_dispatcher_before_waiting_for_it(
    engine: Engine, settings: Settings, twelve_pairs: datetime
) -> None:
    """stop_scheduler stops the dispatcher first: by the time the scheduler is asked to wait
    for the pass under way, the dispatcher sends nothing more."""
    run = dispatcher(engine, settings)
    seen = []

    class Scheduler:
        def shutdown(self, wait: bool) -> None:
            seen.append((wait, run.tick(twelve_pairs).outcomes))

    stop_scheduler(Scheduler(), run)  # type: ignore[arg-type]
    assert seen == [(True, {})]
    assert {row.status for row in prompts_of(engine)} == {"planned"}

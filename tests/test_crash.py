"""kill -9, mid-burst: the worker, then the serving process with its workers. After a restart,
every request Slack got an ack for had its effect exactly once, every win posted has its post
recorded, and nothing was posted twice — on SQLite and on PostgreSQL. (bench/crash.py does the
same with thousands of requests and ten kills; the pieces both use are in
bench/crash_harness.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench.crash_harness import (
    Bot,
    audit,
    bot_env,
    burst,
    drained,
    fake_slack,
    free_port,
    kill,
    pairs_of,
    request,
    send,
    set_up,
    under_way,
)
from fakeslack import FakeSlack
from storage.db import make_engine

pytestmark = pytest.mark.both_backends

REQUESTS = 30
PAIRS = pairs_of(1)


@pytest.fixture
def crash_slack() -> Iterator[FakeSlack]:
    """Slack answering after 20 ms, as over a network: the kills land in work under way."""
    with fake_slack(PAIRS) as fake:
        yield fake


def test_kill_9_mid_burst_loses_nothing_and_does_nothing_twice(
    crash_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    """A burst of commands, clicks, forms and DMs; the worker killed a third of the way, the
    serving process and its workers killed two thirds of the way, then started again. Slack
    retries the DMs it got no ack for (as it does); a command or click without an ack is the
    person's to repeat. Every acknowledged request has its effect once, its reply once."""
    fake, engine = crash_slack, make_engine(database_url)
    pairs = set_up(engine, PAIRS, REQUESTS)
    port = free_port()
    home = tmp_path / "bot"
    home.mkdir()
    url = f"http://127.0.0.1:{port}"
    bot = Bot(bot_env(fake, database_url, port, home, lease_seconds=1))
    bot.start()
    sent = burst(pairs, REQUESTS)
    try:
        with ThreadPoolExecutor(4) as pool:
            for start, stop, then in (
                (0, REQUESTS // 3, lambda: kill(bot.children()[0])),
                (REQUESTS // 3, 2 * REQUESTS // 3, lambda: bot.kill(with_children=True)),
                (2 * REQUESTS // 3, REQUESTS, None),
            ):
                chunk = sent[start:stop]
                requests = [request(one, fake) for one in chunk]
                results = pool.map(lambda r: send(url, *r), requests)
                if then is not None:
                    under_way(engine)
                    then()
                for one, acked in zip(chunk, results, strict=True):
                    one.acked = acked
                if bot.process is not None and bot.process.poll() is not None:
                    bot.start()
        for one in sent:  # Slack retries an event it got no ack for
            if one.kind == "dm" and not one.acked:
                one.acked = send(url, *request(one, fake), retry=1)
        drained(engine)
    finally:
        bot.stop()
    found = audit(engine, fake, sent)
    assert found.failed == []
    assert found.lost == [], [str(problem) for problem in found.lost]
    assert found.duplicated == [], [str(problem) for problem in found.duplicated]
    assert found.unrecorded == [], [str(problem) for problem in found.unrecorded]
    assert sum(one.acked for one in sent) >= REQUESTS // 2  # the test did test something
    assert found.retaken, "no kill landed in work under way"

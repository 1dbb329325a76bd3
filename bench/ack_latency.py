"""Ack latency of /win under concurrent load: Mentorbot against a bare Bolt app that only acks.

    python -m bench.ack_latency [--requests 500] [--concurrency 32] [--rounds 12]

Both apps run as their own processes, served the same way, against a fake Slack Web API on
loopback (bench.fake_slack_server, in a process of its own, standing in for Slack's servers)
that answers like Slack after --slack-latency seconds. Each round sends the same
signed /win commands to the bare app, then to Mentorbot (whose /win really logs the win,
posts it to the pair's channel and confirms to the mentee, all after the ack). Latency is
measured from sending the request to reading the ack. The figure that matters is the p99 ratio:
Mentorbot's ack should cost little more than an ack that does nothing (target <= 1.5 at 32).

Many short rounds, not a few long ones: the machine's own stalls (a shared host's) land in
whichever app's round is running, and the p99 of a few thousand requests is the worst few
dozen; spread over twelve rounds a stall weighs on both apps alike. Each client's first request
of a round is sent but not counted: it waits for its TCP handshake and for the server to accept
32 new connections at once (25-32 ms at the median, up to 270 ms, for either app), which is not
what an ack costs. Counted, those 32 a round were 1.6 % of the requests at the old size of
three rounds of 2,000, enough to make the p99 theirs.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench import figures
from bench.fake_slack_server import SlackProcess
from fakeslack.payloads import SIGNING_SECRET, slack_signature_headers, slash_command
from mentoring import pairs
from mentoring.model import Actor
from storage.db import init_db, make_engine

REPO = Path(__file__).resolve().parent.parent
MENTOR, MENTEE, CHANNEL = "UBENCHMENTOR", "UBENCHMENTEE", "CBENCHPAIR"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


@contextmanager
def serve(module: list[str], env: dict[str, str], cwd: str) -> Iterator[subprocess.Popen[str]]:
    """Start a server process (in `cwd`, away from any developer's .env) and wait until it says
    it is listening."""
    process = subprocess.Popen(
        [sys.executable, "-m", *module], env=env, cwd=cwd, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    for line in process.stderr:
        if "starting" in line:
            break
    else:
        raise RuntimeError(f"{module} exited before listening")
    drain = threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True)  # type: ignore[union-attr]
    drain.start()
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def pair_slack(latency: float) -> SlackProcess:
    """The fake Slack, knowing one mentor, one mentee and their channel."""
    return SlackProcess(
        f"--latency={latency}",
        f"--user={MENTOR}:mentor",
        f"--user={MENTEE}:mentee",
        f"--channel={CHANNEL}:{MENTOR},{MENTEE}",
    )


def paired_database(tmp: str, slack: SlackProcess) -> dict[str, str]:
    """A database in `tmp` holding the pair; the environment that runs a bot against it."""
    database = f"sqlite:///{tmp}/bench.db"
    engine = make_engine(database)
    init_db(engine)
    pairs.create_pair(
        engine,
        Actor(MENTEE),
        team_id="T0001",
        mentor_id=MENTOR,
        mentee_id=MENTEE,
        channel_id=CHANNEL,
        now=datetime.now(UTC),
    )
    engine.dispose()
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE"))},
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": database,
        "PYTHONPATH": str(REPO),
    }


def win_commands(slack: SlackProcess, tag: str, count: int) -> list[bytes]:
    """`count` signed /win commands from the mentee, each with its own response_url."""
    return [
        slash_command(
            "/win",
            f"Bench win {tag}-{n}: ran the retro and it went well",
            user=MENTEE,
            channel=CHANNEL,
            response_url=slack.response_url(f"{tag}-{n}"),
        )
        for n in range(count)
    ]


def fire(port: int, bodies: list[bytes], concurrency: int) -> list[float]:
    """Send every body with `concurrency` keep-alive connections; return ack latencies (ms),
    each connection's first left out (see the module's docstring)."""
    chunks = [bodies[i::concurrency] for i in range(concurrency)]
    start = threading.Barrier(concurrency)

    def worker(chunk: list[bytes]) -> list[float]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        timings = []
        start.wait()
        for body in chunk:
            headers = {
                **slack_signature_headers(body),
                "Content-Type": "application/x-www-form-urlencoded",
            }
            began = time.perf_counter()
            connection.request("POST", "/slack/events", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            timings.append((time.perf_counter() - began) * 1000)
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}")
        connection.close()
        return timings[1:]

    with ThreadPoolExecutor(concurrency) as pool:
        return [t for timings in pool.map(worker, chunks) for t in timings]


def summary(latencies: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="per app per round")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--slack-latency", type=float, default=0.05, help="seconds per Slack call")
    parser.add_argument("--save", action="store_true", help="write bench/results/ack_latency.json")
    parser.add_argument(
        "--discard-work",
        action="store_true",
        help="serve Mentorbot with its work after the ack thrown away (the ack path alone)",
    )
    args = parser.parse_args()
    if args.save and args.discard_work:
        parser.error("--discard-work is a diagnosis, not the figure to save")

    slack = pair_slack(args.slack_latency)
    with tempfile.TemporaryDirectory() as tmp:
        base_env = paired_database(tmp, slack)
        bare_env, bot_env = {**base_env, "PORT": "38571"}, {**base_env, "PORT": "38572"}

        def bodies(tag: str, count: int) -> list[bytes]:
            return win_commands(slack, tag, count)

        measured: dict[str, list[float]] = {"bare": [], "mentorbot": []}
        sent = 0
        with (
            serve(["bench.bare_app"], bare_env, tmp),
            serve(
                ["bench.ack_only_bot"] if args.discard_work else ["bot", "run", "--mode", "http"],
                bot_env,
                tmp,
            ) as bot,
        ):

            def send(name: str, port: int, batch: list[bytes]) -> list[float]:
                """Fire a batch; after Mentorbot's, wait until its work after the ack is done,
                so that no round is measured while the previous one is still draining."""
                nonlocal sent
                latencies = fire(port, batch, args.concurrency)
                if name == "mentorbot" and not args.discard_work:
                    sent += len(batch)
                    slack.ask(f"wait {sent}")
                return latencies

            for name, port in (("bare", 38571), ("mentorbot", 38572)):
                send(name, port, bodies(f"warm-{name}", 200))
            for round_number in range(args.rounds):
                order = [("bare", 38571), ("mentorbot", 38572)]
                for name, port in order if round_number % 2 == 0 else order[::-1]:
                    measured[name] += send(
                        name, port, bodies(f"{name}-{round_number}", args.requests)
                    )
            posted = int(slack.ask("posts"))
            assert bot.poll() is None, "the bot died during the run"
    slack.close()

    bare, ours = summary(measured["bare"]), summary(measured["mentorbot"])
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "requests_per_app": args.requests * args.rounds,
        "timed_per_app": len(measured["mentorbot"]),
        "concurrency": args.concurrency,
        "slack_latency_s": args.slack_latency,
        "bare": bare,
        "mentorbot": ours,
        "ratio": {key: round(ours[key] / bare[key], 2) for key in ("p50_ms", "p95_ms", "p99_ms")},
        "wins_posted": posted,
        "wins_expected": sent,
    }
    print(
        f"{'':12}{'p50':>9}{'p95':>9}{'p99':>9}   (ms, {result['requests_per_app']} /win each, "
        f"concurrency {args.concurrency})"
    )
    for label, row in (("bare Bolt", bare), ("Mentorbot", ours)):
        print(f"{label:12}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['p99_ms']:>9}")
    ratio = result["ratio"]
    cells = "".join(f"{ratio[key]:>9}" for key in ("p50_ms", "p95_ms", "p99_ms"))
    print(f"{'ratio':12}{cells}   target p99 <= 1.5")
    print(f"wins posted in the pair's channel: {posted} of {sent}")
    if args.save:
        figures.save("ack_latency", result, readme_table(result))
    return 0


def readme_table(result: dict) -> str:
    """The README's figures, written from the saved result (so the two always agree)."""
    rows = [
        ("bare Bolt app (acks only)", result["bare"]),
        ("Mentorbot `/win`", result["mentorbot"]),
        ("ratio", result["ratio"]),
    ]
    timed = f", {result['timed_per_app']} of them timed" if "timed_per_app" in result else ""
    lines = [
        f"Latest run, {result['when'][:10]} ({result['machine']}; "
        f"{result['requests_per_app']} `/win` per app{timed}, {result['concurrency']} concurrent; "
        f"{result['wins_posted']} of {result['wins_expected']} wins posted):",
        "",
        "| ack latency, ms | p50 | p95 | p99 |",
        "| --- | --- | --- | --- |",
    ]
    for label, row in rows:
        lines.append(f"| {label} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

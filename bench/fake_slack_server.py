"""The fake Slack Web API in a process of its own, for benchmarks.

Slack's servers are not on the machine that runs the bot, so in a benchmark the fake must not
share an interpreter lock with the load generator, and it runs at a lower priority than the
processes being measured. It prints its token and base URL, then answers commands on stdin, one
per line, each with exactly one line on stdout:

    wait <n>    block until <n> chat.postMessage calls succeeded, then print the count
    posts       print the number of successful chat.postMessage calls
    stats       print one line of JSON: posts_ok, ratelimited_channel, ratelimited_workspace,
                duplicates (how many metadata `delivery` values were posted more than once),
                first_post_at and last_post_at (time.monotonic() seconds, or null)
    reset       forget calls, messages, counters and rate windows; print 0

`--pairs N` registers N mentors UMR000000.., N mentees UME000000.. and N private channels
CP000000.. holding mentor i, mentee i and the bot. `--channel-rate` (posts per second per
channel) and `--workspace-per-minute` turn on Slack's chat.postMessage rate limits (HTTP 429
with Retry-After); both are off by default.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fakeslack import FakeSlack

NICENESS = 19  # Slack is remote: its stand-in takes only what the measured processes leave
DELIVERY_KEY = "delivery"  # event_payload field that identifies one scheduled delivery


def pair_ids(i: int) -> tuple[str, str, str]:
    """Mentor, mentee and private channel ids of pair `i`."""
    return f"UMR{i:06d}", f"UME{i:06d}", f"CP{i:06d}"


def register(fake: FakeSlack, args: argparse.Namespace) -> None:
    """Register the users, channels and pairs given on the command line."""
    for spec in args.user:
        user_id, name = spec.split(":")
        fake.add_user(user_id, name)
    for spec in args.channel:
        channel_id, members = spec.split(":")
        fake.add_channel(
            channel_id, channel_id.lower(), members=members.split(","), is_private=True
        )
    for i in range(args.pairs):
        mentor, mentee, channel = pair_ids(i)
        fake.add_user(mentor, f"mentor{i}")
        fake.add_user(mentee, f"mentee{i}")
        fake.add_channel(channel, channel.lower(), members=[mentor, mentee], is_private=True)


def answer(fake: FakeSlack, line: str) -> str | None:
    """The one-line answer to a command line (None for a blank line)."""
    command, *rest = line.split() or [""]
    if command == "":
        return None
    if command == "wait":
        fake.wait_for("chat.postMessage", count=int(rest[0]), timeout=900, ok=True)
        return str(fake.call_count("chat.postMessage", ok=True))
    if command == "posts":
        return str(fake.call_count("chat.postMessage", ok=True))
    if command == "stats":
        stats: dict[str, Any] = fake.stats()
        stats["duplicates"] = len(fake.duplicate_metadata(DELIVERY_KEY))
        return json.dumps(stats)
    if command == "reset":
        fake.reset()
        return "0"
    return json.dumps({"error": f"unknown command {command!r}"})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--user", action="append", default=[], help="USER_ID:name")
    parser.add_argument("--channel", action="append", default=[], help="CHANNEL_ID:member,member")
    parser.add_argument("--pairs", type=int, default=0, help="register N mentor/mentee pairs")
    parser.add_argument(
        "--channel-rate", type=float, default=None, help="posts per second per channel"
    )
    parser.add_argument(
        "--workspace-per-minute", type=int, default=None, help="posts per minute, workspace-wide"
    )
    args = parser.parse_args()
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    fake = FakeSlack(
        latency=args.latency,
        channel_rate=args.channel_rate,
        workspace_per_minute=args.workspace_per_minute,
    )
    register(fake, args)
    with fake:
        print(f"{fake.token} {fake.base_url}", flush=True)
        for line in sys.stdin:
            reply = answer(fake, line)
            if reply is not None:
                print(reply, flush=True)
    return 0


class SlackProcess:
    """This server started in a process of its own, driven over its stdin/stdout."""

    def __init__(self, *options: str) -> None:
        repo = Path(__file__).resolve().parent.parent
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.fake_slack_server", *options],
            cwd=repo,
            env={**os.environ, "PYTHONPATH": str(repo)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.token, self.base_url = self.process.stdout.readline().split()

    def response_url(self, name: str) -> str:
        return self.base_url.replace("/api/", f"/respond/{name}")

    def ask(self, command: str) -> str:
        """Send one command; its one-line answer."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())

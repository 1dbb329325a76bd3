"""The fake Slack Web API in a process of its own, for benchmarks.

Slack's servers are not on the machine that runs the bot, so in a benchmark the fake must not
share an interpreter lock with the load generator, and it runs at a lower priority than the
processes being measured. It prints its base URL, then answers commands on stdin, one per line:

    wait <n>    block until <n> chat.postMessage calls succeeded, then print the count
    posts       print the number of successful chat.postMessage calls
"""

from __future__ import annotations

import argparse
import os
import sys

from tests.fakes.slack_api import FakeSlack

NICENESS = 19  # Slack is remote: its stand-in takes only what the measured processes leave


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--user", action="append", default=[], help="USER_ID:name")
    parser.add_argument("--channel", action="append", default=[], help="CHANNEL_ID:member,member")
    args = parser.parse_args()
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    with FakeSlack(latency=args.latency) as fake:
        for spec in args.user:
            user_id, name = spec.split(":")
            fake.add_user(user_id, name)
        for spec in args.channel:
            channel_id, members = spec.split(":")
            fake.add_channel(
                channel_id, channel_id.lower(), members=members.split(","), is_private=True
            )
        print(f"{fake.token} {fake.base_url}", flush=True)
        for line in sys.stdin:
            command, *rest = line.split()
            if command == "wait":
                fake.wait_for("chat.postMessage", count=int(rest[0]), timeout=900)
            posts = [call for call in fake.calls_to("chat.postMessage") if call.ok]
            print(len(posts), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

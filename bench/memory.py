"""Resident memory of the whole `run` process tree: idle, and after a burst of work.

    python -m bench.memory [--wins 2000] [--concurrency 32] [--save]

Starts `python -m bot run --mode http` (the front, one worker, the scheduler) against the fake
Slack Web API in a process of its own (bench.fake_slack_server) and a SQLite database holding
one pair. Idle: read after start-up settles. After the burst: --wins signed /win commands sent
--concurrency at a time, and every win posted (the worker has done all the work).

Each process's memory is read from /proc/<pid>/smaps_rollup (Linux): Rss, and Pss, which
divides each page shared by n processes by n. The children are forked from `run` and share
most of its pages, so the Rss of the processes summed counts those pages three times; the Pss
summed counts every page once — the tree's real footprint, and the figure the target
(at most 120 MB idle) is about. Both are reported.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import figures
from bench.ack_latency import fire, pair_slack, paired_database, serve, win_commands

PORT = 38574
SETTLE_SECONDS = 5
TARGET_IDLE_MB = 120


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except FileNotFoundError:  # the thread ended while we looked
            children = []
        for child in children:
            found += tree(int(child))
    return found


def role(pid: int) -> str:
    """What a process of the tree is, from its name (`run` names its children)."""
    name = Path(f"/proc/{pid}/comm").read_text().strip()
    return name if name.startswith(("worker", "scheduler")) else "front"


def memory_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if parts[0] in ("Rss:", "Pss:"):
            fields[parts[0].rstrip(":").lower()] = int(parts[1])
    return fields


def snapshot(root: int) -> dict[str, Any]:
    """Per process and in total, in MB."""
    processes = []
    for pid in tree(root):
        kib = memory_kib(pid)
        processes.append(
            {
                "role": role(pid),
                "rss_mb": round(kib["rss"] / 1024, 1),
                "pss_mb": round(kib["pss"] / 1024, 1),
            }
        )
    return {
        "processes": processes,
        "rss_sum_mb": round(sum(p["rss_mb"] for p in processes), 1),
        "pss_sum_mb": round(sum(p["pss_mb"] for p in processes), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wins", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--save", action="store_true", help="write bench/results/memory.json")
    args = parser.parse_args()
    if not Path("/proc/self/smaps_rollup").exists():
        parser.error("reads /proc/<pid>/smaps_rollup: Linux 4.14 or newer")

    slack = pair_slack(0.05)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**paired_database(tmp, slack), "PORT": str(PORT)}
        with serve(["bot", "run", "--mode", "http"], env, tmp) as bot:
            time.sleep(SETTLE_SECONDS)
            idle = snapshot(bot.pid)
            fire(PORT, win_commands(slack, "memory", args.wins), args.concurrency)
            posted = int(slack.ask(f"wait {args.wins}"))
            time.sleep(SETTLE_SECONDS)
            after = snapshot(bot.pid)
    slack.close()

    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "wins": args.wins,
        "wins_posted": posted,
        "idle": idle,
        "after_burst": after,
    }
    print(f"{'':24}{'Rss MB':>10}{'Pss MB':>10}   idle, then after {args.wins} /win")
    for label, shot in (("idle", idle), ("after burst", after)):
        for process in shot["processes"]:
            print(
                f"  {label:12}{process['role']:>10}{process['rss_mb']:>10}{process['pss_mb']:>10}"
            )
        print(f"  {label:12}{'total':>10}{shot['rss_sum_mb']:>10}{shot['pss_sum_mb']:>10}")
    print(f"target: the tree's Pss at most {TARGET_IDLE_MB} MB idle; wins posted {posted}")
    if args.save:
        figures.save("memory", result, readme_table(result))
    return 0


def readme_table(result: dict[str, Any]) -> str:
    """The README's figures, written from the saved result."""
    lines = [
        f"Latest run, {result['when'][:10]} ({result['machine']}; `run --mode http` with one "
        f"worker and the scheduler, SQLite; after the burst: {result['wins']} `/win`, "
        f"{result['wins_posted']} posted):",
        "",
        "| resident memory of the `run` tree, MB | Pss (each page once) | Rss summed |",
        "| --- | --- | --- |",
    ]
    for label, key in (("idle", "idle"), ("after the burst", "after_burst")):
        shot = result[key]
        lines.append(f"| {label} | {shot['pss_sum_mb']} | {shot['rss_sum_mb']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

"""Which Socket Mode client acknowledges the first envelope after Slack refreshes a connection
in time: each client slack_sdk ships, through its Bolt adapter, against the fake Socket Mode
server (fakeslack.socketmode).

    python -m bench.socket_refresh [--refreshes 20] [--save]

For every client whose library is installed, a Bolt app whose /win only acks connects; then,
`--refreshes` times, the server sends `disconnect` (reason `refresh_requested`), waits for the
client's new connection, and delivers a /win envelope on it. The figure is the time from the
server sending that envelope to reading its ack: Slack gives up on an envelope after 3 seconds.
The envelope is queued as soon as `disconnect` is sent and waits for the new connection, as
Slack holds deliveries while an app reconnects, so the time from `disconnect` to the ack is
reported too, with the time `close()` takes; every envelope must be acknowledged exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bench import figures
from fakeslack import FakeSlack
from fakeslack.payloads import slash_command
from fakeslack.socketmode import from_http

SLACK_LIMIT_S = 3.0
TARGET_S = 1.0
# (name, Bolt adapter module, the library it needs, whether the adapter is asyncio-based)
CLIENTS = (
    ("builtin", "slack_bolt.adapter.socket_mode.builtin", None, False),
    ("websocket_client", "slack_bolt.adapter.socket_mode.websocket_client", "websocket", False),
    ("aiohttp", "slack_bolt.adapter.socket_mode.aiohttp", "aiohttp", True),
    ("websockets", "slack_bolt.adapter.socket_mode.websockets", "websockets", True),
    # What `run` uses: the aiohttp client, each envelope dispatched on a thread pool.
    ("mentorbot", "bot.socket_mode", "aiohttp", False),
)
PIP_NAMES = {"websocket": "websocket-client", "aiohttp": "aiohttp", "websockets": "websockets"}


class Running:
    """A Bolt Socket Mode handler, connected; `close()` ends it. Async adapters run their own
    event loop on a thread, as a sync app would host them."""

    def __init__(self, module: str, is_async: bool, app: App, fake: FakeSlack) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        if module == "bot.socket_mode":
            from bot.socket_mode import SocketMode

            socket = SocketMode(app, fake.app_token, fake.base_url)
            socket.connect(timeout=10)
            self.close = socket.stop  # type: ignore[method-assign]
            return
        handler_class = importlib.import_module(module).SocketModeHandler
        if not is_async:
            self._handler = handler_class(app, fake.app_token)
            self._handler.connect()
            return
        from slack_sdk.web.async_client import AsyncWebClient

        ready = threading.Event()

        async def start() -> None:  # the adapters make their aiohttp sessions in a loop
            client = AsyncWebClient(base_url=fake.base_url)
            self._handler = handler_class(app, fake.app_token, web_client=client)
            await self._handler.connect_async()

        def serve() -> None:
            loop = self._loop = asyncio.new_event_loop()
            loop.run_until_complete(start())
            ready.set()
            loop.run_forever()

        threading.Thread(target=serve, name="async-socket-mode", daemon=True).start()
        if not ready.wait(10):
            raise RuntimeError(f"{module} did not connect")

    def close(self) -> None:
        if self._loop is None:
            self._handler.close()
            return
        asyncio.run_coroutine_threadsafe(self._handler.close_async(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)


def measure(module: str, is_async: bool, refreshes: int) -> dict[str, Any]:
    """Connect, then refresh the connection `refreshes` times, acking one /win after each."""
    with FakeSlack() as fake:
        app = App(
            client=WebClient(token=fake.token, base_url=fake.base_url),
            process_before_response=True,
        )
        app.command("/win")(lambda ack: ack())
        server = fake.socket_mode
        running = Running(module, is_async, app, fake)
        server.wait_opened(1)
        win = from_http(slash_command("/win", "x", user="U1", channel="C1", response_url="-"))
        server.wait_ack(server.send(*win))  # warm-up: the first connection works
        first_acks, since_refresh, sent = [], [], []
        for _ in range(refreshes):
            started = time.monotonic()
            server.disconnect("refresh_requested")
            envelope = server.send(*win, timeout=15)  # held until the new connection's hello
            sent.append(envelope)
            first_acks.append(server.wait_ack(envelope, timeout=15).seconds)
            since_refresh.append(time.monotonic() - started)
        closing = time.monotonic()
        running.close()
        close_s = time.monotonic() - closing
        acked = [a.envelope_id for a in server.acks]
    return {
        "refreshes": refreshes,
        "first_ack_ms": summary(first_acks),
        "refresh_to_ack_ms": summary(since_refresh),
        "within_target": sum(1 for s in first_acks if s <= TARGET_S),
        "past_slack_limit": sum(1 for s in first_acks if s > SLACK_LIMIT_S),
        "acked_once": all(acked.count(e) == 1 for e in sent),
        "close_s": round(close_s, 2),
    }


def summary(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50": round(statistics.median(ordered) * 1000, 1),
        "p95": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000, 1),
        "max": round(ordered[-1] * 1000, 1),
    }


def installed(library: str | None) -> bool:
    if library is None:
        return True
    try:
        importlib.import_module(library)
    except ImportError:
        return False
    return True


def readme_table(result: dict[str, Any]) -> str:
    """The README's figures, written from the saved result (so the two always agree)."""
    lines = [
        f"Latest run, {result['when'][:10]} ({result['machine']}; "
        f"{result['refreshes']} refreshes per client):",
        "",
        "| client | first ack on the new connection, ms p50 / p95 / max | within 1 s "
        "| from `disconnect` to that ack, ms p50 / max | acked once | close(), s |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, row in result["clients"].items():
        if row is None:
            lines.append(f"| `{name}` | not installed | | | | |")
            continue
        ack, whole = row["first_ack_ms"], row["refresh_to_ack_ms"]
        lines.append(
            f"| `{name}` | {ack['p50']} / {ack['p95']} / {ack['max']} "
            f"| {row['within_target']} of {row['refreshes']} | {whole['p50']} / {whole['max']} "
            f"| {'yes' if row['acked_once'] else 'NO'} | {row['close_s']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refreshes", type=int, default=20, help="refreshes per client")
    parser.add_argument("--only", help="comma-separated client names (default: all installed)")
    parser.add_argument(
        "--save", action="store_true", help="write bench/results/socket_refresh.json"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)  # the clients log every reconnection
    chosen = set(args.only.split(",")) if args.only else None
    clients: dict[str, Any] = {}
    for name, module, library, is_async in CLIENTS:
        if chosen is not None and name not in chosen:
            continue
        if not installed(library):
            out(f"{name}: not installed (pip install {PIP_NAMES[library or '']})")
            clients[name] = None
            continue
        row = clients[name] = measure(module, is_async, args.refreshes)
        ack = row["first_ack_ms"]
        out(
            f"{name}: first ack after a refresh p50 {ack['p50']} ms, p95 {ack['p95']} ms, "
            f"max {ack['max']} ms ({ack['max'] / (TARGET_S * 1000):.2f}x the 1 s target, "
            f"{ack['max'] / (SLACK_LIMIT_S * 1000):.2f}x Slack's 3 s); "
            f"{row['within_target']}/{row['refreshes']} within 1 s; "
            f"from disconnect to ack p50 {row['refresh_to_ack_ms']['p50']} ms, "
            f"max {row['refresh_to_ack_ms']['max']} ms; "
            f"acked once: {row['acked_once']}; close() {row['close_s']} s"
        )
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "refreshes": args.refreshes,
        "target_s": TARGET_S,
        "clients": clients,
    }
    if args.save:
        table = readme_table(result) if figures.has_section("socket_refresh") else None
        out(f"wrote {figures.save('socket_refresh', result, table)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

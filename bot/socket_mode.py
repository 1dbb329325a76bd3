"""Socket Mode: Slack's envelopes over a WebSocket, through slack_sdk's aiohttp client.

Why that client: after Slack asks for a refresh (`disconnect`, `refresh_requested`), the
built-in client opens the new connection at once but reads it only when its 3-second read of
the old one times out, so the first envelope on it is acknowledged after Slack's 3-second limit;
the websocket-client one can stall up to 10 s when its two reconnection paths race. The
aiohttp client reads the new connection at once (bench/socket_refresh.py has the figures).

It runs on an asyncio loop of its own, on a thread. Bolt's app is synchronous, so each
envelope is dispatched on a thread pool and only its ack goes back through the loop: a listener
that waits (a DM is stored before its ack) never holds up reading, pings or other acks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode.aiohttp import SocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

logger = logging.getLogger("mentorbot.socket")

DISPATCH_THREADS = 16
STOP_TIMEOUT = 10  # seconds for envelopes already read to be acknowledged when stopping


class _Handler(SocketModeHandler):
    """Bolt's aiohttp handler, with each envelope dispatched off the event loop; counts the
    envelopes in hand so that a stop can let them finish."""

    def __init__(self, app: App, app_token: str, client: AsyncWebClient) -> None:
        super().__init__(app, app_token, web_client=client)
        self.pool = ThreadPoolExecutor(DISPATCH_THREADS, thread_name_prefix="socket-dispatch")
        self.in_hand = 0

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        self.in_hand += 1
        try:
            start = time.time()
            loop = asyncio.get_running_loop()
            response = await loop.run_in_executor(self.pool, run_bolt_app, self.app, req)
            await send_async_response(client, req, response, start)
        finally:
            self.in_hand -= 1


class SocketMode:
    """One Socket Mode connection (renewed whenever Slack asks), served from its own thread."""

    def __init__(self, app: App, app_token: str, api_url: str) -> None:
        self._app = app
        self._app_token = app_token
        self._api_url = api_url
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="socket-mode", daemon=True
        )
        self._handler: _Handler | None = None

    def connect(self, timeout: float) -> bool:
        """Open the connection; False if it is not open within `timeout` seconds (the client
        goes on trying until `stop`)."""
        self._thread.start()
        opening = asyncio.run_coroutine_threadsafe(self._connect(), self._loop)
        try:
            opening.result(timeout)
        except TimeoutError:
            return False
        return True

    async def _connect(self) -> None:
        # The client makes its aiohttp session at construction: it must be on the loop.
        client = AsyncWebClient(base_url=self._api_url)
        self._handler = _Handler(self._app, self._app_token, client)
        await self._handler.connect_async()

    def is_connected(self) -> bool:
        """Whether the connection is open and answering pings (for /healthz)."""
        handler = self._handler
        if handler is None or not self._loop.is_running():
            return False
        checking = asyncio.run_coroutine_threadsafe(handler.client.is_connected(), self._loop)
        try:
            return bool(checking.result(2))
        except Exception:  # a check that cannot run says "not connected"
            return False

    def stop(self) -> None:
        """Stop reading envelopes, let those already read be acknowledged, close the connection,
        and wait until no listener runs any more (so nothing is handed on after this)."""
        if not self._thread.is_alive():
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(STOP_TIMEOUT + 5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        if self._handler is not None:
            self._handler.pool.shutdown(wait=True)
        logger.info("socket mode closed")

    async def _close(self) -> None:
        handler = self._handler
        if handler is None:
            return
        client: Any = handler.client
        client.auto_reconnect_enabled = False
        for task in (client.message_receiver, client.current_session_monitor):
            if task is not None:
                task.cancel()
        ends = time.monotonic() + STOP_TIMEOUT
        while (handler.in_hand or not client.message_queue.empty()) and time.monotonic() < ends:
            await asyncio.sleep(0.01)
        await handler.close_async()

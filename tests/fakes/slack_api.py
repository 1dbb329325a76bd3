"""A fake Slack Web API and response_url server on loopback, for tests and benchmarks.

The app under test talks to it over real HTTP through ``WebClient(base_url=fake.base_url)``
and ``fake.response_url(name)``; tests then assert on exactly what Slack received via
``calls``, ``messages_in`` and ``responses``. Faults (``fail_next``) and slow answers
(``hold``, ``latency``, ``slow_next``) let tests exercise retries and prove the app acks before
slow work; ``fail_next(..., applied=True)`` and ``slow_next`` store the message yet leave the
client without a success ("it went through but we never heard"). Optional rate limits
(``channel_rate``, ``workspace_per_minute``) answer chat.postMessage with HTTP 429 the way
Slack does, counted in ``stats()``. File uploads take Slack's three steps, as
``WebClient.files_upload_v2`` makes them: files.getUploadURLExternal, a POST of the bytes to
the upload URL it returns (served here too, recorded as method "upload"), then
files.completeUploadExternal; ``uploads`` has what was shared. Standard library only:
``ThreadingHTTPServer`` serving from a daemon thread.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import json
import math
import re
import socket
import sys
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.fakes.blockkit import validate_message, validate_view

_JSON_ARGS = ("blocks", "view", "attachments")
_CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")
_FIRST_TS = 1_700_000_000
_SHUTDOWN_POLL = 0.02  # seconds serve_forever waits between checks for stop()
_HISTORY_LIMIT = (100, 999)  # conversations.history: default and maximum `limit`
_REPLIES_LIMIT = (1000, 1000)  # conversations.replies: default and maximum `limit`
_WORKSPACE_WINDOW = 60.0  # seconds: chat.postMessage's workspace-wide window
_CURSOR_PREFIX = "next_ts:"  # Slack's history cursors are base64("next_ts:<ts digits>")
_UPLOAD_PATH = "/upload/v1/"  # where files.getUploadURLExternal's upload_url points


@dataclass(frozen=True)
class Call:
    """One request the fake received: an API method name or "respond:<name>".

    ``applied`` is True when the request's effects took place: every successful call, and a
    call answered with a fault from ``fail_next(..., applied=True)`` whose handling succeeded
    (then ``ok`` is False although, say, the message was stored).
    """

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    ok: bool
    error: str | None
    applied: bool = False


@dataclass
class _User:
    id: str
    name: str
    real_name: str
    tz: str
    tz_offset: int
    is_bot: bool
    deleted: bool


@dataclass
class _Channel:
    id: str
    name: str
    is_private: bool
    is_archived: bool
    members: list[str]
    creator: str | None = None


@dataclass(frozen=True)
class Upload:
    """A file shared by files.completeUploadExternal: its bytes, and where it was shared
    (``channels`` is empty for a file completed without a channel, which stays private)."""

    file_id: str
    filename: str
    title: str
    data: bytes
    channels: tuple[str, ...]
    initial_comment: str | None
    alt_txt: str | None


@dataclass
class _File:
    """A file between files.getUploadURLExternal and files.completeUploadExternal."""

    id: str
    filename: str
    length: int
    alt_txt: str | None
    data: bytes | None = None
    completed: bool = False


@dataclass
class _Fault:
    """A planned answer: `error` None means "the normal answer" (``slow_next``)."""

    error: str | None
    status: int | None
    retry_after: int
    remaining: int
    applied: bool = False
    delay: float = 0.0


@dataclass(frozen=True)
class _Reply:
    """An HTTP answer plus what to record about it (error is None on success)."""

    status: int
    body: bytes
    content_type: str
    error: str | None
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, status: int, payload: dict[str, Any], **headers: str) -> _Reply:
        """A JSON reply whose recorded error is the payload's ``error``."""
        return cls(
            status,
            json.dumps(payload).encode(),
            "application/json; charset=utf-8",
            None if payload["ok"] else payload["error"],
            tuple(headers.items()),
        )

    @classmethod
    def text(cls, status: int, body: str, **headers: str) -> _Reply:
        """A plain-text reply (response_url style); a non-200 status records `body` as error."""
        return cls(
            status,
            body.encode(),
            "text/plain; charset=utf-8",
            None if status == 200 else body,
            tuple(headers.items()),
        )


class _ApiError(Exception):
    """Raised by method handlers to answer ``{"ok": false, "error": ..., **extra}``."""

    status = 200
    headers: dict[str, str] = {}

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.payload = {"ok": False, "error": error, **extra}


class _RateLimited(_ApiError):
    """HTTP 429 ``{"ok": false, "error": "ratelimited"}`` with ``Retry-After`` seconds."""

    status = 429

    def __init__(self, retry_after: float) -> None:
        super().__init__("ratelimited")
        self.headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}


@dataclass
class _Stats:
    """chat.postMessage counters behind ``FakeSlack.stats()``."""

    posts_ok: int = 0
    ratelimited_channel: int = 0
    ratelimited_workspace: int = 0
    first_post_at: float | None = None
    last_post_at: float | None = None


class _Server(ThreadingHTTPServer):
    """Threaded HTTP server that can cut its open keep-alive connections on stop."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Track the connection, then serve it on its own thread."""
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection once its thread is done with it."""
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut down every open connection so idle keep-alive threads exit."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that went away; report anything else as usual."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Hands every GET/POST to the owning FakeSlack and writes its reply."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle on, a keep-alive client's delayed
    # ACK would hold every answer back ~40 ms.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        """Serve a GET (slack_sdk uses query parameters for some read methods)."""
        self._serve()

    def do_POST(self) -> None:
        """Serve a POST with a JSON, form-encoded or empty body."""
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet: no per-request log lines."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.server.fake._serve(self.path, dict(self.headers.items()), body)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)


class FakeSlack:
    """In-process fake of Slack's Web API and response URLs, served over loopback HTTP.

    All state (users, channels, messages, views, recorded calls, faults, holds, rate windows)
    sits behind one lock; waiters block on a Condition built on that lock.

    Rate limits are off unless `channel_rate` (successful posts per second per channel) or
    `workspace_per_minute` (successful posts per sliding 60 s, workspace-wide) is given, here
    or later through ``limit_rate``. `clock` (default ``time.monotonic``) times those windows
    and ``stats()``; tests may pass a fake clock to move time without sleeping.
    """

    def __init__(
        self,
        *,
        token: str = "xoxb-test-token",
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        latency: float = 0.0,
        channel_rate: float | None = None,
        workspace_per_minute: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.latency = latency
        self._clock = clock
        self._channel_rate: float | None = None
        self._workspace_per_minute: int | None = None
        self._last_post: dict[str, float] = {}
        self._workspace_posts: deque[float] = deque()
        self._stats = _Stats()
        self._counts: Counter[tuple[str, bool]] = Counter()
        self._cond = threading.Condition(threading.Lock())
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[Call] = []
        self._users: dict[str, _User] = {}
        self._channels: dict[str, _Channel] = {}
        self._messages: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        self._views: dict[str, dict[str, Any]] = {}
        self._files: dict[str, _File] = {}
        self._uploads: list[Upload] = []
        self._faults: dict[str, _Fault] = {}
        self._holds: dict[str, threading.Event] = {}
        self._parked: defaultdict[str, int] = defaultdict(int)
        self._ts = 0
        self._ids = 0
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.create": self._conversations_create,
            "conversations.invite": self._conversations_invite,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.push": self._views_open,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }
        self.add_user(bot_user_id, "mentorbot", is_bot=True, real_name="Mentorbot")
        self.limit_rate(channel_rate, workspace_per_minute)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind 127.0.0.1 on a free port and serve from a daemon thread; returns self."""
        if self._server is not None:
            raise RuntimeError("FakeSlack is already running")
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _SHUTDOWN_POLL},
            name="fake-slack",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release held and delayed requests, stop serving and close all connections."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        with self._cond:
            for gate in self._holds.values():
                gate.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Web API base URL with a trailing slash, for ``WebClient(base_url=...)``."""
        return f"{self._origin()}/api/"

    def response_url(self, name: str) -> str:
        """A fake response_url; posts to it are recorded as method "respond:<name>"."""
        return f"{self._origin()}/respond/{name}"

    def _origin(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not running; call start() first")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- registry --------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        tz: str = "Europe/London",
        tz_offset: int = 0,
        is_bot: bool = False,
        deleted: bool = False,
        real_name: str | None = None,
    ) -> None:
        """Register (or replace) a workspace user."""
        user = _User(user_id, name, real_name or name, tz, tz_offset, is_bot, deleted)
        with self._cond:
            self._users[user_id] = user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        members: Iterable[str] = (),
        is_private: bool = False,
        is_archived: bool = False,
        bot_is_member: bool = True,
    ) -> None:
        """Register (or replace) a channel; the bot is added to members if bot_is_member."""
        member_list = [m for m in members if m != self.bot_user_id]
        if bot_is_member:
            member_list.append(self.bot_user_id)
        with self._cond:
            self._channels[channel_id] = _Channel(
                channel_id, name, is_private, is_archived, member_list
            )

    def archive(self, channel_id: str) -> None:
        """Mark a registered channel archived (KeyError if unknown)."""
        with self._cond:
            self._channels[channel_id].is_archived = True

    def remove_bot(self, channel_id: str) -> None:
        """Take the bot out of a registered channel (KeyError if unknown)."""
        with self._cond:
            members = self._channels[channel_id].members
            if self.bot_user_id in members:
                members.remove(self.bot_user_id)

    # -- faults and holds ------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error: str = "ratelimited",
        *,
        status: int | None = None,
        retry_after: int | None = None,
        times: int = 1,
        applied: bool = False,
        delay: float = 0.0,
    ) -> None:
        """Make the next `times` calls to `method` fail (by default without side effects).

        429 (explicit, or ``error="ratelimited"`` with no status) answers HTTP 429 with
        ``Retry-After: <retry_after or 1>`` and error "ratelimited". Any other explicit
        status is used as is; for 5xx with the default error the body error becomes
        "service_unavailable" (503) or "internal_error". Without a status, Web API calls
        answer HTTP 200 ``{"ok": false, "error": error}``. For "respond:<name>" methods
        the body is the error as plain text and the default status is 400.

        With ``applied=True`` the call is handled first, so its side effects happen (the
        message is stored, counted and rate-limited as usual), and only the answer is the
        fault: "it went through but we never heard". `delay` seconds pass between handling
        (and recording) the call and answering it, so a client whose timeout is shorter sees
        a timeout instead of the fault. Replaces any pending fault or ``slow_next`` for
        `method`.
        """
        if status is None and error == "ratelimited":
            status = 429
        if status == 429:
            error = "ratelimited"
        elif status is not None and status >= 500 and error == "ratelimited":
            error = "service_unavailable" if status == 503 else "internal_error"
        after = 1 if retry_after is None else retry_after
        with self._cond:
            self._faults[method] = _Fault(error, status, after, times, applied, delay)

    def slow_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Handle the next `times` calls to `method` normally but answer `seconds` late.

        The side effects (a stored message) and the recorded call happen at once; only the
        HTTP answer waits, so a client with a shorter timeout gives up on a call that
        succeeded. ``stop()`` cuts the wait short. Replaces any pending ``fail_next``.
        """
        with self._cond:
            self._faults[method] = _Fault(None, None, 0, times, applied=True, delay=seconds)

    def limit_rate(
        self,
        per_channel_per_second: float | None = 1.0,
        workspace_per_minute: int | None = None,
    ) -> None:
        """Turn chat.postMessage rate limits on (None turns a limit off).

        A post to a channel that had a successful post less than ``1 / per_channel_per_second``
        seconds ago, or one that would make more than `workspace_per_minute` successful posts
        in the last 60 seconds, answers HTTP 429 ``{"ok": false, "error": "ratelimited"}``
        with ``Retry-After`` (whole seconds, at least 1) and stores nothing. Only posts that
        would otherwise succeed are limited; only stored posts fill the windows, including
        posts stored before the limits were turned on.
        """
        if per_channel_per_second is not None and per_channel_per_second <= 0:
            raise ValueError("per_channel_per_second must be positive (or None)")
        if workspace_per_minute is not None and workspace_per_minute < 1:
            raise ValueError("workspace_per_minute must be at least 1 (or None)")
        with self._cond:
            self._channel_rate = per_channel_per_second
            self._workspace_per_minute = workspace_per_minute

    def hold(self, method: str) -> threading.Event:
        """Park calls to `method` (or a "respond:*" pattern) until the returned Event is set.

        Other methods are unaffected. Holding a method that is already held (Event not
        yet set) returns the same Event. ``stop()`` sets every hold's Event.
        """
        with self._cond:
            gate = self._holds.get(method)
            if gate is None or gate.is_set():
                gate = self._holds[method] = threading.Event()
            return gate

    def wait_held(self, method: str, count: int = 1, timeout: float = 5.0) -> None:
        """Block until at least `count` calls to `method` are parked by ``hold``."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._parked[method] >= count, timeout):
                raise AssertionError(
                    f"expected {count} held call(s) to {method!r} within {timeout}s, "
                    f"{self._parked[method]} held"
                )

    # -- recorded traffic ------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Snapshot of every request received so far, in the order they were answered."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls to `method` ("respond:*" matches every response URL)."""
        with self._cond:
            return self._matching(method)

    def responses(self, name: str | None = None) -> list[dict[str, Any]]:
        """Payloads accepted by response URLs (all names, or only `name`)."""
        pattern = "respond:*" if name is None else f"respond:{name}"
        with self._cond:
            return [copy.deepcopy(c.args) for c in self._matching(pattern) if c.ok]

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Messages currently in `channel` (after updates and deletes), oldest first.

        Each has ts, text, blocks, user (the bot), bot_id, team, type and thread_ts, plus
        ``metadata`` (event_type and event_payload) when it was posted with metadata.
        Thread replies are included (unlike conversations.history). A user id resolves to
        that user's DM channel, as chat.postMessage does.
        """
        with self._cond:
            return copy.deepcopy(self._messages.get(self._dm_for_user(channel), []))

    def uploads(self, channel: str | None = None) -> list[Upload]:
        """Files completed so far, oldest first (all, or those shared in `channel`)."""
        with self._cond:
            return [u for u in self._uploads if channel is None or channel in u.channels]

    def call_count(self, method: str, *, ok: bool | None = None) -> int:
        """How many calls to `method` ("respond:*" for all) were recorded, in O(1).

        `ok` True or False counts only successful or only failed calls.
        """
        with self._cond:
            return self._count(method, ok)

    def stats(self) -> dict[str, Any]:
        """chat.postMessage counters since start (or ``reset()``).

        posts_ok: messages stored by chat.postMessage (including those whose answer was an
        ``applied`` fault); ratelimited_channel / ratelimited_workspace: HTTP 429 answers
        given by the rate limits, per reason (``fail_next`` 429s are not counted);
        first_post_at / last_post_at: the clock (``time.monotonic`` unless injected) at the
        first and last stored post, or None.
        """
        with self._cond:
            s = self._stats
            return {
                "posts_ok": s.posts_ok,
                "ratelimited_channel": s.ratelimited_channel,
                "ratelimited_workspace": s.ratelimited_workspace,
                "first_post_at": s.first_post_at,
                "last_post_at": s.last_post_at,
            }

    def duplicate_metadata(self, key_field: str, event_type: str | None = None) -> dict[Any, int]:
        """``{value: n}`` for each ``event_payload[key_field]`` value found in n > 1 messages.

        Looks at every message currently stored in any conversation (thread replies too),
        optionally only those whose metadata ``event_type`` matches. Values that are not
        hashable (lists, objects) are keyed by their canonical JSON. Linear in the number
        of stored messages. An empty dict means every key was delivered at most once.
        """
        seen: Counter[Any] = Counter()
        with self._cond:
            for messages in self._messages.values():
                for message in messages:
                    metadata = message.get("metadata")
                    if metadata is None or (
                        event_type is not None and metadata["event_type"] != event_type
                    ):
                        continue
                    payload = metadata["event_payload"]
                    if key_field in payload:
                        seen[_hashable(payload[key_field])] += 1
        return {value: n for value, n in seen.items() if n > 1}

    def reset_calls(self) -> None:
        """Forget recorded calls (and therefore recorded response URL payloads)."""
        with self._cond:
            self._calls.clear()
            self._counts.clear()

    def reset(self) -> None:
        """Forget calls, messages, files, ``stats()`` counters and rate-limit windows.

        Users, channels, views, rate settings, pending faults and holds are kept.
        """
        with self._cond:
            self._calls.clear()
            self._counts.clear()
            self._messages.clear()
            self._files.clear()
            self._uploads.clear()
            self._stats = _Stats()
            self._last_post.clear()
            self._workspace_posts.clear()

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, *, ok: bool | None = None
    ) -> list[Call]:
        """Block until at least `count` calls to `method` are recorded; return them all.

        `method` may be "respond:<name>" or "respond:*". With `ok` True or False only
        successful or only failed calls count (and are returned). Raises AssertionError
        naming the methods seen so far on timeout.
        """
        with self._cond:
            if self._cond.wait_for(lambda: self._count(method, ok) >= count, timeout):
                return [c for c in self._matching(method) if ok is None or c.ok is ok]
            seen: dict[str, int] = {}
            for call in self._calls:
                seen[call.method] = seen.get(call.method, 0) + 1
            summary = ", ".join(f"{m} x{n}" for m, n in seen.items()) or "nothing"
            raise AssertionError(
                f"expected {count} call(s) to {method!r} within {timeout}s, "
                f"got {self._count(method, ok)}; seen so far: {summary}"
            )

    def _matching(self, pattern: str) -> list[Call]:
        return [c for c in self._calls if _matches(pattern, c.method)]

    def _count(self, pattern: str, ok: bool | None) -> int:
        """Recorded calls matching `pattern` (and `ok`), from counters: O(distinct methods)."""
        return sum(
            n
            for (method, call_ok), n in self._counts.items()
            if _matches(pattern, method) and (ok is None or call_ok is ok)
        )

    # -- request handling (server threads) -------------------------------------------------

    def _serve(self, raw_path: str, headers: dict[str, str], body: bytes) -> _Reply:
        """Answer one HTTP request: delay/hold, then fault or handle, then record."""
        url = urlsplit(raw_path)
        upload: str | None = None
        if url.path.startswith("/api/"):
            method = unquote(url.path.removeprefix("/api/"))
        elif url.path.startswith("/respond/"):
            method = "respond:" + unquote(url.path.removeprefix("/respond/"))
        elif url.path.startswith(_UPLOAD_PATH):
            method, upload = "upload", unquote(url.path.removeprefix(_UPLOAD_PATH))
        else:
            return _Reply.text(404, "not_found")
        self._pause(method)
        is_api = upload is None and not method.startswith("respond:")
        if upload is None:
            args, parse_error = _request_args(url.query, headers, body, is_api=is_api)
        else:
            args, parse_error = {"file_id": upload, "length": len(body)}, None
        with self._cond:
            fault = self._take_fault(method)
            if fault is not None and not fault.applied:
                reply, applied = _fault_reply(fault, is_api=is_api), False
            else:
                if parse_error is not None:
                    reply = (
                        _Reply.json(200, {"ok": False, "error": parse_error})
                        if is_api
                        else _Reply.text(400, parse_error)
                    )
                elif is_api:
                    reply = self._api(method, args, headers)
                elif upload is not None:
                    reply = self._upload(upload, body)
                else:
                    reply = self._respond(args)
                applied = reply.error is None
                if fault is not None and fault.error is not None:
                    reply = _fault_reply(fault, is_api=is_api)
            ok = reply.error is None
            self._calls.append(Call(method, args, headers, ok, reply.error, applied))
            self._counts[method, ok] += 1
            self._cond.notify_all()
        if fault is not None and fault.delay > 0:
            self._stopping.wait(fault.delay)
        return reply

    def _pause(self, method: str) -> None:
        """Apply the configured latency, then park while a matching hold is unset."""
        if self.latency:
            self._stopping.wait(self.latency)
        with self._cond:
            gate = next(
                (g for p, g in self._holds.items() if _matches(p, method) and not g.is_set()),
                None,
            )
            if gate is None:
                return
            self._parked[method] += 1
            self._cond.notify_all()
        gate.wait()
        with self._cond:
            self._parked[method] -= 1
            self._cond.notify_all()

    def _take_fault(self, method: str) -> _Fault | None:
        fault = self._faults.get(method)
        if fault is None:
            return None
        fault.remaining -= 1
        if fault.remaining <= 0:
            del self._faults[method]
        return fault

    def _api(self, method: str, args: dict[str, Any], headers: dict[str, str]) -> _Reply:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        try:
            if auth is None:
                raise _ApiError("not_authed")
            if auth != f"Bearer {self.token}":
                raise _ApiError("invalid_auth")
            handler = self._methods.get(method)
            if handler is None:
                raise _ApiError("unknown_method")
            return _Reply.json(200, {"ok": True, **handler(args)})
        except _ApiError as e:
            return _Reply.json(e.status, e.payload, **e.headers)

    def _respond(self, payload: dict[str, Any]) -> _Reply:
        """Answer a response_url post the way Slack does: text "ok" or a 400 error."""
        if _truthy(payload.get("delete_original")):
            return _Reply.text(200, "ok")
        if not any(payload.get(k) for k in ("text", "blocks", "attachments", "markdown_text")):
            return _Reply.text(400, "no_text")
        if validate_message(payload):
            return _Reply.text(400, "invalid_blocks")
        return _Reply.text(200, "ok")

    def _upload(self, file_id: str, body: bytes) -> _Reply:
        """Take a file's bytes at the URL files.getUploadURLExternal gave for it, once."""
        file = self._files.get(file_id)
        if file is None or file.data is not None:
            return _Reply.text(404, "not_found")
        file.data = body
        return _Reply.text(200, f"OK - {len(body)}")

    # -- helpers used by method handlers (lock held) ---------------------------------------

    def _next_ts(self) -> str:
        self._ts += 100
        return f"{_FIRST_TS + self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"

    def _next_id(self, prefix: str, taken: Iterable[str]) -> str:
        existing = set(taken)
        while True:
            self._ids += 1
            candidate = f"{prefix}{self._ids:07d}"
            if candidate not in existing:
                return candidate

    def _dm_for_user(self, channel: str) -> str:
        """Map a known user id to its DM channel id ("D" + user id); others unchanged."""
        return f"D{channel}" if channel in self._users else channel

    def _user(self, user_id: Any) -> _User:
        user = self._users.get(user_id) if isinstance(user_id, str) else None
        if user is None:
            raise _ApiError("user_not_found")
        return user

    def _visible_channel(self, channel_id: Any) -> _Channel:
        """A registered channel the bot can see (private ones need membership)."""
        channel = self._channels.get(channel_id) if isinstance(channel_id, str) else None
        if channel is None or (channel.is_private and self.bot_user_id not in channel.members):
            raise _ApiError("channel_not_found")
        return channel

    def _postable(self, channel_id: Any) -> str:
        """Resolve where the bot may post: a DM, a user's DM, or a channel it is in."""
        if not isinstance(channel_id, str) or not channel_id:
            raise _ApiError("channel_not_found")
        channel_id = self._dm_for_user(channel_id)
        if channel_id.startswith("D"):
            return channel_id
        channel = self._visible_channel(channel_id)
        if channel.is_archived:
            raise _ApiError("is_archived")
        if self.bot_user_id not in channel.members:
            raise _ApiError("not_in_channel")
        return channel.id

    def _readable(self, channel_id: Any) -> str:
        """Resolve a conversation whose history the bot may read: its DM with a known user,
        or a channel it is a member of (archived ones too)."""
        if not isinstance(channel_id, str) or not channel_id:
            raise _ApiError("channel_not_found")
        if channel_id.startswith("D"):
            if channel_id[1:] not in self._users:
                raise _ApiError("channel_not_found")
            return channel_id
        channel = self._visible_channel(channel_id)
        if self.bot_user_id not in channel.members:
            raise _ApiError("not_in_channel")
        return channel.id

    def _message(self, channel: str, ts: Any) -> dict[str, Any]:
        for message in self._messages.get(channel, []):
            if message["ts"] == ts:
                return message
        raise _ApiError("message_not_found")

    def _channel_info(self, channel: _Channel, *, num_members: bool) -> dict[str, Any]:
        info: dict[str, Any] = {
            "id": channel.id,
            "name": channel.name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_private": channel.is_private,
            "is_archived": channel.is_archived,
            "is_member": self.bot_user_id in channel.members,
        }
        if channel.creator is not None:
            info["creator"] = channel.creator
        if num_members:
            info["num_members"] = len(channel.members)
        return info

    def _im_info(self, channel_id: str) -> dict[str, Any]:
        return {
            "id": channel_id,
            "is_channel": False,
            "is_group": False,
            "is_im": True,
            "is_private": True,
            "is_archived": False,
            "is_member": True,
            "user": channel_id[1:],
        }

    def _view(self, view: Any, expected_type: str | None, view_id: str) -> dict[str, Any]:
        """Validate `view`, store it under `view_id` and return ``{"view": stored}``."""
        if not isinstance(view, dict):
            messages = ["[ERROR] view: required"]
            raise _ApiError("invalid_arguments", response_metadata={"messages": messages})
        problems = validate_view(view)
        if expected_type is not None and view.get("type") != expected_type:
            problems.insert(0, f"type: must be {expected_type!r} for this method")
        if problems:
            messages = [f"[ERROR] {p}" for p in problems]
            raise _ApiError("invalid_arguments", response_metadata={"messages": messages})
        self._ids += 1
        stored = {
            **copy.deepcopy(view),
            "id": view_id,
            "team_id": self.team_id,
            "bot_id": self.bot_id,
            "hash": f"{_FIRST_TS}.{self._ids:08x}",
            "state": {"values": {}},
        }
        self._views[view_id] = stored
        return {"view": copy.deepcopy(stored)}

    # -- Web API methods (lock held; raise _ApiError before any side effect) ---------------

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://fake-workspace.slack.com/",
            "team": "Fake Workspace",
            "user": self._users[self.bot_user_id].name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._user(args.get("user"))
        return {
            "user": {
                "id": user.id,
                "team_id": self.team_id,
                "name": user.name,
                "real_name": user.real_name,
                "deleted": user.deleted,
                "is_bot": user.is_bot,
                "tz": user.tz,
                "tz_offset": user.tz_offset,
                "profile": {"display_name": user.name, "real_name": user.real_name},
            }
        }

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = args.get("channel")
        if isinstance(channel_id, str) and channel_id.startswith("D"):
            return {"channel": self._im_info(channel_id)}
        channel = self._visible_channel(channel_id)
        num_members = _truthy(args.get("include_num_members"))
        return {"channel": self._channel_info(channel, num_members=num_members)}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = args.get("channel")
        if isinstance(channel_id, str) and channel_id.startswith("D"):
            members = [self.bot_user_id, channel_id[1:]]
        else:
            members = list(self._visible_channel(channel_id).members)
        return {"members": members, "response_metadata": {"next_cursor": ""}}

    def _conversations_create(self, args: dict[str, Any]) -> dict[str, Any]:
        name = args.get("name")
        if not isinstance(name, str) or not name:
            raise _ApiError("invalid_name_required")
        if len(name) > 80:
            raise _ApiError("invalid_name_maxlength")
        if not _CHANNEL_NAME.fullmatch(name):
            raise _ApiError("invalid_name_specials")
        if any(c.name == name for c in self._channels.values()):
            raise _ApiError("name_taken")
        channel_id = self._next_id("C", self._channels)
        channel = _Channel(
            channel_id,
            name,
            is_private=_truthy(args.get("is_private")),
            is_archived=False,
            members=[self.bot_user_id],
            creator=self.bot_user_id,
        )
        self._channels[channel_id] = channel
        return {"channel": self._channel_info(channel, num_members=False)}

    def _conversations_invite(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = args.get("channel")
        if isinstance(channel_id, str) and channel_id.startswith("D"):
            raise _ApiError("method_not_supported_for_channel_type")
        channel = self._visible_channel(channel_id)
        if channel.is_archived:
            raise _ApiError("is_archived")
        if self.bot_user_id not in channel.members:
            raise _ApiError("not_in_channel")
        raw = args.get("users")
        user_ids = raw.split(",") if isinstance(raw, str) else raw
        user_ids = [u.strip() for u in user_ids or [] if isinstance(u, str) and u.strip()]
        if not user_ids:
            raise _ApiError("no_user")
        for user_id in user_ids:
            if user_id == self.bot_user_id:
                raise _ApiError("cant_invite_self")
            self._user(user_id)
        new = [u for u in dict.fromkeys(user_ids) if u not in channel.members]
        if not new:
            raise _ApiError("already_in_channel")
        channel.members.extend(new)
        return {"channel": self._channel_info(channel, num_members=False)}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        raw = args.get("users")
        user_ids = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(user_ids, list) or len(user_ids) != 1:
            raise _ApiError("not_supported_by_fake", detail="open a DM with exactly one user")
        user = self._user(user_ids[0].strip())
        return {"channel": {"id": f"D{user.id}"}}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages (and broadcast replies), newest first, like Slack.

        Thread replies are left out (conversations.replies has them); parents show
        thread_ts, reply_count and latest_reply. ``oldest``/``latest`` bounds are exclusive
        unless ``inclusive``; ``limit`` defaults to 100 and is capped at 999 (nonsense limits
        become the default, as Slack "magically adjusts" them).
        """
        channel = self._readable(args.get("channel"))
        oldest, latest = _ts_bounds(args)
        inclusive = _truthy(args.get("inclusive"))
        stored = self._messages.get(channel, [])
        threads = _thread_summaries(stored)
        picked = [
            m
            for m in reversed(stored)
            if (not _is_reply(m) or m.get("subtype") == "thread_broadcast")
            and _in_range(m["ts"], oldest, latest, inclusive)
        ]
        page, next_ts = _page(picked, args, _HISTORY_LIMIT, newest_first=True)
        include_all = _truthy(args.get("include_all_metadata"))
        result: dict[str, Any] = {
            "messages": [_readable_message(m, include_all, threads) for m in page],
            "has_more": next_ts is not None,
            "pin_count": 0,
            "response_metadata": {"next_cursor": _cursor(next_ts)},
        }
        if args.get("latest"):
            result["latest"] = args["latest"]
        if args.get("oldest"):
            result["oldest"] = args["oldest"]
        return result

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """The parent message then its replies, oldest first (``limit`` up to 1000)."""
        channel = self._readable(args.get("channel"))
        ts = args.get("ts")
        if not isinstance(ts, str) or not ts:
            raise _ApiError("invalid_arguments", response_metadata={"messages": ["ts"]})
        oldest, latest = _ts_bounds(args)
        inclusive = _truthy(args.get("inclusive"))
        stored = self._messages.get(channel, [])
        parent = next((m for m in stored if m["ts"] == ts), None)
        if parent is None:
            raise _ApiError("thread_not_found")
        thread_ts = parent["thread_ts"] or parent["ts"]
        picked = [
            m
            for m in stored
            if (m["ts"] == thread_ts or m["thread_ts"] == thread_ts)
            and _in_range(m["ts"], oldest, latest, inclusive)
        ]
        page, next_ts = _page(picked, args, _REPLIES_LIMIT, newest_first=False)
        include_all = _truthy(args.get("include_all_metadata"))
        threads = _thread_summaries(stored)
        return {
            "messages": [_readable_message(m, include_all, threads) for m in page],
            "has_more": next_ts is not None,
            "response_metadata": {"next_cursor": _cursor(next_ts)},
        }

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable(args.get("channel"))
        _check_message(args)
        metadata = _metadata(args.get("metadata"))
        now = self._clock()
        self._check_rate(channel, now)
        message = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "team": self.team_id,
            "ts": self._next_ts(),
            "text": args.get("text") or "",
            "blocks": copy.deepcopy(args.get("blocks") or []),
            "thread_ts": args.get("thread_ts") or None,
        }
        if message["thread_ts"] and _truthy(args.get("reply_broadcast")):
            message["subtype"] = "thread_broadcast"
        if metadata is not None:
            message["metadata"] = metadata
        self._messages[channel].append(message)
        self._record_post(channel, now)
        return {"channel": channel, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _check_rate(self, channel: str, now: float) -> None:
        """Raise _RateLimited (and count it) if a post to `channel` now is over a limit."""
        if self._channel_rate is not None and channel in self._last_post:
            wait = self._last_post[channel] + 1.0 / self._channel_rate - now
            if wait > 0:
                self._stats.ratelimited_channel += 1
                raise _RateLimited(wait)
        limit = self._workspace_per_minute
        if limit is not None:
            window = self._workspace_posts
            while window and window[0] <= now - _WORKSPACE_WINDOW:
                window.popleft()
            if len(window) >= limit:
                self._stats.ratelimited_workspace += 1
                raise _RateLimited(window[0] + _WORKSPACE_WINDOW - now)

    def _record_post(self, channel: str, now: float) -> None:
        """Fill the rate windows and stats() with one stored post."""
        self._last_post[channel] = now
        window = self._workspace_posts
        window.append(now)
        while window[0] <= now - _WORKSPACE_WINDOW:
            window.popleft()
        stats = self._stats
        stats.posts_ok += 1
        if stats.first_post_at is None:
            stats.first_post_at = now
        stats.last_post_at = now

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable(args.get("channel"))
        user = self._user(args.get("user"))
        if channel in self._channels and user.id not in self._channels[channel].members:
            raise _ApiError("user_not_in_channel")
        _check_message(args)
        return {"message_ts": self._next_ts()}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable(args.get("channel"))
        message = self._message(channel, args.get("ts"))
        _check_message(args)
        metadata = _metadata(args.get("metadata"))
        if "text" in args:
            message["text"] = args["text"]
        if "blocks" in args:
            message["blocks"] = copy.deepcopy(args["blocks"])
        if metadata is not None:
            message["metadata"] = metadata
        return {
            "channel": channel,
            "ts": message["ts"],
            "text": message["text"],
            "message": copy.deepcopy(message),
        }

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable(args.get("channel"))
        message = self._message(channel, args.get("ts"))
        self._messages[channel].remove(message)
        return {"channel": channel, "ts": message["ts"]}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("user_id"):
            messages = ["[ERROR] user_id: required"]
            raise _ApiError("invalid_arguments", response_metadata={"messages": messages})
        return self._view(args.get("view"), "home", self._next_id("V", self._views))

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        """views.open and views.push: a trigger_id and a valid modal."""
        if not args.get("trigger_id"):
            raise _ApiError("invalid_trigger_id")
        return self._view(args.get("view"), "modal", self._next_id("V", self._views))

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        if not view_id and args.get("external_id"):
            external_id = args["external_id"]
            matches = [v["id"] for v in self._views.values() if v.get("external_id") == external_id]
            view_id = matches[0] if matches else None
        current = self._views.get(view_id) if isinstance(view_id, str) else None
        if current is None:
            raise _ApiError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise _ApiError("hash_conflict")
        return self._view(args.get("view"), None, current["id"])

    def _files_get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        """An upload URL for one file of `length` bytes named `filename`, and its id."""
        filename = args.get("filename")
        try:
            length = int(args.get("length") or 0)
        except (TypeError, ValueError):
            length = 0
        problems = []
        if not isinstance(filename, str) or not filename.strip():
            problems.append("[ERROR] filename: required")
        if length < 1:
            problems.append("[ERROR] length: must be a positive number of bytes")
        if problems:
            raise _ApiError("invalid_arguments", response_metadata={"messages": problems})
        assert isinstance(filename, str)
        file_id = self._next_id("F", self._files)
        alt_txt = args.get("alt_txt") if isinstance(args.get("alt_txt"), str) else None
        self._files[file_id] = _File(file_id, filename, length, alt_txt)
        return {"upload_url": f"{self._origin()}{_UPLOAD_PATH}{file_id}", "file_id": file_id}

    def _files_complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        """Finish uploads and share them in `channel_id` (or `channels`) in one message.

        Every file must have had its bytes posted to its upload URL and not be completed
        yet (``file_not_found`` otherwise — the fake's reading of an unknown id). Channels
        are checked as chat.postMessage checks them: ``not_in_channel``, ``is_archived``,
        ``channel_not_found``; nothing is shared unless all of them pass.
        """
        items = args.get("files")
        if isinstance(items, str):
            try:
                items = json.loads(items)
            except json.JSONDecodeError:
                items = None
        if (
            not isinstance(items, list)
            or not items
            or not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items)
        ):
            messages = ["[ERROR] files: an array of objects with an id is required"]
            raise _ApiError("invalid_arguments", response_metadata={"messages": messages})
        files = [self._files.get(item["id"]) for item in items]
        if any(f is None or f.data is None or f.completed for f in files):
            raise _ApiError("file_not_found")
        raw = args.get("channel_id") or args.get("channels") or ""
        named = raw.split(",") if isinstance(raw, str) else []
        channels = tuple(self._postable(c.strip()) for c in named if c.strip())
        comment = args.get("initial_comment") or None
        shared = []
        for item, file in zip(items, files, strict=True):
            assert file is not None and file.data is not None
            file.completed = True
            title = item.get("title") or file.filename
            upload = Upload(
                file.id, file.filename, title, file.data, channels, comment, file.alt_txt
            )
            self._uploads.append(upload)
            shared.append({"id": file.id, "name": file.filename, "title": title})
        for channel in channels:
            self._messages[channel].append(
                {
                    "type": "message",
                    "user": self.bot_user_id,
                    "bot_id": self.bot_id,
                    "team": self.team_id,
                    "ts": self._next_ts(),
                    "text": comment or "",
                    "blocks": [],
                    "thread_ts": args.get("thread_ts") or None,
                    "files": copy.deepcopy(shared),
                    "upload": True,
                }
            )
        return {
            "files": [
                {**entry, "size": len(file.data or b""), "channels": list(channels)}
                for entry, file in zip(shared, files, strict=True)
            ]
        }


def _matches(pattern: str, method: str) -> bool:
    """Exact match, or "respond:*" matching every response URL method."""
    return pattern == method or (pattern == "respond:*" and method.startswith("respond:"))


def _truthy(value: Any) -> bool:
    """Slack-style boolean argument: true/"true"/"1"."""
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))


def _check_message(args: dict[str, Any]) -> None:
    """Raise no_text / invalid_blocks unless the message content is acceptable."""
    content = {k: args[k] for k in ("text", "markdown_text", "blocks", "attachments") if k in args}
    if not any(content.values()):
        raise _ApiError("no_text")
    problems = validate_message(content)
    if problems:
        raise _ApiError(
            "invalid_blocks",
            errors=problems,
            response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
        )


def _metadata(raw: Any) -> dict[str, Any] | None:
    """Parse chat.postMessage/chat.update `metadata` (object or JSON string); None if absent.

    Raises invalid_metadata_format unless it is an object with a non-empty string
    event_type and an object event_payload.
    """
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise _ApiError("invalid_metadata_format") from None
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("event_type"), str)
        or not raw["event_type"].strip()
        or not isinstance(raw.get("event_payload"), dict)
    ):
        raise _ApiError("invalid_metadata_format")
    return copy.deepcopy(raw)


def _hashable(value: Any) -> Any:
    """`value` itself if hashable, else its canonical JSON (for counting)."""
    try:
        hash(value)
    except TypeError:
        return json.dumps(value, sort_keys=True)
    return value


def _ts(value: Any, error: str) -> Decimal | None:
    """A Slack timestamp argument as a Decimal (None when absent), else raise `error`."""
    if value is None or value == "":
        return None
    try:
        ts = Decimal(str(value))
    except InvalidOperation:
        raise _ApiError(error) from None
    if not ts.is_finite() or ts < 0:
        raise _ApiError(error)
    return ts


def _ts_bounds(args: dict[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    """The `oldest` and `latest` arguments (None when absent)."""
    oldest = _ts(args.get("oldest"), "invalid_ts_oldest")
    return oldest, _ts(args.get("latest"), "invalid_ts_latest")


def _in_range(ts: str, oldest: Decimal | None, latest: Decimal | None, inclusive: bool) -> bool:
    """Whether message `ts` lies between the bounds (exclusive unless `inclusive`)."""
    value = Decimal(ts)
    if oldest is not None and (value < oldest or (value == oldest and not inclusive)):
        return False
    return latest is None or value < latest or (value == latest and inclusive)


def _is_reply(message: dict[str, Any]) -> bool:
    return bool(message["thread_ts"]) and message["thread_ts"] != message["ts"]


def _thread_summaries(messages: list[dict[str, Any]]) -> dict[str, tuple[int, str]]:
    """``{parent ts: (reply count, latest reply ts)}`` for threads in `messages`."""
    threads: dict[str, tuple[int, str]] = {}
    for message in messages:
        if _is_reply(message):
            count, _ = threads.get(message["thread_ts"], (0, ""))
            threads[message["thread_ts"]] = (count + 1, message["ts"])
    return threads


def _readable_message(
    message: dict[str, Any], include_all_metadata: bool, threads: dict[str, tuple[int, str]]
) -> dict[str, Any]:
    """A stored message as the read methods show it.

    Slack's docs: without include_all_metadata a message's metadata carries its event_type
    only; with it, event_type and event_payload. Messages never posted with metadata have
    no metadata key. A null thread_ts is left out; thread parents get reply counts.
    """
    shown = {k: copy.deepcopy(v) for k, v in message.items() if v is not None}
    if "metadata" in shown and not include_all_metadata:
        shown["metadata"] = {"event_type": shown["metadata"]["event_type"]}
    if message["ts"] in threads:
        count, latest_reply = threads[message["ts"]]
        shown.update(thread_ts=message["ts"], reply_count=count, latest_reply=latest_reply)
    return shown


def _page(
    messages: list[dict[str, Any]],
    args: dict[str, Any],
    limits: tuple[int, int],
    *,
    newest_first: bool,
) -> tuple[list[dict[str, Any]], str | None]:
    """Apply `cursor` and `limit` to `messages` (already ordered); returns the page and the
    ts the next page starts at (None when this is the last page)."""
    default, maximum = limits
    try:
        limit = int(args.get("limit") or default)
    except (TypeError, ValueError):
        limit = default
    limit = min(limit, maximum) if limit > 0 else default
    cursor = args.get("cursor")
    if cursor:
        start = _cursor_ts(cursor)
        messages = [
            m
            for m in messages
            if (Decimal(m["ts"]) <= start if newest_first else Decimal(m["ts"]) >= start)
        ]
    page = messages[:limit]
    return page, messages[limit]["ts"] if len(messages) > limit else None


def _cursor(next_ts: str | None) -> str:
    """Slack-style opaque cursor, base64("next_ts:<ts digits>"), or "" at the end."""
    if next_ts is None:
        return ""
    return base64.b64encode(f"{_CURSOR_PREFIX}{next_ts.replace('.', '')}".encode()).decode()


def _cursor_ts(cursor: Any) -> Decimal:
    """The ts a `_cursor` points at; invalid_cursor for anything else."""
    try:
        text = base64.b64decode(str(cursor), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise _ApiError("invalid_cursor") from None
    digits = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not digits.isdigit() or len(digits) <= 6:
        raise _ApiError("invalid_cursor")
    return Decimal(f"{digits[:-6]}.{digits[-6:]}")


def _fault_reply(fault: _Fault, *, is_api: bool) -> _Reply:
    assert fault.error is not None
    headers = {"Retry-After": str(fault.retry_after)} if fault.status == 429 else {}
    if is_api:
        payload = {"ok": False, "error": fault.error}
        return _Reply.json(fault.status or 200, payload, **headers)
    return _Reply.text(fault.status or 400, fault.error, **headers)


def _request_args(
    query: str, headers: dict[str, str], body: bytes, *, is_api: bool
) -> tuple[dict[str, Any], str | None]:
    """Merge query and body into one args dict; returns (args, parse error or None).

    Web API form values for blocks/view/attachments that hold JSON are decoded.
    response_url bodies must be a JSON object ("invalid_payload" otherwise).
    """
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    text = body.decode("utf-8", errors="replace")
    if not is_api:
        try:
            payload = json.loads(text)
        except json.JSONDecodeError:
            return args, "invalid_payload"
        return (payload, None) if isinstance(payload, dict) else (args, "invalid_payload")
    if "json" in content_type and body:
        try:
            payload = json.loads(text)
        except json.JSONDecodeError:
            return args, "invalid_json"
        if not isinstance(payload, dict):
            return args, "json_not_object"
        args.update(payload)
    elif body:
        if "x-www-form-urlencoded" not in content_type:
            return args, "invalid_form_data"
        args.update(parse_qsl(text, keep_blank_values=True))
    for key in _JSON_ARGS:
        if isinstance(args.get(key), str):
            with contextlib.suppress(json.JSONDecodeError):
                args[key] = json.loads(args[key])
    return args, None

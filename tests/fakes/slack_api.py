"""A fake Slack Web API and response_url server on loopback, for tests and benchmarks.

The app under test talks to it over real HTTP through ``WebClient(base_url=fake.base_url)``
and ``fake.response_url(name)``; tests then assert on exactly what Slack received via
``calls``, ``messages_in`` and ``responses``. Faults (``fail_next``) and slow answers
(``hold``, ``latency``) let tests exercise retries and prove the app acks before slow work.
Standard library only: ``ThreadingHTTPServer`` serving from a daemon thread.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import socket
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.fakes.blockkit import validate_message, validate_view

_JSON_ARGS = ("blocks", "view", "attachments")
_CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")
_FIRST_TS = 1_700_000_000
_SHUTDOWN_POLL = 0.02  # seconds serve_forever waits between checks for stop()


@dataclass(frozen=True)
class Call:
    """One request the fake received: an API method name or "respond:<name>"."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    ok: bool
    error: str | None


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


@dataclass
class _Fault:
    error: str
    status: int | None
    retry_after: int
    remaining: int


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

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.payload = {"ok": False, "error": error, **extra}


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

    All state (users, channels, messages, views, recorded calls, faults, holds) sits
    behind one lock; waiters block on a Condition built on that lock.
    """

    def __init__(
        self,
        *,
        token: str = "xoxb-test-token",
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        latency: float = 0.0,
    ) -> None:
        self.token = token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.latency = latency
        self._cond = threading.Condition(threading.Lock())
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[Call] = []
        self._users: dict[str, _User] = {}
        self._channels: dict[str, _Channel] = {}
        self._messages: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        self._views: dict[str, dict[str, Any]] = {}
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
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.push": self._views_open,
        }
        self.add_user(bot_user_id, "mentorbot", is_bot=True, real_name="Mentorbot")

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
    ) -> None:
        """Make the next `times` calls to `method` fail without side effects.

        429 (explicit, or ``error="ratelimited"`` with no status) answers HTTP 429 with
        ``Retry-After: <retry_after or 1>`` and error "ratelimited". Any other explicit
        status is used as is; for 5xx with the default error the body error becomes
        "service_unavailable" (503) or "internal_error". Without a status, Web API calls
        answer HTTP 200 ``{"ok": false, "error": error}``. For "respond:<name>" methods
        the body is the error as plain text and the default status is 400.
        """
        if status is None and error == "ratelimited":
            status = 429
        if status == 429:
            error = "ratelimited"
        elif status is not None and status >= 500 and error == "ratelimited":
            error = "service_unavailable" if status == 503 else "internal_error"
        after = 1 if retry_after is None else retry_after
        with self._cond:
            self._faults[method] = _Fault(error, status, after, times)

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

        Each has ts, text, blocks, user (the bot), bot_id, team, type and thread_ts.
        A user id resolves to that user's DM channel, as chat.postMessage does.
        """
        with self._cond:
            return copy.deepcopy(self._messages.get(self._dm_for_user(channel), []))

    def reset_calls(self) -> None:
        """Forget recorded calls (and therefore recorded response URL payloads)."""
        with self._cond:
            self._calls.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until at least `count` calls to `method` are recorded; return them all.

        `method` may be "respond:<name>" or "respond:*". Raises AssertionError naming the
        methods seen so far on timeout.
        """
        with self._cond:
            if self._cond.wait_for(lambda: len(self._matching(method)) >= count, timeout):
                return self._matching(method)
            seen: dict[str, int] = {}
            for call in self._calls:
                seen[call.method] = seen.get(call.method, 0) + 1
            summary = ", ".join(f"{m} x{n}" for m, n in seen.items()) or "nothing"
            raise AssertionError(
                f"expected {count} call(s) to {method!r} within {timeout}s, "
                f"got {len(self._matching(method))}; seen so far: {summary}"
            )

    def _matching(self, pattern: str) -> list[Call]:
        return [c for c in self._calls if _matches(pattern, c.method)]

    # -- request handling (server threads) -------------------------------------------------

    def _serve(self, raw_path: str, headers: dict[str, str], body: bytes) -> _Reply:
        """Answer one HTTP request: delay/hold, then fault or handle, then record."""
        url = urlsplit(raw_path)
        if url.path.startswith("/api/"):
            method = unquote(url.path.removeprefix("/api/"))
        elif url.path.startswith("/respond/"):
            method = "respond:" + unquote(url.path.removeprefix("/respond/"))
        else:
            return _Reply.text(404, "not_found")
        self._pause(method)
        is_api = not method.startswith("respond:")
        args, parse_error = _request_args(url.query, headers, body, is_api=is_api)
        with self._cond:
            fault = self._take_fault(method)
            if fault is not None:
                reply = _fault_reply(fault, is_api=is_api)
            elif parse_error is not None:
                reply = (
                    _Reply.json(200, {"ok": False, "error": parse_error})
                    if is_api
                    else _Reply.text(400, parse_error)
                )
            elif is_api:
                reply = self._api(method, args, headers)
            else:
                reply = self._respond(args)
            self._calls.append(Call(method, args, headers, reply.error is None, reply.error))
            self._cond.notify_all()
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
            return _Reply.json(200, e.payload)

    def _respond(self, payload: dict[str, Any]) -> _Reply:
        """Answer a response_url post the way Slack does: text "ok" or a 400 error."""
        if _truthy(payload.get("delete_original")):
            return _Reply.text(200, "ok")
        if not any(payload.get(k) for k in ("text", "blocks", "attachments", "markdown_text")):
            return _Reply.text(400, "no_text")
        if validate_message(payload):
            return _Reply.text(400, "invalid_blocks")
        return _Reply.text(200, "ok")

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

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable(args.get("channel"))
        _check_message(args)
        message = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "team": self.team_id,
            "ts": self._next_ts(),
            "text": args.get("text") or "",
            "blocks": copy.deepcopy(args.get("blocks") or []),
            "thread_ts": args.get("thread_ts"),
        }
        self._messages[channel].append(message)
        return {"channel": channel, "ts": message["ts"], "message": copy.deepcopy(message)}

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
        if "text" in args:
            message["text"] = args["text"]
        if "blocks" in args:
            message["blocks"] = copy.deepcopy(args["blocks"])
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


def _fault_reply(fault: _Fault, *, is_api: bool) -> _Reply:
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

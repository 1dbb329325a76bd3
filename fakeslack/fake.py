"""A fake Slack Web API and response_url server on loopback, for tests and benchmarks.

The app under test talks to it over real HTTP through ``WebClient(base_url=fake.base_url)``
and ``fake.response_url(name)``; tests then assert on exactly what Slack received via
``calls``, ``messages_in`` and ``responses``. It answers the Web API methods the app calls
(``fakeslack.methods``), each only when the token has the bot scope Slack requires for it
(``fakeslack.scopes``; by default the scopes of the app's own manifest). Faults
(``fail_next``) and slow answers (``hold``, ``latency``, ``slow_next``) let tests exercise
retries and prove the app acks before slow work; ``fail_next(..., applied=True)`` and
``slow_next`` store the message yet leave the client without a success ("it went through but
we never heard"). Optional rate limits (``channel_rate``, ``workspace_per_minute``) answer
chat.postMessage with HTTP 429 the way Slack does, counted in ``stats()``. File uploads take
Slack's three steps, as ``WebClient.files_upload_v2`` makes them: files.getUploadURLExternal,
a POST of the bytes to the upload URL it returns (served here too, recorded as method
"upload"), then files.completeUploadExternal; ``uploads`` has what was shared. A response
URL takes five messages within 30 minutes of being issued, as Slack's do; later posts are
refused and recorded.

Socket Mode: ``apps.connections.open`` takes the app-level token (``app_token``, with
``connections:write``) and returns a URL of ``socket_mode``, a WebSocket server on loopback
(``fakeslack.socketmode``) through which a test delivers envelopes and reads the acks.
"""

from __future__ import annotations

import copy
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote, urlsplit

from fakeslack.blockkit import validate_message
from fakeslack.methods import METHODS, UPLOAD_PATH
from fakeslack.payloads import TEAM
from fakeslack.scopes import app_scopes, check_scope
from fakeslack.server import LoopbackServer, Reply, header, request_args
from fakeslack.socketmode import SocketModeServer
from fakeslack.traffic import Call, Traffic
from fakeslack.workspace import (
    RESPONSE_URL_LIFETIME,
    RESPONSE_URL_USES,
    ApiError,
    Channel,
    Upload,
    User,
    Workspace,
    truthy,
)


class FakeSlack(Traffic):
    """In-process fake of Slack's Web API and response URLs, served over loopback HTTP.

    All state (users, channels, messages, views, recorded calls, faults, holds, rate windows)
    sits behind one lock; waiters block on a Condition built on that lock.

    `scopes` are the bot scopes the token was granted; by default those the app's manifest
    requests (``bot.manifest.BOT_SCOPES``). Rate limits are off unless `channel_rate`
    (successful posts per second per channel) or `workspace_per_minute` (successful posts per
    sliding 60 s, workspace-wide) is given, here or later through ``limit_rate``. `clock`
    (default ``time.monotonic``) times those windows, ``stats()`` and the 30 minutes a
    response URL lasts; tests may pass a fake clock to move time without sleeping.
    """

    def __init__(
        self,
        *,
        token: str = "xoxb-test-token",
        scopes: Iterable[str] | None = None,
        app_token: str = "xapp-1-A0001-1-test",
        app_token_scopes: Iterable[str] = ("connections:write",),
        socket_mode_enabled: bool = True,
        team_id: str = TEAM,
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        latency: float = 0.0,
        channel_rate: float | None = None,
        workspace_per_minute: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(latency)
        self.token = token
        self.scopes = tuple(scopes) if scopes is not None else app_scopes()
        self.app_token = app_token
        self.app_token_scopes = tuple(app_token_scopes)
        self.socket_mode_enabled = socket_mode_enabled
        self._socket_mode: SocketModeServer | None = None
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self._ws = Workspace(team_id, bot_user_id, bot_id, clock)
        self._server: LoopbackServer | None = None
        self.add_user(bot_user_id, "mentorbot", is_bot=True, real_name="Mentorbot")
        self.limit_rate(channel_rate, workspace_per_minute)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, port: int = 0) -> Self:
        """Bind 127.0.0.1 on `port` (by default a free one) and serve from a daemon thread;
        returns self."""
        if self._server is not None:
            raise RuntimeError("FakeSlack is already running")
        self._stopping.clear()
        self._server = LoopbackServer(self._serve, port=port)
        with self._cond:
            self._ws.origin = self._server.origin
        return self

    def stop(self) -> None:
        """Release held and delayed requests, stop serving and close all connections."""
        if self._server is None:
            return
        self._release()
        self._server.stop()
        self._server = None
        if self._socket_mode is not None:
            self._socket_mode.stop()
            self._socket_mode = None

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
        """A fake response_url; posts to it are recorded as method "respond:<name>".

        The URL is issued, for its interaction, the first time its name is asked for (or,
        for a name never asked for, at its first post). Like Slack's, it takes up to
        ``RESPONSE_URL_USES`` (5) messages within ``RESPONSE_URL_LIFETIME`` (30 minutes) of
        being issued, on the fake's clock; a post beyond either is refused (``EXPIRED_URL``,
        ``USED_URL``) and recorded as a failed call. Only messages the URL took count as uses.
        """
        url = f"{self._origin()}/respond/{name}"
        with self._cond:
            self._ws.issue_response_url(name)
        return url

    @property
    def socket_mode(self) -> SocketModeServer:
        """The Socket Mode server behind apps.connections.open's URLs (started on first use)."""
        with self._cond:
            if self._socket_mode is None:
                self._socket_mode = SocketModeServer()
            return self._socket_mode

    def disable_socket_mode(self) -> None:
        """Turn Socket Mode off for the app, as in its settings: open connections are told
        ``link_disabled`` and closed, and apps.connections.open answers socket_mode_not_enabled."""
        with self._cond:
            self.socket_mode_enabled = False
            server = self._socket_mode
        if server is not None:
            server.disconnect_all("link_disabled", grace=0.05)

    @contextmanager
    def workspace(self) -> Iterator[Workspace]:
        """The workspace itself, under the fake's lock (the sandbox's people act through it)."""
        with self._cond:
            yield self._ws

    def _origin(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not running; call start() first")
        return self._server.origin

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
        user = User(user_id, name, real_name or name, tz, tz_offset, is_bot, deleted)
        with self._cond:
            self._ws.users[user_id] = user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        members: Iterable[str] = (),
        is_private: bool = False,
        is_archived: bool = False,
        is_general: bool = False,
        bot_is_member: bool = True,
    ) -> None:
        """Register (or replace) a channel; the bot is added to members if bot_is_member.

        `is_general` marks the workspace's #general, which nobody can archive.
        """
        member_list = [m for m in members if m != self.bot_user_id]
        if bot_is_member:
            member_list.append(self.bot_user_id)
        channel = Channel(
            channel_id, name, is_private, is_archived, member_list, is_general=is_general
        )
        with self._cond:
            self._ws.channels[channel_id] = channel

    def archive(self, channel_id: str) -> None:
        """Mark a registered channel archived, as someone in Slack might (KeyError if unknown)."""
        with self._cond:
            self._ws.channels[channel_id].is_archived = True

    def remove_bot(self, channel_id: str) -> None:
        """Take the bot out of a registered channel (KeyError if unknown)."""
        with self._cond:
            members = self._ws.channels[channel_id].members
            if self.bot_user_id in members:
                members.remove(self.bot_user_id)

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
            self._ws.channel_rate = per_channel_per_second
            self._ws.workspace_per_minute = workspace_per_minute

    # -- what Slack holds now --------------------------------------------------------------

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Messages currently in `channel` (after deletes), oldest first.

        Each has ts, text, blocks, user (the bot), bot_id, team, type and thread_ts, plus
        ``metadata`` (event_type and event_payload) when it was posted with metadata.
        Thread replies are included (unlike conversations.history). A user id resolves to
        that user's DM channel, as chat.postMessage does.
        """
        with self._cond:
            return copy.deepcopy(self._ws.messages.get(self._ws.dm_for_user(channel), []))

    def uploads(self, channel: str | None = None) -> list[Upload]:
        """Files completed so far, oldest first (all, or those shared in `channel`)."""
        with self._cond:
            return [u for u in self._ws.uploads if channel is None or channel in u.channels]

    def stats(self) -> dict[str, Any]:
        """chat.postMessage counters since start (or ``reset()``).

        posts_ok: messages stored by chat.postMessage (including those whose answer was an
        ``applied`` fault); ratelimited_channel / ratelimited_workspace: HTTP 429 answers
        given by the rate limits, per reason (``fail_next`` 429s are not counted);
        first_post_at / last_post_at: the clock (``time.monotonic`` unless injected) at the
        first and last stored post, or None.
        """
        with self._cond:
            s = self._ws.stats
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
            for messages in self._ws.messages.values():
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

    def reset(self) -> None:
        """Forget calls, messages, files, ``stats()`` counters, rate-limit windows and how
        often each response URL was used.

        Users, channels, views, rate settings, pending faults and holds are kept, and so is
        when each response URL was issued.
        """
        with self._cond:
            self._calls.clear()
            self._counts.clear()
            self._ws.forget_traffic()

    # -- request handling (server threads) -------------------------------------------------

    def _serve(self, raw_path: str, headers: dict[str, str], body: bytes) -> Reply:
        """Answer one HTTP request: delay/hold, then fault or handle, then record."""
        url = urlsplit(raw_path)
        upload: str | None = None
        if url.path.startswith("/api/"):
            method = unquote(url.path.removeprefix("/api/"))
        elif url.path.startswith("/respond/"):
            method = "respond:" + unquote(url.path.removeprefix("/respond/"))
        elif url.path.startswith(UPLOAD_PATH):
            method, upload = "upload", unquote(url.path.removeprefix(UPLOAD_PATH))
        else:
            return Reply.text(404, "not_found")
        self._pause(method)
        is_api = upload is None and not method.startswith("respond:")
        if upload is None:
            args, parse_error = request_args(url.query, headers, body, is_api=is_api)
        else:
            args, parse_error = {"file_id": upload, "length": len(body)}, None
        with self._cond:
            fault = self._take_fault(method)
            if fault is not None and not fault.applied:
                reply, applied = fault.reply(is_api=is_api), False
            else:
                if parse_error is not None:
                    reply = (
                        Reply.json(200, {"ok": False, "error": parse_error})
                        if is_api
                        else Reply.text(400, parse_error)
                    )
                elif is_api:
                    reply = self._api(method, args, headers)
                elif upload is not None:
                    reply = self._upload(upload, body)
                else:
                    reply = self._post_to_response_url(method.removeprefix("respond:"), args)
                applied = reply.error is None
                if fault is not None and fault.error is not None:
                    reply = fault.reply(is_api=is_api)
            self._record(Call(method, args, headers, reply.error is None, reply.error, applied))
        if fault is not None and fault.delay > 0:
            self._stopping.wait(fault.delay)
        return reply

    def _api(self, method: str, args: dict[str, Any], headers: dict[str, str]) -> Reply:
        """A Web API call: the token, the method, its scope, then the method's answer."""
        auth = header(headers, "authorization")
        try:
            if method == "apps.connections.open":
                return Reply.json(200, {"ok": True, "url": self._open_connection(auth)})
            if auth is None:
                raise ApiError("not_authed")
            if auth.startswith("Bearer xapp-"):
                raise ApiError("not_allowed_token_type")
            if auth != f"Bearer {self.token}":
                raise ApiError("invalid_auth")
            handler = METHODS.get(method)
            if handler is None:
                raise ApiError("unknown_method")
            check_scope(self._ws, method, args, self.scopes)
            return Reply.json(200, {"ok": True, **handler(self._ws, args)})
        except ApiError as e:
            return Reply.json(e.status, e.payload, **e.headers)

    def _open_connection(self, auth: str | None) -> str:
        """apps.connections.open: a WebSocket URL for an app-level token with connections:write
        (a bot token answers not_allowed_token_type), while Socket Mode is on for the app
        (socket_mode_not_enabled otherwise)."""
        if auth is None:
            raise ApiError("not_authed")
        if not auth.startswith("Bearer xapp-"):
            raise ApiError("not_allowed_token_type")
        if auth != f"Bearer {self.app_token}":
            raise ApiError("invalid_auth")
        if "connections:write" not in self.app_token_scopes:
            raise ApiError(
                "missing_scope",
                needed="connections:write",
                provided=",".join(self.app_token_scopes),
            )
        if not self.socket_mode_enabled:
            raise ApiError("socket_mode_not_enabled")
        if self._socket_mode is None:
            self._socket_mode = SocketModeServer()
        return self._socket_mode.issue_url()

    def _upload(self, file_id: str, body: bytes) -> Reply:
        """Take a file's bytes at the URL files.getUploadURLExternal gave for it, once."""
        file = self._ws.files.get(file_id)
        if file is None or file.data is not None:
            return Reply.text(404, "not_found")
        file.data = body
        return Reply.text(200, f"OK - {len(body)}")

    def _post_to_response_url(self, name: str, payload: dict[str, Any]) -> Reply:
        """A post to a response URL: refused once the URL is spent (too old, or used five
        times), else answered as Slack answers the message; a message taken is a use."""
        url = self._ws.issue_response_url(name)
        if self._ws.clock() - url.issued_at > RESPONSE_URL_LIFETIME:
            return Reply.text(*EXPIRED_URL)
        if url.uses >= RESPONSE_URL_USES:
            return Reply.text(*USED_URL)
        reply = _respond(payload)
        if reply.error is None:
            url.uses += 1
            if url.interaction is not None:
                self._ws.answer_interaction(url.interaction, payload)
        return reply


# What Slack answers a response URL past its limits is not documented (the limits are: see
# fakeslack.workspace). Slack's SDK team asked for it to be — slackapi/node-slack-sdk#828,
# "document what error is expected if the limit is exceeded" — and the issue was closed
# unanswered. So these two answers are the fake's own, in the form Slack documents for the
# errors of webhooks, which a response URL is ("a temporary webhook URL",
# api.slack.com/interactivity/slash-commands): an HTTP 4xx whose plain-text body is the error
# code (api.slack.com/messaging/webhooks#handling_errors). Mentorbot depends on neither the
# status nor the body: any answer but 200 is a refusal to it.
EXPIRED_URL = (404, "expired_url")
USED_URL = (404, "used_url")


def _respond(payload: dict[str, Any]) -> Reply:
    """Answer a response_url post the way Slack does: text "ok" or a 400 error."""
    if truthy(payload.get("delete_original")):
        return Reply.text(200, "ok")
    if not any(payload.get(k) for k in ("text", "blocks", "attachments", "markdown_text")):
        return Reply.text(400, "no_text")
    if validate_message(payload):
        return Reply.text(400, "invalid_blocks")
    return Reply.text(200, "ok")


def _hashable(value: Any) -> Any:
    """`value` itself if hashable, else its canonical JSON (for counting)."""
    try:
        hash(value)
    except TypeError:
        return json.dumps(value, sort_keys=True)
    return value

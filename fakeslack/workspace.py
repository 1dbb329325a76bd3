"""What the fake workspace holds: users, channels, messages, views, files, rate windows.

``Workspace`` is plain state plus the lookups every Web API method shares (where the bot may
post, what it may read). It has no lock of its own: ``FakeSlack`` holds its lock around every
use. Methods refuse a call by raising ``ApiError`` before they change anything.
"""

from __future__ import annotations

import copy
import math
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

FIRST_TS = 1_700_000_000
_WORKSPACE_WINDOW = 60.0  # seconds: chat.postMessage's workspace-wide window
# A response_url takes "up to 5" messages "within 30 minutes of receiving the payload"
# (docs.slack.dev/interactivity/handling-user-interaction#message_responses; the same facts in
# slack-specs/supplement.json, interactivity.response_url_uses).
RESPONSE_URL_USES = 5
RESPONSE_URL_LIFETIME = 30 * 60.0  # seconds


def truthy(value: Any) -> bool:
    """Slack-style boolean argument: true/"true"/"1"."""
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))


class ApiError(Exception):
    """Answers ``{"ok": false, "error": ..., **extra}`` (HTTP 200, as Slack does)."""

    status = 200
    headers: dict[str, str] = {}

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.payload = {"ok": False, "error": error, **extra}


class RateLimited(ApiError):
    """HTTP 429 ``{"ok": false, "error": "ratelimited"}`` with ``Retry-After`` seconds."""

    status = 429

    def __init__(self, retry_after: float) -> None:
        super().__init__("ratelimited")
        self.headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}


@dataclass
class User:
    id: str
    name: str
    real_name: str
    tz: str
    tz_offset: int
    is_bot: bool
    deleted: bool


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool
    is_archived: bool
    members: list[str]
    creator: str | None = None
    is_general: bool = False


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
class File:
    """A file between files.getUploadURLExternal and files.completeUploadExternal."""

    id: str
    filename: str
    length: int
    alt_txt: str | None
    data: bytes | None = None
    completed: bool = False


@dataclass(frozen=True)
class Interaction:
    """Who acted, and where, for the response_url of a person's action in the sandbox: what
    the URL takes is then shown to them as Slack shows it (fakeslack.people)."""

    user: str
    channel: str
    message_ts: str | None = None  # the message whose button was clicked


@dataclass
class ResponseUrl:
    """A response_url: when its interaction happened (the clock's reading), how many
    messages it has taken, and (in the sandbox) whose interaction it answers."""

    issued_at: float
    uses: int = 0
    interaction: Interaction | None = None


@dataclass
class Stats:
    """chat.postMessage counters behind ``FakeSlack.stats()``."""

    posts_ok: int = 0
    ratelimited_channel: int = 0
    ratelimited_workspace: int = 0
    first_post_at: float | None = None
    last_post_at: float | None = None


@dataclass
class Workspace:
    """One workspace with its bot; DMs are "D" + the user's id."""

    team_id: str
    bot_user_id: str
    bot_id: str
    clock: Callable[[], float]
    origin: str = ""  # the server's http://127.0.0.1:<port>, once it runs
    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    messages: defaultdict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, File] = field(default_factory=dict)
    uploads: list[Upload] = field(default_factory=list)
    channel_rate: float | None = None
    workspace_per_minute: int | None = None
    last_post: dict[str, float] = field(default_factory=dict)
    workspace_posts: deque[float] = field(default_factory=deque)
    stats: Stats = field(default_factory=Stats)
    response_urls: dict[str, ResponseUrl] = field(default_factory=dict)
    homes: dict[str, str] = field(default_factory=dict)  # user id → their App Home's view id
    opened: dict[str, str] = field(default_factory=dict)  # trigger_id → the modal it opened
    # Unix seconds a message's ts follows (the sandbox's clock); None: counted from FIRST_TS.
    wall: Callable[[], float] | None = None
    _ts: int = 0
    _ids: int = 0

    def next_ts(self) -> str:
        """A message ts: microsecond-style, strictly increasing (and never behind `wall`)."""
        self._ts += 100
        if self.wall is not None:
            self._ts = max(self._ts, int((self.wall() - FIRST_TS) * 1_000_000))
        return f"{FIRST_TS + self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"

    def next_id(self, prefix: str, taken: Iterable[str]) -> str:
        """A fresh id such as C0000003, not among `taken`."""
        existing = set(taken)
        while True:
            self._ids += 1
            candidate = f"{prefix}{self._ids:07d}"
            if candidate not in existing:
                return candidate

    def dm_for_user(self, channel: str) -> str:
        """Map a known user id to its DM channel id ("D" + user id); others unchanged."""
        return f"D{channel}" if channel in self.users else channel

    def conversation_type(self, channel_id: Any) -> str | None:
        """ "public", "private" or "im" for a conversation the workspace knows, else None."""
        if not isinstance(channel_id, str):
            return None
        channel_id = self.dm_for_user(channel_id)
        if channel_id.startswith("D"):
            return "im"
        channel = self.channels.get(channel_id)
        if channel is None:
            return None
        return "private" if channel.is_private else "public"

    def user(self, user_id: Any) -> User:
        user = self.users.get(user_id) if isinstance(user_id, str) else None
        if user is None:
            raise ApiError("user_not_found")
        return user

    def visible_channel(self, channel_id: Any) -> Channel:
        """A registered channel the bot can see (private ones need membership)."""
        channel = self.channels.get(channel_id) if isinstance(channel_id, str) else None
        if channel is None or (channel.is_private and self.bot_user_id not in channel.members):
            raise ApiError("channel_not_found")
        return channel

    def postable(self, channel_id: Any) -> str:
        """Resolve where the bot may post: a DM, a user's DM, or a channel it is in."""
        if not isinstance(channel_id, str) or not channel_id:
            raise ApiError("channel_not_found")
        channel_id = self.dm_for_user(channel_id)
        if channel_id.startswith("D"):
            return channel_id
        channel = self.visible_channel(channel_id)
        if channel.is_archived:
            raise ApiError("is_archived")
        if self.bot_user_id not in channel.members:
            raise ApiError("not_in_channel")
        return channel.id

    def readable(self, channel_id: Any) -> str:
        """Resolve a conversation whose history the bot may read: its DM with a known user,
        or a channel it is a member of (archived ones too)."""
        if not isinstance(channel_id, str) or not channel_id:
            raise ApiError("channel_not_found")
        if channel_id.startswith("D"):
            if channel_id[1:] not in self.users:
                raise ApiError("channel_not_found")
            return channel_id
        channel = self.visible_channel(channel_id)
        if self.bot_user_id not in channel.members:
            raise ApiError("not_in_channel")
        return channel.id

    def message(self, channel: str, ts: Any) -> dict[str, Any]:
        for message in self.messages.get(channel, []):
            if message["ts"] == ts:
                return message
        raise ApiError("message_not_found")

    def new_message(self, text: str, **fields: Any) -> dict[str, Any]:
        """A message from the bot, stamped with the next ts (not stored yet)."""
        return {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "team": self.team_id,
            "ts": self.next_ts(),
            "text": text,
            **fields,
        }

    def channel_info(self, channel: Channel, *, num_members: bool) -> dict[str, Any]:
        info: dict[str, Any] = {
            "id": channel.id,
            "name": channel.name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_general": channel.is_general,
            "is_private": channel.is_private,
            "is_archived": channel.is_archived,
            "is_member": self.bot_user_id in channel.members,
        }
        if channel.creator is not None:
            info["creator"] = channel.creator
        if num_members:
            info["num_members"] = len(channel.members)
        return info

    def im_info(self, channel_id: str) -> dict[str, Any]:
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

    def store_view(self, view: dict[str, Any], view_id: str) -> dict[str, Any]:
        """Store a checked view under `view_id` as Slack returns it (id, hash, state)."""
        self._ids += 1
        stored = {
            **copy.deepcopy(view),
            "id": view_id,
            "team_id": self.team_id,
            "bot_id": self.bot_id,
            "hash": f"{FIRST_TS}.{self._ids:08x}",
            "state": {"values": {}},
        }
        self.views[view_id] = stored
        return copy.deepcopy(stored)

    def check_rate(self, channel: str, now: float) -> None:
        """Raise RateLimited (and count it) if a post to `channel` now is over a limit."""
        if self.channel_rate is not None and channel in self.last_post:
            wait = self.last_post[channel] + 1.0 / self.channel_rate - now
            if wait > 0:
                self.stats.ratelimited_channel += 1
                raise RateLimited(wait)
        limit = self.workspace_per_minute
        if limit is not None:
            window = self.workspace_posts
            while window and window[0] <= now - _WORKSPACE_WINDOW:
                window.popleft()
            if len(window) >= limit:
                self.stats.ratelimited_workspace += 1
                raise RateLimited(window[0] + _WORKSPACE_WINDOW - now)

    def record_post(self, channel: str, now: float) -> None:
        """Fill the rate windows and the stats with one stored post."""
        self.last_post[channel] = now
        window = self.workspace_posts
        window.append(now)
        while window[0] <= now - _WORKSPACE_WINDOW:
            window.popleft()
        stats = self.stats
        stats.posts_ok += 1
        if stats.first_post_at is None:
            stats.first_post_at = now
        stats.last_post_at = now

    def issue_response_url(self, name: str) -> ResponseUrl:
        """The response URL `name`, issued now if it was not before."""
        url = self.response_urls.get(name)
        if url is None:
            url = self.response_urls[name] = ResponseUrl(self.clock())
        return url

    def post_as_person(
        self, user: str, channel: str, text: str, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """A person's message (sandbox): stored as Slack stores it, the ts returned with it."""
        message = {
            "type": "message",
            "user": user,
            "team": self.team_id,
            "ts": self.next_ts(),
            "text": text,
            "blocks": [],
            "thread_ts": thread_ts,
        }
        self.messages[channel].append(message)
        return copy.deepcopy(message)

    def show_privately(self, user: str, channel: str, answer: dict[str, Any]) -> None:
        """An answer only `user` sees ("Only visible to you"): kept in the conversation, out
        of conversations.history, as Slack keeps an ephemeral message."""
        message = self.new_message(
            answer.get("text") or "",
            blocks=copy.deepcopy(answer.get("blocks") or []),
            thread_ts=answer.get("thread_ts") or None,
            ephemeral_to=user,
        )
        self.messages[channel].append(message)

    def answer_interaction(self, interaction: Interaction, payload: dict[str, Any]) -> None:
        """What a response_url took, shown as Slack shows it: the clicked message replaced or
        deleted, a message in the channel, or (the default) an ephemeral one."""
        channel = self.dm_for_user(interaction.channel)
        original = next(
            (
                m
                for m in self.messages.get(channel, [])
                if interaction.message_ts is not None and m["ts"] == interaction.message_ts
            ),
            None,
        )
        if truthy(payload.get("delete_original")):
            if original is not None:
                self.messages[channel].remove(original)
            return
        if truthy(payload.get("replace_original")) and original is not None:
            original["text"] = payload.get("text") or ""
            original["blocks"] = copy.deepcopy(payload.get("blocks") or [])
            return
        if payload.get("response_type") == "in_channel":
            message = self.new_message(
                payload.get("text") or "", blocks=copy.deepcopy(payload.get("blocks") or [])
            )
            message["thread_ts"] = None
            self.messages[channel].append(message)
            return
        self.show_privately(interaction.user, channel, payload)

    def forget_traffic(self) -> None:
        """Forget messages, files, stats, rate windows and response URLs' uses; keep users,
        channels, views and when each response URL was issued."""
        for url in self.response_urls.values():
            url.uses = 0
        self.messages.clear()
        self.files.clear()
        self.uploads.clear()
        self.stats = Stats()
        self.last_post.clear()
        self.workspace_posts.clear()

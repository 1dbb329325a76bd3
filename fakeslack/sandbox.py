"""The sandbox's page: a browser stand-in for Slack's client over the fake's workspace.

``SandboxPage`` serves the page itself (plain HTML, CSS and JavaScript from ``static/``, no
build step), the files people were sent, and a small JSON API the page calls: what one person
sees (their conversations, the messages of one, their App Home, modals opened for them), and
what they do (``fakeslack.people``). What is the app's own business — the clock and its time
machine, starting over — comes from the ``Host`` that runs the sandbox.
"""

from __future__ import annotations

import json
import mimetypes
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from fakeslack.fake import FakeSlack
from fakeslack.people import People, Refused
from fakeslack.server import LoopbackServer, Reply, header
from fakeslack.workspace import ApiError, Workspace

STATIC = Path(__file__).resolve().parent / "static"
PAGES = {
    "/": "index.html",
    "/static/sandbox.js": "sandbox.js",
    "/static/sandbox.css": "sandbox.css",
}


class Host(Protocol):
    """What the page asks of the app it runs: time, and starting over."""

    def now(self) -> datetime: ...

    def next_due(self) -> datetime | None: ...

    def travel(self, to: str) -> datetime:
        """Move the clock: "next", "hour", "day", or an ISO date (YYYY-MM-DD, 09:00 UTC)."""
        ...

    def reset(self, demo: bool) -> None: ...

    def describe(self) -> dict[str, Any]:
        """People's roles ({user id: "mentors Leo"}) and the slash commands with usage."""
        ...


class SandboxPage:
    """The page and its API on `port` (3000 by default) of 127.0.0.1."""

    def __init__(self, fake: FakeSlack, people: People, host: Host, port: int) -> None:
        self.fake = fake
        self.people = people
        self.host = host
        self._server = LoopbackServer(self._serve, port=port)

    @property
    def origin(self) -> str:
        return self._server.origin

    def stop(self) -> None:
        self._server.stop()

    def _serve(self, raw_path: str, headers: dict[str, str], body: bytes) -> Reply:
        url = urlsplit(raw_path)
        if url.path in PAGES:
            return _file(STATIC / PAGES[url.path])
        if url.path.startswith("/files/"):
            return self._upload(unquote(url.path.removeprefix("/files/")))
        if not url.path.startswith("/api/"):
            return Reply.text(404, "not_found")
        refused = _foreign(headers, body, self.origin)
        if refused is not None:
            return Reply.text(403, refused)
        try:
            args = dict(parse_qsl(url.query))
            if body:
                args.update(json.loads(body))
            return Reply.json(200, {"ok": True, **self._api(url.path.removeprefix("/api/"), args)})
        except (Refused, ApiError, KeyError, ValueError) as error:
            return Reply.json(200, {"ok": False, "error": _said(error)})

    def _api(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        me = str(args.get("as") or "")
        if name == "state":
            return self.state(me, args.get("channel"))
        if name == "command":
            self.people.command(me, args["channel"], args["text"])
        elif name == "say":
            self.people.say(me, args["channel"], args["text"], args.get("thread_ts"))
        elif name == "home":
            self.people.open_home(me)
        elif name == "click":
            self.people.click(me, args["where"], args["action"])
        elif name == "submit":
            return self.people.submit(me, args["view_id"], args.get("values") or {})
        elif name == "time":
            self.host.travel(str(args["to"]))
        elif name == "reset":
            self.host.reset(bool(args.get("demo", True)))
        else:
            raise KeyError(name)
        return {}

    def state(self, me: str, channel: str | None) -> dict[str, Any]:
        """What `me` sees: people, conversations, the open one's messages, Home, modals."""
        with self.fake.workspace() as ws:
            person = ws.user(me)
            people = [
                {"id": u.id, "name": u.name, "real_name": u.real_name, "tz": u.tz, "bot": u.is_bot}
                for u in ws.users.values()
                if not u.deleted
            ]
            conversations = _conversations(ws, me)
            messages = _messages(ws, me, channel) if channel else []
            home_id = ws.homes.get(me)
            home = ws.views.get(home_id) if home_id else None
        nxt = self.host.next_due()
        return {
            "me": {"id": person.id, "name": person.name, "tz": person.tz},
            "people": people,
            "bot": self.fake.bot_user_id,
            "conversations": conversations,
            "messages": messages,
            "home": home,
            "modals": self.people.modals_for(me),
            "clock": {
                "now": self.host.now().isoformat(),
                "next": nxt.isoformat() if nxt else None,
            },
            **self.host.describe(),
        }

    def _upload(self, file_id: str) -> Reply:
        for upload in self.fake.uploads():
            if upload.file_id == file_id:
                kind = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
                return Reply(200, upload.data, kind, None)
        return Reply.text(404, "not_found")


def _conversations(ws: Workspace, me: str) -> list[dict[str, Any]]:
    """The channels `me` is in, then their DM with the bot."""
    found = [
        {"id": c.id, "name": c.name, "kind": "channel", "private": c.is_private}
        for c in sorted(ws.channels.values(), key=lambda c: c.name)
        if me in c.members and not c.is_archived
    ]
    bot = ws.users[ws.bot_user_id]
    found.append({"id": f"D{me}", "name": bot.real_name, "kind": "dm", "private": True})
    return found


def _messages(ws: Workspace, me: str, channel: str) -> list[dict[str, Any]]:
    """The conversation's messages `me` may see (ephemeral ones only if theirs), oldest first,
    each with the files it shared and its thread's reply count."""
    if channel.startswith("D") and channel != f"D{me}":
        raise Refused("that is someone else's DM")
    if not channel.startswith("D") and me not in ws.channels[channel].members:
        raise Refused("you are not in that channel")
    stored = [m for m in ws.messages.get(channel, []) if m.get("ephemeral_to") in (None, me)]
    replies: dict[str, int] = {}
    for m in stored:
        if m.get("thread_ts") and m["thread_ts"] != m["ts"]:
            replies[m["thread_ts"]] = replies.get(m["thread_ts"], 0) + 1
    return [
        {
            "ts": m["ts"],
            "user": m.get("user"),
            "text": m.get("text") or "",
            "blocks": m.get("blocks") or [],
            "thread_ts": m.get("thread_ts"),
            "ephemeral": "ephemeral_to" in m,
            "files": m.get("files") or [],
            "replies": replies.get(m["ts"], 0),
        }
        for m in stored
    ]


def _foreign(headers: dict[str, str], body: bytes, origin: str) -> str | None:
    """Why a call to the API is not the page's own, or None. Only the page may act: another
    site open in the same browser could otherwise post to 127.0.0.1 (a JSON body needs a
    preflight it never gets) or reach it under a name of its own (DNS rebinding)."""
    host = header(headers, "host") or ""
    if host.partition(":")[0] not in ("127.0.0.1", "localhost"):
        return "unexpected host"
    if body and "application/json" not in (header(headers, "content-type") or ""):
        return "expected JSON"
    sent_from = header(headers, "origin")
    if sent_from is not None and sent_from.replace("localhost", "127.0.0.1") != origin:
        return "another site's request"
    return None


def _file(path: Path) -> Reply:
    kind = mimetypes.guess_type(path.name)[0] or "text/plain"
    return Reply(200, path.read_bytes(), f"{kind}; charset=utf-8", None)


def _said(error: Exception) -> str:
    if isinstance(error, ApiError):
        return str(error.payload.get("error"))
    if isinstance(error, KeyError):
        return f"missing or unknown: {error.args[0]}"
    return str(error)

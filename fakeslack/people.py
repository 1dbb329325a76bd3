"""The people's side of the fake Slack, for the sandbox: what a person does in Slack's client —
type a slash command or a message, click a button, submit a modal, open the App Home — stored in
the workspace as Slack stores it, then sent to the app as Slack sends it: a request signed with
the app's signing secret, in the payload shapes of ``fakeslack.payloads``.

What the app answers is shown as Slack shows it: an ack's text as an ephemeral message, a
response_url's messages where they belong (``Workspace.answer_interaction``), a modal's
``response_action`` (errors beside the fields, update, push, clear) returned to the page.
Standard library only.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fakeslack.blockkit import validate_view
from fakeslack.fake import FakeSlack
from fakeslack.payloads import event_callback, slack_signature_headers, slash_command
from fakeslack.workspace import Interaction, Workspace

FORM = "application/x-www-form-urlencoded"
APP_ID = "A0001"
_MENTION = re.compile(r"(?<![<\w])@([\w.-]+)")
_CHANNEL = re.compile(r"(?<![<\w])#([\w-]+)")


class Refused(Exception):
    """What a person tried that Slack itself would not let through (said on the page)."""


@dataclass(frozen=True)
class Answer:
    """What the app's HTTP answer showed: the status, and for a modal what to do with it."""

    status: int
    body: dict[str, Any]


class People:
    """Acts for the people of `fake`'s workspace against the app at `app_url` (its
    /slack/events), signing each request with `signing_secret`."""

    def __init__(self, fake: FakeSlack, app_url: str, signing_secret: str) -> None:
        self.fake = fake
        self.app_url = app_url
        self.secret = signing_secret
        self._numbers = itertools.count(1)
        self._run = secrets.token_hex(3)
        self._lock = threading.Lock()
        self._triggers: dict[str, str] = {}  # trigger_id → the person it was issued to
        self._shown: set[str] = set()  # triggers whose modal the page has taken

    # -- what a person does ----------------------------------------------------------------

    def command(self, user: str, channel: str, line: str) -> Answer:
        """`/command text` typed in `channel`: escaped as Slack escapes it (should_escape),
        sent with a response_url and a trigger_id; an ack with text is shown privately."""
        command, _, text = line.strip().partition(" ")
        with self.fake.workspace() as ws:
            ws.user(user)
            escaped = escape(ws, text.strip())
        url = self._interaction_url(Interaction(user, channel))
        body = slash_command(
            command,
            escaped,
            user=user,
            channel=channel,
            response_url=url,
            trigger_id=self._trigger(user),
        )
        answer = self._send(body, FORM)
        self._show_ack(user, channel, answer)
        return answer

    def say(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> Answer:
        """A message typed in a DM or a channel (in a thread with `thread_ts`): stored, then
        delivered to the app as the Events API's message event."""
        with self.fake.workspace() as ws:
            ws.user(user)
            escaped = escape(ws, text.strip())
            kind = _channel_type(ws, channel)
            message = ws.post_as_person(user, ws.dm_for_user(channel), escaped, thread_ts)
        event: dict[str, Any] = {
            "type": "message",
            "channel_type": kind,
            "channel": message_channel(channel),
            "user": user,
            "text": escaped,
            "ts": message["ts"],
            "event_ts": message["ts"],
            "team": self.fake.team_id,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self._send(event_callback(self._event_id(), event), "application/json")

    def open_home(self, user: str) -> Answer:
        """The person opens the app's Home tab (app_home_opened)."""
        event = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"}
        return self._send(event_callback(self._event_id(), event), "application/json")

    def click(self, user: str, where: dict[str, Any], action: dict[str, Any]) -> Answer:
        """An interactive element used in a message (`where`: channel and ts) or a view
        (`where`: view_id, with the view's current `values`): a block_actions payload."""
        action = {**action, "action_ts": f"{time.time():.6f}"}
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": self.fake.team_id, "domain": "sandbox"},
            "user": {"id": user, "username": user.lower(), "team_id": self.fake.team_id},
            "api_app_id": APP_ID,
            "trigger_id": self._trigger(user),
            "actions": [action],
        }
        if "view_id" in where:
            view = self._view_with_state(str(where["view_id"]), where.get("values") or {})
            payload["container"] = {"type": "view", "view_id": view["id"]}
            payload["view"] = view
        else:
            channel, ts = str(where["channel"]), str(where["ts"])
            with self.fake.workspace() as ws:
                message = copy.deepcopy(ws.message(ws.dm_for_user(channel), ts))
            ephemeral = "ephemeral_to" in message
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": message_channel(channel),
                "is_ephemeral": ephemeral,
            }
            payload["channel"] = {"id": message_channel(channel), "name": channel.lower()}
            if not ephemeral:
                message.pop("metadata", None)
                payload["message"] = message
            payload["response_url"] = self._interaction_url(Interaction(user, channel, ts))
        return self._send(urlencode({"payload": json.dumps(payload)}).encode(), FORM)

    def submit(self, user: str, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """A modal submitted: the app's response_action, as the page should follow it —
        {"errors": {block_id: text}}, {"view": the updated or pushed view}, or {} (closed)."""
        view = self._view_with_state(view_id, values)
        payload = {
            "type": "view_submission",
            "team": {"id": self.fake.team_id, "domain": "sandbox"},
            "user": {"id": user, "username": user.lower(), "team_id": self.fake.team_id},
            "api_app_id": APP_ID,
            "trigger_id": self._trigger(user),
            "view": view,
        }
        answer = self._send(urlencode({"payload": json.dumps(payload)}).encode(), FORM)
        body = answer.body
        action = body.get("response_action")
        if answer.status != 200:
            return {"failed": f"the app answered HTTP {answer.status}"}
        if action == "errors":
            return {"errors": body.get("errors") or {}}
        if action in ("update", "push"):
            new = body.get("view")
            problems = validate_view(new) if isinstance(new, dict) else ["view: required"]
            if problems:
                return {"failed": "Slack would refuse this view: " + "; ".join(problems)}
            with self.fake.workspace() as ws:
                target = view_id if action == "update" else ws.next_id("V", ws.views)
                stored = ws.store_view(new, target)
            return {"view": stored, "pushed": action == "push"}
        return {}

    def modals_for(self, user: str) -> list[dict[str, Any]]:
        """Modals the app opened with the triggers of `user`'s actions, not yet shown."""
        with self._lock:
            mine = [t for t, who in self._triggers.items() if who == user and t not in self._shown]
        found = []
        with self.fake.workspace() as ws:
            for trigger in mine:
                view_id = ws.opened.get(trigger)
                if view_id is not None and view_id in ws.views:
                    found.append(copy.deepcopy(ws.views[view_id]))
                    with self._lock:
                        self._shown.add(trigger)
        return found

    # -- on the wire -----------------------------------------------------------------------

    def _send(self, body: bytes, content_type: str) -> Answer:
        headers = {**slack_signature_headers(body, self.secret), "Content-Type": content_type}
        request = urllib.request.Request(self.app_url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, raw, kind = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, kind = error.code, error.read(), error.headers
        except OSError as error:
            raise Refused(f"the app did not answer ({error})") from None
        text = raw.decode("utf-8", "replace")
        if "json" in (kind.get("Content-Type") or "") and text.startswith("{"):
            return Answer(status, json.loads(text))
        return Answer(status, {"text": text} if text else {})

    def _show_ack(self, user: str, channel: str, answer: Answer) -> None:
        """An ack with a message (a slash command's quick answer) is shown to the person only."""
        if answer.status == 200 and (answer.body.get("text") or answer.body.get("blocks")):
            with self.fake.workspace() as ws:
                ws.show_privately(user, ws.dm_for_user(channel), answer.body)

    def _interaction_url(self, interaction: Interaction) -> str:
        name = f"sandbox-{self._run}-{next(self._numbers)}"
        url = self.fake.response_url(name)
        with self.fake.workspace() as ws:
            ws.response_urls[name].interaction = interaction
        return url

    def _trigger(self, user: str) -> str:
        trigger = f"{next(self._numbers)}.{int(time.time())}.{secrets.token_hex(8)}"
        with self._lock:
            self._triggers[trigger] = user
        return trigger

    def _event_id(self) -> str:
        return f"Ev{self._run.upper()}{int(time.time())}{next(self._numbers)}"

    def _view_with_state(self, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
        with self.fake.workspace() as ws:
            view = ws.views.get(view_id)
            if view is None:
                raise Refused("that view is gone")
            view = copy.deepcopy(view)
        view["state"] = {"values": values}
        return view


def escape(ws: Workspace, text: str) -> str:
    """Text as Slack sends it: &, < and > escaped; @name and #channel of the workspace turned
    into <@U…|name> and <#C…|name>."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    names = {u.name.lower(): u for u in ws.users.values() if not u.deleted}
    channels = {c.name.lower(): c for c in ws.channels.values()}

    def person(match: re.Match[str]) -> str:
        user = names.get(match.group(1).lower())
        return f"<@{user.id}|{user.name}>" if user else match.group(0)

    def channel(match: re.Match[str]) -> str:
        found = channels.get(match.group(1).lower())
        return f"<#{found.id}|{found.name}>" if found else match.group(0)

    return _CHANNEL.sub(channel, _MENTION.sub(person, text))


def message_channel(channel: str) -> str:
    """The conversation id Slack puts in a payload: a person's DM with the bot is D + id."""
    return channel if channel[:1] in ("C", "G", "D") else f"D{channel}"


def _channel_type(ws: Workspace, channel: str) -> str:
    kind = ws.conversation_type(channel)
    if kind is None:
        raise Refused("no such conversation")
    return {"im": "im", "public": "channel", "private": "group"}[kind]

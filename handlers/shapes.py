"""What a payload must hold before anything reads it, checked in one step per surface.

Slack's payloads always have the fields the listeners read (`body["user"]["id"]`, a button's
`action_id`, a modal's `state`), so listeners read them plainly. A forged payload may lack
any of them, or hold a list where Slack puts a string; rather than a stack trace and a 500,
`problem` names what is wrong and the request is refused with a 400 and one log line.

Two parts. The envelope: what Bolt itself reads to route a request (the team, the user, the
event, the first action), which it does while building the request, before any middleware —
so the HTTP front (`bot.web`) checks payloads with `problem` before Bolt sees them. Then, per
surface, what its listener reads; `WellFormed` checks that again as Bolt middleware, so
payloads that come by Socket Mode meet the same rules.

Ids are what Slack's ids are (capital letters and digits) and no longer than the columns
that store them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

logger = logging.getLogger("mentorbot.shapes")

Check = Callable[[Any], bool]

_SLACK_ID = re.compile(r"[A-Z0-9]{1,32}")  # U…, W…, C…, D…, G…, T…, E…; the columns hold 32
_EVENT_ID = re.compile(r"[!-~]{1,64}")  # Ev…; InboundEvent.event_id holds 64


def slack_id(value: Any) -> bool:
    """a Slack id"""
    return isinstance(value, str) and _SLACK_ID.fullmatch(value) is not None


def event_id(value: Any) -> bool:
    """an event id"""
    return isinstance(value, str) and _EVENT_ID.fullmatch(value) is not None


def text(value: Any) -> bool:
    """a string"""
    return isinstance(value, str)


def url(value: Any) -> bool:
    """an http(s) URL"""
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # a malformed IPv6 host, say
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _option(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("value"), str)


def _element_state(state: Any) -> bool:
    if not isinstance(state, dict):
        return False
    chosen, several = state.get("selected_option"), state.get("selected_options")
    return (
        isinstance(state.get("value"), str | None)
        and isinstance(state.get("selected_date"), str | None)
        and (chosen is None or _option(chosen))
        and (several is None or (isinstance(several, list) and all(map(_option, several))))
    )


def state_values(value: Any) -> bool:
    """a modal's state: block id → action id → the element's state"""
    return isinstance(value, dict) and all(
        isinstance(block, dict) and all(map(_element_state, block.values()))
        for block in value.values()
    )


# The surfaces: path → check. Required fields must be there; optional ones may be absent or
# null, and are checked when they are there.

Fields = dict[str, Check]

COMMAND: tuple[Fields, Fields] = (
    {"command": text, "user_id": slack_id, "response_url": url},
    {"text": text, "channel_id": slack_id, "team_id": slack_id, "trigger_id": text},
)
BLOCK_ACTIONS: tuple[Fields, Fields] = (
    {"user.id": slack_id, "trigger_id": text, "actions.0.action_id": text},
    {"response_url": url, "actions.0.value": text},
)
VIEW_SUBMISSION: tuple[Fields, Fields] = (
    {"user.id": slack_id, "view.callback_id": text, "view.state.values": state_values},
    {"view.private_metadata": text},
)
EVENT: tuple[Fields, Fields] = ({"event_id": event_id, "event.type": text}, {})
MESSAGE: tuple[Fields, Fields] = (
    {"event.channel": slack_id},
    {
        "event.user": slack_id,
        "event.text": text,
        "event.ts": text,
        "event.thread_ts": text,
        "event.channel_type": text,
        "event.subtype": text,
        "event.bot_id": text,
    },
)
HOME_OPENED: tuple[Fields, Fields] = ({"event.user": slack_id}, {"event.tab": text})


def problem(body: dict[str, Any]) -> str | None:
    """What is wrong with a payload, or None when everything read from it is there."""
    return envelope_problem(body) or surface_problem(body)


def surface_problem(body: dict[str, Any]) -> str | None:
    kind = body.get("type")
    if kind == "block_actions":
        return fields_problem(body, BLOCK_ACTIONS)
    if kind == "view_submission":
        return fields_problem(body, VIEW_SUBMISSION)
    if kind == "event_callback":
        event_type = at(body, "event.type")
        more = {"message": MESSAGE, "app_home_opened": HOME_OPENED}.get(event_type, ({}, {}))
        problem = fields_problem(body, EVENT) or fields_problem(body, more)
        if problem is None and event_type == "message":
            return conversation_problem(body["event"])
        return problem
    if kind is None and "command" in body:
        return fields_problem(body, COMMAND)
    return None  # url_verification, ssl_check, types no listener handles


# The kind of conversation a message says it is in, and the first letter of the ids Slack
# gives such conversations: the answer to a DM goes to its channel, which must be a DM.
_CONVERSATIONS = {"im": "D", "channel": "C", "group": "CG", "mpim": "CG"}


def conversation_problem(event: dict[str, Any]) -> str | None:
    """A message's channel is of the kind its channel_type says."""
    kind, channel = event.get("channel_type"), event["channel"]
    if kind in _CONVERSATIONS and channel[0] not in _CONVERSATIONS[kind]:
        return f"event.channel {channel} is not a {kind}"
    return None


_MISSING = object()


def at(body: Any, path: str) -> Any:
    """The value at a dotted path ("actions.0.action_id"), or _MISSING."""
    node = body
    for key in path.split("."):
        if isinstance(node, dict):
            node = node.get(key, _MISSING)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return _MISSING
    return node


def fields_problem(body: dict[str, Any], fields: tuple[Fields, Fields]) -> str | None:
    required, optional = fields
    for path, check in required.items():
        value = at(body, path)
        if value is _MISSING or value is None:
            return f"no {path}"
        if not check(value):
            return f"{path} is not {check.__doc__}"
    for path, check in optional.items():
        value = at(body, path)
        if value is not _MISSING and value is not None and not check(value):
            return f"{path} is not {check.__doc__}"
    return None


# The envelope Bolt reads (slack_bolt.request.internals.build_context, the built-in
# middleware and listener matchers): where it expects an object, an object; where a string, a
# string. Slack sends null for some of these (an org-wide app's `team`, a workspace's
# `enterprise`), so null passes where Bolt tests for it.

_NAMED = ("user", "team", "enterprise", "channel")  # a string id, or an object with an "id"
_NESTED = ("event", "message", "previous_message", "item", "assistant_thread")  # read alike
_OBJECTS = ("view", "container", "function_data")
_LISTS = ("authorizations", "response_urls")  # lists of objects; the first is read
_STRINGS = ("type", "command", "callback_id", "action_id")  # matched against patterns


def envelope_problem(body: dict[str, Any], where: str = "") -> str | None:
    for key in _NAMED:
        value = body.get(key)
        if not (
            value is None
            or isinstance(value, str)
            or (isinstance(value, dict) and text_or_none(value.get("id")))
        ):
            return f"{where}{key} is neither an id nor an object with one"
    for key in _STRINGS:
        if not text_or_none(body.get(key)):
            return f"{where}{key} is not a string"
    for key in _OBJECTS:
        if not isinstance(body.get(key), dict | None):
            return f"{where}{key} is not an object"
    if "event" in body and not isinstance(body["event"], dict):
        return f"{where}event is not an object"  # Bolt reads body.get("event", {}).get(…)
    for key in _NESTED:
        value = body.get(key)
        if value is not None:
            if not isinstance(value, dict):
                return f"{where}{key} is not an object"
            nested = envelope_problem(value, f"{where}{key}.")
            if nested:
                return nested
    for key in _LISTS:
        value = body.get(key)
        if not (value is None or (isinstance(value, list) and all(map(_is_object, value)))):
            return f"{where}{key} is not a list of objects"
    actions = body.get("actions", [{}])  # Bolt reads the first one whenever there are any
    if not (isinstance(actions, list) and actions and all(map(_is_object, actions))):
        return f"{where}actions is not a list of objects"
    first = (body.get("authorizations") or [None])[0]
    return envelope_problem(first, f"{where}authorizations.0.") if first else None


def text_or_none(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


CHECKED = "mentorbot_shape_checked"  # in a request's context: the HTTP front checked it already


class WellFormed(Middleware):
    """Refuses, before any listener runs, a payload that lacks what its listener reads (unless
    the HTTP front, which refuses such requests itself, marked it checked)."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        if req.context.get(CHECKED):
            return next()
        found = problem(req.body)
        if found is None:
            return next()
        logger.warning("payload refused", extra={"why": found})
        return BoltResponse(status=400, body="")

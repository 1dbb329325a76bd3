"""Thousands of requests of every kind, at the real app over the wire, from people outside the
pair and from its members: nothing breaks, and nothing of the pair is changed or shown.

The requests are drawn from the registries — the slash-command verbs' words, the buttons'
action ids and the shapes of their values, the forms' callback ids — and from around them:
ids beyond what the tables hold, digits that are not ASCII, NUL and lone surrogates, fields
missing or of the wrong type, bodies unsigned, stale, or not what their Content-Type says.

For every request: no 5xx (the one documented 500, an Events API delivery that could not be
stored, cannot happen on a healthy database), no stack in the log. For those by people outside
the pair: the pair's rows unchanged, nothing posted to its channels or its members, none of its
secrets in anything the bot sent. For the members' own: nothing posted outside their pairs.

Hypothesis draws the requests; in CI (`CI` set) the "fuzz-ci" profile derandomizes it, so a run
there is the same every time. Each test is budgeted at ~5 s (EXAMPLES below).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakeslack.payloads import SIGNING_SECRET, TEAM, slack_signature_headers
from handlers.reviews.questionnaire import REVIEW_PAGE
from handlers.routing import BUTTONS, COMMANDS, FORMS, PAIR_FORMS, VERBS, Part
from tests.conftest import ADMIN, MENTEE, MENTOR, OUTSIDER, PAIR_CHANNEL, SECOND_MENTEE
from tests.surfaces import (
    MEMBERS,
    NEW_CHANNEL,
    SECOND_CHANNEL,
    SECRETS,
    Surfaces,
    dm_user,
)

settings.register_profile(
    "fuzz",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fuzz-ci", parent=settings.get_profile("fuzz"), derandomize=True, database=None
)
PROFILE = "fuzz-ci" if os.environ.get("CI") else "fuzz"
# Each example sends 1-10 requests: about 1,000 a test, 2,000 in all, in ~9 s on two cores.
# FUZZ_EXAMPLES=2000 searches harder (a few minutes).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
PAIR_CHANNELS = {PAIR_CHANNEL, SECOND_CHANNEL}
ACTORS = (MENTOR, MENTEE, SECOND_MENTEE)  # the members who act in the members' fuzz


# What to send


@dataclass(frozen=True)
class Request:
    body: bytes
    content_type: str
    headers: dict[str, str]
    signed: bool
    kind: str


def _signed(body: bytes, content_type: str, kind: str) -> Request:
    return Request(body, content_type, slack_signature_headers(body), True, kind)


# Pieces

NOT_ASCII_DIGITS = ("²", "٣", "１", "߂", "𝟗")
NUMBERS = st.one_of(
    st.integers(0, 12).map(str),  # around the pair's real ids and numbers
    st.sampled_from(
        [str(2**31 - 1), str(2**31), "3000000000", str(2**63), "9" * 20, "9" * 400, "-1", "007"]
    ),
    st.sampled_from(NOT_ASCII_DIGITS),
    st.integers(-(10**30), 10**30).map(str),
)
UNSAFE = st.sampled_from(["\x00", "\x07", "\x1b", "\r", "\u2028", "\ufeff", "\ufffd", "\u202e"])
SURROGATES = st.sampled_from(["\ud800", "\udfff", "\udc00"])
TYPED = [
    *("by 2027-01-01", "in 99999999999 days", "by 31/31/2027", "worked:", "#1", "2.1", "new"),
    *("#99999999999999999999", "1.99999999999", "99999999999h", "off", "on", "now", "history"),
    *("<!channel>", "<@UMENTEE>", f"to <@{MENTOR}>", f"for <@{MENTEE}>", "&amp;", "<https://x|y>"),
    *("every 99999999999999999999 weeks", "every 3 weeks mon 10:00", "weekly tue 15:00 Mars/X"),
]
WORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12
) | st.sampled_from(TYPED)
TEXT = st.lists(st.one_of(WORDS, NUMBERS, UNSAFE), max_size=6).map(" ".join)
JSON_TEXT = st.lists(st.one_of(WORDS, NUMBERS, UNSAFE, SURROGATES), max_size=6).map(" ".join)
JUNK_ID = st.sampled_from(["", "u1", "U" * 33, "9" * 5000, "<@U1>", "U 1", "Ü1"]) | st.text(
    max_size=6
)
SLACK_ID = st.from_regex(r"\A[A-Z0-9]{1,11}\Z")
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), JSON_TEXT)
JUNK_JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text("abcdefghijklmnopqrstuvwxyz_", max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


FATES = st.sampled_from(["keep"] * 8 + ["drop", "junk"])


def _drop_or_spoil(draw: st.DrawFn, payload: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """Now and then take a field away, or put junk in its place."""
    for key in keys:
        fate = draw(FATES)
        if fate == "drop":
            payload.pop(key, None)
        elif fate == "junk":
            payload[key] = draw(JUNK_JSON)
    return payload


# Requests of every kind


VERB_WORDS = st.sampled_from(sorted({w for v in VERBS if v.words for w in v.words if w})) | WORDS
CHANNELS = st.sampled_from(sorted(PAIR_CHANNELS) + [NEW_CHANNEL, "DUOUTSIDER"]) | JUNK_ID
SLASH = st.sampled_from([*COMMANDS, "/nope", "", "/WIN"])


@st.composite
def slash_commands(draw: st.DrawFn, users: st.SearchStrategy[str], answer_at: str) -> Request:
    first = draw(VERB_WORDS)
    fields: dict[str, Any] = {
        "token": "unused",
        "team_id": TEAM,
        "channel_id": draw(CHANNELS),
        "user_id": draw(users),
        "command": draw(SLASH),
        "text": f"{first} {draw(TEXT)}".strip(),
        "response_url": answer_at,
        "trigger_id": "1.2.3",
    }
    fields = _drop_or_spoil(draw, fields, ["team_id", "channel_id", "user_id", "command"])
    # A lone surrogate in a form field is percent-encoded as the bytes no UTF-8 has.
    raw = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
    body = urlencode({k: v.encode("utf-8", "surrogatepass") for k, v in raw.items()})
    return _signed(body.encode(), FORM, "command")


def _value_for(draw: st.DrawFn, parts: tuple[Any, ...]) -> str:
    pieces = []
    for part in parts:
        if isinstance(part, Part):
            pieces.append(draw(NUMBERS))
        elif isinstance(part, type) and issubclass(part, Enum):
            pieces.append(draw(st.sampled_from([e.value for e in part]) | WORDS))
    if draw(st.integers(0, 9)) == 0:  # a part too many or too few
        pieces = pieces[:-1] if pieces and draw(st.booleans()) else [*pieces, draw(NUMBERS)]
    return ":".join(pieces)


REGISTERED = st.sampled_from(
    [(b.action_id, b.value) for b in BUTTONS]
    + [(form.opener, (Part.PAIR,)) for form in PAIR_FORMS.values()]
)
SUFFIXES = st.sampled_from(["", "", "_0", "_2", "_99999999999", "_²", "x"])


@st.composite
def clicks(draw: st.DrawFn, users: st.SearchStrategy[str], answer_at: str) -> Request:
    action_id, parts = draw(REGISTERED)
    suffix = draw(SUFFIXES)
    value = _value_for(draw, parts) if draw(st.integers(0, 5)) else draw(JSON_TEXT)
    on_home = draw(st.booleans())
    where: dict[str, Any] = (
        {"container": {"type": "view", "view_id": "VHOME"}, "view": {"id": "VHOME", "type": "home"}}
        if on_home
        else {
            "container": {"type": "message", "channel_id": PAIR_CHANNEL},
            "channel": {"id": draw(st.sampled_from([PAIR_CHANNEL, SECOND_CHANNEL]))},
            "response_url": answer_at,
        }
    )
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": draw(users)},
        "api_app_id": "A0001",
        "trigger_id": "1.2.3",
        **where,
        "actions": [
            {"type": "button", "action_id": action_id + suffix, "block_id": "b", "value": value}
        ],
    }
    payload = _drop_or_spoil(draw, payload, ["user", "trigger_id", "actions", "team", "channel"])
    if (
        "actions" in payload
        and isinstance(payload["actions"], list)
        and draw(st.integers(0, 9)) == 0
    ):
        payload["actions"] = []
    body = urlencode({"payload": json.dumps(payload)})
    return _signed(body.encode(), FORM, "click")


@st.composite
def submissions(draw: st.DrawFn, users: st.SearchStrategy[str]) -> Request:
    callback_id = draw(st.sampled_from([*sorted(FORMS), REVIEW_PAGE]) | WORDS)
    metadata = draw(
        NUMBERS
        | st.builds(
            lambda review, page: json.dumps({"review": review, "page": page}),
            st.integers(-5, 10**30) | st.none(),
            st.sampled_from(["ssc", "fit", "checkin", "audit:1", "evidence", "goalpost:9999"])
            | st.integers(-1, 99)
            | WORDS,
        )
        | JSON_TEXT
    )
    blocks = [block for form in FORMS.values() for block in form.fields.values()]
    blocks += ["stop", "start", "continue", "fit_score", "fit_comment", "evidence", "decision:1"]
    element = st.fixed_dictionaries(
        {"type": st.sampled_from(["plain_text_input", "static_select", "datepicker"])},
        optional={
            "value": JSON_TEXT,
            "selected_option": st.fixed_dictionaries({"value": NUMBERS | WORDS}),
            "selected_options": st.lists(st.fixed_dictionaries({"value": NUMBERS}), max_size=3),
            "selected_date": st.sampled_from(["2027-01-01", "2027-02-30", "", "0001-01-01"])
            | WORDS,
        },
    )
    values = draw(st.dictionaries(st.sampled_from(blocks), element, max_size=4))
    state = {block: {block: value} for block, value in values.items()}
    view: dict[str, Any] = {
        "id": "V1",
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "state": {"values": state},
    }
    view = _drop_or_spoil(draw, view, ["callback_id", "private_metadata", "state"])
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": draw(users)},
        "trigger_id": "1.2.3",
        "view": view,
    }
    payload = _drop_or_spoil(draw, payload, ["user", "view"])
    return _signed(urlencode({"payload": json.dumps(payload)}).encode(), FORM, "submission")


@st.composite
def events(draw: st.DrawFn, users: st.SearchStrategy[str]) -> Request:
    user = draw(users)
    event: dict[str, Any] = {
        "type": draw(st.sampled_from(["message", "message", "app_home_opened", "reaction_added"])),
        "user": user,
        "channel": draw(st.sampled_from([f"D{user}"[:32], PAIR_CHANNEL, SECOND_CHANNEL]) | JUNK_ID),
        "channel_type": draw(st.sampled_from(["im", "group", "channel", "mpim"])),
        "text": draw(st.sampled_from(["goal: ", "win: ", "stop: ", "help", ""])) + draw(JSON_TEXT),
        "ts": "1763715600.000100",
        "tab": draw(st.sampled_from(["home", "messages"])),
    }
    if draw(st.booleans()):
        event["thread_ts"] = draw(st.sampled_from(["1763715600.000001", "1.1"]))
    if draw(st.integers(0, 5)) == 0:
        event["subtype"] = draw(st.sampled_from(["message_changed", "bot_message", "file_share"]))
    event = _drop_or_spoil(draw, event, ["type", "user", "channel", "text", "channel_type"])
    envelope: dict[str, Any] = {
        "token": "unused",
        "team_id": TEAM,
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": f"Ev{draw(st.integers(0, 10**9))}",
        "event_time": 1763715600,
        "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
        "event": event,
    }
    envelope = _drop_or_spoil(draw, envelope, ["event_id", "event", "authorizations", "type"])
    return _signed(json.dumps(envelope).encode(), JSON, "event")


@st.composite
def junk(draw: st.DrawFn) -> Request:
    """Bodies that are not what Slack sends, signed or not."""
    body = draw(
        st.binary(max_size=200)
        | JUNK_JSON.map(lambda v: json.dumps(v).encode())
        | st.sampled_from(
            [
                b"\xef\xbb\xbf{}",
                b"[" * 3000,
                b'{"a":' + b"[" * 40 + b"]" * 40 + b"}",
                b"payload=%ff",
            ]
        )
        | JUNK_JSON.map(lambda v: urlencode({"payload": json.dumps(v)}).encode())
    )
    content_type = draw(st.sampled_from([JSON, FORM, "text/plain", "", f"{JSON}; charset=utf-8"]))
    how = draw(st.sampled_from(["signed", "unsigned", "other secret", "stale", "junk timestamp"]))
    if how == "signed":
        return _signed(body, content_type, "junk")
    if how == "unsigned":
        return Request(body, content_type, {}, False, "junk")
    if how == "other secret":
        headers = slack_signature_headers(body, secret="0" * 32)
    elif how == "stale":
        headers = slack_signature_headers(body, timestamp=int(time.time()) - 301)
    else:
        stamp = draw(st.sampled_from(["x", "1.5", "-1", "9" * 30]))
        digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
        headers = {
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": "v0=" + digest.hexdigest(),
        }
    return Request(body, content_type, headers, False, "junk")


def requests(users: st.SearchStrategy[str], answer_at: str) -> st.SearchStrategy[Request]:
    return st.one_of(
        slash_commands(users, answer_at),
        clicks(users, answer_at),
        submissions(users),
        events(users),
        junk(),
    )


# Watching what happens


class Stacks(logging.Handler):
    """Records, from our loggers and the server's, errors and anything logged with a stack, and
    any line a UTF-8 stream could not write (a lone surrogate repeated from a payload)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        ours = record.name.split(".")[0] in ("mentorbot", "waitress", "slack_bolt", "slack_sdk")
        message = record.getMessage()
        if ours and (record.exc_info or record.levelno >= logging.ERROR):
            self.found.append(f"{record.name}: {message}")
        try:
            message.encode("utf-8")
        except UnicodeEncodeError:
            self.found.append(f"{record.name}: unwritable: {message!r}")


@contextmanager
def watching_logs() -> Iterator[Stacks]:
    stacks = Stacks()
    root = logging.getLogger()
    root.addHandler(stacks)
    try:
        yield stacks
    finally:
        root.removeHandler(stacks)


def pair_rows(snapshot: str, pair_ids: set[int]) -> dict[str, list[Any]]:
    """The pair's own rows in a snapshot: its pairs, everything with their pair_id or one of
    their reviews, and the drafts of its members."""
    tables = json.loads(snapshot)
    reviews = {row["id"] for row in tables.get("review", []) if row["pair_id"] in pair_ids}
    kept: dict[str, list[Any]] = {}
    for name, rows in tables.items():
        kept[name] = [
            row
            for row in rows
            if (name == "pair" and row["id"] in pair_ids)
            or row.get("pair_id") in pair_ids
            or row.get("review_id") in reviews
            or (name == "draft" and row["user_id"] in MEMBERS)
        ]
    return kept


def send(surfaces: Surfaces, request: Request) -> int:
    response = surfaces.wire.http.post(
        "/slack/events",
        content=request.body,
        headers={"Content-Type": request.content_type, **request.headers},
    )
    return response.status_code


def sent_safely(surfaces: Surfaces, batch: list[Request]) -> list[tuple[str, str]]:
    """Send each request: none may get a 5xx, an unsigned one must get 401 (or 413), and none
    may leave a stack in the log. Returns what the bot sent meanwhile."""
    since = len(surfaces.fake.calls)
    with watching_logs() as stacks:
        for request in batch:
            status = send(surfaces, request)
            assert status < 500, (status, request)
            assert request.signed or status in (401, 413), (status, request)
    assert stacks.found == [], stacks.found
    return sent_by_the_bot(surfaces, since)


def sent_by_the_bot(surfaces: Surfaces, since: int) -> list[tuple[str, str]]:
    """(where, what) for every post, upload, Home, modal and private reply since `since`."""
    found = []
    for call in surfaces.fake.calls[since:]:
        if call.method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            found.append((str(call.args.get("channel")), json.dumps(call.args)))
        elif call.method == "views.publish":
            found.append((f"home:{call.args.get('user_id')}", json.dumps(call.args)))
        elif call.method in ("views.open", "views.update", "views.push"):
            found.append(("modal", json.dumps(call.args)))
        elif call.method.startswith("respond:") or call.method == "upload":
            found.append((call.method, json.dumps(call.args)))
    return found


OUTSIDERS = st.sampled_from([OUTSIDER, "UOTHER1", "W0NEW"]) | SLACK_ID.filter(
    lambda u: u not in (*MEMBERS, ADMIN)
)


@pytest.fixture
def fuzzed(surfaces: Surfaces) -> Iterator[Surfaces]:
    surfaces.restore()
    yield surfaces
    surfaces.restore()


def test_nothing_anyone_else_sends_breaks_or_changes_the_pair(fuzzed: Surfaces) -> None:
    """Requests of every kind from people outside the pair (admins aside: they may end a
    pair), signed or not: no 5xx, no stack, the pair's rows unchanged, nothing posted to its
    channels, members or their Homes, and none of its secrets in anything sent."""
    surfaces = fuzzed
    pair_ids = {surfaces.ids["pair"], surfaces.ids["pair"] + 1}
    answer_at = surfaces.fake.response_url("fuzz")
    before = pair_rows(surfaces.snapshot(), pair_ids)
    sent = 0

    @settings(settings.get_profile(PROFILE), max_examples=EXAMPLES)
    @given(st.lists(requests(OUTSIDERS, answer_at), min_size=1, max_size=10))
    def attempt(batch: list[Request]) -> None:
        nonlocal sent
        bot_sent = sent_safely(surfaces, batch)
        assert pair_rows(surfaces.snapshot(), pair_ids) == before
        for where, what in bot_sent:
            assert where not in PAIR_CHANNELS and dm_user(where) not in MEMBERS, (where, what)
            assert where.removeprefix("home:") not in MEMBERS, (where, what)
            assert not any(secret in what for secret in SECRETS), (where, what)
        sent += len(batch)

    attempt()
    assert sent >= EXAMPLES


MEMBERS_ACTING = st.sampled_from(ACTORS)


def test_nothing_a_member_sends_breaks_the_bot_or_reaches_outside_the_pair(
    fuzzed: Surfaces,
) -> None:
    """The members' own requests, with the same junk typed and forged: no 5xx, no stack, and
    whatever the bot posts goes to their pairs' channels, their DMs or their Homes."""
    surfaces = fuzzed
    answer_at = surfaces.fake.response_url("fuzz")
    sent = 0
    allowed = PAIR_CHANNELS | set(MEMBERS) | {f"D{m}" for m in MEMBERS} | {"modal"}
    allowed |= {f"home:{m}" for m in MEMBERS} | {"respond:fuzz", "upload"}

    @settings(settings.get_profile(PROFILE), max_examples=EXAMPLES)
    @given(st.lists(requests(MEMBERS_ACTING, answer_at), min_size=1, max_size=10))
    def attempt(batch: list[Request]) -> None:
        nonlocal sent
        for where, what in sent_safely(surfaces, batch):
            assert where in allowed, (where, what)
        sent += len(batch)

    attempt()
    assert sent >= EXAMPLES

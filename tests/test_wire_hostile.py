"""Hostile or broken input over the wire: a clear refusal, one log line, nothing changed.

The HTTP front checks the signature on the raw bytes before anything is parsed (unsigned,
stale or junk-timestamped: 401), then that the body is what its Content-Type says and what
Slack sends (400, or 413 when too large); each surface then checks the fields its listener
reads (400). Numbers people type are bounded by what the tables hold, and text is cleaned of
what the database cannot store, on both backends.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from bot.app import create_app
from bot.web import MAX_BODY_BYTES, Refused, check_signature, make_wsgi_app
from fakeslack.payloads import (
    SIGNING_SECRET,
    block_action,
    event_callback,
    message_event,
    slack_signature_headers,
    slash_command,
    view_submission,
)
from handlers.goals.blocks import GOAL_FORM
from handlers.reviews.questionnaire import REVIEW_PAGE
from handlers.wins.blocks import UNDO_WIN
from mentoring.model import PairInfo
from storage.db import session_scope
from storage.models import Draft, Goal, InboundEvent, Pair, Win
from tests.conftest import MENTEE, OUTSIDER, PAIR_CHANNEL, Wire, dm_channel
from tests.surfaces import Surfaces

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@pytest.fixture
def served(surfaces: Surfaces) -> Wire:
    """The app over the wire on the populated pair (tests/surfaces.py), restored: the checks
    here need no fresh app of their own."""
    surfaces.restore()
    return surfaces.wire


def _stored(wire: Wire) -> list[object]:
    with session_scope(wire.services.engine) as session:
        return [
            row.model_dump()
            for model in (Pair, Goal, Win, Draft, InboundEvent)
            for row in session.exec(select(model)).all()
        ]


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    failed = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert failed == [], [r.getMessage() for r in failed]


def _refused_once(wire: Wire, caplog: pytest.LogCaptureFixture, send: object, status: int) -> None:
    """`send()` gets `status`, logs one line without a stack, and changes nothing."""
    before, calls = _stored(wire), len(wire.fake.calls)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mentorbot"):
        response = send()  # type: ignore[operator]
    assert response.status_code == status, response.text
    _no_traceback(caplog)
    lines = [r for r in caplog.records if r.name.startswith("mentorbot")]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert _stored(wire) == before and len(wire.fake.calls) == calls


def _raw(wire: Wire, body: bytes, content_type: str, headers: dict[str, str] | None = None):
    def send():
        sent = {"Content-Type": content_type, **(headers or {})}
        return wire.http.post("/slack/events", content=body, headers=sent)

    return send


def _signed(wire: Wire, body: bytes, content_type: str):
    return _raw(wire, body, content_type, slack_signature_headers(body))


MALFORMED = {
    "not UTF-8": (b'{"type": "event_callback", "x": "\xff\xfe"}', JSON),
    "a JSON array": (b"[]", JSON),
    "JSON null": (b"null", JSON),
    "a byte-order mark": (b'\xef\xbb\xbf{"type": "url_verification"}', JSON),
    "3,000 deep": (b'{"a": ' + b"[" * 3000 + b"]" * 3000 + b"}", JSON),
    "64 deep": (b'{"a": ' + b"[" * 64 + b"]" * 64 + b"}", JSON),
    "not JSON": (b"{'type': 'event_callback'}", JSON),
    "a form with bad UTF-8": (b"command=%2Fwin&text=%ff%fe&user_id=U1", FORM),
    "a form payload that is an array": (b"payload=%5B%5D", FORM),
    "a form payload that is not JSON": (b"payload=%7Bnope", FORM),
    "JSON sent as a form": (b'{"type": "event_callback"}', FORM),
    "an unknown content type": (b"type=event_callback", "text/plain"),
    "no content type": (b"command=%2Fwin", ""),
}


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize("what", MALFORMED)
def test_a_malformed_body_is_refused(
    served: Wire, caplog: pytest.LogCaptureFixture, what: str, signed: bool
) -> None:
    """Without a valid signature nothing is parsed: 401. Signed, but not what its
    Content-Type says or not what Slack sends: 400. One line, no stack, either way."""
    body, content_type = MALFORMED[what]
    send = _signed(served, body, content_type) if signed else _raw(served, body, content_type)
    _refused_once(served, caplog, send, 400 if signed else 401)


@pytest.mark.parametrize(
    "timestamp", ["junk", "", "1.7e9", "1_763_715_600", "+1763715600", "9" * 400, "-1"]
)
def test_a_junk_timestamp_is_unauthorized(
    served: Wire, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    """X-Slack-Request-Timestamp must be the integer Slack sends: anything else is 401, even
    with a signature computed over it."""
    body = json.dumps({"type": "url_verification", "challenge": "c"}).encode()
    base = f"v0:{timestamp}:".encode() + body
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
    _refused_once(served, caplog, _raw(served, body, JSON, headers), 401)


@pytest.mark.parametrize("timestamp", [" {now}", "{now} ", "\u0661{now}"])
def test_a_timestamp_int_would_accept_is_still_refused(timestamp: str) -> None:
    """int() reads " 17…", "17… " and Arabic-Indic digits; Slack sends none of them."""
    now = int(time.time())
    timestamp = timestamp.format(now=now)
    base = f"v0:{timestamp}:".encode() + b"{}"
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    environ = {"HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp, "HTTP_X_SLACK_SIGNATURE": signature}
    with pytest.raises(Refused, match="timestamp"):
        check_signature(SIGNING_SECRET.encode(), b"{}", environ, now)


def test_the_signature_check_agrees_with_slack_sdk() -> None:
    """On what both can read, the front and slack_sdk's SignatureVerifier agree."""
    from slack_sdk.signature import SignatureVerifier

    now = int(time.time())
    verifier = SignatureVerifier(SIGNING_SECRET, clock=type("C", (), {"now": lambda self: now})())
    for body, age, secret in [
        (b"{}", 0, SIGNING_SECRET),
        (b"a=1", 299, SIGNING_SECRET),
        (b"a=1", 301, SIGNING_SECRET),
        (b"{}", -299, "other"),
        ('{"t": "é"}'.encode(), 10, SIGNING_SECRET),
    ]:
        headers = slack_signature_headers(body, secret, timestamp=now - age)
        environ = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        try:
            check_signature(SIGNING_SECRET.encode(), body, environ, now)
            ours = True
        except Refused:
            ours = False
        assert ours == verifier.is_valid_request(body, headers), (body, age, secret)


def test_a_signature_of_another_body_is_unauthorized(
    served: Wire, caplog: pytest.LogCaptureFixture
) -> None:
    """The signature covers the exact bytes: one byte changed is 401."""
    body = json.dumps({"type": "url_verification", "challenge": "c"}).encode()
    headers = slack_signature_headers(body.replace(b"c", b"d"))
    _refused_once(served, caplog, _raw(served, body, JSON, headers), 401)


def test_a_future_timestamp_is_unauthorized(served: Wire, caplog: pytest.LogCaptureFixture) -> None:
    """Five minutes either way: a request signed ten minutes ahead is refused too."""
    body = json.dumps({"type": "url_verification", "challenge": "c"}).encode()
    headers = slack_signature_headers(body, timestamp=int(time.time()) + 600)
    _refused_once(served, caplog, _raw(served, body, JSON, headers), 401)


def test_a_body_larger_than_slack_sends_is_refused_unread(served: Wire) -> None:
    """Past MAX_BODY_BYTES the server refuses the body before buffering it: 413."""
    body = b'{"type": "event_callback", "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    before = _stored(served)
    assert _signed(served, body, JSON)().status_code == 413
    assert _stored(served) == before


def test_the_front_itself_refuses_a_large_body_unread(caplog: pytest.LogCaptureFixture) -> None:
    """Under any WSGI server: a Content-Length past MAX_BODY_BYTES is 413, the body unread."""

    class Unreadable:
        def read(self, size: int = -1) -> bytes:
            raise AssertionError("the body was read")

    front = make_wsgi_app(app=None, engine=None, signing_secret=SIGNING_SECRET, probes=())  # type: ignore[arg-type]
    environ = {
        "PATH_INFO": "/slack/events",
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(MAX_BODY_BYTES + 1),
        "wsgi.input": Unreadable(),
    }
    statuses: list[str] = []
    with caplog.at_level(logging.INFO, logger="mentorbot"):
        front(environ, lambda status, headers: statuses.append(status))
    assert statuses == ["413 Content Too Large"]
    assert [r.getMessage() for r in caplog.records] == ["request refused"]


def test_the_health_check_needs_no_signature(served: Wire) -> None:
    """GET /healthz stays open to the load balancer."""
    assert served.http.get("/healthz").status_code == 200


# Signed, well-formed JSON, but missing what a listener reads


def _interaction(payload: dict[str, object]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def _click(wire: Wire, **changes: object) -> dict[str, object]:
    body = block_action(UNDO_WIN, "1", user=MENTEE, response_url=wire.fake.response_url("c"))
    return _changed(_decode(body), changes)


def _decode(form: bytes) -> dict[str, object]:
    from urllib.parse import parse_qsl

    return json.loads(dict(parse_qsl(form.decode()))["payload"])


def _changed(payload: dict[str, object], changes: dict[str, object]) -> dict[str, object]:
    """`payload` with each dotted path set to its value (or removed, for None)."""
    for path, value in changes.items():
        *parents, last = path.split(".")
        node: object = payload
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]  # type: ignore[index]
        if value is None:
            if isinstance(node, list):
                node.pop(int(last))
            else:
                node.pop(last, None)  # type: ignore[union-attr]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value  # type: ignore[index]
    return payload


CLICKS = {
    "no user": {"user": None},
    "a user without an id": {"user.id": None},
    "a user that is a string of digits": {"user": "1" * 5000},
    "no trigger_id": {"trigger_id": None},
    "no action_id": {"actions.0.action_id": None},
    "an action_id that is a number": {"actions.0.action_id": 7},
    "an empty actions list": {"actions": []},
    "actions that are not a list": {"actions": {"0": {}}},
    "a value that is an object": {"actions.0.value": {"id": 1}},
    "a response_url that is no URL": {"response_url": "not a url"},
    "a team that is a number": {"team": 5},
    "an enterprise that is a list": {"enterprise": [1]},
    "authorizations that are a number": {"authorizations": 3},
    "a user id of 5,000 characters": {"user.id": "U" * 5000},
}


@pytest.mark.parametrize("what", CLICKS)
def test_a_forged_click_missing_what_the_listener_reads_is_a_bad_request(
    served: Wire, caplog: pytest.LogCaptureFixture, what: str
) -> None:
    """A signed block_actions payload without a field the button listener reads: 400."""
    payload = _click(served, **CLICKS[what])
    _refused_once(served, caplog, _signed(served, _interaction(payload), FORM), 400)


def test_a_click_without_a_response_url_is_answered_nowhere(
    served: Wire, caplog: pytest.LogCaptureFixture
) -> None:
    """Home clicks come without a response_url, so a click may lack one: it is acknowledged,
    its refusal (the win is not this person's) has nowhere to go, no stack."""
    payload = _click(served, response_url=None, **{"user.id": OUTSIDER})
    before = _stored(served)
    assert _signed(served, _interaction(payload), FORM)().status_code == 200
    assert _stored(served) == before and served.fake.responses() == []
    _no_traceback(caplog)


def test_a_dm_without_a_person_is_acknowledged_and_ignored(
    served: Wire, caplog: pytest.LogCaptureFixture
) -> None:
    """A message with no user is not a person's DM (joins, bots): 200, nothing stored."""
    envelope = json.loads(
        message_event("EvNobody", user=MENTEE, text="win: x", channel=dm_channel(MENTEE))
    )
    del envelope["event"]["user"]
    before = _stored(served)
    assert _signed(served, json.dumps(envelope).encode(), JSON)().status_code == 200
    assert _stored(served) == before
    _no_traceback(caplog)


def test_socket_mode_payloads_meet_the_same_checks(
    surfaces: Surfaces, caplog: pytest.LogCaptureFixture
) -> None:
    """Socket Mode skips the HTTP front: the surfaces' check also runs as Bolt middleware, so a
    click without its user is refused there, before any listener, with one line."""
    from slack_bolt import BoltRequest

    app = create_app(surfaces.settings, surfaces.services)
    payload = _click(surfaces.wire, user=None)
    caplog.clear()
    response = app.dispatch(BoltRequest(body=payload, mode="socket_mode"))
    assert response.status == 400
    _no_traceback(caplog)
    assert [r.getMessage() for r in caplog.records if r.name == "mentorbot.shapes"] == [
        "payload refused"
    ]


def _form_payload(**changes: object) -> dict[str, object]:
    payload = _decode(view_submission(GOAL_FORM, {}, user=MENTEE, private_metadata="1"))
    return _changed(payload, changes)


SUBMISSIONS = {
    "no view": {"view": None},
    "a view without a callback_id": {"view.callback_id": None},
    "a view without state": {"view.state": None},
    "state values that are a list": {"view.state.values": []},
    "a block that is a string": {"view.state.values": {"goal_outcome": "x"}},
    "a field value that is a number": {
        "view.state.values": {"goal_outcome": {"goal_outcome": {"value": 7}}}
    },
    "private_metadata that is a number": {"view.private_metadata": 1},
    "no user": {"user": None},
}


@pytest.mark.parametrize("what", SUBMISSIONS)
def test_a_forged_submission_missing_what_the_listener_reads_is_a_bad_request(
    served: Wire, caplog: pytest.LogCaptureFixture, what: str
) -> None:
    """A signed view_submission without the view, its callback_id or its state: 400."""
    payload = _form_payload(**SUBMISSIONS[what])
    _refused_once(served, caplog, _signed(served, _interaction(payload), FORM), 400)


def _command_fields(wire: Wire, **changes: str | None) -> bytes:
    from urllib.parse import parse_qsl

    answer_at = wire.fake.response_url("forged")
    body = slash_command(
        "/win", "Did it", user=MENTEE, channel=PAIR_CHANNEL, response_url=answer_at
    )
    fields = dict(parse_qsl(body.decode()))
    for key, value in changes.items():
        if value is None:
            fields.pop(key)
        else:
            fields[key] = value
    return urlencode(fields).encode()


COMMANDS = {
    "no user_id": {"user_id": None},
    "no response_url": {"response_url": None},
    "a user_id of 5,000 characters": {"user_id": "U" * 5000},
    "a team_id of 5,000 characters": {"team_id": "T" * 5000},
    "a channel_id that is not an id": {"channel_id": "<#C1>"},
}


@pytest.mark.parametrize("what", COMMANDS)
def test_a_forged_command_missing_what_the_listener_reads_is_a_bad_request(
    served: Wire, caplog: pytest.LogCaptureFixture, what: str
) -> None:
    """A signed slash command without the person, the command or where to answer: 400."""
    body = _command_fields(served, **COMMANDS[what])
    _refused_once(served, caplog, _signed(served, body, FORM), 400)


def test_a_command_with_no_command_is_not_handled(
    served: Wire, caplog: pytest.LogCaptureFixture
) -> None:
    """Without `command` it is no slash command at all: no listener is for it, nothing done,
    no stack."""
    body = _command_fields(served, command=None)
    before = _stored(served)
    response = _signed(served, body, FORM)()
    assert response.status_code < 500
    _no_traceback(caplog)
    assert _stored(served) == before


EVENTS = {
    "no event_id": lambda e: {k: v for k, v in e.items() if k != "event_id"},
    "an event_id of 5,000 characters": lambda e: {**e, "event_id": "E" * 5000},
    "an event that is null": lambda e: {**e, "event": None},
    "an event without a type": lambda e: {**e, "event": {"user": MENTEE}},
    "a DM without a channel": lambda e: {
        **e,
        "event": {k: v for k, v in e["event"].items() if k != "channel"},
    },
    "a DM whose user is an object": lambda e: {**e, "event": {**e["event"], "user": {"id": 1}}},
    "a DM whose text is a list": lambda e: {**e, "event": {**e["event"], "text": ["win: x"]}},
    "a DM whose channel is the pair's": lambda e: {
        **e,
        "event": {**e["event"], "channel": PAIR_CHANNEL},
    },
    "a thread reply whose channel is a DM": lambda e: {
        **e,
        "event": {**e["event"], "channel_type": "group", "thread_ts": "1.1"},
    },
    "a Home opened by nobody": lambda e: {
        **e,
        "event": {"type": "app_home_opened", "tab": "home", "channel": "D1"},
    },
}


@pytest.mark.parametrize("what", EVENTS)
def test_a_forged_event_missing_what_the_listener_reads_is_a_bad_request(
    served: Wire, caplog: pytest.LogCaptureFixture, what: str
) -> None:
    """A signed event_callback without its id, or a DM without its channel or person: 400,
    nothing stored."""
    envelope = json.loads(
        message_event("EvForged", user=MENTEE, text="win: forged", channel=dm_channel(MENTEE))
    )
    body = json.dumps(EVENTS[what](envelope)).encode()
    _refused_once(served, caplog, _signed(served, body, JSON), 400)


def test_an_answer_to_a_conversation_slack_refuses_is_one_line(
    served: Wire, caplog: pytest.LogCaptureFixture
) -> None:
    """A DM whose answer Slack refuses (channel_not_found: a forged channel, a conversation
    closed since): acknowledged, one warning, no stack."""
    served.fake.fail_next("chat.postMessage", "channel_not_found")
    assert served.dm("EvGhost", "help", user=MENTEE).status_code == 200
    _no_traceback(caplog)
    refused = [r for r in caplog.records if r.getMessage() == "could not reply"]
    assert len(refused) == 1 and refused[0].error == "channel_not_found"  # type: ignore[attr-defined]


def test_a_message_event_slack_sends_without_a_person_is_still_acknowledged(served: Wire) -> None:
    """An edit (message_changed: no top-level user) is well formed: 200, nothing done."""
    event = {
        "type": "message",
        "subtype": "message_changed",
        "channel": dm_channel(MENTEE),
        "channel_type": "im",
        "message": {"type": "message", "user": MENTEE, "text": "edited", "ts": "1.2"},
        "ts": "1.3",
    }
    response = served.post(event_callback("EvEdit", event), JSON)
    assert response.status_code == 200


def test_url_verification_still_needs_nothing_but_a_signature(served: Wire) -> None:
    """Slack's challenge has no event and no team: it is answered."""
    body = json.dumps({"type": "url_verification", "challenge": "c-1", "token": "t"}).encode()
    assert "c-1" in served.post(body, JSON).text


# Ids in payloads and numbers people type: no further than the tables hold


def test_a_review_page_with_a_huge_review_id_is_out_of_date(
    served: Wire, caplog: pytest.LogCaptureFixture
) -> None:
    """private_metadata naming review 10**30 (beyond any id column): the page says it is out
    of date; no overflow, no stack."""
    metadata = json.dumps({"review": 10**30, "page": "ssc"})
    response = served.submit(REVIEW_PAGE, {}, user=MENTEE, private_metadata=metadata)
    assert response.status_code == 200
    assert "out of date" in json.dumps(response.json())
    _no_traceback(caplog)


@pytest.mark.parametrize("metadata", ["9" * 5000, "3000000000", "²", "1e3", "-1", ""])
def test_a_form_with_a_forged_id_is_out_of_date(
    served: Wire, caplog: pytest.LogCaptureFixture, metadata: str
) -> None:
    """A form whose private_metadata is no id the tables can hold: an error beside the field,
    no overflow, no stack."""
    values = {"goal_outcome": {"type": "plain_text_input", "value": "Ship it by 2027-01-01"}}
    response = served.submit(GOAL_FORM, values, user=MENTEE, private_metadata=metadata)
    assert response.status_code == 200
    assert response.json()["response_action"] == "errors"
    _no_traceback(caplog)


BEYOND = [
    ("/win", "Did it #99999999999999999999", "There's no goal #99999999999999999999"),
    ("/win", "Did it #3000000000", "There's no goal #3000000000"),
    ("/goal", "done 99999999999999999999", "There's no goal 99999999999999999999"),
    ("/goal", "done #3000000000", "There's no goal 3000000000"),
    ("/goal", "history 3000000000", "There's no goal 3000000000"),
    ("/goal", "milestones 3000000000", "There's no goal 3000000000"),
    ("/goal", "milestone 3000000000 Ask around", "There's no goal 3000000000"),
    ("/goal", "done 1.3000000000", "Goal 1 has no milestone 3000000000"),
    ("/goal", "done 3000000000.1", "There's no goal 3000000000"),
    ("/agenda", "done 99999999999999999999", "There's no action item 99999999999999999999"),
    *(("/goal", f"done {digits}", "needs a goal number") for digits in ("²", "٣", "１")),
]


@pytest.mark.both_backends
def test_a_number_beyond_the_tables_is_not_found(
    wire: Wire, paired: object, caplog: pytest.LogCaptureFixture
) -> None:
    """A goal, milestone or action number no INTEGER column can hold (32 bits on PostgreSQL)
    is one that does not exist: a clear refusal, never an overflow. Digits that are not ASCII
    (`/goal done ٣`) are no number at all."""
    wire.command("/goal", "Give a talk by 2027-03-31", user=MENTEE)
    before = _stored(wire)
    for command, text, refusal in BEYOND:
        answer = wire.command(command, text, user=MENTEE)
        assert refusal in answer.reply_text, (command, text, answer.reply_text)
    assert _stored(wire) == before
    _no_traceback(caplog)


# Text the database cannot hold


@pytest.mark.both_backends
def test_a_nul_in_a_command_is_stored_cleaned(
    wire: Wire, paired: object, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL refuses NUL in text: it is taken out on the way in, with other control
    characters; tabs and newlines stay."""
    answer = wire.command(
        "/win", "Gave\x00 the\x07 talk\tat last\nworked: practice\x1b", user=MENTEE
    )
    assert "Logged" in answer.reply_text, answer.reply_text
    with session_scope(wire.services.engine) as session:
        win = session.exec(select(Win)).one()
        assert (win.text, win.worked) == ("Gave the talk at last", "practice")
    _no_traceback(caplog)


@pytest.mark.both_backends
def test_a_lone_surrogate_in_a_dm_is_stored_cleaned(
    wire: Wire, paired: object, caplog: pytest.LogCaptureFixture
) -> None:
    """JSON can carry "\\ud800", which neither database can store as text: it arrives as
    U+FFFD, the note is kept, and nothing is left pending to replay at the next start."""
    from handlers.messages import replay_pending

    text = "Had a chat \ud800 about\x00 the talk"
    envelope = json.loads(
        message_event("EvSurrogate", user=MENTEE, text="x", channel=dm_channel(MENTEE))
    )
    envelope["event"]["text"] = text
    assert wire.post(json.dumps(envelope).encode(), JSON).status_code == 200
    with session_scope(wire.services.engine) as session:
        draft = session.exec(select(Draft)).one()
        assert draft.text == "Had a chat \ufffd about the talk"
    wire.services.clock.advance(minutes=1)  # type: ignore[attr-defined]  (a frozen clock)
    assert replay_pending(wire.services) == 0
    _no_traceback(caplog)


@pytest.mark.both_backends
def test_a_form_field_is_stored_cleaned(
    wire: Wire, paired: PairInfo, caplog: pytest.LogCaptureFixture
) -> None:
    """Form fields are cleaned too: a goal typed in the New goal form with a NUL and a lone
    surrogate is saved without them."""
    values = {
        "goal_outcome": {
            "type": "plain_text_input",
            "value": "Ship\x00 the \ud800API by 2027-01-01",
        }
    }
    response = wire.submit(GOAL_FORM, values, user=MENTEE, private_metadata=str(paired.id))
    assert response.status_code == 200
    with session_scope(wire.services.engine) as session:
        goal = session.exec(select(Goal)).one()
        assert "\x00" not in goal.text and "\ud800" not in goal.text
        assert goal.text.startswith("Ship the \ufffdAPI")
    _no_traceback(caplog)


def test_a_dm_that_cannot_be_applied_is_not_applied_again_at_every_start(
    wire: Wire, paired: PairInfo, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A DM whose work fails the same way every time (here, a rule that raises) is recorded as
    done with the error as its outcome: apologised for once, not replayed at the next start,
    and a retry of it from Slack is ignored."""
    from handlers.messages import replay_pending
    from mentoring import inbox

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("cannot be stored")

    monkeypatch.setattr(inbox, "keep_note_in", broken)
    assert wire.dm("EvPoison", "Had a chat about the talk", user=MENTEE).status_code == 200
    apologies = wire.fake.messages_in(dm_channel(MENTEE))
    assert len(apologies) == 1 and "Something went wrong" in apologies[0]["text"]
    with session_scope(wire.services.engine) as session:
        event = session.get(InboundEvent, "EvPoison")
        assert event is not None and event.processed_at is not None
        assert event.outcome == "failed: ValueError"
    assert replay_pending(wire.services) == 0
    assert (
        wire.dm("EvPoison", "Had a chat about the talk", user=MENTEE, retry_num=1).status_code
        == 200
    )
    assert len(wire.fake.messages_in(dm_channel(MENTEE))) == 1


def test_a_dm_that_failed_because_the_database_was_away_runs_again(
    wire: Wire, paired: PairInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database that could not be reached is no reason to give up: that DM's work is left
    unfinished, and runs again (once) when its claim's lease runs out."""
    from sqlalchemy.exc import OperationalError

    from handlers.performing import InlineRunner, perform
    from mentoring import inbox
    from workqueue import queue

    def unreachable(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT …", {}, ConnectionError("server closed the connection"))

    with monkeypatch.context() as patched:
        patched.setattr(inbox, "keep_note_in", unreachable)
        assert wire.dm("EvAway", "Had a chat about the talk", user=MENTEE).status_code == 200
    engine, clock = wire.services.engine, wire.services.clock
    assert queue.claim(engine, "next", clock(), 10) == []  # still held by the first claim
    clock.advance(seconds=queue.LEASE.total_seconds() + 1)  # type: ignore[attr-defined]
    (again,) = queue.claim(engine, "next", clock(), 10)
    runner = wire.services.runner
    assert isinstance(runner, InlineRunner)
    perform(again, wire.services, runner.client, "next")
    with session_scope(engine) as session:
        assert session.exec(select(Draft)).one().text == "Had a chat about the talk"
    assert queue.status_of(engine, again.id) == (queue.DONE, None)

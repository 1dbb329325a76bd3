"""HTTP mode: Slack's requests on POST /slack/events, a health check on GET /healthz.

Anyone who can reach the endpoint can send it anything, so a request is judged in the order
that costs least and trusts least: its size (413 past MAX_BODY_BYTES, before the body is read),
then Slack's signature over the raw bytes (401), and only then its content — UTF-8, what its
Content-Type says, a JSON object of sane depth, the fields each surface reads (400). Each
refusal is one log line and changes nothing. What passes reaches Bolt already verified and
parsed, the way Socket Mode hands it requests: parsing a body and checking its signature a second
time cost a third of the CPU an ack takes (bench/ack_latency.py), and only this front feeds Bolt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from sqlalchemy import Engine
from waitress import wasyncore
from waitress.server import create_server

from bot import health
from handlers import shapes

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HTTP_THREADS = 16
# Slack's largest payloads (a Home click or a modal submission carrying the whole view, at most
# 100 blocks) are tens of KiB; four times the largest we have seen leaves room to spare.
MAX_BODY_BYTES = 256 * 1024
MAX_JSON_DEPTH = 32  # Block Kit inside a payload nests about ten deep
SIGNATURE_MAX_AGE = 5 * 60  # seconds either way, as Slack documents: older is a replay
_TIMESTAMP_DIGITS = 12  # Unix seconds until the year 33658

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

logger = logging.getLogger("mentorbot.web")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Clock = Callable[[], float]


class Refused(Exception):
    """A request the front answers itself: its HTTP status and why, for the log line."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def make_wsgi_app(
    app: App,
    engine: Engine,
    signing_secret: str,
    probes: Sequence[health.Probe] | None = None,
    clock: Clock = time.time,
) -> WSGIApp:
    """Slack's requests, and /healthz with `probes` (by default: can the database be written)."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    secret = signing_secret.encode()
    checks = tuple(probes) if probes is not None else (health.DatabaseProbe(engine),)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method == "GET":
            return health.respond(checks, start_response)
        if path != EVENTS_PATH or method != "POST":
            return slack(environ, start_response)  # Bolt's 404
        signed = False
        try:
            body = read_body(environ)
            check_signature(secret, body, environ, clock())
            signed = True
            payload = check_content(body, environ.get("CONTENT_TYPE", ""))
        except Refused as refused:
            # Unsigned requests are the internet's noise; a signed one that is malformed came
            # from someone holding the signing secret, which deserves a look.
            level = logging.WARNING if signed else logging.INFO
            extra = {"status": refused.status, "why": str(refused)}
            logger.log(level, "request refused", extra=extra)
            start_response(refused.status, [("Content-Type", "text/plain; charset=utf-8")])
            return [refused.status.encode()]
        return dispatch(app, environ, payload, start_response)

    return application


def dispatch(
    app: App, environ: dict[str, Any], payload: dict[str, Any], start_response: Callable[..., Any]
) -> Iterable[bytes]:
    """Hand Bolt a request whose signature and content were checked here, as its parsed
    payload. Bolt takes a parsed payload only in its "socket_mode" mode, which differs from
    "http" in nothing but that: it neither parses the body nor verifies a signature again."""
    request = BoltRequest(
        body=payload,
        query=environ.get("QUERY_STRING", ""),
        headers=WsgiHttpRequest(environ).get_headers(),
        context={shapes.CHECKED: True},
        mode="socket_mode",
    )
    answered = app.dispatch(request)
    response = WsgiHttpResponse(answered.status, answered.headers, answered.body)
    start_response(response.status, response.get_headers())
    return response.get_body()


def read_body(environ: dict[str, Any]) -> bytes:
    """The raw body, unread when it is larger than any Slack sends."""
    declared = str(environ.get("CONTENT_LENGTH") or "0")
    if not (declared.isascii() and declared.isdigit()):
        raise Refused("400 Bad Request", "Content-Length is not a number")
    if int(declared) > MAX_BODY_BYTES:
        raise Refused("413 Content Too Large", f"body of {int(declared):,} bytes")
    return environ["wsgi.input"].read(int(declared)) if int(declared) else b""


def check_signature(secret: bytes, body: bytes, environ: dict[str, Any], now: float) -> None:
    """Slack's v0 signature: HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing
    secret, compared in constant time, the timestamp within five minutes of now.

    Done here on the raw bytes rather than with slack_sdk's SignatureVerifier, which decodes
    the body as UTF-8 and the timestamp with int() — both raise on the very requests this
    check exists to refuse (and int() accepts " 1", "1_0" and non-ASCII digits).
    """
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""))
    signature = str(environ.get("HTTP_X_SLACK_SIGNATURE", ""))
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= _TIMESTAMP_DIGITS):
        raise Refused("401 Unauthorized", "no signature timestamp")
    if abs(now - int(timestamp)) > SIGNATURE_MAX_AGE:
        raise Refused("401 Unauthorized", "signature too old or too new")
    signed = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret, signed, hashlib.sha256).hexdigest()
    if not (
        secret and hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))
    ):
        raise Refused("401 Unauthorized", "bad signature")


def check_content(body: bytes, content_type: str) -> dict[str, Any]:
    """A signed body is what Slack sends: a JSON object (the Events API), or a form whose
    fields are a slash command's, or whose `payload` is a JSON object (interactivity), with the
    fields the listeners read. Returns the payload, as Bolt would have parsed it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refused("400 Bad Request", "body is not UTF-8") from error
    media = content_type.partition(";")[0].strip().lower()
    if media == JSON:
        payload = json_object(text)
    elif media == FORM and not text.startswith("{"):  # Bolt would read that as JSON
        try:
            fields = dict(parse_qsl(text, keep_blank_values=True, errors="strict"))
        except (UnicodeDecodeError, ValueError) as error:
            raise Refused("400 Bad Request", "form is not UTF-8") from error
        payload = json_object(fields["payload"]) if "payload" in fields else fields
    else:
        raise Refused("400 Bad Request", f"unexpected content type {media[:40]!r}")
    problem = shapes.problem(payload)
    if problem is not None:
        raise Refused("400 Bad Request", problem)
    return payload


def json_object(text: str) -> dict[str, Any]:
    """`text` as a JSON object no deeper than MAX_JSON_DEPTH (no byte-order mark: Slack sends
    none, and Bolt takes only a body starting with "{" as JSON)."""
    if not text.startswith("{"):
        raise Refused("400 Bad Request", "not a JSON object")
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError) as error:  # RecursionError: nested past the stack
        raise Refused("400 Bad Request", "not JSON") from error
    if depth_over(parsed, MAX_JSON_DEPTH):
        raise Refused("400 Bad Request", f"JSON nested deeper than {MAX_JSON_DEPTH}")
    return parsed


def depth_over(value: Any, limit: int) -> bool:
    """Whether lists and objects nest deeper than `limit` in `value` (without recursion)."""
    level = [value]
    for _ in range(limit):
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


def make_server(wsgi: WSGIApp, host: str, port: int, threads: int = HTTP_THREADS) -> Any:
    """A waitress server bound to (host, port); `port=0` picks a free one (see .effective_port).
    Bodies past MAX_BODY_BYTES are refused by waitress itself, before they are buffered."""
    return create_server(
        wsgi,
        host=host,
        port=port,
        threads=threads,
        ident="mentorbot",
        max_request_body_size=MAX_BODY_BYTES,
    )


def stop_accepting(server: Any) -> None:
    """Close `server`'s listening socket, on its own loop: nothing new is accepted, while the
    connections already accepted are still served (the loop and its trigger stay open)."""
    server.trigger.pull_trigger(lambda: wasyncore.dispatcher.close(server))


def shut_down(server: Any, timeout: float = 10) -> None:
    """Stop accepting, then let the requests under way finish (their acks, and what they hand
    on to the worker), then end the server's loop: in that order, a request under way writes
    its answer through a loop that is still there (waitress logs a traceback for each one that
    finishes after its loop closed)."""
    stop_accepting(server)
    server.task_dispatcher.shutdown(cancel_pending=False, timeout=timeout)
    stop_server(server)


def stop_server(server: Any) -> None:
    """Stop `server.run()` from another thread: the close runs on the server's own loop (woken
    through its trigger), so the loop ends at once instead of at its next select timeout."""
    try:
        server.trigger.pull_trigger(server.close)
    except OSError:  # the trigger is closed already: the server is closing; finish it here
        server.close()

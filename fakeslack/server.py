"""The HTTP side of the fake: a threaded loopback server, request decoding and replies.

Nothing here knows Slack's methods: ``LoopbackServer`` hands each request's path, headers and
body to a function and writes the ``Reply`` it returns. Standard library only.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

_JSON_ARGS = ("blocks", "view", "attachments")  # form values Slack decodes as JSON
_SHUTDOWN_POLL = 0.005  # seconds serve_forever waits between checks for stop()


@dataclass(frozen=True)
class Reply:
    """An HTTP answer plus what to record about it (error is None on success)."""

    status: int
    body: bytes
    content_type: str
    error: str | None
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, status: int, payload: dict[str, Any], **headers: str) -> Reply:
        """A JSON reply whose recorded error is the payload's ``error``."""
        return cls(
            status,
            json.dumps(payload).encode(),
            "application/json; charset=utf-8",
            None if payload["ok"] else payload["error"],
            tuple(headers.items()),
        )

    @classmethod
    def text(cls, status: int, body: str, **headers: str) -> Reply:
        """A plain-text reply (response_url style); a non-200 status records `body` as error."""
        return cls(
            status,
            body.encode(),
            "text/plain; charset=utf-8",
            None if status == 200 else body,
            tuple(headers.items()),
        )


Serve = Callable[[str, dict[str, str], bytes], Reply]


class LoopbackServer:
    """Serves `serve(path, headers, body)` on 127.0.0.1 (`port`, or a free one) from a daemon
    thread."""

    def __init__(self, serve: Serve, port: int = 0, host: str = "127.0.0.1") -> None:
        self._server = _Server(serve, host, port)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _SHUTDOWN_POLL},
            name="fake-slack",
            daemon=True,
        )
        self._thread.start()

    @property
    def origin(self) -> str:
        """``http://<host>:<port>``."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop serving and close every open connection, idle keep-alive ones included."""
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join()


class _Server(ThreadingHTTPServer):
    """Threaded HTTP server that can cut its open keep-alive connections on stop."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, serve: Serve, host: str, port: int) -> None:
        super().__init__((host, port), _Handler)
        self.serve = serve
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
    """Hands every GET/POST to the server's `serve` function and writes its reply."""

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
        reply = self.server.serve(self.path, dict(self.headers.items()), body)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)


def header(headers: dict[str, str], name: str) -> str | None:
    """A request header's value, whatever the case of its name."""
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def request_args(
    query: str, headers: dict[str, str], body: bytes, *, is_api: bool
) -> tuple[dict[str, Any], str | None]:
    """Merge query and body into one args dict; returns (args, parse error or None).

    Web API form values for blocks/view/attachments that hold JSON are decoded.
    response_url bodies must be a JSON object ("invalid_payload" otherwise).
    """
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    content_type = header(headers, "content-type") or ""
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

"""Socket Mode as Slack serves it, on loopback: a WebSocket server (RFC 6455, standard library
only) for the URLs that ``apps.connections.open`` hands out.

A connection opens with a single-use ticket from that method and is greeted with ``hello``.
The test then delivers envelopes (``slash_commands``, ``events_api`` with ``retry_attempt`` and
``retry_reason``, ``interactive``) and the server records each acknowledgement: its
``envelope_id``, its payload if any, and the seconds from sending the envelope to reading the
ack. ``disconnect`` sends Slack's ``{"type": "disconnect", "reason": …}`` (``refresh_requested``,
``warning``, ``link_disabled``) and, like Slack, keeps the old connection open a little while
the client opens a new one; new envelopes go to the newest connection that was not told to go.
``drop`` cuts a connection without a close frame, as a network fault would.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import socket
import socketserver
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode, urlsplit

APP_ID = "A0001"
_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
_TEXT, _CLOSE, _PING, _PONG, _CONTINUATION = 0x1, 0x8, 0x9, 0xA, 0x0
_MAX_FRAME = 1 << 24
GRACE_SECONDS = 5.0  # how long a connection told to go stays open before the server closes it


@dataclass(frozen=True)
class Envelope:
    """An envelope the server sent: its id, type, payload and which connection carried it."""

    envelope_id: str
    type: str
    payload: dict[str, Any]
    connection: int
    sent_at: float
    retry_attempt: int | None = None


@dataclass(frozen=True)
class Ack:
    """An acknowledgement read from the app: which envelope, its payload (None when the ack
    carried none), the seconds from sending the envelope to reading the ack, and on which
    connection it came back."""

    envelope_id: str
    payload: dict[str, Any] | None
    seconds: float
    connection: int


@dataclass
class _Connection:
    id: int
    sock: socket.socket
    opened_at: float
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    retiring: bool = False  # told to disconnect: no new envelopes
    open: bool = True

    def send_text(self, text: str) -> None:
        self._send_frame(_TEXT, text.encode())

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
        with self.write_lock:
            self.sock.sendall(header + payload)

    def close(self, code: int = 1000) -> None:
        """A close frame, then the TCP connection (the client's own close frame is not awaited)."""
        with contextlib.suppress(OSError):
            self._send_frame(_CLOSE, struct.pack("!H", code))
        self.drop()

    def drop(self) -> None:
        self.open = False
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)


class SocketModeServer:
    """The WebSocket side of Socket Mode on 127.0.0.1 (a free port), served from daemon threads.

    `issue_url()` is what ``apps.connections.open`` returns. Every method is thread-safe;
    waiters block on one Condition.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._tickets: set[str] = set()
        self._connections: dict[int, _Connection] = {}
        self._ids = itertools.count(1)
        self._sent: dict[str, Envelope] = {}
        self._acks: list[Ack] = []
        self._opened = 0
        self._server = _TCPServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="fake-socket-mode",
            daemon=True,
        )
        self._thread.start()

    # -- lifecycle -------------------------------------------------------------------------

    def stop(self) -> None:
        """Close every connection and stop serving."""
        self._server.shutdown()
        with self._cond:
            connections = list(self._connections.values())
        for connection in connections:
            connection.drop()
        self._server.server_close()
        self._thread.join()

    def issue_url(self) -> str:
        """A new single-use ``ws://`` URL (Slack's are ``wss://``) for apps.connections.open."""
        ticket = uuid.uuid4().hex
        with self._cond:
            self._tickets.add(ticket)
        port = self._server.server_address[1]
        return f"ws://127.0.0.1:{port}/link/?{urlencode({'ticket': ticket, 'app_id': APP_ID})}"

    # -- what the app sees -----------------------------------------------------------------

    def send(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        retry_attempt: int | None = None,
        retry_reason: str = "",
        timeout: float = 10.0,
    ) -> str:
        """Deliver one envelope on the newest connection not told to go (waiting up to `timeout`
        for one, as Slack holds deliveries while an app reconnects); returns its envelope_id.

        `type` is "slash_commands", "events_api" or "interactive". Events carry retry_attempt
        (0 unless given) and retry_reason, as Slack sends them.
        """
        envelope_id = str(uuid.uuid4())
        message: dict[str, Any] = {"envelope_id": envelope_id, "type": type, "payload": payload}
        message["accepts_response_payload"] = type != "events_api"
        if type == "events_api":
            message["retry_attempt"] = retry_attempt or 0
            message["retry_reason"] = retry_reason
        with self._cond:
            if not self._cond.wait_for(self._live, timeout):
                raise AssertionError(f"no Socket Mode connection to deliver to within {timeout}s")
            connection = self._live()
            assert connection is not None
            self._sent[envelope_id] = Envelope(
                envelope_id, type, payload, connection.id, time.monotonic(), retry_attempt
            )
        connection.send_text(json.dumps(message))
        return envelope_id

    def disconnect(self, reason: str = "refresh_requested", *, grace: float = GRACE_SECONDS) -> int:
        """Tell the newest live connection to go, as Slack does before it closes one; the server
        closes it `grace` seconds later if the client has not. Returns its id."""
        with self._cond:
            connection = self._live()
            if connection is None:
                raise AssertionError("no open Socket Mode connection to disconnect")
            connection.retiring = True
        text = json.dumps(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "fakeslack"}}
        )
        connection.send_text(text)
        closer = threading.Timer(grace, connection.close)
        closer.daemon = True
        closer.start()
        return connection.id

    def disconnect_all(self, reason: str, *, grace: float = GRACE_SECONDS) -> list[int]:
        """`disconnect` every live connection; returns their ids."""
        told = []
        while True:
            with self._cond:
                if self._live() is None:
                    return told
            told.append(self.disconnect(reason, grace=grace))

    def drop(self, connection_id: int | None = None) -> None:
        """Cut a connection (the newest open one by default) without a close frame."""
        with self._cond:
            ids = [c.id for c in self._connections.values() if c.open]
            if not ids:
                return
            connection = self._connections[connection_id or max(ids)]
        connection.drop()

    # -- what the app did ------------------------------------------------------------------

    @property
    def opened(self) -> int:
        """How many connections were opened (handshake done, hello sent) so far."""
        with self._cond:
            return self._opened

    def open_connections(self) -> list[int]:
        """Ids of the connections open now, oldest first."""
        with self._cond:
            return sorted(c.id for c in self._connections.values() if c.open)

    def wait_opened(self, count: int = 1, timeout: float = 10.0) -> int:
        """Block until `count` connections were opened in all; returns the newest one's id."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._opened >= count, timeout):
                raise AssertionError(
                    f"expected {count} Socket Mode connection(s) within {timeout}s, "
                    f"got {self._opened}"
                )
            return max(self._connections)

    def wait_closed(self, connection_id: int, timeout: float = 10.0) -> None:
        """Block until the connection is closed (by either side)."""
        with self._cond:
            if not self._cond.wait_for(lambda: not self._connections[connection_id].open, timeout):
                raise AssertionError(f"connection {connection_id} still open after {timeout}s")

    def envelope(self, envelope_id: str) -> Envelope:
        with self._cond:
            return self._sent[envelope_id]

    @property
    def acks(self) -> list[Ack]:
        """Every acknowledgement read so far, in order."""
        with self._cond:
            return list(self._acks)

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> Ack:
        """Block until the envelope is acknowledged; returns its (first) ack."""
        with self._cond:
            found = self._cond.wait_for(
                lambda: next((a for a in self._acks if a.envelope_id == envelope_id), None),
                timeout,
            )
        if not found:
            raise AssertionError(f"envelope {envelope_id} not acknowledged within {timeout}s")
        return found

    # -- serving (handler threads) ---------------------------------------------------------

    def _live(self) -> _Connection | None:
        """The newest open connection not told to go (lock held)."""
        live = [c for c in self._connections.values() if c.open and not c.retiring]
        return max(live, key=lambda c: c.id) if live else None

    def _take_ticket(self, path: str) -> bool:
        query = parse_qs(urlsplit(path).query)
        ticket = (query.get("ticket") or [""])[0]
        with self._cond:
            if ticket not in self._tickets:
                return False
            self._tickets.discard(ticket)
            return True

    def _serve(self, sock: socket.socket) -> None:
        """Handshake, hello, then read frames until the connection ends."""
        path, headers = _read_request(sock)
        key = headers.get("sec-websocket-key")
        if (
            path is None
            or headers.get("upgrade", "").lower() != "websocket"
            or "upgrade" not in headers.get("connection", "").lower()
            or headers.get("sec-websocket-version") != "13"
            or not key
        ):
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        if not unquote(urlsplit(path).path).startswith("/link") or not self._take_ticket(path):
            sock.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
            return
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        sock.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = _Connection(next(self._ids), sock, time.monotonic())
        with self._cond:
            self._connections[connection.id] = connection
            count = sum(1 for c in self._connections.values() if c.open)
        hello = {
            "type": "hello",
            "num_connections": count,
            "debug_info": {"host": "fakeslack", "approximate_connection_time": 3600},
            "connection_info": {"app_id": APP_ID},
        }
        connection.send_text(json.dumps(hello))
        with self._cond:
            self._opened += 1
            self._cond.notify_all()
        try:
            self._read_frames(connection)
        finally:
            connection.drop()
            with self._cond:
                self._cond.notify_all()

    def _read_frames(self, connection: _Connection) -> None:
        reader = connection.sock.makefile("rb")
        fragments: list[bytes] = []
        while True:
            frame = _read_frame(reader)
            if frame is None:
                return
            opcode, fin, data = frame
            if opcode == _CLOSE:
                connection.close()
                return
            if opcode == _PING:
                with contextlib.suppress(OSError):
                    connection._send_frame(_PONG, data)
                continue
            if opcode in (_TEXT, _CONTINUATION):
                fragments.append(data)
                if fin:
                    self._received(connection, b"".join(fragments))
                    fragments = []

    def _received(self, connection: _Connection, data: bytes) -> None:
        """Record an ack (any message with an envelope_id); other messages are ignored."""
        now = time.monotonic()
        try:
            message = json.loads(data)
        except json.JSONDecodeError:
            return
        if not isinstance(message, dict) or "envelope_id" not in message:
            return
        with self._cond:
            sent = self._sent.get(message["envelope_id"])
            seconds = now - sent.sent_at if sent is not None else float("nan")
            payload = message.get("payload")
            ack = Ack(message["envelope_id"], payload or None, seconds, connection.id)
            self._acks.append(ack)
            self._cond.notify_all()


def from_http(body: bytes) -> tuple[str, dict[str, Any]]:
    """The envelope type and payload that carry over Socket Mode what Slack would POST to a
    request URL (fakeslack.payloads): a JSON event callback is "events_api", a form with a
    `payload` field "interactive", any other form "slash_commands"."""
    if body.startswith(b"{"):
        return "events_api", json.loads(body)
    fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
    if "payload" in fields:
        return "interactive", json.loads(fields["payload"])
    return "slash_commands", fields


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: SocketModeServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away is not an error worth printing."""


class _Handler(socketserver.BaseRequestHandler):
    server: _TCPServer

    def handle(self) -> None:
        self.server.owner._serve(self.request)


def _read_request(sock: socket.socket) -> tuple[str | None, dict[str, str]]:
    """The request target and headers (lower-case names) of the opening HTTP request."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk or len(data) > 65536:
            return None, {}
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    parts = head[0].split(" ")
    if len(parts) != 3 or parts[0] != "GET":
        return None, {}
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return parts[1], headers


def _read_frame(reader: Any) -> tuple[int, bool, bytes] | None:
    """One client frame: (opcode, fin, unmasked payload); None when the connection ended or
    the frame breaks the protocol (clients must mask their frames)."""
    try:
        head = reader.read(2)
        if len(head) < 2:
            return None
        fin, opcode = bool(head[0] & 0x80), head[0] & 0x0F
        masked, length = bool(head[1] & 0x80), head[1] & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", reader.read(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", reader.read(8))
        if not masked or length > _MAX_FRAME:
            return None
        mask = reader.read(4)
        data = reader.read(length)
        if len(mask) < 4 or len(data) < length:
            return None
    except (OSError, struct.error):
        return None
    key = (mask * (length // 4 + 1))[:length]
    unmasked = int.from_bytes(data, "big") ^ int.from_bytes(key, "big")
    return opcode, fin, unmasked.to_bytes(length, "big")

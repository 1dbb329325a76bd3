"""The HTTP front: Slack signatures, the health check, paths."""

import json
import logging
import threading
import time

import httpx
import pytest
from sqlmodel import select

from bot.serving import Serving
from fakeslack.payloads import SIGNING_SECRET, message_event, slack_signature_headers, slash_command
from storage.db import session_scope
from storage.models import InboundEvent, Pair, Win
from tests.conftest import MENTEE, MENTOR, Wire


def _nothing_stored(wire: Wire) -> bool:
    with session_scope(wire.services.engine) as session:
        return not any(session.exec(select(model)).all() for model in (Pair, Win, InboundEvent))


def test_a_bad_signature_is_refused_and_changes_nothing(wire: Wire) -> None:
    """A request signed with another secret gets 401; nothing is stored or sent to Slack."""
    body = slash_command(
        "/mentor",
        f"pair <@{MENTOR}> <@{MENTEE}>",
        user=MENTEE,
        channel="CPAIR",
        response_url=wire.fake.response_url("forged"),
    )
    headers = {
        **slack_signature_headers(body, secret="0" * 32),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    calls_before = len(wire.fake.calls)
    response = wire.http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert _nothing_stored(wire) and len(wire.fake.calls) == calls_before


def test_a_stale_signature_is_refused(wire: Wire) -> None:
    """A correctly signed request older than five minutes (a replay) gets 401."""
    body = message_event("EvStale", user=MENTEE, text="win: replayed", channel="DUMENTEE")
    headers = {
        **slack_signature_headers(body, SIGNING_SECRET, timestamp=int(time.time()) - 600),
        "Content-Type": "application/json",
    }
    assert wire.http.post("/slack/events", content=body, headers=headers).status_code == 401
    assert _nothing_stored(wire)


def test_an_unsigned_request_is_refused(wire: Wire) -> None:
    """No signature headers at all: 401."""
    response = wire.http.post(
        "/slack/events", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401


def test_url_verification_is_answered(wire: Wire) -> None:
    """Slack's challenge when a request URL is saved is echoed back."""
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"}).encode()
    response = wire.post(body, "application/json")
    assert response.status_code == 200 and "c-123" in response.text


def test_healthz_reports_the_database(wire: Wire) -> None:
    """GET /healthz: 200 JSON with the database status."""
    response = wire.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_says_when_the_database_is_unreachable(tmp_path) -> None:
    """With a database that can't be opened, /healthz answers 503 and names the problem."""
    from bot.web import make_wsgi_app
    from storage.db import make_engine

    broken = make_engine(f"sqlite:///{tmp_path}/missing-dir/x.db")
    app = make_wsgi_app(
        app=None, engine=broken, signing_secret=""
    )  # the Slack side is never reached here
    statuses = []
    body = app({"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"}, lambda s, h: statuses.append(s))
    assert statuses == ["503 Service Unavailable"]
    assert json.loads(b"".join(body))["database"].startswith("error: can't write (OperationalError")


def test_other_paths_are_not_found(wire: Wire) -> None:
    """Only /slack/events and /healthz exist."""
    assert wire.http.get("/").status_code == 404
    assert wire.http.get("/slack/events").status_code == 404


def test_a_request_under_way_when_the_server_stops_gets_its_answer_and_no_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Stopping (SIGTERM) while a request is being answered: it is answered, and nothing is
    logged as an error (waitress logged a traceback when the loop closed before the answer)."""
    started = threading.Event()

    def slow(environ: dict, start_response):  # type: ignore[no-untyped-def]
        started.set()
        time.sleep(0.5)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    serving = Serving(slow, 0)
    port = int(serving.server.effective_port)
    answers: list[int] = []
    asking = threading.Thread(
        target=lambda: answers.append(
            httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code
        )
    )
    asking.start()
    assert started.wait(10)
    with caplog.at_level(logging.WARNING):
        serving.stop()
    asking.join(10)
    assert answers == [200]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []

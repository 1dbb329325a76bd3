"""HTTP mode: Slack's requests on POST /slack/events, a health check on GET /healthz."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine
from waitress.server import create_server

from bot import health

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HTTP_THREADS = 16

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def make_wsgi_app(
    app: App, engine: Engine, probes: Sequence[health.Probe] | None = None
) -> WSGIApp:
    """Slack's requests, and /healthz with `probes` (by default: can the database be written)."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    checks = tuple(probes) if probes is not None else (health.DatabaseProbe(engine),)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            return health.respond(checks, start_response)
        return slack(environ, start_response)

    return application


def make_server(wsgi: WSGIApp, host: str, port: int, threads: int = HTTP_THREADS) -> Any:
    """A waitress server bound to (host, port); `port=0` picks a free one (see .effective_port)."""
    return create_server(wsgi, host=host, port=port, threads=threads, ident="mentorbot")


def stop_server(server: Any) -> None:
    """Stop `server.run()` from another thread: the close runs on the server's own loop (woken
    through its trigger), so the loop ends at once instead of at its next select timeout."""
    try:
        server.trigger.pull_trigger(server.close)
    except OSError:  # the trigger is closed already: the server is closing; finish it here
        server.close()

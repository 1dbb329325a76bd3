"""The composition root: Settings in, a wired Bolt app out."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from sqlalchemy import Engine

import handlers
from bot.clock import system_clock
from bot.logs import Writable
from bot.settings import Settings
from handlers import kit
from handlers.dashboard import HomeRedraws
from handlers.runtime import Clock, Runner, Services
from storage.db import make_engine

logger = logging.getLogger("mentorbot")

RATE_LIMIT_RETRIES = 3


def make_web_client(settings: Settings) -> WebClient:
    """A WebClient that waits out 429s (honouring Retry-After) and retries dropped connections.

    5xx answers are not retried automatically: a post may have gone through, and posting twice
    is worse than saying it failed (the person gets a "Post it again" button instead).
    """
    return WebClient(
        token=settings.bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )


def build_services(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Clock = system_clock,
    home_settle: float = 0.0,
) -> Services:
    """The database, clock, admins and coordinators, and the App Home's redraw (each Home
    drawn `home_settle` seconds after the first change asked for it: see HomeRedraws);
    without a runner (see `with_runner`)."""
    engine = engine or make_engine(settings.database_url)

    homes = HomeRedraws(engine, clock, settings.coordinators, settle=home_settle)

    def redraw(client: WebClient, pair_ids: frozenset[int]) -> None:
        homes.pairs(client, pair_ids)

    return Services(
        engine=engine,
        clock=clock,
        admins=settings.admins,
        redraw=redraw,
        flush_homes=homes.flush,
        coordinators=settings.coordinators,
    )


def with_runner(services: Services, runner: Runner) -> Services:
    return replace(services, runner=runner)


def create_app(settings: Settings, services: Services, client: WebClient | None = None) -> App:
    """The Bolt app with every listener registered.

    `process_before_response=True`: listeners run on the request thread and return right after
    they ack, handing slow work to `services.after_ack`, so an ack never waits behind slow work
    in a shared pool. Bolt checks the token with auth.test here.
    """
    app = App(
        client=client or make_web_client(settings),
        signing_secret=settings.signing_secret or "",
        process_before_response=True,
        logger=bolt_logger(settings.log_level_number),
    )
    handlers.register(app, services)
    app.error(handle_error)
    return app


def bolt_logger(level: int = logging.INFO) -> logging.Logger:
    """Bolt's logger, which repeats ids from requests in its warnings: kept writable. Its
    level is set (LOG_LEVEL's): Bolt reads the logger's own level, not the one it inherits,
    and with none set it formats a debug line for every middleware and listener of every
    request, which no handler then prints."""
    bolt = logging.getLogger("mentorbot.bolt")
    bolt.setLevel(level)
    if not any(isinstance(f, Writable) for f in bolt.filters):
        bolt.addFilter(Writable())
    return bolt


def handle_error(
    error: Exception, body: dict[str, Any], logger: logging.Logger
) -> BoltResponse | None:
    """Last resort for a listener that raised before answering: log it with the stack.

    A person who ran a command or clicked a button gets a polite ephemeral text (a 200, not a
    500 that Slack shows as a failure). An Events API delivery keeps its 500, so that Slack
    delivers it again rather than the event being lost.
    """
    logger.exception("listener failed", exc_info=error, extra={"type": body.get("type")})
    if body.get("type") == "event_callback":
        return None
    return BoltResponse(status=200, body=kit.oops()["text"])

"""What listeners need besides the payload, injected by Bolt from the request context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from sqlalchemy import Engine

from mentoring.model import Actor

if TYPE_CHECKING:
    from handlers.tasks import Runner, Task

Clock = Callable[[], datetime]
Message = dict[str, Any]


@dataclass(frozen=True)
class Services:
    """The database, the clock and the admins; and, where Slack is served, the runner that does
    the work after each ack."""

    engine: Engine
    clock: Clock
    admins: frozenset[str]
    runner: Runner | None = None

    def actor(self, user_id: str) -> Actor:
        return Actor(user_id=user_id, is_admin=user_id in self.admins)

    def after_ack(self, task: Task) -> None:
        """Hand slow work on: Slack wants its ack within 3 seconds, and the ack is sent only when
        the listener returns."""
        assert self.runner is not None, "after_ack needs a runner"
        self.runner.submit(task)


class ServicesMiddleware(Middleware):
    """Puts the services in every request's context, where listeners ask for them by name.

    A Middleware subclass rather than a function: Bolt calls it directly instead of building
    every injectable argument for it, which matters on the path to the ack.
    """

    def __init__(self, services: Services) -> None:
        self.services = services

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        req.context["services"] = self.services
        return next()


def register(app: App, services: Services) -> None:
    app.use(ServicesMiddleware(services))


def ack_only(ack: Ack) -> None:
    """Acknowledge an event that needs nothing more."""
    ack()

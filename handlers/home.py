"""The App Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from handlers import flows
from handlers.services import Services
from handlers.tasks import ReplyTo, Task


def handle_app_home_opened(event: dict[str, Any], services: Services) -> None:
    if event.get("tab") == "home":
        services.after_ack(Task(flows.publish_home, (event["user"],), ReplyTo(), "home"))


def register(app: App) -> None:
    app.event("app_home_opened")(handle_app_home_opened)

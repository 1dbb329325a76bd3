"""The App Home tab: drawn afresh whenever the person opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from handlers.dashboard import show_home
from handlers.runtime import Origin, ReplyTo, Services, Task


def handle_app_home_opened(event: dict[str, Any], services: Services) -> None:
    if event.get("tab") == "home":
        services.after_ack(Task(show_home, Origin(event["user"]), (), ReplyTo(), "home"))


def register(app: App) -> None:
    app.event("app_home_opened")(handle_app_home_opened)

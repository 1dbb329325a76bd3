"""The App Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers import flows
from handlers.services import Services


def handle_app_home_opened(event: dict[str, Any], client: WebClient, services: Services) -> None:
    if event.get("tab") != "home":
        return
    user = event["user"]
    services.after_ack(None, lambda: flows.publish_home(services, client, user), what="home")


def register(app: App) -> None:
    app.event("app_home_opened")(handle_app_home_opened)

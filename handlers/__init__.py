"""Slack's side of Mentorbot: one module per surface, thin listeners, pure Block Kit builders."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, home, messages, services, views


def register(app: App, app_services: services.Services) -> None:
    """Attach the services and every listener to `app`."""
    services.register(app, app_services)
    commands.register(app)
    messages.register(app)
    actions.register(app)
    home.register(app)
    views.register(app)

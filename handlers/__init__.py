"""Slack's side of Mentorbot.

Bolt listeners are registered by surface — `commands`, `actions`, `views`, `messages`, `home`,
each with its `register(app)` — and route to the features, which keep their grammar, flows and
Block Kit builders together: `pairing`, `goals/`, `wins/`, `meetings/`, `reviews/`, `nudges`,
finding a mentor (`matching/`), the App Home (`dashboard`), a person's own record (`records/`:
export and forget), and the coordinators' view of the programme (`programme/`). A
feature registers its verbs, buttons and forms in `routing` when it is imported; importing
this package imports them all, in the order the help lists them (so a worker process that
only unpickles a task knows every verb too).
"""

from __future__ import annotations

import importlib

from slack_bolt import App

FEATURES = (
    "handlers.goals.commands",
    "handlers.goals.milestones",
    "handlers.goals.roadmap",
    "handlers.wins.commands",
    "handlers.wins.notes",
    "handlers.meetings.schedule",
    "handlers.nudges",
    "handlers.meetings.agenda",
    "handlers.meetings.checklist",
    "handlers.reviews.commands",
    "handlers.pairing",
    "handlers.matching.offer",
    "handlers.matching.find",
    "handlers.records.export",
    "handlers.records.forget",
    "handlers.programme.commands",
    "handlers.dashboard",
)
for _feature in FEATURES:
    importlib.import_module(_feature)

from handlers import actions, commands, home, messages, runtime, shapes, views  # noqa: E402
from handlers.runtime import Services  # noqa: E402


def register(app: App, services: Services) -> None:
    """Attach the services and every listener to `app`; payloads that lack what a listener
    reads are refused before any of them runs."""
    app.use(shapes.WellFormed())
    runtime.register(app, services)
    commands.register(app)
    messages.register(app)
    actions.register(app)
    home.register(app)
    views.register(app)

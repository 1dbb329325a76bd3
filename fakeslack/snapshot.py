"""The sandbox's workspace kept across restarts: people, channels, messages, views and shared
files, written to a JSON file (atomically: a new file moved into place) and read back.

What belongs to one run only — recorded calls, faults, response URLs, triggers — is not kept:
after a restart those are as gone as they would be in Slack.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from fakeslack.fake import FakeSlack
from fakeslack.workspace import Channel, Upload, User

VERSION = 1


def dump(fake: FakeSlack) -> dict[str, Any]:
    """The workspace as JSON-ready data."""
    with fake.workspace() as ws:
        return {
            "version": VERSION,
            "users": [dataclasses.asdict(u) for u in ws.users.values()],
            "channels": [dataclasses.asdict(c) for c in ws.channels.values()],
            "messages": {k: v for k, v in ws.messages.items() if v},
            "views": ws.views,
            "homes": ws.homes,
            "uploads": [
                {**dataclasses.asdict(u), "data": base64.b64encode(u.data).decode()}
                for u in ws.uploads
            ],
            "counters": [ws._ts, ws._ids],
        }


def load(fake: FakeSlack, data: dict[str, Any]) -> None:
    """Put the workspace back as `dump` gave it (users and channels added to those there)."""
    if data.get("version") != VERSION:
        return
    with fake.workspace() as ws:
        for user in data["users"]:
            ws.users[user["id"]] = User(**user)
        for channel in data["channels"]:
            ws.channels[channel["id"]] = Channel(**channel)
        ws.messages.clear()
        ws.messages.update({k: list(v) for k, v in data["messages"].items()})
        ws.views = dict(data["views"])
        ws.homes = dict(data["homes"])
        ws.uploads = [
            Upload(**{**u, "data": base64.b64decode(u["data"]), "channels": tuple(u["channels"])})
            for u in data["uploads"]
        ]
        ws._ts, ws._ids = data["counters"]


def save(fake: FakeSlack, path: Path) -> None:
    """Write the workspace to `path`, replacing it only once the new file is complete."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(dump(fake)))
    os.replace(temporary, path)


def restore(fake: FakeSlack, path: Path) -> bool:
    """Read `path` back into `fake`; False when there is none (or it is unreadable)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    load(fake, data)
    return True

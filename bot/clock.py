"""The one place that reads the wall clock; everything else is handed `now`."""

from __future__ import annotations

from datetime import UTC, datetime


def system_clock() -> datetime:
    """Now, as an aware UTC instant."""
    return datetime.now(UTC)

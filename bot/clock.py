"""The one place that reads the wall clock; everything else is handed `now`.

A deployment reads the system clock. The sandbox (`python -m bot sandbox`) lets a person move
time forward: its clock is the system clock plus an offset kept in a small file, which the
sandbox writes and every process of the bot (the server, its workers, its scheduler) reads —
so the real scheduler runs at the instant the person chose. The offset only ever grows.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, as an aware UTC instant."""
    return datetime.now(UTC)


class OffsetClock:
    """The system clock moved forward by the offset (whole seconds) written in `path`; the
    file is read again only when it changed. A missing or unreadable file means no offset."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._seen: tuple[int, int] | None = None
        self._offset = timedelta(0)

    def __call__(self) -> datetime:
        return system_clock() + self.offset()

    def offset(self) -> timedelta:
        try:
            stat = os.stat(self.path)
        except OSError:
            return timedelta(0)
        seen = (stat.st_mtime_ns, stat.st_size)
        if seen != self._seen:
            try:
                self._offset = timedelta(seconds=max(0.0, float(self.path.read_text().strip())))
            except (OSError, ValueError):
                self._offset = timedelta(0)
            self._seen = seen
        return self._offset

    def move_to(self, instant: datetime) -> datetime:
        """Set the clock to `instant` (never backwards); the new now."""
        offset = max(self.offset(), instant - system_clock())
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(f"{offset.total_seconds():.3f}\n")
        os.replace(temporary, self.path)
        self._seen = None
        return self()

    def reset(self) -> None:
        """Back to the system's time (the sandbox starting over)."""
        self.path.unlink(missing_ok=True)
        self._seen = None


def clock_for(clock_file: str | None) -> Clock:
    """The clock a process of the bot reads: the system's, or the sandbox's (`clock_file`)."""
    return OffsetClock(clock_file) if clock_file else system_clock

"""Logging: one line per record, `extra` fields appended as key=value, tokens redacted, and
nothing a stream cannot write."""

from __future__ import annotations

import logging
import re
import sys

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_TOKEN = re.compile(r"\b(xox[abposr]|xapp)-[A-Za-z0-9-]+")


class KeyValueFormatter(logging.Formatter):
    """`2026-11-21 10:00:00 INFO mentorbot.flows win posted win=3 channel=C1`."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if extras:
            line += " " + " ".join(f"{key}={value}" for key, value in extras.items())
        return writable(_TOKEN.sub(lambda m: f"{m.group(1)}-[redacted]", line))


def writable(text: str) -> str:
    """`text` with what UTF-8 cannot encode (a lone surrogate from a hostile payload) written
    as its escape, `\\ud800`, so that no handler fails on the line."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class Writable(logging.Filter):
    """For a logger that repeats what requests carry (Bolt's "Unhandled request" names the
    action id or callback id it was sent): the record's message made `writable` before any
    handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        safe = writable(message)
        if safe != message:
            record.msg, record.args = safe, ()
        return True


def configure_logging(level: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)

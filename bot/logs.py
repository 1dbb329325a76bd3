"""Logging: one line per record, tokens redacted, nothing a stream cannot write. Two shapes
(LOG_FORMAT): text, with the `extra` fields appended as key=value, and JSON, one object per
line, for log shippers."""

from __future__ import annotations

import json
import logging
import math
import re
import sys
from datetime import UTC, datetime
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_TOKEN = re.compile(r"\b(xox[abposr]|xapp)-[A-Za-z0-9-]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class KeyValueFormatter(logging.Formatter):
    """`2026-11-21 10:00:00 INFO mentorbot.flows win posted win=3 channel=C1`."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if extras:
            line += " " + " ".join(f"{key}={value}" for key, value in extras.items())
        return writable(_redacted(line))


class JsonFormatter(logging.Formatter):
    """`{"time": "2026-11-21T10:00:00.000Z", "level": "INFO", "logger": "mentorbot.flows",
    "message": "win posted", "win": 3, "channel": "C1"}`: one object per line, the `extra`
    fields beside the message (one named like a field of its own is written `extra_<name>`),
    and `exc_info`, the stack as text, when there is one.

    Tokens are redacted as in the text lines. A lone surrogate is written as the text
    `\\ud800` (an escaped backslash), so the line reads back as the text lines show it: a JSON
    `\\ud800` escape alone is refused by strict parsers, and so by some log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD:
                entry[f"extra_{key}" if key in entry else key] = _plain(value)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        line = json.dumps(entry, ensure_ascii=False, default=str)
        return _redacted(_SURROGATE.sub(lambda m: f"\\\\u{ord(m.group()):04x}", line))


def _plain(value: object) -> object:
    """A value JSON can hold as itself; NaN and infinities, which JSON has not, as text."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _redacted(text: str) -> str:
    return _TOKEN.sub(lambda m: f"{m.group(1)}-[redacted]", text)


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


def configure_logging(level: int, log_format: str = "text") -> None:
    """Every record to stderr, as key=value lines (`text`) or JSON objects (`json`)."""
    handler = logging.StreamHandler(sys.stderr)
    formatter = JsonFormatter() if log_format == "json" else KeyValueFormatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)

"""The log line: one per record, extras as key=value, tokens redacted, always writable."""

from __future__ import annotations

import io
import logging

from bot.app import bolt_logger
from bot.logs import KeyValueFormatter


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.makeLogRecord({"name": "mentorbot.test", "levelname": "INFO"})
    made.msg, made.args = message, args
    made.__dict__.update(extra)
    return made


def test_a_line_carries_its_extras_and_hides_tokens() -> None:
    line = KeyValueFormatter("%(message)s").format(
        record("posted with %s", "xoxb-123-abc", win=3, channel="C1")
    )
    assert line == "posted with xoxb-[redacted] win=3 channel=C1"


def test_a_lone_surrogate_from_a_payload_is_written_as_its_escape() -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(KeyValueFormatter("%(message)s"))
    handler.handleError = lambda _record: (_ for _ in ()).throw(AssertionError("unwritable"))
    handler.emit(record("refused %s", "open_goal_\ud800", action="a\udfff"))
    stream.flush()
    assert stream.buffer.getvalue().decode("utf-8") == (
        "refused open_goal_\\ud800 action=a\\udfff\n"
    )


def test_bolts_warnings_about_unknown_ids_reach_every_handler_writable() -> None:
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    keep = Keep()
    logger = bolt_logger()
    logger.addHandler(keep)
    try:
        logger.warning('@app.action("%s")', "x\ud800")
    finally:
        logger.removeHandler(keep)
    assert seen == ['@app.action("x\\ud800")']
    assert len(bolt_logger().filters) == 1

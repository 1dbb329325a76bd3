"""The log line: one per record, extras as key=value or as JSON, tokens redacted, always
writable."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import bolt_logger, create_app
from bot.logs import JsonFormatter, KeyValueFormatter, configure_logging

REPO = Path(__file__).resolve().parent.parent


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


def test_bolt_builds_its_debug_lines_only_when_log_level_is_debug(settings, services) -> None:
    """Bolt decides whether to format a debug line for each middleware and listener from its
    logger's own level: the app sets LOG_LEVEL's there (unset, every request paid for lines
    no handler printed)."""
    for level, debug in (("INFO", False), ("WARNING", False), ("DEBUG", True)):
        app = create_app(replace(settings, log_level=level), services)
        assert (app.logger.level <= logging.DEBUG) is debug
        assert app.logger.isEnabledFor(logging.DEBUG) is debug


def test_a_json_line_is_one_object_with_the_fields_and_extras() -> None:
    """time (UTC, ISO-8601), level, logger and message, then the extras as JSON values."""
    made = record("win %s posted", 3, win=3, channel="C1", ok=True, share=0.5, missing=None)
    made.created = 1795255200.25  # 2026-11-21 10:00:00.250 UTC
    line = JsonFormatter().format(made)
    assert "\n" not in line
    assert json.loads(line) == {
        "time": "2026-11-21T10:00:00.250Z",
        "level": "INFO",
        "logger": "mentorbot.test",
        "message": "win 3 posted",
        "win": 3,
        "channel": "C1",
        "ok": True,
        "share": 0.5,
        "missing": None,
    }


def test_a_json_line_hides_tokens_wherever_they_are() -> None:
    """In the message, in an extra, and in the stack of an exception."""
    try:
        raise RuntimeError("auth failed for xapp-1-A0-secret")
    except RuntimeError:
        made = record("posting with %s", "xoxb-123-abc", header="Bearer xoxp-9-zz")
        made.exc_info = sys.exc_info()
    line = JsonFormatter().format(made)
    assert "123-abc" not in line and "xoxp-9" not in line and "A0-secret" not in line
    entry = json.loads(line)
    assert entry["message"] == "posting with xoxb-[redacted]"
    assert entry["header"] == "Bearer xoxp-[redacted]"
    assert entry["exc_info"].startswith("Traceback (most recent call last):")
    assert entry["exc_info"].endswith("RuntimeError: auth failed for xapp-[redacted]")


def test_a_json_line_keeps_its_own_fields_and_says_what_json_cannot() -> None:
    """An extra named like a field does not replace it; NaN, a date or an object is text;
    a message over several lines is still one line."""
    made = record("first\nsecond", time="later", level=9, ratio=float("nan"), at=Path("/x"))
    entry = json.loads(JsonFormatter().format(made))
    assert entry["message"] == "first\nsecond" and entry["level"] == "INFO"
    assert (entry["extra_time"], entry["extra_level"]) == ("later", 9)
    assert (entry["ratio"], entry["at"]) == ("nan", "/x")


def test_a_lone_surrogate_in_a_json_line_is_text_every_parser_reads() -> None:
    """Escaped as the text \\ud800, as the text lines write it, never as a JSON \\ud800
    escape alone (strict parsers refuse it); other characters stay as they are."""
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.handleError = lambda _record: (_ for _ in ()).throw(AssertionError("unwritable"))
    handler.emit(record("refused %s", "open_goal_\ud800", action="a\udfff", who="Zoë"))
    stream.flush()
    written = stream.buffer.getvalue().decode("utf-8")
    assert "\\ud800" not in written.replace("\\\\ud800", "")  # no bare JSON escape
    entry = json.loads(written)
    assert entry["message"] == "refused open_goal_\\ud800"
    assert (entry["action"], entry["who"]) == ("a\\udfff", "Zoë")


@pytest.fixture
def restored_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_configure_logging_writes_the_format_it_is_given(
    restored_root: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """`json` gives JSON objects on stderr, `text` the key=value lines."""
    configure_logging(logging.INFO, "json")
    logging.getLogger("mentorbot.test").info("win posted", extra={"win": 3})
    configure_logging(logging.INFO, "text")
    logging.getLogger("mentorbot.test").info("win posted", extra={"win": 3})
    first, second = capsys.readouterr().err.splitlines()
    assert json.loads(first)["message"] == "win posted" and json.loads(first)["win"] == 3
    assert second.endswith(" INFO mentorbot.test win posted win=3")


def test_a_worker_process_logs_json_when_told(tmp_path: Path) -> None:
    """`LOG_FORMAT=json python -m bot worker`: every line it writes, from start to SIGTERM,
    is a JSON object."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "bot", "worker"],
        cwd=tmp_path,
        env={
            "PATH": os.environ["PATH"],
            "PYTHONPATH": str(REPO),
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
            "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db",
            "LOG_FORMAT": "json",
        },
        stderr=subprocess.PIPE,
        text=True,
    )
    assert worker.stderr is not None
    lines = []
    for line in worker.stderr:
        lines.append(line)
        if "worker started" in line:
            break
    worker.send_signal(signal.SIGTERM)
    lines += worker.stderr  # to the end: the worker closes it as it exits
    assert worker.wait(timeout=60) == 0
    entries = [json.loads(line) for line in lines if line.strip()]
    assert [e["message"] for e in entries if e["logger"] == "mentorbot.worker"] == [
        "worker started",
        "worker stopped",
    ]
    assert "test-token" not in "".join(lines)

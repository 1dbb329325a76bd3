"""conversations.history as Slack documents it: newest first, paged by cursor, bounded by
``oldest``/``latest``, thread replies left out, metadata payloads only on request."""

from __future__ import annotations

import base64
import binascii
import copy
from decimal import Decimal, InvalidOperation
from typing import Any

from fakeslack.workspace import ApiError, Workspace, truthy

_HISTORY_LIMIT = (100, 999)  # conversations.history: default and maximum `limit`
_CURSOR_PREFIX = "next_ts:"  # Slack's history cursors are base64("next_ts:<ts digits>")


def conversations_history(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Top-level messages (and broadcast replies), newest first, like Slack.

    Thread replies are left out; parents show thread_ts, reply_count and latest_reply.
    ``oldest``/``latest`` bounds are exclusive unless ``inclusive``; ``limit`` defaults to
    100 and is capped at 999 (nonsense limits become the default, as Slack "magically
    adjusts" them).
    """
    channel = ws.readable(args.get("channel"))
    oldest = _ts(args.get("oldest"), "invalid_ts_oldest")
    latest = _ts(args.get("latest"), "invalid_ts_latest")
    inclusive = truthy(args.get("inclusive"))
    stored = ws.messages.get(channel, [])
    threads = _thread_summaries(stored)
    picked = [
        m
        for m in reversed(stored)
        if (not _is_reply(m) or m.get("subtype") == "thread_broadcast")
        and "ephemeral_to" not in m
        and _in_range(m["ts"], oldest, latest, inclusive)
    ]
    page, next_ts = _page(picked, args)
    include_all = truthy(args.get("include_all_metadata"))
    result: dict[str, Any] = {
        "messages": [_readable_message(m, include_all, threads) for m in page],
        "has_more": next_ts is not None,
        "pin_count": 0,
        "response_metadata": {"next_cursor": _cursor(next_ts)},
    }
    if args.get("latest"):
        result["latest"] = args["latest"]
    if args.get("oldest"):
        result["oldest"] = args["oldest"]
    return result


def _ts(value: Any, error: str) -> Decimal | None:
    """A Slack timestamp argument as a Decimal (None when absent), else raise `error`."""
    if value is None or value == "":
        return None
    try:
        ts = Decimal(str(value))
    except InvalidOperation:
        raise ApiError(error) from None
    if not ts.is_finite() or ts < 0:
        raise ApiError(error)
    return ts


def _in_range(ts: str, oldest: Decimal | None, latest: Decimal | None, inclusive: bool) -> bool:
    """Whether message `ts` lies between the bounds (exclusive unless `inclusive`)."""
    value = Decimal(ts)
    if oldest is not None and (value < oldest or (value == oldest and not inclusive)):
        return False
    return latest is None or value < latest or (value == latest and inclusive)


def _is_reply(message: dict[str, Any]) -> bool:
    return bool(message["thread_ts"]) and message["thread_ts"] != message["ts"]


def _thread_summaries(messages: list[dict[str, Any]]) -> dict[str, tuple[int, str]]:
    """``{parent ts: (reply count, latest reply ts)}`` for threads in `messages`."""
    threads: dict[str, tuple[int, str]] = {}
    for message in messages:
        if _is_reply(message):
            count, _ = threads.get(message["thread_ts"], (0, ""))
            threads[message["thread_ts"]] = (count + 1, message["ts"])
    return threads


def _readable_message(
    message: dict[str, Any], include_all_metadata: bool, threads: dict[str, tuple[int, str]]
) -> dict[str, Any]:
    """A stored message as conversations.history shows it.

    Slack's docs: without include_all_metadata a message's metadata carries its event_type
    only; with it, event_type and event_payload. Messages never posted with metadata have
    no metadata key. A null thread_ts is left out; thread parents get reply counts.
    """
    shown = {k: copy.deepcopy(v) for k, v in message.items() if v is not None}
    if "metadata" in shown and not include_all_metadata:
        shown["metadata"] = {"event_type": shown["metadata"]["event_type"]}
    if message["ts"] in threads:
        count, latest_reply = threads[message["ts"]]
        shown.update(thread_ts=message["ts"], reply_count=count, latest_reply=latest_reply)
    return shown


def _page(
    messages: list[dict[str, Any]], args: dict[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    """Apply `cursor` and `limit` to `messages` (newest first); returns the page and the ts
    the next page starts at (None when this is the last page)."""
    default, maximum = _HISTORY_LIMIT
    try:
        limit = int(args.get("limit") or default)
    except (TypeError, ValueError):
        limit = default
    limit = min(limit, maximum) if limit > 0 else default
    cursor = args.get("cursor")
    if cursor:
        start = _cursor_ts(cursor)
        messages = [m for m in messages if Decimal(m["ts"]) <= start]
    page = messages[:limit]
    return page, messages[limit]["ts"] if len(messages) > limit else None


def _cursor(next_ts: str | None) -> str:
    """Slack-style opaque cursor, base64("next_ts:<ts digits>"), or "" at the end."""
    if next_ts is None:
        return ""
    return base64.b64encode(f"{_CURSOR_PREFIX}{next_ts.replace('.', '')}".encode()).decode()


def _cursor_ts(cursor: Any) -> Decimal:
    """The ts a `_cursor` points at; invalid_cursor for anything else."""
    try:
        text = base64.b64decode(str(cursor), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError("invalid_cursor") from None
    digits = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not digits.isdigit() or len(digits) <= 6:
        raise ApiError("invalid_cursor")
    return Decimal(f"{digits[:-6]}.{digits[-6:]}")

"""The Web API methods Mentorbot calls, answered as Slack documents them.

Each method takes the workspace and the call's arguments and returns the rest of an
``{"ok": true, ...}`` answer, or raises ``ApiError`` before changing anything. ``METHODS``
lists them all: the app calls exactly these (Bolt adds auth.test at start-up, and
``WebClient.files_upload_v2`` the two files.* methods around its upload); a method not in it
answers ``unknown_method``.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

from fakeslack.blockkit import validate_message, validate_view
from fakeslack.history import conversations_history
from fakeslack.workspace import ApiError, Channel, File, Upload, Workspace, truthy

UPLOAD_PATH = "/upload/v1/"  # where files.getUploadURLExternal's upload_url points
_CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")

Method = Callable[[Workspace, dict[str, Any]], dict[str, Any]]


def auth_test(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": "https://fake-workspace.slack.com/",
        "team": "Fake Workspace",
        "user": ws.users[ws.bot_user_id].name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def users_info(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    user = ws.user(args.get("user"))
    return {
        "user": {
            "id": user.id,
            "team_id": ws.team_id,
            "name": user.name,
            "real_name": user.real_name,
            "deleted": user.deleted,
            "is_bot": user.is_bot,
            "tz": user.tz,
            "tz_offset": user.tz_offset,
            "profile": {"display_name": user.name, "real_name": user.real_name},
        }
    }


def conversations_info(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    channel_id = args.get("channel")
    if isinstance(channel_id, str) and channel_id.startswith("D"):
        return {"channel": ws.im_info(channel_id)}
    channel = ws.visible_channel(channel_id)
    num_members = truthy(args.get("include_num_members"))
    return {"channel": ws.channel_info(channel, num_members=num_members)}


def conversations_members(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    channel_id = args.get("channel")
    if isinstance(channel_id, str) and channel_id.startswith("D"):
        members = [ws.bot_user_id, channel_id[1:]]
    else:
        members = list(ws.visible_channel(channel_id).members)
    return {"members": members, "response_metadata": {"next_cursor": ""}}


def conversations_create(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    name = args.get("name")
    if not isinstance(name, str) or not name:
        raise ApiError("invalid_name_required")
    if len(name) > 80:
        raise ApiError("invalid_name_maxlength")
    if not _CHANNEL_NAME.fullmatch(name):
        raise ApiError("invalid_name_specials")
    if any(c.name == name for c in ws.channels.values()):
        raise ApiError("name_taken")
    channel_id = ws.next_id("C", ws.channels)
    channel = Channel(
        channel_id,
        name,
        is_private=truthy(args.get("is_private")),
        is_archived=False,
        members=[ws.bot_user_id],
        creator=ws.bot_user_id,
    )
    ws.channels[channel_id] = channel
    return {"channel": ws.channel_info(channel, num_members=False)}


def conversations_invite(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel_not_dm(ws, args.get("channel"))
    if channel.is_archived:
        raise ApiError("is_archived")
    if ws.bot_user_id not in channel.members:
        raise ApiError("not_in_channel")
    user_ids = [u.strip() for u in _user_list(args.get("users")) if u.strip()]
    if not user_ids:
        raise ApiError("no_user")
    for user_id in user_ids:
        if user_id == ws.bot_user_id:
            raise ApiError("cant_invite_self")
        ws.user(user_id)
    new = [u for u in dict.fromkeys(user_ids) if u not in channel.members]
    if not new:
        raise ApiError("already_in_channel")
    channel.members.extend(new)
    return {"channel": ws.channel_info(channel, num_members=False)}


def conversations_open(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    user_ids = _user_list(args.get("users"))
    if len(user_ids) != 1:
        raise ApiError("not_supported_by_fake", detail="open a DM with exactly one user")
    user = ws.user(user_ids[0].strip())
    return {"channel": {"id": f"D{user.id}"}}


def conversations_archive(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Archive a channel the bot is in; from then on posts to it answer is_archived."""
    channel = _channel_not_dm(ws, args.get("channel"))
    if channel.is_archived:
        raise ApiError("already_archived")
    if channel.is_general:
        raise ApiError("cant_archive_general")
    if ws.bot_user_id not in channel.members:
        raise ApiError("not_in_channel")
    channel.is_archived = True
    return {}


def chat_post_message(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    channel = ws.postable(args.get("channel"))
    _check_message(args)
    metadata = _metadata(args.get("metadata"))
    now = ws.clock()
    ws.check_rate(channel, now)
    message = ws.new_message(
        args.get("text") or "",
        blocks=copy.deepcopy(args.get("blocks") or []),
        thread_ts=args.get("thread_ts") or None,
    )
    if message["thread_ts"] and truthy(args.get("reply_broadcast")):
        message["subtype"] = "thread_broadcast"
    if metadata is not None:
        message["metadata"] = metadata
    ws.messages[channel].append(message)
    ws.record_post(channel, now)
    return {"channel": channel, "ts": message["ts"], "message": copy.deepcopy(message)}


def chat_delete(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    channel = ws.postable(args.get("channel"))
    message = ws.message(channel, args.get("ts"))
    ws.messages[channel].remove(message)
    return {"channel": channel, "ts": message["ts"]}


def views_publish(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    if not args.get("user_id"):
        messages = ["[ERROR] user_id: required"]
        raise ApiError("invalid_arguments", response_metadata={"messages": messages})
    view = _checked_view(args.get("view"), "home")
    user_id = str(args["user_id"])
    view_id = ws.homes.get(user_id) or ws.next_id("V", ws.views)
    ws.homes[user_id] = view_id
    return {"view": ws.store_view(view, view_id)}


def views_open(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """A trigger_id and a valid modal."""
    if not args.get("trigger_id"):
        raise ApiError("invalid_trigger_id")
    view = _checked_view(args.get("view"), "modal")
    view_id = ws.next_id("V", ws.views)
    ws.opened[str(args["trigger_id"])] = view_id
    return {"view": ws.store_view(view, view_id)}


def files_get_upload_url(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """An upload URL for one file of `length` bytes named `filename`, and its id."""
    filename = args.get("filename")
    try:
        length = int(args.get("length") or 0)
    except (TypeError, ValueError):
        length = 0
    problems = []
    if not isinstance(filename, str) or not filename.strip():
        problems.append("[ERROR] filename: required")
    if length < 1:
        problems.append("[ERROR] length: must be a positive number of bytes")
    if problems:
        raise ApiError("invalid_arguments", response_metadata={"messages": problems})
    assert isinstance(filename, str)
    file_id = ws.next_id("F", ws.files)
    alt_txt = args.get("alt_txt") if isinstance(args.get("alt_txt"), str) else None
    ws.files[file_id] = File(file_id, filename, length, alt_txt)
    return {"upload_url": f"{ws.origin}{UPLOAD_PATH}{file_id}", "file_id": file_id}


def files_complete_upload(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Finish uploads and share them in `channel_id` (or `channels`) in one message.

    Every file must have had its bytes posted to its upload URL and not be completed
    yet (``file_not_found`` otherwise — the fake's reading of an unknown id). Channels
    are checked as chat.postMessage checks them: ``not_in_channel``, ``is_archived``,
    ``channel_not_found``; nothing is shared unless all of them pass.
    """
    items = args.get("files")
    if isinstance(items, str):
        try:
            items = json.loads(items)
        except json.JSONDecodeError:
            items = None
    if (
        not isinstance(items, list)
        or not items
        or not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items)
    ):
        messages = ["[ERROR] files: an array of objects with an id is required"]
        raise ApiError("invalid_arguments", response_metadata={"messages": messages})
    files = [ws.files.get(item["id"]) for item in items]
    if any(f is None or f.data is None or f.completed for f in files):
        raise ApiError("file_not_found")
    raw = args.get("channel_id") or args.get("channels") or ""
    named = raw.split(",") if isinstance(raw, str) else []
    channels = tuple(ws.postable(c.strip()) for c in named if c.strip())
    comment = args.get("initial_comment") or None
    shared = []
    for item, file in zip(items, files, strict=True):
        assert file is not None and file.data is not None
        file.completed = True
        title = item.get("title") or file.filename
        upload = Upload(file.id, file.filename, title, file.data, channels, comment, file.alt_txt)
        ws.uploads.append(upload)
        shared.append({"id": file.id, "name": file.filename, "title": title})
    for channel in channels:
        message = ws.new_message(
            comment or "",
            blocks=[],
            thread_ts=args.get("thread_ts") or None,
            files=copy.deepcopy(shared),
            upload=True,
        )
        ws.messages[channel].append(message)
    return {
        "files": [
            {**entry, "size": len(file.data or b""), "channels": list(channels)}
            for entry, file in zip(shared, files, strict=True)
        ]
    }


METHODS: dict[str, Method] = {
    "auth.test": auth_test,
    "users.info": users_info,
    "conversations.info": conversations_info,
    "conversations.members": conversations_members,
    "conversations.create": conversations_create,
    "conversations.invite": conversations_invite,
    "conversations.open": conversations_open,
    "conversations.history": conversations_history,
    "conversations.archive": conversations_archive,
    "chat.postMessage": chat_post_message,
    "chat.delete": chat_delete,
    "views.publish": views_publish,
    "views.open": views_open,
    "files.getUploadURLExternal": files_get_upload_url,
    "files.completeUploadExternal": files_complete_upload,
}


def _channel_not_dm(ws: Workspace, channel_id: Any) -> Channel:
    """A channel the bot can see; a DM answers method_not_supported_for_channel_type."""
    if isinstance(channel_id, str) and channel_id.startswith("D"):
        raise ApiError("method_not_supported_for_channel_type")
    return ws.visible_channel(channel_id)


def _user_list(raw: Any) -> list[str]:
    """A `users` argument: comma-separated in a form, or a JSON list."""
    user_ids = raw.split(",") if isinstance(raw, str) else raw
    return [u for u in user_ids or [] if isinstance(u, str)]


def _check_message(args: dict[str, Any]) -> None:
    """Raise no_text / invalid_blocks unless the message content is acceptable."""
    content = {k: args[k] for k in ("text", "markdown_text", "blocks", "attachments") if k in args}
    if not any(content.values()):
        raise ApiError("no_text")
    problems = validate_message(content)
    if problems:
        raise ApiError(
            "invalid_blocks",
            errors=problems,
            response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
        )


def _metadata(raw: Any) -> dict[str, Any] | None:
    """Parse chat.postMessage `metadata` (object or JSON string); None if absent.

    Raises invalid_metadata_format unless it is an object with a non-empty string
    event_type and an object event_payload.
    """
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise ApiError("invalid_metadata_format") from None
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("event_type"), str)
        or not raw["event_type"].strip()
        or not isinstance(raw.get("event_payload"), dict)
    ):
        raise ApiError("invalid_metadata_format")
    return copy.deepcopy(raw)


def _checked_view(view: Any, expected_type: str) -> dict[str, Any]:
    """`view` if it is a valid view of `expected_type`, else invalid_arguments."""
    if not isinstance(view, dict):
        messages = ["[ERROR] view: required"]
        raise ApiError("invalid_arguments", response_metadata={"messages": messages})
    problems = validate_view(view)
    if view.get("type") != expected_type:
        problems.insert(0, f"type: must be {expected_type!r} for this method")
    if problems:
        messages = [f"[ERROR] {p}" for p in problems]
        raise ApiError("invalid_arguments", response_metadata={"messages": messages})
    return view

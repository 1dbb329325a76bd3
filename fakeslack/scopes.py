"""Which bot scope each Web API method needs, and Slack's answer when the token lacks it."""

from __future__ import annotations

from typing import Any

from fakeslack.workspace import ApiError, Workspace, truthy

PerType = tuple[str, str, str, str]
CONVERSATION_TYPES = ("public", "private", "im", "mpim")

# The bot scope each method needs, from Slack's method reference (api.slack.com/methods/<name>,
# "Required scopes", and docs.slack.dev/reference/methods/files.getUploadURLExternal and
# files.completeUploadExternal): None for no scope, one scope for every call, or one per
# conversation type in the order of CONVERSATION_TYPES (the Conversations API,
# api.slack.com/conversations-api). The names are the granular bot scopes that replaced the
# classic ones: chat:write for chat:write:bot, channels:manage for channels:write, files:write
# for files:write:user (docs.slack.dev/reference/scopes/<scope>). tests/test_fake_slack.py
# checks the table against Slack's published specs.
METHOD_SCOPES: dict[str, str | PerType | None] = {
    "auth.test": None,
    "users.info": "users:read",
    "conversations.info": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.members": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.create": ("channels:manage", "groups:write", "im:write", "mpim:write"),
    "conversations.invite": ("channels:manage", "groups:write", "im:write", "mpim:write"),
    "conversations.open": ("channels:manage", "groups:write", "im:write", "mpim:write"),
    "conversations.history": ("channels:history", "groups:history", "im:history", "mpim:history"),
    "conversations.archive": ("channels:manage", "groups:write", "im:write", "mpim:write"),
    "chat.postMessage": "chat:write",
    "chat.delete": "chat:write",
    "views.publish": None,
    "views.open": None,
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}


def app_scopes() -> tuple[str, ...]:
    """The bot scopes Mentorbot's manifest requests (read when a fake is made without
    explicit scopes, so that importing fakeslack needs nothing but the standard library)."""
    from bot.manifest import BOT_SCOPES

    return tuple(BOT_SCOPES)


def check_scope(ws: Workspace, method: str, args: dict[str, Any], granted: tuple[str, ...]) -> None:
    """Raise Slack's missing_scope answer if the call needs a scope not in `granted`.

    A per-type scope is the one for the conversation the call names; for a conversation the
    workspace does not know, the method itself answers (channel_not_found).
    """
    needed = METHOD_SCOPES[method]
    if isinstance(needed, tuple):
        kind = _conversation_type(ws, method, args)
        needed = None if kind is None else needed[CONVERSATION_TYPES.index(kind)]
    if needed is not None and needed not in granted:
        raise ApiError("missing_scope", needed=needed, provided=",".join(granted))


def _conversation_type(ws: Workspace, method: str, args: dict[str, Any]) -> str | None:
    """The type of conversation a call acts on: the one it creates, opens or names."""
    if method == "conversations.create":
        return "private" if truthy(args.get("is_private")) else "public"
    if method == "conversations.open" and not args.get("channel"):
        users = args.get("users")
        count = len(users.split(",")) if isinstance(users, str) else len(users or [])
        return "im" if count <= 1 else "mpim"
    return ws.conversation_type(args.get("channel"))

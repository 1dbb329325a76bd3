"""Slack's text formats in and out.

In: slash commands (with `should_escape`) and message events arrive with Slack markup —
`<@U1|ann>`, `<#C1|general>`, `<!channel>`, `<https://x|x>` — and with `&`, `<`, `>` escaped.
`from_slack` turns that into the plain text the rules store, keeping person and channel
references as `<@U1>` / `<#C1>` and turning broadcasts into harmless words ("@channel"). All
text people type — commands, DMs, form fields — goes through `clean` on the way in.

Out: `mrkdwn` escapes `&`, `<` and `>` in everything and restores only those person and channel
references, so nothing a person typed can ping a channel or forge a link. `clip` keeps Block
Kit's length limits without cutting an escape or a reference in half.
"""

from __future__ import annotations

import html
import re

_TOKEN = re.compile(r"<([^<>]*)>")
_USER_REF = re.compile(r"^@([UW][A-Z0-9]+)(?:\|.*)?$")
_CHANNEL_REF = re.compile(r"^#(C[A-Z0-9]+)(?:\|.*)?$")
_KEEP_REFS = re.compile(r"&lt;(@[UW][A-Z0-9]+|#C[A-Z0-9]+)&gt;")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")  # C0 but tab and newline
_SURROGATE = re.compile(r"[\ud800-\udfff]")
REPLACEMENT = "\ufffd"
ELLIPSIS = "…"


def from_slack(text: str | None) -> str:
    """Plain text from Slack markup (see module docstring), cleaned."""
    if not text:
        return ""
    return clean(html.unescape(_TOKEN.sub(_plain_token, text))).strip()


def clean(text: str) -> str:
    """Text as the database and JSON can hold it: NUL (which PostgreSQL refuses) and the other
    C0 control characters but tab and newline are taken out, and a lone surrogate — JSON can
    carry "\\ud800", UTF-8 cannot, so neither database stores it — becomes U+FFFD."""
    return _SURROGATE.sub(REPLACEMENT, _CONTROL.sub("", text))


def _plain_token(match: re.Match[str]) -> str:
    inner = match.group(1)
    if user := _USER_REF.match(inner):
        return f"<@{user.group(1)}>"
    if channel := _CHANNEL_REF.match(inner):
        return f"<#{channel.group(1)}>"
    target, _, label = inner.partition("|")
    if target.startswith("!"):
        name = target[1:].split("^", 1)[0]
        if name == "date":
            return label
        if name == "subteam":
            return label or "@team"
        return f"@{name}"  # !channel, !here, !everyone: the word, never the broadcast
    target = target.removeprefix("mailto:")
    if not label or label == target or label == target.split("://", 1)[-1]:
        return target
    return f"{label} ({target})"


def mrkdwn(text: str) -> str:
    """Escape text for a mrkdwn field, keeping only person and channel references live."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _KEEP_REFS.sub(r"<\1>", escaped)


def clip(text: str, limit: int) -> str:
    """`text` (already mrkdwn) cut to `limit` characters with an ellipsis, never inside an
    `&…;` escape or a `<…>` reference."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    amp = cut.rfind("&")
    if amp > cut.rfind(";"):
        cut = cut[:amp]
    lt = cut.rfind("<")
    if lt > cut.rfind(">"):
        cut = cut[:lt]
    return cut.rstrip() + ELLIPSIS


def plain(text: str, limit: int) -> str:
    """Text for a plain_text field: references shown as typed, cut to `limit`."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def mentioned_users(text: str) -> list[str]:
    """User ids referenced in plain text, in order."""
    return _MENTION.findall(text)

"""Block Kit limit checks for message and view payloads, mirroring what Slack enforces.

Every public function returns a list of human-readable problems, each naming where it
is (for example ``"blocks[3].text: 3012 chars > 3000"``); an empty list means valid.
The checks are deliberately a little stricter than Slack in one place: a message with
``blocks`` must carry a non-blank top-level ``text`` fallback for notifications.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

Problems = list[str]

MAX_MESSAGE_TEXT = 40_000
MAX_MARKDOWN_TEXT = 12_000
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_BUTTON_STYLES = ("primary", "danger")
_SELECTS = frozenset(
    {
        "static_select",
        "multi_static_select",
        "users_select",
        "multi_users_select",
        "conversations_select",
        "multi_conversations_select",
        "channels_select",
        "multi_channels_select",
    }
)
_CHOICES = frozenset({"datepicker", "timepicker", "checkboxes", "radio_buttons"})
_ACTIONS_ELEMENTS = _SELECTS | _CHOICES | {"button", "overflow"}
_ACCESSORY_ELEMENTS = _ACTIONS_ELEMENTS | {"image"}
_INPUT_ELEMENTS = _SELECTS | _CHOICES | {"plain_text_input"}


def validate_message(payload: dict[str, Any]) -> Problems:
    """Check a chat.postMessage / postEphemeral / update or response_url payload.

    Requires some content (text, markdown_text, blocks or attachments), a non-blank
    ``text`` fallback whenever ``blocks`` is present, ``text`` <= 40000 chars, at most
    50 blocks, and block_id / action_id values unique across the whole message.
    """
    problems: Problems = []
    text = payload.get("text")
    blocks = payload.get("blocks")
    if text is not None:
        problems += _string(text, "text", MAX_MESSAGE_TEXT)
    if "markdown_text" in payload:
        problems += _string(payload["markdown_text"], "markdown_text", MAX_MARKDOWN_TEXT)
    if blocks is None:
        if not text and not payload.get("markdown_text") and not payload.get("attachments"):
            problems.append("text: required when there are no blocks or attachments")
        return problems
    if not isinstance(text, str) or not text.strip():
        problems.append("text: a non-blank fallback is required when blocks are present")
    problems += _blocks(blocks, MAX_MESSAGE_BLOCKS, surface="message")
    if isinstance(blocks, list):
        problems += _duplicates(
            [aid for block in blocks for aid in _action_ids(block)], "action_id", "message"
        )
    return problems


def validate_view(view: dict[str, Any]) -> Problems:
    """Check a views.publish / open / update / push ``view`` object.

    ``type`` must be "home" or "modal"; at most 100 blocks with unique block_ids and
    action_ids unique within each block; a modal needs a plain_text ``title`` <= 24
    chars, ``submit``/``close`` are plain_text <= 24 chars and ``submit`` is required
    when the modal has input blocks; ``private_metadata`` <= 3000 and ``callback_id``
    <= 255 chars; input blocks are only allowed in modals.
    """
    kind = view.get("type")
    if kind not in ("home", "modal"):
        return [f"type: {kind!r} is not 'home' or 'modal'"]
    problems = _blocks(view.get("blocks"), MAX_VIEW_BLOCKS, surface=kind)
    blocks = view.get("blocks")
    if isinstance(blocks, list):
        for i, block in enumerate(blocks):
            problems += _duplicates(_action_ids(block), "action_id", f"blocks[{i}]")
    if kind == "modal":
        problems += _text_object(view.get("title"), "title", 24, plain_only=True)
        problems += _optional_text(view, "submit", "", 24, plain_only=True)
        problems += _optional_text(view, "close", "", 24, plain_only=True)
        has_input = isinstance(blocks, list) and any(
            isinstance(block, dict) and block.get("type") == "input" for block in blocks
        )
        if has_input and "submit" not in view:
            problems.append("submit: required when the modal has input blocks")
    problems += _optional_string(view, "private_metadata", "", 3000)
    problems += _optional_string(view, "callback_id", "", 255)
    problems += _optional_string(view, "external_id", "", 255)
    return problems


def _path(where: str, key: str) -> str:
    """Join a parent location and a key ("" parent means top level)."""
    return f"{where}.{key}" if where else key


def _string(value: Any, where: str, max_len: int, *, min_len: int = 0) -> Problems:
    """Check that `value` is a str with min_len <= length <= max_len."""
    if not isinstance(value, str):
        return [f"{where}: must be a string"]
    if len(value) < min_len:
        return [f"{where}: {len(value)} chars < {min_len}"]
    if len(value) > max_len:
        return [f"{where}: {len(value)} chars > {max_len}"]
    return []


def _optional_string(parent: dict[str, Any], key: str, where: str, max_len: int) -> Problems:
    """Check `parent[key]` with `_string` when the key is present."""
    if key not in parent:
        return []
    return _string(parent[key], _path(where, key), max_len)


def _count(items: Any, where: str, low: int, high: int, noun: str) -> Problems:
    """Check that `items` is a list with low <= len <= high."""
    if not isinstance(items, list):
        return [f"{where}: must be a list"]
    if len(items) < low:
        return [f"{where}: {len(items)} {noun} < {low}"]
    if len(items) > high:
        return [f"{where}: {len(items)} {noun} > {high}"]
    return []


def _text_object(
    obj: Any, where: str, max_len: int, *, plain_only: bool = False, min_len: int = 1
) -> Problems:
    """Check a text object: type plain_text or mrkdwn (only plain_text if `plain_only`)."""
    if not isinstance(obj, dict):
        return [f"{where}: must be a text object"]
    kind = obj.get("type")
    if kind not in ("plain_text", "mrkdwn"):
        return [f"{where}.type: {kind!r} is not 'plain_text' or 'mrkdwn'"]
    if plain_only and kind != "plain_text":
        return [f"{where}: must be plain_text, not mrkdwn"]
    if not isinstance(obj.get("text"), str):
        return [f"{where}.text: must be a string"]
    return _string(obj["text"], where, max_len, min_len=min_len)


def _optional_text(
    parent: dict[str, Any], key: str, where: str, max_len: int, *, plain_only: bool = False
) -> Problems:
    """Check `parent[key]` with `_text_object` when the key is present."""
    if key not in parent:
        return []
    return _text_object(parent[key], _path(where, key), max_len, plain_only=plain_only)


def _duplicates(values: list[str], what: str, scope: str) -> Problems:
    """Report each value that occurs more than once."""
    seen: set[str] = set()
    problems: Problems = []
    for value in values:
        if value in seen:
            problems.append(f"{what} {value!r} is used more than once in the {scope}")
        seen.add(value)
    return problems


def _action_ids(block: Any) -> list[str]:
    """The action_ids of the interactive elements directly inside `block`."""
    if not isinstance(block, dict):
        return []
    elements: list[Any] = []
    if block.get("type") == "actions" and isinstance(block.get("elements"), list):
        elements = block["elements"]
    elif block.get("type") == "section" and "accessory" in block:
        elements = [block["accessory"]]
    elif block.get("type") == "input" and "element" in block:
        elements = [block["element"]]
    return [
        element["action_id"]
        for element in elements
        if isinstance(element, dict) and isinstance(element.get("action_id"), str)
    ]


def _blocks(blocks: Any, max_blocks: int, *, surface: str) -> Problems:
    """Check a blocks list: size, each block, and block_id uniqueness."""
    problems = _count(blocks, "blocks", 0, max_blocks, "blocks")
    if not isinstance(blocks, list):
        return problems
    for i, block in enumerate(blocks):
        problems += _block(block, f"blocks[{i}]", surface=surface)
    block_ids = [
        block["block_id"]
        for block in blocks
        if isinstance(block, dict) and isinstance(block.get("block_id"), str)
    ]
    scope = "message" if surface == "message" else "view"
    return problems + _duplicates(block_ids, "block_id", scope)


def _block(block: Any, where: str, *, surface: str) -> Problems:
    """Check one block of a message ("message") or view ("home" / "modal")."""
    if not isinstance(block, dict):
        return [f"{where}: must be an object"]
    kind = block.get("type")
    check = _BLOCKS.get(kind) if isinstance(kind, str) else None
    if check is None:
        return [f"{where}.type: unknown block type {kind!r}"]
    if kind == "input" and surface == "home":
        return [f"{where}: input blocks are only allowed in modals"]
    return _optional_string(block, "block_id", where, 255) + check(block, where)


def _section(block: dict[str, Any], where: str) -> Problems:
    """section: text (1..3000) and/or fields (<= 10, each <= 2000), optional accessory."""
    if "text" not in block and "fields" not in block:
        return [f"{where}: a section needs text or fields"]
    problems = _optional_text(block, "text", where, 3000)
    if "fields" in block:
        fields = block["fields"]
        problems += _count(fields, f"{where}.fields", 1, 10, "fields")
        if isinstance(fields, list):
            for i, field in enumerate(fields):
                problems += _text_object(field, f"{where}.fields[{i}]", 2000)
    if "accessory" in block:
        problems += _element(block["accessory"], f"{where}.accessory", _ACCESSORY_ELEMENTS)
    return problems


def _header(block: dict[str, Any], where: str) -> Problems:
    """header: plain_text text, 1..150 chars."""
    return _text_object(block.get("text"), f"{where}.text", 150, plain_only=True)


def _divider(block: dict[str, Any], where: str) -> Problems:
    """divider: nothing to check beyond the shared block_id rule."""
    return []


def _context(block: dict[str, Any], where: str) -> Problems:
    """context: 1..10 elements, each a text object (<= 3000) or an image element."""
    elements = block.get("elements")
    problems = _count(elements, f"{where}.elements", 1, 10, "elements")
    if not isinstance(elements, list):
        return problems
    for i, element in enumerate(elements):
        at = f"{where}.elements[{i}]"
        if isinstance(element, dict) and element.get("type") == "image":
            problems += _image_element(element, at)
        else:
            problems += _text_object(element, at, 3000)
    return problems


def _actions(block: dict[str, Any], where: str) -> Problems:
    """actions: 1..25 interactive elements."""
    elements = block.get("elements")
    problems = _count(elements, f"{where}.elements", 1, 25, "elements")
    if not isinstance(elements, list):
        return problems
    for i, element in enumerate(elements):
        problems += _element(element, f"{where}.elements[{i}]", _ACTIONS_ELEMENTS)
    return problems


def _input(block: dict[str, Any], where: str) -> Problems:
    """input: plain_text label 1..2000, an input element, optional plain_text hint <= 2000."""
    problems = _text_object(block.get("label"), f"{where}.label", 2000, plain_only=True)
    if "element" not in block:
        problems.append(f"{where}.element: required")
    else:
        problems += _element(block["element"], f"{where}.element", _INPUT_ELEMENTS)
    return problems + _optional_text(block, "hint", where, 2000, plain_only=True)


def _image_block(block: dict[str, Any], where: str) -> Problems:
    """image block: image_url <= 3000, alt_text <= 2000, optional plain_text title <= 2000."""
    problems = _string(block.get("image_url"), f"{where}.image_url", 3000, min_len=1)
    problems += _string(block.get("alt_text"), f"{where}.alt_text", 2000, min_len=1)
    return problems + _optional_text(block, "title", where, 2000, plain_only=True)


def _rich_text(block: dict[str, Any], where: str) -> Problems:
    """rich_text: elements must be a list (its inner structure is not checked)."""
    if not isinstance(block.get("elements"), list):
        return [f"{where}.elements: must be a list"]
    return []


def _element(element: Any, where: str, allowed: frozenset[str]) -> Problems:
    """Check an interactive element that sits where only `allowed` types may appear."""
    if not isinstance(element, dict):
        return [f"{where}: must be an object"]
    kind = element.get("type")
    check = _ELEMENTS.get(kind) if isinstance(kind, str) else None
    if check is None:
        return [f"{where}.type: unknown element type {kind!r}"]
    if kind not in allowed:
        return [f"{where}.type: {kind} elements are not allowed here"]
    problems = _optional_string(element, "action_id", where, 255)
    problems += _optional_text(element, "placeholder", where, 150, plain_only=True)
    if "confirm" in element:
        problems += _confirm(element["confirm"], f"{where}.confirm")
    return problems + check(element, where)


def _confirm(confirm: Any, where: str) -> Problems:
    """Confirmation dialog: title <= 100, text <= 300, confirm <= 30, deny <= 30."""
    if not isinstance(confirm, dict):
        return [f"{where}: must be an object"]
    problems = _text_object(confirm.get("title"), f"{where}.title", 100, plain_only=True)
    problems += _text_object(confirm.get("text"), f"{where}.text", 300)
    problems += _text_object(confirm.get("confirm"), f"{where}.confirm", 30, plain_only=True)
    problems += _text_object(confirm.get("deny"), f"{where}.deny", 30, plain_only=True)
    if "style" in confirm and confirm["style"] not in _BUTTON_STYLES:
        problems.append(f"{where}.style: {confirm['style']!r} is not 'primary' or 'danger'")
    return problems


def _button(element: dict[str, Any], where: str) -> Problems:
    """button: plain_text text 1..75, value <= 2000, url <= 3000, style primary/danger."""
    problems = _text_object(element.get("text"), f"{where}.text", 75, plain_only=True)
    problems += _optional_string(element, "value", where, 2000)
    problems += _optional_string(element, "url", where, 3000)
    if "style" in element and element["style"] not in _BUTTON_STYLES:
        problems.append(f"{where}.style: {element['style']!r} is not 'primary' or 'danger'")
    return problems


def _option(option: Any, where: str, *, mrkdwn_ok: bool, url_ok: bool) -> Problems:
    """Option object: text <= 75, value <= 150, description <= 75, url <= 3000 if allowed."""
    if not isinstance(option, dict):
        return [f"{where}: must be an option object"]
    plain_only = not mrkdwn_ok
    problems = _text_object(option.get("text"), f"{where}.text", 75, plain_only=plain_only)
    problems += _string(option.get("value"), f"{where}.value", 150)
    problems += _optional_text(option, "description", where, 75, plain_only=plain_only)
    if url_ok:
        problems += _optional_string(option, "url", where, 3000)
    return problems


def _options(
    options: Any, where: str, low: int, high: int, *, mrkdwn_ok: bool = False, url_ok: bool = False
) -> Problems:
    """Check a list of option objects and its size."""
    problems = _count(options, where, low, high, "options")
    if isinstance(options, list):
        for i, option in enumerate(options):
            problems += _option(option, f"{where}[{i}]", mrkdwn_ok=mrkdwn_ok, url_ok=url_ok)
    return problems


def _option_values(options: Any) -> set[str]:
    """The `value`s of the well-formed options in `options`."""
    if not isinstance(options, list):
        return set()
    return {o["value"] for o in options if isinstance(o, dict) and isinstance(o.get("value"), str)}


def _initial_options(element: dict[str, Any], where: str, values: set[str]) -> Problems:
    """initial_option / initial_options must be among the element's option values."""
    chosen: list[Any] = []
    if "initial_option" in element:
        chosen.append(element["initial_option"])
    if isinstance(element.get("initial_options"), list):
        chosen += element["initial_options"]
    return [
        f"{where}: initial option {option.get('value')!r} is not one of the options"
        for option in chosen
        if not isinstance(option, dict) or option.get("value") not in values
    ]


def _static_select(element: dict[str, Any], where: str) -> Problems:
    """static_select: <= 100 options or option_groups, initial options among them."""
    if "option_groups" not in element:
        problems = _options(element.get("options"), f"{where}.options", 0, 100)
        return problems + _initial_options(element, where, _option_values(element.get("options")))
    groups = element["option_groups"]
    problems = _count(groups, f"{where}.option_groups", 1, 100, "groups")
    values: set[str] = set()
    for i, group in enumerate(groups if isinstance(groups, list) else []):
        at = f"{where}.option_groups[{i}]"
        if not isinstance(group, dict):
            problems.append(f"{at}: must be an object")
            continue
        problems += _text_object(group.get("label"), f"{at}.label", 75, plain_only=True)
        problems += _options(group.get("options"), f"{at}.options", 1, 100)
        values |= _option_values(group.get("options"))
    return problems + _initial_options(element, where, values)


def _plain_select(element: dict[str, Any], where: str) -> Problems:
    """users/conversations/channels selects: only the shared element rules apply."""
    return []


def _plain_text_input(element: dict[str, Any], where: str) -> Problems:
    """plain_text_input: initial_value <= 3000, min_length / max_length within 0..3000."""
    problems = _optional_string(element, "initial_value", where, 3000)
    for key in ("min_length", "max_length"):
        value = element.get(key, 0)
        if not isinstance(value, int) or not 0 <= value <= 3000:
            problems.append(f"{where}.{key}: {value!r} is not an integer in 0..3000")
    return problems


def _datepicker(element: dict[str, Any], where: str) -> Problems:
    """datepicker: initial_date is a real YYYY-MM-DD date."""
    value = element.get("initial_date")
    if value is None or _is_date(value):
        return []
    return [f"{where}.initial_date: {value!r} is not YYYY-MM-DD"]


def _is_date(value: Any) -> bool:
    """Whether `value` is a YYYY-MM-DD string naming a real calendar date."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _timepicker(element: dict[str, Any], where: str) -> Problems:
    """timepicker: initial_time is HH:mm (24-hour)."""
    value = element.get("initial_time")
    if value is None or (isinstance(value, str) and _TIME.fullmatch(value)):
        return []
    return [f"{where}.initial_time: {value!r} is not HH:mm"]


def _overflow(element: dict[str, Any], where: str) -> Problems:
    """overflow: 1..5 options (which may carry a url)."""
    return _options(element.get("options"), f"{where}.options", 1, 5, url_ok=True)


def _choices(element: dict[str, Any], where: str) -> Problems:
    """checkboxes / radio_buttons: 1..10 options, initial options among them."""
    problems = _options(element.get("options"), f"{where}.options", 1, 10, mrkdwn_ok=True)
    return problems + _initial_options(element, where, _option_values(element.get("options")))


def _image_element(element: dict[str, Any], where: str) -> Problems:
    """image element: image_url and alt_text are required strings."""
    problems = _string(element.get("image_url"), f"{where}.image_url", 3000, min_len=1)
    return problems + _string(element.get("alt_text"), f"{where}.alt_text", 2000, min_len=1)


_Check = Callable[[dict[str, Any], str], Problems]

_BLOCKS: dict[str, _Check] = {
    "section": _section,
    "header": _header,
    "divider": _divider,
    "context": _context,
    "actions": _actions,
    "input": _input,
    "image": _image_block,
    "rich_text": _rich_text,
}

_ELEMENTS: dict[str, _Check] = {
    "button": _button,
    "static_select": _static_select,
    "multi_static_select": _static_select,
    "plain_text_input": _plain_text_input,
    "datepicker": _datepicker,
    "timepicker": _timepicker,
    "overflow": _overflow,
    "checkboxes": _choices,
    "radio_buttons": _choices,
    "image": _image_element,
    **{kind: _plain_select for kind in _SELECTS - {"static_select", "multi_static_select"}},
}

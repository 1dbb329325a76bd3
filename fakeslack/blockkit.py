"""Block Kit limit checks for message and view payloads, mirroring what Slack enforces.

Every public function returns a list of human-readable problems, each naming where it
is (for example ``"blocks[3].text: 3012 chars > 3000"``); an empty list means valid.
The checks are deliberately a little stricter than Slack in one place: a message with
``blocks`` must carry a non-blank top-level ``text`` fallback for notifications.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fakeslack.elements import (
    ACCESSORY_ELEMENTS,
    ACTIONS_ELEMENTS,
    INPUT_ELEMENTS,
    Problems,
    check_count,
    check_element,
    check_image_element,
    check_optional_string,
    check_optional_text,
    check_string,
    check_text,
)

MAX_MESSAGE_TEXT = 40_000
MAX_MARKDOWN_TEXT = 12_000
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TABLES = 1  # a message takes one table block
MAX_TABLE_ROWS = 100
MAX_TABLE_CELLS = 20  # a row, and column_settings
TABLE_CELLS = ("raw_text", "rich_text")
TABLE_ALIGNS = ("left", "center", "right")


def validate_message(payload: dict[str, Any]) -> Problems:
    """Check a chat.postMessage or response_url payload.

    Requires some content (text, markdown_text, blocks or attachments), a non-blank
    ``text`` fallback whenever ``blocks`` is present, ``text`` <= 40000 chars, at most
    50 blocks, at most one table block, and block_id / action_id values unique across the
    whole message.
    """
    problems: Problems = []
    text = payload.get("text")
    blocks = payload.get("blocks")
    if text is not None:
        problems += check_string(text, "text", MAX_MESSAGE_TEXT)
    if "markdown_text" in payload:
        problems += check_string(payload["markdown_text"], "markdown_text", MAX_MARKDOWN_TEXT)
    if blocks is None:
        if not text and not payload.get("markdown_text") and not payload.get("attachments"):
            problems.append("text: required when there are no blocks or attachments")
        return problems
    if not isinstance(text, str) or not text.strip():
        problems.append("text: a non-blank fallback is required when blocks are present")
    problems += _blocks(blocks, MAX_MESSAGE_BLOCKS, surface="message")
    if isinstance(blocks, list):
        tables = sum(isinstance(block, dict) and block.get("type") == "table" for block in blocks)
        if tables > MAX_TABLES:
            problems.append(f"blocks: {tables} tables > {MAX_TABLES}")
        problems += _duplicates(
            [aid for block in blocks for aid in _action_ids(block)], "action_id", "message"
        )
    return problems


def validate_view(view: dict[str, Any]) -> Problems:
    """Check a views.publish or views.open ``view`` object.

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
        problems += check_text(view.get("title"), "title", 24, plain_only=True)
        problems += check_optional_text(view, "submit", "", 24, plain_only=True)
        problems += check_optional_text(view, "close", "", 24, plain_only=True)
        has_input = isinstance(blocks, list) and any(
            isinstance(block, dict) and block.get("type") == "input" for block in blocks
        )
        if has_input and "submit" not in view:
            problems.append("submit: required when the modal has input blocks")
    problems += check_optional_string(view, "private_metadata", "", 3000)
    problems += check_optional_string(view, "callback_id", "", 255)
    problems += check_optional_string(view, "external_id", "", 255)
    return problems


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
    problems = check_count(blocks, "blocks", 0, max_blocks, "blocks")
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
    if kind == "table" and surface != "message":
        return [f"{where}: table blocks are only allowed in messages"]
    return check_optional_string(block, "block_id", where, 255) + check(block, where)


def _section(block: dict[str, Any], where: str) -> Problems:
    """section: text (1..3000) and/or fields (<= 10, each <= 2000), optional accessory."""
    if "text" not in block and "fields" not in block:
        return [f"{where}: a section needs text or fields"]
    problems = check_optional_text(block, "text", where, 3000)
    if "fields" in block:
        fields = block["fields"]
        problems += check_count(fields, f"{where}.fields", 1, 10, "fields")
        if isinstance(fields, list):
            for i, field in enumerate(fields):
                problems += check_text(field, f"{where}.fields[{i}]", 2000)
    if "accessory" in block:
        problems += check_element(block["accessory"], f"{where}.accessory", ACCESSORY_ELEMENTS)
    return problems


def _header(block: dict[str, Any], where: str) -> Problems:
    """header: plain_text text, 1..150 chars."""
    return check_text(block.get("text"), f"{where}.text", 150, plain_only=True)


def _divider(block: dict[str, Any], where: str) -> Problems:
    """divider: nothing to check beyond the shared block_id rule."""
    return []


def _context(block: dict[str, Any], where: str) -> Problems:
    """context: 1..10 elements, each a text object (<= 3000) or an image element."""
    elements = block.get("elements")
    problems = check_count(elements, f"{where}.elements", 1, 10, "elements")
    if not isinstance(elements, list):
        return problems
    for i, element in enumerate(elements):
        at = f"{where}.elements[{i}]"
        if isinstance(element, dict) and element.get("type") == "image":
            problems += check_image_element(element, at)
        else:
            problems += check_text(element, at, 3000)
    return problems


def _actions(block: dict[str, Any], where: str) -> Problems:
    """actions: 1..25 interactive elements."""
    elements = block.get("elements")
    problems = check_count(elements, f"{where}.elements", 1, 25, "elements")
    if not isinstance(elements, list):
        return problems
    for i, element in enumerate(elements):
        problems += check_element(element, f"{where}.elements[{i}]", ACTIONS_ELEMENTS)
    return problems


def _input(block: dict[str, Any], where: str) -> Problems:
    """input: plain_text label 1..2000, an input element, optional plain_text hint <= 2000."""
    problems = check_text(block.get("label"), f"{where}.label", 2000, plain_only=True)
    if "element" not in block:
        problems.append(f"{where}.element: required")
    else:
        problems += check_element(block["element"], f"{where}.element", INPUT_ELEMENTS)
    return problems + check_optional_text(block, "hint", where, 2000, plain_only=True)


def _image_block(block: dict[str, Any], where: str) -> Problems:
    """image block: image_url <= 3000, alt_text <= 2000, optional plain_text title <= 2000."""
    problems = check_string(block.get("image_url"), f"{where}.image_url", 3000, min_len=1)
    problems += check_string(block.get("alt_text"), f"{where}.alt_text", 2000, min_len=1)
    return problems + check_optional_text(block, "title", where, 2000, plain_only=True)


def _rich_text(block: dict[str, Any], where: str) -> Problems:
    """rich_text: elements must be a list (its inner structure is not checked)."""
    if not isinstance(block.get("elements"), list):
        return [f"{where}.elements: must be a list"]
    return []


def _table(block: dict[str, Any], where: str) -> Problems:
    """table: 1..100 rows of 1..20 cells, each raw_text (text of 1 or more characters; Slack
    documents no maximum, the message's 40,000 stands in) or rich_text; optional
    column_settings, <= 20, each {align, is_wrapped}. Messages only, one a message."""
    rows = block.get("rows")
    problems = check_count(rows, f"{where}.rows", 1, MAX_TABLE_ROWS, "rows")
    for r, row in enumerate(rows if isinstance(rows, list) else []):
        at = f"{where}.rows[{r}]"
        problems += check_count(row, at, 1, MAX_TABLE_CELLS, "cells")
        for c, cell in enumerate(row if isinstance(row, list) else []):
            problems += _table_cell(cell, f"{at}[{c}]")
    if "column_settings" in block:
        settings = block["column_settings"]
        at = f"{where}.column_settings"
        problems += check_count(settings, at, 0, MAX_TABLE_CELLS, "column settings")
        for i, setting in enumerate(settings if isinstance(settings, list) else []):
            problems += _column_setting(setting, f"{at}[{i}]")
    return problems


def _table_cell(cell: Any, where: str) -> Problems:
    if not isinstance(cell, dict):
        return [f"{where}: must be an object"]
    kind = cell.get("type")
    if kind not in TABLE_CELLS:
        return [f"{where}.type: {kind!r} is not raw_text or rich_text"]
    if kind == "rich_text":
        return _rich_text(cell, where)
    return check_string(cell.get("text"), f"{where}.text", MAX_MESSAGE_TEXT, min_len=1)


def _column_setting(setting: Any, where: str) -> Problems:
    if not isinstance(setting, dict):
        return [f"{where}: must be an object"]
    problems: Problems = []
    if "align" in setting and setting["align"] not in TABLE_ALIGNS:
        problems.append(f"{where}.align: {setting['align']!r} is not left, center or right")
    if "is_wrapped" in setting and not isinstance(setting["is_wrapped"], bool):
        problems.append(f"{where}.is_wrapped: must be true or false")
    return problems


_BLOCKS: dict[str, Callable[[dict[str, Any], str], Problems]] = {
    "section": _section,
    "header": _header,
    "divider": _divider,
    "context": _context,
    "actions": _actions,
    "input": _input,
    "image": _image_block,
    "rich_text": _rich_text,
    "table": _table,
}

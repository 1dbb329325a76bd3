"""Block Kit's building pieces: text objects, options and interactive elements.

Each check returns a list of problems naming where they are; ``fakeslack.blockkit`` uses
these to check whole messages and views.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

Problems = list[str]

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
ACTIONS_ELEMENTS = _SELECTS | _CHOICES | {"button", "overflow"}
ACCESSORY_ELEMENTS = ACTIONS_ELEMENTS | {"image"}
INPUT_ELEMENTS = _SELECTS | _CHOICES | {"plain_text_input"}


def join_path(where: str, key: str) -> str:
    """Join a parent location and a key ("" parent means top level)."""
    return f"{where}.{key}" if where else key


def check_string(value: Any, where: str, max_len: int, *, min_len: int = 0) -> Problems:
    """Check that `value` is a str with min_len <= length <= max_len."""
    if not isinstance(value, str):
        return [f"{where}: must be a string"]
    if len(value) < min_len:
        return [f"{where}: {len(value)} chars < {min_len}"]
    if len(value) > max_len:
        return [f"{where}: {len(value)} chars > {max_len}"]
    return []


def check_optional_string(parent: dict[str, Any], key: str, where: str, max_len: int) -> Problems:
    """Check `parent[key]` with `check_string` when the key is present."""
    if key not in parent:
        return []
    return check_string(parent[key], join_path(where, key), max_len)


def check_count(items: Any, where: str, low: int, high: int, noun: str) -> Problems:
    """Check that `items` is a list with low <= len <= high."""
    if not isinstance(items, list):
        return [f"{where}: must be a list"]
    if len(items) < low:
        return [f"{where}: {len(items)} {noun} < {low}"]
    if len(items) > high:
        return [f"{where}: {len(items)} {noun} > {high}"]
    return []


def check_text(
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
    return check_string(obj["text"], where, max_len, min_len=min_len)


def check_optional_text(
    parent: dict[str, Any], key: str, where: str, max_len: int, *, plain_only: bool = False
) -> Problems:
    """Check `parent[key]` with `check_text` when the key is present."""
    if key not in parent:
        return []
    return check_text(parent[key], join_path(where, key), max_len, plain_only=plain_only)


def check_element(element: Any, where: str, allowed: frozenset[str]) -> Problems:
    """Check an interactive element that sits where only `allowed` types may appear."""
    if not isinstance(element, dict):
        return [f"{where}: must be an object"]
    kind = element.get("type")
    check = _ELEMENTS.get(kind) if isinstance(kind, str) else None
    if check is None:
        return [f"{where}.type: unknown element type {kind!r}"]
    if kind not in allowed:
        return [f"{where}.type: {kind} elements are not allowed here"]
    problems = check_optional_string(element, "action_id", where, 255)
    problems += check_optional_text(element, "placeholder", where, 150, plain_only=True)
    if "confirm" in element:
        problems += _confirm(element["confirm"], f"{where}.confirm")
    return problems + check(element, where)


def _confirm(confirm: Any, where: str) -> Problems:
    """Confirmation dialog: title <= 100, text <= 300, confirm <= 30, deny <= 30."""
    if not isinstance(confirm, dict):
        return [f"{where}: must be an object"]
    problems = check_text(confirm.get("title"), f"{where}.title", 100, plain_only=True)
    problems += check_text(confirm.get("text"), f"{where}.text", 300)
    problems += check_text(confirm.get("confirm"), f"{where}.confirm", 30, plain_only=True)
    problems += check_text(confirm.get("deny"), f"{where}.deny", 30, plain_only=True)
    if "style" in confirm and confirm["style"] not in _BUTTON_STYLES:
        problems.append(f"{where}.style: {confirm['style']!r} is not 'primary' or 'danger'")
    return problems


def _button(element: dict[str, Any], where: str) -> Problems:
    """button: plain_text text 1..75, value <= 2000, url <= 3000, style primary/danger."""
    problems = check_text(element.get("text"), f"{where}.text", 75, plain_only=True)
    problems += check_optional_string(element, "value", where, 2000)
    problems += check_optional_string(element, "url", where, 3000)
    if "style" in element and element["style"] not in _BUTTON_STYLES:
        problems.append(f"{where}.style: {element['style']!r} is not 'primary' or 'danger'")
    return problems


def _option(option: Any, where: str, *, mrkdwn_ok: bool, url_ok: bool) -> Problems:
    """Option object: text <= 75, value <= 150, description <= 75, url <= 3000 if allowed."""
    if not isinstance(option, dict):
        return [f"{where}: must be an option object"]
    plain_only = not mrkdwn_ok
    problems = check_text(option.get("text"), f"{where}.text", 75, plain_only=plain_only)
    problems += check_string(option.get("value"), f"{where}.value", 150)
    problems += check_optional_text(option, "description", where, 75, plain_only=plain_only)
    if url_ok:
        problems += check_optional_string(option, "url", where, 3000)
    return problems


def _options(
    options: Any, where: str, low: int, high: int, *, mrkdwn_ok: bool = False, url_ok: bool = False
) -> Problems:
    """Check a list of option objects and its size."""
    problems = check_count(options, where, low, high, "options")
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
    problems = check_count(groups, f"{where}.option_groups", 1, 100, "groups")
    values: set[str] = set()
    for i, group in enumerate(groups if isinstance(groups, list) else []):
        at = f"{where}.option_groups[{i}]"
        if not isinstance(group, dict):
            problems.append(f"{at}: must be an object")
            continue
        problems += check_text(group.get("label"), f"{at}.label", 75, plain_only=True)
        problems += _options(group.get("options"), f"{at}.options", 1, 100)
        values |= _option_values(group.get("options"))
    return problems + _initial_options(element, where, values)


def _plain_select(element: dict[str, Any], where: str) -> Problems:
    """users/conversations/channels selects: only the shared element rules apply."""
    return []


def _plain_text_input(element: dict[str, Any], where: str) -> Problems:
    """plain_text_input: initial_value <= 3000, min_length / max_length within 0..3000."""
    problems = check_optional_string(element, "initial_value", where, 3000)
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


def check_image_element(element: dict[str, Any], where: str) -> Problems:
    """image element: image_url and alt_text are required strings."""
    problems = check_string(element.get("image_url"), f"{where}.image_url", 3000, min_len=1)
    return problems + check_string(element.get("alt_text"), f"{where}.alt_text", 2000, min_len=1)


_Check = Callable[[dict[str, Any], str], Problems]

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
    "image": check_image_element,
    **{kind: _plain_select for kind in _SELECTS - {"static_select", "multi_static_select"}},
}

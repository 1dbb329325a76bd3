"""Block Kit primitives and Slack's limits, shared by every feature's builders.

Plain values in, block dicts out. Every builder escapes what people typed (`mrkdwn`), gives
messages a top-level `text` fallback, and stays inside Block Kit's limits (50 blocks in a
message, 100 in a view, 3000 characters in a section, 150 in a header, 75 in a button label).
Times are written with Slack's date token (`<!date^…>`), which every reader's client shows in
their own time zone, with a fallback in the zone we know for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.slack_text import clip, mrkdwn, plain
from mentoring.model import PairChoice, Role

Block = dict[str, Any]
Message = dict[str, Any]

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_CHARS = 3000
FIELD_CHARS = 2000  # each of a section's fields
HEADER_CHARS = 150
BUTTON_CHARS = 75
OPTION_CHARS = 75
MODAL_TITLE_CHARS = 24
FALLBACK_CHARS = 3000
PREVIEW_CHARS = 600


def section(text: str, accessory: Block | None = None) -> Block:
    block: Block = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": clip(text, SECTION_CHARS)},
    }
    if accessory is not None:
        block["accessory"] = accessory
    return block


def fields_section(texts: Sequence[str]) -> Block:
    """A section of side-by-side fields (at most 10), each clipped to Slack's 2000 characters."""
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": clip(text, FIELD_CHARS)} for text in texts[:10]],
    }


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": plain(text, HEADER_CHARS)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, SECTION_CHARS)}]}


def button(
    label: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: Block | None = None,
) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": plain(label, BUTTON_CHARS)},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def actions(*elements: Block) -> Block:
    return {"type": "actions", "elements": list(elements)}


def input_block(
    block_id: str, label: str, element: Block, *, optional: bool = False, hint: str = ""
) -> Block:
    """A modal's input; its element's action_id is the block id, as the submissions are read.
    `hint` is plain text shown under it."""
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": plain(label, 2000)},
        "element": element,
    }
    if optional:
        block["optional"] = True
    if hint.strip():
        block["hint"] = {"type": "plain_text", "text": plain(hint, 2000)}
    return block


def text_input(action_id: str, max_length: int, *, multiline: bool = True) -> Block:
    return {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
        "max_length": max_length,
    }


def option(text: str, value: str) -> Block:
    return {"text": {"type": "plain_text", "text": plain(text, OPTION_CHARS)}, "value": value}


def modal(
    callback_id: str | None,
    metadata: str | None,
    title: str,
    blocks: Sequence[Block],
    *,
    submit: str | None,
) -> Block:
    """A modal view; without `submit` it only shows information and has a Close button."""
    view: Block = {"type": "modal"}
    if callback_id is not None:
        view["callback_id"] = callback_id
    if metadata is not None:
        view["private_metadata"] = metadata
    view |= {
        "title": {"type": "plain_text", "text": plain(title, MODAL_TITLE_CHARS)},
        "close": {"type": "plain_text", "text": "Cancel" if submit else "Close"},
        "blocks": list(blocks)[:VIEW_BLOCKS],
    }
    if submit:
        view["submit"] = {"type": "plain_text", "text": plain(submit, MODAL_TITLE_CHARS)}
    return view


def notice_modal(title: str, why: str) -> Block:
    """A modal with nothing to submit: it says why, and only closes."""
    return modal(None, None, title, [section(why)], submit=None)


def message(fallback: str, blocks: Sequence[Block] = ()) -> Message:
    """A message with its notification/fallback text (mrkdwn, already escaped)."""
    result: Message = {"text": clip(fallback, FALLBACK_CHARS)}
    if blocks:
        result["blocks"] = list(blocks)[:MESSAGE_BLOCKS]
    return result


def ephemeral(fallback: str, blocks: Sequence[Block] = ()) -> Message:
    return {**message(fallback, blocks), "response_type": "ephemeral"}


def redrawn(fallback: str, blocks: Sequence[Block]) -> Message:
    """A message that replaces the one whose button was clicked (through the click's
    response_url): for everyone who sees it, when that one is a post."""
    return {**message(fallback, blocks), "replace_original": True}


def packed_sections(lines: Iterable[str], max_blocks: int) -> list[Block]:
    """Lines packed into as few sections as fit; past `max_blocks`, a count of what was left."""
    lines = list(lines)
    blocks: list[Block] = []
    chunk: list[str] = []
    for index, line in enumerate(lines):
        line = clip(line, SECTION_CHARS)
        if chunk and len("\n".join([*chunk, line])) > SECTION_CHARS:
            blocks.append(section("\n".join(chunk)))
            chunk = []
            if len(blocks) == max_blocks - 1:
                blocks.append(context(f"…and {len(lines) - index} more."))
                return blocks
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def quote(text: str) -> str:
    return "\n".join(f">{line}" for line in mrkdwn(text).splitlines() or [""])


def spoken_list(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c": a list as a sentence says it."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def when(instant: datetime, tz: str | None, *, token: str = "{date_short_pretty} at {time}") -> str:
    """A Slack date token, shown in each reader's own zone; the fallback uses `tz`."""
    local_time = instant.astimezone(ZoneInfo(tz or "UTC"))
    fallback = f"{local_time:%a %d %b %Y, %H:%M} ({tz or 'UTC'})"
    return f"<!date^{int(instant.timestamp())}^{token}|{fallback}>"


def local(instant: datetime, tz: str | None) -> str:
    """Plain local time, for showing two people's times side by side."""
    zone = tz or "UTC"
    place = zone.split("/")[-1].replace("_", " ")
    return f"{instant.astimezone(ZoneInfo(zone)):%a %d %b, %H:%M} {place}"


def choose_among(
    line: str,
    choices: Sequence[PairChoice],
    action_id: str,
    values: Sequence[str],
    tip: str,
    names: Mapping[str, str] | None = None,
) -> Message:
    """A question, then one section per pair with its button, `<action_id>_<n>` carrying
    values[n] (action ids are unique in a message). Each row and its button say which role the
    person has there, so two people who mentor each other can tell their two pairs apart."""
    blocks = [section(line)]
    shown = list(zip(choices, values, strict=True))[: MESSAGE_BLOCKS - 2]
    for index, (choice, value) in enumerate(shown):
        choose = button(pair_label(choice, names or {}), f"{action_id}_{index}", value)
        blocks.append(section(pair_line(choice), choose))
    blocks.append(context(tip))
    return ephemeral(line, blocks)


def next_time(choices: Sequence[PairChoice]) -> str:
    """How to skip the question next time: `to @name`, unless that names both of two pairs
    (two people who mentor each other)."""
    others = [choice.other_user for choice in choices]
    if len(set(others)) < len(others):
        return "Next time, type it in the shared channel of the pair you mean."
    return "Next time, add `to @name`."


def pair_line(choice: PairChoice) -> str:
    """ "You mentor @maya" or "@maya mentors you"."""
    if choice.role == Role.MENTOR:
        return f"You mentor <@{choice.other_user}>"
    return f"<@{choice.other_user}> mentors you"


def pair_label(choice: PairChoice, names: Mapping[str, str]) -> str:
    """A chooser button's label (plain text, so a name rather than a mention)."""
    name = names.get(choice.other_user)
    if choice.role == Role.MENTOR:
        return f"You mentor {name or 'them'}"
    return f"{name} mentors you" if name else "They mentor you"


# Refusals and failures


def refusal(reason: str) -> Message:
    """A rule said no; `reason` is the rule's own sentence."""
    return ephemeral(f":warning: {mrkdwn(reason)}")


def slack_failure(code: str) -> Message:
    return ephemeral(
        f":warning: Slack answered `{mrkdwn(code)}`, so that didn't go through. "
        "Try again in a moment."
    )


def oops() -> Message:
    return ephemeral(
        ":warning: Something went wrong on my side and it has been logged. "
        "Try again in a moment; if it keeps happening, tell whoever runs Mentorbot."
    )

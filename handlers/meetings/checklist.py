"""Action items as a checklist in the meeting's posts (the DM before, the agenda post): a Done
button on each, Undo once it is done or dropped, and Keep / Drop on the agenda that asks about
an item open through three meetings.

A click redraws the post it was made in, for everyone who sees it, from the items' state in
the database — every item the post lists, not only the clicked one, so two quick clicks on
different items both show. Each item's blocks carry its id, its age and whether the post asks
about it in their block_id (`act:<id>:<age>[:ask]`): the redraw needs nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from handlers.kit import (
    Block,
    Message,
    actions,
    button,
    context,
    ephemeral,
    plural,
    redrawn,
    section,
)
from handlers.meetings.blocks import ITEM_CHARS, REOPEN_ACTION, action_closed, action_reopened
from handlers.routing import Part
from handlers.routing import button as register_button
from handlers.runtime import Answer, Call, Reply
from handlers.slack_text import clip, mrkdwn
from mentoring.meetings import agenda as agenda_rules
from mentoring.meetings.agenda import ActionInfo, Mark

DONE_ACTION = "action_done"
UNDO_ACTION = "action_undo"
KEEP_ACTION = "action_keep"
DROP_ACTION = "action_drop"
SHOWN = 5  # items listed one by one, each with its button; the rest share one line
COMPACT_CHARS = 600
_BLOCK_ID = re.compile(r"^act:(?P<id>[0-9]{1,12}):(?P<age>[0-9]{1,6})(?P<ask>:ask)?")


def _age(age: int) -> str:
    return f" · _{plural(age, 'meeting')}_" if age else " · _new_"


def item_blocks(action: ActionInfo, age: int, ask: bool) -> list[Block]:
    """One action item as a checklist line: Done while open (with Keep / Drop too when the
    post asks about it), struck through with Undo once done or dropped."""
    text = clip(mrkdwn(action.text), ITEM_CHARS)
    who = f"<@{action.owner_id}>"
    n = action.number
    block_id = f"act:{action.id}:{age}"
    if not action.open:
        how = ":white_check_mark:" if action.status == "done" else ":wastebasket:"
        line = f"{how} *{n}.* ~{text}~ — {who} · _{action.status}_"
        undo = button("Undo", f"{UNDO_ACTION}_{n}", str(action.id))
        return [{**section(line, undo), "block_id": block_id}]
    done = button("Done", f"{DONE_ACTION}_{n}", str(action.id))
    if ask:
        line = (
            f"• *{n}.* {text} — {who} · _open through {plural(age, 'meeting')}_. "
            "Still worth doing? Keep it, or drop it from the list."
        )
        keep = button("Keep", f"{KEEP_ACTION}_{n}", str(action.id))
        drop = button("Drop", f"{DROP_ACTION}_{n}", str(action.id), style="danger")
        return [
            {**section(line), "block_id": f"{block_id}:ask"},
            {**actions(done, keep, drop), "block_id": f"{block_id}:ask:buttons"},
        ]
    return [{**section(f"• *{n}.* {text} — {who}{_age(age)}", done), "block_id": block_id}]


def checklist(items: Sequence[ActionInfo], *, ask: bool) -> list[Block]:
    """The open action items: those the post asks about first, then the newest, each with its
    buttons, up to `SHOWN`; the others on one line with their age, the oldest first."""
    if not items:
        return []
    asked = [a for a in items if ask and a.to_ask]
    rest = sorted((a for a in items if a not in asked), key=lambda a: (a.age, a.number))
    shown = [*asked, *rest][:SHOWN]
    carried = sum(1 for a in items if a.age)
    counts = [f"{len(items) - carried} new" if carried < len(items) else ""]
    counts.append(f"{carried} carried over" if carried else "")
    heading = f"*Open action items* · {', '.join(c for c in counts if c)}"
    blocks = [section(heading)]
    for action in shown:
        blocks += item_blocks(action, action.age, action in asked)
    hidden = sorted([*asked, *rest][SHOWN:], key=lambda a: (-a.age, a.number))
    if hidden:
        listed = ", ".join(
            f"*{a.number}.* {clip(mrkdwn(a.text), 50)} ({plural(a.age, 'meeting')})"
            if a.age
            else f"*{a.number}.* {clip(mrkdwn(a.text), 50)} (new)"
            for a in hidden
        )
        more = f"{len(hidden)} more: {listed}"
        blocks.append(context(f"{clip(more, COMPACT_CHARS)} — `/agenda done <n>` closes one."))
    return blocks


def listed_ids(blocks: Sequence[Block]) -> list[int]:
    """The action items a posted message shows, by id, in order."""
    found = (_BLOCK_ID.match(str(block.get("block_id", ""))) for block in blocks)
    return list(dict.fromkeys(int(m["id"]) for m in found if m))


def redraw(
    blocks: Sequence[Block], states: dict[int, ActionInfo], kept: int | None = None
) -> list[Block]:
    """The message's blocks with each action item drawn as it is now. The post stops asking
    about an item once it is kept, done or dropped."""
    drawn: list[Block] = []
    seen: set[int] = set()
    for block in blocks:
        found = _BLOCK_ID.match(str(block.get("block_id", "")))
        if found is None:
            drawn.append(block)
            continue
        action_id = int(found["id"])
        state = states.get(action_id)
        if action_id in seen:
            continue
        seen.add(action_id)
        if state is None:
            continue  # gone (forgotten): the line goes too
        ask = bool(found["ask"]) and action_id != kept
        drawn += item_blocks(state, int(found["age"]), ask)
    return drawn


def _privately(item: ActionInfo, mark: Mark) -> Message:
    """The answer to a click in a message that doesn't list the item (an old copy, say)."""
    if item.status == "done":
        return action_closed(item)
    if item.status == "dropped":
        text = f"Dropped action item {item.number}."
        return ephemeral(text, [section(text, button("Undo", REOPEN_ACTION, str(item.id)))])
    if mark == Mark.KEEP:
        return ephemeral(f"Kept action item {item.number}: I won't ask about it again.")
    return action_reopened(item)


def _check(call: Call, action_id: int, mark: Mark, post: dict[str, Any]) -> Answer:
    blocks = [b for b in post.get("blocks") or [] if isinstance(b, dict)]
    checked = call.apply(
        agenda_rules.check_action,
        call.engine,
        call.actor,
        action_id,
        mark,
        listed_ids(blocks),
        call.now,
    )
    if checked.item.id not in listed_ids(blocks):  # not a checklist post: answer privately
        return Reply.after(checked, _privately(checked.item, mark))
    kept = action_id if mark == Mark.KEEP else None
    text = str(post.get("text") or "Action items")
    return Reply.after(checked, redrawn(text, redraw(blocks, checked.listed, kept)))


@register_button(DONE_ACTION, Part.ACTION, numbered=True, in_post=True)
def tick_action(call: Call, action_id: int, post: dict[str, Any]) -> Answer:
    return _check(call, action_id, Mark.DONE, post)


@register_button(UNDO_ACTION, Part.ACTION, numbered=True, in_post=True)
def untick_action(call: Call, action_id: int, post: dict[str, Any]) -> Answer:
    return _check(call, action_id, Mark.UNDO, post)


@register_button(KEEP_ACTION, Part.ACTION, numbered=True, in_post=True)
def keep_action(call: Call, action_id: int, post: dict[str, Any]) -> Answer:
    return _check(call, action_id, Mark.KEEP, post)


@register_button(DROP_ACTION, Part.ACTION, numbered=True, in_post=True)
def drop_action(call: Call, action_id: int, post: dict[str, Any]) -> Answer:
    return _check(call, action_id, Mark.DROP, post)

"""What each feature handles, registered where the surfaces can find it.

Features declare their slash-command verbs, buttons and forms with the decorators below when
they are imported (`handlers.features` imports them all); the surfaces (`commands`, `actions`,
`views`) look them up here. A verb carries its own grammar, usage and help examples, a button
the shape of its value, a form how its fields are read — so adding one touches only its
feature, and the help and the privacy tests find it in these registries.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from handlers.runtime import Flow
from mentoring.errors import InvalidInput
from mentoring.model import read_number

COMMANDS = ("/goal", "/win", "/mentor", "/agenda", "/review")
OUT_OF_DATE = "That button is out of date; run the command again."

_TRAILING_TARGET = re.compile(r"^(?P<rest>.*?)\s*\bto\s+<@(?P<user>[UW][A-Z0-9]+)>[.!]?$", re.S)
_LEADING_TARGET = re.compile(r"^to\s+<@(?P<user>[UW][A-Z0-9]+)>\s*(?P<rest>.*)$", re.S)


def take_target(text: str) -> tuple[str, str | None]:
    """Split `to @person` off the end (or the start) of the text."""
    for pattern in (_TRAILING_TARGET, _LEADING_TARGET):
        match = pattern.match(text.strip())
        if match:
            return match.group("rest").strip(), match.group("user")
    return text.strip(), None


# Slash-command verbs


@dataclass(frozen=True)
class Verb:
    """One thing a slash command does: `/goal done 2`, `/mentor schedule off`, …

    `words` pick it by the first word typed (case-insensitive; "" is the command alone, None
    any text that no other verb's word claims); `grammar` must then match the rest whole, and
    its named groups become the flow's keyword arguments. A verb about one of the person's
    pairs (`pair`) also takes `to @name` off the text.
    """

    command: str
    words: tuple[str, ...] | None
    grammar: re.Pattern[str]
    run: Flow
    usage: str
    examples: tuple[tuple[str, str], ...]  # (what to type, what it does): the help lists them
    topic: str
    pair: bool
    refusal: str | None  # said when the word matches and the rest does not; "{usage}" in it
    # stands for a reminder of the command's main forms
    falls_through: bool  # a rest that does not match is free text for the command instead


VERBS: list[Verb] = []


def verb(
    command: str,
    words: str | tuple[str, ...] | None,
    grammar: str = "",
    *,
    usage: str,
    topic: str,
    examples: tuple[tuple[str, str], ...] = (),
    pair: bool = True,
    refusal: str | None = None,
    falls_through: bool = False,
) -> Callable[[Flow], Flow]:
    """Register the decorated flow, `flow(call, **groups)`, as a verb of `command`."""
    assert command in COMMANDS, command
    chosen = (words,) if isinstance(words, str) else words

    def register(run: Flow) -> Flow:
        VERBS.append(
            Verb(
                command,
                chosen,
                re.compile(grammar, re.S | re.I),
                run,
                usage,
                examples,
                topic,
                pair,
                refusal,
                falls_through,
            )
        )
        return run

    return register


@dataclass(frozen=True)
class Routed:
    verb: Verb
    with_user: str | None
    arguments: dict[str, str]


def route(command: str, text: str) -> Routed:
    """The verb `text` asks for, with its arguments; InvalidInput says what to type instead."""
    targeted, with_user = take_target(text)
    candidates = [v for v in VERBS if v.command == command]
    tried: list[Verb] = []
    for free_text in (False, True):
        for candidate in candidates:
            if (candidate.words is None) != free_text:
                continue
            body = targeted if candidate.pair else text.strip()
            first, _, rest = body.partition(" ")
            if candidate.words is None:
                rest = body
            elif first.lower() not in candidate.words:
                continue
            found = candidate.grammar.fullmatch(rest.strip())
            if found is not None:
                person = with_user if candidate.pair else None
                return Routed(candidate, person, found.groupdict())
            tried.append(candidate)
        if tried and not all(candidate.falls_through for candidate in tried):
            break
    refusals = [candidate.refusal for candidate in tried if candidate.refusal]
    if refusals:
        raise InvalidInput(refusals[-1].replace("{usage}", usage_line(command)))
    word = text.strip().partition(" ")[0]
    raise InvalidInput(f"I don't know `{command} {word}`. {usage_line(command)}")


def verbs_of(command: str) -> Iterator[Verb]:
    return (v for v in VERBS if v.command == command)


def usage_line(command: str) -> str:
    """A reminder of the command's main forms, for a word it does not know."""
    forms = list(dict.fromkeys(v.usage for v in verbs_of(command) if v.examples))
    return f"Try {', '.join(f'`{form}`' for form in forms[:8])} or `{command} help`."


# Buttons


class Part(Enum):
    """The kinds of id a button's value carries, separated by ":"."""

    PAIR = "pair"
    GOAL = "goal"
    MILESTONE = "milestone"
    WIN = "win"
    DRAFT = "draft"
    MEETING = "meeting"
    ACTION = "action"
    REVIEW = "review"
    PERSON = "person"  # a Slack user id, not a number
    CHANNEL = "channel"  # a Slack channel id, or "new" (a private channel still to make)
    REQUEST = "request"  # a mentee's request to a mentor
    TEXT = "text"  # words (a goal's), last in a value: it may hold ":"


ValuePart = Part | type[Enum]  # an id, or one of an enum's values (a goal status, say)


@dataclass(frozen=True)
class Button:
    """A button: its flow runs as `flow(call, *value parts)` after the ack.

    `numbered`: one per item in a message, as `<action_id>_<n>` (action ids are unique in a
    message). `opens_modal`: the flow gets the click's trigger_id (valid 3 s) in the call, and
    a refusal goes privately to whoever clicked instead of replacing the message.
    `in_post`: a button in a post that others see too (the agenda post, a scheduled DM): the
    flow also gets the clicked message (`{"text", "blocks"}`) to redraw, and a refusal goes
    privately to whoever clicked, leaving the post as it was.
    """

    action_id: str
    run: Flow
    value: tuple[ValuePart, ...]
    numbered: bool
    opens_modal: bool
    in_post: bool = False

    def matches(self, action_id: str) -> bool:
        if action_id == self.action_id:
            return True
        prefix = f"{self.action_id}_"
        index = action_id[len(prefix) :]  # a position in the message, as Bolt's matcher reads it
        return (
            self.numbered and action_id.startswith(prefix) and index.isascii() and index.isdigit()
        )


BUTTONS: list[Button] = []


def button(
    action_id: str,
    *value: ValuePart,
    numbered: bool = False,
    opens_modal: bool = False,
    in_post: bool = False,
) -> Callable[[Flow], Flow]:
    """Register the decorated flow as what the button `action_id` does."""

    def register(run: Flow) -> Flow:
        BUTTONS.append(Button(action_id, run, value, numbered, opens_modal, in_post))
        return run

    return register


def find_button(action_id: str) -> Button | None:
    return next((b for b in BUTTONS if b.matches(action_id)), None)


def read_value(value: str, parts: tuple[ValuePart, ...]) -> tuple[Any, ...]:
    """A button's value as its parts: ids (positive, bounded) and enum values. Values are ours,
    but they arrive from outside, so anything else is refused as out of date."""
    if parts and parts[-1] is Part.TEXT:
        pieces = value.split(":", len(parts) - 1)
    else:
        pieces = value.split(":") if parts else []
    if len(pieces) != len(parts):
        raise InvalidInput(OUT_OF_DATE)
    read: list[Any] = []
    for piece, part in zip(pieces, parts, strict=True):
        if part is Part.PERSON:
            read.append(read_person(piece))
        elif part is Part.CHANNEL:
            read.append(read_channel(piece))
        elif part is Part.TEXT:
            if not piece.strip():
                raise InvalidInput(OUT_OF_DATE)
            read.append(piece)
        elif isinstance(part, Part):
            read.append(read_id(piece))
        else:
            try:
                read.append(part(piece))
            except ValueError as error:
                raise InvalidInput(OUT_OF_DATE) from error
    return tuple(read)


def read_id(text: str) -> int:
    """An id from outside (a button's value, a form's private_metadata): ASCII digits only,
    within what the id columns hold (`mentoring.model.read_number`)."""
    number = read_number(text)
    if number is None:
        raise InvalidInput(OUT_OF_DATE)
    return number


_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")


def read_person(text: str) -> str:
    """A Slack user id from outside (a button's value). Only its shape is checked here: what
    the person may do with it is the flow's to check, against who clicked."""
    if not _USER_ID.fullmatch(text):
        raise InvalidInput(OUT_OF_DATE)
    return text


_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,31}|new")


def read_channel(text: str) -> str:
    """A channel id (or `new`) from outside (a button's value): its shape only, like
    `read_person`; the flow checks the channel with Slack before using it."""
    if not _CHANNEL_ID.fullmatch(text):
        raise InvalidInput(OUT_OF_DATE)
    return text


# Forms (modal submissions)

Values = dict[str, Any]


@dataclass(frozen=True)
class Form:
    """A modal's submission: `read` checks the fields before the ack (a FieldError shows beside
    its field, nothing typed is lost), then `save(call, <id from private_metadata>, *fields)`
    runs after it. `fields` maps a refused field to the block its error is shown beside;
    `metadata` is the kind of id the modal carries."""

    callback_id: str
    read: Callable[[Values, date], tuple[Any, ...]]
    save: Flow
    fields: dict[str, str]
    metadata: Part


FORMS: dict[str, Form] = {}


def form(
    callback_id: str,
    *,
    read: Callable[[Values, date], tuple[Any, ...]],
    fields: dict[str, str],
    metadata: Part = Part.PAIR,
) -> Callable[[Flow], Flow]:
    """Register the decorated flow as what saves the form `callback_id`."""

    def register(save: Flow) -> Flow:
        FORMS[callback_id] = Form(callback_id, read, save, fields, metadata)
        return save

    return register


@dataclass(frozen=True)
class PairForm:
    """A form for one of the person's pairs, opened by a button on the Home (`open_<name>_form`,
    the pair id as its value) or by a command; someone in several pairs picks one first."""

    name: str
    view: Callable[[Any], dict[str, Any]]  # the modal, from mentoring.dashboard.FormContext
    capture: Any = None  # the capture kind it saves (wins: only the mentee may)
    purpose: str = ""  # "a new goal": for the chooser's question
    label: str = ""  # the chooser's (and the Home's) button label

    @property
    def opener(self) -> str:
        return f"open_{self.name}_form"


PAIR_FORMS: dict[str, PairForm] = {}


def pair_form(name: str, *, capture: Any = None, purpose: str, label: str) -> Callable[..., Any]:
    """Register the decorated view builder as the pair form `name`."""

    def register(view: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
        PAIR_FORMS[name] = PairForm(name, view, capture, purpose, label)
        return view

    return register


def form_opener(action_id: str) -> PairForm | None:
    """The pair form an `open_<name>_form` button (numbered `_<n>` in a message) opens."""
    match = re.fullmatch(r"open_([a-z_]+?)_form(?:_[0-9]+)?", action_id)
    return PAIR_FORMS.get(match.group(1)) if match else None

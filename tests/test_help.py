"""The help lists commands that work: each example in it, typed by a member of a pair with
something of everything, runs to a real answer — not the help, not a refusal, not an apology
(tests/surfaces.py types them all)."""

from __future__ import annotations

import re

import pytest

from handlers import help as help_text
from handlers.routing import COMMANDS, VERBS
from tests.conftest import flatten_text
from tests.surfaces import Crawl, as_mentee


def test_every_example_in_the_help_runs_to_a_real_answer(crawled: Crawl) -> None:
    """Each example listed in its command's help answers with what it promises (or opens
    its form)."""
    checked = 0
    for verb in VERBS:
        listed = flatten_text(help_text.command_help(verb.command))
        for example, _what in verb.examples:
            assert f"`{example}`" in listed, example
            command, _, text = example.partition(" ")
            step = crawled.entries[as_mentee(verb, text)]
            answer = flatten_text(step.seen.reply) if step.seen.reply else ""
            if help_text.is_help(verb.run):
                assert answer.startswith("Mentorbot help"), example
                continue
            assert step.seen.reply is not None or step.seen.modals, f"{example}: no answer"
            assert not answer.startswith(":warning:"), f"{example}: {answer}"
            assert not answer.startswith("Mentorbot help"), f"{example}: the help"
            checked += 1
    assert checked >= 30, checked


def test_each_command_has_help_that_is_the_help(crawled: Crawl) -> None:
    """`/goal help`, `/win help`, `/agenda help`, `/review help` and `/mentor help` answer
    with a help."""
    helps = [entry for entry in crawled.entries if entry.text == "help"]
    assert {entry.command for entry in helps} == {"/goal", "/win", "/mentor", "/agenda", "/review"}
    for entry in helps:
        reply = crawled.entries[entry].seen.reply
        assert reply is not None and flatten_text(reply).startswith("Mentorbot help")


SHORT = 1_200  # characters: a help that fits on a screen


def _help_reply(crawled: Crawl, command: str) -> str:
    (entry,) = [e for e in crawled.entries if e.text == "help" and e.command == command]
    reply = crawled.entries[entry].seen.reply
    assert reply is not None, command
    return flatten_text(reply)


def _typed_commands(text: str) -> list[str]:
    """Every `/command …` the text shows in backticks."""
    return re.findall(r"`(/[a-z]+)\b[^`]*`", text)


@pytest.mark.parametrize("command", ["/goal", "/win", "/agenda", "/review"])
def test_a_commands_help_is_short_and_only_about_that_command(crawled: Crawl, command: str) -> None:
    """`/win help` (and the others) lists that command's own forms, with examples, in well
    under the old 3,300 characters; nothing of the other commands but `/mentor help`."""
    text = _help_reply(crawled, command)
    assert len(text) < SHORT, (command, len(text))
    shown = flatten_text(help_text.command_help(command))
    assert shown == text
    for verb in VERBS:
        for example, _what in verb.examples:
            if example != "/mentor help":
                assert (f"`{example}`" in text) == (verb.command == command), example
    others = {typed for typed in _typed_commands(text) if typed != command}
    assert others <= {"/mentor"} and "`/mentor help`" in text, others


def test_mentor_help_is_a_short_overview_pointing_at_each_commands_help(crawled: Crawl) -> None:
    """`/mentor help` names every command with its own `/<command> help`, lists only
    `/mentor`'s own examples, and stays short."""
    text = _help_reply(crawled, "/mentor")
    assert len(text) < 2_000, len(text)  # the old help was 3,750; 1,800 before finding a mentor
    for command in COMMANDS:
        assert f"`{command} help`" in text or command == "/mentor", command
    for verb in VERBS:
        for example, _what in verb.examples:
            assert (f"`{example}`" in text) == (verb.command == "/mentor"), example

"""The help lists commands that work: each example in it, typed by a member of a pair with
something of everything, runs to a real answer — not the help, not a refusal, not an apology
(tests/surfaces.py types them all)."""

from __future__ import annotations

from handlers import help as help_text
from handlers.routing import VERBS
from tests.conftest import flatten_text
from tests.surfaces import Crawl, as_mentee


def test_every_example_in_the_help_runs_to_a_real_answer(crawled: Crawl) -> None:
    """Each listed example answers with what it promises (or opens its form)."""
    listed = flatten_text(help_text.help_message())
    checked = 0
    for verb in VERBS:
        for example, _what in verb.examples:
            assert f"`{example}`" in listed, example
            command, _, text = example.partition(" ")
            step = crawled.entries[as_mentee(verb, text)]
            answer = flatten_text(step.seen.reply) if step.seen.reply else ""
            if verb.run is help_text.show_help:
                assert answer.startswith("Mentorbot help"), example
                continue
            assert step.seen.reply is not None or step.seen.modals, f"{example}: no answer"
            assert not answer.startswith(":warning:"), f"{example}: {answer}"
            assert not answer.startswith("Mentorbot help"), f"{example}: the help"
            checked += 1
    assert checked >= 30, checked


def test_each_command_has_help_that_is_the_help(crawled: Crawl) -> None:
    """`/goal help`, `/win help`, `/agenda help`, `/review help` and `/mentor help` answer
    with the help."""
    helps = [entry for entry in crawled.entries if entry.text == "help"]
    assert {entry.command for entry in helps} == {"/goal", "/win", "/mentor", "/agenda", "/review"}
    for entry in helps:
        reply = crawled.entries[entry].seen.reply
        assert reply is not None and flatten_text(reply).startswith("Mentorbot help")

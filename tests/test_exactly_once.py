"""Nothing acknowledged happens twice: a piece of work run a second time — as a worker does
when the first one died after doing everything but record that it was done — changes nothing,
takes nothing back, and posts nothing, for every verb, button, form and DM the registries hold
(tests/surfaces.py runs each, then runs its work again)."""

from __future__ import annotations

from tests.surfaces import Crawl


def test_running_any_work_again_does_nothing_twice(crawled: Crawl) -> None:
    """Every step's work, run again: the database as it was, no post, delete, upload, channel
    or reply a second time."""
    twice = [
        f"{step.action}: {', '.join(step.run_again)}" for step in crawled.steps if step.run_again
    ]
    assert twice == [], "\n".join(twice)
    assert len(crawled.steps) >= 70, len(crawled.steps)


def test_no_interaction_uses_its_response_url_more_than_once(crawled: Crawl) -> None:
    """Slack's response_url takes 5 messages: every command and click answers through its own
    at most once, so none is refused for having been used up."""
    many = [
        f"{step.action}: {step.seen.answers}" for step in crawled.steps if step.seen.answers > 1
    ]
    assert many == [], "\n".join(many)
    assert sum(step.seen.answers for step in crawled.steps) >= 45

"""One rule for the App Home: whatever a person does — a command, a DM, a button, a form —
if it changes what a member's Home shows, that member's Home is published again, showing it.

Proved over everything the registries hold (tests/surfaces.py does it all, from a pair with
something of everything): a flow that changes the Home and forgets to say so fails here,
named by the step that left a Home stale."""

from __future__ import annotations

from handlers.routing import BUTTONS, FORMS, PAIR_FORMS, route
from tests.surfaces import MEMBERS, Crawl, OpenHome, as_mentee, texts_of


def test_everything_registered_is_reached_by_the_crawl(crawled: Crawl) -> None:
    """Every verb is typed as its help shows it, every button is offered on some surface and
    clicked, every form is opened by a button and submitted."""
    from handlers.routing import VERBS

    for verb in VERBS:
        texts = texts_of(verb)
        assert texts, f"{verb.command} {verb.words}: no example to type"
        for text in texts:
            typed = as_mentee(verb, text).text
            assert route(verb.command, typed).verb == verb, (verb.command, typed)
    clicked = set(crawled.offered)
    for button in BUTTONS:
        assert crawled.path_to_button(button.action_id), button.action_id
    for form in PAIR_FORMS.values():
        assert form.opener in clicked or any(c.startswith(f"{form.opener}_") for c in clicked)
    assert set(FORMS) <= set(crawled.forms), sorted(set(FORMS) - set(crawled.forms))


def test_every_change_redraws_the_home_of_whoever_it_changed(crawled: Crawl) -> None:
    """After each step, every member whose Home would now look different has been sent that
    Home; nobody else is sent one."""
    stale, changes = [], 0
    for step in crawled.steps:
        for user in MEMBERS:
            if step.homes_after[user] == step.homes_before[user]:
                continue
            changes += 1
            if step.seen.published.get(user) != step.homes_after[user]:
                stale.append(f"{step.action} left {user}'s Home stale")
        opener = step.action.user if isinstance(step.action, OpenHome) else None
        strangers = set(step.seen.published) - set(MEMBERS) - {opener}
        assert not strangers, (step.action, strangers)
    assert stale == [], "\n".join(stale)
    assert changes >= 40, changes  # the crawl really changed Homes; not a vacuous pass

"""`/mentor forget me`, and an admin's `/mentor forget @person` for someone who left: first what
will be deleted and what will remain, privately, with Confirm and Cancel; on Confirm, the
rule (`mentoring.forgetting`).

The buttons carry two ids, whom to forget and whom the question was shown to: a click from
anyone else is refused, and so is one from someone who may no longer forget that person.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from handlers.dashboard import redraw_people
from handlers.help import Topic
from handlers.kit import Message, actions, button, context, ephemeral, message, plural, section
from handlers.routing import Part, verb
from handlers.routing import button as on_button
from handlers.runtime import Call, slack_error
from mentoring import forgetting
from mentoring.forgetting import Counts, ForgetPlan, Forgotten, Kept, PairFate
from mentoring.model import mention

logger = logging.getLogger("mentorbot.records")

FORGET = "forget_confirm"
KEEP = "forget_cancel"
PAIRS_LISTED = 10
WHO = (
    "Say whom: `/mentor forget me` deletes what I hold about you (you'll see exactly what "
    "first); an admin can `/mentor forget @person` for someone who left."
)


@verb(
    "/mentor",
    "forget",
    r"(?:(?P<me>me|myself)|<@(?P<person>[UW][A-Z0-9]+)>)",
    usage="/mentor forget me",
    topic=Topic.MENTORSHIP,
    examples=(
        (
            "/mentor forget me",
            "delete what I hold about you (asks first)",
        ),
        ("/mentor forget @mentee", "admins only: the same for someone who left"),
    ),
    pair=False,
    refusal=WHO,
)
def ask_to_forget(call: Call, me: str | None, person: str | None) -> Message:
    plan = call.apply(forgetting.plan_forget, call.engine, call.actor, person or call.user_id)
    return forget_preview(plan)


@on_button(FORGET, Part.PERSON, Part.PERSON)
def confirm_forget(call: Call, person: str, issuer: str) -> Message:
    done = call.apply(
        forgetting.forget, call.engine, call.actor, person, issuer, call.now, call.work_id
    )
    for channel, other in done.ended:
        _post_quietly(call, channel, pair_forgotten(person, other, call.user_id))
    services = call.services
    people = (person, *done.others)
    redraw_people(call.engine, services.clock, call.client, people, services.coordinators)
    return forgotten(done, person, call.user_id)


@on_button(KEEP, Part.PERSON, Part.PERSON)
def cancel_forget(call: Call, person: str, issuer: str) -> Message:
    call.apply(forgetting.check_confirmation, call.actor, person, issuer)
    return message("Cancelled: nothing was deleted.")


def _post_quietly(call: Call, channel: str, notice: Message) -> None:
    """Post once; a refusal (the channel archived, say) must not undo what was deleted."""
    try:
        call.post(channel, notice)
    except SlackApiError as error:
        code = slack_error(error)
        logger.warning("post failed", extra={"what": "pair forgotten", "error": code})


# Block Kit. Nothing of anyone's words is shown: counts, people and channels only.


def _you(person: str, asked_by: str) -> tuple[str, str, str, str]:
    """How the message names the person: as object, possessive, subject, and at a sentence's
    start — "you" when they asked, "them" when an admin did."""
    if person == asked_by:
        return "you", "your", "you", "You"
    return "them", "their", "they", f"<@{person}>"


def forget_preview(plan: ForgetPlan) -> Message:
    them, their, they, who = _you(plan.person, plan.asked_by)
    name = "me" if plan.person == plan.asked_by else f"<@{plan.person}>"
    head = f"*Forget {name}?* Here is exactly what happens. It can't be undone."
    first = [fate for fate in plan.pairs if fate.active]
    blocks = [section(head)]
    if first:
        blocks.append(
            section(
                f"*First, {their} active mentorships end:* "
                + _listed(
                    [f"with {mention(f.other)} in <#{f.channel_id}>" for f in first[:PAIRS_LISTED]],
                    len(first),
                )
                + ". A notice says so in each shared channel."
            )
        )
    deleted = _deleted_lines(plan.deleted, them, their, they)
    blocks.append(section("*Deleted for good:*\n" + "\n".join(f"• {line}" for line in deleted)))
    remain = _remaining_lines(plan, them, their, they, who)
    blocks.append(section("*What remains, and why:*\n" + "\n".join(f"• {line}" for line in remain)))
    value = f"{plan.person}:{plan.asked_by}"
    label = "Forget me" if plan.person == plan.asked_by else "Forget them"
    confirm = {
        "title": {"type": "plain_text", "text": "Delete for good?"},
        "text": {"type": "mrkdwn", "text": "What is listed is deleted now; it can't be undone."},
        "confirm": {"type": "plain_text", "text": label},
        "deny": {"type": "plain_text", "text": "Go back"},
    }
    blocks.append(
        actions(
            button(label, FORGET, value, style="danger", confirm=confirm),
            button("Cancel", KEEP, value),
        )
    )
    return ephemeral(f"Forget {name}? What is deleted and what remains", blocks)


def _deleted_lines(counts: Counts, them: str, their: str, they: str) -> list[str]:
    lines = []
    if counts.goals:
        lines.append(
            f"{their.capitalize()} {plural(counts.goals, 'goal')}, with "
            f"{plural(counts.milestones, 'step')} and {plural(counts.revisions, 'earlier wording')}"
        )
    if counts.wins:
        lines.append(f"{their.capitalize()} {plural(counts.wins, 'win')}, with what worked")
    if counts.agenda_items:
        lines.append(f"{plural(counts.agenda_items, 'agenda item')} {they} added")
    if counts.action_items:
        lines.append(f"{plural(counts.action_items, 'action item')} {they} own")
    if counts.answers:
        fit = ", the private fit answers included" if counts.fit_answers else ""
        lines.append(f"{their.capitalize()} answers to {plural(counts.answers, 'review')}{fit}")
    if counts.commitments:
        lines.append(f"{their.capitalize()} {plural(counts.commitments, 'commitment')}")
    if counts.drafts:
        what = "it is" if counts.drafts == 1 else "they are"
        lines.append(f"{plural(counts.drafts, 'note')} waiting for {them} to say what {what}")
    if counts.deliveries:
        lines.append(
            f"the record of {plural(counts.deliveries, 'message')} I planned or sent {them}"
        )
    if counts.matching:
        lines.append(f"{their} offer to mentor and the requests between {them} and a mentor")
    lines.append(
        f"what I keep for a week after handling it: the DMs and requests {they} sent me, and "
        f"other people's requests that name {them}"
    )
    return lines


def _remaining_lines(plan: ForgetPlan, them: str, their: str, they: str, who: str) -> list[str]:
    lines = []
    kept = [fate for fate in plan.pairs if not fate.deleted]
    gone = [fate for fate in plan.pairs if fate.deleted]
    for fate in kept[:PAIRS_LISTED]:
        lines.append(
            f"The mentorship with {mention(fate.other)} stays for them, ended, with {them} shown "
            f"as “a former member”: their own {_kept(fate)} stay theirs."
        )
    if len(kept) > PAIRS_LISTED:
        lines.append(f"…and {len(kept) - PAIRS_LISTED} more mentorships kept the same way.")
    if gone:
        people = _listed([mention(f.other) for f in gone[:PAIRS_LISTED]], len(gone))
        lines.append(
            f"Nothing: the mentorship with {people} is deleted entirely, since nothing in it "
            "is the other person's own."
            if len(gone) == 1
            else f"Nothing of the mentorships with {people}: they are deleted entirely, since "
            "nothing in them is the other person's own."
        )
    if plan.deleted.reworded:
        count = plan.deleted.reworded
        things = "goal, step or action item" if count == 1 else "goals, steps or action items"
        lines.append(
            f"{count} {things} {they} wrote that "
            f"belong to the other person stay theirs, with {their} words replaced by “(removed)”."
        )
    lines.append(
        f"Other people's own words stay — in a shared review, say — since they are theirs; "
        f"where they mention {them}, the mention becomes “a former member”."
    )
    lines.append(
        f"Messages in Slack are not mine to delete: what I posted in shared channels and DMs, "
        f"and what {they} wrote there, stay in Slack. {who} can delete {their} own messages "
        "there, or ask a workspace admin."
    )
    return lines


def _kept(fate: PairFate) -> str:
    kept: Kept = fate.kept
    parts = [
        plural(count, word)
        for count, word in (
            (kept.goals, "goal"),
            (kept.wins, "win"),
            (kept.answers, "review answer"),
            (kept.commitments, "commitment"),
            (kept.agenda_items, "agenda item"),
            (kept.action_items, "action item"),
        )
        if count
    ]
    return _listed(parts)


def _listed(items: list[str], total: int | None = None) -> str:
    more = (total or len(items)) - len(items)
    items = [*items, f"{more} more"] if more > 0 else items
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def forgotten(done: Forgotten, person: str, by: str) -> Message:
    who = "You are" if person == by else f"<@{person}> is"
    d = done.deleted
    deleted = d.goals + d.milestones + d.revisions + d.wins + d.agenda_items + d.action_items
    deleted += d.answers + d.commitments + d.drafts + d.deliveries + d.matching
    lines = [f":wastebasket: {who} forgotten: {plural(deleted, 'record')} deleted"]
    if done.requests:
        lines[0] += f", with {plural(done.requests, 'stored request')}"
    lines[0] += "."
    if done.ended:
        lines.append(f"{plural(len(done.ended), 'active mentorship')} ended first.")
    if done.pairs_deleted:
        lines.append(f"{plural(done.pairs_deleted, 'mentorship')} deleted entirely.")
    if done.pairs_kept:
        lines.append(
            f"{plural(done.pairs_kept, 'mentorship')} kept for the other person, with "
            f"{'you' if person == by else 'them'} shown as “a former member”."
        )
    return message(lines[0], [section("\n".join(lines)), context(_SLACK_KEEPS)])


_SLACK_KEEPS = "Messages in Slack — shared channels, DMs — stay there: Slack keeps them, not me."


def pair_forgotten(person: str, other: str, by: str) -> Message:
    """Posted in each shared channel whose mentorship the forgetting ended."""
    asked = (
        f"<@{person}> asked me to forget them"
        if person == by
        else (f"<@{by}>, an admin, asked me to forget <@{person}>")
    )
    line = (
        f":wave: {mention(other)}, this mentorship has ended: {asked}, so what was theirs in it "
        "is deleted. This channel's messages stay: they are Slack's, not mine."
    )
    return message(line, [section(line)])

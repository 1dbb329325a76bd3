"""Pairing: `/mentor pair`, `/mentor status`, `/mentor end` and its confirmation."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.goals.blocks import goal_line
from handlers.help import Topic
from handlers.kit import (
    MESSAGE_BLOCKS,
    Message,
    actions,
    button,
    context,
    day,
    ephemeral,
    message,
    plural,
    section,
)
from handlers.meetings.prompts import attention_line
from handlers.routing import Part, verb
from handlers.routing import button as on_button
from handlers.runtime import Answer, Call, Reply, slack_error
from handlers.slack_text import mentioned_users
from mentoring import pairs
from mentoring.errors import InvalidInput, MentoringError, NotAllowed
from mentoring.model import PairInfo, Role, mention
from mentoring.pairs import PairSummary

logger = logging.getLogger("mentorbot.pairing")

END_PAIR = "end_pair"
KEEP_PAIR = "keep_pair"
CONFIRM_PAIR = "confirm_pair"
CANCEL_PAIR = "cancel_pair"
NEW = "new"  # where a pairing goes: a new private channel, instead of a channel id
MAX_CHANNEL_NAME = 80
NOT_HERE = "Run `/mentor pair` in a channel you both are in, or add `new` to get a private one."
INVITE_ME = (
    "I'm not in this channel yet. Type `/invite @Mentorbot` here, then run the command "
    "again — or add `new` to get a private channel."
)


@verb(
    "/mentor",
    "pair",
    r"<@(?P<mentor>[UW][A-Z0-9]+)>\s*<@(?P<mentee>[UW][A-Z0-9]+)>(?:\s+(?P<new>new))?",
    usage="/mentor pair @mentor @mentee",
    topic=Topic.MENTORSHIP,
    examples=(
        ("/mentor pair @mentor @mentee", "pair up in a channel you share"),
        ("/mentor pair @mentor @mentee new", "pair up in a new private channel"),
    ),
    pair=False,
    refusal=(
        "Mention the mentor first, then the mentee: `/mentor pair @mentor @mentee` "
        "(add `new` for a private channel)."
    ),
)
def pair_up(call: Call, mentor: str, mentee: str, new: str | None) -> Answer:
    """Pair now, or ask first when the two are paired the other way round or the channel is
    public: nothing is posted or created before the person who asked confirms."""
    reverse = call.apply(pairs.check_can_pair, call.engine, call.actor, mentor, mentee)
    names = [_person_name(call.client, user) for user in (mentor, mentee)]
    place = NEW if new else call.origin.channel_id or ""
    shared = None if new else _check_shared_channel(call.client, place, mentor, mentee)
    if reverse is not None or (shared is not None and shared.public):
        notes = shared.notes if shared is not None else ()
        public = shared is not None and shared.public
        return pairing_question(call.user_id, mentor, mentee, place, reverse, public, notes)
    return _pair(call, mentor, mentee, names, place, shared.notes if shared else ())


@on_button(CONFIRM_PAIR, Part.PERSON, Part.PERSON, Part.PERSON, Part.CHANNEL)
def confirm_pair(call: Call, asker: str, mentor: str, mentee: str, place: str) -> Answer:
    """The person who asked confirmed: the same checks again (things may have changed), then
    the pairing."""
    _check_asker(call, asker)
    call.apply(pairs.check_can_pair, call.engine, call.actor, mentor, mentee)
    names = [_person_name(call.client, user) for user in (mentor, mentee)]
    shared = None if place == NEW else _check_shared_channel(call.client, place, mentor, mentee)
    return _pair(call, mentor, mentee, names, place, shared.notes if shared else ())


@on_button(CANCEL_PAIR, Part.PERSON)
def cancel_pair(call: Call, asker: str) -> Message:
    _check_asker(call, asker)
    return message("Not paired: nothing changed.")


def _check_asker(call: Call, asker: str) -> None:
    if call.user_id != asker:
        raise NotAllowed(f"Only <@{asker}>, who asked for this pairing, can answer it.")


def pair_in_new_channel(call: Call, mentor: str, mentee: str) -> PairInfo:
    """Pair two people in a new private channel by the same steps as `/mentor pair … new`
    (a mentor accepting a mentee's request does this); the intro is posted there."""
    call.apply(pairs.check_can_pair, call.engine, call.actor, mentor, mentee)
    names = [_person_name(call.client, user) for user in (mentor, mentee)]
    return _make_pair(call, mentor, mentee, names, NEW)


def _pair(
    call: Call, mentor: str, mentee: str, names: list[str], place: str, notes: Sequence[str]
) -> Reply:
    pair = _make_pair(call, mentor, mentee, names, place)
    return Reply.after(pair, pair_created(pair, notes))


def _make_pair(call: Call, mentor: str, mentee: str, names: list[str], place: str) -> PairInfo:
    if place == NEW:
        channel = call.once(lambda: _new_private_channel(call.client, names, mentor, mentee))
    else:
        channel = place
    try:
        pair = call.apply(
            pairs.create_pair,
            call.engine,
            call.actor,
            team_id=call.origin.team_id,
            mentor_id=mentor,
            mentee_id=mentee,
            channel_id=channel,
            now=call.now,
        )
    except MentoringError:
        if place == NEW:
            call.once(lambda: _archive_quietly(call.client, channel))
        raise
    post_quietly(call, channel, pair_intro(pair), what="pair intro")
    return pair


@verb(
    "/mentor",
    "status",
    usage="/mentor status",
    topic=Topic.MENTORSHIP,
    examples=(("/mentor status", "your pairs, your role and open goals"),),
    pair=False,
)
def show_status(call: Call) -> Message:
    return status(call.apply(pairs.summaries, call.engine, call.user_id, call.now))


@verb(
    "/mentor",
    "end",
    r"(?P<people>.*)",
    usage="/mentor end",
    topic=Topic.MENTORSHIP,
    examples=(
        ("/mentor end", "end a mentorship (asks first)"),
        (
            "/mentor end @mentor @mentee",
            "end a pair by naming both (admins: any pair)",
        ),
    ),
    pair=False,
)
def end(call: Call, people: str) -> Message:
    pair = call.apply(
        pairs.pair_to_end,
        call.engine,
        call.actor,
        tuple(mentioned_users(people)),
        call.origin.channel_id or "",
        call.origin.pair_id,
    )
    return end_confirmation(pair)


@on_button(END_PAIR, Part.PAIR)
def end_pair(call: Call, pair_id: int) -> Reply:
    ended = call.apply(pairs.end_pair, call.engine, call.actor, pair_id, call.now)
    notice = pair_ended(ended, call.user_id)
    post_quietly(call, ended.channel_id, notice, what="pair ended")
    return Reply.after(ended, notice)


@on_button(KEEP_PAIR, Part.PAIR)
def keep_pair(call: Call, pair_id: int) -> Message:
    call.apply(pairs.pair_to_keep, call.engine, call.actor, pair_id)
    return message("Kept: nothing changed.")


def _person_name(client: WebClient, user_id: str) -> str:
    """The person's handle, after checking they are a person who can be paired."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as error:
        if slack_error(error) == "user_not_found":
            raise InvalidInput(f"I can't find <@{user_id}> in this workspace.") from error
        raise
    if user.get("is_bot"):
        raise InvalidInput(f"<@{user_id}> is a bot; pair two people.")
    if user.get("deleted"):
        raise InvalidInput(f"<@{user_id}>'s account is deactivated.")
    return str(user.get("name") or user_id)


@dataclass(frozen=True)
class SharedChannel:
    public: bool  # anyone in the workspace can read it
    notes: tuple[str, ...]  # who isn't in it yet


def _check_shared_channel(client: WebClient, channel: str, *people: str) -> SharedChannel:
    """Refuse channels the bot cannot use; say whether it is public and who isn't in it."""
    if channel.startswith("D"):
        raise InvalidInput(NOT_HERE)
    try:
        info = client.conversations_info(channel=channel, include_num_members=True)["channel"]
    except SlackApiError as error:
        if slack_error(error) in ("channel_not_found", "not_in_channel"):
            raise InvalidInput(INVITE_ME) from error
        raise
    if info.get("is_im") or info.get("is_mpim"):
        raise InvalidInput(NOT_HERE)
    if info.get("is_archived"):
        raise InvalidInput("This channel is archived; run the command in another one.")
    if not info.get("is_member"):
        raise InvalidInput(INVITE_ME)
    members = set(client.conversations_members(channel=channel, limit=1000)["members"])
    notes = tuple(
        f"<@{person}> isn't in this channel yet; invite them to see the wins."
        for person in people
        if person not in members
    )
    return SharedChannel(public=not info.get("is_private"), notes=notes)


def _new_private_channel(client: WebClient, names: list[str], *people: str) -> str:
    base = re.sub(r"[^a-z0-9_-]+", "-", f"mentoring-{names[1]}-{names[0]}".lower()).strip("-")
    base = base[: MAX_CHANNEL_NAME - 3]
    for attempt in range(1, 10):
        name = base if attempt == 1 else f"{base}-{attempt}"
        try:
            channel = client.conversations_create(name=name, is_private=True)["channel"]["id"]
            break
        except SlackApiError as error:
            if slack_error(error) != "name_taken":
                raise
    else:
        raise InvalidInput(f"Channels named {base}… all exist; pair up in one you create.")
    try:
        client.conversations_invite(channel=channel, users=",".join(people))
    except SlackApiError:
        _archive_quietly(client, channel)
        raise
    return str(channel)


def _archive_quietly(client: WebClient, channel: str) -> None:
    try:
        client.conversations_archive(channel=channel)
    except SlackApiError as error:
        logger.warning("could not archive", extra={"channel": channel, "error": slack_error(error)})


def post_quietly(call: Call, channel: str, notice: Message, *, what: str) -> None:
    """Post a message (once) whose failure must not undo the change it reports."""
    try:
        call.post(channel, notice)
    except SlackApiError as error:
        code = slack_error(error)
        logger.warning("post failed", extra={"what": what, "channel": channel, "error": code})


# Block Kit


def pair_created(pair: PairInfo, notes: Sequence[str]) -> Message:
    line = (
        f":handshake: <@{pair.mentor_id}> now mentors <@{pair.mentee_id}>. "
        f"Wins will be shared in <#{pair.channel_id}>."
    )
    blocks = [section(line)]
    blocks += [context(f":information_source: {note}") for note in notes]
    blocks.append(context("Next: set a first specific goal with `/goal … by <date>`."))
    return ephemeral(line, blocks)


def pairing_question(
    asker: str,
    mentor: str,
    mentee: str,
    place: str,
    reverse: PairInfo | None,
    public: bool,
    notes: Sequence[str],
) -> Message:
    """Ask before pairing: the two are paired the other way round, or the channel is public.
    The buttons carry who asked, so only they can answer."""
    where = "in a new private channel" if place == NEW else f"in <#{place}>"
    line = f"Pair them? <@{mentor}> would mentor <@{mentee}> {where}."
    blocks = [section(line)]
    if reverse is not None:
        blocks.append(
            section(
                f":twisted_rightwards_arrows: <@{reverse.mentor_id}> already mentors "
                f"<@{reverse.mentee_id}>, in <#{reverse.channel_id}>. This would be a second "
                "mentorship, the other way round; outside the two channels, commands would "
                "then need `to @name`."
            )
        )
    if public:
        blocks.append(
            section(
                ":eyes: This channel is public, so anyone can read what I post here: wins, "
                "agendas, review summaries and the roadmap picture. For a private channel, "
                "cancel and run the command again with `new` at the end."
            )
        )
    blocks += [context(f":information_source: {note}") for note in notes]
    value = f"{asker}:{mentor}:{mentee}:{place}"
    blocks.append(
        actions(
            button("Pair them", CONFIRM_PAIR, value, style="primary"),
            button("Cancel", CANCEL_PAIR, asker),
        )
    )
    return ephemeral(line, blocks)


PROGRAMME_NOTE = (
    ":eyes: The programme's coordinators see activity, not content: that you meet, review "
    "and reach goals, and when — never what you write. `/mentor visibility` shows exactly "
    "what they see."
)


def pair_intro(pair: PairInfo) -> Message:
    line = (
        f":wave: <@{pair.mentee_id}> and <@{pair.mentor_id}>: this is your mentorship channel. "
        "Wins logged with `/win` show up here; `/mentor help` lists everything else."
    )
    return message(line, [section(line), context(PROGRAMME_NOTE)])


def end_confirmation(pair: PairInfo) -> Message:
    line = f"End the mentorship of <@{pair.mentee_id}> with <@{pair.mentor_id}>?"
    confirm = {
        "title": {"type": "plain_text", "text": "End this mentorship?"},
        "text": {"type": "mrkdwn", "text": "Nothing more will happen in it. History stays."},
        "confirm": {"type": "plain_text", "text": "End it"},
        "deny": {"type": "plain_text", "text": "Keep it"},
    }
    return ephemeral(
        line,
        [
            section(
                f"{line}\nIts goals and wins stay readable to both of you; nothing new happens."
            ),
            actions(
                button("End mentorship", END_PAIR, str(pair.id), style="danger", confirm=confirm),
                button("Keep it", KEEP_PAIR, str(pair.id)),
            ),
        ],
    )


def pair_ended(pair: PairInfo, by: str) -> Message:
    line = (
        f"The mentorship of <@{pair.mentee_id}> with <@{pair.mentor_id}> was ended by <@{by}>. "
        "Its goals and wins stay readable to both of you."
    )
    return message(line, [section(line)])


def _summary_lines(summary: PairSummary, goals_shown: int) -> list[str]:
    pair = summary.pair
    other = pair.mentee_id if summary.role == Role.MENTOR else pair.mentor_id
    who = mention(other)
    role = f"You mentor {who}" if summary.role == Role.MENTOR else f"{who} mentors you"
    if pair.active:
        head = f"*{role}* in <#{pair.channel_id}>"
        goals = plural(len(summary.open_goals), "open goal")
        counts = f"{goals} · {plural(summary.recent_wins, 'win')} in the last 30 days"
    else:
        ended = day(pair.ended_at.date()) if pair.ended_at else "earlier"
        head = f"*{role}* _(ended {ended})_"
        counts = f"{plural(len(summary.open_goals), 'goal')} still open when it ended"
    lines = [f"{head}\n{counts}"]
    warning = attention_line(pair) if pair.active else None
    if warning is not None:
        lines.append(warning)
    shown = summary.open_goals[:goals_shown] if pair.active else ()
    lines += [goal_line(goal) for goal in shown]
    if pair.active and len(summary.open_goals) > goals_shown:
        lines.append(f"…and {len(summary.open_goals) - goals_shown} more: `/goal list`")
    return lines


def status(summaries: Sequence[PairSummary]) -> Message:
    if not summaries:
        return ephemeral(
            "You're not in a mentorship yet. Pair up with `/mentor pair @mentor @mentee` "
            "in a channel you share (add `new` for a private one)."
        )
    blocks = [
        section("\n".join(_summary_lines(summary, goals_shown=5)))
        for summary in summaries[:MESSAGE_BLOCKS]
    ]
    return ephemeral(f"You're in {plural(len(summaries), 'mentorship')}", blocks)

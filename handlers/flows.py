"""The work each listener hands to `after_ack`: parse, apply the rules, talk to Slack, render.

Each flow returns the message for the person who acted (or None). Refusals are raised as
mentoring errors and rendered by `tasks.perform`. Slack calls whose failure must not undo
what was saved (announcing a win, greeting a new pair, redrawing a Home) are caught here and
reported instead. Every flow that changes what the App Home shows redraws the Home of both
members of the pair (`refresh_homes`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from sqlalchemy import Engine

from handlers import blocks, home_blocks, meeting_blocks, review_blocks
from handlers.home_blocks import Form
from handlers.parsing import (
    AddAction,
    AddAgendaItem,
    AddGoal,
    AddMilestone,
    ChangeGoal,
    CloseAction,
    CompleteMilestone,
    DirectMessage,
    EndPair,
    GoalHistory,
    Help,
    ListGoals,
    ListMilestones,
    LogWinForm,
    NewGoalForm,
    PairUp,
    Pause,
    Request,
    Resume,
    ReviewHistory,
    ScheduleOff,
    SetNudges,
    SetOffsets,
    SetReviewCadence,
    SetSchedule,
    ShowAgenda,
    ShowLastReview,
    ShowNudges,
    ShowReviewCadence,
    ShowRoadmap,
    ShowSchedule,
    ShowStatus,
    SkipMeeting,
    StartReview,
    parse_agenda_command,
    parse_direct_message,
    parse_goal_command,
    parse_mentor_command,
    parse_review_command,
    parse_win_command,
)
from handlers.services import Clock, Message, Services
from handlers.slack_text import from_slack
from handlers.tasks import slack_error
from mentoring import (
    capture,
    dashboard,
    goals,
    inbox,
    milestones,
    nudges,
    pairs,
    wins,
)
from mentoring.capture import Kind
from mentoring.coaching import coach
from mentoring.dates import parse_due
from mentoring.errors import AmbiguousPair, InvalidInput, MentoringError
from mentoring.goals import GoalText
from mentoring.meetings import agenda, schedule
from mentoring.milestones import MilestoneText
from mentoring.model import Captured, GoalAdded, GoalStatus, NeedsPair, PairInfo, Target, WinLogged
from mentoring.reviews import planning, questionnaire, summary
from mentoring.reviews.answers import PageSaved, ReviewReplyFiled
from mentoring.roadmap_picture import RoadmapPicture, gather_roadmap

logger = logging.getLogger("mentorbot.flows")

MAX_CHANNEL_NAME = 80


# Slash commands


def goal_command(services: Services, client: WebClient, request: Request) -> Message | None:
    actor = services.actor(request.user_id)
    now = services.clock()
    match parse_goal_command(request.text):
        case Help():
            return blocks.help_message()
        case ListGoals(with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            return blocks.goal_list(goals.list_goals(services.engine, actor, target), actor.user_id)
        case ShowRoadmap(with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            picture = gather_roadmap(services.engine, actor, target, now.date())
            return roadmap_flow(client, picture, actor.user_id)
        case ChangeGoal(number=number, status=status, with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            changed = goals.set_goal_status(services.engine, actor, number, status, target, now)
            refresh_homes(services, client, changed.pair.id)
            return blocks.goal_changed(changed)
        case AddMilestone(goal_number=number, text=text, with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            added = milestones.add_milestone(services.engine, actor, target, number, text, now)
            return _milestone_added(services, client, added)
        case ListMilestones(goal_number=number, with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            shown = milestones.roadmap(services.engine, actor, target, number)
            return blocks.roadmap_message(shown, now.date())
        case CompleteMilestone(goal_number=goal_number, number=number, with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            done = milestones.complete_milestone(
                services.engine, actor, target, goal_number, number, now
            )
            refresh_homes(services, client, done.pair_id)
            return blocks.milestone_changed(done)
        case GoalHistory(number=number, with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            history = goals.goal_history(services.engine, actor, target, number)
            return review_blocks.goal_history(history)
        case AddGoal(text=text, with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            added = capture.capture(services.engine, actor, Kind.GOAL, text, target, now)
            return finish(services, client, added, actor.user_id)
        case NewGoalForm(with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            return open_form(services, client, actor.user_id, Form.GOAL, target, request.trigger_id)
    raise AssertionError("unreachable")


def roadmap_flow(client: WebClient, picture: RoadmapPicture, viewer: str) -> Message:
    """`/goal roadmap`: the picture goes in the pair's shared channel, wherever it was asked."""
    if picture.empty:
        return blocks.roadmap_empty()
    channel = picture.pair.channel_id
    comment = blocks.roadmap_comment(picture, viewer)
    error = _share_roadmap(client, channel, picture, comment)
    if error is not None:
        return blocks.roadmap_not_shared(channel, error)
    return blocks.roadmap_shared(picture)


def upload_roadmap(client: WebClient, channel: str, picture: RoadmapPicture, comment: str) -> bool:
    """Post the roadmap picture in `channel` with `comment` (mrkdwn, already escaped).

    True when it is there. A refusal from Slack (not in the channel, archived, rate limited
    beyond the client's own waiting) or a failed transfer is logged and answered False, never
    raised, and not tried again here: a second try after a lost answer could post it twice.
    """
    return _share_roadmap(client, channel, picture, comment) is None


def _share_roadmap(
    client: WebClient, channel: str, picture: RoadmapPicture, comment: str
) -> str | None:
    """Upload the picture; returns Slack's error code (or "upload_failed"), None on success."""
    # Imported here: matplotlib then loads in the worker that draws, on first use, and never
    # in the process that only acknowledges Slack's requests.
    from handlers.roadmap_chart import render_roadmap_png

    png = render_roadmap_png(picture)
    try:
        client.files_upload_v2(
            channel=channel,
            file=png,
            filename="roadmap.png",
            title=f"Roadmap on {blocks.day(picture.today)}",
            alt_txt="Timeline of the goals, their steps and the wins",
            initial_comment=comment,
        )
    except SlackApiError as error:
        code = slack_error(error)
        logger.warning("roadmap not posted", extra={"channel": channel, "error": code})
        return code
    except (SlackRequestError, OSError) as error:  # sending the bytes, outside the Web API
        detail = {"channel": channel, "error": "upload_failed", "detail": str(error)}
        logger.warning("roadmap upload failed", extra=detail)
        return "upload_failed"
    logger.info("roadmap posted", extra={"pair": picture.pair.id, "channel": channel})
    return None


def win_command(services: Services, client: WebClient, request: Request) -> Message | None:
    parsed = parse_win_command(request.text)
    if isinstance(parsed, Help):
        return blocks.help_message()
    if isinstance(parsed, LogWinForm):
        target = Target(with_user=parsed.with_user, channel_id=request.channel_id)
        return open_form(services, client, request.user_id, Form.WIN, target, request.trigger_id)
    actor = services.actor(request.user_id)
    target = Target(with_user=parsed.with_user, channel_id=request.channel_id)
    logged = capture.capture(
        services.engine, actor, Kind.WIN, parsed.text, target, services.clock()
    )
    return finish(services, client, logged, actor.user_id)


def mentor_command(services: Services, client: WebClient, request: Request) -> Message:
    actor = services.actor(request.user_id)
    match parse_mentor_command(request.text):
        case Help():
            return blocks.help_message()
        case ShowStatus():
            return blocks.status(pairs.summaries(services.engine, actor.user_id, services.clock()))
        case EndPair(people=people):
            pair = pairs.pair_to_end(services.engine, actor, people, request.channel_id)
            return blocks.end_confirmation(pair)
        case PairUp() as pair_up:
            return pair_up_flow(services, client, request, pair_up)
        case ShowNudges(with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            shown = nudges.show_nudges(services.engine, actor, target)
            return meeting_blocks.nudge_setting(shown, actor.user_id)
        case SetNudges(on=on, with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            changed = nudges.set_nudges(services.engine, actor, target, on, services.clock())
            return meeting_blocks.nudge_setting(changed, actor.user_id)
        case meeting_request:
            return meeting_flow(services, client, request, meeting_request)


def meeting_flow(services: Services, client: WebClient, request: Request, ask: object) -> Message:
    """`/mentor schedule|skip|pause|resume|prompts`: the pair's meeting rhythm."""
    actor = services.actor(request.user_id)
    now = services.clock()
    target = Target(with_user=getattr(ask, "with_user", None), channel_id=request.channel_id)
    engine = services.engine
    match ask:
        case SetSchedule(spec=spec):
            pair = pairs.find_pair(engine, actor, target)
            zones = member_zones(client, pair)
            view = schedule.set_schedule(
                engine,
                actor,
                Target(pair_id=pair.id),
                spec,
                default_tz=zones[1] or "UTC",
                member_tz=zones,
                now=now,
            )
            refresh_homes(services, client, view.pair.id)
            return meeting_blocks.schedule_view(view, actor.user_id)
        case ShowSchedule():
            view = schedule.show_schedule(engine, actor, target, now)
            if view.cadence is not None and view.pair.active:
                zones = member_zones(client, view.pair)
                view = schedule.show_schedule(
                    engine, actor, Target(pair_id=view.pair.id), now, zones
                )
            return meeting_blocks.schedule_view(view, actor.user_id)
        case ScheduleOff():
            stopped = schedule.schedule_off(engine, actor, target, now)
            refresh_homes(services, client, stopped.id)
            return meeting_blocks.schedule_stopped()
        case SetOffsets(offsets=offsets):
            view = schedule.set_offsets(engine, actor, target, offsets, now)
            return meeting_blocks.schedule_view(view, actor.user_id)
        case SkipMeeting():
            meeting = schedule.skip_next(engine, actor, target, now)
            refresh_homes(services, client, meeting.pair_id)
            return meeting_blocks.meeting_skipped(meeting, _viewer_zone(client, actor.user_id))
        case Pause(until=phrase):
            until = parse_due(phrase, now.date())
            view = schedule.pause(engine, actor, target, until, now)
            refresh_homes(services, client, view.pair.id)
            return meeting_blocks.schedule_view(view, actor.user_id)
        case Resume():
            view = schedule.pause(engine, actor, target, None, now)
            refresh_homes(services, client, view.pair.id)
            return meeting_blocks.schedule_view(view, actor.user_id)
        case ShowReviewCadence():
            return review_blocks.review_cadence(
                planning.show_review_cadence(engine, actor, target, now)
            )
        case SetReviewCadence(every_weeks=every):
            cadence = planning.set_review_cadence(engine, actor, target, every, now)
            refresh_homes(services, client, cadence.pair.id)
            return review_blocks.review_cadence(cadence)
    raise AssertionError(f"unreachable: {ask!r}")


def member_zones(client: WebClient, pair: PairInfo) -> tuple[str | None, str | None]:
    """The mentor's and the mentee's Slack time zones (None where Slack has none)."""
    return _viewer_zone(client, pair.mentor_id), _viewer_zone(client, pair.mentee_id)


def _viewer_zone(client: WebClient, user_id: str) -> str | None:
    try:
        zone = client.users_info(user=user_id)["user"].get("tz")
    except SlackApiError as error:
        logger.warning("no time zone", extra={"user": user_id, "error": slack_error(error)})
        return None
    return str(zone) if zone else None


def agenda_command(services: Services, client: WebClient, request: Request) -> Message:
    actor = services.actor(request.user_id)
    now = services.clock()
    engine = services.engine
    match parse_agenda_command(request.text):
        case Help():
            return blocks.help_message()
        case ShowAgenda(with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            view = agenda.agenda(engine, actor, target, now)
            return meeting_blocks.agenda_view(view, _viewer_zone(client, actor.user_id))
        case AddAgendaItem(text=text, with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            added = agenda.add_agenda_item(engine, actor, target, text, now)
            refresh_homes(services, client, added.pair.id)
            return meeting_blocks.agenda_added(added, _viewer_zone(client, actor.user_id))
        case AddAction(text=text, owner=owner, with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            action = agenda.add_action(engine, actor, target, text, owner, now)
            refresh_homes(services, client, action.pair.id)
            return meeting_blocks.action_added(action)
        case CloseAction(number=number, with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            closed = agenda.close_action(engine, actor, target, number, now)
            refresh_homes(services, client, closed.pair_id)
            return meeting_blocks.action_closed(closed)
    raise AssertionError("unreachable")


def review_command(services: Services, client: WebClient, request: Request) -> Message:
    actor = services.actor(request.user_id)
    now = services.clock()
    match parse_review_command(request.text):
        case Help():
            return blocks.help_message()
        case ShowLastReview(with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            return review_blocks.last_review(summary.last_summary(services.engine, actor, target))
        case ReviewHistory(with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            history = summary.review_history(services.engine, actor, target, REVIEWS_LISTED)
            return review_blocks.review_history(history)
        case StartReview(with_user=with_user):
            target = Target(with_user=with_user, channel_id=request.channel_id)
            started = planning.start_review_now(services.engine, actor, target, now)
            refresh_homes(services, client, started.pair.id)
            return review_blocks.review_started(started)
    raise AssertionError("unreachable")


REVIEWS_LISTED = 20


def open_review(
    services: Services, client: WebClient, user_id: str, value: str, trigger_id: str
) -> None:
    """ "Answer review": the person's questionnaire at its first page (trigger ids last three
    seconds, so this runs straight after the ack)."""
    (review_id,) = _ids(value, 1)
    actor = services.actor(user_id)
    form = questionnaire.questionnaire(services.engine, actor, review_id, services.clock())
    client.views_open(trigger_id=trigger_id, view=review_blocks.review_page(form, 0))


def review_answered(
    services: Services, client: WebClient, user_id: str, saved: PageSaved
) -> Message:
    return review_blocks.answer_saved(saved)


def pair_up_flow(services: Services, client: WebClient, request: Request, ask: PairUp) -> Message:
    actor = services.actor(request.user_id)
    pairs.check_can_pair(services.engine, actor, ask.mentor_id, ask.mentee_id)
    names = [_person_name(client, user) for user in (ask.mentor_id, ask.mentee_id)]
    if ask.new_channel:
        channel, notes = _new_private_channel(client, names, ask), []
    else:
        channel, notes = request.channel_id, _check_shared_channel(client, request.channel_id, ask)
    try:
        pair = pairs.create_pair(
            services.engine,
            actor,
            team_id=request.team_id,
            mentor_id=ask.mentor_id,
            mentee_id=ask.mentee_id,
            channel_id=channel,
            now=services.clock(),
        )
    except MentoringError:
        if ask.new_channel:
            _archive_quietly(client, channel)
        raise
    _post_quietly(client, channel, blocks.pair_intro(pair), what="pair intro")
    refresh_homes(services, client, pair.id)
    return blocks.pair_created(pair, notes)


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


def _check_shared_channel(client: WebClient, channel: str, ask: PairUp) -> list[str]:
    """Refuse channels the bot cannot use; return notes about who else can read it."""
    invite_me = (
        "I'm not in this channel yet. Type `/invite @Mentorbot` here, then run the command "
        "again — or add `new` to get a private channel."
    )
    if channel.startswith("D"):
        raise InvalidInput(
            "Run `/mentor pair` in a channel you both are in, or add `new` to get a private one."
        )
    try:
        info = client.conversations_info(channel=channel, include_num_members=True)["channel"]
    except SlackApiError as error:
        if slack_error(error) in ("channel_not_found", "not_in_channel"):
            raise InvalidInput(invite_me) from error
        raise
    if info.get("is_im") or info.get("is_mpim"):
        raise InvalidInput(
            "Run `/mentor pair` in a channel you both are in, or add `new` to get a private one."
        )
    if info.get("is_archived"):
        raise InvalidInput("This channel is archived; run the command in another one.")
    if not info.get("is_member"):
        raise InvalidInput(invite_me)
    notes = []
    if not info.get("is_private"):
        notes.append(
            "This channel is public, so anyone can read what the bot posts here: wins, "
            "agendas, review summaries and the roadmap picture. For a private channel, end "
            "this pair and use `/mentor pair @mentor @mentee new`."
        )
    members = set(client.conversations_members(channel=channel, limit=1000)["members"])
    for person in (ask.mentor_id, ask.mentee_id):
        if person not in members:
            notes.append(f"<@{person}> isn't in this channel yet; invite them to see the wins.")
    return notes


def _new_private_channel(client: WebClient, names: list[str], ask: PairUp) -> str:
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
        client.conversations_invite(channel=channel, users=f"{ask.mentor_id},{ask.mentee_id}")
    except SlackApiError:
        _archive_quietly(client, channel)
        raise
    return str(channel)


def _archive_quietly(client: WebClient, channel: str) -> None:
    try:
        client.conversations_archive(channel=channel)
    except SlackApiError as error:
        logger.warning("could not archive", extra={"channel": channel, "error": slack_error(error)})


def _post_quietly(client: WebClient, channel: str, message: Message, *, what: str) -> str | None:
    """Post a message whose failure must not undo the change it reports; returns the error."""
    try:
        client.chat_postMessage(channel=channel, text=message["text"], blocks=message.get("blocks"))
    except SlackApiError as error:
        code = slack_error(error)
        logger.warning("post failed", extra={"what": what, "channel": channel, "error": code})
        return code
    return None


# Capturing


def finish(services: Services, client: WebClient, result: Captured, viewer: str) -> Message:
    """The reply to a capture: a pair chooser, a goal confirmation (with coaching), or a win
    (announced); the pair's Homes are redrawn when something was saved."""
    if isinstance(result, NeedsPair):
        return blocks.pair_chooser(result)
    if isinstance(result, GoalAdded):
        goal = result.goal
        coaching = coach(goal.text, goal.due_on, services.clock().date())
        reply = blocks.goal_added(goal, result.pair, viewer, coaching)
    else:
        reply = blocks.win_logged(result, announce(services, client, result))
    refresh_homes(services, client, result.pair.id)
    return reply


def announce(services: Services, client: WebClient, logged: WinLogged) -> str | None:
    """Tell the mentor in the shared channel; remember the post (or why it failed)."""
    channel = logged.pair.channel_id
    announcement = blocks.win_announcement(logged)
    try:
        posted = client.chat_postMessage(
            channel=channel, text=announcement["text"], blocks=announcement["blocks"]
        )
    except SlackApiError as error:
        code = slack_error(error)
        logger.warning("win not posted", extra={"win": logged.win.id, "error": code})
        wins.record_announcement(services.engine, logged.win.id, None, code)
        return code
    wins.record_announcement(services.engine, logged.win.id, posted["ts"], None)
    logger.info("win posted", extra={"win": logged.win.id, "channel": channel})
    return None


# Direct messages


def direct_message(
    services: Services, client: WebClient, event_id: str, event: dict[str, Any]
) -> Message | None:
    """Apply a DM once (see mentoring.inbox); None when another delivery already did."""
    actor = services.actor(event["user"])
    text = from_slack(event.get("text"))
    now = services.clock()
    parsed = parse_direct_message(text)
    if isinstance(parsed, DirectMessage) and parsed.kind == Kind.NOTE:
        filed = inbox.apply_reply(
            services.engine, event_id, actor, event["channel"], event.get("thread_ts"), text, now
        )
        if isinstance(filed, inbox.Duplicate):
            return None
        if isinstance(filed, inbox.Refused):
            return blocks.refusal(str(filed.error))
        if isinstance(filed, ReviewReplyFiled):
            return review_blocks.review_reply_filed(filed)
        if filed is not None:
            refresh_homes(services, client, filed.pair.id)
            return meeting_blocks.reply_filed(filed)
    if isinstance(parsed, Help):
        claimed = inbox.claim_delivery(services.engine, event_id, now, "help")
        return blocks.help_message() if claimed else None
    target = Target(with_user=parsed.with_user)
    outcome = inbox.apply_message(
        services.engine, event_id, actor, parsed.kind, parsed.text, target, now
    )
    match outcome:
        case inbox.Duplicate():
            logger.info("duplicate delivery", extra={"event_id": event_id})
            return None
        case inbox.Kept(draft_id=draft_id):
            return blocks.note_prompt(draft_id, parsed.text)
        case inbox.Refused(error=error):
            return blocks.refusal(str(error))
    return finish(services, client, outcome, actor.user_id)


def channel_reply(
    services: Services, client: WebClient, event_id: str, event: dict[str, Any]
) -> Message | None:
    """A reply in a thread of the pair's channel: an action item when it answers the
    follow-up prompt; anything else is left alone."""
    actor = services.actor(event["user"])
    filed = inbox.apply_reply(
        services.engine,
        event_id,
        actor,
        event["channel"],
        event["thread_ts"],
        from_slack(event.get("text")),
        services.clock(),
        in_channel=True,
    )
    if filed is None:
        inbox.claim_delivery(services.engine, event_id, services.clock(), "not a reply to a prompt")
        return None
    if isinstance(filed, inbox.Duplicate):
        return None
    if isinstance(filed, inbox.Refused):
        return blocks.refusal(str(filed.error))
    refresh_homes(services, client, filed.pair.id)
    return meeting_blocks.reply_filed(filed)


# Buttons


OUT_OF_DATE = "That button is out of date; run the command again."


def _ids(value: str, count: int) -> list[int]:
    """Exactly `count` ids separated by ":" (button values are ours, but arrive from outside)."""
    parts = value.split(":")
    if len(parts) != count or not all(part.isdigit() for part in parts):
        raise InvalidInput(OUT_OF_DATE)
    return [int(part) for part in parts]


def _save_note(
    services: Services, client: WebClient, user_id: str, value: str, kind: Kind
) -> Message:
    (draft_id,) = _ids(value, 1)
    actor = services.actor(user_id)
    result = capture.use_draft(services.engine, actor, draft_id, services.clock(), kind=kind)
    return finish(services, client, result, user_id)


def save_note_as_win(services: Services, client: WebClient, user_id: str, value: str) -> Message:
    return _save_note(services, client, user_id, value, Kind.WIN)


def save_note_as_goal(services: Services, client: WebClient, user_id: str, value: str) -> Message:
    return _save_note(services, client, user_id, value, Kind.GOAL)


def choose_pair(services: Services, client: WebClient, user_id: str, value: str) -> Message:
    draft_id, pair_id = _ids(value, 2)
    actor = services.actor(user_id)
    result = capture.use_draft(services.engine, actor, draft_id, services.clock(), pair_id=pair_id)
    return finish(services, client, result, user_id)


def discard_note(services: Services, client: WebClient, user_id: str, value: str) -> Message:
    (draft_id,) = _ids(value, 1)
    capture.discard_draft(services.engine, services.actor(user_id), draft_id, services.clock())
    return blocks.note_dismissed()


def undo_goal_status(services: Services, client: WebClient, user_id: str, value: str) -> Message:
    parts = value.split(":")
    if len(parts) != 3 or not parts[0].isdigit():
        raise InvalidInput(OUT_OF_DATE)
    try:
        statuses = GoalStatus(parts[1]), GoalStatus(parts[2])
    except ValueError as error:
        raise InvalidInput(OUT_OF_DATE) from error
    goal_id = int(parts[0])
    changed = goals.revert_goal_status(
        services.engine, services.actor(user_id), goal_id, *statuses, services.clock()
    )
    refresh_homes(services, client, changed.pair.id)
    return blocks.goal_changed(changed)


def undo_win(services: Services, client: WebClient, user_id: str, value: str) -> Message:
    (win_id,) = _ids(value, 1)
    removed = wins.take_back_win(services.engine, services.actor(user_id), win_id)
    posted = removed.announce_ts is not None and removed.announce_channel is not None
    if posted:
        try:
            client.chat_delete(channel=removed.announce_channel, ts=removed.announce_ts)
        except SlackApiError as error:
            logger.warning("win post not deleted", extra={"error": slack_error(error)})
    refresh_homes(services, client, removed.pair_id)
    return blocks.win_removed(posted)


def repost_win(services: Services, client: WebClient, user_id: str, value: str) -> Message:
    (win_id,) = _ids(value, 1)
    logged = wins.win_to_repost(services.engine, services.actor(user_id), win_id)
    return blocks.win_logged(logged, announce(services, client, logged))


def keep_pair(services: Services, client: WebClient, user_id: str, value: str) -> Message:
    return blocks.pair_kept()


def end_pair(services: Services, client: WebClient, user_id: str, value: str) -> Message:
    (pair_id,) = _ids(value, 1)
    ended = pairs.end_pair(services.engine, services.actor(user_id), pair_id, services.clock())
    notice = blocks.pair_ended(ended, user_id)
    _post_quietly(client, ended.channel_id, notice, what="pair ended")
    refresh_homes(services, client, ended.id)
    return notice


def open_goal_editor(
    services: Services, client: WebClient, user_id: str, value: str, trigger_id: str
) -> None:
    """ "Make it specific": the goal editor, prefilled (trigger ids last 3 seconds, so this
    runs straight after the ack)."""
    (goal_id,) = _ids(value, 1)
    goal = goals.goal_of(services.engine, services.actor(user_id), goal_id)
    coaching = coach(goal.text, goal.due_on, services.clock().date())
    client.views_open(trigger_id=trigger_id, view=blocks.goal_editor(goal, coaching))


def save_goal_edit(
    services: Services, client: WebClient, user_id: str, goal_id: int, edit: GoalText
) -> Message:
    goal = goals.edit_goal(services.engine, services.actor(user_id), goal_id, edit)
    refresh_homes(services, client, goal.pair_id)
    return blocks.goal_edited(goal, coach(goal.text, goal.due_on, services.clock().date()))


def mark_milestone_done(services: Services, client: WebClient, user_id: str, value: str) -> Message:
    (milestone_id,) = _ids(value, 1)
    done = milestones.set_milestone_done(
        services.engine, services.actor(user_id), milestone_id, True, services.clock()
    )
    refresh_homes(services, client, done.pair_id)
    return blocks.milestone_changed(done)


def undo_milestone(services: Services, client: WebClient, user_id: str, value: str) -> Message:
    (milestone_id,) = _ids(value, 1)
    reopened = milestones.set_milestone_done(
        services.engine, services.actor(user_id), milestone_id, False, services.clock()
    )
    refresh_homes(services, client, reopened.pair_id)
    return blocks.milestone_changed(reopened)


def unskip_meeting(services: Services, client: WebClient, user_id: str, value: str) -> Message:
    (meeting_id,) = _ids(value, 1)
    meeting = schedule.unskip(
        services.engine, services.actor(user_id), meeting_id, services.clock()
    )
    refresh_homes(services, client, meeting.pair_id)
    return meeting_blocks.meeting_unskipped(meeting, _viewer_zone(client, user_id) or "UTC")


def reopen_action(services: Services, client: WebClient, user_id: str, value: str) -> Message:
    (action_id,) = _ids(value, 1)
    action = agenda.reopen_action(services.engine, services.actor(user_id), action_id)
    refresh_homes(services, client, action.pair_id)
    return meeting_blocks.action_reopened(action)


# App Home


def publish_home(services: Services, client: WebClient, user_id: str) -> None:
    _publish_home(services.engine, services.clock, client, user_id)


def _publish_home(engine: Engine, clock: Clock, client: WebClient, user_id: str) -> None:
    boards = dashboard.dashboard(engine, user_id, clock())
    client.views_publish(user_id=user_id, view=home_blocks.build_home(boards))


def refresh_homes(services: Services, client: WebClient, pair_id: int) -> None:
    """Redraw the Home of both members of a pair after a change to it."""
    redraw_homes(services.engine, services.clock, client, pair_id)


def redraw_homes(engine: Engine, clock: Clock, client: WebClient, pair_id: int) -> None:
    """Redraw the Home of both members of a pair (after a flow, or the dispatcher, changed
    it). Never raises: the change is already saved, the person has their answer coming, and
    the Home is drawn afresh whenever it is opened — so a failure is logged, not reported."""
    try:
        members = pairs.members(engine, pair_id)
    except Exception:
        logger.exception("home not redrawn", extra={"pair": pair_id})
        return
    for user_id in members:
        try:
            _publish_home(engine, clock, client, user_id)
        except SlackApiError as error:
            code = slack_error(error)
            logger.warning("home not redrawn", extra={"user": user_id, "error": code})
        except Exception:  # a dropped connection, a database error: the next opening redraws it
            logger.exception("home not redrawn", extra={"user": user_id})


# The Home's forms

FORM_CAPTURES = {Form.GOAL: Kind.GOAL, Form.WIN: Kind.WIN}


def open_form(
    services: Services,
    client: WebClient,
    user_id: str,
    form: Form,
    target: Target,
    trigger_id: str,
) -> Message | None:
    """Open a form for the pair `target` means (trigger ids last 3 seconds, so this runs
    straight after the ack); someone in several pairs is asked which one first."""
    actor = services.actor(user_id)
    try:
        context = dashboard.form_context(services.engine, actor, target, FORM_CAPTURES.get(form))
    except AmbiguousPair as ambiguous:
        return home_blocks.form_chooser(form, ambiguous.choices)
    client.views_open(trigger_id=trigger_id, view=home_blocks.form_view(form, context))
    return None


def open_pair_form(
    services: Services, client: WebClient, user_id: str, form: str, value: str, trigger_id: str
) -> Message | None:
    """A Home button (or a chooser's): the form for the pair whose id is the button's value."""
    (pair_id,) = _ids(value, 1)
    target = Target(pair_id=pair_id)
    return open_form(services, client, user_id, Form(form), target, trigger_id)


def save_goal_form(
    services: Services, client: WebClient, user_id: str, pair_id: int, goal: GoalText
) -> Message:
    actor = services.actor(user_id)
    added = capture.capture_form(services.engine, actor, pair_id, goal, services.clock())
    return finish(services, client, added, user_id)


def save_win_form(
    services: Services, client: WebClient, user_id: str, pair_id: int, win: wins.WinText
) -> Message:
    actor = services.actor(user_id)
    logged = capture.capture_form(services.engine, actor, pair_id, win, services.clock())
    return finish(services, client, logged, user_id)


def save_milestone_form(
    services: Services,
    client: WebClient,
    user_id: str,
    pair_id: int,
    goal_number: int,
    step: MilestoneText,
) -> Message:
    actor, target = services.actor(user_id), Target(pair_id=pair_id)
    added = milestones.add_step(services.engine, actor, target, goal_number, step, services.clock())
    return _milestone_added(services, client, added)


def save_milestone_done_form(
    services: Services,
    client: WebClient,
    user_id: str,
    pair_id: int,
    goal_number: int,
    number: int,
) -> Message:
    """Looked up by its label within the form's pair, so only that pair's milestones count."""
    actor, target = services.actor(user_id), Target(pair_id=pair_id)
    done = milestones.complete_milestone(
        services.engine, actor, target, goal_number, number, services.clock()
    )
    refresh_homes(services, client, done.pair_id)
    return blocks.milestone_changed(done)


def save_agenda_form(
    services: Services, client: WebClient, user_id: str, pair_id: int, text: str
) -> Message:
    actor, target = services.actor(user_id), Target(pair_id=pair_id)
    added = agenda.add_agenda_item(services.engine, actor, target, text, services.clock())
    refresh_homes(services, client, added.pair.id)
    return meeting_blocks.agenda_added(added, _viewer_zone(client, user_id))


def _milestone_added(services: Services, client: WebClient, added: milestones.Roadmap) -> Message:
    refresh_homes(services, client, added.pair.id)
    note = f"Added milestone {added.milestones[-1].label}."
    return blocks.roadmap_message(added, services.clock().date(), note)

"""The Slack app manifest: paste it at api.slack.com/apps → Create New App → From a manifest."""

from __future__ import annotations

from typing import Any

COMMANDS = (
    (
        "/goal",
        "Set, list and close your mentorship goals",
        "[goal text by <date>] | list | done <n> | roadmap",
    ),
    ("/win", "Log a win and share it with your mentor", "<what happened> [#goal] [worked: …]"),
    (
        "/agenda",
        "The next session's agenda and action items",
        "[add <topic> | action <what> [for @person] | done <n>]",
    ),
    ("/review", "A review: the last summary, past ones, or start one", "[now | history]"),
    (
        "/mentor",
        "Pair up, set the meeting rhythm, see or end a mentorship",
        "pair @mentor @mentee [new] | schedule weekly tue 15:00 | skip | pause until <date> "
        "| resume | review every 4 weeks | status | end",
    ),
)

BOT_SCOPES = (
    "commands",  # the five slash commands
    "chat:write",  # post wins in the shared channel and replies in DMs
    "im:history",  # read DMs people send the bot (message.im)
    "im:write",  # open a person's DM to look for a scheduled post whose outcome was uncertain
    "users:read",  # check that the people paired are people
    "channels:read",  # check the shared channel (public) and who is in it
    "groups:read",  # the same for private channels
    "groups:write",  # create a private channel for a new pair and invite both people
    "channels:history",  # replies in the thread of the follow-up prompt (public channels)
    "groups:history",  # the same in private channels; and finding a prompt already posted
    "files:write",  # post the roadmap picture in the shared channel
)

# message.channels / message.groups: replies in the thread of "what will you act on?" become
# action items (only in channels the bot is a member of).
BOT_EVENTS = ("message.im", "message.channels", "message.groups", "app_home_opened")


def build_manifest(request_url: str | None = None, name: str = "Mentorbot") -> dict[str, Any]:
    """Socket Mode by default; with `request_url` (https://host), HTTP mode at /slack/events."""
    # Imported here: BOT_SCOPES is read by the fake Slack, and bot.web brings Bolt, SQLAlchemy
    # and waitress with it.
    from bot.web import EVENTS_PATH

    endpoint = f"{request_url.rstrip('/')}{EVENTS_PATH}" if request_url else None
    commands = []
    for command, description, usage in COMMANDS:
        entry: dict[str, Any] = {
            "command": command,
            "description": description,
            "should_escape": True,
        }
        if usage:
            entry["usage_hint"] = usage
        if endpoint:
            entry["url"] = endpoint
        commands.append(entry)
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if endpoint:
        events["request_url"] = endpoint
        interactivity["request_url"] = endpoint
    return {
        "display_information": {
            "name": name,
            "description": "Goals, wins and reviews for mentor–mentee pairs, in Slack.",
            "background_color": "#2c4a3e",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": endpoint is None,
            "token_rotation_enabled": False,
        },
    }

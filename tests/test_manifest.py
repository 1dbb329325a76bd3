"""The app manifest people paste into Slack."""

import subprocess
import sys

import yaml

from bot.manifest import build_manifest


def test_socket_mode_manifest_has_the_five_escaped_commands_and_events() -> None:
    """Five commands with should_escape, bot events, interactivity, Socket Mode on."""
    manifest = build_manifest()
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/goal", "/win", "/agenda", "/review", "/mentor"]
    assert all(c["should_escape"] is True and "url" not in c for c in commands)
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == [
        "message.im",
        "message.channels",
        "message.groups",
        "app_home_opened",
    ]
    assert settings["interactivity"] == {"is_enabled": True}
    needed = {"commands", "chat:write", "im:history", "users:read"}
    needed |= {"im:write"}  # conversations.open: a DM's history when a post's outcome is unknown
    needed |= {"channels:history", "groups:history"}  # replies to the follow-up, history checks
    needed |= {"files:write"}  # the roadmap picture
    assert needed <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_http_manifest_points_everything_at_slack_events() -> None:
    """With a request URL, commands, events and interactivity all use /slack/events."""
    manifest = build_manifest("https://mentorbot.example.com/")
    url = "https://mentorbot.example.com/slack/events"
    assert {c["url"] for c in manifest["features"]["slash_commands"]} == {url}
    assert manifest["settings"]["event_subscriptions"]["request_url"] == url
    assert manifest["settings"]["interactivity"]["request_url"] == url
    assert manifest["settings"]["socket_mode_enabled"] is False


def test_the_cli_prints_yaml_that_round_trips() -> None:
    """`python -m bot manifest` prints YAML equal to the manifest, needing no settings."""
    printed = subprocess.run(
        [sys.executable, "-m", "bot", "manifest"],
        capture_output=True,
        text=True,
        check=True,
        env={},
    ).stdout
    assert yaml.safe_load(printed) == build_manifest()
    assert "mentor–mentee" in printed


def test_reading_the_scopes_loads_no_web_stack() -> None:
    """Importing bot.manifest (the fake Slack reads BOT_SCOPES) loads no Bolt, SQL or server."""
    code = "import sys, bot.manifest; print(' '.join({m.split('.')[0] for m in sys.modules}))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "bot" in loaded
    assert not {"slack_bolt", "slack_sdk", "sqlalchemy", "waitress", "storage"} & set(loaded)

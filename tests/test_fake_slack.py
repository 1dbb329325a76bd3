"""Tests for the fake Slack server and the Block Kit validator it relies on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.models.metadata import Metadata
from slack_sdk.webhook import WebhookClient

from bot.manifest import BOT_SCOPES
from fakeslack import METHOD_SCOPES, FakeSlack, validate_message, validate_view
from fakeslack.methods import METHODS
from fakeslack.scopes import CONVERSATION_TYPES

TOKEN = "xoxb-test-token"
# Every scope some method needs: the fake's own tests use public channels the app never does.
EVERY_SCOPE = sorted(
    {scope for s in METHOD_SCOPES.values() if s for scope in ((s,) if isinstance(s, str) else s)}
)
SPECS = Path(__file__).resolve().parents[2] / "shared" / "slack-specs"
# Some tests omit `text` on purpose; slack_sdk warns about that client-side.
allow_missing_text = pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")


def section(text: str = "hello", **extra: Any) -> dict[str, Any]:
    """A mrkdwn section block."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def plain(text: str) -> dict[str, str]:
    """A plain_text object."""
    return {"type": "plain_text", "text": text}


def button(text: str = "Go", action_id: str = "go", **extra: Any) -> dict[str, Any]:
    """A button element."""
    return {"type": "button", "text": plain(text), "action_id": action_id, **extra}


def option(value: str, text: str | None = None) -> dict[str, Any]:
    """An option object."""
    return {"text": plain(text or value), "value": value}


def select(options: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A static_select element."""
    return {"type": "static_select", "action_id": "pick", "options": options, **extra}


ACTIONS_WITH_GO_BUTTON = {"type": "actions", "elements": [button()]}


def modal(blocks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A modal view with a title."""
    return {"type": "modal", "title": plain("Goals"), "blocks": blocks, **extra}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """A running fake with two users, a public, a private and an archived channel."""
    with FakeSlack(scopes=EVERY_SCOPE) as server:
        server.add_user("U1", "alice", tz="Europe/Paris", tz_offset=3600, real_name="Alice A")
        server.add_user("U2", "bob")
        server.add_channel("C1", "general", members=["U1"])
        server.add_channel("CPRIV", "secret", is_private=True, bot_is_member=False)
        server.add_channel("COLD", "old", is_archived=True)
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    """A real slack_sdk WebClient pointed at the fake."""
    return WebClient(token=TOKEN, base_url=fake.base_url)


def slack_error(call: Callable[[], Any]) -> SlackApiError:
    """Run `call`, which must raise SlackApiError, and return the error."""
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value


def error_of(call: Callable[[], Any]) -> str:
    """Run `call`, which must raise SlackApiError, and return Slack's error code."""
    return slack_error(call).response["error"]


# -- blockkit.validate_message ---------------------------------------------------------------


def test_validate_message_accepts_rich_valid_message() -> None:
    """A message using every supported block and common elements has no problems."""
    blocks = [
        {"type": "header", "text": plain("Weekly check-in")},
        section("*Goals*", block_id="goals", accessory=button(style="primary")),
        {"type": "section", "fields": [plain("a"), {"type": "mrkdwn", "text": "*b*"}]},
        {"type": "divider"},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "by <@U1>"},
                {"type": "image", "image_url": "https://x/y.png", "alt_text": "avatar"},
            ],
        },
        {
            "type": "actions",
            "elements": [
                button("Done", "done", value="1"),
                {
                    "type": "static_select",
                    "action_id": "pick",
                    "placeholder": plain("Pick"),
                    "options": [option("a"), option("b")],
                    "initial_option": option("b"),
                },
                {"type": "overflow", "action_id": "more", "options": [option("x")]},
                {"type": "datepicker", "action_id": "when", "initial_date": "2024-02-29"},
                {"type": "users_select", "action_id": "who"},
            ],
        },
        {"type": "image", "image_url": "https://x/chart.png", "alt_text": "chart"},
        {"type": "rich_text", "elements": []},
    ]
    assert validate_message({"text": "Weekly check-in", "blocks": blocks}) == []


def test_validate_message_accepts_plain_text_only() -> None:
    """A text-only message is valid."""
    assert validate_message({"text": "hi"}) == []


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"blocks": [section()]}, "text: a non-blank fallback is required"),
        ({"text": "  ", "blocks": [section()]}, "text: a non-blank fallback is required"),
        ({}, "text: required when there are no blocks"),
        ({"text": "x" * 40_001}, "text: 40001 chars > 40000"),
        ({"text": "t", "blocks": [section()] * 51}, "blocks: 51 blocks > 50"),
        (
            {"text": "t", "blocks": [section(block_id="a"), section(block_id="a")]},
            "block_id 'a' is used more than once in the message",
        ),
        (
            {"text": "t", "blocks": [section(accessory=button()), ACTIONS_WITH_GO_BUTTON]},
            "action_id 'go' is used more than once in the message",
        ),
    ],
)
def test_validate_message_reports_message_problem(payload: dict[str, Any], expected: str) -> None:
    """Each message-level rule violation is reported with its location."""
    problems = validate_message(payload)
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (section("x" * 3001), "blocks[0].text: 3001 chars > 3000"),
        (section(""), "blocks[0].text: 0 chars < 1"),
        (section(block_id="x" * 256), "blocks[0].block_id: 256 chars > 255"),
        ({"type": "section"}, "blocks[0]: a section needs text or fields"),
        ({"type": "section", "fields": [plain("f")] * 11}, "blocks[0].fields: 11 fields > 10"),
        (
            {"type": "section", "fields": [plain("f" * 2001)]},
            "blocks[0].fields[0]: 2001 chars > 2000",
        ),
        (
            {"type": "section", "text": {"type": "markdown", "text": "x"}},
            "blocks[0].text.type: 'markdown' is not 'plain_text' or 'mrkdwn'",
        ),
        ({"type": "header", "text": plain("x" * 151)}, "blocks[0].text: 151 chars > 150"),
        (
            {"type": "header", "text": {"type": "mrkdwn", "text": "h"}},
            "blocks[0].text: must be plain_text, not mrkdwn",
        ),
        (
            {"type": "header", "text": {"type": "plain_text", "text": 5}},
            "blocks[0].text.text: must be a string",
        ),
        (
            {"type": "context", "elements": [plain("c")] * 11},
            "blocks[0].elements: 11 elements > 10",
        ),
        (
            {"type": "context", "elements": [{"type": "image"}]},
            "blocks[0].elements[0].image_url: must be a string",
        ),
        ({"type": "actions", "elements": []}, "blocks[0].elements: 0 elements < 1"),
        (
            {"type": "actions", "elements": [button(action_id=f"b{i}") for i in range(26)]},
            "blocks[0].elements: 26 elements > 25",
        ),
        ({"type": "video"}, "blocks[0].type: unknown block type 'video'"),
    ],
)
def test_validate_message_reports_block_problem(block: dict[str, Any], expected: str) -> None:
    """Each block rule violation is reported under blocks[i]."""
    problems = validate_message({"text": "t", "blocks": [block]})
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        (button("x" * 76), ".text: 76 chars > 75"),
        (button(style="green"), ".style: 'green' is not 'primary' or 'danger'"),
        (button(value="v" * 2001), ".value: 2001 chars > 2000"),
        (button(url="https://x/" + "u" * 3000), ".url: 3010 chars > 3000"),
        (button(confirm={"title": plain("x" * 101)}), ".confirm.title: 101 chars > 100"),
        (button(confirm={"text": plain("x" * 301)}), ".confirm.text: 301 chars > 300"),
        (button(confirm={"confirm": plain("x" * 31)}), ".confirm.confirm: 31 chars > 30"),
        (button(confirm={"deny": plain("x" * 31)}), ".confirm.deny: 31 chars > 30"),
        (button(action_id="a" * 256), ".action_id: 256 chars > 255"),
        ({"type": "slider"}, ".type: unknown element type 'slider'"),
        ({"type": "plain_text_input"}, ".type: plain_text_input elements are not allowed here"),
        (select([option(str(i)) for i in range(101)]), ".options: 101 options > 100"),
        (select([option("a", "x" * 76)]), ".options[0].text: 76 chars > 75"),
        (select([option("b" * 151)]), ".options[0].value: 151 chars > 150"),
        (select([option("a")], placeholder=plain("p" * 151)), ".placeholder: 151 chars > 150"),
        (
            select([option("a")], initial_option=option("z")),
            ": initial option 'z' is not one of the options",
        ),
        (
            {"type": "datepicker", "initial_date": "2023-02-29"},
            ".initial_date: '2023-02-29' is not YYYY-MM-DD",
        ),
        (
            {"type": "overflow", "options": [option(str(i)) for i in range(6)]},
            ".options: 6 options > 5",
        ),
    ],
)
def test_validate_message_reports_element_problem(element: dict[str, Any], expected: str) -> None:
    """Each element rule violation is reported under the element's path."""
    problems = validate_message({"text": "t", "blocks": [section(accessory=element)]})
    assert any(p.startswith(f"blocks[0].accessory{expected}") for p in problems), problems


def test_validate_message_reports_every_problem() -> None:
    """Independent problems are all reported, not just the first."""
    payload = {
        "blocks": [section("x" * 3001), {"type": "header", "text": plain("h" * 151)}],
    }
    assert validate_message(payload) == [
        "text: a non-blank fallback is required when blocks are present",
        "blocks[0].text: 3001 chars > 3000",
        "blocks[1].text: 151 chars > 150",
    ]


# -- blockkit.validate_view ------------------------------------------------------------------


def test_validate_view_accepts_modal_and_home() -> None:
    """A modal with inputs and a submit, and a home tab, have no problems."""
    inputs = [
        {
            "type": "input",
            "block_id": "goal",
            "label": plain("Goal"),
            "element": {"type": "plain_text_input", "action_id": "v", "max_length": 3000},
            "hint": plain("One sentence"),
        },
        {
            "type": "input",
            "block_id": "due",
            "label": plain("Due"),
            "element": {"type": "datepicker", "action_id": "v"},
        },
    ]
    view = modal(inputs, submit=plain("Save"), close=plain("Cancel"), private_metadata="{}")
    assert validate_view(view) == []
    assert validate_view({"type": "home", "blocks": [section()], "callback_id": "home"}) == []


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ({"type": "workflow_step", "blocks": []}, "type: 'workflow_step' is not 'home' or 'modal'"),
        ({"type": "home", "blocks": [section()] * 101}, "blocks: 101 blocks > 100"),
        ({"type": "modal", "blocks": []}, "title: must be a text object"),
        (modal([], title=plain("t" * 25)), "title: 25 chars > 24"),
        (modal([], title={"type": "mrkdwn", "text": "t"}), "title: must be plain_text, not mrkdwn"),
        (modal([], submit=plain("s" * 25)), "submit: 25 chars > 24"),
        (modal([], close=plain("c" * 25)), "close: 25 chars > 24"),
        (modal([], private_metadata="m" * 3001), "private_metadata: 3001 chars > 3000"),
        (modal([], callback_id="c" * 256), "callback_id: 256 chars > 255"),
        (
            {
                "type": "home",
                "blocks": [
                    {"type": "input", "label": plain("l"), "element": {"type": "plain_text_input"}}
                ],
            },
            "blocks[0]: input blocks are only allowed in modals",
        ),
        (
            modal(
                [{"type": "input", "label": plain("l"), "element": {"type": "plain_text_input"}}]
            ),
            "submit: required when the modal has input blocks",
        ),
        (
            modal(
                [{"type": "input", "label": plain("l" * 2001), "element": {"type": "datepicker"}}],
                submit=plain("Save"),
            ),
            "blocks[0].label: 2001 chars > 2000",
        ),
        (
            modal([{"type": "input", "label": plain("l")}], submit=plain("Save")),
            "blocks[0].element: required",
        ),
        (
            modal(
                [
                    {
                        "type": "input",
                        "label": plain("l"),
                        "element": {"type": "plain_text_input", "max_length": 3001},
                    }
                ],
                submit=plain("Save"),
            ),
            "blocks[0].element.max_length: 3001 is not an integer in 0..3000",
        ),
        (
            modal(
                [
                    {
                        "type": "input",
                        "label": plain("l"),
                        "element": {"type": "plain_text_input", "initial_value": "v" * 3001},
                        "hint": plain("h" * 2001),
                    }
                ],
                submit=plain("Save"),
            ),
            "blocks[0].element.initial_value: 3001 chars > 3000",
        ),
        (
            modal([section(block_id="same"), section(block_id="same")]),
            "block_id 'same' is used more than once in the view",
        ),
    ],
)
def test_validate_view_reports_problem(view: dict[str, Any], expected: str) -> None:
    """Each broken view yields a problem naming where it is."""
    problems = validate_view(view)
    assert any(p.startswith(expected) for p in problems), problems


def test_validate_view_allows_same_action_id_in_different_blocks() -> None:
    """Views scope action_id uniqueness to a block, as Slack does."""
    blocks = [
        {
            "type": "input",
            "block_id": b,
            "label": plain(b),
            "element": {"type": "plain_text_input", "action_id": "v"},
        }
        for b in ("first", "second")
    ]
    assert validate_view(modal(blocks, submit=plain("Save"))) == []


# -- FakeSlack: messages ---------------------------------------------------------------------


def test_post_valid_blocks_is_stored_and_recorded(fake: FakeSlack, client: WebClient) -> None:
    """A valid chat.postMessage succeeds, is recorded with its args and stored in the channel."""
    blocks = [section("*Goal* set", block_id="g")]
    response = client.chat_postMessage(channel="C1", text="Goal set", blocks=blocks)

    assert response["ok"] is True
    assert response["channel"] == "C1"
    assert response["message"]["blocks"] == blocks
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    [call] = fake.calls_to("chat.postMessage")
    assert call.ok and call.error is None
    assert call.args == {"channel": "C1", "text": "Goal set", "blocks": blocks}
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    [stored] = fake.messages_in("C1")
    assert stored["ts"] == response["ts"]
    assert stored["text"] == "Goal set"
    assert stored["blocks"] == blocks
    assert stored["user"] == "UBOT"
    assert stored["thread_ts"] is None


def test_timestamps_strictly_increase(fake: FakeSlack, client: WebClient) -> None:
    """Message ts values are microsecond-style strings that strictly increase."""
    stamps = [client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(3)]
    assert stamps[0] == "1700000000.000100"
    assert [float(s) for s in stamps] == sorted({float(s) for s in stamps})
    reply = client.chat_postMessage(channel="C1", text="reply", thread_ts=stamps[0])
    assert fake.messages_in("C1")[-1]["thread_ts"] == stamps[0]
    assert float(reply["ts"]) > float(stamps[-1])


@allow_missing_text
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"text": "t", "blocks": [section()] * 51}, "invalid_blocks"),
        ({"text": "t", "blocks": [section("x" * 3001)]}, "invalid_blocks"),
        ({"text": "t", "blocks": [{"type": "header", "text": plain("h" * 151)}]}, "invalid_blocks"),
        ({"text": "t", "blocks": [section(accessory=button("b" * 76))]}, "invalid_blocks"),
        ({"blocks": [section()]}, "invalid_blocks"),
        ({}, "no_text"),
    ],
    ids=["51-blocks", "section-3001", "header-151", "button-76", "blocks-without-text", "empty"],
)
def test_post_invalid_message_is_rejected(
    fake: FakeSlack, client: WebClient, kwargs: dict[str, Any], error: str
) -> None:
    """Slack-like errors for invalid content; the call is recorded and nothing is stored."""
    e = slack_error(lambda: client.chat_postMessage(channel="C1", **kwargs))

    assert e.response["error"] == error
    if error == "invalid_blocks":
        assert e.response["errors"]
        assert e.response["response_metadata"]["messages"][0].startswith("[ERROR] ")
    [call] = fake.calls_to("chat.postMessage")
    assert (call.ok, call.error) == (False, error)
    assert fake.messages_in("C1") == []


@pytest.mark.parametrize(
    ("channel", "error"),
    [
        ("CNOPE", "channel_not_found"),
        ("CPRIV", "channel_not_found"),
        ("COLD", "is_archived"),
        ("CPUB", "not_in_channel"),
        ("UNOPE", "channel_not_found"),
    ],
)
def test_post_to_unreachable_channel_fails(
    fake: FakeSlack, client: WebClient, channel: str, error: str
) -> None:
    """Unknown, invisible private, archived and not-joined channels give Slack's errors."""
    fake.add_channel("CPUB", "public", bot_is_member=False)
    assert error_of(lambda: client.chat_postMessage(channel=channel, text="hi")) == error


def test_archive_and_remove_bot_change_post_outcome(fake: FakeSlack, client: WebClient) -> None:
    """archive() and remove_bot() affect later posts to a channel that used to work."""
    fake.add_channel("C2", "two")
    fake.add_channel("C3", "three")
    fake.archive("C2")
    fake.remove_bot("C3")
    assert error_of(lambda: client.chat_postMessage(channel="C2", text="x")) == "is_archived"
    assert error_of(lambda: client.chat_postMessage(channel="C3", text="x")) == "not_in_channel"


def test_dm_posts_always_accepted(fake: FakeSlack, client: WebClient) -> None:
    """conversations.open gives D<user>; posting there, or to the user id, lands in that DM."""
    dm = client.conversations_open(users="U1")["channel"]["id"]
    assert dm == "DU1"
    client.chat_postMessage(channel=dm, text="one")
    assert client.chat_postMessage(channel="U1", text="two")["channel"] == "DU1"
    assert [m["text"] for m in fake.messages_in("DU1")] == ["one", "two"]
    assert fake.messages_in("U1") == fake.messages_in("DU1")
    assert error_of(lambda: client.conversations_open(users="UNOPE")) == "user_not_found"


def test_delete_removes_the_message(fake: FakeSlack, client: WebClient) -> None:
    """chat.delete removes a stored message; deleting it again is message_not_found."""
    ts = client.chat_postMessage(channel="C1", text="v1")["ts"]
    client.chat_delete(channel="C1", ts=ts)
    assert fake.messages_in("C1") == []
    assert error_of(lambda: client.chat_delete(channel="C1", ts=ts)) == "message_not_found"


def test_form_encoded_and_query_args_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    """Form bodies with JSON-string blocks and GET query params reach handlers as args."""
    blocks = [section("form")]
    client.api_call(
        "chat.postMessage", params={"channel": "C1", "text": "f", "blocks": json.dumps(blocks)}
    )
    assert fake.messages_in("C1")[0]["blocks"] == blocks
    response = client.api_call("users.info", http_verb="GET", params={"user": "U1"})
    assert response["user"]["name"] == "alice"
    assert fake.calls_to("users.info")[0].args == {"user": "U1"}


# -- FakeSlack: users, conversations, auth ---------------------------------------------------


def test_auth_test_and_users_info(fake: FakeSlack, client: WebClient) -> None:
    """auth.test describes the bot; users.info returns the registered user or user_not_found."""
    auth = client.auth_test()
    assert (auth["user_id"], auth["bot_id"], auth["team_id"]) == ("UBOT", "BBOT", "T0001")
    user = client.users_info(user="U1")["user"]
    assert user["tz"] == "Europe/Paris"
    assert user["tz_offset"] == 3600
    assert user["profile"] == {"display_name": "alice", "real_name": "Alice A"}
    assert client.users_info(user="UBOT")["user"]["is_bot"] is True
    assert error_of(lambda: client.users_info(user="UNOPE")) == "user_not_found"


@pytest.mark.parametrize(("token", "error"), [("xoxb-wrong", "invalid_auth"), (None, "not_authed")])
def test_bad_or_missing_token_is_rejected(fake: FakeSlack, token: str | None, error: str) -> None:
    """A wrong bearer token gives invalid_auth, no Authorization header gives not_authed."""
    bad = WebClient(token=token, base_url=fake.base_url)
    assert error_of(lambda: bad.chat_postMessage(channel="C1", text="x")) == error
    assert fake.messages_in("C1") == []


def test_unknown_method(client: WebClient) -> None:
    """Methods the fake does not implement answer unknown_method."""
    assert error_of(lambda: client.api_call("reminders.add")) == "unknown_method"


def test_conversations_info_and_members(fake: FakeSlack, client: WebClient) -> None:
    """conversations.info/members return real shapes and hide private channels from outsiders."""
    info = client.conversations_info(channel="C1", include_num_members=True)["channel"]
    assert info["name"] == "general"
    assert (info["is_member"], info["is_private"], info["num_members"]) == (True, False, 2)
    assert "num_members" not in client.conversations_info(channel="C1")["channel"]
    assert client.conversations_info(channel="DU1")["channel"]["is_im"] is True
    members = client.conversations_members(channel="C1")
    assert members["members"] == ["U1", "UBOT"]
    assert members["response_metadata"]["next_cursor"] == ""
    for call in (client.conversations_info, client.conversations_members):
        for channel in ("CPRIV", "CNOPE"):
            assert error_of(lambda c=call, ch=channel: c(channel=ch)) == "channel_not_found"


def test_conversations_create(fake: FakeSlack, client: WebClient) -> None:
    """conversations.create makes a channel the bot created and joined, enforcing name rules."""
    created = client.conversations_create(name="pair-alice_bob", is_private=True)["channel"]
    assert created["id"].startswith("C")
    assert (created["is_private"], created["is_member"], created["creator"]) == (
        True,
        True,
        "UBOT",
    )
    assert client.conversations_members(channel=created["id"])["members"] == ["UBOT"]
    for name, error in [
        ("general", "name_taken"),
        ("pair-alice_bob", "name_taken"),
        ("Has Caps", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("", "invalid_name_required"),
    ]:
        assert error_of(lambda n=name: client.conversations_create(name=n)) == error, name


def test_conversations_invite(fake: FakeSlack, client: WebClient) -> None:
    """conversations.invite adds new members and reports Slack's errors."""
    fake.add_channel("CPUB", "public", bot_is_member=False)
    client.conversations_invite(channel="C1", users="U1,U2")
    assert client.conversations_members(channel="C1")["members"] == ["U1", "UBOT", "U2"]
    for channel, users, error in [
        ("C1", "U1,U2", "already_in_channel"),
        ("C1", "UBOT", "cant_invite_self"),
        ("C1", "UNOPE", "user_not_found"),
        ("CNOPE", "U1", "channel_not_found"),
        ("CPUB", "U1", "not_in_channel"),
        ("COLD", "U1", "is_archived"),
    ]:
        assert (
            error_of(lambda c=channel, u=users: client.conversations_invite(channel=c, users=u))
            == error
        ), (channel, users)


def test_conversations_archive(fake: FakeSlack, client: WebClient) -> None:
    """conversations.archive archives a channel the bot is in; posts then answer is_archived."""
    fake.add_channel("CGEN", "town-square", is_general=True)
    fake.add_channel("CPUB", "public", bot_is_member=False)
    assert client.conversations_archive(channel="C1").data == {"ok": True}
    assert client.conversations_info(channel="C1")["channel"]["is_archived"] is True
    assert error_of(lambda: client.chat_postMessage(channel="C1", text="x")) == "is_archived"
    for channel, error in [
        ("C1", "already_archived"),
        ("CGEN", "cant_archive_general"),
        ("CPUB", "not_in_channel"),
        ("CNOPE", "channel_not_found"),
        ("CPRIV", "channel_not_found"),
        ("DU1", "method_not_supported_for_channel_type"),
    ]:
        assert error_of(lambda c=channel: client.conversations_archive(channel=c)) == error


# -- FakeSlack: scopes ----------------------------------------------------------------------


def test_a_missing_scope_is_refused_as_slack_refuses_it() -> None:
    """A call without its scope answers HTTP 200 missing_scope, naming needed and provided;
    a per-type scope follows the conversation; by default the manifest's scopes are granted."""
    assert FakeSlack().scopes == BOT_SCOPES
    with FakeSlack(scopes=["chat:write", "groups:history"]) as fake:
        fake.add_user("U1", "alice")
        fake.add_channel("CPRIV", "secret", is_private=True)
        client = WebClient(token=TOKEN, base_url=fake.base_url)
        e = slack_error(lambda: client.conversations_history(channel="DU1"))
        assert (e.response.status_code, e.response.data) == (
            200,
            {
                "ok": False,
                "error": "missing_scope",
                "needed": "im:history",
                "provided": "chat:write,groups:history",
            },
        )
        assert client.conversations_history(channel="CPRIV")["ok"] is True
        for call, needed in [
            (lambda: client.conversations_open(users="U1"), "im:write"),
            (lambda: client.conversations_create(name="a", is_private=True), "groups:write"),
            (lambda: client.conversations_create(name="b"), "channels:manage"),
            (lambda: client.conversations_archive(channel="CPRIV"), "groups:write"),
            (lambda: client.users_info(user="U1"), "users:read"),
            (lambda: client.files_getUploadURLExternal(filename="a", length=1), "files:write"),
        ]:
            assert slack_error(call).response["needed"] == needed
        assert client.auth_test()["ok"] and client.views_open(trigger_id="t", view=modal([]))
        assert client.chat_postMessage(channel="CPRIV", text="posted")["ok"] is True


def test_scope_table_agrees_with_slacks_specs() -> None:
    """Each method the fake answers needs the bot scopes Slack's specs give it."""
    if not SPECS.is_dir():
        pytest.skip(f"Slack's specs are not at {SPECS} (only beside a developer's checkout)")
    documented = json.loads((SPECS / "web_api_openapi.json").read_text())["methods"]
    supplement = json.loads((SPECS / "supplement.json").read_text())
    granular = supplement["classic_to_granular_bot_scopes"]
    assert supplement["conversation_scopes"]["order"] == list(CONVERSATION_TYPES)
    assert set(METHOD_SCOPES) == set(METHODS)
    for method, ours in METHOD_SCOPES.items():
        if method in documented:
            listed = documented[method]["scopes"]
        else:
            listed = supplement["methods"][method]["bot_scopes"]
        expected = tuple(dict.fromkeys(granular.get(s, s) for s in listed if s != "none"))
        table = () if ours is None else (ours,) if isinstance(ours, str) else ours
        assert table == expected, method


# -- FakeSlack: views ------------------------------------------------------------------------


def test_views_publish_validates_and_stores(fake: FakeSlack, client: WebClient) -> None:
    """views.publish rejects 101 blocks with invalid_arguments and returns an id when valid."""
    e = slack_error(
        lambda: client.views_publish(
            user_id="U1", view={"type": "home", "blocks": [section()] * 101}
        )
    )
    assert e.response["error"] == "invalid_arguments"
    assert e.response["response_metadata"]["messages"] == ["[ERROR] blocks: 101 blocks > 100"]

    view = client.views_publish(user_id="U1", view={"type": "home", "blocks": [section()]})["view"]
    assert view["id"].startswith("V")
    assert view["blocks"] == [section()]
    assert [c.ok for c in fake.calls_to("views.publish")] == [False, True]


def test_views_open_needs_a_trigger_and_a_modal(client: WebClient) -> None:
    """views.open needs a trigger_id and a modal view."""
    assert (
        error_of(lambda: client.views_open(trigger_id="", view=modal([section()])))
        == "invalid_trigger_id"
    )
    opened = client.views_open(trigger_id="1.2.abc", view=modal([section()]))["view"]
    assert opened["id"].startswith("V")
    assert (
        error_of(
            lambda: client.views_open(trigger_id="1.2.abc", view={"type": "home", "blocks": []})
        )
        == "invalid_arguments"
    )


# -- FakeSlack: response URLs ----------------------------------------------------------------


def test_response_url_validates_and_records(fake: FakeSlack) -> None:
    """Valid response_url posts answer 200 "ok" and are recorded; invalid ones answer 400."""
    webhook = WebhookClient(fake.response_url("cmd"))
    good = webhook.send(text="Saved", blocks=[section("Saved")], response_type="ephemeral")
    assert (good.status_code, good.body) == (200, "ok")
    bad = webhook.send(text="t", blocks=[section("x" * 3001)])
    assert (bad.status_code, bad.body) == (400, "invalid_blocks")
    empty = webhook.send_dict({"replace_original": True})
    assert (empty.status_code, empty.body) == (400, "no_text")
    deleted = webhook.send_dict({"delete_original": True})
    assert (deleted.status_code, deleted.body) == (200, "ok")
    WebhookClient(fake.response_url("other")).send(text="elsewhere")

    assert fake.responses("cmd") == [
        {"text": "Saved", "blocks": [section("Saved")], "response_type": "ephemeral"},
        {"delete_original": True},
    ]
    assert len(fake.responses()) == 3
    assert [c.error for c in fake.calls_to("respond:cmd")] == [
        None,
        "invalid_blocks",
        "no_text",
        None,
    ]
    assert len(fake.wait_for("respond:*", count=5)) == 5


# -- FakeSlack: file uploads -----------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def test_files_upload_v2_shares_the_bytes_in_the_channel(
    fake: FakeSlack, client: WebClient
) -> None:
    """The SDK's three steps land: one upload recorded with its bytes, one message with it."""
    response = client.files_upload_v2(
        channel="C1",
        file=PNG,
        filename="roadmap.png",
        title="Roadmap",
        alt_txt="A timeline",
        initial_comment="Our roadmap, <@U1>",
    )
    assert response["file"]["id"] == response["files"][0]["id"]
    assert [c.method for c in fake.calls] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    assert fake.calls_to("upload")[0].args == {"file_id": response["file"]["id"], "length": 264}
    [upload] = fake.uploads("C1")
    assert (upload.data, upload.filename, upload.title) == (PNG, "roadmap.png", "Roadmap")
    assert (upload.channels, upload.alt_txt) == (("C1",), "A timeline")
    assert upload.initial_comment == "Our roadmap, <@U1>"
    [shared] = fake.messages_in("C1")
    assert shared["text"] == "Our roadmap, <@U1>" and shared["files"][0]["name"] == "roadmap.png"
    assert fake.uploads("C2") == []


def test_upload_url_takes_the_bytes_once(fake: FakeSlack, client: WebClient) -> None:
    """The upload URL is served on the fake's own loopback port; a second POST is refused."""
    issued = client.files_getUploadURLExternal(filename="a.png", length=3)
    url = issued["upload_url"]
    assert url.startswith(fake.base_url.removesuffix("/api/"))
    assert (r := httpx.post(url, content=b"abc")).status_code == 200 and r.text == "OK - 3"
    assert httpx.post(url, content=b"abc").status_code == 404
    assert httpx.post(url.replace(issued["file_id"], "F404"), content=b"x").status_code == 404


@pytest.mark.parametrize(
    ("args", "problem"),
    [({"length": 3}, "filename"), ({"filename": "a.png"}, "length")],
)
def test_get_upload_url_needs_a_filename_and_a_length(
    client: WebClient, args: dict[str, Any], problem: str
) -> None:
    """files.getUploadURLExternal without either argument: invalid_arguments naming it."""
    e = slack_error(lambda: client.api_call("files.getUploadURLExternal", params=args))
    assert e.response["error"] == "invalid_arguments"
    assert problem in e.response["response_metadata"]["messages"][0]


def test_complete_upload_refuses_unknown_unsent_or_completed_files(
    fake: FakeSlack, client: WebClient
) -> None:
    """file_not_found for an id never issued, one whose bytes never came, one already shared."""
    unsent = client.files_getUploadURLExternal(filename="a.png", length=3)["file_id"]
    for file_id in ("F404", unsent):
        error = error_of(
            lambda file_id=file_id: client.files_completeUploadExternal(
                files=[{"id": file_id}], channel_id="C1"
            )
        )
        assert error == "file_not_found"
    done = client.files_upload_v2(channel="C1", content="x", filename="x.txt")["file"]["id"]
    again = error_of(
        lambda: client.files_completeUploadExternal(files=[{"id": done}], channel_id="C1")
    )
    assert again == "file_not_found"
    bad = error_of(lambda: client.api_call("files.completeUploadExternal", params={"files": "[]"}))
    assert bad == "invalid_arguments"
    assert len(fake.uploads()) == 1 and len(fake.messages_in("C1")) == 1


@pytest.mark.parametrize(
    ("channel", "error"),
    [
        ("CPUB", "not_in_channel"),
        ("COLD", "is_archived"),
        ("CPRIV", "channel_not_found"),
        ("CNOPE", "channel_not_found"),
    ],
)
def test_complete_upload_checks_the_channel_like_a_post(
    fake: FakeSlack, client: WebClient, channel: str, error: str
) -> None:
    """A channel the bot can't post in fails the upload; the file can still be shared later."""
    fake.add_channel("CPUB", "public", bot_is_member=False)
    e = slack_error(lambda: client.files_upload_v2(channel=channel, file=PNG, filename="r.png"))
    assert e.response["error"] == error
    assert fake.uploads() == [] and fake.messages_in(channel) == []
    [pending] = [c.args["file_id"] for c in fake.calls_to("upload")]
    client.files_completeUploadExternal(files=[{"id": pending}], channel_id="C1")
    assert [u.channels for u in fake.uploads()] == [("C1",)]


def test_failed_upload_step_shares_nothing_and_reset_forgets_uploads(
    fake: FakeSlack, client: WebClient
) -> None:
    """fail_next("upload") fails the byte transfer (an HTTP error, not a SlackApiError)."""
    fake.fail_next("upload", "storage_unavailable", status=503)
    with pytest.raises(OSError):
        client.files_upload_v2(channel="C1", file=PNG, filename="r.png")
    assert fake.calls_to("files.completeUploadExternal") == [] and fake.uploads() == []
    client.files_upload_v2(channel="C1", file=PNG, filename="r.png")
    assert len(fake.uploads("C1")) == 1
    fake.reset()
    assert fake.uploads() == [] and fake.messages_in("C1") == []


# -- FakeSlack: faults -----------------------------------------------------------------------


def test_ratelimit_is_retried_and_stored_once(fake: FakeSlack) -> None:
    """A 429 with Retry-After is retried by RateLimitErrorRetryHandler; one message is stored."""
    fake.fail_next("chat.postMessage", retry_after=0)
    client = WebClient(
        token=TOKEN, base_url=fake.base_url, retry_handlers=[RateLimitErrorRetryHandler()]
    )
    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert [(c.ok, c.error) for c in fake.calls_to("chat.postMessage")] == [
        (False, "ratelimited"),
        (True, None),
    ]
    assert len(fake.messages_in("C1")) == 1


def test_ratelimit_response_shape(fake: FakeSlack, client: WebClient) -> None:
    """Without a retry handler the 429 surfaces with Retry-After and error ratelimited."""
    fake.fail_next("chat.postMessage", retry_after=7)
    e = slack_error(lambda: client.chat_postMessage(channel="C1", text="hi"))
    assert e.response.status_code == 429
    assert e.response.headers["Retry-After"] == "7"
    assert e.response["error"] == "ratelimited"
    assert fake.messages_in("C1") == []


def test_server_error_stores_nothing(fake: FakeSlack, client: WebClient) -> None:
    """A 500 fault raises SlackApiError, is recorded as failed and has no side effect."""
    fake.fail_next("chat.postMessage", status=500)
    e = slack_error(lambda: client.chat_postMessage(channel="C1", text="hi"))
    assert e.response.status_code == 500
    assert e.response["error"] == "internal_error"
    assert fake.messages_in("C1") == []
    [call] = fake.calls_to("chat.postMessage")
    assert (call.ok, call.error) == (False, "internal_error")


def test_plain_error_fault_applies_times_then_clears(fake: FakeSlack, client: WebClient) -> None:
    """fail_next with an error and times=2 fails exactly two calls with HTTP 200 bodies."""
    fake.fail_next("users.info", "fatal_error", times=2)
    for _ in range(2):
        e = slack_error(lambda: client.users_info(user="U1"))
        assert (e.response.status_code, e.response["error"]) == (200, "fatal_error")
    assert client.users_info(user="U1")["ok"] is True
    assert client.auth_test()["ok"] is True


def test_response_url_fault(fake: FakeSlack) -> None:
    """fail_next on a response URL answers with that status and records nothing as accepted."""
    fake.fail_next("respond:cmd", "expired_url", status=404)
    response = WebhookClient(fake.response_url("cmd")).send(text="late")
    assert (response.status_code, response.body) == (404, "expired_url")
    assert fake.responses("cmd") == []


# -- FakeSlack: holding and waiting ----------------------------------------------------------


def post_in_thread(
    client: WebClient, results: list[Any]
) -> tuple[threading.Thread, threading.Event]:
    """Post to C1 from a new thread; `results` gets the outcome, then the Event is set."""
    done = threading.Event()

    def run() -> None:
        try:
            results.append(client.chat_postMessage(channel="C1", text="held"))
        except Exception as e:
            results.append(e)
        finally:
            done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, done


def test_hold_blocks_only_that_method(fake: FakeSlack, client: WebClient) -> None:
    """A held method waits for its Event while other methods keep being answered."""
    gate = fake.hold("chat.postMessage")
    results: list[Any] = []
    thread, done = post_in_thread(client, results)
    fake.wait_held("chat.postMessage")

    assert client.auth_test()["ok"] is True
    assert client.users_info(user="U1")["ok"] is True
    assert not done.is_set()
    assert fake.calls_to("chat.postMessage") == []
    assert fake.messages_in("C1") == []

    gate.set()
    assert done.wait(5)
    thread.join()
    assert results[0]["ok"] is True
    assert len(fake.wait_for("chat.postMessage")) == 1
    assert len(fake.messages_in("C1")) == 1


def test_stop_releases_held_requests() -> None:
    """stop() lets a held request finish instead of hanging its client."""
    server = FakeSlack().start()
    server.add_channel("C1", "general")
    gate = server.hold("chat.postMessage")
    results: list[Any] = []
    thread, done = post_in_thread(WebClient(token=TOKEN, base_url=server.base_url), results)
    server.wait_held("chat.postMessage")

    server.stop()

    assert gate.is_set()
    assert done.wait(5)
    thread.join()
    assert len(results) == 1


def test_wait_for_returns_once_enough_calls_arrive(fake: FakeSlack, client: WebClient) -> None:
    """wait_for blocks until the requested number of calls is recorded by other threads."""
    threads = [threading.Thread(target=client.auth_test) for _ in range(3)]
    for thread in threads:
        thread.start()
    calls = fake.wait_for("auth.test", count=3)
    for thread in threads:
        thread.join()
    assert [c.method for c in calls] == ["auth.test"] * 3


def test_wait_for_times_out_with_what_was_seen(fake: FakeSlack, client: WebClient) -> None:
    """wait_for raises AssertionError listing the methods seen so far on timeout."""
    client.auth_test()
    with pytest.raises(AssertionError, match=r"chat\.postMessage.*seen so far: auth\.test x1"):
        fake.wait_for("chat.postMessage", timeout=0.05)


def test_reset_calls_forgets_history(fake: FakeSlack, client: WebClient) -> None:
    """reset_calls clears recorded calls but keeps stored messages."""
    client.chat_postMessage(channel="C1", text="hi")
    fake.reset_calls()
    assert fake.calls == []
    assert len(fake.messages_in("C1")) == 1


def test_latency_delays_each_answer() -> None:
    """A configured latency is added before each answer."""
    with FakeSlack(latency=0.05) as server:
        client = WebClient(token=TOKEN, base_url=server.base_url)
        started = time.monotonic()
        client.auth_test()
        assert time.monotonic() - started >= 0.05


def test_keep_alive_connections_and_stop() -> None:
    """HTTP/1.1 keep-alive works (Content-Length always set) and stop() closes the server."""
    server = FakeSlack().start()
    url = server.base_url
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(headers=headers) as http:
        first = http.post(url + "auth.test", json={})
        second = http.post(url + "users.info", data={"user": "UBOT"})
        assert first.json()["ok"] and second.json()["user"]["is_bot"]
        assert first.headers["content-length"] == str(len(first.content))
        server.stop()
        with pytest.raises(httpx.TransportError):
            http.post(url + "auth.test", json={})


def test_concurrent_posts_get_unique_timestamps(fake: FakeSlack, client: WebClient) -> None:
    """Many simultaneous posts are all answered, stored once each, with distinct ts values."""
    threads = [
        threading.Thread(target=client.chat_postMessage, kwargs={"channel": "C1", "text": str(i)})
        for i in range(50)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = fake.messages_in("C1")
    assert len(stored) == 50
    assert len({m["ts"] for m in stored}) == 50
    assert len(fake.calls_to("chat.postMessage")) == 50


# -- FakeSlack: message metadata -------------------------------------------------------------


def checkin(delivery: str, **payload: Any) -> dict[str, Any]:
    """Message metadata for one scheduled check-in delivery."""
    return {"event_type": "checkin_due", "event_payload": {"delivery": delivery, **payload}}


def test_post_metadata_is_stored_and_returned(fake: FakeSlack, client: WebClient) -> None:
    """chat.postMessage keeps metadata (and thread_ts) on the stored and returned message."""
    parent = client.chat_postMessage(channel="C1", text="parent")["ts"]
    response = client.chat_postMessage(
        channel="C1", text="due", thread_ts=parent, metadata=checkin("d1", week=3)
    )
    assert response["message"]["metadata"] == checkin("d1", week=3)
    stored = fake.messages_in("C1")
    assert "metadata" not in stored[0]
    assert stored[1]["metadata"] == checkin("d1", week=3)
    assert stored[1]["thread_ts"] == parent
    sdk_object = Metadata(event_type="checkin_due", event_payload={"delivery": "d2"})
    client.chat_postMessage(channel="C1", text="due", metadata=sdk_object)
    assert fake.messages_in("C1")[-1]["metadata"] == checkin("d2")


def test_metadata_as_json_string_in_a_form_post(fake: FakeSlack, client: WebClient) -> None:
    """A URL-encoded JSON string of metadata, as the docs describe it, is parsed and stored."""
    params = {"channel": "C1", "text": "due", "metadata": json.dumps(checkin("d1"))}
    client.api_call("chat.postMessage", params=params)
    assert fake.messages_in("C1")[0]["metadata"] == checkin("d1")


def test_post_to_user_id_stores_metadata_in_the_dm(fake: FakeSlack, client: WebClient) -> None:
    """A post to a user id answers with the DM id and the DM holds the metadata."""
    response = client.chat_postMessage(channel="U1", text="hi", metadata=checkin("d1"))
    assert response["channel"] == "DU1"
    assert fake.messages_in("DU1")[0]["metadata"] == checkin("d1")


@pytest.mark.parametrize(
    "metadata",
    [
        "{not json",
        json.dumps(["checkin_due"]),
        {"event_type": "checkin_due"},
        {"event_payload": {"delivery": "d1"}},
        {"event_type": "", "event_payload": {}},
        {"event_type": 7, "event_payload": {}},
        {"event_type": "checkin_due", "event_payload": "d1"},
    ],
    ids=["not-json", "array", "no-payload", "no-type", "empty-type", "type-not-str", "payload-str"],
)
def test_malformed_metadata_is_rejected(fake: FakeSlack, client: WebClient, metadata: Any) -> None:
    """Metadata that is not {event_type: str, event_payload: {...}} is invalid_metadata_format."""
    post = {"channel": "C1", "text": "due", "metadata": metadata}
    error = error_of(lambda: client.api_call("chat.postMessage", json=post))
    assert error == "invalid_metadata_format"
    assert fake.messages_in("C1") == []
    assert fake.stats()["posts_ok"] == 0


# -- FakeSlack: conversations.history -----------------------------


def post_many(fake: FakeSlack, channel: str, count: int) -> list[str]:
    """Post `count` messages over one keep-alive connection (fast); return their ts values."""
    stamps = []
    with httpx.Client(base_url=fake.base_url, headers={"Authorization": f"Bearer {TOKEN}"}) as h:
        for i in range(count):
            body = {"channel": channel, "text": str(i), "metadata": checkin(f"d{i}")}
            stamps.append(h.post("chat.postMessage", json=body).json()["ts"])
    return stamps


def test_history_is_newest_first_with_payloads_on_request(
    fake: FakeSlack, client: WebClient
) -> None:
    """History lists newest first; metadata shows event_type only unless include_all_metadata."""
    client.chat_postMessage(channel="C1", text="plain")
    client.chat_postMessage(channel="C1", text="due", metadata=checkin("d1"))

    plain = client.conversations_history(channel="C1")
    assert [m["text"] for m in plain["messages"]] == ["due", "plain"]
    assert plain["messages"][0]["metadata"] == {"event_type": "checkin_due"}
    assert "metadata" not in plain["messages"][1]
    assert "thread_ts" not in plain["messages"][1]
    assert (plain["has_more"], plain["response_metadata"]["next_cursor"]) == (False, "")

    full = client.conversations_history(channel="C1", include_all_metadata=True)
    assert full["messages"][0]["metadata"] == checkin("d1")
    assert full["messages"][0]["user"] == "UBOT"


def test_history_pages_with_cursor(fake: FakeSlack, client: WebClient) -> None:
    """limit and next_cursor walk the whole history once, newest first, then has_more is false."""
    stamps = post_many(fake, "C1", 5)
    seen, cursor, pages = [], None, 0
    while True:
        page = client.conversations_history(channel="C1", limit=2, cursor=cursor)
        pages += 1
        seen += [m["ts"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] is bool(cursor)
        if not cursor:
            break
    assert (seen, pages) == (stamps[::-1], 3)


def test_history_limit_default_and_maximum(fake: FakeSlack, client: WebClient) -> None:
    """Without limit 100 messages come back; a limit above 999 is cut to 999."""
    post_many(fake, "C1", 1000)
    default = client.conversations_history(channel="C1")
    assert (len(default["messages"]), default["has_more"]) == (100, True)
    capped = client.conversations_history(channel="C1", limit=5000)
    assert (len(capped["messages"]), capped["has_more"]) == (999, True)
    rest = client.conversations_history(
        channel="C1", limit=5000, cursor=capped["response_metadata"]["next_cursor"]
    )
    assert (len(rest["messages"]), rest["has_more"]) == (1, False)


def test_history_oldest_latest_inclusive(fake: FakeSlack, client: WebClient) -> None:
    """oldest/latest bounds are exclusive unless inclusive, as Slack documents."""
    a, b, c, d = post_many(fake, "C1", 4)

    def stamps(**kwargs: Any) -> list[str]:
        """The ts values conversations.history lists for these arguments."""
        return [m["ts"] for m in client.conversations_history(channel="C1", **kwargs)["messages"]]

    assert stamps(oldest=a, latest=d) == [c, b]
    assert stamps(oldest=a, latest=d, inclusive=True) == [d, c, b, a]
    assert stamps(oldest=b) == [d, c]
    assert stamps(latest=b, inclusive=True) == [b, a]
    assert stamps(oldest=b, inclusive=True, limit=1) == [d]
    single = client.conversations_history(channel="C1", latest=c, inclusive=True, limit=1)
    assert ([m["ts"] for m in single["messages"]], single["latest"]) == ([c], c)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "CNOPE"}, "channel_not_found"),
        ({"channel": "CPRIV"}, "channel_not_found"),
        ({"channel": "DUNOPE"}, "channel_not_found"),
        ({"channel": "U1"}, "channel_not_found"),
        ({"channel": "CPUB"}, "not_in_channel"),
        ({"channel": "C1", "cursor": "garbage"}, "invalid_cursor"),
        ({"channel": "C1", "oldest": "yesterday"}, "invalid_ts_oldest"),
        ({"channel": "C1", "latest": "now"}, "invalid_ts_latest"),
    ],
    ids=["unknown", "private", "dm-unknown-user", "user-id", "not-member", "cursor", "old", "late"],
)
def test_history_errors(
    fake: FakeSlack, client: WebClient, kwargs: dict[str, str], error: str
) -> None:
    """conversations.history gives Slack's errors for unreadable channels and bad arguments."""
    fake.add_channel("CPUB", "public", bot_is_member=False)
    assert error_of(lambda: client.conversations_history(**kwargs)) == error


def test_history_reads_dms_and_archived_channels(fake: FakeSlack, client: WebClient) -> None:
    """A DM with a known user and an archived channel the bot is in are readable."""
    client.chat_postMessage(channel="U2", text="hello bob")
    assert [m["text"] for m in client.conversations_history(channel="DU2")["messages"]] == [
        "hello bob"
    ]
    assert client.conversations_history(channel="COLD")["messages"] == []


def test_history_leaves_thread_replies_out(fake: FakeSlack, client: WebClient) -> None:
    """History has parents (with reply_count) and broadcast replies, not plain replies."""
    parent = client.chat_postMessage(channel="C1", text="parent")["ts"]
    client.chat_postMessage(channel="C1", text="reply", thread_ts=parent)
    loud = client.chat_postMessage(
        channel="C1", text="loud", thread_ts=parent, reply_broadcast=True
    )["ts"]

    history = client.conversations_history(channel="C1")["messages"]
    assert [m["ts"] for m in history] == [loud, parent]
    assert (history[1]["reply_count"], history[1]["latest_reply"]) == (2, loud)
    assert history[0]["subtype"] == "thread_broadcast"


# -- FakeSlack: ambiguous failures -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"), [(503, "service_unavailable"), (500, "internal_error")]
)
def test_applied_fault_stores_the_message_but_fails(
    fake: FakeSlack, client: WebClient, status: int, error: str
) -> None:
    """fail_next(applied=True): the message is stored and counted, yet the answer is the 5xx."""
    fake.fail_next("chat.postMessage", status=status, applied=True)
    e = slack_error(lambda: client.chat_postMessage(channel="C1", text="due"))
    assert (e.response.status_code, e.response["error"]) == (status, error)
    assert [m["text"] for m in fake.messages_in("C1")] == ["due"]
    [call] = fake.calls_to("chat.postMessage")
    assert (call.ok, call.error, call.applied) == (False, error, True)
    assert fake.stats()["posts_ok"] == 1
    client.chat_postMessage(channel="C1", text="next")
    assert fake.calls_to("chat.postMessage")[-1].ok is True


def test_blind_retry_after_applied_fault_duplicates(fake: FakeSlack, client: WebClient) -> None:
    """A retry after "posted but unheard" stores twice, and duplicate_metadata reports it."""
    fake.fail_next("chat.postMessage", status=503, applied=True)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="due", metadata=checkin("d1"))
    client.chat_postMessage(channel="C1", text="due", metadata=checkin("d1"))
    client.chat_postMessage(channel="U1", text="due", metadata=checkin("d2"))
    assert fake.duplicate_metadata("delivery") == {"d1": 2}
    assert fake.duplicate_metadata("delivery", event_type="other") == {}


def test_duplicate_metadata_counts_across_channels(fake: FakeSlack, client: WebClient) -> None:
    """duplicate_metadata counts a key in every conversation and ignores messages without it."""
    for channel, delivery in [("C1", "a"), ("U1", "a"), ("U2", "a"), ("C1", "b"), ("U1", "c")]:
        client.chat_postMessage(channel=channel, text="due", metadata=checkin(delivery))
    client.chat_postMessage(channel="C1", text="no metadata")
    client.chat_postMessage(
        channel="C1", text="x", metadata={"event_type": "other", "event_payload": {"id": 1}}
    )
    assert fake.duplicate_metadata("delivery") == {"a": 3}
    assert fake.duplicate_metadata("missing") == {}


def test_slow_answer_times_out_after_the_post_is_stored(fake: FakeSlack) -> None:
    """slow_next: a client with a shorter timeout gives up, but the message is already stored."""
    fake.slow_next("chat.postMessage", 30)
    impatient = WebClient(token=TOKEN, base_url=fake.base_url, timeout=0.2, retry_handlers=[])
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="C1", text="due", metadata=checkin("d1"))
    [call] = fake.wait_for("chat.postMessage")
    assert (call.ok, call.applied) == (True, True)
    assert [m["metadata"] for m in fake.messages_in("C1")] == [checkin("d1")]
    assert impatient.chat_postMessage(channel="C1", text="next")["ok"] is True


def test_delayed_fault_without_applied_stores_nothing(fake: FakeSlack) -> None:
    """fail_next(delay=...) without applied times the client out and stores nothing."""
    fake.fail_next("chat.postMessage", status=503, delay=30)
    impatient = WebClient(token=TOKEN, base_url=fake.base_url, timeout=0.2, retry_handlers=[])
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="C1", text="due")
    [call] = fake.wait_for("chat.postMessage")
    assert (call.ok, call.error, call.applied) == (False, "service_unavailable", False)
    assert fake.messages_in("C1") == []


def test_delayed_applied_fault_times_out_after_storing(fake: FakeSlack) -> None:
    """fail_next(delay=..., applied=True) is the same ambiguity: stored, then a timeout."""
    fake.fail_next("chat.postMessage", status=500, delay=30, applied=True)
    impatient = WebClient(token=TOKEN, base_url=fake.base_url, timeout=0.2, retry_handlers=[])
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="C1", text="due")
    fake.wait_for("chat.postMessage")
    assert len(fake.messages_in("C1")) == 1


# -- FakeSlack: rate limits ------------------------------------------------------------------


class ManualClock:
    """A monotonic clock that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


Limited = Callable[..., tuple[FakeSlack, WebClient]]


@pytest.fixture
def manual_clock() -> ManualClock:
    """A manual clock for the rate-limited fakes."""
    return ManualClock()


@pytest.fixture
def limited(manual_clock: ManualClock) -> Iterator[Limited]:
    """Start a fake (U1, C1, C2) with the given rate limits on `manual_clock`, plus a client."""
    servers: list[FakeSlack] = []

    def start(**limits: Any) -> tuple[FakeSlack, WebClient]:
        server = FakeSlack(clock=manual_clock, **limits).start()
        servers.append(server)
        server.add_user("U1", "alice")
        server.add_channel("C1", "one")
        server.add_channel("C2", "two")
        return server, WebClient(token=TOKEN, base_url=server.base_url)

    yield start
    for server in servers:
        server.stop()


def test_rate_limits_are_off_by_default(fake: FakeSlack, client: WebClient) -> None:
    """Without limits, back-to-back posts to one channel all succeed and nothing is limited."""
    for i in range(5):
        client.chat_postMessage(channel="C1", text=str(i))
    stats = fake.stats()
    assert (stats["posts_ok"], stats["ratelimited_channel"], stats["ratelimited_workspace"]) == (
        5,
        0,
        0,
    )


def test_channel_rate_limit(limited: Limited, manual_clock: ManualClock) -> None:
    """A second post to a channel within 1 s gets 429 + Retry-After and stores nothing."""
    server, client = limited(channel_rate=1.0)
    client.chat_postMessage(channel="C1", text="first")
    manual_clock.now += 0.5
    e = slack_error(lambda: client.chat_postMessage(channel="C1", text="too soon"))
    assert (e.response.status_code, e.response["error"]) == (429, "ratelimited")
    assert e.response.headers["Retry-After"] == "1"
    client.chat_postMessage(channel="C2", text="other channel")
    client.chat_postMessage(channel="U1", text="a DM")
    manual_clock.now += 0.5
    client.chat_postMessage(channel="C1", text="second")

    assert [m["text"] for m in server.messages_in("C1")] == ["first", "second"]
    errors = [c.error for c in server.calls_to("chat.postMessage")]
    assert errors == [None, "ratelimited", None, None, None]
    stats = server.stats()
    assert (stats["posts_ok"], stats["ratelimited_channel"]) == (4, 1)
    assert (stats["first_post_at"], stats["last_post_at"]) == (1000.0, 1001.0)


def test_channel_rate_sets_the_window(limited: Limited, manual_clock: ManualClock) -> None:
    """channel_rate=20 means one post per 50 ms per channel; Retry-After is still 1 s."""
    server, client = limited(channel_rate=20)
    client.chat_postMessage(channel="C1", text="a")
    manual_clock.now += 0.049
    e = slack_error(lambda: client.chat_postMessage(channel="C1", text="b"))
    assert e.response.headers["Retry-After"] == "1"
    manual_clock.now += 0.001
    client.chat_postMessage(channel="C1", text="c")
    assert [m["text"] for m in server.messages_in("C1")] == ["a", "c"]


def test_workspace_limit_is_a_sliding_minute(limited: Limited, manual_clock: ManualClock) -> None:
    """More than N posts in any 60 s answer 429; Retry-After says when the oldest leaves."""
    server, client = limited(workspace_per_minute=3)
    for channel in ("C1", "C2", "U1"):
        client.chat_postMessage(channel=channel, text="x")
        manual_clock.now += 10
    e = slack_error(lambda: client.chat_postMessage(channel="C1", text="fourth"))
    assert (e.response.status_code, e.response.headers["Retry-After"]) == (429, "30")
    manual_clock.now = 1060.0
    client.chat_postMessage(channel="C1", text="after the first left")
    e = slack_error(lambda: client.chat_postMessage(channel="C2", text="again"))
    assert e.response.headers["Retry-After"] == "10"
    stats = server.stats()
    assert (stats["posts_ok"], stats["ratelimited_workspace"], stats["ratelimited_channel"]) == (
        4,
        2,
        0,
    )


def test_limit_rate_at_runtime_counts_only_stored_posts(limited: Limited) -> None:
    """limit_rate turns limits on and off; stored posts count, rejected ones do not."""
    server, client = limited()
    client.chat_postMessage(channel="C1", text="before the limit")
    server.limit_rate(per_channel_per_second=None, workspace_per_minute=3)
    no_text = {"channel": "C2"}
    assert error_of(lambda: client.api_call("chat.postMessage", json=no_text)) == "no_text"
    client.chat_postMessage(channel="C2", text="second")
    client.chat_postMessage(channel="U1", text="third")
    assert error_of(lambda: client.chat_postMessage(channel="C2", text="x")) == "ratelimited"
    server.limit_rate(None, None)
    client.chat_postMessage(channel="C2", text="unlimited")
    stats = server.stats()
    assert (stats["posts_ok"], stats["ratelimited_workspace"]) == (4, 1)
    with pytest.raises(ValueError):
        server.limit_rate(per_channel_per_second=0)


def test_applied_fault_posts_fill_the_rate_window(limited: Limited) -> None:
    """A post stored behind an applied fault counts: the immediate retry is rate limited."""
    server, client = limited(channel_rate=1.0)
    server.fail_next("chat.postMessage", status=503, applied=True)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="due")
    assert error_of(lambda: client.chat_postMessage(channel="C1", text="due")) == "ratelimited"
    assert len(server.messages_in("C1")) == 1


def test_reset_forgets_messages_counters_and_windows(limited: Limited) -> None:
    """reset() clears calls, messages, stats and rate windows but keeps users and channels."""
    server, client = limited(channel_rate=1.0)
    client.chat_postMessage(channel="C1", text="a", metadata=checkin("d1"))
    slack_error(lambda: client.chat_postMessage(channel="C1", text="b"))
    server.reset()
    assert (server.calls, server.messages_in("C1")) == ([], [])
    assert server.stats() == {
        "posts_ok": 0,
        "ratelimited_channel": 0,
        "ratelimited_workspace": 0,
        "first_post_at": None,
        "last_post_at": None,
    }
    client.chat_postMessage(channel="C1", text="c")
    assert server.call_count("chat.postMessage", ok=True) == 1


def test_wait_for_ok_and_call_count(fake: FakeSlack, client: WebClient) -> None:
    """wait_for(ok=True) and call_count count successful and failed calls separately."""
    fake.fail_next("chat.postMessage", status=503)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="a")
    client.chat_postMessage(channel="C1", text="b")
    assert [c.args["text"] for c in fake.wait_for("chat.postMessage", ok=True)] == ["b"]
    assert len(fake.wait_for("chat.postMessage", ok=False)) == 1
    assert fake.call_count("chat.postMessage") == 2
    assert fake.call_count("chat.postMessage", ok=False) == 1
    with pytest.raises(AssertionError, match="got 1"):
        fake.wait_for("chat.postMessage", count=2, ok=True, timeout=0.05)


# -- bench.fake_slack_server -----------------------------------------------------------------


def test_bench_server_pairs_limits_and_commands() -> None:
    """The benchmark process registers pairs, rate-limits, and answers stats/reset/wait/posts."""
    repo = Path(__file__).resolve().parents[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.fake_slack_server",
            "--latency=0",
            "--pairs=3",
            "--channel-rate=0.001",
            "--workspace-per-minute=1000",
        ],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None

    def ask(command: str) -> str:
        process.stdin.write(command + "\n")  # type: ignore[union-attr]
        process.stdin.flush()  # type: ignore[union-attr]
        return process.stdout.readline().strip()  # type: ignore[union-attr]

    try:
        token, base_url = process.stdout.readline().split()
        client = WebClient(token=token, base_url=base_url)
        members = client.conversations_members(channel="CP000002")["members"]
        assert members == ["UMR000002", "UME000002", "UBOT"]
        for channel, delivery in [("CP000000", "a"), ("CP000001", "a"), ("UME000002", "b")]:
            client.chat_postMessage(channel=channel, text="due", metadata=checkin(delivery))
        assert error_of(lambda: client.chat_postMessage(channel="CP000000", text="again")) == (
            "ratelimited"
        )
        assert ask("wait 3") == "3"
        assert ask("posts") == "3"
        stats = json.loads(ask("stats"))
        assert {k: stats[k] for k in ("posts_ok", "ratelimited_channel", "duplicates")} == {
            "posts_ok": 3,
            "ratelimited_channel": 1,
            "duplicates": 1,
        }
        assert stats["ratelimited_workspace"] == 0
        assert stats["first_post_at"] <= stats["last_post_at"] <= time.monotonic()
        process.stdin.write("\n")  # a blank line is ignored: the next answer is reset's
        assert ask("reset") == "0"
        assert json.loads(ask("stats"))["posts_ok"] == 0
        client.chat_postMessage(channel="CP000000", text="after reset")
        assert ask("posts") == "1"
        assert "error" in json.loads(ask("bogus"))
    finally:
        process.stdin.close()
        process.wait(timeout=10)

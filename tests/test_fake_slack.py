"""The fake Slack answers as Slack documents: the errors and statuses the app's tests rely on,
rate limits, message metadata, Block Kit limits, file uploads, response URLs and scopes."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
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
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def section(text: str = "hello", **extra: Any) -> dict[str, Any]:
    """A mrkdwn section block."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def plain(text: str) -> dict[str, str]:
    """A plain_text object."""
    return {"type": "plain_text", "text": text}


def button(text: str = "Go", action_id: str = "go") -> dict[str, Any]:
    """A button element."""
    return {"type": "button", "text": plain(text), "action_id": action_id}


def modal(blocks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A modal view with a title."""
    return {"type": "modal", "title": plain("Goals"), "blocks": blocks, **extra}


def checkin(delivery: str) -> dict[str, Any]:
    """Message metadata for one scheduled delivery."""
    return {"event_type": "checkin_due", "event_payload": {"delivery": delivery}}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """A running fake with two users, a public, a private and an archived channel."""
    with FakeSlack(scopes=EVERY_SCOPE) as server:
        server.add_user("U1", "alice", tz="Europe/Paris", tz_offset=3600, real_name="Alice A")
        server.add_user("U2", "bob")
        server.add_channel("C1", "general", members=["U1"])
        server.add_channel("CPRIV", "secret", is_private=True, bot_is_member=False)
        server.add_channel("COLD", "old", is_archived=True)
        server.add_channel("CPUB", "public", bot_is_member=False)
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


# -- Block Kit limits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"blocks": [section()]}, "text: a non-blank fallback is required"),
        ({"text": "x" * 40_001}, "text: 40001 chars > 40000"),
        ({"text": "t", "blocks": [section()] * 51}, "blocks: 51 blocks > 50"),
        ({"text": "t", "blocks": [section("x" * 3001)]}, "blocks[0].text: 3001 chars > 3000"),
        (
            {"text": "t", "blocks": [{"type": "header", "text": plain("h" * 151)}]},
            "blocks[0].text: 151 chars > 150",
        ),
        (
            {"text": "t", "blocks": [section(accessory=button("b" * 76))]},
            "blocks[0].accessory.text: 76 chars > 75",
        ),
        (
            {"text": "t", "blocks": [{"type": "section", "fields": [plain("f")] * 11}]},
            "blocks[0].fields: 11 fields > 10",
        ),
        (
            {"text": "t", "blocks": [section(block_id="a"), section(block_id="a")]},
            "block_id 'a' is used more than once in the message",
        ),
    ],
)
def test_messages_beyond_block_kit_limits_are_refused(
    payload: dict[str, Any], expected: str
) -> None:
    """Each of Slack's message limits the app stays within is a problem naming its place."""
    problems = validate_message(payload)
    assert any(p.startswith(expected) for p in problems), problems


def cell(text: str = "x") -> dict[str, str]:
    """A raw_text table cell."""
    return {"type": "raw_text", "text": text}


def table(rows: Any, **extra: Any) -> dict[str, Any]:
    """A table block."""
    return {"type": "table", "rows": rows, **extra}


def tabled(*blocks: dict[str, Any]) -> dict[str, Any]:
    """A message of the given blocks, with its fallback."""
    return {"text": "t", "blocks": list(blocks)}


def test_a_table_as_slack_documents_it_is_accepted() -> None:
    """100 rows of 20 cells, raw_text and rich_text cells, column settings: what Slack's
    table block takes."""
    rich = {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": []}]}
    rows = [[cell(f"{r}.{c}") for c in range(19)] + [rich] for r in range(100)]
    settings = [{"align": "right"}, {}, {"is_wrapped": True, "align": "center"}]
    assert validate_message(tabled(section(), table(rows, column_settings=settings))) == []


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (tabled(table([[cell()]] * 101)), "blocks[0].rows: 101 rows > 100"),
        (tabled(table([])), "blocks[0].rows: 0 rows < 1"),
        (tabled({"type": "table"}), "blocks[0].rows: must be a list"),
        (tabled(table([[cell()] * 21])), "blocks[0].rows[0]: 21 cells > 20"),
        (tabled(table([[cell()], []])), "blocks[0].rows[1]: 0 cells < 1"),
        (tabled(table([[cell("")]])), "blocks[0].rows[0][0].text: 0 chars < 1"),
        (
            tabled(table([[{"type": "mrkdwn", "text": "*x*"}]])),
            "blocks[0].rows[0][0].type: 'mrkdwn' is not raw_text or rich_text",
        ),
        (tabled(table([[cell()]]), table([[cell()]])), "blocks: 2 tables > 1"),
        (
            tabled(table([[cell()]], column_settings=[{}] * 21)),
            "blocks[0].column_settings: 21 column settings > 20",
        ),
        (
            tabled(table([[cell()]], column_settings=[{"align": "justify"}])),
            "blocks[0].column_settings[0].align: 'justify' is not left, center or right",
        ),
        (
            tabled(table([[cell()]], column_settings=[None])),
            "blocks[0].column_settings[0]: must be an object",
        ),
        (
            tabled(table([[cell()]], column_settings=[{"is_wrapped": "yes"}])),
            "blocks[0].column_settings[0].is_wrapped: must be true or false",
        ),
    ],
)
def test_tables_slack_would_refuse_are_refused(payload: dict[str, Any], expected: str) -> None:
    """Each of Slack's documented table limits (rows, cells a row, cell types, one table a
    message) is a problem naming its place."""
    problems = validate_message(payload)
    assert any(p.startswith(expected) for p in problems), problems


def test_a_table_in_a_view_is_refused() -> None:
    """Slack offers the table block in messages only, not in the Home tab or modals."""
    problems = validate_view({"type": "home", "blocks": [table([[cell()]])]})
    assert problems == ["blocks[0]: table blocks are only allowed in messages"]


def test_a_message_with_two_tables_is_refused_as_invalid_blocks(
    fake: FakeSlack, client: WebClient
) -> None:
    """chat.postMessage answers invalid_blocks for a second table and stores nothing."""
    one = table([[cell()]])
    error = error_of(lambda: client.chat_postMessage(channel="C1", text="t", blocks=[one, one]))
    assert error == "invalid_blocks" and fake.messages_in("C1") == []
    client.chat_postMessage(channel="C1", text="t", blocks=[one])
    assert len(fake.messages_in("C1")) == 1


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ({"type": "home", "blocks": [section()] * 101}, "blocks: 101 blocks > 100"),
        (modal([], title=plain("t" * 25)), "title: 25 chars > 24"),
        (modal([], submit=plain("s" * 25)), "submit: 25 chars > 24"),
        (modal([], private_metadata="m" * 3001), "private_metadata: 3001 chars > 3000"),
        (
            {"type": "home", "blocks": [{"type": "input", "label": plain("l"), "element": {}}]},
            "blocks[0]: input blocks are only allowed in modals",
        ),
        (
            modal([{"type": "input", "label": plain("l"), "element": {"type": "datepicker"}}]),
            "submit: required when the modal has input blocks",
        ),
    ],
)
def test_views_beyond_block_kit_limits_are_refused(view: dict[str, Any], expected: str) -> None:
    """Each of Slack's view limits the app stays within is a problem naming its place."""
    problems = validate_view(view)
    assert any(p.startswith(expected) for p in problems), problems


def test_invalid_blocks_are_refused_and_nothing_is_stored(
    fake: FakeSlack, client: WebClient
) -> None:
    """chat.postMessage answers invalid_blocks (or no_text) and stores nothing."""
    e = slack_error(
        lambda: client.chat_postMessage(channel="C1", text="t", blocks=[section()] * 51)
    )
    assert (e.response.status_code, e.response["error"]) == (200, "invalid_blocks")
    assert e.response["response_metadata"]["messages"] == ["[ERROR] blocks: 51 blocks > 50"]
    assert error_of(lambda: client.api_call("chat.postMessage", json={"channel": "C1"})) == (
        "no_text"
    )
    assert fake.messages_in("C1") == []
    assert [c.error for c in fake.calls_to("chat.postMessage")] == ["invalid_blocks", "no_text"]


def test_views_are_checked_and_stored(fake: FakeSlack, client: WebClient) -> None:
    """views.publish and views.open refuse invalid views and a missing trigger_id."""
    e = slack_error(
        lambda: client.views_publish(
            user_id="U1", view={"type": "home", "blocks": [section()] * 101}
        )
    )
    assert e.response["error"] == "invalid_arguments"
    assert e.response["response_metadata"]["messages"] == ["[ERROR] blocks: 101 blocks > 100"]
    view = client.views_publish(user_id="U1", view={"type": "home", "blocks": [section()]})["view"]
    assert view["id"].startswith("V") and view["blocks"] == [section()]
    assert error_of(lambda: client.views_open(trigger_id="", view=modal([]))) == (
        "invalid_trigger_id"
    )
    home = {"type": "home", "blocks": []}
    assert error_of(lambda: client.views_open(trigger_id="1.2", view=home)) == "invalid_arguments"
    assert client.views_open(trigger_id="1.2", view=modal([section()]))["view"]["id"]


# -- Errors and their statuses ---------------------------------------------------------------


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
def test_posts_the_bot_cannot_make_are_refused(
    fake: FakeSlack, client: WebClient, channel: str, error: str
) -> None:
    """Unknown, invisible private, archived and not-joined channels: HTTP 200 and the error."""
    e = slack_error(lambda: client.chat_postMessage(channel=channel, text="hi"))
    assert (e.response.status_code, e.response["error"]) == (200, error)


def test_archive_and_remove_bot_change_later_posts(fake: FakeSlack, client: WebClient) -> None:
    """archive() and remove_bot() (someone else acting in Slack) change what a post answers."""
    fake.add_channel("C2", "two")
    fake.add_channel("C3", "three")
    fake.archive("C2")
    fake.remove_bot("C3")
    assert error_of(lambda: client.chat_postMessage(channel="C2", text="x")) == "is_archived"
    assert error_of(lambda: client.chat_postMessage(channel="C3", text="x")) == "not_in_channel"


def test_dms_and_delete(fake: FakeSlack, client: WebClient) -> None:
    """conversations.open gives the DM a user-id post lands in; chat.delete removes once."""
    assert client.conversations_open(users="U1")["channel"]["id"] == "DU1"
    ts = client.chat_postMessage(channel="U1", text="hi")["ts"]
    assert [m["text"] for m in fake.messages_in("DU1")] == ["hi"]
    assert error_of(lambda: client.conversations_open(users="UNOPE")) == "user_not_found"
    client.chat_delete(channel="DU1", ts=ts)
    assert fake.messages_in("DU1") == []
    assert error_of(lambda: client.chat_delete(channel="DU1", ts=ts)) == "message_not_found"


@pytest.mark.parametrize(("token", "error"), [("xoxb-wrong", "invalid_auth"), (None, "not_authed")])
def test_bad_or_missing_token_is_refused(fake: FakeSlack, token: str | None, error: str) -> None:
    """A wrong bearer token gives invalid_auth, no Authorization header not_authed."""
    bad = WebClient(token=token, base_url=fake.base_url)
    assert error_of(lambda: bad.chat_postMessage(channel="C1", text="x")) == error
    assert fake.messages_in("C1") == []


def test_unknown_method(client: WebClient) -> None:
    """A method the fake does not answer (the app never calls it): HTTP 200 unknown_method."""
    for method in ("chat.update", "conversations.replies", "reminders.add"):
        e = slack_error(lambda m=method: client.api_call(m))
        assert (e.response.status_code, e.response.data) == (
            200,
            {"ok": False, "error": "unknown_method"},
        )


def test_users_and_conversations(fake: FakeSlack, client: WebClient) -> None:
    """Bot, user and channel look-ups answer Slack's shapes, hiding others' private channels."""
    auth = client.auth_test()
    assert (auth["user_id"], auth["bot_id"], auth["team_id"]) == ("UBOT", "BBOT", "T0001")
    user = client.users_info(user="U1")["user"]
    assert (user["tz"], user["tz_offset"], user["profile"]["real_name"]) == (
        "Europe/Paris",
        3600,
        "Alice A",
    )
    assert error_of(lambda: client.users_info(user="UNOPE")) == "user_not_found"
    info = client.conversations_info(channel="C1", include_num_members=True)["channel"]
    assert (info["is_member"], info["is_private"], info["num_members"]) == (True, False, 2)
    assert client.conversations_info(channel="DU1")["channel"]["is_im"] is True
    assert client.conversations_members(channel="C1")["members"] == ["U1", "UBOT"]
    for call in (client.conversations_info, client.conversations_members):
        for channel in ("CPRIV", "CNOPE"):
            assert error_of(lambda c=call, ch=channel: c(channel=ch)) == "channel_not_found"


def test_conversations_create_and_invite(fake: FakeSlack, client: WebClient) -> None:
    """conversations.create and .invite follow Slack's name rules and errors."""
    created = client.conversations_create(name="pair-alice_bob", is_private=True)["channel"]
    assert (created["is_private"], created["is_member"], created["creator"]) == (
        True,
        True,
        "UBOT",
    )
    for name, error in [
        ("pair-alice_bob", "name_taken"),
        ("Has Caps", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("", "invalid_name_required"),
    ]:
        assert error_of(lambda n=name: client.conversations_create(name=n)) == error, name
    client.conversations_invite(channel=created["id"], users="U1,U2")
    assert client.conversations_members(channel=created["id"])["members"] == ["UBOT", "U1", "U2"]
    for channel, users, error in [
        (created["id"], "U1", "already_in_channel"),
        (created["id"], "UBOT", "cant_invite_self"),
        (created["id"], "UNOPE", "user_not_found"),
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


# -- Scopes ----------------------------------------------------------------------------------


def test_a_missing_scope_is_refused_as_slack_refuses_it() -> None:
    """A missing (per-type) scope is HTTP 200 missing_scope naming needed and provided."""
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
        assert client.auth_test()["ok"] is True
        assert client.views_open(trigger_id="t", view=modal([]))["ok"] is True
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


# -- Message metadata and conversations.history ----------------------------------------------


def test_metadata_round_trips_through_history(fake: FakeSlack, client: WebClient) -> None:
    """Metadata comes back through history: event_type alone, the payload on request."""
    client.chat_postMessage(channel="C1", text="plain")
    parent = client.chat_postMessage(channel="C1", text="due", metadata=checkin("d1"))["ts"]
    client.chat_postMessage(channel="C1", text="reply", thread_ts=parent)
    client.api_call(  # a URL-encoded JSON string, as the docs describe it
        "chat.postMessage",
        params={"channel": "C1", "text": "loud", "thread_ts": parent, "reply_broadcast": "true"}
        | {"metadata": json.dumps(checkin("d2"))},
    )
    plain_history = client.conversations_history(channel="C1")["messages"]
    assert [m["text"] for m in plain_history] == ["loud", "due", "plain"]
    assert plain_history[1]["metadata"] == {"event_type": "checkin_due"}
    assert plain_history[1]["reply_count"] == 2 and "metadata" not in plain_history[2]
    full = client.conversations_history(channel="C1", include_all_metadata=True)
    assert [m.get("metadata") for m in full["messages"]] == [checkin("d2"), checkin("d1"), None]
    client.chat_postMessage(channel="U2", text="to bob", metadata=checkin("d3"))
    dm = client.conversations_history(channel="DU2", include_all_metadata=True)["messages"]
    assert [m["metadata"] for m in dm] == [checkin("d3")]


@pytest.mark.parametrize(
    "metadata",
    [
        "{not json",
        {"event_type": "checkin_due"},
        {"event_type": "", "event_payload": {}},
        {"event_type": "checkin_due", "event_payload": "d1"},
    ],
    ids=["not-json", "no-payload", "empty-type", "payload-not-object"],
)
def test_malformed_metadata_is_refused(fake: FakeSlack, client: WebClient, metadata: Any) -> None:
    """Metadata that is not {event_type: str, event_payload: {...}} is invalid_metadata_format."""
    post = {"channel": "C1", "text": "due", "metadata": metadata}
    assert error_of(lambda: client.api_call("chat.postMessage", json=post)) == (
        "invalid_metadata_format"
    )
    assert fake.messages_in("C1") == []


def test_history_pages_and_bounds(fake: FakeSlack, client: WebClient) -> None:
    """History pages newest first by cursor, within exclusive bounds, with Slack's errors."""
    a, b, c = (client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(3))
    first = client.conversations_history(channel="C1", limit=2)
    rest = client.conversations_history(
        channel="C1", limit=2, cursor=first["response_metadata"]["next_cursor"]
    )
    assert [m["ts"] for m in first["messages"] + rest["messages"]] == [c, b, a]
    assert (first["has_more"], rest["has_more"]) == (True, False)
    bounded = client.conversations_history(channel="C1", oldest=a, latest=c)["messages"]
    assert [m["ts"] for m in bounded] == [b]
    inclusive = client.conversations_history(channel="C1", oldest=b, inclusive=True)
    assert [m["ts"] for m in inclusive["messages"]] == [c, b]
    assert client.conversations_history(channel="COLD")["messages"] == []
    for args, error in [
        ({"channel": "CPRIV"}, "channel_not_found"),
        ({"channel": "DUNOPE"}, "channel_not_found"),
        ({"channel": "CPUB"}, "not_in_channel"),
        ({"channel": "C1", "cursor": "garbage"}, "invalid_cursor"),
        ({"channel": "C1", "oldest": "yesterday"}, "invalid_ts_oldest"),
    ]:
        assert error_of(lambda a=args: client.conversations_history(**a)) == error, args


# -- Rate limits and faults ------------------------------------------------------------------


def test_ratelimited_answers_429_with_retry_after(fake: FakeSlack) -> None:
    """A 429 carries Retry-After, and slack_sdk's handler retries it into one message."""
    fake.fail_next("chat.postMessage", retry_after=7)
    client = WebClient(token=TOKEN, base_url=fake.base_url)
    e = slack_error(lambda: client.chat_postMessage(channel="C1", text="hi"))
    assert (e.response.status_code, e.response.headers["Retry-After"]) == (429, "7")
    assert e.response["error"] == "ratelimited"
    fake.fail_next("chat.postMessage", retry_after=0)
    client.retry_handlers.append(RateLimitErrorRetryHandler())
    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert [m["text"] for m in fake.messages_in("C1")] == ["hi"]


def test_rate_limits_per_channel_and_per_workspace_minute() -> None:
    """Posts beyond 1/s per channel or N per minute are 429s that store nothing."""
    now = [1000.0]  # the fake's clock: moves only when the test says so
    with FakeSlack(scopes=EVERY_SCOPE, clock=lambda: now[0], channel_rate=1.0) as fake:
        fake.add_channel("C1", "one")
        fake.add_channel("C2", "two")
        client = WebClient(token=TOKEN, base_url=fake.base_url)
        client.chat_postMessage(channel="C1", text="first")
        now[0] += 0.5
        e = slack_error(lambda: client.chat_postMessage(channel="C1", text="too soon"))
        assert (e.response.status_code, e.response.headers["Retry-After"]) == (429, "1")
        client.chat_postMessage(channel="C2", text="another channel")
        fake.limit_rate(per_channel_per_second=None, workspace_per_minute=2)
        now[0] += 10
        e = slack_error(lambda: client.chat_postMessage(channel="C1", text="third"))
        assert e.response.headers["Retry-After"] == "50"
        now[0] = 1060.0
        client.chat_postMessage(channel="C1", text="after the first left")
        assert [m["text"] for m in fake.messages_in("C1")] == ["first", "after the first left"]
        stats = fake.stats()
        assert (stats["posts_ok"], stats["ratelimited_channel"]) == (3, 1)
        assert stats["ratelimited_workspace"] == 1


@pytest.mark.parametrize(
    ("status", "error"), [(503, "service_unavailable"), (500, "internal_error")]
)
def test_a_5xx_after_the_post_landed_makes_a_blind_retry_duplicate(
    fake: FakeSlack, client: WebClient, status: int, error: str
) -> None:
    """A 5xx after the post landed (applied=True) makes a blind retry a counted duplicate."""
    fake.fail_next("chat.postMessage", status=status)
    assert error_of(lambda: client.chat_postMessage(channel="C1", text="due")) == error
    assert fake.messages_in("C1") == []
    fake.fail_next("chat.postMessage", status=status, applied=True)
    e = slack_error(
        lambda: client.chat_postMessage(channel="C1", text="due", metadata=checkin("d1"))
    )
    assert (e.response.status_code, e.response["error"]) == (status, error)
    assert fake.calls_to("chat.postMessage")[-1].applied is True
    client.chat_postMessage(channel="C1", text="due", metadata=checkin("d1"))
    client.chat_postMessage(channel="U1", text="due", metadata=checkin("d2"))
    assert fake.duplicate_metadata("delivery") == {"d1": 2}


# -- File uploads ----------------------------------------------------------------------------


def test_files_upload_v2_takes_three_steps(fake: FakeSlack, client: WebClient) -> None:
    """The SDK's three steps land: one upload with its bytes, one message sharing it."""
    response = client.files_upload_v2(
        channel="C1",
        file=PNG,
        filename="roadmap.png",
        title="Roadmap",
        alt_txt="A timeline",
        initial_comment="Our roadmap",
    )
    assert [c.method for c in fake.calls] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    [upload] = fake.uploads("C1")
    assert (upload.file_id, upload.data, upload.title) == (response["file"]["id"], PNG, "Roadmap")
    assert (upload.channels, upload.alt_txt) == (("C1",), "A timeline")
    [shared] = fake.messages_in("C1")
    assert shared["text"] == "Our roadmap" and shared["files"][0]["name"] == "roadmap.png"


def test_uploads_slack_refuses(fake: FakeSlack, client: WebClient) -> None:
    """Uploads Slack refuses: bytes twice, unknown or unsent files, unpostable channels."""
    issued = client.files_getUploadURLExternal(filename="a.png", length=3)
    assert httpx.post(issued["upload_url"], content=b"abc").text == "OK - 3"
    assert httpx.post(issued["upload_url"], content=b"abc").status_code == 404
    unsent = client.files_getUploadURLExternal(filename="b.png", length=3)["file_id"]

    def complete(file_id: str, channel: str = "") -> Any:
        """files.completeUploadExternal for one file, shared in `channel` if given."""
        return client.files_completeUploadExternal(files=[{"id": file_id}], channel_id=channel)

    for file_id in ("F404", unsent):
        assert error_of(lambda f=file_id: complete(f)) == "file_not_found"
    for channel, error in [("COLD", "is_archived"), ("CPUB", "not_in_channel")]:
        assert error_of(lambda c=channel: complete(issued["file_id"], c)) == error
    assert fake.uploads() == []
    complete(issued["file_id"], "C1")
    assert [u.channels for u in fake.uploads()] == [("C1",)]
    assert error_of(lambda: complete(issued["file_id"])) == "file_not_found"


# -- response_url ----------------------------------------------------------------------------


def test_response_url_answers_as_slack_does(fake: FakeSlack) -> None:
    """A response_url answers 200 "ok", or 400 with the error for bad Block Kit or no text."""
    webhook = WebhookClient(fake.response_url("cmd"))
    good = webhook.send(text="Saved", blocks=[section("Saved")], response_type="ephemeral")
    assert (good.status_code, good.body) == (200, "ok")
    bad = webhook.send(text="t", blocks=[section("x" * 3001)])
    assert (bad.status_code, bad.body) == (400, "invalid_blocks")
    empty = webhook.send_dict({"replace_original": True})
    assert (empty.status_code, empty.body) == (400, "no_text")
    assert webhook.send_dict({"delete_original": True}).body == "ok"
    fake.fail_next("respond:cmd", "expired_url", status=404)
    assert webhook.send(text="late").status_code == 404
    assert fake.responses("cmd") == [
        {"text": "Saved", "blocks": [section("Saved")], "response_type": "ephemeral"},
        {"delete_original": True},
    ]


def test_a_response_url_takes_five_messages_then_refuses_them(fake: FakeSlack) -> None:
    """A sixth message to a response_url is refused, and recorded; posts it refused for
    themselves (bad Block Kit) are not uses."""
    webhook = WebhookClient(fake.response_url("five"))
    assert webhook.send(text="t", blocks=[section("x" * 3001)]).status_code == 400
    for n in range(5):
        assert webhook.send(text=f"answer {n}").body == "ok"
    refused = webhook.send(text="answer 5")
    assert (refused.status_code, refused.body) == (404, "used_url")
    assert [r["text"] for r in fake.responses("five")] == [f"answer {n}" for n in range(5)]
    last = fake.calls_to("respond:five")[-1]
    assert (last.ok, last.error, last.args["text"]) == (False, "used_url", "answer 5")
    assert WebhookClient(fake.response_url("other")).send(text="another").body == "ok"


def test_a_response_url_refuses_messages_after_30_minutes() -> None:
    """A response_url takes messages for 30 minutes after it was issued (on the fake's
    clock), however long before its first use, then refuses them, and records the refusal."""
    now = [1000.0]  # the fake's clock: moves only when the test says so
    with FakeSlack(clock=lambda: now[0]) as fake:
        webhook = WebhookClient(fake.response_url("late"))
        now[0] += 30 * 60
        assert webhook.send(text="at 30 minutes").body == "ok"
        now[0] += 1
        refused = webhook.send(text="a second later")
        assert (refused.status_code, refused.body) == (404, "expired_url")
        assert [(c.ok, c.error) for c in fake.calls_to("respond:late")] == [
            (True, None),
            (False, "expired_url"),
        ]
        assert [r["text"] for r in fake.responses("late")] == ["at 30 minutes"]
        assert WebhookClient(fake.response_url("new")).send(text="fresh").body == "ok"


# -- Socket Mode -----------------------------------------------------------------------------


class RawSocket:
    """A bare RFC 6455 client (masked frames), to see exactly what the fake's server does."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        self.reader = self.sock.makefile("rb")
        self.status = self.reader.readline().decode().split(" ")[1]
        headers = {}
        while (line := self.reader.readline().decode().strip()) != "":
            name, _, value = line.partition(":")
            headers[name.lower()] = value.strip()
        digest = hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
        self.accepted = headers.get("sec-websocket-accept") == base64.b64encode(digest).decode()

    def send(self, message: dict[str, Any], opcode: int = 0x1) -> None:
        data, mask = json.dumps(message).encode(), os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(bytes([0x80 | opcode, 0x80 | len(data)]) + mask + masked)

    def receive(self) -> dict[str, Any] | None:
        """The next text message as JSON; None once the server closed the connection."""
        head = self.reader.read(2)
        if len(head) < 2 or head[0] & 0x0F == 0x8:
            return None
        length = head[1] & 0x7F
        if length == 126:
            length = int.from_bytes(self.reader.read(2), "big")
        return json.loads(self.reader.read(length))


def api_for(fake: FakeSlack) -> WebClient:
    """A WebClient with no token: apps.connections.open is given the app token itself."""
    return WebClient(base_url=fake.base_url)


def open_socket(fake: FakeSlack) -> tuple[RawSocket, dict[str, Any]]:
    raw = RawSocket(api_for(fake).apps_connections_open(app_token=fake.app_token)["url"])
    hello = raw.receive()
    assert hello is not None
    return raw, hello


def test_apps_connections_open_answers_as_slack_does() -> None:
    """An app-level token with connections:write gets a ws:// URL; a bot token, a wrong token,
    a token without the scope and an app with Socket Mode off get Slack's errors."""
    with FakeSlack() as fake:
        api = api_for(fake)
        assert api.apps_connections_open(app_token=fake.app_token)["url"].startswith("ws://")
        for token, error in [
            (fake.token, "not_allowed_token_type"),
            ("xapp-1-A0001-1-revoked", "invalid_auth"),
        ]:
            assert error_of(lambda t=token: api.apps_connections_open(app_token=t)) == error
        app_token_on_bot_method = WebClient(token=fake.app_token, base_url=fake.base_url)
        assert error_of(app_token_on_bot_method.auth_test) == "not_allowed_token_type"
        fake.socket_mode_enabled = False
        off = error_of(lambda: api.apps_connections_open(app_token=fake.app_token))
        assert off == "socket_mode_not_enabled"
    with FakeSlack(app_token_scopes=("authorizations:read",)) as fake:
        e = slack_error(lambda: api_for(fake).apps_connections_open(app_token=fake.app_token))
        assert (e.response["error"], e.response["needed"]) == ("missing_scope", "connections:write")


def test_socket_mode_says_hello_delivers_envelopes_and_records_acks(fake: FakeSlack) -> None:
    """The handshake is RFC 6455's; then hello, envelopes as Slack shapes them, and each ack
    recorded with its payload; a URL's ticket works once."""
    url = api_for(fake).apps_connections_open(app_token=fake.app_token)["url"]
    raw = RawSocket(url)
    assert raw.status == "101" and raw.accepted
    assert raw.receive()["type"] == "hello"
    assert RawSocket(url).status == "401"  # the ticket was used
    server = fake.socket_mode
    command = server.send("slash_commands", {"command": "/win", "text": "x"})
    event = server.send("events_api", {"event_id": "Ev1"}, retry_attempt=1, retry_reason="timeout")
    first, second = raw.receive(), raw.receive()
    assert first == {
        "envelope_id": command,
        "type": "slash_commands",
        "payload": {"command": "/win", "text": "x"},
        "accepts_response_payload": True,
    }
    assert (second["retry_attempt"], second["retry_reason"]) == (1, "timeout")
    assert second["accepts_response_payload"] is False
    raw.send({"envelope_id": command, "payload": {"text": "Saved"}})
    raw.send({"envelope_id": event})
    assert server.wait_ack(command).payload == {"text": "Saved"}
    assert server.wait_ack(event).payload is None and server.wait_ack(event).seconds >= 0


def test_socket_mode_disconnects_and_drops_like_slack(fake: FakeSlack) -> None:
    """`disconnect` tells the client why and stops delivering on that connection (new envelopes
    wait for the next one); the server closes it after the grace; `drop` cuts one."""
    server = fake.socket_mode
    old, _ = open_socket(fake)
    server.disconnect("refresh_requested", grace=0.1)
    assert old.receive() == {
        "type": "disconnect",
        "reason": "refresh_requested",
        "debug_info": {"host": "fakeslack"},
    }
    assert old.receive() is None  # closed by the server after the grace
    new, hello = open_socket(fake)
    assert hello["num_connections"] == 1 and server.open_connections() == [2]
    envelope = server.send("interactive", {"type": "block_actions"})
    assert new.receive()["envelope_id"] == envelope
    server.drop()
    assert new.receive() is None and server.open_connections() == []


def test_turning_socket_mode_off_disconnects_with_link_disabled(fake: FakeSlack) -> None:
    """Socket Mode switched off in the app's settings: open connections are told link_disabled
    and closed; a new URL is refused with socket_mode_not_enabled."""
    raw, _ = open_socket(fake)
    fake.disable_socket_mode()
    assert raw.receive()["reason"] == "link_disabled" and raw.receive() is None
    refused = error_of(lambda: api_for(fake).apps_connections_open(app_token=fake.app_token))
    assert refused == "socket_mode_not_enabled"

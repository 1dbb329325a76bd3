"""/goal and /win over the wire: what Slack receives, bad input, faults, undo."""

import logging

import pytest
from slack_sdk.webhook import WebhookClient
from sqlmodel import col, func, select

from fakeslack.payloads import slash_command
from handlers.goals import blocks as goal_blocks
from handlers.performing import REPLY_STEP, InlineRunner, perform
from handlers.wins import blocks as win_blocks
from storage.db import session_scope
from storage.models import Draft, Goal, Win, Work, WorkStep
from tests.conftest import MENTEE, MENTOR, PAIR_CHANNEL, SECOND_MENTEE, Wire, flatten_text
from tests.support import SlackClock
from workqueue import queue


def _rows(wire: Wire, model) -> list:
    with session_scope(wire.services.engine) as session:
        return list(session.exec(select(model)).all())


def _posts(wire: Wire) -> list[dict]:
    return [m for m in wire.fake.messages_in(PAIR_CHANNEL) if ":trophy:" in m["text"]]


def test_win_is_shared_with_the_mentor_and_confirmed_privately(wire: Wire, paired) -> None:
    """/win posts in the shared channel mentioning the mentor, and confirms to the mentee."""
    wire.command("/goal", "Give a talk at PyCon by March 2027", user=MENTEE)
    sent = wire.command(
        "/win", "Submitted my CFP #1 worked: feedback from <@UMENTOR|maria>", user=MENTEE
    )
    (post,) = _posts(wire)
    assert f"<@{MENTOR}>" in post["text"] and f"<@{MENTEE}>" in post["text"]
    shown = flatten_text(post)
    assert "Submitted my CFP" in shown and "*What worked:* feedback from <@UMENTOR>" in shown
    assert "Goal 1: Give a talk at PyCon" in shown
    assert sent.reply["response_type"] == "ephemeral" and "shared with" in sent.reply_text
    (win,) = _rows(wire, Win)
    assert win.announce_ts == post["ts"]


def test_a_win_that_mentions_a_payload_is_a_win(wire: Wire, paired) -> None:
    """Bolt on its own reads any form body containing "payload" as an interactive payload, and
    finds none in `/win … payload …` (nothing would answer). The front hands Bolt the form
    it parsed, so the word is only a word."""
    sent = wire.command("/win", "Shipped the payload=parser for the billing team", user=MENTEE)
    assert sent.http.status_code == 200
    (post,) = _posts(wire)
    assert "Shipped the payload=parser" in flatten_text(post)
    assert "shared with" in sent.reply_text


def test_typed_broadcasts_never_ping(wire: Wire, paired) -> None:
    """`@channel`, `@here` and a literal `<!channel>` reach Slack escaped, never as a ping."""
    wire.command(
        "/win", "Told <!channel> and <!here> about it &lt;!everyone&gt; &amp; more", user=MENTEE
    )
    (post,) = _posts(wire)
    sent_text = flatten_text(post)
    assert "<!" not in sent_text
    assert (
        "@channel" in sent_text and "&lt;!everyone&gt;" in sent_text and "&amp; more" in sent_text
    )


@pytest.mark.parametrize(
    ("command", "text", "says"),
    [
        ("/goal", "done soon", "needs a goal number"),
        ("/goal", "x" * 5000, "5,000 characters"),
        ("/goal", "Ship by 31/31/2027", "couldn't read the date"),
        ("/goal", "done 42", "no goal 42"),
        ("/win", "y" * 5000, "5,000 characters"),
        ("/win", "Shipped #42", "no goal #42"),
        ("/mentor", "frobnicate", "don't know `/mentor frobnicate`"),
    ],
)
def test_bad_input_gets_a_clear_private_message_and_changes_nothing(
    wire, paired, command, text, says
) -> None:
    """Bad input: HTTP 200, an ephemeral reason, nothing stored, nothing posted."""
    sent = wire.command(command, text, user=MENTEE)
    assert sent.http.status_code == 200
    assert says in sent.reply_text and sent.reply["response_type"] == "ephemeral"
    assert _rows(wire, Goal) == [] and _rows(wire, Win) == [] and _posts(wire) == []


def test_help_commands_show_help(wire: Wire, paired) -> None:
    """/goal help and /win help show how to use them (with no text they open a form)."""
    assert "/goal list" in wire.command("/goal", "help", user=MENTEE).reply_text
    assert "worked:" in wire.command("/win", " help ", user=MENTEE).reply_text


def test_emoji_and_long_text_render_within_limits(wire: Wire, paired) -> None:
    """Emoji pass through; long wins are posted whole up to the limit and accepted by Slack."""
    wire.command("/win", "🚀 " + "a" * 1400 + " :tada:", user=MENTEE)
    (post,) = _posts(wire)
    assert "🚀" in flatten_text(post) and ":tada:" in flatten_text(post)


def test_goal_list_done_drop_and_undo(wire: Wire, paired) -> None:
    """Goals are numbered; done/drop reply with Undo, which restores the goal."""
    wire.command("/goal", "Give a talk by June 2027", user=MENTEE)
    wire.command("/goal", "Write a blog post in 3 months", user=MENTOR)
    listing = wire.command("/goal", "list", user=MENTEE).reply_text
    assert "*1.* Give a talk — by 30 June 2027" in listing and "*2.* Write a blog post" in listing
    done = wire.command("/goal", "done 1", user=MENTEE)
    assert "Goal 1 achieved" in done.reply_text
    undo = done.reply["blocks"][1]["elements"][0]
    assert undo["action_id"] == goal_blocks.UNDO_GOAL_STATUS
    restored = wire.click(undo["action_id"], undo["value"], user=MENTEE, channel=PAIR_CHANNEL)
    assert "open again" in restored.reply_text
    assert [g.status for g in _rows(wire, Goal)] == ["open", "open"]
    dropped = wire.command("/goal", "drop 2", user=MENTOR)
    assert "Goal 2 dropped" in dropped.reply_text


def test_a_mentor_is_told_wins_are_the_mentees(wire: Wire, paired) -> None:
    """/win from the mentor explains who logs wins; nothing stored."""
    sent = wire.command("/win", "My mentee shipped", user=MENTOR)
    assert "logged by the mentee" in sent.reply_text and _rows(wire, Win) == []


def test_someone_in_two_pairs_is_asked_which_and_nothing_is_lost(wire: Wire, paired) -> None:
    """A mentee who also mentors picks the pair with a button; `to @person` skips the question."""
    wire.fake.add_channel("CPAIR2", "lee-sam", members=(MENTEE, SECOND_MENTEE), is_private=True)
    wire.command("/mentor", f"pair <@{MENTEE}> <@{SECOND_MENTEE}>", user=MENTEE, channel="CPAIR2")
    asked = wire.command(
        "/goal", "Lead the migration by 2027-06-01", user=MENTEE, channel="DUMENTEE"
    )
    assert "Which one is this goal for?" in asked.reply_text and _rows(wire, Goal) == []
    assert len(_rows(wire, Draft)) == 1
    choice = next(
        b["accessory"]
        for b in asked.reply["blocks"]
        if f"<@{MENTOR}>" in b.get("text", {}).get("text", "")
    )
    chosen = wire.click(choice["action_id"], choice["value"], user=MENTEE)
    assert "Goal 1 added" in chosen.reply_text and chosen.reply["replace_original"] is True
    (goal,) = _rows(wire, Goal)
    assert goal.pair_id == paired.id and goal.text == "Lead the migration"
    direct = wire.command(
        "/goal", f"Teach Sam testing to <@{SECOND_MENTEE}|sam>", user=MENTEE, channel="DUMENTEE"
    )
    assert "added for <@UMENTEE2>" in direct.reply_text
    in_channel = wire.command("/goal", "Review a design doc", user=MENTEE, channel="CPAIR2")
    assert "Goal 2 added for <@UMENTEE2>" in in_channel.reply_text


@pytest.mark.parametrize(
    ("fault", "reason"),
    [("remove_bot", "/invite @Mentorbot"), ("archive", "archived")],
)
def test_a_channel_the_bot_cannot_post_in_keeps_the_win(wire: Wire, paired, fault, reason) -> None:
    """Removed bot or archived channel: the win is saved, the mentee told why, and can retry."""
    getattr(wire.fake, fault)(PAIR_CHANNEL)
    sent = wire.command("/win", "Closed my first incident", user=MENTEE)
    assert reason in sent.reply_text
    (win,) = _rows(wire, Win)
    assert win.announce_ts is None and win.announce_error in (
        "channel_not_found",
        "is_archived",
    )  # private: not found
    retry = sent.reply["blocks"][1]["elements"][0]
    assert retry["action_id"] == win_blocks.REPOST_WIN


def test_rate_limits_are_waited_out_and_the_win_posted_once(wire: Wire, paired) -> None:
    """A 429 on chat.postMessage is retried after Retry-After; exactly one post results."""
    wire.fake.fail_next("chat.postMessage", status=429, retry_after=0)
    sent = wire.command("/win", "Paired with a junior on a bug", user=MENTEE)
    assert "shared with" in sent.reply_text
    attempts = wire.fake.calls_to("chat.postMessage")
    assert [call.ok for call in attempts] == [False, True]
    assert len(_posts(wire)) == 1


def test_a_server_error_is_not_retried_blindly_and_can_be_posted_again(wire: Wire, paired) -> None:
    """A 503 is not retried automatically (it may have posted); "Post it again" posts once."""
    wire.fake.fail_next("chat.postMessage", status=503)
    sent = wire.command("/win", "Ran the planning meeting", user=MENTEE)
    assert "service_unavailable" in sent.reply_text and _posts(wire) == []
    (win,) = _rows(wire, Win)
    again = wire.click(win_blocks.REPOST_WIN, str(win.id), user=MENTEE)
    assert "shared with" in again.reply_text and len(_posts(wire)) == 1
    twice = wire.click(win_blocks.REPOST_WIN, str(win.id), user=MENTEE)
    assert "already posted" in twice.reply_text and len(_posts(wire)) == 1


def test_undo_removes_the_win_and_its_post(wire: Wire, paired) -> None:
    """Undo deletes the win and the channel post; someone else's click is refused."""
    sent = wire.command("/win", "Posted by mistake", user=MENTEE)
    undo = sent.reply["blocks"][1]["elements"][0]
    refused = wire.click(undo["action_id"], undo["value"], user=MENTOR)
    assert "Only the person who logged" in refused.reply_text and len(_posts(wire)) == 1
    removed = wire.click(undo["action_id"], undo["value"], user=MENTEE)
    assert "Removed that win and its post" in removed.reply_text
    assert _rows(wire, Win) == [] and _posts(wire) == []


# -- a response_url Slack refuses --------------------------------------------------------------


def _win_answered_at(wire: Wire, answer_at: str, text: str) -> None:
    """/win typed by the mentee in the pair's channel, its answer due at `answer_at`."""
    body = slash_command("/win", text, user=MENTEE, channel=PAIR_CHANNEL, response_url=answer_at)
    assert wire.post(body, "application/x-www-form-urlencoded").status_code == 200


def _confirmed_by_dm(wire: Wire) -> list[dict]:
    return [m for m in wire.fake.messages_in(MENTEE) if "shared with" in flatten_text(m)]


def _run_again(wire: Wire) -> None:
    """Run the last piece of work a second time, as a worker does when the first one died
    having done everything but say so."""
    engine, now = wire.services.engine, wire.services.clock()
    with session_scope(engine) as session:
        work = session.get(Work, session.exec(select(func.max(Work.id))).one())
        work.status, work.claimed_by, work.next_at = queue.CLAIMED, "died", now
        work_id = work.id
    runner = wire.services.runner
    assert isinstance(runner, InlineRunner)
    (claimed,) = queue.claim(engine, "second", now, 1, only=work_id)
    perform(claimed, wire.services, runner.client, "second")


def test_a_used_up_response_url_gets_the_confirmation_by_dm_once(
    wire: Wire, paired, caplog: pytest.LogCaptureFixture
) -> None:
    """/win whose response_url already took its 5 messages: the win is shared, and the
    confirmation Slack refused there reaches the mentee by DM, once, with one log line and no
    stack; run again, the work sends nothing more."""
    answer_at = wire.fake.response_url("spent")
    for n in range(5):
        assert WebhookClient(answer_at).send(text=f"earlier answer {n}").body == "ok"
    with caplog.at_level(logging.INFO):
        _win_answered_at(wire, answer_at, "Led the retro")
    refused = wire.fake.calls_to("respond:spent")[5:]
    assert [(c.ok, c.error, "shared with" in c.args["text"]) for c in refused] == [
        (False, "used_url", True)
    ]
    (dm,) = _confirmed_by_dm(wire)
    (post,) = _posts(wire)
    assert "Led the retro" in flatten_text(post) and "Undo" in flatten_text(dm)
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warned] == ["response_url refused, answering by DM"]
    assert warned[0].exc_info is None and (warned[0].status, warned[0].error) == (404, "used_url")
    _run_again(wire)
    assert len(wire.fake.calls_to("respond:spent")) == 6
    assert len(_confirmed_by_dm(wire)) == 1 and len(_posts(wire)) == 1


def test_a_response_url_past_its_30_minutes_gets_the_confirmation_by_dm(
    wire: Wire, paired, slack_clock: SlackClock
) -> None:
    """/win whose interaction is 31 minutes old on Slack's clock, though the bot does not know
    it (its own clock says the work is fresh): Slack refuses the response_url, and the
    confirmation reaches the mentee by DM, once."""
    answer_at = wire.fake.response_url("old")
    slack_clock.advance(minutes=31)
    _win_answered_at(wire, answer_at, "Ran the incident review")
    (refused,) = wire.fake.calls_to("respond:old")
    assert (refused.ok, refused.error) == (False, "expired_url")
    (dm,) = _confirmed_by_dm(wire)
    (post,) = _posts(wire)
    assert "Ran the incident review" in flatten_text(post) and "Undo" in flatten_text(dm)


def test_a_refused_reply_run_again_stays_a_single_dm(wire: Wire, paired) -> None:
    """A response_url refused once (a 503): the confirmation goes by DM. Run again after that
    DM went out but before it was recorded, the work finds the DM instead of posting another,
    and does not answer through the response_url as well, though it would now take it."""
    answer_at = wire.fake.response_url("flaky")
    wire.fake.fail_next("respond:flaky", status=503)
    _win_answered_at(wire, answer_at, "Mentored a new joiner")
    assert len(_confirmed_by_dm(wire)) == 1
    with session_scope(wire.services.engine) as session:
        reply = session.exec(select(WorkStep).where(col(WorkStep.step) == REPLY_STEP)).one()
        session.delete(reply)  # the worker died before it recorded the DM
    _run_again(wire)
    assert wire.fake.responses("flaky") == []
    assert len(_confirmed_by_dm(wire)) == 1 and len(_posts(wire)) == 1

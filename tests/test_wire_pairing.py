"""/mentor over the wire: pairing in a channel or a new private one, status, ending."""

from slack_sdk import WebClient
from sqlmodel import select

from handlers import pairing
from storage.db import session_scope
from storage.models import Pair
from tests.conftest import ADMIN, MENTEE, MENTOR, OUTSIDER, PAIR_CHANNEL, SECOND_MENTEE, Wire


def _pairs(wire: Wire) -> list[Pair]:
    with session_scope(wire.services.engine) as session:
        return list(session.exec(select(Pair)).all())


def test_pair_in_the_current_channel(wire: Wire) -> None:
    """The channel becomes the shared one; both are greeted there; the caller is told privately."""
    sent = wire.command("/mentor", f"pair <@{MENTOR}|maria> <@{MENTEE}|lee>", user=MENTEE)
    assert sent.http.status_code == 200
    assert "now mentors" in sent.reply_text and sent.reply["response_type"] == "ephemeral"
    (pair,) = _pairs(wire)
    assert (pair.mentor_id, pair.mentee_id, pair.channel_id) == (MENTOR, MENTEE, PAIR_CHANNEL)
    (greeting,) = wire.fake.messages_in(PAIR_CHANNEL)
    assert f"<@{MENTEE}>" in greeting["text"] and f"<@{MENTOR}>" in greeting["text"]


def test_the_bot_must_be_in_the_channel(wire: Wire) -> None:
    """In a channel the bot isn't in: how to invite it, and no pair."""
    wire.fake.add_channel(
        "CNOBOT", "private-talk", members=(MENTOR, MENTEE), is_private=True, bot_is_member=False
    )
    sent = wire.command("/mentor", f"pair <@{MENTOR}> <@{MENTEE}>", user=MENTEE, channel="CNOBOT")
    assert "/invite @Mentorbot" in sent.reply_text
    assert _pairs(wire) == []


def test_a_public_channel_asks_first_and_posts_nothing_until_confirmed(wire: Wire) -> None:
    """Pairing in a public channel asks first, saying anyone can read what is posted there and
    offering `new`; nothing is posted or stored until the person who asked confirms."""
    wire.fake.add_channel("CPUBLIC", "general", members=(MENTOR,), is_private=False)
    asked = wire.command("/mentor", f"pair <@{MENTOR}> <@{MENTEE}>", user=MENTOR, channel="CPUBLIC")
    assert _pairs(wire) == [] and wire.fake.messages_in("CPUBLIC") == []
    assert "public" in asked.reply_text and "review summaries" in asked.reply_text
    assert "`new`" in asked.reply_text
    assert f"<@{MENTEE}> isn't in this channel yet" in asked.reply_text
    confirm, cancel = asked.reply["blocks"][-1]["elements"]
    assert (confirm["action_id"], cancel["action_id"]) == (
        pairing.CONFIRM_PAIR,
        pairing.CANCEL_PAIR,
    )
    kept = wire.click(pairing.CANCEL_PAIR, cancel["value"], user=MENTOR, channel="CPUBLIC")
    assert "nothing changed" in kept.reply_text and _pairs(wire) == []
    done = wire.click(pairing.CONFIRM_PAIR, confirm["value"], user=MENTOR, channel="CPUBLIC")
    assert "now mentors" in done.reply_text and done.reply["replace_original"] is True
    (pair,) = _pairs(wire)
    assert (pair.mentor_id, pair.mentee_id, pair.channel_id) == (MENTOR, MENTEE, "CPUBLIC")
    (greeting,) = wire.fake.messages_in("CPUBLIC")
    assert f"<@{MENTEE}>" in greeting["text"]


def test_pairing_the_same_two_again_says_they_already_are(wire: Wire) -> None:
    """The same mentor and mentee again: told they are paired already, and where; no question."""
    wire.command("/mentor", f"pair <@{MENTOR}> <@{MENTEE}>", user=MENTEE)
    wire.fake.add_channel("CAGAIN", "again", members=(MENTOR, MENTEE), is_private=True)
    again = wire.command("/mentor", f"pair <@{MENTOR}> <@{MENTEE}>", user=MENTEE, channel="CAGAIN")
    assert f"<@{MENTOR}> already mentors <@{MENTEE}>" in again.reply_text
    assert len(_pairs(wire)) == 1 and wire.fake.messages_in("CAGAIN") == []


def test_pairing_the_other_way_round_asks_first(wire: Wire) -> None:
    """Reversing an existing pair asks first, naming who would mentor whom; only the person who
    asked can confirm; nothing is posted or stored before."""
    wire.command("/mentor", f"pair <@{MENTOR}> <@{MENTEE}>", user=MENTEE)
    wire.fake.add_channel("CBACK", "back", members=(MENTOR, MENTEE), is_private=True)
    asked = wire.command("/mentor", f"pair <@{MENTEE}> <@{MENTOR}>", user=MENTEE, channel="CBACK")
    assert len(_pairs(wire)) == 1 and wire.fake.messages_in("CBACK") == []
    assert f"<@{MENTOR}> already mentors <@{MENTEE}>" in asked.reply_text
    assert f"<@{MENTEE}> would mentor <@{MENTOR}>" in asked.reply_text
    confirm = asked.reply["blocks"][-1]["elements"][0]
    assert confirm["action_id"] == pairing.CONFIRM_PAIR
    refused = wire.click(pairing.CONFIRM_PAIR, confirm["value"], user=MENTOR, channel="CBACK")
    assert refused.reply_text.startswith(":warning:") and len(_pairs(wire)) == 1
    done = wire.click(pairing.CONFIRM_PAIR, confirm["value"], user=MENTEE, channel="CBACK")
    assert "now mentors" in done.reply_text
    reverse = next(p for p in _pairs(wire) if p.mentor_id == MENTEE)
    assert (reverse.mentee_id, reverse.channel_id) == (MENTOR, "CBACK")
    assert len(wire.fake.messages_in("CBACK")) == 1


def test_pair_in_a_new_private_channel(wire: Wire) -> None:
    """`new` creates a private channel named after both and invites them."""
    sent = wire.command(
        "/mentor", f"pair <@{MENTOR}> <@{MENTEE}> new", user=MENTOR, channel="DUMENTOR"
    )
    (create,) = wire.fake.calls_to("conversations.create")
    assert create.args["name"] == "mentoring-lee-maria"
    assert str(create.args["is_private"]) in ("1", "true", "True")  # slack_sdk sends "1"
    (invite,) = wire.fake.calls_to("conversations.invite")
    assert set(invite.args["users"].split(",")) == {MENTOR, MENTEE}
    (pair,) = _pairs(wire)
    assert pair.channel_id == invite.args["channel"]
    assert "now mentors" in sent.reply_text


def test_a_new_channel_whose_invite_fails_is_archived(wire: Wire) -> None:
    """If Slack refuses the invite, the channel just made is archived and no pair is made."""
    wire.fake.fail_next("conversations.invite", "user_is_restricted")
    wire.command("/mentor", f"pair <@{MENTOR}> <@{MENTEE}> new", user=MENTOR, channel="DUMENTOR")
    (archive,) = wire.fake.calls_to("conversations.archive")
    slack = WebClient(token=wire.fake.token, base_url=wire.fake.base_url)
    channel = slack.conversations_info(channel=archive.args["channel"])["channel"]
    assert (channel["name"], channel["is_archived"]) == ("mentoring-lee-maria", True)
    assert _pairs(wire) == []


def test_pairing_in_a_dm_points_to_new(wire: Wire) -> None:
    """A DM can't be a shared channel: the reply suggests `new`, nothing stored."""
    sent = wire.command("/mentor", f"pair <@{MENTOR}> <@{MENTEE}>", user=MENTEE, channel="DUMENTEE")
    assert "`new`" in sent.reply_text and _pairs(wire) == []


def test_outsiders_cannot_pair_others_but_admins_can(wire: Wire) -> None:
    """Pairing two other people needs an admin."""
    refused = wire.command("/mentor", f"pair <@{MENTOR}> <@{MENTEE}>", user=OUTSIDER)
    assert "only pair yourself" in refused.reply_text and _pairs(wire) == []
    wire.command("/mentor", f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    assert len(_pairs(wire)) == 1


def test_bots_and_unknown_people_cannot_be_paired(wire: Wire) -> None:
    """A bot or an unknown id in a pairing is refused by name."""
    wire.fake.add_user("UROBOT", "robot", is_bot=True)
    assert (
        "is a bot" in wire.command("/mentor", f"pair <@UROBOT> <@{MENTEE}>", user=MENTEE).reply_text
    )
    assert (
        "can't find"
        in wire.command("/mentor", f"pair <@UNOBODY> <@{MENTEE}>", user=MENTEE).reply_text
    )
    assert _pairs(wire) == []


def test_status_lists_pairs_roles_and_goals(wire: Wire) -> None:
    """/mentor status shows each pair with the caller's role and open goals."""
    wire.command("/mentor", f"pair <@{MENTOR}> <@{MENTEE}>", user=MENTEE)
    wire.command("/goal", "Give a talk at a meetup by June 2027", user=MENTEE)
    status = wire.command("/mentor", "status", user=MENTOR).reply_text
    assert f"You mentor <@{MENTEE}>" in status and "Give a talk at a meetup" in status
    assert "not in a mentorship yet" in wire.command("/mentor", "status", user=OUTSIDER).reply_text


def test_end_asks_first_then_ends_and_keeps_history(wire: Wire) -> None:
    """/mentor end shows a confirm button; End ends the pair, tells the channel, keeps goals."""
    wire.command("/mentor", f"pair <@{MENTOR}> <@{MENTEE}>", user=MENTEE)
    wire.command("/goal", "Give a talk", user=MENTEE)
    asked = wire.command("/mentor", "end", user=MENTOR)
    button = asked.reply["blocks"][1]["elements"][0]
    assert (
        button["action_id"] == pairing.END_PAIR
        and button["style"] == "danger"
        and "confirm" in button
    )
    assert _pairs(wire)[0].status == "active"  # asking changes nothing
    ended = wire.click(pairing.END_PAIR, button["value"], user=MENTOR, channel=PAIR_CHANNEL)
    assert "was ended by" in ended.reply_text and ended.reply["replace_original"] is True
    assert _pairs(wire)[0].status == "ended"
    assert "was ended by" in wire.fake.messages_in(PAIR_CHANNEL)[-1]["text"]
    history = wire.command("/goal", "list", user=MENTEE).reply_text
    assert "Give a talk" in history and "read-only" in history
    assert "read-only" in wire.command("/win", "One more", user=MENTEE).reply_text


def test_keep_it_changes_nothing(wire: Wire) -> None:
    """Pressing "Keep it" replaces the question and leaves the pair active."""
    wire.command("/mentor", f"pair <@{MENTOR}> <@{MENTEE}>", user=MENTEE)
    pair_id = str(_pairs(wire)[0].id)
    kept = wire.click(pairing.KEEP_PAIR, pair_id, user=MENTEE, channel=PAIR_CHANNEL)
    assert "nothing changed" in kept.reply_text and _pairs(wire)[0].status == "active"


def test_end_with_two_people_in_several_pairs(wire: Wire) -> None:
    """A mentor of two mentees ends the right one with `/mentor end @mentee`."""
    wire.command("/mentor", f"pair <@{MENTOR}> <@{MENTEE}>", user=MENTEE)
    wire.fake.add_channel("CPAIR2", "maria-sam", members=(MENTOR, SECOND_MENTEE), is_private=True)
    wire.command("/mentor", f"pair <@{MENTOR}> <@{SECOND_MENTEE}>", user=MENTOR, channel="CPAIR2")
    ambiguous = wire.command("/mentor", "end", user=MENTOR, channel="DUMENTOR")
    assert "2 mentorships" in ambiguous.reply_text
    asked = wire.command("/mentor", f"end <@{SECOND_MENTEE}>", user=MENTOR, channel="DUMENTOR")
    value = asked.reply["blocks"][1]["elements"][0]["value"]
    second = next(p for p in _pairs(wire) if p.mentee_id == SECOND_MENTEE)
    assert value == str(second.id)


def test_an_admin_ends_the_pair_of_the_channel_they_are_in(wire: Wire) -> None:
    """An admin's `/mentor end` in a pair's channel asks to end that pair, then ends it."""
    wire.command("/mentor", f"pair <@{MENTOR}> <@{MENTEE}>", user=MENTEE)
    asked = wire.command("/mentor", "end", user=ADMIN, channel=PAIR_CHANNEL)
    assert "not in a mentorship" not in asked.reply_text
    button = asked.reply["blocks"][1]["elements"][0]
    assert button["action_id"] == pairing.END_PAIR and button["value"] == str(_pairs(wire)[0].id)
    ended = wire.click(pairing.END_PAIR, button["value"], user=ADMIN, channel=PAIR_CHANNEL)
    assert f"was ended by <@{ADMIN}>" in ended.reply_text and _pairs(wire)[0].status == "ended"


def test_an_admin_ends_any_pair_by_naming_both_from_anywhere(wire: Wire) -> None:
    """`/mentor end @mentor @mentee` from an admin's DM asks to end that pair."""
    wire.command("/mentor", f"pair <@{MENTOR}> <@{MENTEE}>", user=MENTEE)
    asked = wire.command("/mentor", f"end <@{MENTOR}> <@{MENTEE}>", user=ADMIN, channel="DUADMIN")
    assert asked.reply["blocks"][1]["elements"][0]["value"] == str(_pairs(wire)[0].id)


def test_status_says_when_a_pair_needs_attention_and_how_to_fix_it(wire: Wire, paired) -> None:
    """A pair the bot could not post for (archived channel) is flagged in `/mentor status`,
    with the fix, as in the Home; the warning goes once the pair is healthy again."""

    def set_attention(reason: str | None) -> None:
        with session_scope(wire.services.engine) as session:
            pair = session.exec(select(Pair)).one()
            pair.attention = reason
            session.add(pair)

    set_attention("chat.postMessage: is_archived")
    shown = wire.command("/mentor", "status", user=MENTOR).reply_text
    assert "Needs attention" in shown and "the channel is archived. Unarchive it" in shown
    set_attention(None)
    assert "Needs attention" not in wire.command("/mentor", "status", user=MENTOR).reply_text

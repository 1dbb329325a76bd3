"""Slack markup in, escaped mrkdwn out: nothing typed can ping a channel or break a block."""

import pytest

from handlers.slack_text import clean, clip, from_slack, mentioned_users, mrkdwn, plain


def test_from_slack_keeps_people_and_channels_and_defuses_broadcasts() -> None:
    """Mentions become canonical references; @channel/@here become plain words."""
    text = "thanks <@U123|bob> in <#C9|gen> <!channel> <!here> <!subteam^S1|@eng> &amp; co"
    assert from_slack(text) == "thanks <@U123> in <#C9> @channel @here @eng & co"


def test_from_slack_unescapes_what_people_typed_literally() -> None:
    """Slack escapes a typed `<!channel>`; we keep it as the characters typed."""
    assert from_slack("&lt;!channel&gt; 3 &gt; 2") == "<!channel> 3 > 2"


def test_links_keep_their_address() -> None:
    """A link shows its label and address; a bare link, its address."""
    assert from_slack("<https://a.example/x|the doc> <https://b.example>") == (
        "the doc (https://a.example/x) https://b.example"
    )


@pytest.mark.parametrize("typed", ["<!channel>", "<!here>", "<!everyone>", "<!subteam^S1>"])
def test_mrkdwn_never_emits_a_broadcast(typed: str) -> None:
    """Whatever reaches mrkdwn escaped, a broadcast token can't survive."""
    rendered = mrkdwn(from_slack(typed)) + mrkdwn(typed)
    assert "<!" not in rendered


def test_mrkdwn_escapes_everything_but_people_and_channels() -> None:
    """&, < and > are escaped; only <@U…> and <#C…> references stay live."""
    assert mrkdwn("a & b <@U1> <#C2> <b>") == "a &amp; b <@U1> <#C2> &lt;b&gt;"


def test_clip_never_cuts_an_escape_or_a_reference() -> None:
    """A cut falls before `&amp;` or `<@U…>` rather than through them, and ends with …."""
    assert clip("ab &amp; cd", 6) == "ab…"
    assert clip("hello <@U12345> there", 12) == "hello…"
    assert clip("short", 10) == "short"
    assert len(clip("x" * 5000, 3000)) == 3000


def test_plain_text_is_flattened_and_cut() -> None:
    """plain() collapses whitespace and cuts to the limit with an ellipsis."""
    assert plain("a\n b", 10) == "a b"
    assert plain("y" * 100, 75) == "y" * 74 + "…"


def test_mentioned_users_in_order() -> None:
    """User references are listed in the order written."""
    assert mentioned_users("<@U2> and <@W1> not <#C3>") == ["U2", "W1"]


def test_clean_takes_out_what_the_database_cannot_hold() -> None:
    """NUL and the other C0 controls go (tab and newline stay); a lone surrogate becomes
    U+FFFD; everything else, emoji included, is kept."""
    assert clean("a\x00b\x07c\x1b\rd\te\nf") == "ab" + "cd\te\nf"
    assert clean("x\ud800y\udfffz") == "x\ufffdy\ufffdz"
    assert clean("Grüße 😀 – ok") == "Grüße 😀 – ok"


def test_from_slack_cleans_what_it_returns() -> None:
    """Text from Slack is cleaned, even where an escape spells a control character."""
    assert from_slack("win:\x00 shipped \ud83d it&#1;") == "win: shipped \ufffd it"

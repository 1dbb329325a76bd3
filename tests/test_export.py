"""`/mentor export`: each person's own record, as a Markdown brag document and JSON, in their
DM — the mentee's roadmap with its history, wins, reviews and commitments; the mentor's own
answers and commitments and the wins they were told of; nobody's words that are not theirs."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Engine

from handlers.records.files import md, record_data, record_json, record_markdown
from mentoring import records
from mentoring.goals import RevisionInfo
from mentoring.model import FORGOTTEN, Actor, PairInfo, Role
from mentoring.records import (
    CommitmentRecord,
    FitRecord,
    GoalRecord,
    MentorshipRecord,
    MilestoneRecord,
    PersonRecord,
    ReviewRecord,
    WinRecord,
)
from mentoring.reviews.summary import AuditLine, StopStartContinue
from tests.conftest import MENTEE, MENTOR, OUTSIDER, SECOND_MENTEE, Wire
from tests.support import T0, T
from tests.surfaces import (
    SECOND_CHANNEL,
    SECRET_ACTION,
    SECRET_FIT,
    SECRET_GOAL,
    SECRET_REVIEW,
    SECRET_STEP,
    SECRET_WIN,
    populate,
)

MENTOR_WORDS = ("Cancelling late", "Agendas", "Pairing")  # the mentor's review answers


def _record(role: Role = Role.MENTEE, other: str = MENTOR) -> PersonRecord:
    """A record built by hand, with text that Markdown would read as markup."""
    pair = PairInfo(
        id=1,
        team_id="T1",
        mentor_id=MENTOR if role == Role.MENTEE else MENTEE,
        mentee_id=MENTEE if role == Role.MENTEE else other,
        channel_id="C1",
        active=False,
        created_at=T0,
        ended_at=T(days=90),
    )
    goal = GoalRecord(
        number=2,
        text="# Ship *the* <b>thing</b>",
        status="done",
        due_on=date(2027, 3, 31),
        created_at=T0,
        closed_at=T(days=60),
        history=(
            RevisionInfo("Ship a thing", "# Ship *the* <b>thing</b>", "Scope grew", T(days=30)),
        ),
        milestones=(MilestoneRecord("2.1", "1. Draft\n- outline", "done", None, T0, T(days=3)),),
    )
    review = ReviewRecord(
        number=1,
        opened_at=T(days=28),
        closed_at=T(days=30),
        answered=True,
        own=StopStartContinue("Overthinking", "Asking early", "Writing notes"),
        audit=(AuditLine("2", "Ship a thing", "behind", "skill_gap", "Pair with <@UMENTOR>"),),
        evidence=("Gave the talk",),
        changes=(),
        commitments=(),
        checkins=(),
        fit=FitRecord(4, "Good match"),
    )
    return PersonRecord(
        MENTEE,
        T(days=100),
        (
            MentorshipRecord(
                pair=pair,
                role=role,
                other=other,
                goals=(goal,),
                wins=(WinRecord("Gave the talk", "Rehearsing twice", 2, T(days=20)),),
                reviews=(review,),
                commitments=(CommitmentRecord("start", "Asking early", "yes", 1, 2, T(days=30)),),
            ),
        ),
    )


def test_markdown_escapes_what_people_typed_and_keeps_lists_whole() -> None:
    """Markup in people's words stays characters; a line that would start a list or a heading
    is escaped and indented into its item; a mention becomes the person's name."""
    assert md("# *x* <b> & [a](b)") == r"\# \*x\* \<b\> \& \[a\](b)"
    assert md("1. one\n- two", {}) == "1\\. one\n  \\- two"
    assert md("thanks <@U1>", {"U1": "ann"}) == "thanks @ann"


def test_the_brag_document_holds_goals_history_steps_wins_reviews_and_commitments() -> None:
    """Every part of the record is in the Markdown, dated, with names for people."""
    text = record_markdown(_record(), {MENTEE: "lee", MENTOR: "maria"})
    assert text.startswith("# Mentorship record of @lee\n")
    assert "## Mentored by @maria" in text and "21 November 2026 to 19 February 2027" in text
    assert r"#### Goal 2: \# Ship \*the\* \<b\>thing\</b\>" in text
    assert "- achieved, target 31 March 2027, set 21 November 2026" in text
    assert "- Until 21 December 2026 it read: Ship a thing" in text and "Why: Scope grew" in text
    assert "- [x] Step 2.1: 1\\. Draft\n  \\- outline (done 24 November 2026)" in text
    assert "(goal 2): Gave the talk\n  What worked: Rehearsing twice" in text
    assert "- 2 Ship a thing: behind, held up by skill gap: Pair with @maria" in text
    assert "- Stop: Overthinking" in text and "- Start: Asking early" in text
    assert "(private, yours alone): 4 of 5: Good match" in text
    assert "- Start (review 1): Asking early — kept at review 2" in text


def test_the_json_is_the_same_record_with_ids_and_iso_dates() -> None:
    """The JSON carries the same facts for a machine; a forgotten person has no id."""
    data = json.loads(record_json(_record(other=FORGOTTEN, role=Role.MENTOR), {}))
    (mentorship,) = data["mentorships"]
    assert data["format"] == "mentorbot-record/1" and data["person"]["id"] == MENTEE
    assert mentorship["with"] == {"id": None, "name": "a former member"}
    assert mentorship["goals"][0]["history"][0]["reason"] == "Scope grew"
    assert mentorship["goals"][0]["target_date"] == "2027-03-31"
    assert mentorship["reviews"][0]["fit"] == {"score": 4, "comment": "Good match"}
    assert mentorship["commitments"][0]["checked_in_review"] == 2
    assert record_data(_record(), {})["exported_at"] == T(days=100).isoformat()


@pytest.mark.both_backends
def test_the_mentee_gets_their_roadmap_and_answers_the_mentor_only_their_own(
    engine: Engine,
) -> None:
    """The mentee's record: goals, steps, wins, their own answers with the fit answer, their
    commitments — none of the mentor's words. The mentor's: their answers and commitments and
    the wins — no goal, no audit, never the mentee's answers or fit."""
    populate(engine)
    mentee = records.export_record(engine, Actor(MENTEE), T0)
    mine = next(m for m in mentee.mentorships if m.other == MENTOR)
    assert [g.text for g in mine.goals][:1] == [SECRET_GOAL]
    assert mine.goals[0].milestones[0].text == SECRET_STEP
    assert SECRET_WIN in mine.wins[0].text
    (review,) = mine.reviews
    assert review.own is not None and review.own.stop == SECRET_REVIEW
    assert review.fit == FitRecord(1, SECRET_FIT) and review.audit
    assert not any(word in repr(mentee) for word in MENTOR_WORDS)
    mentor = records.export_record(engine, Actor(MENTOR), T0)
    (theirs,) = mentor.mentorships
    assert theirs.role == Role.MENTOR and theirs.goals == ()
    assert SECRET_WIN in theirs.wins[0].text
    (review,) = theirs.reviews
    assert review.own is not None and review.own.stop == "Cancelling late"
    assert review.fit is None and review.audit == () and review.evidence == ()
    assert sorted(c.text for c in theirs.commitments) == ["Agendas", "Cancelling late"]
    shown = repr(mentor)
    assert SECRET_FIT not in shown and SECRET_REVIEW not in shown and SECRET_GOAL not in shown
    assert records.export_record(engine, Actor(OUTSIDER), T0).mentorships == ()


def test_export_sends_two_files_to_the_persons_dm(wire: Wire) -> None:
    """`/mentor export`: a Markdown and a JSON file in one DM message that says what they are,
    and a private line saying so; the files hold the person's record."""
    wire.fake.add_channel(SECOND_CHANNEL, "lee-sam", members=(MENTEE, SECOND_MENTEE))
    populate(wire.services.engine)
    sent = wire.command("/mentor", "export", user=MENTEE)
    assert sent.reply_text.startswith(":package: Sent: your record of 2 mentorships")
    uploads = wire.fake.uploads(f"D{MENTEE}")
    assert [u.filename for u in uploads] == [
        "mentorship-record-2026-11-21.md",
        "mentorship-record-2026-11-21.json",
    ]
    assert uploads[0].initial_comment and "brag document" in uploads[0].initial_comment
    markdown, data = uploads[0].data.decode(), json.loads(uploads[1].data)
    assert SECRET_GOAL in markdown and SECRET_FIT in markdown and "## Mentoring @sam" in markdown
    assert SECRET_ACTION not in markdown  # action items are not part of the record
    assert {m["role"] for m in data["mentorships"]} == {"mentor", "mentee"}
    (message,) = [m for m in wire.fake.messages_in(f"D{MENTEE}") if m.get("files")]
    assert len(message["files"]) == 2


def test_export_says_so_when_there_is_nothing_or_slack_refuses(wire: Wire) -> None:
    """No mentorship: nothing uploaded, and why. Words after `export`: a refusal. Slack
    refusing the upload: the reason, and nothing claimed as sent."""
    alone = wire.command("/mentor", "export", user=OUTSIDER)
    assert "no mentorship record" in alone.reply_text
    named = wire.command("/mentor", f"export <@{MENTEE}>", user=OUTSIDER)
    assert named.reply_text.startswith(":warning: `/mentor export` takes nothing after it")
    assert wire.fake.uploads() == []
    populate(wire.services.engine)
    wire.fake.fail_next("files.completeUploadExternal", "missing_scope")
    refused = wire.command("/mentor", "export", user=MENTOR)
    assert refused.reply_text.startswith(":warning: I couldn't send your record")
    assert "files:write" in refused.reply_text

"""Review messages and questionnaire pages stay within Block Kit's limits, however much a pair
has written, and escape what people typed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fakeslack import validate_message, validate_view
from handlers.reviews import messages as review_messages
from handlers.reviews import questionnaire
from mentoring.milestones import MilestoneInfo
from mentoring.model import GoalInfo, GoalStatus, PairInfo, Role
from mentoring.reviews.questionnaire import (
    CHECKINS_PER_PAGE,
    AuditGoal,
    Questionnaire,
    Saved,
    WinChoice,
    _chunk_audit,
    _pages_of,
)
from mentoring.reviews.summary import AuditLine, GoalChange, ReviewSummary, StopStartContinue
from mentoring.reviews.values import CommitmentInfo, ReviewInfo
from tests.conftest import flatten_text
from tests.support import T0

PAIR = PairInfo(1, "T1", "UMENTOR", "UMENTEE", "C1", True, T0, None)
REVIEW = ReviewInfo(7, 1, 3, T0, T0 + timedelta(days=7), "closed", T0, "both answered")
HUGE = "<!channel> & <b> 🚀 " + "x" * 6000


def _goal(number: int, text: str = HUGE) -> GoalInfo:
    return GoalInfo(number, 1, number, text, date(2027, 5, 1), GoalStatus.OPEN, T0, None)


def _heavy_form(role: Role = Role.MENTEE) -> Questionnaire:
    goals = tuple(_goal(n) for n in range(1, 31))
    audit = tuple(
        AuditGoal(
            goal,
            tuple(
                MilestoneInfo(goal.number * 100 + m, goal.number, m, HUGE, None, m % 2 == 0, 1)
                for m in range(1, 11)
            ),
        )
        for goal in goals
    )
    wins = tuple(WinChoice(n, HUGE, T0) for n in range(1, 151))
    checkins = tuple(CommitmentInfo(n, "UMENTEE", "start", HUGE, None) for n in range(1, 41))
    pages = _pages_of("checkin", len(checkins), CHECKINS_PER_PAGE)
    pages += [f"audit:{n}" for n in range(len(_chunk_audit(audit)))]
    pages += ["evidence", "ssc", "goalpost:0", "goalpost:1", "goalpost:2", "fit"]
    saved = Saved(stop=HUGE, start=HUGE, keep_doing=HUGE, fit_comment=HUGE, fit_score=2)
    return Questionnaire(
        REVIEW, PAIR, "UMENTEE", role, tuple(pages), checkins, audit, wins, goals, saved
    )


def _mrkdwn(node: object) -> list[str]:
    """Every mrkdwn text in a view (plain_text shows `<!channel>` literally, mrkdwn pings)."""
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "mrkdwn" else []
        return own + [text for value in node.values() for text in _mrkdwn(value)]
    if isinstance(node, list):
        return [text for item in node for text in _mrkdwn(item)]
    return []


def test_every_page_of_a_heavy_questionnaire_is_a_valid_modal() -> None:
    """30 goals with 10 milestones each, 150 wins and 40 commitments: every page is a valid
    view under 100 blocks, with its review and page in private_metadata."""
    form = _heavy_form()
    assert sum(page.startswith("audit:") for page in form.pages) == 15  # 2 goals of 11 a page
    assert sum(page.startswith("checkin:") for page in form.pages) == 2  # 30 + 10 commitments
    for index, page in enumerate(form.pages):
        view = questionnaire.review_page(form, index)
        assert validate_view(view) == [], (index, validate_view(view))
        assert len(view["blocks"]) <= 100
        assert questionnaire.page_metadata(view) == (REVIEW.id, page)
        assert not any("<!channel>" in text for text in _mrkdwn(view))  # plain_text is inert


@pytest.mark.parametrize(
    "metadata",
    [
        "",
        "7",
        "[]",
        '{"review": "7", "page": 0}',
        '{"review": 7, "page": -1}',
        '{"review": 7, "page": "admin"}',
        '{"review": 7, "page": "audit:x"}',
        '{"review": true, "page": "ssc"}',
    ],
)
def test_page_metadata_that_is_not_ours_is_none(metadata: str) -> None:
    """Forged or garbled metadata is recognised as such, never trusted."""
    assert questionnaire.page_metadata({"private_metadata": metadata}) is None


def test_page_values_read_each_element_type() -> None:
    """Text, a chosen option, several chosen options, and nothing chosen."""
    view = {
        "state": {
            "values": {
                "stop": {"stop": {"type": "plain_text_input", "value": "late starts"}},
                "fit_score": {
                    "fit_score": {"type": "static_select", "selected_option": {"value": "4"}}
                },
                "evidence": {
                    "evidence": {
                        "type": "multi_static_select",
                        "selected_options": [{"value": "3"}, {"value": "5"}],
                    }
                },
                "decision:1": {"decision:1": {"type": "static_select", "selected_option": None}},
            }
        }
    }
    assert questionnaire.page_values(view) == {
        "stop": "late starts",
        "fit_score": "4",
        "evidence": ["3", "5"],
        "decision:1": None,
    }


def test_a_summary_full_of_text_fits_a_message_and_carries_no_fit() -> None:
    """Long answers everywhere: within 50 blocks and 3000 characters, people's text escaped,
    and nothing in the summary's type could carry the fit answer."""
    feedback = StopStartContinue(HUGE, HUGE, HUGE)
    summary = ReviewSummary(
        pair=PAIR,
        review=REVIEW,
        answered=("UMENTEE",),
        audit=tuple(AuditLine(f"{n}.1", HUGE, "behind", "skill_gap", HUGE) for n in range(1, 200)),
        feedback={Role.MENTEE: feedback, Role.MENTOR: feedback},
        evidence=(HUGE, HUGE, HUGE),
        changes=tuple(GoalChange(n, "pivot", HUGE, HUGE, HUGE) for n in range(1, 40)),
        commitments=tuple(CommitmentInfo(n, "UMENTOR", "stop", HUGE, None) for n in range(50)),
        checkins=tuple(CommitmentInfo(n, "UMENTEE", "start", HUGE, "partly") for n in range(50)),
    )
    message = review_messages.summary_message(summary)
    assert validate_message(message) == []
    text = flatten_text(message)
    shown = "\n".join([message["text"], *_mrkdwn(message["blocks"])])  # the table's cells
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown  # are raw_text: not parsed
    assert "<@UMENTOR> didn't finish" in text and "skill gap" in text
    assert "fit" not in {name.lower() for name in ReviewSummary.__dataclass_fields__}


def test_a_goal_with_more_milestones_than_a_page_is_split_over_pages() -> None:
    """100 milestones on one goal: four audit pages, each under 100 blocks, every milestone on
    exactly one of them, the goal's own choice on the first and its note on the last."""
    goal = _goal(1, "Ship the platform")
    steps = tuple(MilestoneInfo(n, 1, n, f"Step {n}", None, False, 1) for n in range(1, 101))
    chunks = _chunk_audit((AuditGoal(goal, steps), AuditGoal(_goal(2, "Write a talk"), ())))
    assert len(chunks) == 5  # 29 + 30 + 30 + 11 steps, then goal 2 on a page of its own
    pages = [f"audit:{n}" for n in range(len(chunks))]
    form = Questionnaire(
        REVIEW,
        PAIR,
        "UMENTEE",
        Role.MENTEE,
        tuple(pages),
        (),
        (AuditGoal(goal, steps), AuditGoal(_goal(2, "Write a talk"), ())),
        (),
        (),
        Saved(),
    )
    shown: list[str] = []
    for index in range(len(pages)):
        view = questionnaire.review_page(form, index)
        assert validate_view(view) == [] and len(view["blocks"]) <= 100
        shown += [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    milestones = [key for key in shown if key.startswith("item:milestone:")]
    assert sorted(milestones) == sorted(f"item:milestone:{n}" for n in range(1, 101))
    assert shown.count("item:goal:1") == 1 and shown.count("note:1") == 1
    assert shown.index("item:goal:1") == 0 and shown.index("note:1") > shown.index(
        "item:milestone:100"
    )


def test_summary_fields_stay_under_2000_characters_once_escaped() -> None:
    """Stop/Start/Continue full of `&`, `<` and `>` (each escaped to four or five characters)
    still fits Slack's 2000 characters a field."""
    noisy = "R&D <-> QA & ops; " * 200
    summary = ReviewSummary(
        pair=PAIR,
        review=REVIEW,
        answered=("UMENTEE", "UMENTOR"),
        audit=(),
        feedback={
            Role.MENTEE: StopStartContinue(noisy, noisy, noisy),
            Role.MENTOR: StopStartContinue(noisy, noisy, noisy),
        },
        evidence=(),
        changes=(),
        commitments=(),
        checkins=(),
    )
    message = review_messages.summary_message(summary)
    assert validate_message(message) == []
    (fields,) = [b["fields"] for b in message["blocks"] if "fields" in b]
    assert len(fields) == 2 and all(len(f["text"]) <= 2000 for f in fields)
    assert all("R&amp;D &lt;-&gt; QA" in f["text"] for f in fields)


def _summary_with_audit(audit: tuple[AuditLine, ...]) -> ReviewSummary:
    return ReviewSummary(
        pair=PAIR,
        review=REVIEW,
        answered=("UMENTEE", "UMENTOR"),
        audit=audit,
        feedback={},
        evidence=(),
        changes=(),
        commitments=(),
        checkins=(),
    )


def test_the_roadmap_audit_is_one_table_with_a_text_fallback() -> None:
    """The audit is Slack's table block: a header row, then one row a goal or step with its
    "How you'll know", status, bottleneck and note as written (raw text, never parsed); the
    message's text fallback counts the statuses."""
    audit = (
        AuditLine("1", "Give a talk at <!channel> & friends", "on track", None, None, "<b>on</b>"),
        AuditLine("1.1", "Submit the proposal", "done", None, None),
        AuditLine("2", "Ship *the* platform", "behind", "skill_gap", "Pairing on Fridays"),
    )
    message = review_messages.summary_message(_summary_with_audit(audit))
    assert validate_message(message) == []
    (table,) = [block for block in message["blocks"] if block["type"] == "table"]
    rows = [[cell["text"] for cell in row] for row in table["rows"]]
    assert all(cell["type"] == "raw_text" for row in table["rows"] for cell in row)
    assert rows == [
        ["#", "Goal or step", "How you'll know", "Status", "Bottleneck", "What would help"],
        ["1", "Give a talk at <!channel> & friends", "<b>on</b>", "on track", "—", "—"],
        ["1.1", "Submit the proposal", "—", "done", "—", "—"],
        ["2", "Ship *the* platform", "—", "behind", "skill gap", "Pairing on Fridays"],
    ]
    assert not any("<!channel>" in text for text in _mrkdwn(message["blocks"]))
    assert message["text"] == ("Review 3: summary. Roadmap audit: 1 done, 1 on track, 1 behind.")


def test_an_audit_longer_than_a_table_ends_with_a_count_of_the_rest() -> None:
    """250 audit lines: the table keeps Slack's 100 rows (header, 98 lines, then how many
    more), and the message stays valid."""
    audit = tuple(AuditLine(f"{n}", HUGE, "behind", "time", HUGE) for n in range(1, 251))
    message = review_messages.summary_message(_summary_with_audit(audit))
    assert validate_message(message) == []
    (table,) = [block for block in message["blocks"] if block["type"] == "table"]
    assert len(table["rows"]) == 100
    assert table["rows"][-1][1]["text"] == "… and 152 more"
    assert "250 behind" in message["text"]

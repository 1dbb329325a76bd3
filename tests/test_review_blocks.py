"""Review messages and questionnaire pages stay within Block Kit's limits, however much a pair
has written, and escape what people typed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from handlers import review_blocks
from mentoring.milestones import MilestoneInfo
from mentoring.model import GoalInfo, GoalStatus, PairInfo, Role
from mentoring.review_answers import AuditGoal, Questionnaire, Saved, WinChoice, _chunk_audit
from mentoring.reviews import (
    AuditLine,
    CommitmentInfo,
    GoalChange,
    ReviewInfo,
    ReviewSummary,
    StopStartContinue,
)
from tests.conftest import flatten_text
from tests.fakes.blockkit import validate_message, validate_view
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
    pages = ["checkin"] + [f"audit:{n}" for n in range(len(_chunk_audit(audit)))]
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
    for index, _page in enumerate(form.pages):
        view = review_blocks.review_page(form, index)
        assert validate_view(view) == [], (index, validate_view(view))
        assert len(view["blocks"]) <= 100
        assert review_blocks.page_metadata(view) == (REVIEW.id, index)
        assert not any("<!channel>" in text for text in _mrkdwn(view))  # plain_text is inert


@pytest.mark.parametrize(
    "metadata", ["", "7", "[]", '{"review": "7", "page": 0}', '{"review": 7, "page": -1}']
)
def test_page_metadata_that_is_not_ours_is_none(metadata: str) -> None:
    """Forged or garbled metadata is recognised as such, never trusted."""
    assert review_blocks.page_metadata({"private_metadata": metadata}) is None


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
    assert review_blocks.page_values(view) == {
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
    message = review_blocks.summary_message(summary)
    assert validate_message(message) == []
    text = flatten_text(message)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "No answer from <@UMENTOR>" in text and "skill gap" in text
    assert "fit" not in {name.lower() for name in ReviewSummary.__dataclass_fields__}

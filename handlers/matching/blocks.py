"""Block Kit for finding a mentor: the suggestions, the request the mentor gets, the answers,
and the Find a mentor form. Every piece of a person's text is escaped (`mrkdwn`)."""

from __future__ import annotations

from handlers.kit import (
    Block,
    Message,
    actions,
    button,
    context,
    ephemeral,
    input_block,
    message,
    modal,
    quote,
    section,
    text_input,
)
from handlers.slack_text import clip, mrkdwn
from mentoring.matching.asking import RequestInfo
from mentoring.matching.finding import GOAL_MAX, Found, Match
from mentoring.model import PairInfo

FIND_FOR_GOAL = "find_mentor_for_goal"
FIND_FORM = "find_mentor"
FIND_GOAL = "find_goal"
ASK_MENTOR = "ask_mentor"
ACCEPT_REQUEST = "accept_mentee"
DECLINE_REQUEST = "decline_mentee"
FIND_LABEL = "Find someone one or two steps ahead"
QUOTE_CHARS = 300
PRIVATE = (
    "Ask sends them your goal — only that — with Accept and Decline. Nobody else sees whom "
    "you asked or what they answer."
)
NOBODY = (
    "Nobody who offers to mentor matches this goal right now (with room for a mentee and "
    "working hours you share). Try other words, or look again in a while."
)


def _ahead(steps: int) -> str:
    if steps == 1:
        return "one step ahead"
    if steps == 2:
        return "two steps ahead"
    return "further ahead (nobody nearer matched)"


def why(match: Match) -> str:
    """Why this mentor: how far ahead, and the evidence in their own words."""
    said = clip(mrkdwn(match.quote), QUOTE_CHARS)
    when = f"{match.on:%B %Y}"
    if match.source == "goal":
        evidence = f"achieved the goal “{said}” ({when}), shared with their consent"
    elif match.source == "win":
        evidence = f"logged the win “{said}” ({when}), shared with their consent"
    else:
        evidence = f"in their words: “{said}”"
    return f"<@{match.mentor_id}> — {_ahead(match.steps)}; {evidence}"


def suggestion_blocks(mentee: str, found: Found, start: int = 0) -> list[Block]:
    """One section per suggestion, its Ask button beside it (numbered: ids are unique in a
    message). The value carries who may ask, the mentor, and the goal."""
    goal = found.goal[:GOAL_MAX]
    return [
        section(
            why(match),
            button("Ask", f"{ASK_MENTOR}_{index}", f"{mentee}:{match.mentor_id}:{goal}"),
        )
        for index, match in enumerate(found.matches, start=start)
    ]


def suggestions(mentee: str, found: Found) -> Message:
    goal = clip(mrkdwn(found.goal), QUOTE_CHARS)
    if not found.matches:
        return ephemeral(f":mag: {NOBODY}", [section(f":mag: For “{goal}”: {NOBODY}")])
    line = f":mag: Mentors one or two steps ahead on “{goal}”:"
    return ephemeral(line, [section(line), *suggestion_blocks(mentee, found), context(PRIVATE)])


def asked(request: RequestInfo) -> Message:
    line = (
        f":envelope_with_arrow: Asked <@{request.mentor_id}>. They got your goal and nothing "
        "else; I'll tell you their answer here."
    )
    return ephemeral(line, [section(line)])


def request_for_mentor(request: RequestInfo) -> Message:
    """The mentor's DM: who asks, their goal, and Accept / Decline — nothing more."""
    line = f":wave: <@{request.mentee_id}> would like you as their mentor, for this goal:"
    value = str(request.id)
    return message(
        f"<@{request.mentee_id}> would like you as their mentor",
        [
            section(f"{line}\n{quote(request.goal)}"),
            context(
                "Accept makes a private channel for the two of you. Decline tells them kindly, "
                "with no reason given. Only the two of you see this request and its answer."
            ),
            actions(
                button("Accept", ACCEPT_REQUEST, value, style="primary"),
                button("Decline", DECLINE_REQUEST, value),
            ),
        ],
    )


def accepted_for_mentor(request: RequestInfo, pair: PairInfo) -> Message:
    line = (
        f":handshake: You now mentor <@{request.mentee_id}>, in <#{pair.channel_id}>. "
        "A first specific goal is a good start."
    )
    return message(line, [section(line)])


def accepted_for_mentee(request: RequestInfo, pair: PairInfo) -> Message:
    line = (
        f":tada: <@{request.mentor_id}> said yes: they'll mentor you, in <#{pair.channel_id}>. "
        "Bring your goal to your first meeting."
    )
    return message(line, [section(line)])


def declined_for_mentor(request: RequestInfo) -> Message:
    line = (
        f"Declined. I've let <@{request.mentee_id}> know kindly, with no reason given. "
        "`/mentor offer` changes how many mentees you can take."
    )
    return message(line, [section(line)])


def declined_for_mentee(request: RequestInfo, found: Found) -> Message:
    """Kind, without a reason; the next suggestion, if there is one."""
    line = (
        f":seedling: <@{request.mentor_id}> can't take on a mentee right now — that's about "
        "their time, not your goal."
    )
    goal = clip(mrkdwn(request.goal), QUOTE_CHARS)
    if not found.matches:
        rest = [section(f"For “{goal}”: {NOBODY}")]
    else:
        following = Found(found.goal, found.matches[:1])
        rest = [
            section(f"Someone else one or two steps ahead on “{goal}”:"),
            *suggestion_blocks(request.mentee_id, following),
            context(PRIVATE),
        ]
    return message(line, [section(line), *rest])


def find_form(goal_id: int, goal: str) -> Block:
    """The Find a mentor form, filled with the mentee's goal; they may put it in other words."""
    field = text_input(FIND_GOAL, GOAL_MAX)
    field["initial_value"] = goal[:GOAL_MAX]
    blocks = [
        context(
            "Someone who recently did what you want to do is often the most useful mentor. "
            "Put the goal in the words that say what you want to learn."
        ),
        input_block(FIND_GOAL, "Your goal", field),
    ]
    return modal(FIND_FORM, str(goal_id), "Find a mentor", blocks, submit="Find")

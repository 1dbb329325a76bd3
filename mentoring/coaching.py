"""Goal coaching: is a goal specific? Three explainable checks, never a refusal.

A specific goal names a concrete outcome (a thing made or won: a talk, a certification, a
promotion to a named role, a shipped feature, a number to reach), a time bound (a date or a
period), and something observable — a count, or an outcome that someone else could see happen.
"Improve my technical skills" has none of the three. The checks are word lists and patterns on
purpose: the reply can say exactly what is missing, and anyone can read why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from mentoring.dates import split_due
from mentoring.errors import InvalidInput

OUTCOME = "a concrete outcome"
TIME_BOUND = "a date"
OBSERVABLE = "something others could see happen"

# Things made, given, won or passed: each can be pointed at once it exists.
_ARTIFACTS = re.compile(
    r"\b(?:talks?|keynotes?|workshops?|lightning talks?|presentations?|present(?:s|ed)?\b"
    r"|demo(?: video)?|video|posts?|articles?|blog (?:posts?|series)|series|papers?|rfcs?"
    r"|design docs?|guides?|books?|newsletter|certificat(?:e|es|ion|ions)|exams?|cka|ckad"
    r"|pull requests?|prs?|librar(?:y|ies)|apps?|tools?|features?|releases?|launch(?:es|ed)?"
    r"|betas?|migrat(?:e|ed|ion)|pipelines?|offers?|raises?|roles?|promot(?:ed|ion) to"
    r"|interviews?|candidates?|hires?|interns?|on-call|rotations?|retrospectives?|projects?"
    r"|onboarding|roadmap|latency|p\d\d|problems?|stars?|users?|customers?)\b",
    re.IGNORECASE,
)
# Named roles: "Senior Engineer", "staff engineer", "engineering manager".
_ROLES = re.compile(
    r"\b(?:senior|staff|principal|lead|chief|head of|director|architect|(?:engineering )?manager)"
    r"\b",
    re.IGNORECASE,
)
# Verbs that describe a direction rather than an outcome.
_VAGUE = re.compile(
    r"^(?:to\s+)?(?:improve|get better|be (?:a |an )?(?:better|stronger|more|less)|become (?:a )?"
    r"(?:better|more|stronger)|learn|grow|develop|work on|understand|know more|explore|keep up"
    r"|feel|think about|focus on|level up|get (?:good|comfortable|more)|have (?:a )?better"
    r"|take on more|do more|write more|read more|network|be more|contribute to open source)\b",
    re.IGNORECASE,
)
_PERIOD = re.compile(
    r"\b(?:(?:by|before|until|till|within|in|during|through)\s+(?:the\s+)?"
    r"(?:end of\s+)?(?:q[1-4]|\d{4}|\d+\s+(?:days?|weeks?|months?|years?)|"
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|spring|summer|autumn|fall|winter"
    r"|next (?:week|month|quarter|year)|this (?:quarter|year))|\b20\d\d\b)",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"(?<![\d-])(?:\d+(?:[.,]\d+)?\s*(?:%|ms\b|-\w+)?|\b(?:one|two|three|four|five|six|seven|"
    r"eight|nine|ten|first)\b)",
    re.IGNORECASE,
)
_DATE_NUMBERS = re.compile(
    r"\b(?:20\d\d(?:-\d\d-\d\d)?|\d+\s+(?:days?|weeks?|months?|years?)|q[1-4])\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Coaching:
    missing: tuple[str, ...]
    example: str

    @property
    def specific(self) -> bool:
        return not self.missing


def coach(text: str, due_on: date | None, today: date) -> Coaching:
    """What a goal lacks of the three, and an example rewrite on the same theme."""
    body = text
    if due_on is None:
        try:
            dated = split_due(text, today)
            body, due_on = dated.text, dated.due_on
        except InvalidInput:  # a date we can't read still counts as a time bound below
            pass
    timed = due_on is not None or bool(_PERIOD.search(text))
    counted = bool(_NUMBER.search(_DATE_NUMBERS.sub(" ", body)))
    thing = bool(_ARTIFACTS.search(body)) or bool(_ROLES.search(body))
    outcome = thing and not (_VAGUE.search(body.strip()) and not counted)
    missing = []
    if not outcome:
        missing.append(OUTCOME)
    if not timed:
        missing.append(TIME_BOUND)
    if not (counted or thing):
        missing.append(OBSERVABLE)
    return Coaching(tuple(missing), example_for(text))


_EXAMPLES = (
    (re.compile(r"talk|speak|present|conference|meetup", re.I),
     "Give a 20-minute talk at a local meetup by March 2027"),
    (re.compile(r"promot|senior|staff|career|level", re.I),
     "Get promoted to Senior Engineer in the March 2027 review cycle"),
    (re.compile(r"writ|blog|article|post", re.I),
     "Publish two posts on the engineering blog by end of Q1 2027"),
    (re.compile(r"lead|manag|mentor|team", re.I),
     "Lead the design review of one cross-team project by April 2027"),
    (re.compile(r"open.?source|contribut", re.I),
     "Get 3 pull requests merged into an open-source project by June 2027"),
    (re.compile(r"learn|course|certif|cloud|kubernetes|aws|rust|python|machine", re.I),
     "Pass the CKA certification exam by May 2027"),
)  # fmt: skip
_DEFAULT_EXAMPLE = "Ship one feature end to end, reviewed by a senior engineer, by March 2027"


def example_for(text: str) -> str:
    """A specific goal on the same theme, to show the shape of one."""
    for pattern, example in _EXAMPLES:
        if pattern.search(text):
            return example
    return _DEFAULT_EXAMPLE

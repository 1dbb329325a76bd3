"""Goal coaching: is a goal specific? Three explainable checks, never a refusal.

A specific goal names a concrete outcome (a thing made or won: a talk, a certification, a
promotion to a named role, a shipped feature, a number to reach), a time bound (a date or a
period), and something observable — a count, or an outcome that someone else could see happen.
"Improve my technical skills" has none of the three. The checks are word lists and patterns on
purpose: the reply can say exactly what is missing, and anyone can read why.

- A number to reach is a number with a unit or an object ("under 5 minutes", "10 questions",
  "80%", "my first client"); numbers that are part of a date don't count.
- A named role is a title ("Senior Engineer", "people manager", "tech lead"), not the verb
  "lead" nor "my manager".
- A generic noun ("a project", "something") is not an outcome by itself; "project", "task" and
  the like count only with a qualifier: a describing word ("the billing project", "a
  cross-team project") or a phrase after it ("a project on search"). "3 things" is no target.
- A period can be relative: "this month", "next quarter", "by the end of the week",
  "by December", "over the next 6 months".
- A bar on a delivery counts as a number to reach: "a load time under 2 seconds", "accuracy
  above 0.9", "99.9% uptime".
- An outcome can be a thing the person makes or runs, said as a verb and its object: "host the
  Berlin meetup", "run the design sprint", "finish the budget spreadsheet". The object needs a
  determiner and a head noun that is neither generic ("a project") nor a quality ("my skills").
- A role change counts when it is a level ("level 4", "L5", "IC5") or an ownership ("owner of
  the deploy service", "maintainer of pytest", "committer on Arrow").
- A learning or direction verb ("learn", "master", "study", "get up to speed") and a comparison
  with no number ("more talks", "better docs", "faster") say where to head, not what will
  exist: no outcome, whatever the date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from mentoring.dates import split_due
from mentoring.errors import InvalidInput

OUTCOME = "a concrete outcome"
TIME_BOUND = "a date"
OBSERVABLE = "a result others could see"

# Things made, given, won or passed: each can be pointed at once it exists.
_ARTIFACTS = re.compile(
    r"\b(?:talks?|keynotes?|workshops?|lightning talks?|presentations?|present(?:s|ed)?\b"
    r"|(?:speak|speaks|speaking|spoke) at|demo(?: video)?|video|posts?|articles?"
    r"|blog (?:posts?|series)|series|papers?|rfcs?"
    r"|design docs?|guides?|books?|newsletter|certificat(?:e|es|ion|ions)|exams?|cka|ckad"
    r"|pull requests?|prs?|librar(?:y|ies)|apps?|tools?|features?|releases?|launch(?:es|ed)?"
    r"|betas?|migrat(?:e|ed|ion)|pipelines?|offers?|raises?|roles?|promot(?:ed|ion) to"
    r"|interviews?|candidates?|hires?|interns?|on-call|rotations?|retrospectives?"
    r"|onboarding|roadmap|latency|p\d\d|stars?|users?|customers?"
    r"|jobs?|positions?|proposals?|spreadsheets?|decks?|slides|rubrics?"
    r"|handbooks?|how-tos?|specs?|dashboards?|prototypes?|mockups?|wireframes?"
    r"|portfolios?|websites?|podcasts?|episodes?|essays?|chapters?|courses?"
    r"|meetups?|conferences?|summits?|panels?|hackathons?|hack weeks?|classes"
    r"|trainings?|lunch-and-learns?|kickoffs?|meetings?|webinars?|offsites?|all-hands"
    r"|game days?|one-on-ones|critiques?|usability (?:tests?|studies|study))\b",
    re.IGNORECASE,
)
# Nouns that could be anything. "something", "anything" and "stuff" never say what; the others
# are an outcome only with a qualifier: a describing word between the determiner and the noun
# ("the billing project", "a cross-team project") or a phrase after it ("a project on search").
_QUALIFIABLE = r"projects?|problems?|tasks?|initiatives?|things?"
_GENERIC_NOUNS = rf"{_QUALIFIABLE}|something|anything|stuff"
_GENERIC = re.compile(
    r"\b(?:a|an|the|my|our|your|their|his|her|this|that|one|\d+)\s+"
    rf"(?P<words>(?:[\w'-]+\s+){{0,3}}?)(?:{_QUALIFIABLE})\b"
    r"(?P<after>\s+(?:on|about|for|called|named)\s+\w)?",
    re.IGNORECASE,
)
# Words between the determiner and a generic noun that still don't say which one.
_NOT_QUALIFIERS = frozenset(
    ["new", "big", "small", "side", "personal", "cool", "fun", "interesting", "good", "great"]
    + ["important", "more", "few", "other", "another", "some", "any", "first", "next", "own"]
)
# Named roles: "Senior Engineer", "staff engineer role", "engineering manager", "tech lead".
_ROLES = re.compile(
    r"\b(?:(?:senior|staff|principal|lead|chief)\s+(?:[a-z]+\s+)?"
    r"(?:engineer|developer|designer|scientist|analyst|architect|consultant|researcher|manager)s?"
    r"|(?:engineering|people|product|project|program|delivery|team|line)\s+managers?"
    r"|(?:tech|team|technical)\s+leads?|head of|directors?|architects?"
    r"|(?:product|tech|technical|code|service)\s+owners?|ownership\s+of"
    r"|(?:owner|maintainer|co-maintainer|committer|steward)s?\s+(?:of|on|for)\s"
    r"|(?:core|lead)\s+(?:maintainer|developer|contributor)s?"
    r"|(?:level|grade|band)\s+\d+|(?:l|ic|e)\d{1,2}"
    r"|(?:senior|staff|principal|lead)[- ]level)\b",
    re.IGNORECASE,
)
# Verbs that describe a direction rather than an outcome.
_VAGUE = re.compile(
    r"^(?:to\s+)?(?:improve|get better|be (?:a |an )?(?:better|stronger|more|less)|become (?:a )?"
    r"(?:better|more|stronger)|learn|grow|develop|work on|understand|know more|explore|keep up"
    r"|feel|think about|focus on|level up|get (?:good|comfortable|more)|have (?:a )?better"
    r"|take on more|do more|write more|read more|network|be more|contribute to open source"
    r"|master|study|practi[cs]e|deepen|brush up|read up|dive (?:deeper|into)|try(?: out)?"
    r"|get (?:a )?(?:better )?(?:grasp|familiar|up to speed)|gain (?:more )?experience"
    r"|become (?:a |an |the )?(?:proficient|fluent|expert|familiar|comfortable|go-to|stronger)"
    r"|improve at|figure out|spend more time|keep learning|be seen as|build my (?:personal )?brand"
    r"|get (?:more )?(?:involved|exposure))\b",
    re.IGNORECASE,
)
# A comparison with no number says which way to go, not where to stop: "more talks",
# "better docs", "faster".
_COMPARISON = re.compile(
    r"\b(?:more|better|faster|less|fewer|stronger|often|bigger|smoother)\b", re.IGNORECASE
)
# A verb that makes, runs or hands over a thing, then its object: "host the Berlin meetup".
_MAKING_VERBS = (
    r"host|run|give|lead|organi[sz]e|facilitate|moderate|chair|emcee|teach|keynote|present"
    r"|deliver|ship|publish|release|launch|submit|send|finish|complete|write|draft|build"
    r"|record|hire|put|train|design|create|produce|prepare|open-source|roll out|set up"
)
_MADE_THING = re.compile(
    rf"(?:^|\band\s+)(?:to\s+)?(?:{_MAKING_VERBS})\s+(?:and\s+(?:{_MAKING_VERBS})\s+)?"
    r"(?:a|an|the|my|our|their|his|her|its|each|every)\s+"
    r"(?P<phrase>[\w/'-]+(?:\s+[\w/'-]+)*?)"
    r"(?=\s+(?:for|of|on|in|at|to|with|by|and|about|from|into|through|during|before|after"
    r"|that|which|who|so|as|under|within|until)\b|[,.;:!]|$)",
    re.IGNORECASE,
)
# Heads that name a quality or a group, not a thing someone could point at.
_NOT_THINGS = frozenset(
    ["skills", "knowledge", "brand", "network", "career", "confidence", "presence", "visibility"]
    + ["reputation", "habits", "style", "balance", "morale", "culture", "experience", "time"]
    + ["understanding", "mindset", "voice", "impact", "influence", "game", "craft", "best"]
    + ["way", "growth", "team", "teams", "work", "people", "code", "stuff"]
)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_PERIOD = re.compile(
    r"\b(?:(?:by|before|until|till|within|in|during|through)\s+(?:the\s+)?"
    rf"(?:end of\s+)?(?:q[1-4]|\d{{4}}|\d+\s+(?:days?|weeks?|months?|years?)|{_MONTHS}"
    r"|spring|summer|autumn|fall|winter)\b"
    r"|(?:this|next)\s+(?:week|month|quarter|year|sprint)\b"
    r"|end of (?:the|this|next)\s+(?:week|month|quarter|year|sprint)\b|\b20\d\d\b"
    r"|\b(?:over|for|in)\s+the\s+next\s+(?:\d+\s+|few\s+)?"
    r"(?:days?|weeks?|months?|quarters?|years?|sprints?)\b)",
    re.IGNORECASE,
)
# A number to reach: digits or a number word, then a unit, an object or a percent sign.
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    "forty|fifty|hundred|dozen|first"
)
_QUANTITY = re.compile(
    rf"(?<![\w-])(?:\d+(?:[.,]\d+)*|{_NUMBER_WORDS})"
    rf"(?:\s*%|\s+percent\b|(?:-|\s+)(?!(?:{_GENERIC_NOUNS})\b)[a-z][\w-]*)",
    re.IGNORECASE,
)
# A bar set with a comparison: "under 2 seconds", "above 0.9", "at least 5,000".
_BAR = re.compile(
    r"\b(?:under|below|above|over|beyond|at least|at most|less than|more than|fewer than)"
    r"\s+\d",
    re.IGNORECASE,
)
# Numbers that are part of a date or a period, not a count.
_DATE_NUMBERS = re.compile(
    rf"\b(?:20\d\d(?:-\d\d-\d\d)?|\d+\s+(?:days?|weeks?|months?|years?)|q[1-4]"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})|(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Coaching:
    missing: tuple[str, ...]
    example: str

    @property
    def specific(self) -> bool:
        return not self.missing


def coach(text: str, due_on: date | None, today: date, done_when: str | None = None) -> Coaching:
    """What a goal lacks of the three, and an example rewrite on the same theme. "How you'll
    know" (`done_when`) is judged with the wording: it often names the thing others will see
    ("the talk is on the meetup schedule"). A date is looked for at the wording's end."""
    body = text
    if due_on is None:
        try:
            dated = split_due(text, today)
            body, due_on = dated.text, dated.due_on
        except InvalidInput:  # an unreadable "by …" clause is not a date; _PERIOD may still be
            pass
    if done_when:
        body = f"{body} (done when {done_when})"
    timed = due_on is not None or bool(_PERIOD.search(f"{text} {done_when or ''}"))
    undated = _DATE_NUMBERS.sub(" ", body)
    counted = bool(_QUANTITY.search(undated) or _BAR.search(undated))
    thing = (
        bool(_ARTIFACTS.search(body) or _ROLES.search(body))
        or _qualified_generic(body)
        or _made_thing(body)
    )
    direction = _VAGUE.search(body.strip()) or _COMPARISON.search(body)
    outcome = (thing or counted) and not (direction and not counted)
    missing = []
    if not outcome:
        missing.append(OUTCOME)
    if not timed:
        missing.append(TIME_BOUND)
    if not (counted or thing):
        missing.append(OBSERVABLE)
    return Coaching(tuple(missing), example_for(text, today))


def _qualified_generic(body: str) -> bool:
    """A generic noun that says which one: "the billing project", "a project on search"."""
    for match in _GENERIC.finditer(body):
        words = set(match.group("words").lower().split())
        if match.group("after") or words - _NOT_QUALIFIERS:
            return True
    return False


def _made_thing(body: str) -> bool:
    """A making verb and an object that names a thing: "run the design sprint", not "lead the
    team" nor "build my personal brand"; a generic head needs a qualifier, as elsewhere."""
    for match in _MADE_THING.finditer(body.strip()):
        head = match.group("phrase").lower().split()[-1]
        if head in _NOT_THINGS or head in _NOT_QUALIFIERS:
            continue
        if re.fullmatch(_GENERIC_NOUNS, head):
            continue  # _qualified_generic has judged it already
        return True
    return False


_EXAMPLES = (
    (re.compile(r"talk|speak|present|conference|meetup", re.I),
     "Give a 20-minute talk at a local meetup by {month}"),
    (re.compile(r"promot|senior|staff|career|level", re.I),
     "Get promoted to Senior Engineer by {month}"),
    (re.compile(r"writ|blog|article|post", re.I),
     "Publish two posts on the engineering blog by end of {quarter}"),
    (re.compile(r"lead|manag|mentor|team", re.I),
     "Lead the design review of one cross-team project by {month}"),
    (re.compile(r"open.?source|contribut", re.I),
     "Get 3 pull requests merged into an open-source project by {month}"),
    (re.compile(r"learn|course|certif|cloud|kubernetes|aws|rust|python|machine", re.I),
     "Pass the CKA certification exam by {month}"),
)  # fmt: skip
_DEFAULT_EXAMPLE = "Ship one feature end to end, reviewed by a senior engineer, by {month}"
EXAMPLE_MONTHS_AHEAD = 6


def example_for(text: str, today: date) -> str:
    """A specific goal on the same theme, dated about six months after `today`."""
    template = next((ex for pattern, ex in _EXAMPLES if pattern.search(text)), _DEFAULT_EXAMPLE)
    year, index = divmod(today.month - 1 + EXAMPLE_MONTHS_AHEAD, 12)
    year, month = today.year + year, index + 1
    return template.format(
        month=f"{calendar.month_name[month]} {year}", quarter=f"Q{(month - 1) // 3 + 1} {year}"
    )

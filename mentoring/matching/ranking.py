"""Ranking mentors for a goal: who achieved something like it, one or two steps ahead.

Pure: goal text, candidates and `now` in, suggestions out (no Slack, no database).

*Similarity* is the cosine of TF-IDF vectors of character n-grams (3 to 5 letters within
words) from scikit-learn's `TfidfVectorizer`, fitted on the goal and every candidate's texts
at each search: it needs no model or data at run time, and n-grams match "talk" with "talks"
and "promoted" with "promotion". Stop words, years and generic goal words ("first", "get")
are dropped first. scikit-learn is imported inside `similarities` only, so a process that
never ranks never loads it.

*Steps ahead* is modelled explicitly, per piece of evidence (an achievement in the mentor's
own words, or a goal they achieved in Mentorbot and consented to share):

- when: the latest year the text names (its middle, or today if sooner), else when it was
  written down; one step ahead within 18 months, two within 42 ("about three years"), and
  beyond that it is too long ago to count;
- how far: evidence naming a kind of scale the goal does not (keynotes or an international
  audience, dozens or hundreds of something, a decade of it, a senior title such as principal,
  director or head of, a book, core maintainer) is *far beyond* the goal, however recent.

Near peers (one or two steps) always rank above far-beyond experts; within each, the score is
the similarity times a recency weight (1.0 today, falling to 0.6 at 42 months).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

ONE_STEP_MONTHS = 18
TWO_STEPS_MONTHS = 42  # "within about three years"
FAR = 3  # steps: far beyond the goal
MIN_SIMILARITY = 0.08  # below it, nothing in the evidence is like the goal
EVIDENCE_MIN = 0.015  # the evidence itself must be somewhat alike: it is what is quoted
AREAS_WEIGHT = 0.4  # of a candidate's similarity that comes from the areas they help with
OLDEST_WEIGHT = 0.6  # the recency weight of evidence 42 months old
SUGGESTED = 3

_YEAR = re.compile(r"\b(19[5-9][0-9]|20[0-9]{2})\b")
_GENERIC = frozenset(
    re.findall(
        r"\w+",
        "first get got getting make made become became achieve achieved goal new want able "
        "start started year years month months next last better good time times one",
    )
)
# Kinds of scale: evidence naming one the goal does not name is far beyond the goal.
SCALE_MARKERS: dict[str, re.Pattern[str]] = {
    "audience": re.compile(r"\bkeynot\w*|\binternational\b|\bglobal\b"),
    "volume": re.compile(r"\b(dozens?|hundreds|thousands)\b|\b(?!19|20)[1-9][0-9]{1,2}\b"),
    "tenure": re.compile(
        r"\bdecades?\b|\byears of\b|\bover [0-9]+ years\b|\bsince (19|20)[0-9]{2}\b"
    ),
    "seniority": re.compile(
        r"\b(principal|director|head of|vp|vice president|cto|chief|fellow|partner)\b"
    ),
    "book": re.compile(r"\bbooks?\b|\bauthor\b"),
    "core": re.compile(r"\bcore (maintainer|team|member)\b|\bhero\b|\bchampion\b"),
}


@dataclass(frozen=True)
class Evidence:
    """Something a mentor achieved: in their own words (`source` "offer") or a goal they
    achieved in Mentorbot and consented to share (`source` "goal"); `on`, when."""

    text: str
    on: date
    source: str = "offer"


@dataclass(frozen=True)
class Candidate:
    user_id: str
    areas: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Suggestion:
    """A mentor for the goal, with why: the evidence that matched, how many steps ahead it is
    (1, 2 or FAR), how alike, and the score it ranked by."""

    user_id: str
    evidence: Evidence
    steps: int
    similarity: float
    score: float


def evidence_date(text: str, written: date, today: date) -> date:
    """When an achievement happened: the middle of the latest year its text names (today, if
    that is sooner), else the day it was written down."""
    years = [int(year) for year in _YEAR.findall(text)]
    if not years:
        return written
    return min(date(max(years), 7, 1), today)


def months_between(earlier: date, later: date) -> float:
    return max(0.0, (later - earlier).days / 30.44)


def scale_of(text: str) -> frozenset[str]:
    """The kinds of scale a text names (SCALE_MARKERS)."""
    lowered = text.lower()
    return frozenset(kind for kind, marker in SCALE_MARKERS.items() if marker.search(lowered))


def steps_ahead(goal: str, evidence: Evidence, today: date) -> int | None:
    """1 or 2 steps ahead, FAR beyond the goal, or None when too long ago to count."""
    months = months_between(evidence.on, today)
    if months > TWO_STEPS_MONTHS:
        return None
    if scale_of(evidence.text) - scale_of(goal):
        return FAR
    return 1 if months <= ONE_STEP_MONTHS else 2


def recency_weight(evidence: Evidence, today: date) -> float:
    months = min(months_between(evidence.on, today), TWO_STEPS_MONTHS)
    return 1.0 - (1.0 - OLDEST_WEIGHT) * months / TWO_STEPS_MONTHS


def _prepared(text: str) -> str:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = re.findall(r"[a-z]+", _YEAR.sub(" ", text.lower()))
    return " ".join(w for w in words if w not in ENGLISH_STOP_WORDS and w not in _GENERIC)


def similarities(goal: str, texts: Sequence[str]) -> list[float]:
    """The cosine similarity of the goal to each text (TF-IDF of character n-grams)."""
    if not texts:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer

    documents = [_prepared(goal), *(_prepared(text) for text in texts)]
    if not any(documents[1:]) or not documents[0]:
        return [0.0] * len(texts)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    matrix = vectorizer.fit_transform(documents)  # rows are L2-normalised: dot is cosine
    return [float(value) for value in (matrix[1:] @ matrix[0].T).toarray().ravel()]


def suggest(
    goal: str, candidates: Sequence[Candidate], now: datetime, limit: int = SUGGESTED
) -> list[Suggestion]:
    """Up to `limit` near peers (one or two steps ahead) for the goal, best first; when no
    near peer matches, the far-beyond experts who do (each says so)."""
    ranked = rank(goal, candidates, now)
    near = [suggestion for suggestion in ranked if suggestion.steps != FAR]
    return (near or ranked)[:limit]


def rank(goal: str, candidates: Sequence[Candidate], now: datetime) -> list[Suggestion]:
    """Every candidate whose evidence is like the goal and recent enough, near peers first
    (see the module's docstring)."""
    today = now.date()
    pieces = [(c, e) for c in candidates for e in c.evidence]
    alike = similarities(goal, [e.text for _, e in pieces] + [c.areas for c in candidates])
    by_evidence, by_areas = alike[: len(pieces)], alike[len(pieces) :]
    areas = {c.user_id: by_areas[i] for i, c in enumerate(candidates)}
    best: dict[str, Suggestion] = {}
    for (candidate, evidence), similar in zip(pieces, by_evidence, strict=True):
        steps = steps_ahead(goal, evidence, today)
        combined = (1 - AREAS_WEIGHT) * similar + AREAS_WEIGHT * areas[candidate.user_id]
        if steps is None or combined < MIN_SIMILARITY or similar < EVIDENCE_MIN:
            continue
        score = combined * recency_weight(evidence, today)
        found = Suggestion(candidate.user_id, evidence, steps, combined, score)
        held = best.get(candidate.user_id)
        if held is None or _order(found) < _order(held):
            best[candidate.user_id] = found
    return sorted(best.values(), key=_order)


def _order(suggestion: Suggestion) -> tuple[bool, float, str]:
    """Near peers before far-beyond experts, then by score (ties by id, for a stable order)."""
    return (suggestion.steps == FAR, -suggestion.score, suggestion.user_id)

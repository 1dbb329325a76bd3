"""The labelled mentee goals × mentor profiles the ranking is measured on, and the measuring.

Two parts (tests/data/matching/): the development part (`goals_dev.csv`), which the ranking's
constants were tuned on, and the held-out part (`goals_held_out.csv`), written with the
profiles before any ranking code and never tuned on. Judged as of JUDGED (see the README
there): grade 3 one step ahead, 2 two steps, 1 far beyond, 0 not relevant.

precision@3 is the share of the suggestions shown (up to three: fewer when fewer match) that
are relevant (grade 2 or more), averaged over goals; a goal shown nobody counts 0. nDCG@3
compares the gains (2^grade - 1) of what is shown with the best three judged, so a short list
costs there.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from mentoring.matching.ranking import Candidate, Evidence, evidence_date, suggest

DATA = Path(__file__).parent / "data" / "matching"
DEVELOPMENT = DATA / "goals_dev.csv"
HELD_OUT = DATA / "goals_held_out.csv"
JUDGED = datetime(2026, 12, 1, 12, tzinfo=UTC)
TODAY = JUDGED.date()
RELEVANT = 2  # one or two steps ahead
K = 3


def mentors() -> list[Candidate]:
    """The profiles, as offers written a month before JUDGED."""
    written = date(2026, 11, 1)
    with (DATA / "mentors.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    return [
        Candidate(
            row["mentor"],
            row["areas"],
            (Evidence(row["achievement"], evidence_date(row["achievement"], written, TODAY)),),
        )
        for row in rows
    ]


def judged(path: Path) -> list[tuple[str, dict[str, int]]]:
    with path.open(newline="") as file:
        rows = list(csv.DictReader(file))
    return [(row["goal"], _grades(row["judgements"])) for row in rows]


def _grades(judgements: str) -> dict[str, int]:
    """`sp1=3 sp2=2` as {"sp1": 3, "sp2": 2}."""
    pairs = (judgement.partition("=") for judgement in judgements.split())
    return {mentor: int(grade) for mentor, _, grade in pairs}


@dataclass(frozen=True)
class Measured:
    goals: int
    precision: float
    ndcg: float
    shown: float  # suggestions per goal, on average (up to 3)
    misses: tuple[str, ...]  # goals shown fewer than 3 relevant mentors

    def summary(self, name: str) -> str:
        return (
            f"matching {name}: {self.goals} goals: precision@{K} {self.precision:.2f}, "
            f"nDCG@{K} {self.ndcg:.2f}, {self.shown:.1f} suggestions a goal; fewer than {K} "
            f"relevant shown: {list(self.misses)}"
        )


def _dcg(grades: list[int]) -> float:
    return sum((2**grade - 1) / math.log2(index + 2) for index, grade in enumerate(grades))


def measure(path: Path) -> Measured:
    candidates = mentors()
    precisions, ndcgs, misses, shown = [], [], [], []
    for goal, grades in judged(path):
        top = [grades.get(s.user_id, 0) for s in suggest(goal, candidates, JUDGED, limit=K)]
        precisions.append(sum(grade >= RELEVANT for grade in top) / max(1, len(top)))
        shown.append(len(top))
        ideal = _dcg(sorted(grades.values(), reverse=True)[:K])
        ndcgs.append(_dcg(top) / ideal if ideal else 0.0)
        if sum(grade >= RELEVANT for grade in top) < K:
            misses.append(goal)
    count = len(precisions)
    average = sum(shown) / count
    return Measured(count, sum(precisions) / count, sum(ndcgs) / count, average, tuple(misses))

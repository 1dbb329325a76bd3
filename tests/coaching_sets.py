"""The labelled goals the coaching rules are measured on, and the measuring.

Two sets: the development set (tests/data/goals.csv), which the word lists are tuned on, and
the held-out set (tests/data/goals_held_out.csv), written before the rules last changed and
never tuned on, so its figures say how the rules do on goals they have not seen.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from mentoring.coaching import coach
from tests.support import T0

DATA = Path(__file__).parent / "data"
DEVELOPMENT = DATA / "goals.csv"
HELD_OUT = DATA / "goals_held_out.csv"


@dataclass(frozen=True)
class Measured:
    """Precision and recall of "vague" on one labelled set, and the goals it got wrong."""

    goals: int
    vague: int
    precision: float
    recall: float
    flagged_though_specific: tuple[str, ...]
    passed_though_vague: tuple[str, ...]

    def summary(self, name: str) -> str:
        return (
            f"{name}: {self.goals} labelled goals ({self.vague} vague): precision "
            f"{self.precision:.2f}, recall {self.recall:.2f}; flagged though specific: "
            f"{list(self.flagged_though_specific)}; passed though vague: "
            f"{list(self.passed_though_vague)}"
        )


def measure(path: Path) -> Measured:
    """Run the rules over every goal in `path` (columns label, goal) as of T0's date."""
    rows = list(csv.DictReader(path.open()))
    assert {row["label"] for row in rows} == {"vague", "specific"}, path
    flagged = {row["goal"] for row in rows if not coach(row["goal"], None, T0.date()).specific}
    vague = {row["goal"] for row in rows if row["label"] == "vague"}
    return Measured(
        goals=len(rows),
        vague=len(vague),
        precision=len(flagged & vague) / len(flagged),
        recall=len(flagged & vague) / len(vague),
        flagged_though_specific=tuple(sorted(flagged - vague)),
        passed_though_vague=tuple(sorted(vague - flagged)),
    )

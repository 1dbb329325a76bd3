"""Where a benchmark's figures go: bench/results/<name>.json, and the README's section between
`<!-- bench:<name> -->` and `<!-- /bench:<name> -->`, written from the saved result so the two
always agree (tests/test_docs.py checks it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
README = REPO / "README.md"


def markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"


def has_section(name: str) -> bool:
    return markers(name)[0] in README.read_text()


def with_section(readme: str, name: str, table: str) -> str:
    """`readme` with the section of benchmark `name` replaced by `table`."""
    start, end = markers(name)
    before, _, rest = readme.partition(start)
    _, _, after = rest.partition(end)
    return f"{before}{start}\n{table}\n{end}{after}"


def save(name: str, result: dict[str, Any], table: str | None = None) -> Path:
    """Write the result; and, given its table, the README's section (which must exist)."""
    path = RESULTS / f"{name}.json"
    RESULTS.mkdir(exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    if table is not None:
        README.write_text(with_section(README.read_text(), name, table))
    return path

"""The documents people read agree with the code: settings, and the benchmark figures."""

import json
from pathlib import Path

from bench import dispatch
from bench.ack_latency import README_MARKERS, readme_table
from bot.settings import VARIABLES, Settings

ROOT = Path(__file__).resolve().parent.parent


def test_env_example_and_readme_document_every_setting() -> None:
    """.env.example sets each variable once, with a comment; the README table lists each."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    assignments = [line for line in lines if line and not line.startswith("#")]
    keys = [line.split("=", 1)[0] for line in assignments]
    assert sorted(keys) == sorted(VARIABLES)
    for line in assignments:
        assert lines[lines.index(line) - 1].startswith("# "), f"{line} has no comment"
    readme = (ROOT / "README.md").read_text()
    assert all(f"| `{key}` |" in readme for key in VARIABLES)
    assert Settings.from_env(dict(line.split("=", 1) for line in assignments)) == Settings()


def test_readme_shows_the_saved_benchmark_figures() -> None:
    """The README's ack-latency table is the one written from bench/results/ack_latency.json."""
    result = json.loads((ROOT / "bench" / "results" / "ack_latency.json").read_text())
    readme = (ROOT / "README.md").read_text()
    start, end = README_MARKERS
    assert readme.split(start)[1].split(end)[0].strip() == readme_table(result)


def test_readme_shows_the_saved_dispatch_figures() -> None:
    """The README's dispatch tables are the ones written from bench/results/dispatch.json."""
    result = json.loads((ROOT / "bench" / "results" / "dispatch.json").read_text())
    readme = (ROOT / "README.md").read_text()
    start, end = dispatch.README_MARKERS
    assert readme.split(start)[1].split(end)[0].strip() == dispatch.readme_table(result)

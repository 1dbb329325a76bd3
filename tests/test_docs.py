"""The documents people read agree with the code: settings, the benchmark figures, and the
goal-coaching figures."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bench.dispatch import schedulers
from bot import cli
from bot.settings import VARIABLES, Settings
from tests.coaching_sets import DEVELOPMENT, HELD_OUT, measure

ROOT = Path(__file__).resolve().parent.parent


def saved_and_shown(benchmark: str) -> tuple[dict[str, Any], str]:
    """bench/results/<benchmark>.json, and the README's block between its bench markers."""
    result = json.loads((ROOT / "bench" / "results" / f"{benchmark}.json").read_text())
    readme = (ROOT / "README.md").read_text()
    block = readme.split(f"<!-- bench:{benchmark} -->")[1].split(f"<!-- /bench:{benchmark} -->")[0]
    return result, block


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


def test_the_deploy_guide_is_linked_and_names_only_commands_that_exist() -> None:
    """The README points to docs/deploy.md; each `python -m bot …` there is a subcommand (and
    for `db`, an action) the CLI's parser accepts."""
    assert "](docs/deploy.md)" in (ROOT / "README.md").read_text()
    guide = " ".join((ROOT / "docs" / "deploy.md").read_text().split())
    named = re.findall(r"python -m bot (\w+)(?: (\w+))?", guide)
    assert {command for command, _ in named} >= {"run", "worker", "scheduler", "db", "manifest"}
    parser = cli._parser()
    for command, action in named:
        parser.parse_known_args([command, action] if command == "db" else [command])


def test_readme_shows_the_saved_benchmark_figures() -> None:
    """The README's ack-latency table shows the figures in bench/results/ack_latency.json."""
    result, block = saved_and_shown("ack_latency")
    assert f"Latest run, {result['when'][:10]} ({result['machine']};" in block
    assert f"{result['wins_posted']} of {result['wins_expected']} wins posted" in block
    for row in ("bare", "mentorbot", "ratio"):
        figures = " | ".join(str(result[row][p]) for p in ("p50_ms", "p95_ms", "p99_ms"))
        assert f"| {figures} |" in block, row


@pytest.mark.parametrize("name", ["dispatch", "dispatch_postgresql"])
def test_readme_shows_the_saved_dispatch_figures(name: str) -> None:
    """The README's dispatch tables show the figures saved in bench/results/ (SQLite, and
    PostgreSQL with several scheduler processes)."""
    result, block = saved_and_shown(name)
    burst, idle = result["burst"], result["idle"]
    assert (
        f"Latest run, {result['when'][:10]} ({result['machine']}; {result['database']}; "
        f"{schedulers(result)})" in block
    )
    limited = burst["ratelimited_channel"] + burst["ratelimited_workspace"]
    assert (
        f"| {burst['seconds']} s | {burst['lower_bound_seconds']} s | {burst['ratio']} "
        f"| {limited} | {burst['duplicates']} | {burst['losses']} |"
    ) in block
    medians = " | ".join(str(size["median_ms"]) for size in idle["sizes"])
    assert f"| median, ms | {medians} | {idle['ratio']} |" in block


def test_readme_shows_the_saved_socket_refresh_figures() -> None:
    """The README's Socket Mode refresh table shows bench/results/socket_refresh.json."""
    result, block = saved_and_shown("socket_refresh")
    assert f"Latest run, {result['when'][:10]} ({result['machine']};" in block
    for name, row in result["clients"].items():
        if row is not None:
            ack = row["first_ack_ms"]
            assert f"| `{name}` | {ack['p50']} / {ack['p95']} / {ack['max']} |" in block, name


def test_readme_shows_the_saved_programme_figures() -> None:
    """The README's programme-view table shows bench/results/programme.json: 10,000 pairs, the
    view against the bare read measured in the same run, and its fixed statement count."""
    result, block = saved_and_shown("programme")
    run = result["run"]
    assert f"Latest run, {result['when'][:10]} ({result['machine']};" in block
    assert run["pairs"] == 10_000 and run["statements"] <= 8
    assert (
        f"| {run['pairs']:,} | {run['rows_read']:,} | {run['view_ms']} ms "
        f"| {run['baseline_ms']} ms | {run['ratio']} | {run['statements']} |"
    ) in block


def test_readme_shows_the_saved_memory_figures() -> None:
    """The README's memory table shows the figures in bench/results/memory.json."""
    result, block = saved_and_shown("memory")
    assert f"Latest run, {result['when'][:10]} ({result['machine']};" in block
    for label, key in (("idle", "idle"), ("after the burst", "after_burst")):
        shot = result[key]
        assert f"| {label} | {shot['pss_sum_mb']} | {shot['rss_sum_mb']} |" in block, label


def test_readme_shows_the_saved_crash_figures() -> None:
    """The README's crash table shows bench/results/crash.json."""
    result, block = saved_and_shown("crash")
    assert f"Latest run, {result['when'][:10]} ({result['machine']}; {result['database']};" in block
    kills = result["kills"]
    assert (
        f"| {result['requests']:,} | {result['sent']:,} | {result['acknowledged']:,} "
        f"| {kills['worker']} + {kills['front']} | {result['lost']} | {result['duplicated']} "
        f"| {result['unrecorded']} | {result['burst_s']} s | {result['drain_s']} s "
        f"| {result['total_s']} s |"
    ) in block


def test_readme_shows_the_coaching_figures_the_suite_measures() -> None:
    """The README's goal-coaching figures, for both labelled sets, are the ones measured now."""
    readme = " ".join((ROOT / "README.md").read_text().split())
    dev, held_out = measure(DEVELOPMENT), measure(HELD_OUT)
    assert (
        f"{dev.goals} goals, {dev.vague} of them vague (`tests/data/{DEVELOPMENT.name}`), they "
        f"find vague ones with precision {dev.precision:.2f} and recall {dev.recall:.2f}"
    ) in readme
    assert (
        f"held-out set of {held_out.goals} goals, {held_out.vague} of them vague "
        f"(`tests/data/{HELD_OUT.name}`), written before the rules changed and never tuned on, "
        f"with precision {held_out.precision:.2f} and recall {held_out.recall:.2f}"
    ) in readme

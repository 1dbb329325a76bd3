"""Imports flow one way: each package, imported alone in a fresh interpreter, loads nothing of
the layers above it, and the process that acknowledges Slack never loads the chart library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def loaded_after(*modules: str) -> set[str]:
    """The top-level packages a fresh interpreter holds after importing `modules`."""
    imports = "; ".join(f"import {module}" for module in modules)
    code = f"import json, sys; {imports}; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return {name.split(".")[0] for name in json.loads(result.stdout)}


def test_drawing_a_chart_loads_no_listener_code() -> None:
    """rendering needs matplotlib and the domain's data, never handlers, bot or Bolt."""
    loaded = loaded_after("rendering.roadmap_chart")
    assert "matplotlib" in loaded
    assert not loaded & {"handlers", "bot", "slack_bolt"}


def test_serving_slack_never_loads_the_chart_library() -> None:
    """The app and every listener module import without matplotlib: it loads where a picture
    is drawn, on first use."""
    listeners = sorted(path.stem for path in (ROOT / "handlers").glob("*.py"))
    loaded = loaded_after("bot.app", "bot.cli", *(f"handlers.{name}" for name in listeners))
    assert "handlers" in loaded and "matplotlib" not in loaded

"""Imports flow one way (`bot → handlers → mentoring → storage`, with the outbox and rendering
beside handlers, below bot): each package, imported alone in a fresh interpreter, loads nothing
of the layers above it, no module imports one of them even inside a function, and the process
that acknowledges Slack never loads the chart library."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What each package may not import, directly or through what it imports.
FORBIDDEN = {
    "outbox": {"handlers", "bot", "slack_bolt", "matplotlib", "rendering"},
    "rendering": {"handlers", "bot", "slack_bolt", "slack_sdk", "outbox"},
    "mentoring": {"handlers", "bot", "slack_bolt", "slack_sdk", "matplotlib", "outbox"},
    "storage": {"handlers", "bot", "slack_bolt", "slack_sdk", "matplotlib", "outbox", "mentoring"},
}


def modules_of(package: str) -> list[str]:
    return sorted(
        package if path.stem == "__init__" else f"{package}.{path.stem}"
        for path in (ROOT / package).glob("*.py")
    )


def loaded_after(*modules: str) -> set[str]:
    """The top-level packages a fresh interpreter holds after importing `modules`."""
    imports = "; ".join(f"import {module}" for module in modules)
    code = f"import json, sys; {imports}; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return {name.split(".")[0] for name in json.loads(result.stdout)}


def imported_names(path: Path) -> set[str]:
    """The top-level packages a module's import statements name, wherever they stand."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_the_outbox_loads_no_listener_code() -> None:
    """Importing the outbox, every module of it, loads the domain and storage but no handlers,
    no bot, no Bolt and no matplotlib."""
    loaded = loaded_after(*modules_of("outbox"))
    assert {"outbox", "mentoring", "storage", "slack_sdk"} <= loaded
    assert not loaded & FORBIDDEN["outbox"]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_module_imports_a_layer_above_it(package: str) -> None:
    """Not even lazily, inside a function: the import statements of every module of the
    package name nothing it may not use."""
    for path in sorted((ROOT / package).glob("*.py")):
        assert not imported_names(path) & FORBIDDEN[package], path.name


@pytest.mark.parametrize("package", ["mentoring", "storage"])
def test_the_domain_and_storage_load_nothing_above_them(package: str) -> None:
    """Imported alone, the rules and the storage load no Slack library and no upper layer."""
    loaded = loaded_after(*modules_of(package))
    assert package in loaded and not loaded & FORBIDDEN[package]


def test_drawing_a_chart_loads_no_listener_code() -> None:
    """rendering needs matplotlib and the domain's data, never handlers, bot or Bolt."""
    loaded = loaded_after(*modules_of("rendering"))
    assert "matplotlib" in loaded
    assert not loaded & FORBIDDEN["rendering"]


def test_serving_slack_never_loads_the_chart_library() -> None:
    """The app and every listener module import without matplotlib: it loads where a picture
    is drawn, on first use."""
    loaded = loaded_after("bot.app", "bot.cli", "bot.serving", *modules_of("handlers"))
    assert {"handlers", "outbox"} <= loaded and "matplotlib" not in loaded

"""Where local state lives: one workspace folder, so deleting it starts fresh.

Kept free of heavy imports (no Spark, no MLflow) so the grader and the CLI can use it cheaply.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The course checkout this package was imported from (an editable install keeps it here)."""

HOME_ENV = "LOCALBRICKS_HOME"


def home() -> Path:
    """Return the workspace folder, creating it: ``$LOCALBRICKS_HOME`` or ``<repo>/.localbricks``."""
    path = Path(os.environ.get(HOME_ENV) or REPO_ROOT / ".localbricks").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def subdir(name: str) -> Path:
    """Return (creating it) a named folder inside the workspace, e.g. ``warehouse`` or ``mlruns``."""
    path = home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def on_databricks() -> bool:
    """True inside a Databricks runtime, where localbricks must change nothing."""
    return bool(os.environ.get("DATABRICKS_RUNTIME_VERSION"))

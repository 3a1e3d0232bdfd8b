"""Shared fixtures for grader tests: every test gets its own workspace and a clean progress state."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # import-mode=importlib does not put test folders on sys.path
    sys.path.insert(0, str(HERE))


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    """A private LOCALBRICKS_HOME with progress recording on, and fresh in-process state."""
    from grader import progress

    home = tmp_path / "home"
    monkeypatch.setenv("LOCALBRICKS_HOME", str(home))
    monkeypatch.delenv(progress.DISABLE_ENV, raising=False)
    monkeypatch.setattr(progress, "_warned", False)
    monkeypatch.setattr(progress, "_session_hints", {})
    return home


@pytest.fixture
def registry():
    """A registry the test may fill with throw-away exercises; restored afterwards."""
    from grader.testing import isolated_registry

    with isolated_registry() as reg:
        yield reg


@pytest.fixture
def examples(registry):
    """The example check module, registered for this test only (the registry is left clean)."""
    module = importlib.import_module("example_checks")
    return importlib.reload(module)  # re-registers into this test's registry

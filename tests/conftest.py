"""Shared fixtures: one throw-away workspace and one Spark session for the whole test run."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Before anything imports localbricks: tests never touch a learner's .localbricks/ folder.
_WORKSPACE = Path(tempfile.mkdtemp(prefix="localbricks-tests-"))
os.environ["LOCALBRICKS_HOME"] = str(_WORKSPACE)
os.environ.setdefault("LOCALBRICKS_SPARK_UI", "false")
os.environ.setdefault("LOCALBRICKS_SPARK_MASTER", "local[2]")
os.environ["GRADER_NO_PROGRESS"] = "1"
# The test session's serving service: scale-to-zero and inference-table flushes in seconds, not minutes
os.environ.setdefault("LOCALBRICKS_SCALE_TO_ZERO_SECONDS", "2")
os.environ.setdefault("LOCALBRICKS_INFERENCE_FLUSH_SECONDS", "0.2")

# MLflow too: any test that logs, with or without Spark, uses the temp workspace's store
from localbricks import tracking  # noqa: E402  (cheap: sets environment variables only)

tracking.configure()

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def workspace_dir() -> Path:
    return _WORKSPACE


@pytest.fixture(scope="session")
def spark():
    """The one local Delta-enabled session every Spark test shares (starting one costs seconds)."""
    import localbricks

    return localbricks.activate(inject=False)["spark"]


def pytest_sessionfinish(session, exitstatus):
    """Delete the throw-away workspace, unless LOCALBRICKS_KEEP_TEST_WORKSPACE is set (to debug a failure)."""
    import shutil

    if os.environ.get("LOCALBRICKS_KEEP_TEST_WORKSPACE"):
        print(f"\nkept the test workspace: {_WORKSPACE}")
        return
    shutil.rmtree(_WORKSPACE, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    """The course's notebook runs first: they are the longest files, so under `pytest -n 2 --dist
    loadfile` (`make test`) the quick files fill the other worker around them instead of one long
    file finishing alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("notebook") is None)

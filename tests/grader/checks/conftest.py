"""Fixtures shared by the check tests of several notebooks."""
import uuid

import pytest

from tests_support import uc_registry
from serving_support import new_endpoint, service, w  # noqa: F401  (fixtures for checks that read endpoints)


@pytest.fixture(autouse=True)
def workspace(workspace_dir, monkeypatch):
    """Checks run where a notebook runs them: in the Spark session's workspace. This replaces the
    per-test workspace of tests/grader/conftest.py, because the session's catalogs belong to its own
    workspace and localbricks (the feature store client, for one) refuses any other."""
    monkeypatch.setenv("LOCALBRICKS_HOME", str(workspace_dir))
    return workspace_dir


@pytest.fixture(scope="module")
def uc():
    """The registry a notebook has after activate() and set_registry_uri("databricks-uc")."""
    import mlflow

    from localbricks import tracking

    tracking.configure()
    with uc_registry() as client:
        mlflow.set_experiment(f"/Shared/registry_checks_{uuid.uuid4().hex[:6]}")
        yield client

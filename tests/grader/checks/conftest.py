"""Fixtures shared by the check tests of several notebooks."""
import uuid

import pytest

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
    from mlflow.tracking._model_registry import utils as registry_utils

    from localbricks import registry, tracking

    patch = pytest.MonkeyPatch()
    patch.setenv(registry.LOCAL_ENV, "")
    patch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    patch.setattr(registry_utils, "_registry_uri", None)
    tracking.configure()
    registry.install()
    mlflow.set_experiment(f"/Shared/registry_checks_{uuid.uuid4().hex[:6]}")
    mlflow.set_registry_uri("databricks-uc")
    yield mlflow.MlflowClient()
    patch.undo()

"""The plugin wiring: MLflow loads ours, ``activate()`` switches it on, Databricks is left alone.

These would fail if an MLflow upgrade stopped letting an entry point replace the built-in
"databricks-uc" store or the ``models`` repository, or renamed the builder we hand over to.
"""
import json
import os
import subprocess
import sys
import textwrap

import mlflow
import pytest
from mlflow.store._unity_catalog.registry.utils import get_uc_model_registry_store_class
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository

import localbricks
from localbricks import registry, tracking
from localbricks.registry import artifacts, routing, store


def test_mlflow_loads_our_entry_points_over_its_own():
    from mlflow.store.artifact.artifact_repository_registry import (
        get_registered_artifact_repositories,
    )
    from mlflow.tracking._model_registry.utils import _get_store_registry

    assert _get_store_registry().get_store_builder("databricks-uc") is store.build_store
    assert get_registered_artifact_repositories()["models"] is artifacts.UcAwareModelsArtifactRepository


def test_activate_switches_the_local_registry_on(monkeypatch):
    """``activate()`` calls ``registry.install()`` (Spark is stubbed: not what is tested here)."""
    import localbricks.dbutils
    import localbricks.session

    monkeypatch.setattr(localbricks.session, "get_spark", lambda master=None: "spark")
    monkeypatch.setattr(localbricks.dbutils, "DBUtils", lambda spark: "dbutils")
    monkeypatch.setattr(localbricks, "_state", {})
    monkeypatch.delenv(registry.LOCAL_ENV, raising=False)
    localbricks.activate(inject=False)
    assert routing.is_local("databricks-uc", tracking.tracking_uri())


def test_models_uris_resolve_to_the_logged_files_locally(uc, models, name, workspace_dir):
    mlflow.register_model(models.a.model_uri, name)
    repo = get_artifact_repository(f"models:/{name}/1")
    assert isinstance(repo.repo, LocalArtifactRepository)
    assert repo.repo.artifact_dir.startswith(str(workspace_dir.resolve()))


@pytest.mark.parametrize("registry_uri, tracking_uri", [
    ("databricks-uc", "databricks"),  # a learner working against a real workspace
    ("databricks-uc://my-profile", None),  # a named Databricks profile
])
def test_a_real_workspace_gets_mlflows_own_unity_catalog_store(uc, registry_uri, tracking_uri):
    built = store.build_store(registry_uri, tracking_uri or tracking.tracking_uri())
    assert type(built) is get_uc_model_registry_store_class()


def test_without_activate_databricks_uc_is_mlflows_own(monkeypatch):
    monkeypatch.delenv(registry.LOCAL_ENV, raising=False)
    built = store.build_store("databricks-uc", tracking.tracking_uri())
    assert type(built) is get_uc_model_registry_store_class()


def test_the_registry_lives_in_the_tracking_database(workspace_dir):
    sqlite = f"sqlite:///{workspace_dir / 'mlflow.db'}"
    assert routing.backing_store_uri(sqlite) == sqlite
    assert routing.backing_store_uri("file:///somewhere/mlruns") == tracking.tracking_uri()


_ON_DATABRICKS = textwrap.dedent("""
    import json, mlflow
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
    from mlflow.tracking._model_registry.utils import _get_store
    mlflow.set_registry_uri("databricks-uc")
    store = _get_store()
    repo = get_artifact_repository("models:/main.default.churn/1")
    print(json.dumps({"store": f"{type(store).__module__}.{type(store).__qualname__}",
                      "repo": f"{type(repo.repo).__module__}.{type(repo.repo).__qualname__}"}))
""")


def test_on_databricks_databricks_uc_is_mlflows_own_unity_catalog(uc, tmp_path):
    """No network needed: building the store and the repository contacts nothing. (``uc`` only
    makes sure the tracking database exists: creating one would triple this test's time.)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DATABRICKS_"))}
    env.update(DATABRICKS_RUNTIME_VERSION="15.4", MLFLOW_TRACKING_URI=tracking.tracking_uri())
    env[registry.LOCAL_ENV] = "1"  # even if activate() had run, Databricks wins
    done = subprocess.run([sys.executable, "-c", _ON_DATABRICKS], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    chosen = json.loads(done.stdout.strip().splitlines()[-1])
    uc_store = get_uc_model_registry_store_class()
    assert chosen["store"] == f"{uc_store.__module__}.{uc_store.__qualname__}"
    assert chosen["repo"] == ("mlflow.store.artifact.unity_catalog_models_artifact_repo."
                              "UnityCatalogModelsArtifactRepository")

"""Unity Catalog's model registry (``mlflow.set_registry_uri("databricks-uc")``), run locally.

MLflow picks a registry store by URI scheme and a ``models:/`` artifact repository by the same
registry URI; both are plugin points (the ``mlflow.model_registry_store`` and
``mlflow.artifact_repository`` entry points in ``pyproject.toml``). Ours answer "databricks-uc"
with MLflow's own SQLAlchemy registry store on the workspace database, plus Unity Catalog's rules:

- ``store``: the store, the rule for each registry call, and the entry point that builds it;
- ``rules``: the rules themselves (three-level names, signatures, no stages) and their errors;
- ``artifacts``: ``models:/catalog.schema.model@alias`` downloads from the local store;
- ``routing``: when "databricks-uc" means the local registry, and when MLflow's real one.

Nothing here imports MLflow until MLflow loads the plugins, so ``activate()`` stays fast.
"""
from __future__ import annotations

import os

LOCAL_ENV = "LOCALBRICKS_UC_REGISTRY"
"""Set by ``install()``; child processes (Spark workers, ``mlflow models serve``) inherit it."""


def install() -> None:
    """Make "databricks-uc" resolve to the local registry in this process and its children.

    Called by ``localbricks.activate()``, never on Databricks (where ``routing`` ignores it anyway).
    """
    os.environ[LOCAL_ENV] = "1"


def uninstall() -> None:
    os.environ.pop(LOCAL_ENV, None)

"""When "databricks-uc" means our local registry, and which database backs it.

Local only when all hold: ``install()`` ran (``activate()`` does it), we are not on Databricks, and
the URI names no Databricks profile or workspace (``databricks-uc://profile``, or a tracking URI of
``databricks``): a learner pointing MLflow at a real workspace gets the real Unity Catalog.
"""
from __future__ import annotations

import os

from mlflow.store.db.db_types import DATABASE_ENGINES
from mlflow.utils.uri import is_databricks_uri

from localbricks import tracking, workspace
from localbricks.registry import LOCAL_ENV

UC_URI = "databricks-uc"


def is_local(registry_uri: str | None, tracking_uri: str | None) -> bool:
    """True when ``registry_uri`` should be served by the local Unity Catalog registry."""
    return (
        registry_uri == UC_URI
        and bool(os.environ.get(LOCAL_ENV))
        and not workspace.on_databricks()
        and not (tracking_uri and is_databricks_uri(tracking_uri))
    )


def backing_store_uri(tracking_uri: str | None) -> str:
    """The database the local registry lives in: the tracking database, as MLflow's default
    registry would use, or the workspace's ``mlflow.db`` when tracking is not a database."""
    if tracking_uri and tracking_uri.split(":", 1)[0].split("+", 1)[0] in DATABASE_ENGINES:
        return tracking_uri
    return tracking.tracking_uri()

"""``models:/catalog.schema.model@alias`` (and ``/3``) downloads from the local registry.

MLflow's ``ModelsArtifactRepository`` sends every ``models:/`` URI to Unity Catalog's REST
download service as soon as the registry URI is "databricks-uc", before asking the registry store
anything. This subclass, the ``mlflow.artifact_repository`` entry point for the ``models`` scheme,
takes MLflow's ordinary path instead when the registry is local: the version is resolved by the
local store (so UC's rules apply to ``@alias``, ``/N`` and the refused ``/Production``) and its files
are read where they were logged. Elsewhere it is MLflow's class, unchanged.
"""
from __future__ import annotations

import mlflow
from mlflow.store.artifact.models_artifact_repo import ModelsArtifactRepository

from localbricks.registry import routing


class UcAwareModelsArtifactRepository(ModelsArtifactRepository):
    """MLflow's ``models:/`` repository, reading a local "databricks-uc" registry locally."""

    def __init__(self, artifact_uri: str, tracking_uri: str | None = None,
                 registry_uri: str | None = None) -> None:
        registry = registry_uri or mlflow.get_registry_uri()
        tracking = tracking_uri or mlflow.get_tracking_uri()
        if routing.is_local(registry, tracking):
            # MLflow chooses its REST download only for a "databricks-uc" registry URI; name the
            # database behind it instead and MLflow's own resolution runs (through our store).
            registry_uri = routing.backing_store_uri(tracking)
        super().__init__(artifact_uri, tracking_uri=tracking_uri, registry_uri=registry_uri)

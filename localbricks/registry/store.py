"""The local Unity Catalog registry: MLflow's own SQLAlchemy registry store, with UC's rules.

``build_store`` is the ``mlflow.model_registry_store`` entry point for the "databricks-uc" scheme.
MLflow registers entry points after its built-in stores, so ours replaces MLflow's builder for that
scheme; wherever the registry must be the real one (``routing.is_local`` is false: on Databricks,
or a workspace profile) it hands over to MLflow's own builder, which picks Unity Catalog's REST
store. Everything not listed here (search paging, aliases, tags, SQL) is MLflow's code, unchanged.

Every version number leaves this store as a string, as Unity Catalog sends it (the ``version``
fields of its ``ModelVersion`` and ``RegisteredModelAlias`` protobufs are strings, and MLflow's UC
client passes them on as they are), where MLflow's SQL store gives an ``int``: code that sorts or
compares versions needs ``int(v.version)`` on Databricks, so it needs it here too.
"""
from __future__ import annotations

import tempfile
import urllib.parse

from mlflow.entities.model_registry import ModelVersion, RegisteredModel
from mlflow.entities.model_registry.model_version_search import ModelVersionSearch
from mlflow.entities.model_registry.registered_model_search import RegisteredModelSearch
from mlflow.exceptions import MlflowException
from mlflow.prompt.registry_utils import add_prompt_filter_string
from mlflow.store.artifact.runs_artifact_repo import RunsArtifactRepository
from mlflow.store.entities.paged_list import PagedList
from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore
from mlflow.tracking.client import MlflowClient
from mlflow.utils.file_utils import local_file_uri_to_path

from localbricks.registry import routing, rules
from localbricks.registry.rules import UnsupportedArgumentError, model_name


def build_store(store_uri, tracking_uri=None):
    """Return the store for a "databricks-uc" registry URI (MLflow calls this by keyword)."""
    if routing.is_local(store_uri, tracking_uri):
        return UnityCatalogLocalStore(routing.backing_store_uri(tracking_uri), tracking_uri)
    from mlflow.tracking._model_registry.utils import _get_databricks_uc_rest_store

    return _get_databricks_uc_rest_store(store_uri, tracking_uri)


def _uc_model(model: RegisteredModel) -> RegisteredModel:
    """UC models have no stages, hence no "latest version per stage"; alias targets are strings."""
    model.latest_versions = []
    model._aliases = {alias: str(version) for alias, version in model.aliases.items()}  # no setter
    return model


def _uc_version(version: ModelVersion) -> ModelVersion:
    """UC versions have no stage (Databricks returns ``current_stage=None``) and a string number."""
    version.current_stage = None
    version._version = str(version.version)  # the entity has no setter for its number
    return version


def _model_hit(m: RegisteredModel) -> RegisteredModelSearch:
    """Search hits carry no tags or aliases in UC: ``get_registered_model`` has them."""
    return RegisteredModelSearch(name=m.name, creation_timestamp=m.creation_timestamp,
                                 last_updated_timestamp=m.last_updated_timestamp,
                                 description=m.description)


def _version_hit(v: ModelVersion) -> ModelVersionSearch:
    """Search hits carry no tags or aliases in UC: ``get_model_version`` has them."""
    return ModelVersionSearch(name=v.name, version=str(v.version), creation_timestamp=v.creation_timestamp,
                              last_updated_timestamp=v.last_updated_timestamp,
                              description=v.description, user_id=v.user_id, source=v.source,
                              run_id=v.run_id, status=v.status, status_message=v.status_message)


class UnityCatalogLocalStore(SqlAlchemyStore):
    """A registry with Unity Catalog's rules on a local SQL database (the workspace's SQLite)."""

    def __init__(self, db_uri: str, tracking_uri: str | None = None):
        super().__init__(db_uri)
        self.tracking_uri = tracking_uri

    # -- registered models ---------------------------------------------------------------------
    def create_registered_model(self, name, tags=None, description=None, deployment_job_id=None):
        return _uc_model(super().create_registered_model(model_name(name), tags, description,
                                                         deployment_job_id))

    def get_registered_model(self, name):
        return _uc_model(super().get_registered_model(model_name(name)))

    def update_registered_model(self, name, description, deployment_job_id=None):
        return _uc_model(super().update_registered_model(model_name(name), description,
                                                         deployment_job_id))

    def rename_registered_model(self, name, new_name):
        return _uc_model(super().rename_registered_model(model_name(name), model_name(new_name)))

    def delete_registered_model(self, name):
        return super().delete_registered_model(model_name(name))

    def search_registered_models(self, filter_string=None, max_results=100, order_by=None,
                                 page_token=None):
        instead = "List them all and filter in Python, or fetch one with get_registered_model(name)."
        if filter_string:
            raise UnsupportedArgumentError("search_registered_models", "filter_string", instead)
        if order_by:
            raise UnsupportedArgumentError("search_registered_models", "order_by", instead)
        # MLflow's client adds its "not a prompt" filter for every registry but Unity Catalog's
        page = super().search_registered_models(add_prompt_filter_string(None), max_results, None,
                                                page_token)
        return PagedList([_model_hit(m) for m in page], page.token)

    def set_registered_model_tag(self, name, tag):
        return super().set_registered_model_tag(model_name(name), tag)

    def delete_registered_model_tag(self, name, key):
        return super().delete_registered_model_tag(model_name(name), key)

    # -- aliases -------------------------------------------------------------------------------
    def set_registered_model_alias(self, name, alias, version):
        return super().set_registered_model_alias(model_name(name), alias, version)

    def delete_registered_model_alias(self, name, alias):
        return super().delete_registered_model_alias(model_name(name), alias)

    def get_model_version_by_alias(self, name, alias):
        return _uc_version(super().get_model_version_by_alias(model_name(name), alias))

    # -- stages: refused -----------------------------------------------------------------------
    def get_latest_versions(self, name, stages=None):
        rules.refuse_latest_versions(model_name(name), stages)

    def transition_model_version_stage(self, name, version, stage, archive_existing_versions=False):
        rules.refuse_stage_transition(model_name(name), version, stage)

    # -- model versions ------------------------------------------------------------------------
    def create_model_version(self, name, source, run_id=None, tags=None, run_link=None,
                             description=None, local_model_path=None, model_id=None):
        name = model_name(name)
        if run_link:
            raise UnsupportedArgumentError("create_model_version", "run_link",
                                           "Unity Catalog links the version to its run by run_id.")
        source = self._logged_model_source(source)
        rules.require_signature(self._model_metadata(source, local_model_path), name, source)
        return _uc_version(super().create_model_version(name, source, run_id, tags, None,
                                                        description, local_model_path, model_id))

    def get_model_version(self, name, version):
        return _uc_version(super().get_model_version(model_name(name), version))

    def update_model_version(self, name, version, description=None):
        return _uc_version(super().update_model_version(model_name(name), version, description))

    def delete_model_version(self, name, version):
        return super().delete_model_version(model_name(name), version)

    def get_model_version_download_uri(self, name, version):
        return super().get_model_version_download_uri(model_name(name), version)

    def search_model_versions(self, filter_string=None, max_results=10000, order_by=None,
                              page_token=None):
        if order_by:
            raise UnsupportedArgumentError("search_model_versions", "order_by",
                                           "Sort the versions in Python, e.g. by int(v.version).")
        page = super().search_model_versions(filter_string, max_results, None, page_token)
        return PagedList([_version_hit(v) for v in page], page.token)

    def set_model_version_tag(self, name, version, tag):
        return super().set_model_version_tag(model_name(name), version, tag)

    def delete_model_version_tag(self, name, version, key):
        return super().delete_model_version_tag(model_name(name), version, key)

    # -- helpers -------------------------------------------------------------------------------
    def _logged_model_source(self, source: str) -> str:
        """``runs:/<run_id>/model`` → ``models:/<model_id>`` of the model that run logged as "model".

        MLflow 3 keeps a logged model's files with the logged model, not in the run's folder, and
        a version whose source stays ``runs:/…`` then loads nothing through ``models:/`` (Unity
        Catalog copies the files at registration, so there it loads). ``mlflow.register_model``
        makes the same substitution; this gives ``client.create_model_version`` the same result.
        """
        if not RunsArtifactRepository.is_runs_uri(source):
            return source
        run_id, path = RunsArtifactRepository.parse_runs_uri(source)
        if not path or "/" in path.strip("/"):
            return source
        client = MlflowClient(tracking_uri=self.tracking_uri)
        experiment_id = client.get_run(run_id).info.experiment_id
        logged = client.search_logged_models(
            experiment_ids=[experiment_id],
            filter_string=f"name = '{path.strip('/')}' AND source_run_id = '{run_id}'",
        )
        if not logged:
            return source  # files saved in the run's own folder (e.g. with log_artifacts)
        return f"models:/{max(logged, key=lambda m: m.creation_timestamp).model_id}"

    def _model_metadata(self, source: str, local_model_path: str | None):
        """The ``Model`` (MLmodel file) behind ``source``, read the way UC's client reads it."""
        from mlflow.artifacts import download_artifacts
        from mlflow.models import Model

        try:
            if local_model_path is not None:
                return Model.load(local_model_path)
            if urllib.parse.urlparse(str(source)).scheme in ("", "file"):
                return Model.load(local_file_uri_to_path(str(source)))
            with tempfile.TemporaryDirectory() as tmp:
                return Model.load(download_artifacts(artifact_uri=source, dst_path=tmp,
                                                     tracking_uri=self.tracking_uri))
        except MlflowException as err:
            raise MlflowException.invalid_parameter_value(
                f"Cannot register '{source}': no MLflow model could be read there ({err.message})."
            ) from err

"""``FeatureEngineeringClient``: Databricks' documented Feature Engineering API, on local Delta tables.

Each method checks its arguments and says what to change, then delegates to the module that does
the work (``tables``, ``writes``, ``training_set``, ``model``, ``online_store``, ``sync``).
Feature tables are Delta tables under Unity Catalog names (``catalog.schema.table``); models are
logged to the current MLflow tracking store and registered in the current registry, whatever
registry URI is set (or the one given to the client).
"""
from __future__ import annotations

from localbricks.feature_store import metadata, online_store, sync, tables, training_set, writes
from localbricks.feature_store.entities import FeatureTable, PublishedTable
from localbricks.feature_store.online_store import OnlineStore


def _spark():
    from localbricks.session import get_spark

    return get_spark()


class FeatureEngineeringClient:
    """Create, write and read feature tables; build training sets; log and score feature-aware models.

    Args:
        model_registry_uri: the MLflow registry to register models in and load them from; default
            the current one (``mlflow.get_registry_uri()``).
    """

    def __init__(self, *, model_registry_uri: str | None = None):
        self._registry_uri = model_registry_uri

    # ---- feature tables ------------------------------------------------------------------------

    def create_table(self, name, primary_keys, df=None, *, timestamp_keys=None, partition_columns=None,
                     schema=None, description=None, tags=None, **kwargs) -> FeatureTable:
        """Create a feature table (a Delta table) and write ``df`` into it.

        Args:
            name: ``catalog.schema.table``; the schema must exist and the table must not.
            primary_keys: column(s) that identify a row; they become NOT NULL.
            df: initial rows (its schema is the table's unless ``schema`` is given); keys must be unique.
            timestamp_keys: primary-key column(s) holding event time, for point-in-time lookups.
            partition_columns: Delta partition columns.
            schema: a ``StructType``, to create the table without (or with matching) ``df``.
            description: the table comment.
            tags: ``{key: value}`` strings.
        """
        _no_extras("create_table", kwargs)
        return tables.create_table(_spark(), name, primary_keys, df, timestamp_keys=timestamp_keys,
                                   partition_columns=partition_columns, schema=schema, description=description, tags=tags)

    def write_table(self, name, df, mode="merge", **kwargs) -> None:
        """Upsert ``df`` by primary key (``mode="merge"``) or replace every row (``mode="overwrite"``).

        With merge, rows with new keys are inserted and rows with existing keys get the values of the
        columns ``df`` has; columns ``df`` lacks keep their values. Concurrent merges retry on Delta's
        conflict exceptions. Online tables published with ``CONTINUOUS`` are synced afterwards.
        """
        _no_extras("write_table", kwargs)
        writes.write_table(_spark(), name, df, mode)

    def read_table(self, name, **kwargs):
        """The feature table as a DataFrame (``as_of_delta_timestamp=`` or ``version=`` for time travel)."""
        return tables.read_table(_spark(), name, **kwargs)

    def get_table(self, name) -> FeatureTable:
        """Keys, features, description and tags of a feature table (its lineage: ``table_lineage``)."""
        return metadata.describe(_spark(), name)

    def drop_table(self, name) -> None:
        """Drop the feature table: its Delta data, tags and lineage."""
        tables.drop_table(_spark(), name)

    def set_feature_table_tag(self, *, name, key, value) -> None:
        metadata.set_tag(_spark(), name, key, value)

    def delete_feature_table_tag(self, *, name, key) -> None:
        metadata.delete_tag(_spark(), name, key)

    # ---- training and models -------------------------------------------------------------------

    def create_training_set(self, df, feature_lookups, label, exclude_columns=None, **kwargs):
        """A ``TrainingSet``: ``df`` (keys, label, other columns) joined with the looked-up features."""
        _no_extras("create_training_set", kwargs)
        return training_set.create_training_set(_spark(), df, feature_lookups, label, exclude_columns)

    def log_model(self, model, artifact_path, *, flavor, training_set=None, registered_model_name=None,
                  await_registration_for=300, infer_input_example=False, **kwargs):
        """Log ``model`` as an MLflow pyfunc that carries the training set's feature spec.

        Args:
            model: the trained model. flavor: its MLflow flavor module, e.g. ``mlflow.sklearn``.
            artifact_path: the logged model's name. training_set: what the model was trained on.
            registered_model_name: also register it under this name (in the current registry). The
                signature Unity Catalog needs comes from the training set: required request columns,
                optional features, the label as output.
            infer_input_example: also log the training set's first row of request columns as an example.
            kwargs: ``output_schema`` (replaces the label-based outputs) and ``params`` go into that
                signature; pip options go to the logged pyfunc; the rest (``signature``,
                ``input_example`` included) to the flavor's ``save_model`` for the trained model inside.

        Returns:
            MLflow's ``ModelInfo`` (``model_uri``, ``registered_model_version``, ...).
        """
        from localbricks.feature_store import model as model_module

        return model_module.log_model(_spark(), model, artifact_path, flavor=flavor, training_set=training_set,
                                      registered_model_name=registered_model_name,
                                      await_registration_for=await_registration_for,
                                      infer_input_example=infer_input_example, registry_uri=self._registry_uri, **kwargs)

    def score_batch(self, model_uri, df, result_type="double", **kwargs):
        """``df`` (keys, timestamps and other model inputs) plus looked-up features and ``prediction``.

        Features that ``df`` already has are used as given instead of looked up.
        """
        from localbricks.feature_store import model as model_module

        kwargs.pop("env_manager", None)  # models always run in this Python locally
        _no_extras("score_batch", kwargs)
        return model_module.score_batch(_spark(), model_uri, df, result_type, registry_uri=self._registry_uri)

    # ---- online stores -------------------------------------------------------------------------

    def create_online_store(self, name, capacity="CU_1", read_replica_count=0, *, url=None) -> OnlineStore:
        """Create an online store: embedded SQLite in the workspace, or Redis when ``url`` is given (local only)."""
        return online_store.create(name, capacity, read_replica_count, url)

    def get_online_store(self, name) -> OnlineStore:
        return online_store.get(name)

    def list_online_stores(self) -> list[OnlineStore]:
        return online_store.list_all()

    def update_online_store(self, name, capacity=None, read_replica_count=None) -> OnlineStore:
        return online_store.update(name, capacity, read_replica_count)

    def delete_online_store(self, name) -> None:
        online_store.delete(name)

    def publish_table(self, *, online_store=None, source_table_name=None, online_table_name=None,
                      publish_mode="TRIGGERED", **kwargs) -> PublishedTable:
        """Create an online table synced from a feature table through Delta's change data feed.

        Publishing an existing online table again triggers a sync. ``CONTINUOUS`` tables are also
        synced after each ``write_table``; ``SNAPSHOT`` copies the whole table each time.
        """
        if "name" in kwargs or source_table_name is None or online_table_name is None:
            from localbricks.feature_store.errors import FeatureStoreError

            raise FeatureStoreError(
                "publish_table takes online_store=fe.get_online_store(name=...), source_table_name='catalog.schema.table' "
                "and online_table_name='catalog.schema.table_online' (the older publish_table(name=..., online_store=spec) "
                "form for third-party stores is not available locally).")
        _no_extras("publish_table", kwargs)
        return sync.publish(_spark(), online_store, source_table_name, online_table_name, publish_mode)


def _no_extras(method: str, kwargs: dict) -> None:
    if kwargs:
        from localbricks.feature_store.errors import FeatureStoreError, listing

        raise FeatureStoreError(f"{method} got unexpected argument(s) {listing(kwargs)}.")

"""``log_model`` and ``score_batch``: models that carry their feature spec and look features up themselves.

``log_model`` saves the trained model with its own MLflow flavor, then logs an MLflow *pyfunc* model
that wraps it together with ``feature_spec.json`` (the training set's lookups, label and column
lists). So the model needs only keys at inference time:

* ``score_batch`` (batch) repeats the lookups offline with Spark, point-in-time lookups included,
  and returns ``df`` plus the features and a ``prediction`` column;
* the pyfunc's own ``predict`` (real-time serving) fetches missing features from the online
  table published from each feature table: the latest values per key, as a serving endpoint does.

Predictions are computed on the driver from the joined features (``toPandas``), which suits the
course's data sizes and needs no Python packages on Spark's workers.

The logged pyfunc's signature comes from the training set (``signature``), as Databricks' client
derives it, so the model registers in Unity Catalog without one being passed. A ``signature`` or
``input_example`` given to ``log_model`` goes with the trained model inside, as on Databricks.
"""
from __future__ import annotations

import json
import logging
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path

import mlflow
import pandas as pd
from pyspark.sql import functions as F

from localbricks.feature_store import lookups, metadata, online_store, signature, validation
from localbricks.feature_store.errors import FeatureStoreError, listing
from localbricks.feature_store.lookups import FeatureLookup
from localbricks.feature_store.online_store import OnlineTable
from localbricks.feature_store.training_set import TrainingSet

_MODEL_CODE = """# Written by localbricks' fe.log_model (MLflow "models from code": nothing is pickled).
import mlflow
from localbricks.feature_store.model import FeatureStoreModel

mlflow.models.set_model(FeatureStoreModel())
"""
_OUTER_ARGUMENTS = ("pip_requirements", "extra_pip_requirements", "conda_env", "metadata", "code_paths")
_RESULT_TYPES = {"double": "float64", "float": "float32", "int": "int32", "integer": "int32", "bigint": "int64",
                 "long": "int64", "smallint": "int16", "short": "int16", "boolean": "bool", "string": "str"}


class FeatureStoreModel(mlflow.pyfunc.PythonModel):
    """The logged pyfunc: the trained model plus the feature spec it was trained with."""

    def load_context(self, context):
        self.spec = json.loads(Path(context.artifacts["feature_spec"]).read_text(encoding="utf-8"))
        self.model = mlflow.pyfunc.load_model(context.artifacts["model"])
        self._online: dict[str, OnlineTable] = {}

    def predict(self, context, model_input: pd.DataFrame, params=None):
        """Predict from keys (and any non-feature inputs); missing features come from online tables.

        The ``result_type`` param (a Spark type name, as ``score_batch`` takes) casts the predictions;
        it is the feature-store model's own param, never passed on to the trained model.
        """
        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        params = dict(params or {})
        result_type = params.pop("result_type", signature.NO_RESULT_TYPE)
        predictions = self.predict_features(self.with_online_features(frame), params or None)
        return predictions if result_type == signature.NO_RESULT_TYPE else _cast(predictions, result_type)

    def predict_features(self, frame: pd.DataFrame, params=None):
        """Predict from a frame that already holds every model input column."""
        columns = self.spec["model_columns"]
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise FeatureStoreError(f"The model needs column(s) {listing(missing)}, which the input does not have.")
        inputs = frame[columns]
        return self.model.predict(inputs, params=params) if params else self.model.predict(inputs)

    def _online_table(self, source: str) -> OnlineTable:
        if source not in self._online:
            found = online_store.published(source)
            if not found:
                raise FeatureStoreError(
                    f"Features from '{source}' are not in the input and '{source}' is not published to an online "
                    "store. Publish it with fe.publish_table(...), or score offline with fe.score_batch(...).")
            store, spec = found[0]
            self._online[source] = OnlineTable(store.backend, spec, store.name)
        return self._online[source]

    def with_online_features(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        for lookup in self.spec["lookups"]:
            outputs = {f: lookup["rename_outputs"].get(f, f) for f in lookup["feature_names"]}
            needed = {f: out for f, out in outputs.items() if out not in frame.columns}
            if not needed:
                continue
            validation.require_columns(list(frame.columns), lookup["lookup_key"], "lookup key(s)", "the model input")
            table = self._online_table(lookup["table_name"])
            rows = [table.lookup(values) for values in frame[lookup["lookup_key"]].itertuples(index=False, name=None)]
            for feature, out in needed.items():
                default = lookup["default_values"].get(feature)
                frame[out] = [row.get(feature) if row is not None else default for row in rows]
        return frame


def _cast(predictions, result_type: str):
    dtype = _RESULT_TYPES.get(str(result_type).lower())
    if dtype is None:
        raise FeatureStoreError(f"result_type must be one of {listing(_RESULT_TYPES)}, got {result_type!r}.")
    return pd.Series(predictions).astype(dtype).to_numpy()


class _LocalNotices(logging.Filter):
    """Hide two MLflow notices that say nothing true about the model on Databricks.

    MLflow notes that it cannot infer a signature of the pyfunc's code, when the training set gives
    none (a warning from ``signature`` says why). And it checks an input example by predicting
    from it; keys alone then need online tables here, where a Databricks notebook looks the
    features up offline, so a check that failed only for that reason is not worth a warning.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "infer model signature" in message:
            return False
        return not ("validate serving input example" in message and "not published to an online store" in message)


@contextmanager
def _quiet_local_notices():
    loggers, notices = [logging.getLogger("mlflow.pyfunc"), logging.getLogger("mlflow.models.model")], _LocalNotices()
    for logger in loggers:
        logger.addFilter(notices)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*input example was not provided", category=UserWarning)
            yield
    finally:
        for logger in loggers:
            logger.removeFilter(notices)


@contextmanager
def _registry(uri: str | None):
    if uri is None:
        yield
        return
    previous = mlflow.get_registry_uri()
    mlflow.set_registry_uri(uri)
    try:
        yield
    finally:
        mlflow.set_registry_uri(previous)


def _default_requirements(flavor, kwargs: dict) -> list[str] | None:
    """The flavor's default pip requirements, so MLflow need not load the model in a subprocess to infer them."""
    if any(k in kwargs for k in ("pip_requirements", "extra_pip_requirements", "conda_env")):
        return None
    getter = getattr(flavor, "get_default_pip_requirements", None)
    return list(getter()) if getter else None


def log_model(spark, model, artifact_path, *, flavor, training_set, registered_model_name=None,
              await_registration_for=300, infer_input_example=False, registry_uri=None, **kwargs):
    """Log ``model`` with its feature spec; see ``FeatureEngineeringClient.log_model``."""
    if not isinstance(artifact_path, str) or not artifact_path.strip():
        raise FeatureStoreError(f"artifact_path must be a non-empty string such as 'model', got {artifact_path!r}.")
    if not (hasattr(flavor, "save_model") and hasattr(flavor, "load_model")):
        raise FeatureStoreError(f"flavor must be an MLflow flavor module such as mlflow.sklearn, got {flavor!r}.")
    if not isinstance(training_set, TrainingSet):
        raise FeatureStoreError("training_set must be the TrainingSet from fe.create_training_set(...) that the model "
                                f"was trained on, got {type(training_set).__name__}.")
    if registered_model_name is not None and (not isinstance(registered_model_name, str) or not registered_model_name.strip()):
        raise FeatureStoreError(f"registered_model_name must be a non-empty string, got {registered_model_name!r}.")
    output_schema, params = kwargs.pop("output_schema", None), kwargs.pop("params", None)
    spec = training_set.feature_spec()
    spec["model_columns"] = [str(c) for c in getattr(model, "feature_names_in_", spec["input_columns"])]
    unknown = [c for c in spec["model_columns"] if c not in spec["input_columns"]]
    if unknown:
        raise FeatureStoreError(f"The model was fitted on column(s) {listing(unknown)} that the training set does not "
                                f"provide (it provides {listing(spec['input_columns'])}).")
    outer = {k: kwargs.pop(k) for k in _OUTER_ARGUMENTS if k in kwargs}
    if getattr(flavor, "__name__", "") == "mlflow.sklearn":
        kwargs.setdefault("serialization_format", "cloudpickle")  # skops refuses tree models without trusted types
    inner_requirements = _default_requirements(flavor, kwargs)
    if inner_requirements is not None:
        kwargs["pip_requirements"] = inner_requirements
        outer.setdefault("pip_requirements", inner_requirements + [f"mlflow=={mlflow.__version__}"])
    with tempfile.TemporaryDirectory(prefix="fe-model-") as tmp:
        flavor.save_model(model, path=str(Path(tmp) / "model"), **kwargs)
        spec_path = Path(tmp) / "feature_spec.json"
        spec_path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
        code_path = Path(tmp) / "feature_store_model.py"
        code_path.write_text(_MODEL_CODE, encoding="utf-8")
        outer["signature"] = training_set.model_signature(output_schema, params)
        if infer_input_example:
            outer["input_example"] = _input_example(training_set, outer["signature"])
        with _registry(registry_uri), _quiet_local_notices():
            started = mlflow.active_run() is None
            if started:
                mlflow.start_run()
            try:
                info = mlflow.pyfunc.log_model(name=artifact_path, python_model=str(code_path),
                                               artifacts={"model": str(Path(tmp) / "model"), "feature_spec": str(spec_path)},
                                               registered_model_name=registered_model_name,
                                               await_registration_for=await_registration_for, **outer)
            finally:
                if started:
                    mlflow.end_run()
    uri = (f"models:/{registered_model_name}/{info.registered_model_version}"
           if registered_model_name and info.registered_model_version else info.model_uri)
    for table in spec["tables"]:
        metadata.add_model(spark, table, uri)
    return info


def _input_example(training_set: TrainingSet, model_signature):
    """The first training row's request columns, or None when there is no row or no signature."""
    try:
        return signature.input_example(training_set.first_input_row(), model_signature)
    except (TypeError, ValueError, AttributeError):  # a value numpy cannot take as its column's type
        return None


def load(model_uri, registry_uri=None) -> FeatureStoreModel:
    """The FeatureStoreModel behind a model URI, or an error saying why there is none."""
    if not isinstance(model_uri, str) or not model_uri.strip():
        raise FeatureStoreError(f"model_uri must be a string such as 'models:/main.default.churn/1', got {model_uri!r}.")
    from mlflow.exceptions import MlflowException

    try:
        with _registry(registry_uri):
            loaded = mlflow.pyfunc.load_model(model_uri)
    except MlflowException as err:
        raise FeatureStoreError(f"Could not load the model '{model_uri}': {err.message}") from None
    try:
        wrapper = loaded.unwrap_python_model()
    except MlflowException:
        wrapper = None
    if not isinstance(wrapper, FeatureStoreModel):
        raise FeatureStoreError(f"'{model_uri}' was not logged with fe.log_model, so it has no feature spec; "
                                "score it with mlflow.pyfunc.spark_udf instead, or log it with fe.log_model.")
    return wrapper


def _as_series(predictions, rows: int) -> pd.Series:
    if isinstance(predictions, pd.DataFrame):
        if predictions.shape[1] != 1:
            raise FeatureStoreError("score_batch needs one prediction per row; the model returned "
                                    f"{predictions.shape[1]} columns.")
        predictions = predictions.iloc[:, 0]
    series = pd.Series(list(predictions) if not isinstance(predictions, pd.Series) else predictions.to_list())
    if len(series) != rows:
        raise FeatureStoreError(f"The model returned {len(series)} predictions for {rows} rows.")
    return series


def score_batch(spark, model_uri, df, result_type="double", registry_uri=None):
    """Look up features for ``df`` and predict; see ``FeatureEngineeringClient.score_batch``."""
    validation.require_dataframe(df)
    wrapper = load(model_uri, registry_uri)
    spec = wrapper.spec
    resolved = []
    for data in spec["lookups"]:
        lookup = FeatureLookup.from_dict(data)
        if all(lookup.rename_outputs.get(f, f) in df.columns for f in data["feature_names"]):
            continue  # every feature given in df: df's values are used, as on Databricks
        resolved.append(lookups.resolve(spark, lookup, df.schema))
    features = {out for item in resolved for out in item.outputs}
    missing = [c for c in spec["model_columns"] if c not in df.columns and c not in features]
    if missing:
        raise FeatureStoreError(f"df lacks column(s) {listing(missing)} that the model takes and no lookup provides.")
    joined = lookups.join_features(spark, df, resolved, skip=set(df.columns))
    numbered = joined.withColumn("__fs_row", F.monotonically_increasing_id()).localCheckpoint()
    frame = numbered.select("__fs_row", *[f"`{c}`" for c in spec["model_columns"]]).toPandas()
    if frame.empty:
        return numbered.drop("__fs_row").withColumn("prediction", F.lit(None).cast(result_type))
    predictions = _as_series(wrapper.predict_features(frame), len(frame))
    scored = spark.createDataFrame(pd.DataFrame({"__fs_row": frame["__fs_row"], "prediction": predictions}))
    scored = scored.withColumn("prediction", F.col("prediction").cast(result_type))
    return numbered.join(scored, "__fs_row").orderBy("__fs_row").drop("__fs_row")

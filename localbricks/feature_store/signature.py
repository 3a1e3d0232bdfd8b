"""The signature ``fe.log_model`` gives a model, read from its training set rather than from data.

Unity Catalog registers only versions with a signature, and Databricks' client derives one from
the training set's feature spec whenever every feature table is in Unity Catalog, so a learner
need not pass one. Ours follows the same rule (read in databricks-feature-engineering 0.18.2):

- inputs: first the columns of the DataFrame given to ``create_training_set``, labels left out, in
  that DataFrame's order, each *required*; a column in ``exclude_columns`` is left out too unless it
  is a lookup key (an excluded timestamp column is left out). Then every looked-up feature under
  its output name, lookup by lookup, each *optional* (a request may give it to override the
  lookup). A lookup without ``feature_names`` takes its table's non-key partition columns first,
  then its other features in alphabetical order, as the feature catalog lists them.
- types: each column's Spark type (the DataFrame's, or the feature table's), mapped to MLflow's;
  an optional column of a type MLflow cannot describe (decimal, tinyint, ...) is left out with a
  warning, a required one means no signature at all.
- outputs: the label column(s), required, typed from the DataFrame, unless ``output_schema`` is
  given; with no label there are no outputs (and Unity Catalog then refuses the version).
- params: ``result_type`` (default ``"NO_RESULT_TYPE"``: keep the model's own output type) plus
  any ``params`` given to ``log_model``.
"""
from __future__ import annotations

import logging

from pyspark.sql import types as T

NO_RESULT_TYPE = "NO_RESULT_TYPE"
"""The default of the ``result_type`` param: the caller asked for no particular output type."""

_NOT_UNITY_CATALOG = ("hive_metastore", "spark_catalog")
_logger = logging.getLogger(__name__)


class _NoSignature(Exception):
    """Why no signature can be derived; ``log_model`` then logs the model without one."""


def mlflow_type(spark_type: T.DataType):
    """The MLflow signature type for a Spark type, or None when MLflow has none for it."""
    from mlflow.types import DataType
    from mlflow.types.schema import Array, Map, Object, Property

    scalars = {T.ShortType: DataType.integer, T.IntegerType: DataType.integer, T.LongType: DataType.long,
               T.FloatType: DataType.float, T.DoubleType: DataType.double, T.BooleanType: DataType.boolean,
               T.DateType: DataType.datetime, T.TimestampType: DataType.datetime, T.StringType: DataType.string,
               T.BinaryType: DataType.binary}
    if type(spark_type) in scalars:  # exact types: TimestampNTZType and CharType have no MLflow type
        return scalars[type(spark_type)]
    if isinstance(spark_type, T.ArrayType):
        element = mlflow_type(spark_type.elementType)
        return None if element is None else Array(element)
    if isinstance(spark_type, T.MapType):
        value = mlflow_type(spark_type.valueType) if type(spark_type.keyType) is T.StringType else None
        return None if value is None else Map(value)
    if isinstance(spark_type, T.StructType):
        fields = [(f, mlflow_type(f.dataType)) for f in spark_type.fields]
        if any(kind is None for _, kind in fields):
            return None
        return Object([Property(f.name, kind, required=not f.nullable) for f, kind in fields])
    return None


def in_unity_catalog(table_names) -> bool:
    """True when no table lives in the workspace's Hive metastore (the only case with a signature)."""
    return all(name.split(".", 1)[0].strip("`").lower() not in _NOT_UNITY_CATALOG for name in table_names)


def _lookup_features(item) -> list[str]:
    """A lookup's features in the order the feature spec lists them."""
    if item.lookup.feature_names is not None:
        return list(item.features)
    keys = set(item.table.primary_keys)
    partitions = [c for c in item.table.partition_columns if c not in keys and c in item.features]
    return partitions + sorted(f for f in item.features if f not in partitions)


def _inputs(spine: T.StructType, resolved, labels, excluded, table_schema):
    from mlflow.types import ColSpec, Schema

    keys = {k for item in resolved for k in item.lookup.lookup_key}
    specs = []
    for field in spine.fields:
        if field.name in labels or (field.name in excluded and field.name not in keys):
            continue
        kind = mlflow_type(field.dataType)
        if kind is None:
            raise _NoSignature(f"column '{field.name}' is {field.dataType.simpleString()}, which an MLflow "
                               "signature cannot describe")
        specs.append(ColSpec(kind, field.name, required=True))
    skipped = []
    for item in resolved:
        types = {f.name: f.dataType for f in table_schema(item.table.name).fields}
        for feature in _lookup_features(item):
            name = item.output(feature)
            if name in excluded:
                continue
            kind = mlflow_type(types[feature])
            if kind is None:
                skipped.append(f"{name} ({types[feature].simpleString()})")
            else:
                specs.append(ColSpec(kind, name, required=False))
    if skipped:
        _logger.warning("These features are left out of the model's input schema because an MLflow signature cannot "
                        "describe their types, so a request cannot override them: %s.", ", ".join(skipped))
    return Schema(specs)


def _outputs(spine: T.StructType, labels):
    from mlflow.types import ColSpec, Schema

    fields = [f for f in spine.fields if f.name in labels]
    if not fields:
        raise _NoSignature("the training set has no label; pass output_schema=Schema([...]) to log_model")
    kinds = [(f.name, mlflow_type(f.dataType)) for f in fields]
    if any(kind is None for _, kind in kinds):
        raise _NoSignature("an MLflow signature cannot describe the label's type")
    return Schema([ColSpec(kind, name, required=True) for name, kind in kinds])


def derive(spine: T.StructType, resolved, labels, exclude_columns, table_schema, *, output_schema=None,
           params=None):
    """The ``ModelSignature`` for a training set, or None (with a warning) when none can be derived.

    Args:
        spine: the schema of the DataFrame given to ``create_training_set``.
        resolved: its ``ResolvedLookup`` list. labels, exclude_columns: as given there.
        table_schema: ``name -> StructType`` of a feature table.
        output_schema: an MLflow ``Schema`` that replaces the outputs read from the labels.
        params: ``log_model``'s ``params``; ``result_type`` is added to them.
    """
    from mlflow.models import ModelSignature, infer_signature

    if not in_unity_catalog(item.table.name for item in resolved):
        _logger.warning("The model is logged without a signature because the training set reads feature tables in the "
                        "Hive metastore; Unity Catalog registers only models with one. Move the tables to Unity Catalog.")
        return None
    try:
        inputs = _inputs(spine, resolved, set(labels), set(exclude_columns), table_schema)
    except _NoSignature as reason:
        _logger.warning("The model is logged without a signature: %s.", reason)
        return None
    outputs = output_schema
    if outputs is None:
        try:
            outputs = _outputs(spine, labels)
        except _NoSignature as reason:
            _logger.warning("The model's signature has no outputs: %s.", reason)
    params = {**(params or {})}
    params.setdefault("result_type", NO_RESULT_TYPE)
    return ModelSignature(inputs=inputs, outputs=outputs, params=infer_signature(params=params).params)


def input_example(first_row: dict | None, signature) -> dict | None:
    """``infer_input_example=True``: the training DataFrame's first row, cut to the signature's inputs.

    Values are cast to the numpy type of their column's MLflow type (a Python int would otherwise
    fail an ``integer`` column); features are not in that DataFrame, so the example holds keys and
    other request columns only.
    """
    if first_row is None or signature is None or signature.inputs is None:
        return None
    return {spec.name: _as_signature_type(spec.type, first_row[spec.name])
            for spec in signature.inputs if spec.name in first_row}


def _as_signature_type(kind, value):
    from mlflow.types.schema import Array

    if value is None:
        return None
    if isinstance(kind, Array):
        return [_as_signature_type(kind.dtype, v) for v in value]
    return kind.to_numpy().type(value)

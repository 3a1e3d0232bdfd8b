"""The signature fe.log_model derives from a training set: types, column roles, order, and the cases with none."""
import datetime as dt
import logging
import uuid
from decimal import Decimal

import pytest
from mlflow.types import ColSpec, DataType, Schema
from mlflow.types.schema import Array, Map, Object, Property
from pyspark.sql import types as T

from localbricks.feature_store import FeatureLookup
from localbricks.feature_store import signature as sig

D = dt.datetime


@pytest.mark.parametrize("spark_type, expected", [
    (T.ShortType(), DataType.integer), (T.IntegerType(), DataType.integer), (T.LongType(), DataType.long),
    (T.FloatType(), DataType.float), (T.DoubleType(), DataType.double), (T.BooleanType(), DataType.boolean),
    (T.DateType(), DataType.datetime), (T.TimestampType(), DataType.datetime), (T.StringType(), DataType.string),
    (T.BinaryType(), DataType.binary),
    (T.ArrayType(T.LongType()), Array(DataType.long)),
    (T.MapType(T.StringType(), T.DoubleType()), Map(DataType.double)),
    (T.StructType([T.StructField("a", T.IntegerType(), False), T.StructField("b", T.StringType())]),
     Object([Property("a", DataType.integer, required=True), Property("b", DataType.string, required=False)])),
    (T.ByteType(), None), (T.DecimalType(10, 2), None), (T.TimestampNTZType(), None),
    (T.MapType(T.IntegerType(), T.DoubleType()), None), (T.ArrayType(T.DecimalType(5, 1)), None),
])
def test_spark_types_map_to_mlflow_types(spark_type, expected):
    assert sig.mlflow_type(spark_type) == expected


def test_only_hive_metastore_tables_are_outside_unity_catalog():
    assert sig.in_unity_catalog(["main.fs.a", "dev.fs.b"])
    assert not sig.in_unity_catalog(["main.fs.a", "hive_metastore.default.b"])
    assert not sig.in_unity_catalog(["spark_catalog.default.b"])


@pytest.fixture(scope="module")
def tables(spark, fe):
    """A profile table (partitioned by region, one decimal feature) and a point-in-time activity table."""
    suffix = uuid.uuid4().hex[:8]
    profile, activity = f"main.fs_tests.sigprofile_{suffix}", f"main.fs_tests.sigevents_{suffix}"
    fe.create_table(name=profile, primary_keys="cid", partition_columns="region", df=spark.createDataFrame(
        [("c1", 1.0, "eu", "basic", Decimal("9.99")), ("c2", 5.0, "us", "pro", Decimal("19.99"))],
        "cid string, tenure double, region string, plan string, price decimal(10,2)"))
    fe.create_table(name=activity, primary_keys=["cid", "ts"], timestamp_keys="ts", df=spark.createDataFrame(
        [("c1", D(2025, 1, 1), 3, 0.5), ("c2", D(2025, 1, 1), 8, 1.5)], "cid string, ts timestamp, logins int, spend float"))
    return profile, activity


@pytest.fixture(scope="module")
def labels(spark):
    return spark.createDataFrame([("c1", D(2025, 2, 1), "x", 0), ("c2", D(2025, 2, 1), "y", 1)],
                                 "cid string, at timestamp, note string, churned int")


def _training_set(fe, tables, labels, **options):
    profile, activity = tables
    lookups = [FeatureLookup(table_name=profile, lookup_key="cid"),
               FeatureLookup(table_name=activity, lookup_key="cid", timestamp_lookup_key="at",
                             feature_names=["spend", "logins"], rename_outputs={"logins": "logins_30d"})]
    return fe.create_training_set(df=labels, feature_lookups=lookups, **{"label": "churned", **options})


@pytest.mark.spark
def test_request_columns_are_required_and_features_optional_in_the_spec_order(fe, tables, labels, caplog):
    with caplog.at_level(logging.WARNING, logger=sig.__name__):
        signature = _training_set(fe, tables, labels).model_signature()
    assert signature.inputs == Schema([
        ColSpec(DataType.string, "cid"), ColSpec(DataType.datetime, "at"), ColSpec(DataType.string, "note"),
        # no feature_names: non-key partition columns first, then the rest alphabetically; decimal has no MLflow type
        ColSpec(DataType.string, "region", required=False), ColSpec(DataType.string, "plan", required=False),
        ColSpec(DataType.double, "tenure", required=False),
        # feature_names given: their order, under their output names
        ColSpec(DataType.float, "spend", required=False), ColSpec(DataType.integer, "logins_30d", required=False),
    ])
    assert "price (decimal(10,2))" in caplog.text
    assert signature.outputs == Schema([ColSpec(DataType.integer, "churned")])
    assert signature.params.to_dict() == [{"name": "result_type", "type": "string", "default": sig.NO_RESULT_TYPE,
                                           "shape": None}]


@pytest.mark.spark
def test_excluded_columns_leave_the_inputs_unless_they_are_lookup_keys(fe, tables, labels):
    signature = _training_set(fe, tables, labels, exclude_columns=["cid", "at", "note", "plan"]).model_signature()
    assert signature.inputs.required_input_names() == ["cid"]  # the timestamp lookup key is not a lookup key
    assert signature.inputs.optional_input_names() == ["region", "tenure", "spend", "logins_30d"]


@pytest.mark.spark
def test_output_schema_and_params_given_to_log_model(fe, tables, labels):
    outputs = Schema([ColSpec(DataType.double, "probability")])
    signature = _training_set(fe, tables, labels).model_signature(output_schema=outputs, params={"threshold": 0.5})
    assert signature.outputs == outputs
    assert {p.name: p.default for p in signature.params} == {"threshold": 0.5, "result_type": sig.NO_RESULT_TYPE}


@pytest.mark.spark
def test_no_label_gives_no_outputs_and_an_unsupported_request_column_no_signature(spark, fe, tables, labels, caplog):
    with caplog.at_level(logging.WARNING, logger=sig.__name__):
        unlabelled = _training_set(fe, tables, labels.drop("churned"), label=None).model_signature()
    assert unlabelled.inputs is not None and unlabelled.outputs is None
    assert "no label" in caplog.text
    with_decimal = labels.selectExpr("*", "CAST(1.5 AS DECIMAL(4,2)) AS amount")
    with caplog.at_level(logging.WARNING, logger=sig.__name__):
        assert _training_set(fe, tables, with_decimal).model_signature() is None
    assert "'amount' is decimal(4,2)" in caplog.text
    excluded = _training_set(fe, tables, with_decimal, exclude_columns=["amount"]).model_signature()
    assert "amount" not in excluded.inputs.input_names()


@pytest.mark.spark
def test_the_input_example_is_the_first_row_of_request_columns_in_signature_types(fe, tables, labels):
    training = _training_set(fe, tables, labels, exclude_columns=["note"])
    example = sig.input_example(training.first_input_row(), training.model_signature())
    assert list(example) == ["cid", "at"]  # features are not in the DataFrame the set was built from
    assert type(example["cid"]).__name__ == "str_" and str(example["at"]).startswith("2025-02-01")
    assert sig.input_example(None, training.model_signature()) is None

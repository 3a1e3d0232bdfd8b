"""create_table, read_table, get_table and drop_table: what they store and every input they refuse."""
import json
import subprocess
import sys

import pytest
from pyspark.sql import types as T

from localbricks.errors import ThreeLevelNameError
from localbricks.feature_store import FeatureStoreError, metadata
from localbricks.feature_store.entities import lookup_keys
from localbricks.feature_store.lineage import TableLineage, table_lineage

pytestmark = pytest.mark.spark


def _rows(spark, name):
    return sorted(tuple(r) for r in spark.table(name).collect())


def test_create_table_writes_rows_and_keeps_keys_description_and_tags(spark, fe, new_name):
    name = new_name()
    df = spark.createDataFrame([("c1", "2025-01-01", 1.0)], "cid string, day string, v double")
    table = fe.create_table(name=name, primary_keys=["cid", "day"], df=df, description="daily things",
                            tags={"team": "churn"}, partition_columns="day")
    assert _rows(spark, name) == [("c1", "2025-01-01", 1.0)]
    assert (table.primary_keys, table.features, table.partition_columns) == (["cid", "day"], ["v"], ["day"])
    assert (table.description, table.tags, table.timestamp_keys) == ("daily things", {"team": "churn"}, [])
    assert table_lineage(name, spark) == TableLineage(models=[], online_tables=[])
    assert table.table_id and table.creation_timestamp > 0
    nullable = {f.name: f.nullable for f in spark.table(name).schema}
    assert nullable == {"cid": False, "day": False, "v": True}
    assert fe.get_table(name) == table


def test_metadata_lives_with_the_table_and_another_process_sees_it(spark, fe, customers):
    """Keys in the Delta log, tags in the sidecar beside it: nothing is kept in this process's memory."""
    fe.set_feature_table_tag(name=customers, key="stage", value="prod")
    folder = metadata.folder(spark, customers)
    first_commit = json.loads([line for line in (folder / "_delta_log" / f"{0:020d}.json").read_text().splitlines()
                               if '"metaData"' in line][0])["metaData"]
    assert json.loads(first_commit["configuration"][metadata.PRIMARY_KEYS]) == ["cid"]
    assert first_commit["configuration"]["delta.enableChangeDataFeed"] == "true"
    assert first_commit["description"] == "customer features"
    assert json.loads((folder / metadata.SIDECAR).read_text())["tags"] == {"stage": "prod"}
    code = ("import localbricks; localbricks.activate(inject=False)\n"
            "from databricks.feature_engineering import FeatureEngineeringClient\n"
            f"t = FeatureEngineeringClient().get_table(name='{customers}')\n"
            "print('META', t.primary_keys, t.tags, t.description)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert "META ['cid'] {'stage': 'prod'} customer features" in out.stdout, out.stderr[-3000:]


def test_create_table_from_a_schema_alone_and_time_series_keys(spark, fe, new_name):
    name = new_name()
    schema = T.StructType([T.StructField("cid", T.StringType()), T.StructField("ts", T.TimestampType()),
                           T.StructField("v", T.DoubleType())])
    table = fe.create_table(name=name, primary_keys=["cid", "ts"], timestamp_keys="ts", schema=schema)
    assert spark.table(name).count() == 0
    assert (table.timestamp_keys, lookup_keys(table), table.features) == (["ts"], ["cid"], ["v"])


def test_read_table_and_time_travel(spark, fe, customers):
    fe.write_table(name=customers, df=spark.createDataFrame([("c4", 40)], "cid string, visits int"))
    assert fe.read_table(name=customers).count() == 4
    assert fe.read_table(name=customers, version=1).count() == 3


def test_drop_table_removes_data_and_metadata(spark, fe, customers):
    folder = metadata.folder(spark, customers)
    fe.drop_table(name=customers)
    assert not spark.catalog.tableExists(customers) and not folder.exists()
    with pytest.raises(FeatureStoreError, match="does not exist"):
        fe.get_table(name=customers)


@pytest.mark.parametrize("name", ["customers", "fs_tests.customers", "", None, "main.fs_tests.bad-name"])
def test_names_must_have_three_levels(fe, spark, name):
    df = spark.createDataFrame([(1,)], "id int")
    with pytest.raises(ThreeLevelNameError):
        fe.create_table(name=name, primary_keys="id", df=df)


def _bad_create_cases(spark):
    """Each case builds its arguments only when asked: ``{case: lambda: (kwargs, message)}``."""
    import pandas as pd
    from pyspark.sql import functions as F

    one = lambda: spark.createDataFrame([(1, "a")], "id int, v string")  # noqa: E731
    ts = lambda: spark.createDataFrame([(1, "2025", 1.0)], "id int, ts string, v double")  # noqa: E731
    return {
        "no primary key": lambda: (dict(primary_keys=[], df=one()), "primary_keys is required"),
        "key not a column": lambda: (dict(primary_keys="nope", df=one()), "'nope' not found"),
        "key named twice": lambda: (dict(primary_keys=["id", "id"], df=one()), "more than once"),
        "neither df nor schema": lambda: (dict(primary_keys="id"), "Give the table's rows"),
        "pandas instead of Spark": lambda: (dict(primary_keys="id", df=pd.DataFrame({"id": [1]})), "spark.createDataFrame"),
        "schema not a StructType": lambda: (dict(primary_keys="id", schema="id int"), "StructType"),
        "schema differs from df": lambda: (dict(primary_keys="id", df=one(), schema=T.StructType([T.StructField("id", T.IntegerType())])), "differ"),
        "timestamp key not a key": lambda: (dict(primary_keys="id", timestamp_keys="ts", df=ts()), "add 'ts' to primary_keys"),
        "timestamp key not a time": lambda: (dict(primary_keys=["id", "ts"], timestamp_keys="ts", df=ts()), "timestamp or date"),
        "only a timestamp key": lambda: (dict(primary_keys="d", timestamp_keys="d", df=spark.range(1).select(F.current_date().alias("d"))), "needs a primary key besides"),
        "partition column missing": lambda: (dict(primary_keys="id", df=one(), partition_columns="p"), "'p' not found"),
        "complex key": lambda: (dict(primary_keys="xs", df=spark.createDataFrame([([1],)], "xs array<int>")), "simple type"),
        "untyped column": lambda: (dict(primary_keys="id", df=spark.range(1).select("id", F.lit(None).alias("v"))), "have no type"),
        "tag value not a string": lambda: (dict(primary_keys="id", df=one(), tags={"n": 1}), "Tag values are strings"),
        "tags not a dict": lambda: (dict(primary_keys="id", df=one(), tags=["a"]), "tags must be a dict"),
        "description not a string": lambda: (dict(primary_keys="id", df=one(), description=3), "description must be a string"),
        "null key in df": lambda: (dict(primary_keys="id", df=spark.createDataFrame([(None, "a")], "id int, v string")), "null primary key"),
        "duplicate key in df": lambda: (dict(primary_keys="id", df=spark.createDataFrame([(1, "a"), (1, "b")], "id int, v string")), "appears 2 times"),
    }


@pytest.mark.parametrize("case", ["no primary key", "key not a column", "key named twice", "neither df nor schema",
                                  "pandas instead of Spark", "schema not a StructType", "schema differs from df",
                                  "timestamp key not a key", "timestamp key not a time", "only a timestamp key",
                                  "partition column missing", "complex key", "untyped column", "tag value not a string",
                                  "tags not a dict", "description not a string", "null key in df", "duplicate key in df"])
def test_create_table_refuses_bad_input_and_creates_nothing(spark, fe, new_name, case):
    name = new_name()
    kwargs, message = _bad_create_cases(spark)[case]()
    with pytest.raises(FeatureStoreError, match=message):
        fe.create_table(name=name, **kwargs)
    assert not spark.catalog.tableExists(name)


def test_create_table_refuses_an_existing_table_or_a_missing_schema(spark, fe, frozen_customers):
    df = spark.createDataFrame([("c9", 1, 1.0)], "cid string, visits int, spend double")
    with pytest.raises(FeatureStoreError, match=f"'{frozen_customers}' already exists"):
        fe.create_table(name=frozen_customers, primary_keys="cid", df=df)
    assert spark.table(frozen_customers).count() == 3
    with pytest.raises(FeatureStoreError, match="Schema 'main.no_such_schema' does not exist"):
        fe.create_table(name="main.no_such_schema.t", primary_keys="cid", df=df)


def test_a_plain_delta_table_is_not_a_feature_table(spark, fe, new_name):
    name = new_name("plain")
    spark.range(2).write.saveAsTable(name)
    with pytest.raises(FeatureStoreError, match="not a feature table"):
        fe.get_table(name=name)
    with pytest.raises(FeatureStoreError, match="not a feature table"):
        fe.write_table(name=name, df=spark.range(1))
    with pytest.raises(FeatureStoreError, match="not a feature table"):
        fe.drop_table(name=name)
    assert spark.table(name).count() == 2


def test_unexpected_arguments_are_named(spark, fe, frozen_customers):
    with pytest.raises(FeatureStoreError, match="'primary_key'"):
        fe.create_table(name=frozen_customers, primary_keys="cid", primary_key="cid")
    with pytest.raises(FeatureStoreError, match="version"):
        fe.read_table(name=frozen_customers, version=0, as_of_delta_timestamp="2025-01-01")

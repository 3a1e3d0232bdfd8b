"""Create, read and drop feature tables: Delta tables under Unity Catalog names.

``create_table`` validates everything first (name, keys, schema, the rows of ``df``), then makes the
table in one ``CREATE TABLE`` (version 0 carries keys, NOT NULL key columns, description and change
data feed), then writes ``df``. If that write fails the new table is dropped again, so a failed
call leaves nothing behind.
"""
from __future__ import annotations

import json
import time
import uuid

from pyspark.sql import types as T

from localbricks.feature_store import metadata, validation
from localbricks.feature_store.entities import FeatureTable
from localbricks.feature_store.errors import FeatureStoreError, listing


def _column_ddl(field: T.StructField, not_null: bool) -> str:
    name = "`" + field.name.replace("`", "``") + "`"
    return f"{name} {field.dataType.simpleString()}{' NOT NULL' if not_null else ''}"


def _check_tags(tags) -> dict[str, str]:
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        raise FeatureStoreError(f"tags must be a dict of strings, e.g. {{'team': 'churn'}}, got {tags!r}.")
    for key, value in tags.items():
        metadata.check_tag(key, value)
    return dict(tags)


def _table_schema(df, schema) -> T.StructType:
    if df is None and schema is None:
        raise FeatureStoreError("Give the table's rows (df=...) or its schema (schema=StructType([...])), or both.")
    if schema is not None and not isinstance(schema, T.StructType):
        raise FeatureStoreError(f"schema must be a pyspark StructType (e.g. df.schema), got {type(schema).__name__}.")
    if df is not None:
        validation.require_dataframe(df)
    if df is not None and schema is not None:
        given = {f.name: f.dataType for f in schema}
        if sorted(given) != sorted(df.columns):
            raise FeatureStoreError(
                f"df's columns {listing(df.columns)} differ from schema's {listing(given)}; they must be the same.")
        clashes = [f.name for f in df.schema if not validation.can_write(f.dataType, given[f.name])]
        if clashes:
            raise FeatureStoreError(f"df's types for {listing(clashes)} do not fit schema's; cast them or fix schema.")
    return schema if schema is not None else df.schema


def create_table(spark, name, primary_keys, df=None, *, timestamp_keys=None, partition_columns=None,
                 schema=None, description=None, tags=None) -> FeatureTable:
    """Create a feature table and write ``df`` into it; see ``FeatureEngineeringClient.create_table``."""
    full = metadata.parse(name)
    keys = validation.as_list(primary_keys, "primary_keys", required=True)
    time_keys = validation.as_list(timestamp_keys, "timestamp_keys")
    partitions = validation.as_list(partition_columns, "partition_columns")
    tags = _check_tags(tags)
    if description is not None and not isinstance(description, str):
        raise FeatureStoreError(f"description must be a string, got {description!r}.")
    table_schema = _table_schema(df, schema)
    columns = table_schema.fieldNames()
    repeated = sorted({c for c in columns if [x.lower() for x in columns].count(c.lower()) > 1})
    if repeated:
        raise FeatureStoreError(f"Column(s) {listing(repeated)} appear more than once (names are case-insensitive).")
    validation.require_columns(columns, keys, "primary_keys", "the table's columns")
    validation.require_columns(columns, time_keys, "timestamp_keys", "the table's columns")
    validation.require_columns(columns, partitions, "partition_columns", "the table's columns")
    outside = [k for k in time_keys if k not in keys]
    if outside:
        raise FeatureStoreError(
            f"Timestamp keys are part of the primary key in Unity Catalog: add {listing(outside)} to primary_keys, "
            f"e.g. primary_keys={keys + outside!r}, timestamp_keys={time_keys!r}.")
    if time_keys and len(time_keys) == len(keys):
        raise FeatureStoreError("A time-series feature table needs a primary key besides its timestamp key "
                                f"(which entity each row describes); primary_keys={keys!r} has only timestamps.")
    not_time = [f"{f.name} ({f.dataType.simpleString()})" for f in table_schema
                if f.name in time_keys and not isinstance(f.dataType, validation.TIME_TYPES)]
    if not_time:
        raise FeatureStoreError(f"Timestamp keys must be timestamp or date columns: {', '.join(not_time)}. "
                                "Convert with F.to_timestamp(...).")
    validation.check_column_types(table_schema, keys, "the table")
    metadata.require_schema(spark, full)
    if metadata.exists(spark, full):
        raise FeatureStoreError(
            f"Table '{full}' already exists. Write to it with fe.write_table(name='{full}', df=...), "
            "or drop it first with fe.drop_table(name=...).")
    if df is not None:
        validation.check_keys(df, keys)

    props = {metadata.CHANGE_DATA_FEED: "true", metadata.PRIMARY_KEYS: json.dumps(keys),
             metadata.TIMESTAMP_KEYS: json.dumps(time_keys), metadata.TABLE_ID: str(uuid.uuid4()),
             metadata.CREATED: str(int(time.time() * 1000))}
    ddl = (f"CREATE TABLE {metadata.sql_name(full)} ("
           + ", ".join(_column_ddl(f, f.name in keys) for f in table_schema) + ") USING DELTA"
           + (f" PARTITIONED BY ({', '.join('`' + p + '`' for p in partitions)})" if partitions else "")
           + (f" COMMENT {metadata.sql_string(description)}" if description else "")
           + " TBLPROPERTIES (" + ", ".join(f"{metadata.sql_string(k)} = {metadata.sql_string(v)}"
                                            for k, v in props.items()) + ")")
    spark.sql(ddl)
    try:
        if tags:
            metadata.update_sidecar(spark, full, lambda data: data["tags"].update(tags))
        if df is not None:
            df.select(*[f"`{c}`" for c in columns]).writeTo(str(full)).append()
    except BaseException:
        spark.sql(f"DROP TABLE IF EXISTS {metadata.sql_name(full)}")
        raise
    return metadata.describe(spark, full)


def read_table(spark, name, as_of_delta_timestamp=None, version=None):
    """The feature table as a DataFrame, optionally as of a Delta timestamp or version."""
    table = metadata.describe(spark, name)
    reader = spark.read
    if as_of_delta_timestamp is not None and version is not None:
        raise FeatureStoreError("Give as_of_delta_timestamp or version, not both.")
    if as_of_delta_timestamp is not None:
        reader = reader.option("timestampAsOf", str(as_of_delta_timestamp))
    if version is not None:
        reader = reader.option("versionAsOf", int(version))
    return reader.table(table.name)


def drop_table(spark, name) -> None:
    """Drop the Delta table and its metadata (online tables published from it are kept)."""
    table = metadata.describe(spark, name)
    spark.sql(f"DROP TABLE {metadata.sql_name(metadata.parse(table.name))}")

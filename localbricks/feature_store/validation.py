"""Checks run before anything is written: column names, types, and primary-key uniqueness.

Each check raises ``FeatureStoreError`` with every offending column or an example key, so a
learner can fix the DataFrame in one go. Type rules follow Spark's safe up-casts: a value may be
written into a column of the same or a wider type (int into bigint or double, float into double,
date into timestamp, a narrower decimal into a wider one), never the other way.
"""
from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from localbricks.feature_store.errors import FeatureStoreError, listing

_INTEGRAL = (T.ByteType, T.ShortType, T.IntegerType, T.LongType)
_RANK = {T.ByteType: 1, T.ShortType: 2, T.IntegerType: 3, T.LongType: 4, T.FloatType: 5, T.DoubleType: 6}
_DIGITS = {T.ByteType: 3, T.ShortType: 5, T.IntegerType: 10, T.LongType: 20}
KEY_TYPES = (*_INTEGRAL, T.StringType, T.DateType, T.TimestampType, T.TimestampNTZType, T.BooleanType,
             T.DecimalType, T.FloatType, T.DoubleType)
TIME_TYPES = (T.TimestampType, T.TimestampNTZType, T.DateType)


def as_list(value, argument: str, required: bool = False) -> list[str]:
    """A str or a list of str as a list; None as []; anything else is an error."""
    if value is None:
        items = []
    elif isinstance(value, str):
        items = [value]
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        items = list(value)
    else:
        raise FeatureStoreError(f"{argument} must be a column name or a list of column names, got {value!r}.")
    if required and not items:
        raise FeatureStoreError(f"{argument} is required: name at least one column, e.g. {argument}=['customer_id'].")
    if any(not item.strip() for item in items):
        raise FeatureStoreError(f"{argument} contains an empty column name: {value!r}.")
    repeated = sorted({item for item in items if items.count(item) > 1})
    if repeated:
        raise FeatureStoreError(f"{argument} names {listing(repeated)} more than once.")
    return items


def require_dataframe(df, argument: str = "df") -> DataFrame:
    if not isinstance(df, DataFrame):
        hint = " Convert it with spark.createDataFrame(pandas_df)." if type(df).__name__ == "DataFrame" else ""
        raise FeatureStoreError(f"{argument} must be a Spark DataFrame, got {type(df).__module__}.{type(df).__name__}.{hint}")
    if df.isStreaming:
        raise FeatureStoreError(
            f"{argument} is a streaming DataFrame; the local feature store writes batches. Write each "
            "micro-batch with df.writeStream.foreachBatch(lambda batch, _: fe.write_table(name=..., df=batch)).")
    return df


def require_columns(columns: list[str], wanted: list[str], argument: str, where: str) -> None:
    missing = [c for c in wanted if c not in columns]
    if missing:
        raise FeatureStoreError(f"{argument} {listing(missing)} not found in {where}; its columns are {listing(columns)}.")


def can_write(source: T.DataType, target: T.DataType) -> bool:
    """True if values of ``source`` type fit a ``target`` column without loss."""
    if source.simpleString() == target.simpleString() or isinstance(source, T.NullType):
        return True
    if type(source) in _RANK and type(target) in _RANK:
        return _RANK[type(source)] <= _RANK[type(target)]
    if isinstance(source, T.DateType) and isinstance(target, (T.TimestampType, T.TimestampNTZType)):
        return True
    if isinstance(target, T.DecimalType):
        if isinstance(source, T.DecimalType):
            return target.scale >= source.scale and target.precision - target.scale >= source.precision - source.scale
        if isinstance(source, _INTEGRAL):
            return target.precision - target.scale >= _DIGITS[type(source)]
    return False


def comparable(left: T.DataType, right: T.DataType) -> bool:
    """True if a join on columns of these types can match (same family)."""
    numeric = (T.NumericType,)
    return (left.simpleString() == right.simpleString()
            or (isinstance(left, numeric) and isinstance(right, numeric))
            or (isinstance(left, TIME_TYPES) and isinstance(right, TIME_TYPES)))


def check_column_types(schema: T.StructType, primary_keys: list[str], where: str) -> None:
    """Every column must have a storable type; key columns an atomic one."""
    untyped = [f.name for f in schema if isinstance(f.dataType, T.NullType)]
    if untyped:
        raise FeatureStoreError(
            f"Column(s) {listing(untyped)} in {where} have no type (every value is None). "
            "Cast them, e.g. F.lit(None).cast('double'), or pass schema=.")
    bad_keys = [f"{f.name} ({f.dataType.simpleString()})" for f in schema
                if f.name in primary_keys and not isinstance(f.dataType, KEY_TYPES)]
    if bad_keys:
        raise FeatureStoreError(f"Primary-key columns must have a simple type (string, integer, date, ...): {', '.join(bad_keys)}.")


def check_write_schema(df: DataFrame, table_schema: T.StructType, primary_keys: list[str], table: str) -> DataFrame:
    """Check ``df`` can be written into the table; return it with columns cast to the table's types."""
    table_fields = {f.name.lower(): f for f in table_schema}
    lowered = [c.lower() for c in df.columns]
    repeated = sorted({c for c in df.columns if lowered.count(c.lower()) > 1})
    if repeated:
        raise FeatureStoreError(f"df has the column(s) {listing(repeated)} more than once (names are case-insensitive).")
    missing_keys = [k for k in primary_keys if k.lower() not in lowered]
    if missing_keys:
        raise FeatureStoreError(
            f"df has no primary-key column(s) {listing(missing_keys)}; every row written to '{table}' must say "
            f"which key it belongs to. df's columns: {listing(df.columns)}.")
    unknown = [c for c in df.columns if c.lower() not in table_fields]
    if unknown:
        raise FeatureStoreError(
            f"df has column(s) {listing(unknown)} that '{table}' does not have (its columns: "
            f"{listing([f.name for f in table_schema])}). Drop them, or add them to the table first with "
            f"ALTER TABLE {table} ADD COLUMNS (...).")
    clashes = []
    for field in df.schema:
        target = table_fields[field.name.lower()]
        if not can_write(field.dataType, target.dataType):
            clashes.append(f"'{field.name}' is {field.dataType.simpleString()} in df but "
                           f"{target.dataType.simpleString()} in the table")
    if clashes:
        raise FeatureStoreError(
            f"Incompatible column types for '{table}': {'; '.join(clashes)}. Cast them first, e.g. "
            "df.withColumn('x', F.col('x').cast('double')), if no value is lost.")
    return df.select(*[F.col(f"`{c}`").cast(table_fields[c.lower()].dataType).alias(table_fields[c.lower()].name)
                       for c in df.columns])


def check_keys(df: DataFrame, primary_keys: list[str], where: str = "df") -> None:
    """Raise if any row has a null key or two rows share a key (one Spark job, two if duplicated)."""
    keys = [F.col(f"`{k}`") for k in primary_keys]
    any_null = F.greatest(*[k.isNull().cast("int") for k in keys]) if len(keys) > 1 else keys[0].isNull().cast("int")
    stats = df.agg(F.count(F.lit(1)).alias("rows"), F.sum(any_null).alias("null_rows"),
                   F.countDistinct(*keys).alias("distinct")).first()
    shown = ", ".join(primary_keys)
    if stats.null_rows:
        raise FeatureStoreError(
            f"{stats.null_rows} row(s) of {where} have a null primary key ({shown}); primary keys are NOT NULL. "
            f"Drop or fill them first, e.g. {where}.dropna(subset={primary_keys!r}).")
    if stats.rows - stats.null_rows > stats.distinct:
        example = df.groupBy(*keys).count().where("count > 1").first()
        key = ", ".join(f"{k}={example[k]!r}" for k in primary_keys)
        raise FeatureStoreError(
            f"{where} has {stats.rows - stats.distinct} duplicate primary-key row(s), e.g. ({key}) appears "
            f"{example['count']} times; each key may appear once per write. Deduplicate or aggregate first, "
            f"e.g. {where}.dropDuplicates({primary_keys!r}).")

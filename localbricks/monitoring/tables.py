"""The metric tables' schemas and how a refresh writes them.

Names and columns follow Databricks' "monitor metric tables" page
(docs.databricks.com/lakehouse-monitoring/monitor-output): ``{output_schema}.{table}_profile_metrics``
and ``{output_schema}.{table}_drift_metrics``; ``window`` a struct of start/end, ``slice_key`` /
``slice_value`` NULL for the whole table, ``column_name`` ``:table`` for table-level rows,
``drift_type`` CONSECUTIVE or BASELINE, ``window_cmp`` the compared window, KS and chi-squared as
structs of statistic and p-value. Model ids go in a ``model_id`` column (the brief's name).

Each table is written with one Delta MERGE keyed by (granularity, window start, slice, model,
column[, drift type]): the recomputed windows' rows are replaced, their stale rows deleted, every
other window left alone — one commit per table.
"""
from __future__ import annotations

from pyspark.sql import types as T

WINDOW = T.StructType([T.StructField("start", T.TimestampType()), T.StructField("end", T.TimestampType())])
TEST = T.StructType([T.StructField("statistic", T.DoubleType()), T.StructField("pvalue", T.DoubleType())])
AVERAGED = T.StructType([T.StructField("macro", T.DoubleType()), T.StructField("weighted", T.DoubleType())])
ITEM = T.StructType([T.StructField("item", T.StringType()), T.StructField("count", T.LongType())])

_KEYS = [("window", WINDOW), ("granularity", T.StringType()), ("model_id", T.StringType()),
         ("slice_key", T.StringType()), ("slice_value", T.StringType()), ("column_name", T.StringType()),
         ("data_type", T.StringType())]
PROFILE_SCHEMA = T.StructType([T.StructField(n, t) for n, t in _KEYS + [
    ("log_type", T.StringType()), ("count", T.LongType()), ("num_nulls", T.LongType()),
    ("percent_null", T.DoubleType()), ("avg", T.DoubleType()), ("stddev", T.DoubleType()),
    ("min", T.DoubleType()), ("max", T.DoubleType()), ("quantiles", T.ArrayType(T.DoubleType())),
    ("median", T.DoubleType()), ("distinct_count", T.LongType()), ("frequent_items", T.ArrayType(ITEM)),
    ("num_zeros", T.LongType()), ("accuracy_score", T.DoubleType()), ("precision", AVERAGED),
    ("recall", AVERAGED), ("f1_score", AVERAGED), ("roc_auc_score", T.DoubleType()),
    ("mean_squared_error", T.DoubleType()), ("root_mean_squared_error", T.DoubleType()),
    ("mean_absolute_error", T.DoubleType()), ("r2_score", T.DoubleType()),
]])
DRIFT_SCHEMA = T.StructType([T.StructField(n, t) for n, t in _KEYS + [
    ("window_cmp", WINDOW), ("drift_type", T.StringType()), ("count_delta", T.DoubleType()),
    ("avg_delta", T.DoubleType()), ("percent_null_delta", T.DoubleType()), ("js_distance", T.DoubleType()),
    ("ks_test", TEST), ("chi_squared_test", TEST), ("wasserstein_distance", T.DoubleType()),
    ("population_stability_index", T.DoubleType()), ("tv_distance", T.DoubleType()),
    ("l_infinity_distance", T.DoubleType()),
]])
STATE_SCHEMA = T.StructType([
    T.StructField("granularity", T.StringType()), T.StructField("window_start", T.TimestampType()),
    T.StructField("row_count", T.LongType()), T.StructField("max_timestamp", T.TimestampType()),
    T.StructField("fingerprint", T.StringType()), T.StructField("config", T.StringType()),
])
PROFILE_KEYS = ["granularity", "window.start", "model_id", "slice_key", "slice_value", "column_name"]
DRIFT_KEYS = PROFILE_KEYS + ["drift_type"]


def names(table_name: str, output_schema: str) -> dict[str, str]:
    base = table_name.split(".")[-1]
    return {kind: f"{output_schema}.{base}_{kind}" for kind in ("profile_metrics", "drift_metrics", "monitor_state")}


def to_frame(spark, rows: list[dict], schema: T.StructType):
    return spark.createDataFrame([tuple(r.get(f.name) for f in schema.fields) for r in rows], schema)


def merge(spark, name: str, frame, keys: list[str], replaced_windows: list[tuple]) -> None:
    """Replace ``replaced_windows`` [(granularity, window start)] of ``name`` by ``frame``'s rows, in one commit."""
    from delta.tables import DeltaTable

    if not spark.catalog.tableExists(name):
        frame.write.format("delta").saveAsTable(name)
        return
    on = " AND ".join(f"t.{k} <=> s.{k}" for k in keys)
    replaced = " OR ".join(
        f"(t.granularity <=> {_sql(g)} AND t.window.start <=> {_sql(start)})" for g, start in replaced_windows
    ) or "false"
    (DeltaTable.forName(spark, name).alias("t").merge(frame.alias("s"), on)
     .whenMatchedUpdateAll().whenNotMatchedInsertAll()
     .whenNotMatchedBySourceDelete(replaced).execute())


def _sql(value) -> str:
    if value is None:
        return "NULL"
    if hasattr(value, "timestamp"):  # a collected (naive, local-time) datetime: compare as an instant
        return f"timestamp_micros({round(value.timestamp() * 1_000_000)})"
    return "'" + str(value).replace("'", "''") + "'"

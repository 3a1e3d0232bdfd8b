"""Reshape the monitored table so every metric is one Spark groupBy.

``with_groups`` gives each row its (granularity, window, slice, model) keys — one copy per
granularity and per slice, the whole table being the slice (NULL, NULL), as the metric tables
identify it (Databricks "monitor metric tables" page, docs.databricks.com/lakehouse-monitoring/monitor-output).
``melt`` turns the columns into rows (column_name, x_num, x_cat) so all columns aggregate at once.
"""
from __future__ import annotations

from pyspark.sql import functions as F
from pyspark.sql import types as T

from localbricks.monitoring.windows import Granularity, window_column

GROUP_KEYS = ["granularity", "window", "slice_key", "slice_value", "model_id"]
SLICE_KEYS = ["slice_key", "slice_value"]


def is_numeric(dtype) -> bool:
    return isinstance(dtype, T.NumericType)


def is_profiled(dtype) -> bool:
    """Columns a monitor profiles: numbers and anything with a natural string form (not arrays, maps, structs)."""
    return not isinstance(dtype, (T.ArrayType, T.MapType, T.StructType, T.BinaryType))


def _sliced(df, slicing_exprs):
    slices = [F.struct(F.lit(None).cast("string").alias("slice_key"),
                       F.lit(None).cast("string").alias("slice_value"))]
    for expr in slicing_exprs or []:
        slices.append(F.struct(F.lit(expr).alias("slice_key"), F.expr(expr).cast("string").alias("slice_value")))
    return df.withColumn("_slice", F.explode(F.array(*slices))).select("*", "_slice.*").drop("_slice")


def with_groups(df, ts_col, granularities: list[Granularity] | None, slicing_exprs, model_col=None,
                snapshot_window=None):
    """``df`` plus GROUP_KEYS; ``granularities`` None means one window for everything (snapshots, baselines)."""
    model = F.col(model_col).cast("string") if model_col else F.lit(None).cast("string")
    df = df.withColumn("model_id", model)
    if granularities is None:
        start, end = snapshot_window or (None, None)
        win = F.struct(F.lit(start).cast("timestamp").alias("start"), F.lit(end).cast("timestamp").alias("end"))
        parts = [df.withColumn("granularity", F.lit(None).cast("string")).withColumn("window", win)]
    else:
        parts = [df.withColumn("granularity", F.lit(g.text)).withColumn("window", window_column(ts_col, g))
                 for g in granularities]
    out = parts[0]
    for part in parts[1:]:
        out = out.unionByName(part)
    return _sliced(out, slicing_exprs)


def melt(grouped, columns: dict[str, object]):
    """One row per (group, column, row): x_num for numeric columns, x_cat (a string) for the rest."""
    cells = []
    for name, dtype in columns.items():
        col = F.col(f"`{name}`")
        # + 0.0 turns -0.0 into 0.0, so the two zeros are one value everywhere (distinct counts, items)
        num = (col.cast("double") + F.lit(0.0)) if is_numeric(dtype) else F.lit(None).cast("double")
        cat = F.lit(None).cast("string") if is_numeric(dtype) else col.cast("string")
        cells.append(F.struct(F.lit(name).alias("column_name"), F.lit(dtype.simpleString()).alias("data_type"),
                              num.alias("x_num"), cat.alias("x_cat")))
    return grouped.select(*GROUP_KEYS, F.explode(F.array(*cells)).alias("_cell")).select(*GROUP_KEYS, "_cell.*")

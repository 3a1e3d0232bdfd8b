"""Profile metrics per group × column, each a Spark aggregation; only the per-group results reach the driver.

``median``/``quantiles`` use Spark's ``percentile_approx`` with accuracy QUANTILE_ACCURACY: the
returned value's rank is within n / QUANTILE_ACCURACY of the exact one (Spark's documented bound),
i.e. within 0.01 % of the rows.
"""
from __future__ import annotations

from pyspark.sql import Window
from pyspark.sql import functions as F

from localbricks.monitoring.frames import GROUP_KEYS

QUANTILE_ACCURACY = 10000
QUANTILE_LEVELS = [i / 100 for i in range(101)]
FREQUENT_ITEMS = 10
TABLE_COLUMN = ":table"  # the column_name of table-level rows, as Databricks writes it


def _key(row) -> tuple:
    return tuple(row[k] for k in GROUP_KEYS)


def column_profiles(long) -> dict[tuple, dict]:
    """{(group keys..., column_name): metrics} for every profiled column."""
    is_null = F.col("x_num").isNull() & F.col("x_cat").isNull()
    agg = long.groupBy(*GROUP_KEYS, "column_name", "data_type").agg(
        F.count(F.lit(1)).alias("count"),
        F.sum(is_null.cast("long")).alias("num_nulls"),
        F.avg("x_num").alias("avg"),
        F.stddev("x_num").alias("stddev"),
        F.min("x_num").alias("min"),
        F.max("x_num").alias("max"),
        F.percentile_approx("x_num", QUANTILE_LEVELS, QUANTILE_ACCURACY).alias("quantiles"),
        F.count_distinct(F.coalesce(F.col("x_cat"), F.col("x_num").cast("string"))).alias("distinct_count"),
        F.sum((F.col("x_num") == 0).cast("long")).alias("num_zeros"),
    )
    out = {}
    for row in agg.collect():
        metrics = row.asDict()
        metrics["percent_null"] = 100.0 * metrics["num_nulls"] / metrics["count"] if metrics["count"] else None
        quantiles = metrics["quantiles"]
        metrics["median"] = quantiles[50] if quantiles else None
        metrics["frequent_items"] = []
        if metrics["min"] is None:  # not numeric, or all NULL: numeric summaries do not apply
            metrics.update(quantiles=None, median=None, num_zeros=None)
        out[_key(row) + (row["column_name"],)] = metrics
    for key, items in frequent_items(long).items():
        if key in out:
            out[key]["frequent_items"] = items
    return out


def frequent_items(long) -> dict[tuple, list[dict]]:
    """The FREQUENT_ITEMS most common non-NULL values per group and column (ties broken by value)."""
    value = F.coalesce(F.col("x_cat"), F.col("x_num").cast("string"))
    counts = long.where(value.isNotNull()).groupBy(*GROUP_KEYS, "column_name", value.alias("item")).count()
    rank = Window.partitionBy(*GROUP_KEYS, "column_name").orderBy(F.desc("count"), "item")
    top = counts.withColumn("_rank", F.row_number().over(rank)).where(F.col("_rank") <= FREQUENT_ITEMS)
    out: dict[tuple, list] = {}
    for row in top.orderBy("_rank").collect():
        out.setdefault(_key(row) + (row["column_name"],), []).append({"item": row["item"], "count": row["count"]})
    return out


def table_counts(grouped) -> dict[tuple, int]:
    """Rows per group, for the ``:table`` rows."""
    return {_key(r): r["count"] for r in grouped.groupBy(*GROUP_KEYS).count().collect()}

"""Expectation results: how a pipeline records them, and how a notebook reads them back.

Databricks counts passed and failed records per expectation in the pipeline's event log.
Open-source pipelines have no such log, so each dataset with expectations gets a companion
``<dataset>_expectations`` defined in the same pipeline (``expectations``): its flow reads the same
source as the dataset's own flow and writes one row per input record,

    flow STRING, checks ARRAY<STRUCT<expectation STRING, action STRING, passed BOOLEAN>>,
    record STRING (the record as JSON, only when a check failed), recorded_at TIMESTAMP

so counts are exact for streaming tables (each run appends the records it read, as the dataset's
flow does) and for materialized views (recomputed with the view). The record of a failed check is
kept, so the dropped rows can be shown, not only counted.

Since the companion's flow evaluates the dataset's query on every input record, including those
an expectation drops, keep model scoring and other fragile work in a downstream dataset that
reads the cleaned one, as the medallion layout does anyway.
"""
from __future__ import annotations

from localbricks.errors import LocalbricksError
from localbricks.workspace import on_databricks

SUFFIX = "_expectations"


def metrics_table(dataset: str) -> str:
    """The companion dataset of ``dataset`` (same catalog and schema): ``<dataset>_expectations``."""
    return f"{dataset}{SUFFIX}"


def checks_frame(df, expectations, flow: str):
    """One row per record of ``df`` with every expectation's verdict (lazy; streaming or batch)."""
    from pyspark.sql import functions as F

    checks = F.array(*[
        F.struct(F.lit(e.name).alias("expectation"), F.lit(e.action).alias("action"),
                 e.passes().alias("passed"))
        for e in expectations])
    return (df.select(checks.alias("checks"), F.to_json(F.struct(F.col("*"))).alias("record"))
            .select(F.lit(flow).alias("flow"), "checks",
                    F.when(F.exists("checks", lambda c: ~c["passed"]), F.col("record")).alias("record"),
                    F.current_timestamp().alias("recorded_at")))


def _results(spark, table: str):
    if on_databricks():
        raise LocalbricksError(
            "On Databricks, expectation results are in the pipeline's event log (the pipeline UI's "
            "Data quality tab, or the event log's flow_progress events), not in a companion table.")
    from pyspark.errors import AnalysisException

    name = metrics_table(table)
    try:
        results = spark.table(name)
        results.schema  # noqa: B018 — resolve now, so a missing table fails here, in words
    except AnalysisException:
        raise LocalbricksError(
            f"No expectation results for {table}: expected the table {name}, which a pipeline run "
            "writes for each dataset with expectations. Has the pipeline run, and does the dataset "
            "have @dp.expect… decorators?") from None
    return results


def expectation_metrics(spark, table: str):
    """Passed, failed and dropped record counts per expectation of ``table``, over all runs.

    Args:
        spark: the notebook's session.
        table: the dataset's name, as the notebook reads it (``main.sales.clean_events``).

    Returns:
        A DataFrame ``dataset, expectation, action, passed_records, failed_records,
        dropped_records``, one row per expectation, ordered by expectation.
    """
    from pyspark.sql import functions as F

    check = F.col("check")
    return (_results(spark, table).select(F.explode("checks").alias("check"))
            .groupBy(check["expectation"].alias("expectation"), check["action"].alias("action"))
            .agg(F.sum(check["passed"].cast("long")).alias("passed_records"),
                 F.sum((~check["passed"]).cast("long")).alias("failed_records"))
            .select(F.lit(table).alias("dataset"), "expectation", "action", "passed_records",
                    "failed_records",
                    F.when(F.col("action") == "drop", F.col("failed_records")).otherwise(F.lit(0))
                    .cast("long").alias("dropped_records"))
            .orderBy("expectation"))


def dropped_records(spark, table: str) -> int:
    """How many input records of ``table`` were dropped (by one drop expectation or several)."""
    from pyspark.sql import functions as F

    dropped = F.exists("checks", lambda c: (c["action"] == "drop") & ~c["passed"])
    return _results(spark, table).filter(dropped).count()


def expectation_violations(spark, table: str):
    """The records that violated an expectation of ``table``: ``expectation, action, record,
    recorded_at`` (``record`` is the record as JSON), one row per violated expectation."""
    from pyspark.sql import functions as F

    return (_results(spark, table)
            .select(F.explode("checks").alias("check"), "record", "recorded_at")
            .filter(~F.col("check.passed"))
            .select(F.col("check.expectation").alias("expectation"),
                    F.col("check.action").alias("action"), "record", "recorded_at"))

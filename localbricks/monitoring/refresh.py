"""One monitor refresh: validate, find the windows whose rows changed, compute, then write.

Incremental: a third table, ``{output_schema}.{table}_monitor_state``, keeps each window's row count,
latest timestamp and a content fingerprint (a sum of row hashes); only windows whose triple changed
— and the window right after each, whose consecutive drift compares with it — are recomputed. A
change of configuration, slices or baseline recomputes everything. Idempotent: the same data gives
the same rows, and an unchanged table recomputes nothing.

All metrics are computed before the first write; then one MERGE per metric table and finally the
state. A failure before the writes leaves every table as it was; a failure between them leaves the
state old, so the next refresh recomputes the same windows.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from pyspark.sql import functions as F

from localbricks.monitoring import drift, plan as plans, profile, quality, tables
from localbricks.monitoring.frames import GROUP_KEYS, melt, with_groups
from localbricks.monitoring.profile import TABLE_COLUMN


@dataclass
class RefreshResult:
    profile_metrics_table: str
    drift_metrics_table: str
    windows_recomputed: list[tuple] = field(default_factory=list)  # [(granularity, window start)]


def _fingerprint(df):
    row_hash = F.xxhash64(*[F.col(f"`{c}`") for c in df.columns]).cast("decimal(38,0)")
    return F.sum(row_hash).cast("string")


def _window_state(grouped, ts_col):
    """{(granularity, start): (end, rows, max timestamp, fingerprint)} over the whole-table slice."""
    whole = grouped.where(F.col("slice_key").isNull())
    data_cols = [c for c in whole.columns if c not in GROUP_KEYS + ["slice_key", "slice_value"]]
    latest = F.max(F.col(ts_col).cast("timestamp")) if ts_col else F.lit(None).cast("timestamp")
    rows = whole.groupBy("granularity", "window").agg(
        F.count(F.lit(1)).alias("n"), latest.alias("latest"), _fingerprint(whole.select(*data_cols)).alias("fp"))
    return {(r["granularity"], r["window"]["start"]): (r["window"]["end"], r["n"], r["latest"], r["fp"])
            for r in rows.collect()}


def _config_text(monitor_config, baseline_table, slicing_exprs, baseline_fp) -> str:
    return json.dumps({"config": type(monitor_config).__name__ + json.dumps(monitor_config.as_dict(), sort_keys=True),
                       "baseline": baseline_table, "baseline_fp": baseline_fp,
                       "slices": list(slicing_exprs or [])}, sort_keys=True)


def _previous_state(spark, name, config_text) -> dict:
    if not spark.catalog.tableExists(name):
        return {}
    rows = spark.table(name).collect()
    if any(r["config"] != config_text for r in rows):
        return {(r["granularity"], r["window_start"]): None for r in rows}  # everything is stale
    return {(r["granularity"], r["window_start"]): (r["row_count"], r["max_timestamp"], r["fingerprint"]) for r in rows}


def refresh(spark, monitor_config, table_name, output_schema, baseline_table=None, slicing_exprs=None) -> RefreshResult:
    """Bring ``{output_schema}.{table}_profile_metrics`` / ``_drift_metrics`` up to date with ``table_name``.

    Args:
        monitor_config: a databricks-sdk ``MonitorTimeSeries``, ``MonitorInferenceLog`` or ``MonitorSnapshot``.
        baseline_table: a table with the monitored table's schema, for BASELINE drift.
        slicing_exprs: SQL expressions; each distinct value of each is a slice.
    """
    plan = plans.build(spark, monitor_config, table_name, output_schema, baseline_table, slicing_exprs)
    names = tables.names(table_name, output_schema)
    result = RefreshResult(names["profile_metrics"], names["drift_metrics"])
    source = spark.table(table_name)
    snapshot = None
    if plan.granularities is None:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        snapshot = (now, now)
    grouped = with_groups(source, plan.timestamp_col, plan.granularities, plan.slicing_exprs, plan.model_id_col, snapshot)
    base_fp = spark.table(baseline_table).agg(_fingerprint(spark.table(baseline_table))).first()[0] if baseline_table else None
    config_text = _config_text(monitor_config, baseline_table, slicing_exprs, base_fp)
    now_state = _window_state(grouped, plan.timestamp_col)
    if snapshot:  # a snapshot's window is "now": key it by content, so an unchanged table is not re-profiled
        now_state = {(None, None): v for v in now_state.values()}
    before = _previous_state(spark, names["monitor_state"], config_text)
    changed = {k for k, v in now_state.items() if before.get(k) != v[1:]}
    follower = {(g, s): (g, v[0]) for (g, s), v in now_state.items()}  # the window starting where one ends
    targets = changed | {follower[k] for k in changed if not snapshot and follower[k] in now_state}
    removed = {k for k in before if k not in now_state}
    if not targets and not removed:
        return result
    if snapshot:
        rows_p, rows_d = _compute(spark, plan, grouped, baseline_table, snapshot, None)
        replaced = []
    else:
        predecessor = {follower[k]: k for k in now_state}
        needed = targets | {predecessor[k] for k in targets if k in predecessor}
        keys = spark.createDataFrame([(g, s) for g, s in needed], "granularity string, wstart timestamp")
        subset = grouped.join(F.broadcast(keys), (grouped["granularity"] == keys["granularity"])
                              & (grouped["window.start"] == keys["wstart"]), "left_semi")
        rows_p, rows_d = _compute(spark, plan, subset, baseline_table, None, targets)
        replaced = sorted(targets | removed, key=str)
    state_rows = [{"granularity": g, "window_start": s, "row_count": v[1], "max_timestamp": v[2],
                   "fingerprint": v[3], "config": config_text} for (g, s), v in now_state.items()]
    # writes: nothing above has touched a table
    _write(spark, names["profile_metrics"], tables.to_frame(spark, rows_p, tables.PROFILE_SCHEMA),
           tables.PROFILE_KEYS, replaced, snapshot)
    _write(spark, names["drift_metrics"], tables.to_frame(spark, rows_d, tables.DRIFT_SCHEMA),
           tables.DRIFT_KEYS, replaced, snapshot)
    tables.to_frame(spark, state_rows, tables.STATE_SCHEMA).write.format("delta").mode("overwrite") \
        .option("overwriteSchema", "true").saveAsTable(names["monitor_state"])
    result.windows_recomputed = sorted(targets, key=str)
    return result


def _write(spark, name, frame, keys, replaced, snapshot) -> None:
    if snapshot and spark.catalog.tableExists(name):
        frame.write.format("delta").mode("append").saveAsTable(name)  # snapshots accumulate, one window each
    else:
        tables.merge(spark, name, frame, keys, replaced)


def _compute(spark, plan, grouped, baseline_table, snapshot, targets):
    """(profile rows, drift rows) for the windows in ``targets`` (all windows when None)."""
    from localbricks.monitoring import assemble

    grouped = grouped.cache()
    cached = [grouped]
    try:
        long = melt(grouped, plan.columns).cache()
        cached.append(long)
        base_long = base_profiles = None
        if baseline_table:
            base = with_groups(spark.table(baseline_table), None, None, plan.slicing_exprs)
            base_long = melt(base, plan.columns).cache()
            cached.append(base_long)
            base_profiles = profile.column_profiles(base_long)
            base_profiles.update({k + (TABLE_COLUMN,): {"count": n} for k, n in profile.table_counts(base).items()})
        profiles = profile.column_profiles(long)
        counts = profile.table_counts(grouped)
        model = _quality(plan, grouped)
        stats = drift.statistics(long, base_long)
    finally:
        for frame in cached:
            frame.unpersist()
    keep = (lambda g, s: True) if targets is None else (lambda g, s: (g, s) in targets)
    return (assemble.profile_rows(profiles, counts, model, keep),
            assemble.drift_rows(profiles, counts, stats, base_profiles, keep))


def _quality(plan, grouped) -> dict:
    if plan.kind != "InferenceLog" or not plan.label_col:
        return {}
    if plan.problem_type == "PROBLEM_TYPE_REGRESSION":
        return quality.regression(grouped, plan.label_col, plan.prediction_col)
    return quality.classification(grouped, plan.label_col, plan.prediction_col, plan.proba_col)

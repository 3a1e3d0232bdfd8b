"""Checks for notebook 09, monitoring a model in production (beyond the Associate exam).

Every check reads what it grades the way a Databricks user would: the monitor and its refreshes
through ``WorkspaceClient().quality_monitors``, the profile and drift metric tables through Spark.
Nothing here imports localbricks, so the same checks grade a monitor on a Databricks workspace.
What the learner reports (a drift day, a list of columns, an accuracy) is recomputed here from the
learner's own metric tables and compared, so a number copied from elsewhere does not pass.

The exercises are filed under Model Deployment, the exam domain monitoring follows on from; they
name no exam objective because the Associate exam has none for monitoring.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

from grader import exercise
from grader.checks._sdk import enum_value, workspace_client

DOMAIN = "Model Deployment"
NUMERIC_STATISTICS = ("ks_test", "wasserstein_distance")
"""Statistics that use the order and size of values: for numeric columns only."""
CATEGORICAL_STATISTICS = ("chi_squared_test", "js_distance", "tv_distance", "l_infinity_distance",
                          "population_stability_index")
"""Statistics over category frequencies: what a categorical column can be compared with."""
ENDED = ("SUCCESS", "FAILED", "CANCELED")


# ---- helpers -----------------------------------------------------------------------------------

def _monitor(table_name: str):
    from databricks.sdk.errors import NotFound

    try:
        return workspace_client().quality_monitors.get(table_name=table_name)
    except NotFound:
        raise AssertionError(f"There is no monitor on '{table_name}' yet: create it with "
                             "w.quality_monitors.create(table_name=..., assets_dir=..., output_schema_name=..., "
                             "inference_log=MonitorInferenceLog(...)).") from None


def _latest_refresh(table_name: str):
    refreshes = workspace_client().quality_monitors.list_refreshes(table_name=table_name).refreshes or []
    assert refreshes, f"The monitor on '{table_name}' has never been refreshed: call w.quality_monitors.run_refresh."
    return max(refreshes, key=lambda r: r.refresh_id)


def _metric_table(spark, name: str, what: str):
    assert spark.catalog.tableExists(name), (
        f"The {what} table {name} does not exist yet: it is written by the monitor's first successful refresh.")
    return spark.table(name)


def _day(value) -> dt.date:
    """A window start given as a date, datetime, pandas Timestamp or ISO string, as a date."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            raise AssertionError(f"'{value}' is not a date like '2025-07-19'.") from None
    if hasattr(value, "date") and callable(value.date):
        return value.date()
    assert isinstance(value, dt.date), f"Expected a date (or a window start timestamp), got {type(value).__name__}."
    return value


def baseline_drift(spark, drift_table: str, columns, granularity: str = "1 day"):
    """BASELINE drift rows of the whole table (no slice) for ``columns``: a pandas frame, one row per window × column."""
    from pyspark.sql import functions as F

    frame = _metric_table(spark, drift_table, "drift metrics")
    rows = (frame.where((F.col("drift_type") == "BASELINE") & F.col("slice_key").isNull()
                        & (F.col("granularity") == granularity) & F.col("column_name").isin(list(columns)))
            .select(F.col("window.start").alias("window_start"), "column_name",
                    F.col("ks_test.statistic").alias("ks_statistic"), "js_distance").toPandas())
    return rows


def drifted(rows, numeric, ks_threshold: float, js_threshold: float):
    """Rows over the threshold: KS for numeric columns, Jensen-Shannon for the others."""
    is_numeric = rows.column_name.isin(list(numeric))
    over = (is_numeric & (rows.ks_statistic > ks_threshold)) | (~is_numeric & (rows.js_distance > js_threshold))
    return rows[over]


def quality_by_window(spark, profile_table: str, granularity: str = "1 day"):
    """The whole table's accuracy per window, from the profile metrics' ``:table`` rows."""
    from pyspark.sql import functions as F

    frame = _metric_table(spark, profile_table, "profile metrics")
    return (frame.where((F.col("column_name") == ":table") & F.col("slice_key").isNull()
                        & (F.col("granularity") == granularity))
            .select(F.col("window.start").alias("window_start"), "accuracy_score")
            .orderBy("window_start").toPandas())


# ---- the monitor ---------------------------------------------------------------------------------

@exercise("09.create_monitor", domain=DOMAIN, hints=[
    "An inference log needs MonitorInferenceLog(timestamp_col=..., granularities=[...], model_id_col=..., "
    "prediction_col=..., label_col=..., problem_type=MonitorInferenceLogProblemType.PROBLEM_TYPE_CLASSIFICATION).",
    "prediction_proba_col='churn_probability' lets the monitor compute ROC AUC; slicing_exprs=['plan_tier'] adds "
    "one slice per tier; baseline_table_name=BASELINE_TABLE turns on BASELINE drift.",
    "w.quality_monitors.create(table_name=LOG_TABLE, assets_dir=ASSETS_DIR, output_schema_name=SCHEMA, "
    "baseline_table_name=..., slicing_exprs=[...], inference_log=MonitorInferenceLog(...))",
])
def check_create_monitor(table_name, output_schema, baseline_table, monitor):
    info = _monitor(table_name)
    assert monitor is not None and getattr(monitor, "table_name", None) == table_name, \
        "Keep what w.quality_monitors.create returned in `monitor`."
    assert enum_value(info.status) == "MONITOR_STATUS_ACTIVE", f"The monitor is {enum_value(info.status)}, not active."
    assert info.output_schema_name == output_schema, \
        f"Write the metric tables to SCHEMA ('{output_schema}'), not '{info.output_schema_name}'."
    log = info.inference_log
    assert log is not None, "This table is a model's inference log: create an InferenceLog monitor (inference_log=...)."
    assert enum_value(log.problem_type) == "PROBLEM_TYPE_CLASSIFICATION", "Churn is a classification problem."
    expected = {"timestamp_col": "request_time", "model_id_col": "model_id", "prediction_col": "prediction",
                "label_col": "churned", "prediction_proba_col": "churn_probability"}
    for field, column in expected.items():
        got = getattr(log, field)
        assert got == column, f"{field} should name the column '{column}', not {got!r}."
    assert list(log.granularities or []) == ["1 day"], "Use one granularity, daily windows: granularities=['1 day']."
    assert info.baseline_table_name == baseline_table, \
        "Set baseline_table_name to BASELINE_TABLE, so each window is also compared with the training-time week."
    assert list(info.slicing_exprs or []) == ["plan_tier"], "Slice by plan tier: slicing_exprs=['plan_tier']."


@exercise("09.refresh", domain=DOMAIN, hints=[
    "run = w.quality_monitors.run_refresh(table_name=LOG_TABLE) queues a refresh and returns at once.",
    "Poll w.quality_monitors.get_refresh(table_name=LOG_TABLE, refresh_id=run.refresh_id) every few seconds until "
    "its state is no longer PENDING or RUNNING (stop after REFRESH_TIMEOUT seconds).",
])
def check_refresh(spark, table_name, refresh_info):
    latest = _latest_refresh(table_name)
    assert refresh_info is not None and hasattr(refresh_info, "state"), \
        "Keep the refresh's final MonitorRefreshInfo (from get_refresh) in `refresh_info`."
    assert refresh_info.refresh_id == latest.refresh_id, "`refresh_info` is not the monitor's latest refresh."
    assert enum_value(refresh_info.state) in ENDED, (
        f"`refresh_info` is still {enum_value(refresh_info.state)}: wait until the refresh ends, reading its state "
        "with get_refresh.")
    assert enum_value(latest.state) == "SUCCESS", f"The refresh ended {enum_value(latest.state)}: {latest.message}"
    info = _monitor(table_name)
    for name, what in ((info.profile_metrics_table_name, "profile metrics"),
                       (info.drift_metrics_table_name, "drift metrics")):
        assert _metric_table(spark, name, what).count() > 0, f"The {what} table {name} is empty."


# ---- drift ---------------------------------------------------------------------------------------

@exercise("09.drifted_features", domain=DOMAIN, hints=[
    "Read the BASELINE rows of the whole table: drift_type = 'BASELINE' AND slice_key IS NULL, for the FEATURES "
    "columns only (an id column like request_id differs in every window).",
    "A numeric feature drifted in a window when ks_test.statistic > KS_THRESHOLD; a categorical one when "
    "js_distance > JS_THRESHOLD.",
    "drift_start is the earliest window.start of such a row (as a date); drifted_columns the set of their "
    "column_name values.",
])
def check_drifted_features(spark, drift_table, features, numeric_features, ks_threshold, js_threshold,
                           drift_start, drifted_columns):
    rows = drifted(baseline_drift(spark, drift_table, features), numeric_features, ks_threshold, js_threshold)
    assert len(rows), "No feature crosses its threshold in the drift table: was the refresh run on the whole log?"
    assert drift_start is not None, "Set drift_start to the first window where a feature drifted."
    assert _day(drift_start) == _day(rows.window_start.min()), (
        "drift_start is not the earliest window in which a feature's BASELINE statistic crosses its threshold.")
    assert isinstance(drifted_columns, (set, frozenset, list, tuple)), "drifted_columns should be a set of names."
    got = set(drifted_columns)
    assert got <= set(features), f"Only FEATURES columns count: {sorted(got - set(features))} are not features."
    expected = set(rows.column_name)
    assert got == expected, ("drifted_columns misses a feature that crossed its threshold" if expected - got
                             else "drifted_columns names a feature that never crossed its threshold")


@exercise("09.choose_statistic", domain=DOMAIN, hints=[
    "KS and Wasserstein compare values along a number line: they need numbers. Chi-squared, Jensen-Shannon, "
    "total variation, L-infinity and PSI compare how often each category occurs.",
    "Look at which statistics the drift table fills for monthly_spend and which for plan_tier.",
])
def check_choose_statistic(spark, drift_table, statistic_for):
    assert isinstance(statistic_for, Mapping), "statistic_for should be a dict: {column name: statistic name}."
    assert set(statistic_for) == {"monthly_spend", "plan_tier"}, \
        "statistic_for needs one entry for 'monthly_spend' and one for 'plan_tier'."
    numeric, categorical = statistic_for["monthly_spend"], statistic_for["plan_tier"]
    assert numeric in NUMERIC_STATISTICS, (
        f"For a numeric column, pick a statistic that uses how far apart values are: one of {NUMERIC_STATISTICS}.")
    assert categorical in CATEGORICAL_STATISTICS, (
        "For a categorical column, pick a statistic over category frequencies (a KS test needs ordered numbers).")
    frame = _metric_table(spark, drift_table, "drift metrics")
    for column, statistic in statistic_for.items():
        filled = frame.where(f"column_name = '{column}' AND drift_type = 'BASELINE' AND {statistic} IS NOT NULL").count()
        assert filled, f"The drift table has no {statistic} for {column}: it cannot be the statistic you alert on."


# ---- model quality -------------------------------------------------------------------------------

@exercise("09.model_quality", domain=DOMAIN, hints=[
    "Model quality sits in the profile metrics table, on the ':table' rows of the whole table "
    "(column_name = ':table' AND slice_key IS NULL).",
    "quality: a pandas DataFrame with columns window_start and accuracy_score, one row per day, sorted by day.",
    "Windows whose labels have not arrived have accuracy_score NULL: last_labelled_window is the last one that has "
    "a value. accuracy_before / accuracy_after: the mean daily accuracy before drift_start and from it on.",
])
def check_model_quality(spark, profile_table, drift_start, quality, last_labelled_window, accuracy_before,
                        accuracy_after):
    import pandas as pd

    truth = quality_by_window(spark, profile_table)
    assert isinstance(quality, pd.DataFrame), "quality should be a pandas DataFrame (call .toPandas())."
    assert {"window_start", "accuracy_score"} <= set(quality.columns), \
        "quality needs the columns window_start and accuracy_score."
    assert len(quality) == len(truth), (
        f"quality has {len(quality)} rows; the whole table has {len(truth)} daily windows. Keep only slice_key IS NULL "
        "and column_name = ':table'.")
    got = quality.sort_values("window_start").reset_index(drop=True)
    same = [(_day(a) == _day(b)) and ((pd.isna(x) and pd.isna(y)) or (not pd.isna(x) and math.isclose(x, y, abs_tol=1e-9)))
            for a, b, x, y in zip(got.window_start, truth.window_start, got.accuracy_score, truth.accuracy_score)]
    assert all(same), "quality's accuracy per window differs from the profile metrics table."
    labelled = truth.dropna(subset=["accuracy_score"])
    assert last_labelled_window is not None and _day(last_labelled_window) == _day(labelled.window_start.max()), \
        "last_labelled_window is not the last window that has an accuracy_score."
    start = pd.Timestamp(_day(drift_start))
    before = labelled[labelled.window_start < start].accuracy_score.mean()
    after = labelled[labelled.window_start >= start].accuracy_score.mean()
    for name, value, expected in (("accuracy_before", accuracy_before, before), ("accuracy_after", accuracy_after, after)):
        assert isinstance(value, (int, float)) and math.isclose(float(value), float(expected), abs_tol=1e-6), \
            f"{name} should be the mean daily accuracy_score {'before' if name.endswith('before') else 'from'} drift_start."
    assert after < before, "With drift_start right, accuracy_after comes out lower than accuracy_before."


# ---- alerting and the decision -------------------------------------------------------------------

@exercise("09.alert_rule", domain=DOMAIN, hints=[
    "Start from SELECT window.start AS window_start, column_name FROM <drift table> WHERE drift_type = 'BASELINE' "
    "AND slice_key IS NULL AND granularity = '1 day'.",
    "Keep FEATURES columns only, and a row when it crosses its threshold: ks_test.statistic > KS_THRESHOLD for the "
    "numeric features, js_distance > JS_THRESHOLD for plan_tier.",
])
def check_alert_rule(spark, alert_sql, drift_table, features, numeric_features, ks_threshold, js_threshold):
    assert isinstance(alert_sql, str) and alert_sql.strip(), "ALERT_SQL should be a SQL query (a string)."
    assert drift_table.lower() in alert_sql.lower(), f"The alert should read the drift table {drift_table}."
    try:
        fired = spark.sql(alert_sql).toPandas()
    except Exception as err:  # a learner's SQL: any Spark error is theirs to fix
        raise AssertionError(f"ALERT_SQL does not run: {str(err).strip().splitlines()[0]}") from None
    assert {"window_start", "column_name"} <= set(fired.columns), \
        "ALERT_SQL should return the columns window_start and column_name (alias window.start AS window_start)."
    assert len(fired), "ALERT_SQL returns no rows: it would never fire, not even on the drift."
    expected = drifted(baseline_drift(spark, drift_table, features), numeric_features, ks_threshold, js_threshold)
    first = _day(expected.window_start.min())
    early = sorted({_day(d) for d in fired.window_start if _day(d) < first})
    assert not early, f"The alert fires before the drift, on {early[0]}: a false alarm the on-call person would get."
    assert set(fired.column_name) <= set(features), "The alert fires on a column that is not a feature."
    assert _day(fired.window_start.min()) == first, "The alert does not fire on the first window of the drift."
    got = {(_day(d), c) for d, c in zip(fired.window_start, fired.column_name)}
    want = {(_day(d), c) for d, c in zip(expected.window_start, expected.column_name)}
    assert got == want, "The alert's rows differ from the windows and features that cross their thresholds."


@exercise("09.diagnosis", domain=DOMAIN, hints=[
    "Data drift: the inputs' distribution changed (the drift table). Concept drift: the relation between inputs and "
    "label changed, which shows as model quality falling once labels arrive (the profile table).",
    "Retraining on the old weeks would teach the model the old behaviour again.",
])
def check_diagnosis(diagnosis, drift_start):
    assert isinstance(diagnosis, Mapping), "diagnosis should be a dict."
    expected_keys = {"data_drift", "concept_drift", "retrain", "train_from"}
    assert set(diagnosis) == expected_keys, f"diagnosis needs exactly the keys {sorted(expected_keys)}."
    assert diagnosis["data_drift"] is True, "Did the inputs' distribution change? The drift table says so."
    assert diagnosis["concept_drift"] is True, (
        "The same model got worse once labels came in, while its inputs are still valid values: the relation "
        "between inputs and churn changed.")
    assert diagnosis["retrain"] is True, "Accuracy fell by about ten points and stays down: that calls for retraining."
    assert diagnosis["train_from"] is not None and _day(diagnosis["train_from"]) == _day(drift_start), \
        "Train on data that shows the new behaviour: from the first window of the drift on."

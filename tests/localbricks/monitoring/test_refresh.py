"""refresh(): the two metric tables, incremental and idempotent, and bad input refused before any write."""
import numpy as np
import pytest
from databricks.sdk.service.catalog import (MonitorInferenceLog, MonitorInferenceLogProblemType, MonitorSnapshot,
                                            MonitorTimeSeries)
from sklearn.metrics import accuracy_score

from localbricks import LocalbricksError
from localbricks.monitoring import MonitorConfigError, refresh

pytestmark = pytest.mark.spark
DDL = "ts timestamp, x double, c string"
DAILY = MonitorTimeSeries(timestamp_col="ts", granularities=["1 day"])


def _rows(day, days, seed=0, per_day=40):
    rng = np.random.default_rng(seed)
    return [(day(d, i % 24), None if i % 9 == 0 else float(rng.normal(d, 1)), str(rng.choice(["a", "b", "c"])))
            for d in days for i in range(per_day)]


def _snapshot(spark, name):
    """The table's rows as sorted strings (floats rounded to 9 places), to compare two states exactly."""
    def clean(v):
        if isinstance(v, float):
            return round(v, 9)
        if isinstance(v, (list, tuple)):
            return [clean(i) for i in v]
        if hasattr(v, "asDict"):
            return {k: clean(i) for k, i in v.asDict().items()}
        return v
    return sorted(repr(clean(r)) for r in spark.table(name).collect())


def _exists(spark, name):
    return {s: spark.catalog.tableExists(f"{name}{s}") for s in ("_profile_metrics", "_drift_metrics", "_monitor_state")}


def test_refresh_writes_profile_and_drift_tables(spark, table, day):
    name = table(_rows(day, range(3)), DDL)
    base = table(_rows(day, [0], seed=9), DDL)
    result = refresh(spark, DAILY, name, "main.default", baseline_table=base, slicing_exprs=["c"])
    assert result.profile_metrics_table == f"{name}_profile_metrics"
    assert result.drift_metrics_table == f"{name}_drift_metrics"
    prof = spark.table(result.profile_metrics_table)
    whole = {(r["column_name"], r["window"]["start"]): r for r in prof.where("slice_key IS NULL").collect()}
    assert whole[(":table", day(1))]["count"] == 40
    assert whole[("x", day(1))]["num_nulls"] == 5 and whole[("x", day(1))]["granularity"] == "1 day"
    assert {r["slice_value"] for r in prof.where("slice_key = 'c'").collect()} == {"a", "b", "c"}
    drift = spark.table(result.drift_metrics_table)
    kinds = {(r["drift_type"], r["window"]["start"]) for r in drift.where("column_name = 'x' AND slice_key IS NULL").collect()}
    assert kinds == {("BASELINE", day(0)), ("BASELINE", day(1)), ("BASELINE", day(2)),
                     ("CONSECUTIVE", day(1)), ("CONSECUTIVE", day(2))}
    consecutive = drift.where("drift_type = 'CONSECUTIVE' AND column_name = 'x' AND slice_key IS NULL").orderBy("window").first()
    assert consecutive["window_cmp"]["end"] == consecutive["window"]["start"] == day(1)
    assert consecutive["ks_test"]["statistic"] > 0 and consecutive["wasserstein_distance"] > 0


def test_incremental_refresh_recomputes_only_the_changed_windows(spark, table, day):
    name = table(_rows(day, range(3)), DDL)
    first = refresh(spark, DAILY, name, "main.default")
    assert first.windows_recomputed == [("1 day", day(d)) for d in range(3)]
    before = _snapshot(spark, f"{name}_profile_metrics")
    spark.createDataFrame(_rows(day, [3], seed=1), DDL).write.mode("append").saveAsTable(name)
    second = refresh(spark, DAILY, name, "main.default")
    assert second.windows_recomputed == [("1 day", day(3))]
    after = _snapshot(spark, f"{name}_profile_metrics")
    assert set(before) <= set(after) and len(after) > len(before)  # old windows' rows untouched
    # a changed row in day 1 recomputes day 1 and day 2, whose consecutive drift compares with day 1
    spark.sql(f"UPDATE {name} SET x = 99.0 WHERE ts = TIMESTAMP '2026-03-02 05:00:00'")
    third = refresh(spark, DAILY, name, "main.default")
    assert third.windows_recomputed == [("1 day", day(1)), ("1 day", day(2))]
    maxima = {r["window"]["start"]: r["max"] for r in spark.table(f"{name}_profile_metrics")
              .where("column_name = 'x' AND slice_key IS NULL").collect()}
    assert maxima[day(1)] == 99.0 and maxima[day(0)] < 99.0


def test_refresh_is_idempotent_and_a_full_recompute_gives_the_same_tables(spark, table, day):
    name = table(_rows(day, range(3)), DDL)
    base = table(_rows(day, [0], seed=5), DDL)
    refresh(spark, DAILY, name, "main.default", baseline_table=base, slicing_exprs=["c", "x > 1"])
    tables = {s: _snapshot(spark, f"{name}{s}") for s in ("_profile_metrics", "_drift_metrics")}
    again = refresh(spark, DAILY, name, "main.default", baseline_table=base, slicing_exprs=["c", "x > 1"])
    assert again.windows_recomputed == []
    spark.sql(f"DROP TABLE {name}_monitor_state")  # forget the state: everything is recomputed and merged again
    full = refresh(spark, DAILY, name, "main.default", baseline_table=base, slicing_exprs=["c", "x > 1"])
    assert len(full.windows_recomputed) == 3
    assert {s: _snapshot(spark, f"{name}{s}") for s in tables} == tables


def test_changing_the_slices_recomputes_everything(spark, table, day):
    name = table(_rows(day, range(2)), DDL)
    refresh(spark, DAILY, name, "main.default", slicing_exprs=["c"])
    result = refresh(spark, DAILY, name, "main.default")
    assert len(result.windows_recomputed) == 2
    assert spark.table(f"{name}_profile_metrics").where("slice_key IS NOT NULL").count() == 0


@pytest.mark.parametrize("case,message", [
    ("missing column", "'when' is not a column"),
    ("string timestamp", "must be a timestamp"),
    ("unknown granularity", "Unknown granularity '2 days'"),
    ("missing table", "does not exist"),
    ("missing baseline", "baseline table 'main.default.nope_base' does not exist"),
    ("bad slice", "slicing expression 'no_such_col > 1'"),
])
def test_bad_input_is_refused_and_writes_nothing(spark, table, day, case, message):
    rows = _rows(day, range(2))
    name = "main.default.mon_never_made" if case == "missing table" else table(
        [(str(r[0]), *r[1:]) for r in rows] if case == "string timestamp" else rows,
        "ts string, x double, c string" if case == "string timestamp" else DDL)
    config = {"missing column": MonitorTimeSeries(timestamp_col="when", granularities=["1 day"]),
              "unknown granularity": MonitorTimeSeries(timestamp_col="ts", granularities=["1 day", "2 days"])}.get(case, DAILY)
    kwargs = {"baseline_table": "main.default.nope_base"} if case == "missing baseline" else {}
    if case == "bad slice":
        kwargs = {"slicing_exprs": ["no_such_col > 1"]}
    with pytest.raises(MonitorConfigError, match=message) as caught:
        refresh(spark, config, name, "main.default", **kwargs)
    assert isinstance(caught.value, LocalbricksError)
    assert _exists(spark, name) == {s: False for s in ("_profile_metrics", "_drift_metrics", "_monitor_state")}


def test_inference_log_gets_model_quality_per_model(spark, table, day):
    rng = np.random.default_rng(8)
    rows = []
    for i in range(240):
        label = int(rng.integers(0, 2))
        pred = label if rng.random() < (0.9 if i % 2 else 0.6) else 1 - label
        rows.append((day(i % 2, i % 24), f"m{i % 2}", float(rng.random()), pred, None if i % 10 == 0 else label))
    name = table(rows, "ts timestamp, model string, f double, pred int, label int")
    config = MonitorInferenceLog(timestamp_col="ts", granularities=["1 day"], model_id_col="model",
                                 prediction_col="pred", label_col="label",
                                 problem_type=MonitorInferenceLogProblemType.PROBLEM_TYPE_CLASSIFICATION)
    refresh(spark, config, name, "main.default")
    got = {(r["window"]["start"], r["model_id"]): r["accuracy_score"] for r in spark.table(f"{name}_profile_metrics")
           .where("column_name = ':table' AND slice_key IS NULL").collect()}
    for (when, model), accuracy in got.items():
        mine = [(r[4], r[3]) for r in rows if r[0].date() == when.date() and r[1] == model and r[4] is not None]
        assert accuracy == pytest.approx(accuracy_score(*zip(*mine)), abs=1e-12)
    assert set(got) == {(day(0), "m0"), (day(1), "m1")}


def test_snapshot_profiles_once_per_table_state(spark, table, day):
    name = table(_rows(day, [0]), DDL)
    refresh(spark, MonitorSnapshot(), name, "main.default")
    refresh(spark, MonitorSnapshot(), name, "main.default")  # unchanged: no second snapshot
    assert spark.table(f"{name}_profile_metrics").where("column_name = ':table'").count() == 1
    spark.createDataFrame(_rows(day, [1], seed=3), DDL).write.mode("append").saveAsTable(name)
    refresh(spark, MonitorSnapshot(), name, "main.default")
    counts = sorted(r["count"] for r in spark.table(f"{name}_profile_metrics").where("column_name = ':table' AND slice_key IS NULL").collect())
    assert counts == [40, 80]

"""Both sides of every notebook-09 check, against a real monitor of the test workspace's service.

One monitor on the course's inference log (scale 0.5, as CI runs the notebook) is created with the real
SDK and refreshed once by the service; each check is then shown to pass on the right answer and to
fail on a plausible wrong one.
"""
import datetime as dt
import importlib.util
import time
import uuid

import pandas as pd
import pytest
from pyspark.sql import functions as F
from databricks.sdk.service.catalog import (MonitorInferenceLog, MonitorInferenceLogProblemType,
                                            MonitorRefreshInfoState)

from grader.checks import monitoring as checks
from grader.testing import assert_check_failed, assert_check_passed
from tests_support import REPO_ROOT

pytestmark = pytest.mark.spark

FEATURES = ["tenure_months", "monthly_spend", "support_calls", "satisfaction_score", "plan_tier"]
NUMERIC = FEATURES[:4]
KS, JS = 0.25, 0.20
DRIFT_DAY = dt.date(2025, 7, 19)


def _log(scale):
    spec = importlib.util.spec_from_file_location("course_datasets", REPO_ROOT / "datasets" / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    frame = gen.generate("inference_log", scale=scale)["churn_inference_log"]
    return frame.assign(churned=frame.churned.astype("float"))


@pytest.fixture(scope="module")
def monitored(spark, w):
    schema = f"main.check_monitoring_{uuid.uuid4().hex[:6]}"
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    table, baseline = f"{schema}.churn_requests", f"{schema}.churn_baseline"
    log = spark.createDataFrame(_log(0.5)).withColumn("churned", F.col("churned").cast("int"))
    log.write.saveAsTable(table)
    log.where("request_time < '2025-07-08'").write.saveAsTable(baseline)
    monitor = w.quality_monitors.create(
        table_name=table, assets_dir="/Workspace/m", output_schema_name=schema, baseline_table_name=baseline,
        slicing_exprs=["plan_tier"],
        inference_log=MonitorInferenceLog(timestamp_col="request_time", granularities=["1 day"], model_id_col="model_id",
                                          prediction_col="prediction", label_col="churned",
                                          prediction_proba_col="churn_probability",
                                          problem_type=MonitorInferenceLogProblemType.PROBLEM_TYPE_CLASSIFICATION))
    run = w.quality_monitors.run_refresh(table_name=table)
    deadline = time.monotonic() + 900
    while True:
        info = w.quality_monitors.get_refresh(table_name=table, refresh_id=run.refresh_id)
        if info.state not in (MonitorRefreshInfoState.PENDING, MonitorRefreshInfoState.RUNNING):
            break
        assert time.monotonic() < deadline, "the refresh did not end"
        time.sleep(1)
    yield {"table": table, "schema": schema, "baseline": baseline, "monitor": monitor, "refresh": info,
           "profile": monitor.profile_metrics_table_name, "drift": monitor.drift_metrics_table_name}
    w.quality_monitors.delete(table_name=table)
    spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_create_monitor(monitored):
    m = monitored
    assert_check_passed(checks.check_create_monitor, m["table"], m["schema"], m["baseline"], m["monitor"])
    assert_check_failed(checks.check_create_monitor, m["table"], m["schema"], "main.default.other", m["monitor"],
                        match="baseline")
    assert_check_failed(checks.check_create_monitor, m["table"], m["schema"], m["baseline"], None, match="monitor")
    assert_check_failed(checks.check_create_monitor, f"{m['schema']}.no_monitor", m["schema"], m["baseline"],
                        m["monitor"], match="no monitor")


def test_refresh(spark, monitored):
    m = monitored
    assert m["refresh"].state == MonitorRefreshInfoState.SUCCESS, m["refresh"].message
    assert_check_passed(checks.check_refresh, spark, m["table"], m["refresh"])
    still_pending = type(m["refresh"])(refresh_id=m["refresh"].refresh_id, state=MonitorRefreshInfoState.PENDING,
                                       start_time_ms=0)
    assert_check_failed(checks.check_refresh, spark, m["table"], still_pending, match="still PENDING")


def test_drifted_features(spark, monitored):
    args = (spark, monitored["drift"], FEATURES, NUMERIC, KS, JS)
    assert_check_passed(checks.check_drifted_features, *args, DRIFT_DAY, {"monthly_spend", "plan_tier"})
    assert_check_failed(checks.check_drifted_features, *args, DRIFT_DAY + dt.timedelta(days=1),
                        {"monthly_spend", "plan_tier"}, match="earliest")
    assert_check_failed(checks.check_drifted_features, *args, DRIFT_DAY, {"monthly_spend"}, match="misses")
    assert_check_failed(checks.check_drifted_features, *args, DRIFT_DAY, {"monthly_spend", "plan_tier", "support_calls"},
                        match="never crossed")


def test_choose_statistic(spark, monitored):
    assert_check_passed(checks.check_choose_statistic, spark, monitored["drift"],
                        {"monthly_spend": "wasserstein_distance", "plan_tier": "chi_squared_test"})
    assert_check_failed(checks.check_choose_statistic, spark, monitored["drift"],
                        {"monthly_spend": "ks_test", "plan_tier": "ks_test"}, match="categorical")
    assert_check_failed(checks.check_choose_statistic, spark, monitored["drift"],
                        {"monthly_spend": "js_distance", "plan_tier": "js_distance"}, match="numeric")


def test_model_quality(spark, monitored):
    truth = checks.quality_by_window(spark, monitored["profile"])
    labelled = truth.dropna()
    before = labelled[labelled.window_start < pd.Timestamp(DRIFT_DAY)].accuracy_score.mean()
    after = labelled[labelled.window_start >= pd.Timestamp(DRIFT_DAY)].accuracy_score.mean()
    last = labelled.window_start.max()
    assert last.date() == dt.date(2025, 7, 25) and after < before - 0.05
    args = (spark, monitored["profile"], DRIFT_DAY)
    assert_check_passed(checks.check_model_quality, *args, truth, last, before, after)
    assert_check_failed(checks.check_model_quality, *args, truth, truth.window_start.max(), before, after,
                        match="last_labelled_window")
    assert_check_failed(checks.check_model_quality, *args, truth.head(5), last, before, after, match="rows")
    assert_check_failed(checks.check_model_quality, *args, truth, last, labelled.accuracy_score.mean(), after,
                        match="accuracy_before")


def _alert(drift, ks=KS, js=JS, columns=FEATURES):
    numeric = ", ".join(f"'{c}'" for c in NUMERIC if c in columns)
    return f"""SELECT window.start AS window_start, column_name FROM {drift}
               WHERE drift_type = 'BASELINE' AND slice_key IS NULL AND granularity = '1 day'
                 AND ((column_name IN ({numeric}) AND ks_test.statistic > {ks})
                      OR (column_name = 'plan_tier' AND js_distance > {js}))"""


def test_alert_rule(spark, monitored):
    drift = monitored["drift"]
    args = (drift, FEATURES, NUMERIC, KS, JS)
    assert_check_passed(checks.check_alert_rule, spark, _alert(drift), *args)
    assert_check_failed(checks.check_alert_rule, spark, _alert(drift, ks=0.02, js=0.01), *args, match="before the drift")
    assert_check_failed(checks.check_alert_rule, spark, _alert(drift, ks=5.0, js=5.0), *args, match="no rows")
    assert_check_failed(checks.check_alert_rule, spark, f"SELECT * FROM {drift}", *args, match="window_start")
    assert_check_failed(checks.check_alert_rule, spark, f"SELECT nope FROM {drift}", *args, match="does not run")


def test_diagnosis():
    right = {"data_drift": True, "concept_drift": True, "retrain": True, "train_from": DRIFT_DAY}
    assert_check_passed(checks.check_diagnosis, right, DRIFT_DAY)
    assert_check_failed(checks.check_diagnosis, {**right, "concept_drift": False}, DRIFT_DAY, match="relation")
    assert_check_failed(checks.check_diagnosis, {**right, "train_from": dt.date(2025, 7, 1)}, DRIFT_DAY,
                        match="new behaviour")

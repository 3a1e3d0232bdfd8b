"""``w.quality_monitors`` of the real databricks-sdk against the local service: the monitor's life cycle,
refreshes computed by the service's own Spark, and the refusals the real API makes, of the same kind."""
from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
from databricks.sdk.errors import (InvalidParameterValue, NotFound, NotImplemented, ResourceAlreadyExists,
                                   ResourceConflict)
from databricks.sdk.service.catalog import (MonitorInferenceLog, MonitorInferenceLogProblemType, MonitorMetric,
                                            MonitorMetricType, MonitorRefreshInfoState, MonitorTimeSeries)

from serving_support import service, w  # noqa: F401  (fixtures)

ENDED = {MonitorRefreshInfoState.SUCCESS, MonitorRefreshInfoState.FAILED, MonitorRefreshInfoState.CANCELED}


def _rows(days=4, per_day=30, shift_from=2):
    rows = []
    for d in range(days):
        for i in range(per_day):
            x = float(i % 10) + (5.0 if d >= shift_from else 0.0)
            rows.append((dt.datetime(2026, 3, 1 + d, i % 24), x, "a" if i % 3 else "b", i % 2, (i + d) % 2, "m1"))
    return rows


DDL = "ts timestamp, x double, cat string, pred int, label int, model string"


def _inference_log(**overrides):
    args = dict(timestamp_col="ts", granularities=["1 day"], model_id_col="model", prediction_col="pred",
                label_col="label", problem_type=MonitorInferenceLogProblemType.PROBLEM_TYPE_CLASSIFICATION)
    args.update(overrides)
    return MonitorInferenceLog(**args)


def _wait(w, table, refresh_id, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = w.quality_monitors.get_refresh(table_name=table, refresh_id=refresh_id)
        if info.state in ENDED:
            return info
        time.sleep(0.5)
    raise AssertionError(f"refresh {refresh_id} of {table} did not end within {timeout} s")


@pytest.fixture
def monitored(spark, w):
    """monitored(rows=None) → a fresh table name; monitors and tables made are removed after the test."""
    made = []

    def make(rows=None, ddl=DDL):
        name = f"main.default.qm_{uuid.uuid4().hex[:8]}"
        spark.createDataFrame(rows if rows is not None else _rows(), ddl).write.format("delta").saveAsTable(name)
        made.append(name)
        return name

    yield make
    for name in made:
        try:
            w.quality_monitors.delete(table_name=name)
        except NotFound:
            pass
        for suffix in ("", "_profile_metrics", "_drift_metrics", "_monitor_state"):
            spark.sql(f"DROP TABLE IF EXISTS {name}{suffix}")


def test_create_get_refresh_and_read_the_metric_tables(spark, w, monitored):
    table = monitored()
    info = w.quality_monitors.create(table_name=table, assets_dir="/Workspace/Users/me/monitors",
                                     output_schema_name="main.default", inference_log=_inference_log(),
                                     slicing_exprs=["cat"])
    assert info.status.value == "MONITOR_STATUS_ACTIVE" and info.monitor_version == 1
    assert info.profile_metrics_table_name == f"{table}_profile_metrics"
    assert info.drift_metrics_table_name == f"{table}_drift_metrics"
    assert w.quality_monitors.get(table_name=table).inference_log == _inference_log()

    queued = w.quality_monitors.run_refresh(table_name=table)
    assert queued.state in (MonitorRefreshInfoState.PENDING, MonitorRefreshInfoState.RUNNING)
    with pytest.raises(ResourceConflict, match="already pending or running"):
        w.quality_monitors.run_refresh(table_name=table)
    done = _wait(w, table, queued.refresh_id)
    assert done.state == MonitorRefreshInfoState.SUCCESS, done.message
    assert done.end_time_ms >= done.start_time_ms

    profile = spark.table(info.profile_metrics_table_name)
    whole_x = profile.where("column_name = 'x' AND slice_key IS NULL").orderBy("window.start").collect()
    assert [r["count"] for r in whole_x] == [30, 30, 30, 30]
    assert profile.where("slice_key = 'cat'").count() > 0
    drift = spark.table(info.drift_metrics_table_name).where(
        "column_name = 'x' AND slice_key IS NULL AND drift_type = 'CONSECUTIVE'").orderBy("window.start").collect()
    assert [round(r["avg_delta"], 6) for r in drift] == [0.0, 5.0, 0.0]  # the shift on day 2, seen once

    second = w.quality_monitors.run_refresh(table_name=table)
    again = _wait(w, table, second.refresh_id)
    assert again.state == MonitorRefreshInfoState.SUCCESS and "nothing recomputed" in again.message
    history = w.quality_monitors.list_refreshes(table_name=table).refreshes
    assert [r.refresh_id for r in history] == [second.refresh_id, queued.refresh_id]


@pytest.mark.parametrize("change, error, words", [
    (dict(inference_log=_inference_log(label_col="no_such_column")), InvalidParameterValue, "no_such_column"),
    (dict(inference_log=_inference_log(granularities=["1 fortnight"])), InvalidParameterValue, "fortnight"),
    (dict(inference_log=_inference_log(), time_series=MonitorTimeSeries(timestamp_col="ts", granularities=["1 day"])),
     InvalidParameterValue, "Exactly one"),
    (dict(inference_log=None), InvalidParameterValue, "Exactly one"),
    (dict(output_schema_name="main.no_such_schema"), NotFound, "no_such_schema"),
    (dict(baseline_table_name="main.default.no_such_baseline"), NotFound, "no_such_baseline"),
    (dict(custom_metrics=[MonitorMetric(name="m", definition="avg(x)", input_columns=["x"], output_data_type="double",
                                        type=MonitorMetricType.CUSTOM_METRIC_TYPE_AGGREGATE)]), NotImplemented,
     "Custom metrics"),
])
def test_create_refuses_what_databricks_refuses_and_keeps_nothing(spark, w, monitored, change, error, words):
    table = monitored()
    args = dict(table_name=table, assets_dir="/Workspace/m", output_schema_name="main.default",
                inference_log=_inference_log())
    args.update(change)
    with pytest.raises(error, match=words):
        w.quality_monitors.create(**args)
    with pytest.raises(NotFound):
        w.quality_monitors.get(table_name=table)
    assert not spark.catalog.tableExists(f"{table}_profile_metrics")


def test_a_timestamp_stored_as_text_is_refused_with_the_fix(w, monitored):
    table = monitored([("2026-03-01 00:00:00", 1.0)], "ts string, x double")
    with pytest.raises(InvalidParameterValue, match="to_timestamp"):
        w.quality_monitors.create(table_name=table, assets_dir="/Workspace/m", output_schema_name="main.default",
                                  time_series=MonitorTimeSeries(timestamp_col="ts", granularities=["1 day"]))


def test_missing_tables_monitors_and_refreshes_are_not_found(w, monitored):
    with pytest.raises(NotFound, match="does not exist"):
        w.quality_monitors.create(table_name="main.default.never_made", assets_dir="/Workspace/m",
                                  output_schema_name="main.default", inference_log=_inference_log())
    table = monitored()
    with pytest.raises(NotFound):
        w.quality_monitors.get(table_name=table)
    with pytest.raises(NotFound):
        w.quality_monitors.run_refresh(table_name=table)
    w.quality_monitors.create(table_name=table, assets_dir="/Workspace/m", output_schema_name="main.default",
                              inference_log=_inference_log())
    with pytest.raises(ResourceAlreadyExists):
        w.quality_monitors.create(table_name=table, assets_dir="/Workspace/m", output_schema_name="main.default",
                                  inference_log=_inference_log())
    with pytest.raises(NotFound):
        w.quality_monitors.get_refresh(table_name=table, refresh_id=99)


def test_update_bumps_the_version_and_refuses_a_new_profile_type(w, monitored):
    table = monitored()
    w.quality_monitors.create(table_name=table, assets_dir="/Workspace/m", output_schema_name="main.default",
                              inference_log=_inference_log())
    updated = w.quality_monitors.update(table_name=table, output_schema_name="main.default",
                                        inference_log=_inference_log(granularities=["1 day", "1 hour"]))
    assert updated.monitor_version == 2 and updated.inference_log.granularities == ["1 day", "1 hour"]
    with pytest.raises(InvalidParameterValue, match="profile type"):
        w.quality_monitors.update(table_name=table, output_schema_name="main.default",
                                  time_series=MonitorTimeSeries(timestamp_col="ts", granularities=["1 day"]))
    with pytest.raises(InvalidParameterValue, match="no_col"):
        w.quality_monitors.update(table_name=table, output_schema_name="main.default",
                                  inference_log=_inference_log(prediction_col="no_col"))
    assert w.quality_monitors.get(table_name=table).monitor_version == 2


def test_a_refresh_whose_table_vanished_fails_with_the_reason_and_delete_keeps_metric_tables(spark, w, monitored):
    kept, gone = monitored(), monitored()
    for table in (kept, gone):
        w.quality_monitors.create(table_name=table, assets_dir="/Workspace/m", output_schema_name="main.default",
                                  inference_log=_inference_log())
    ok = w.quality_monitors.run_refresh(table_name=kept)
    spark.sql(f"DROP TABLE {gone}")
    failed = w.quality_monitors.run_refresh(table_name=gone)  # queued behind the first: PENDING for now
    assert _wait(w, kept, ok.refresh_id).state == MonitorRefreshInfoState.SUCCESS
    ended = _wait(w, gone, failed.refresh_id)
    assert ended.state == MonitorRefreshInfoState.FAILED and "does not exist" in ended.message

    w.quality_monitors.delete(table_name=kept)
    with pytest.raises(NotFound):
        w.quality_monitors.get(table_name=kept)
    assert spark.catalog.tableExists(f"{kept}_profile_metrics")  # as on Databricks: drop them yourself


def test_a_pending_refresh_can_be_canceled(w, monitored):
    first, second = monitored(), monitored()
    for table in (first, second):
        w.quality_monitors.create(table_name=table, assets_dir="/Workspace/m", output_schema_name="main.default",
                                  time_series=MonitorTimeSeries(timestamp_col="ts", granularities=["1 day"]))
    running = w.quality_monitors.run_refresh(table_name=first)
    waiting = w.quality_monitors.run_refresh(table_name=second)
    w.quality_monitors.cancel_refresh(table_name=second, refresh_id=waiting.refresh_id)
    assert _wait(w, second, waiting.refresh_id).state == MonitorRefreshInfoState.CANCELED
    assert _wait(w, first, running.refresh_id).state == MonitorRefreshInfoState.SUCCESS
    with pytest.raises(ResourceConflict, match="already ended"):
        w.quality_monitors.cancel_refresh(table_name=second, refresh_id=waiting.refresh_id)


def test_refreshes_a_stopped_service_left_running_are_failed_on_restart(tmp_path):
    import json

    from localbricks.monitoring.monitors import Monitors

    record = {"info": {"table_name": "main.default.t"},
              "refreshes": [{"refresh_id": 1, "state": "SUCCESS", "start_time_ms": 1},
                            {"refresh_id": 2, "state": "RUNNING", "start_time_ms": 2}]}
    (tmp_path / "main.default.t.json").write_text(json.dumps(record))
    states = [r["state"] for r in Monitors(tmp_path).list_refreshes("main.default.t")["refreshes"]]
    assert states == ["FAILED", "SUCCESS"]

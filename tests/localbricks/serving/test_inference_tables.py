"""Inference tables: each answered request becomes a row of a Delta table that Spark reads by its UC name."""
import json
import time

import pytest
import requests
from databricks.sdk.errors import InvalidParameterValue
from databricks.sdk.service.serving import AiGatewayInferenceTableConfig, AutoCaptureConfigInput

from serving_support import auth_headers, core_config, entity, invocations_url

pytestmark = pytest.mark.spark
SCHEMA = "serving_logs"
COLUMNS = {"databricks_request_id", "client_request_id", "request_date", "request_time", "status_code",
           "execution_duration_ms", "request", "response", "served_entity_id", "requester", "request_metadata",
           "sampling_fraction"}


@pytest.fixture(scope="module")
def log_schema(spark):
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS main.{SCHEMA}")
    return SCHEMA


def _rows(spark, table, expected, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if spark.catalog.tableExists(table):
            rows = spark.table(table).collect()
            if len(rows) >= expected:
                return rows
        time.sleep(0.3)
    raise AssertionError(f"{table} did not get {expected} rows within {seconds} s")


def test_every_request_is_logged_with_databricks_columns(spark, w, models, new_endpoint, log_schema):
    name = new_endpoint("logged")
    prefix = name.replace("-", "_")
    w.serving_endpoints.create_and_wait(name=name, config=core_config(
        name, entity(models["const1"], "one"),
        capture=AutoCaptureConfigInput(catalog_name="main", schema_name=log_schema, table_name_prefix=prefix)))
    ep = w.serving_endpoints.get(name)
    assert ep.config.auto_capture_config.state.payload_table.name == f"{prefix}_payload"
    good = {"dataframe_records": [{"a": 1.0, "b": 2.0}], "client_request_id": "mine-1"}
    for body in [good] * 4 + [{"dataframe_records": [{"a": 1.0}]}]:
        requests.post(invocations_url(name), json=body, headers=auth_headers(), timeout=30)
    rows = _rows(spark, f"main.{log_schema}.{prefix}_payload", 5)
    assert set(spark.table(f"main.{log_schema}.{prefix}_payload").columns) == COLUMNS
    assert sorted(r.status_code for r in rows) == [200, 200, 200, 200, 400]
    ok = [r for r in rows if r.status_code == 200]
    assert {r.client_request_id for r in ok} == {"mine-1"}
    assert json.loads(ok[0].request) == good and json.loads(ok[0].response) == {"predictions": [1.0]}
    assert {r.served_entity_id for r in rows} == {"one"}
    assert ok[0].request_metadata["model_name"] == models["const1"][0]
    assert ok[0].request_metadata["model_version"] == models["const1"][1]
    assert len({r.databricks_request_id for r in rows}) == 5
    assert all(r.execution_duration_ms >= 0 and r.request_date == r.request_time.date() for r in rows)


def test_the_ai_gateway_inference_table_logs_too(spark, w, models, new_endpoint, log_schema):
    name = new_endpoint("gateway")
    prefix = name.replace("-", "_")
    w.serving_endpoints.create_and_wait(name=name, config=core_config(name, entity(models["const2"], "two")))
    w.serving_endpoints.put_ai_gateway(name, inference_table_config=AiGatewayInferenceTableConfig(
        catalog_name="main", schema_name=log_schema, table_name_prefix=prefix, enabled=True))
    assert w.serving_endpoints.get(name).ai_gateway.inference_table_config.table_name_prefix == prefix
    w.serving_endpoints.query(name=name, dataframe_records=[{"a": 0.0, "b": 0.0}])
    rows = _rows(spark, f"main.{log_schema}.{prefix}_payload", 1)
    assert rows[0].served_entity_id == "two" and rows[0].status_code == 200


def test_a_schema_that_does_not_exist_is_refused(w, models, new_endpoint):
    name = new_endpoint("noschema")
    with pytest.raises(InvalidParameterValue, match="does not exist"):
        w.serving_endpoints.create(name=name, config=core_config(name, entity(models["const1"]), capture=(
            AutoCaptureConfigInput(catalog_name="main", schema_name="no_such_schema_here", table_name_prefix="x"))))


def test_a_failing_table_write_never_fails_a_request(spark, w, models, new_endpoint, log_schema, workspace_dir):
    name = new_endpoint("blocked")
    prefix = name.replace("-", "_")
    blocker = workspace_dir / "catalogs" / "main" / log_schema / f"{prefix}_payload"
    blocker.write_text("a file where the table's folder would go: every append fails")
    w.serving_endpoints.create_and_wait(name=name, config=core_config(
        name, entity(models["const1"], "one"),
        capture=AutoCaptureConfigInput(catalog_name="main", schema_name=log_schema, table_name_prefix=prefix)))
    for _ in range(20):
        response = requests.post(invocations_url(name), json={"dataframe_records": [{"a": 1.0, "b": 1.0}]},
                                 headers=auth_headers(), timeout=30)
        assert response.status_code == 200
    time.sleep(1)
    assert w.serving_endpoints.query(name=name, dataframe_records=[{"a": 1.0, "b": 1.0}]).predictions == [1.0]
    assert blocker.is_file()

"""The SDK helpers every check shares."""
from databricks.sdk.service.catalog import MonitorInfoStatus
from databricks.sdk.service.serving import EndpointStateReady

from grader.checks._sdk import enum_value, workspace_client


def test_enum_value_gives_an_sdk_enums_wire_string_and_leaves_strings_alone():
    assert enum_value(EndpointStateReady.READY) == "READY"
    assert enum_value(MonitorInfoStatus.MONITOR_STATUS_ACTIVE) == "MONITOR_STATUS_ACTIVE"
    assert enum_value("READY") == "READY" and enum_value(None) is None


def test_workspace_client_is_the_learners_configured_client(monkeypatch):
    monkeypatch.setenv("DATABRICKS_HOST", "http://127.0.0.1:9")
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-test")
    assert workspace_client().config.host == "http://127.0.0.1:9"

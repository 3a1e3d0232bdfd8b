"""The SDK helpers every check shares (``workspace_client()`` is exercised by the serving and
monitoring check tests, against the local stand-ins)."""
from databricks.sdk.service.catalog import MonitorInfoStatus
from databricks.sdk.service.serving import EndpointStateReady

from grader.checks._sdk import enum_value


def test_enum_value_gives_an_sdk_enums_wire_string_and_leaves_strings_alone():
    assert enum_value(EndpointStateReady.READY) == "READY"
    assert enum_value(MonitorInfoStatus.MONITOR_STATUS_ACTIVE) == "MONITOR_STATUS_ACTIVE"
    assert enum_value("READY") == "READY" and enum_value(None) is None


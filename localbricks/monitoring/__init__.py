"""Lakehouse Monitoring's engine, locally: profile and drift metric tables computed with Spark.

``refresh(spark, monitor_config, table_name, output_schema, ...)`` is what a monitor's refresh runs;
the quality-monitors service calls it.
"""
from localbricks.monitoring.errors import MonitorConfigError
from localbricks.monitoring.refresh import RefreshResult, refresh

__all__ = ["refresh", "RefreshResult", "MonitorConfigError"]

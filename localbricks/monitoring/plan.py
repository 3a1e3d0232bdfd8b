"""Check a refresh's inputs before any computing or writing, and turn them into one plain plan.

Every problem a refresh can detect up front is raised here, so a bad input never leaves a
half-written metric table behind.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from databricks.sdk.service.catalog import (MonitorInferenceLog, MonitorInferenceLogProblemType,
                                            MonitorSnapshot, MonitorTimeSeries)
from pyspark.sql import types as T

from localbricks.monitoring.errors import MonitorConfigError
from localbricks.monitoring.frames import is_profiled
from localbricks.monitoring.windows import Granularity, parse_granularity

_TIME_TYPES = (T.TimestampType, T.TimestampNTZType, T.DateType)


@dataclass
class Plan:
    kind: str                                  # "TimeSeries", "InferenceLog" or "Snapshot"
    columns: dict[str, T.DataType]             # the columns profiled and compared
    granularities: list[Granularity] | None    # None for snapshots: one window per refresh
    timestamp_col: str | None = None
    model_id_col: str | None = None
    prediction_col: str | None = None
    label_col: str | None = None
    proba_col: str | None = None
    problem_type: str | None = None
    slicing_exprs: list[str] = field(default_factory=list)


def _require_table(spark, name: str, what: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise MonitorConfigError(f"The {what} name must be a table name like 'main.default.sales', got {name!r}.")
    if not spark.catalog.tableExists(name):
        raise MonitorConfigError(f"The {what} '{name}' does not exist. Create it first, or check the name.")


def _require_columns(schema: T.StructType, names: dict[str, str | None], table: str) -> None:
    present = {f.name for f in schema.fields}
    for role, name in names.items():
        if name is not None and name not in present:
            raise MonitorConfigError(
                f"The monitor's {role} '{name}' is not a column of {table} (its columns: {', '.join(sorted(present))}).")


def _problem_type(value) -> str:
    try:
        return MonitorInferenceLogProblemType(getattr(value, "value", value)).value
    except ValueError:
        raise MonitorConfigError(
            f"Unknown problem_type {value!r}: use MonitorInferenceLogProblemType.PROBLEM_TYPE_CLASSIFICATION "
            "or PROBLEM_TYPE_REGRESSION.") from None


def _check_slices(df, slicing_exprs) -> list[str]:
    from pyspark.sql import functions as F

    exprs = list(slicing_exprs or [])
    for expr in exprs:
        try:
            df.select(F.expr(expr)).schema
        except Exception as exc:
            raise MonitorConfigError(f"The slicing expression {expr!r} cannot be evaluated on the table: "
                                     f"{str(exc).splitlines()[0]}") from None
    return exprs


def check_config(schema: T.StructType, monitor_config, table_name: str) -> Plan:
    """The checks that need only the monitored table's schema (the service runs them at create time)."""
    if isinstance(monitor_config, MonitorSnapshot):
        plan = Plan("Snapshot", {}, None)
    elif isinstance(monitor_config, (MonitorTimeSeries, MonitorInferenceLog)):
        inference = isinstance(monitor_config, MonitorInferenceLog)
        roles = {"timestamp_col": monitor_config.timestamp_col}
        if inference:
            roles.update(model_id_col=monitor_config.model_id_col, prediction_col=monitor_config.prediction_col,
                         label_col=monitor_config.label_col, prediction_proba_col=monitor_config.prediction_proba_col)
        _require_columns(schema, roles, table_name)
        ts_type = schema[monitor_config.timestamp_col].dataType
        if not isinstance(ts_type, _TIME_TYPES):
            raise MonitorConfigError(
                f"The timestamp column '{monitor_config.timestamp_col}' of {table_name} has type "
                f"{ts_type.simpleString()}; it must be a timestamp (or date). Convert it, e.g. with to_timestamp().")
        if not monitor_config.granularities:
            raise MonitorConfigError("A time-series or inference-log monitor needs at least one granularity, e.g. ['1 day'].")
        plan = Plan("InferenceLog" if inference else "TimeSeries", {},
                    [parse_granularity(g) for g in monitor_config.granularities],
                    timestamp_col=monitor_config.timestamp_col)
        if inference:
            plan.problem_type = _problem_type(monitor_config.problem_type)
            plan.model_id_col = monitor_config.model_id_col
            plan.prediction_col = monitor_config.prediction_col
            plan.label_col = monitor_config.label_col
            plan.proba_col = monitor_config.prediction_proba_col
    else:
        raise MonitorConfigError(
            "monitor_config must be a databricks.sdk.service.catalog MonitorTimeSeries, MonitorInferenceLog "
            f"or MonitorSnapshot, got {type(monitor_config).__name__}.")
    skip = {plan.timestamp_col, plan.model_id_col}
    plan.columns = {f.name: f.dataType for f in schema.fields if f.name not in skip and is_profiled(f.dataType)}
    return plan


def check_baseline(plan: Plan, baseline_schema: T.StructType, baseline_table: str) -> None:
    """A baseline must have every monitored column."""
    missing = sorted(set(plan.columns) - {f.name for f in baseline_schema.fields})
    if missing:
        raise MonitorConfigError(f"The baseline table {baseline_table} lacks the monitored columns "
                                 f"{', '.join(missing)}; it must have the monitored table's schema.")


def build(spark, monitor_config, table_name, output_schema, baseline_table=None, slicing_exprs=None) -> Plan:
    """Validate everything a refresh needs; raise MonitorConfigError with the fix on the first problem."""
    _require_table(spark, table_name, "monitored table")
    if not isinstance(output_schema, str) or len(output_schema.split(".")) != 2:
        raise MonitorConfigError(f"output_schema must be 'catalog.schema', got {output_schema!r}.")
    if not spark.catalog.databaseExists(output_schema):
        raise MonitorConfigError(f"The output schema '{output_schema}' does not exist. Create it with "
                                 f"CREATE SCHEMA {output_schema}.")
    df = spark.table(table_name)
    plan = check_config(df.schema, monitor_config, table_name)
    plan.slicing_exprs = _check_slices(df, slicing_exprs)
    if baseline_table is not None:
        _require_table(spark, baseline_table, "baseline table")
        check_baseline(plan, spark.table(baseline_table).schema, baseline_table)
    return plan

"""``import dlt``: Databricks' legacy name of the pipelines module, on open-source Spark Declarative Pipelines.

Databricks still ships ``dlt`` beside ``pyspark.pipelines`` (``dp``), so exam code written as
``import dlt`` / ``@dlt.table`` / ``@dlt.expect_or_drop`` keeps working there. Locally,
``localbricks.aliases`` maps ``import dlt`` to this module after ``activate()`` and in every pipeline
run (``cli.py``); on Databricks nothing maps it and the runtime's own module is used.

Where ``dlt`` differs from open-source ``dp``, it behaves as Databricks documents it:

- ``@dlt.table`` makes a streaming table when its query reads a stream and a materialized view
  when it reads batch data (``@dp.table`` is always a streaming table, and Spark refuses a batch
  query for one). A query built with ``spark.sql(...)`` counts as batch: use ``@dlt.table`` over
  ``spark.readStream`` (or ``dlt.read_stream``) for a streaming table;
- ``@dlt.view`` is ``@dp.temporary_view``;
- ``dlt.read(name)`` / ``dlt.read_stream(name)`` read a dataset of the pipeline, batch or streaming;
- the six expectation decorators (``expectations``).

The parts of Databricks' ``dlt`` that open-source pipelines cannot run (AUTO CDC's
``apply_changes`` and ``create_auto_cdc_flow`` families; table options such as ``path``,
``temporary``, ``private``, ``row_filter``) raise an error saying so rather than being imitated.
"""
from pyspark.pipelines.api import (append_flow, create_sink, create_streaming_table, materialized_view,
                                   temporary_view)

from localbricks.pipelines.expectations import (expect, expect_all, expect_all_or_drop, expect_all_or_fail,
                                                expect_or_drop, expect_or_fail)

view = temporary_view

__all__ = ["table", "materialized_view", "view", "temporary_view", "append_flow", "create_streaming_table",
           "create_sink", "read", "read_stream", "expect", "expect_or_drop", "expect_or_fail", "expect_all",
           "expect_all_or_drop", "expect_all_or_fail"]

_CDC = ("apply_changes", "apply_changes_from_snapshot", "create_auto_cdc_flow", "create_auto_cdc_from_snapshot_flow")
_DATABRICKS_TABLE_OPTIONS = ("path", "temporary", "private", "row_filter", "cluster_by_auto")


def table(query_function=None, *, name=None, comment=None, spark_conf=None, table_properties=None,
          partition_cols=None, cluster_by=None, schema=None, **databricks_options):
    """A streaming table if the query function reads a stream, else a materialized view (Databricks' rule)."""
    from pyspark.pipelines import api
    from pyspark.pipelines.source_code_location import get_caller_source_code_location

    unsupported = sorted(set(databricks_options) & set(_DATABRICKS_TABLE_OPTIONS))
    if unsupported:
        raise TypeError(f"@dlt.table({unsupported[0]}=...) is a Databricks-only option that open-source Spark "
                        "Declarative Pipelines cannot honour locally; leave it out here.")
    if databricks_options:
        raise TypeError(f"@dlt.table got an unexpected keyword argument '{next(iter(databricks_options))}'.")
    api._validate_stored_dataset_args(name, table_properties, partition_cols, cluster_by)
    location = get_caller_source_code_location(stacklevel=1)  # the learner's line, not this file's

    def outer(func):
        _define_table(func, location, name=name, comment=comment, spark_conf=spark_conf,
                      table_properties=table_properties, partition_cols=partition_cols,
                      cluster_by=cluster_by, schema=schema)

    if query_function is not None:
        outer(query_function)
        return None
    return outer


def _define_table(func, location, *, name, comment, spark_conf, table_properties, partition_cols,
                  cluster_by, schema) -> None:
    from pyspark.pipelines import api
    from pyspark.pipelines.flow import Flow
    from pyspark.pipelines.graph_element_registry import get_active_graph_element_registry
    from pyspark.pipelines.output import MaterializedView, StreamingTable

    registry = get_active_graph_element_registry()  # outside a pipeline: pyspark's own error, first
    api._validate_decorated(func, "table")
    kind = StreamingTable if _reads_a_stream(func) else MaterializedView
    resolved = name or func.__name__
    registry.register_output(kind(
        name=resolved, comment=comment, source_code_location=location, table_properties=table_properties or {},
        partition_cols=partition_cols, cluster_by=cluster_by, schema=schema, format=None))
    registry.register_flow(Flow(name=resolved, target=resolved, spark_conf=spark_conf or {},
                                source_code_location=location, func=func))


def _reads_a_stream(func) -> bool:
    """Whether the DataFrame ``func`` returns reads any stream; built only, never analyzed or run."""
    from pyspark.pipelines.block_connect_access import block_spark_connect_execution_and_analysis

    with block_spark_connect_execution_and_analysis():
        df = func()
    plan = getattr(df, "_plan", None)
    if plan is None:  # not a Spark Connect DataFrame: the flow's registration reports it
        return False
    return _plan_streams(plan.plan(df.sparkSession.client))


def _plan_streams(message) -> bool:
    """True if a Spark Connect plan (a protobuf message) holds a streaming read anywhere in it."""
    from google.protobuf.message import Message

    if message.DESCRIPTOR.full_name == "spark.connect.Read" and message.is_streaming:
        return True
    for field, value in message.ListFields():
        if field.message_type is None:  # numbers, strings, bytes (a UDF's pickled code), enums
            continue
        if isinstance(value, Message):
            children = [value]
        elif field.message_type.GetOptions().map_entry:
            children = list(value.values())
        else:  # a repeated field
            children = list(value)
        if any(isinstance(child, Message) and _plan_streams(child) for child in children):
            return True
    return False


def read(name: str):
    """A dataset of the pipeline (or any table) as a batch DataFrame, like ``spark.read.table(name)``."""
    from pyspark.sql import SparkSession

    return SparkSession.active().read.table(name)


def read_stream(name: str):
    """A dataset of the pipeline (or any table) as a stream, like ``spark.readStream.table(name)``."""
    from pyspark.sql import SparkSession

    return SparkSession.active().readStream.table(name)


def __getattr__(name: str):
    if name in _CDC:
        raise AttributeError(
            f"dlt.{name} (AUTO CDC) exists only on Databricks: open-source Spark Declarative Pipelines has "
            "no change-data-capture flows, so it cannot run locally.")
    raise AttributeError(f"module 'dlt' has no attribute '{name}'")

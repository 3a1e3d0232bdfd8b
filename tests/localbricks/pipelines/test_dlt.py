"""``import dlt`` without a pipeline run: the names it has, how ``@dlt.table`` picks a dataset kind, what it refuses."""
import pytest
from pyspark.pipelines import graph_element_registry as graph
from pyspark.pipelines.output import MaterializedView, StreamingTable
from pyspark.sql.connect import proto as pb2

from localbricks.pipelines import dlt, expectations

DATABRICKS_DLT_NAMES = {
    "table", "materialized_view", "view", "temporary_view", "append_flow", "create_streaming_table", "create_sink",
    "read", "read_stream", "expect", "expect_or_drop", "expect_or_fail", "expect_all", "expect_all_or_drop",
    "expect_all_or_fail"}


def test_dlt_has_databricks_names_and_nothing_else():
    import pyspark.pipelines as dp

    assert {n for n in dir(dlt) if not n.startswith("_")} == DATABRICKS_DLT_NAMES == set(dlt.__all__)
    assert dlt.view is dlt.temporary_view is dp.temporary_view
    assert (dlt.materialized_view, dlt.append_flow, dlt.create_streaming_table) == \
        (dp.materialized_view, dp.append_flow, dp.create_streaming_table)
    assert all(getattr(dlt, name) is getattr(expectations, name) for name in expectations.DECORATORS)


def test_auto_cdc_says_it_is_databricks_only():
    assert not hasattr(dlt, "apply_changes")
    with pytest.raises(AttributeError, match="only on Databricks"):
        dlt.create_auto_cdc_flow  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'Expectation'"):
        dlt.Expectation  # noqa: B018


def test_databricks_only_table_options_are_refused_in_words():
    with pytest.raises(TypeError, match=r"dlt.table\(temporary=...\) is a Databricks-only option"):
        dlt.table(temporary=True)
    with pytest.raises(TypeError, match="unexpected keyword argument 'format'"):
        dlt.table(format="parquet")  # dp.table has it; Databricks' dlt.table does not


def test_dlt_table_outside_a_pipeline_fails_as_pyspark_does():
    from pyspark.errors import PySparkRuntimeError

    with pytest.raises(PySparkRuntimeError, match="GRAPH_ELEMENT_DEFINED_OUTSIDE_OF_DECLARATIVE_PIPELINE"):
        @dlt.table
        def scores():
            raise AssertionError("never called outside a pipeline")


def _read(is_streaming: bool) -> pb2.Relation:
    relation = pb2.Relation()
    relation.read.named_table.unparsed_identifier = "events"
    relation.read.is_streaming = is_streaming
    return relation


def test_a_streaming_read_anywhere_in_the_plan_makes_it_streaming():
    joined = pb2.Relation()
    joined.join.left.CopyFrom(_read(False))
    joined.join.right.project.input.CopyFrom(_read(True))  # a stream on the right of a projection
    unioned = pb2.Relation()
    unioned.with_relations.root.CopyFrom(_read(False))
    unioned.with_relations.references.append(_read(True))  # repeated field
    batch = pb2.Relation()
    batch.join.left.CopyFrom(_read(False))
    batch.join.right.CopyFrom(_read(False))

    assert dlt._plan_streams(joined) and dlt._plan_streams(unioned)
    assert not dlt._plan_streams(batch)


class _Frame:
    """Just what ``@dlt.table`` reads from a Spark Connect DataFrame: its plan."""

    def __init__(self, relation):
        self._plan = type("Plan", (), {"plan": lambda _self, client: relation})()
        self.sparkSession = type("Session", (), {"client": None})()


class _Registry(graph.GraphElementRegistry):
    def __init__(self):
        self.outputs, self.flows = [], []

    def register_output(self, output):
        self.outputs.append(output)

    def register_flow(self, flow):
        self.flows.append(flow)

    def register_sql(self, sql_text, file_path):
        raise AssertionError("no SQL here")


def test_dlt_table_is_a_streaming_table_for_a_stream_and_a_materialized_view_otherwise():
    registry = _Registry()
    with graph.graph_element_registration_context(registry):
        @dlt.table
        def events():
            return _Frame(_read(True))

        @dlt.table(name="daily", comment="batch", table_properties={"quality": "gold"})
        def daily_query():
            return _Frame(_read(False))

    events_out, daily_out = registry.outputs
    assert type(events_out) is StreamingTable and type(daily_out) is MaterializedView
    assert (daily_out.name, daily_out.comment) == ("daily", "batch")
    assert dict(daily_out.table_properties) == {"quality": "gold"}
    assert [(f.name, f.target) for f in registry.flows] == [("events", "events"), ("daily", "daily")]
    assert {o.source_code_location.filename for o in registry.outputs} == {__file__}  # the learner's file, not ours

"""The expectation decorators on batch DataFrames, their pipeline registration, and the metrics readers."""
import sys
import types
import uuid

import pytest

from localbricks.pipelines import (PipelineRunError, dropped_records, expect, expect_all, expect_all_or_drop,
                                   expect_all_or_fail, expect_or_drop, expect_or_fail, expectation_metrics,
                                   expectation_violations, metrics_table)
from localbricks.pipelines.expectations import FAIL, Expectation, expected
from localbricks.pipelines.metrics import checks_frame

pytestmark = pytest.mark.spark

ROWS = [(1, 10.0), (2, -3.0), (3, None), (4, 7.5), (5, 0.0)]  # 2: negative, 3: null, 5: zero


@pytest.fixture(scope="module")
def orders(spark):
    return spark.createDataFrame(ROWS, "order_id INT, amount DOUBLE")


def _ids(df):
    return sorted(r.order_id for r in df.collect())


def test_expect_keeps_violating_records(orders):
    @expect("positive_amount", "amount > 0")
    def checked():
        return orders

    assert _ids(checked()) == [1, 2, 3, 4, 5]


def test_expect_or_drop_removes_violators_and_null_verdicts(orders):
    @expect_or_drop("positive_amount", "amount > 0")
    def checked():
        return orders

    assert _ids(checked()) == [1, 4]


def test_expect_or_fail_stops_with_the_expectation_and_the_record(orders):
    @expect_or_fail("positive_amount", "amount > 0 OR amount IS NULL")
    def checked():
        return orders

    with pytest.raises(Exception, match="positive_amount") as failure:
        checked().collect()
    assert "expect_or_fail" in str(failure.value) and '"order_id":' in str(failure.value)


def test_expect_or_fail_passes_clean_data_through(orders):
    @expect_or_fail("has_id", "order_id IS NOT NULL")
    def checked():
        return orders

    assert _ids(checked()) == [1, 2, 3, 4, 5]


def test_expect_all_variants_take_a_dict(orders):
    rules = {"positive_amount": "amount > 0", "small_id": "order_id < 4"}

    @expect_all(rules)
    def kept():
        return orders

    @expect_all_or_drop(rules)
    def dropped():
        return orders

    @expect_all_or_fail(rules)
    def failed():
        return orders

    assert _ids(kept()) == [1, 2, 3, 4, 5]
    assert _ids(dropped()) == [1]
    with pytest.raises(Exception, match="positive_amount|small_id"):
        failed().collect()
    assert [e.action for e in expected(failed).expectations] == [FAIL, FAIL]


def test_stacked_decorators_combine_and_keep_the_function_name(orders):
    @expect_or_drop("has_amount", "amount IS NOT NULL")
    @expect("positive_amount", "amount > 0")
    def clean_orders():
        return orders

    assert clean_orders.__name__ == "clean_orders"  # @dp.table names the dataset after it
    assert [e.name for e in expected(clean_orders).expectations] == ["positive_amount", "has_amount"]
    assert _ids(clean_orders()) == [1, 2, 4, 5]


def test_misuse_is_explained():
    with pytest.raises(TypeError, match="non-empty string"):
        expect("", "x > 0")
    with pytest.raises(TypeError, match="dict"):
        expect_all(["x > 0"])
    with pytest.raises(TypeError, match="above"):
        expect("ok", "x > 0")(None)  # @dp.table placed below the expectation returns None
    with pytest.raises(ValueError, match="unique"):
        expect("same", "x > 0")(expect("same", "y > 0")(lambda: None))


def test_on_databricks_the_runtime_decorators_are_used(monkeypatch):
    from pyspark import pipelines as dp

    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "17.3")
    monkeypatch.setattr(dp, "expect", lambda name, constraint: ("runtime expect", name), raising=False)
    monkeypatch.setattr(dp, "expect_all_or_drop", lambda rules: ("runtime expect_all_or_drop", rules),
                        raising=False)
    assert expect("a", "x > 0") == ("runtime expect", "a")
    assert expect_all_or_drop({"a": "x > 0"}) == ("runtime expect_all_or_drop", {"a": "x > 0"})

    monkeypatch.delattr(dp, "expect")  # an older runtime: only `import dlt` has them
    monkeypatch.setitem(sys.modules, "dlt", types.SimpleNamespace(expect_or_fail=lambda n, c: ("dlt", n)))
    assert expect_or_fail("b", "y > 0") == ("dlt", "b")


# ---- registration inside a pipeline definition, without a server ------------------------------

class _Collecting:
    """Stands in for the Spark Connect registry: keeps outputs and evaluates flows as it does."""

    def __init__(self):
        self.outputs, self.flows = {}, {}

    def register_output(self, output):
        self.outputs[output.name] = output

    def register_flow(self, flow):
        self.flows[flow.name] = (flow, flow.func())

    def register_sql(self, sql_text, file_path):
        raise AssertionError("no SQL here")


def test_a_pipeline_gets_a_companion_dataset_per_expected_dataset(orders):
    from pyspark import pipelines as dp
    from pyspark.pipelines.graph_element_registry import graph_element_registration_context
    from pyspark.pipelines.output import MaterializedView, StreamingTable

    registry = _Collecting()
    with graph_element_registration_context(registry):
        @dp.table(name="clean_orders")
        @expect_or_drop("positive_amount", "amount > 0")
        def clean():
            return orders

        @dp.materialized_view
        @expect_or_fail("has_amount", "amount IS NOT NULL")
        def order_totals():
            return orders

        @dp.temporary_view
        @expect("small_id", "order_id < 4")
        def recent_orders():
            return orders

        @dp.materialized_view
        def unchecked():
            return orders

    assert isinstance(registry.outputs["clean_orders_expectations"], StreamingTable)
    assert isinstance(registry.outputs["order_totals_expectations"], MaterializedView)
    assert "recent_orders_expectations" not in registry.outputs  # views are checked, not counted
    assert "unchecked_expectations" not in registry.outputs
    assert _ids(registry.flows["clean_orders"][1]) == [1, 4]
    companion_flow, companion = registry.flows["clean_orders_expectations"]
    assert companion_flow.target == "clean_orders_expectations"
    assert companion.count() == len(ROWS)  # one row per input record, dropped ones included
    with pytest.raises(Exception, match="has_amount.*order_totals"):  # the failure names the dataset
        registry.flows["order_totals"][1].collect()


# ---- reading results back ----------------------------------------------------------------------

def test_metrics_readers_count_pass_fail_and_drop(spark, orders):
    schema = f"metrics_{uuid.uuid4().hex[:8]}"
    spark.sql(f"CREATE SCHEMA main.{schema}")
    table = f"main.{schema}.clean_orders"
    rules = [Expectation("positive_amount", "amount > 0", "drop"), Expectation("has_amount", "amount IS NOT NULL", "drop"),
             Expectation("small_id", "order_id < 4", "warn")]
    checks_frame(orders, rules, "clean_orders").write.saveAsTable(metrics_table(table))

    got = {r.expectation: r.asDict() for r in expectation_metrics(spark, table).collect()}
    assert got["positive_amount"] == dict(dataset=table, expectation="positive_amount", action="drop",
                                              passed_records=2, failed_records=3, dropped_records=3)
    assert (got["has_amount"]["failed_records"], got["has_amount"]["dropped_records"]) == (1, 1)
    assert (got["small_id"]["failed_records"], got["small_id"]["dropped_records"]) == (2, 0)
    assert dropped_records(spark, table) == 3  # order 3 fails two drop expectations, counted once
    violated = expectation_violations(spark, table).filter("expectation = 'positive_amount'")
    assert sorted(r.record for r in violated.collect())[0].startswith('{"order_id":2')


def test_metrics_readers_explain_a_missing_table(spark):
    from localbricks.errors import LocalbricksError

    with pytest.raises(LocalbricksError, match="Has the pipeline run"):
        expectation_metrics(spark, "main.default.never_ran")
    assert issubclass(PipelineRunError, LocalbricksError)

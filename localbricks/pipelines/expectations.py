"""Databricks' pipeline expectations, on top of open-source Spark Declarative Pipelines.

Used as on Databricks: the dataset decorator on top, expectations below it, each applied to the
DataFrame the query function returns::

    from pyspark import pipelines as dp

    @dp.table
    @dp.expect_or_drop("valid_event", "event_id IS NOT NULL AND amount >= 0")
    @dp.expect("recent", "ts > '2024-01-01'")
    def clean_events():
        return spark.readStream.table("raw_events")

In a run started by ``localbricks.pipelines.run_pipeline`` the six decorators are attributes of
``pyspark.pipelines`` (``cli.py`` adds them), so that file is the same file Databricks runs; they
can also be imported from here (``from localbricks.pipelines import expect_or_drop``). On Databricks
(``DATABRICKS_RUNTIME_VERSION`` set) each function here returns the runtime's own decorator
(``pyspark.pipelines``'s, or ``dlt``'s on older runtimes), so nothing of ours runs there.

What each does to the dataset, as on Databricks: ``expect`` keeps violating records,
``expect_or_drop`` removes them, ``expect_or_fail`` stops the update with an error naming the
expectation (and showing the record); ``expect_all*`` take ``{name: constraint}``. A constraint is
a SQL boolean expression; one that evaluates to NULL counts as a violation here, so write
``x IS NOT NULL AND x > 0`` when NULLs are invalid and the code means the same everywhere.

How results are counted, for streaming tables too (``metrics``): inside a pipeline the decorated
dataset gets a companion dataset ``<dataset>_expectations``, defined in the same pipeline by an
extra flow that reads the same source and writes one row per input record with each
expectation's verdict (a streaming table for a streaming table, a materialized view for a
materialized view). ``metrics.expectation_metrics(spark, "main.sales.clean_events")`` reads it back.
"""
from __future__ import annotations

import contextvars
import functools
from dataclasses import dataclass
from typing import Callable, Mapping

from localbricks.workspace import on_databricks

WARN, DROP, FAIL = "warn", "drop", "fail"
DECORATORS = ("expect", "expect_or_drop", "expect_or_fail",
              "expect_all", "expect_all_or_drop", "expect_all_or_fail")

_ATTR = "_localbricks_expectations"
# The dataset a flow being registered writes to, so a failing expectation can name it.
_DATASET: contextvars.ContextVar[str | None] = contextvars.ContextVar("localbricks_dataset", default=None)


@dataclass(frozen=True)
class Expectation:
    """One named constraint and what a violation does: ``warn``, ``drop`` or ``fail``."""

    name: str
    constraint: str
    action: str = WARN

    def passes(self):
        """A boolean Column: the record meets the constraint (NULL counts as not meeting it)."""
        from pyspark.sql import functions as F

        return F.coalesce(F.expr(self.constraint), F.lit(False))


@dataclass(frozen=True)
class Expected:
    """What a decorated query function carries: the undecorated function and its expectations."""

    source: Callable
    expectations: tuple[Expectation, ...]


def expected(func) -> Expected | None:
    """The expectations on a query function, or None if it has none."""
    return getattr(func, _ATTR, None)


# ---- the six decorators --------------------------------------------------------------------

def expect(name: str, constraint: str):
    """Keep records that violate ``constraint``; count them."""
    return _decorator("expect", _one(name, constraint, WARN), name, constraint)


def expect_or_drop(name: str, constraint: str):
    """Drop records that violate ``constraint`` before they reach the dataset; count them."""
    return _decorator("expect_or_drop", _one(name, constraint, DROP), name, constraint)


def expect_or_fail(name: str, constraint: str):
    """Stop the update at the first record that violates ``constraint``."""
    return _decorator("expect_or_fail", _one(name, constraint, FAIL), name, constraint)


def expect_all(expectations: Mapping[str, str]):
    """``expect`` for each ``name: constraint`` pair."""
    return _decorator("expect_all", _many(expectations, WARN), expectations)


def expect_all_or_drop(expectations: Mapping[str, str]):
    """Drop records that violate any of the constraints."""
    return _decorator("expect_all_or_drop", _many(expectations, DROP), expectations)


def expect_all_or_fail(expectations: Mapping[str, str]):
    """Stop the update at the first record that violates any of the constraints."""
    return _decorator("expect_all_or_fail", _many(expectations, FAIL), expectations)


def _one(name, constraint, action) -> list[Expectation]:
    for label, value in (("name", name), ("constraint", constraint)):
        if not isinstance(value, str) or not value.strip():
            raise TypeError(f"An expectation's {label} must be a non-empty string, got {value!r}.")
    return [Expectation(name, constraint, action)]


def _many(expectations, action) -> list[Expectation]:
    if not isinstance(expectations, Mapping) or not expectations:
        raise TypeError("expect_all* take a non-empty dict of {expectation name: SQL constraint}, "
                        f"got {expectations!r}.")
    return [e for name, constraint in expectations.items() for e in _one(name, constraint, action)]


def _databricks_module():
    from pyspark import pipelines as dp

    if hasattr(dp, "expect"):
        return dp
    import dlt  # runtimes before Lakeflow's pyspark.pipelines

    return dlt


def _decorator(kind: str, new: list[Expectation], *args):
    if on_databricks():
        return getattr(_databricks_module(), kind)(*args)

    def decorate(func):
        if not callable(func):
            raise TypeError(
                f"@{kind} decorates a query function. Put @dp.table or @dp.materialized_view above "
                "the expectations, as on Databricks (the dataset decorator returns None, so nothing "
                "can be stacked on top of it).")
        inner = expected(func)
        source = inner.source if inner else func
        expectations = (inner.expectations if inner else ()) + tuple(new)
        names = [e.name for e in expectations]
        duplicate = next((n for n in names if names.count(n) > 1), None)
        if duplicate:
            raise ValueError(f"Expectation names must be unique for a dataset: '{duplicate}' is used "
                             f"twice on '{source.__name__}'.")

        @functools.wraps(source)
        def query():
            return apply_expectations(source(), expectations, _DATASET.get() or source.__name__)

        setattr(query, _ATTR, Expected(source, expectations))
        _record_in_active_pipeline()
        return query

    return decorate


# ---- what the expectations do to the dataset ---------------------------------------------------

def apply_expectations(df, expectations, dataset: str = "<query>"):
    """Return ``df`` with ``fail`` expectations enforced and ``drop`` expectations' violators removed.

    Lazy (no Spark job, no analysis), so it works inside a pipeline's query functions, on batch
    and streaming DataFrames alike. Only ``filter`` is used: Spark Connect analyzes
    ``withColumn``/``drop`` eagerly, which hides the dataset's upstream reads from the pipeline's
    scheduler once the upstream tables exist (see ``runner``).
    """
    from pyspark.sql import functions as F

    for e in expectations:
        if e.action == FAIL:
            message = F.concat(
                F.lit(f"Expectation '{e.name}' (expect_or_fail) was violated by dataset '{dataset}': "
                      f"`{e.constraint}` is not true for the record "),
                F.to_json(F.struct(F.col("*"))))
            df = df.filter(F.when(e.passes(), F.lit(True)).otherwise(F.raise_error(message)))
    drops = [e.passes() for e in expectations if e.action == DROP]
    if drops:
        df = df.filter(functools.reduce(lambda a, b: a & b, drops))
    return df


# ---- counting, inside a pipeline ---------------------------------------------------------------

def _record_in_active_pipeline() -> None:
    """Interpose the recording registry on the pipeline being defined, if any (once per pipeline).

    The dataset decorators fetch the active registry when they run, which is after ours (they sit
    above), so every dataset defined from here on passes through it. Its context variable is
    reset by pyspark when the definitions are loaded, which removes the interposed registry too.
    """
    try:
        from pyspark.pipelines import graph_element_registry as graph
    except ImportError:  # a pyspark without pipelines: nothing to record into
        return
    active = graph._graph_element_registry_context_var.get()
    if active is not None and not getattr(active, "records_expectations", False):
        graph._graph_element_registry_context_var.set(_recording_registry(active))


def _recording_registry(inner):
    """A registry that passes everything to ``inner`` and adds each expected dataset's companion."""
    from pyspark.pipelines.flow import Flow
    from pyspark.pipelines.graph_element_registry import GraphElementRegistry
    from pyspark.pipelines.output import MaterializedView, StreamingTable, TemporaryView

    from localbricks.pipelines import metrics

    class RecordingRegistry(GraphElementRegistry):
        records_expectations = True

        def __init__(self):
            self.outputs = {}
            self.companions = set()

        def register_output(self, output):
            self.outputs[output.name] = output
            inner.register_output(output)

        def register_sql(self, sql_text, file_path):
            inner.register_sql(sql_text, file_path)

        def register_flow(self, flow):
            token = _DATASET.set(flow.target)
            try:
                inner.register_flow(flow)
            finally:
                _DATASET.reset(token)
            found = expected(flow.func)
            target = self.outputs.get(flow.target)
            if found is None or isinstance(target, TemporaryView):
                return  # views: expectations apply, but there is no table to count into
            companion = metrics.metrics_table(flow.target)
            if companion not in self.companions:
                kind = MaterializedView if isinstance(target, MaterializedView) else StreamingTable
                inner.register_output(kind(
                    name=companion, comment=f"Expectation results for {flow.target} (localbricks)",
                    source_code_location=flow.source_code_location, table_properties={},
                    partition_cols=None, cluster_by=None, schema=None, format=None))
                self.companions.add(companion)
            source, expectations, flow_name = found.source, found.expectations, flow.name
            inner.register_flow(Flow(
                name=metrics.metrics_table(flow.name), target=companion, spark_conf=flow.spark_conf,
                source_code_location=flow.source_code_location,
                func=lambda: metrics.checks_frame(source(), expectations, flow_name)))

    return RecordingRegistry()

"""Spark Declarative Pipelines, locally: Databricks' expectations and a runner for real pipeline runs.

Open-source Spark Declarative Pipelines (``from pyspark import pipelines as dp``, Spark 4.1) defines
tables, materialized views, views and flows, but has no expectations, and its ``spark-pipelines``
command starts a bare Spark. This package fills both gaps without changing how a pipeline is
written:

- ``expectations``: ``expect``, ``expect_or_drop``, ``expect_or_fail``, ``expect_all``,
  ``expect_all_or_drop``, ``expect_all_or_fail``, stacked under ``@dp.table`` /
  ``@dp.materialized_view`` as on Databricks; in a run they are also ``dp.expect…``;
- ``metrics``: each dataset with expectations gets ``<dataset>_expectations`` in the same run, so
  ``expectation_metrics`` / ``dropped_records`` / ``expectation_violations`` can count and show the
  records each expectation passed, failed and dropped — streaming tables included;
- ``runner``: ``write_spec`` and ``run_pipeline`` run a pipeline for real with Spark's pipeline
  launcher, its tables landing as ``catalog.schema.table`` Delta tables the notebook reads;
  ``spec`` checks a spec first, so a bad one fails in words before any JVM starts;
- ``cli``: the same from a terminal, ``python -m localbricks.pipelines run --spec spark-pipeline.yml``
  (``spark-pipelines run`` with the workspace's catalogs and registry), and the run's own entry point;
- ``dlt``: ``import dlt``, Databricks' legacy name of the module, in pipeline source files (and
  in notebooks after ``activate()``); ``@dlt.table`` is a streaming table or a materialized view
  depending on its query, as on Databricks;
- ``server``: how the pipeline's own Spark Connect server gets Delta, the catalogs and our confs.

A typical notebook cell::

    from localbricks.pipelines import write_spec, run_pipeline, expectation_metrics
    spec = write_spec("scoring", schema="streaming")   # then write transformations/*.py beside it
    run_pipeline(spec)
    expectation_metrics(spark, "main.streaming.clean_events").show()

On Databricks the decorators are the runtime's own (see ``expectations``); ``run_pipeline`` and the
metrics readers say where the Databricks equivalent lives instead.
"""
from localbricks.pipelines.expectations import (Expectation, apply_expectations, expect, expect_all,
                                                expect_all_or_drop, expect_all_or_fail, expect_or_drop,
                                                expect_or_fail)
from localbricks.pipelines.metrics import (dropped_records, expectation_metrics, expectation_violations,
                                           metrics_table)
from localbricks.pipelines.runner import PipelineRun, PipelineRunError, pipeline_folder, run_pipeline, write_spec
from localbricks.pipelines.spec import PipelineSpecError, check_spec, find_spec

__all__ = ["expect", "expect_or_drop", "expect_or_fail", "expect_all", "expect_all_or_drop",
           "expect_all_or_fail", "Expectation", "apply_expectations", "expectation_metrics",
           "dropped_records", "expectation_violations", "metrics_table", "write_spec", "run_pipeline",
           "pipeline_folder", "find_spec", "check_spec", "PipelineRun", "PipelineRunError", "PipelineSpecError"]

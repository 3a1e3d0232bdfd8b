"""Real pipeline runs: a streaming table of landing files with expectations, scored by a registered model.

Each run starts Spark's pipeline launcher and its own Spark Connect server (≈20 s), so the runs
here are few: two incremental runs of the streaming pipeline, and one run that must fail.
"""
import textwrap
import uuid

import pytest

from localbricks.pipelines import (PipelineRunError, dropped_records, expectation_metrics, expectation_violations,
                                   pipeline_folder, run_pipeline, write_spec)

pytestmark = pytest.mark.spark

# Written verbatim as a Databricks pipeline source file: `spark` and `dp.expect_or_drop` are given.
EVENTS_PIPELINE = textwrap.dedent('''
    import mlflow
    from pyspark import pipelines as dp

    mlflow.set_registry_uri("databricks-uc")
    churn = mlflow.pyfunc.spark_udf(spark, spark.conf.get("events.model_uri"), result_type="long")


    @dp.table(comment="Events as they land; malformed ones are dropped")
    @dp.expect_or_drop("valid_event", "event_id IS NOT NULL AND tenure IS NOT NULL AND calls IS NOT NULL")
    @dp.expect("plausible_tenure", "tenure < 30")
    def clean_events():
        return (spark.readStream.format("csv").option("header", "true")
                .schema("event_id INT, tenure DOUBLE, calls DOUBLE")
                .load(spark.conf.get("events.landing")))


    @dp.table(comment="Clean events scored by the champion model")
    def scored_events():  # select, not withColumn: see localbricks.pipelines.runner
        return spark.readStream.table("clean_events").select("*", churn("tenure", "calls").alias("prediction"))
''')

GOOD_1 = [(1, 3.0, 1.0), (2, 25.0, 0.0), (3, 31.0, 4.0), (4, 12.5, 2.0)]
GOOD_2 = [(5, 40.0, 1.0), (6, 2.0, 3.0), (7, 18.0, 0.0), (8, 29.5, 2.0), (9, 33.0, 1.0), (10, 1.0, 0.0)]
MALFORMED = ["11x,12.0,1", "12,abc,2", "13,,3", "14,4.0", "15,5.0,many"]  # 5 rows no expectation lets through


def _csv(*lines):
    return "\n".join(["event_id,tenure,calls", *lines]) + "\n"


def _rows(rows):
    return [f"{i},{t},{c}" for i, t, c in rows]


def test_streaming_pipeline_drops_exactly_the_malformed_rows_and_scores_every_good_one(spark, champion):
    import pandas as pd

    model_uri, model = champion
    schema = f"stream_{uuid.uuid4().hex[:8]}"
    folder = pipeline_folder(f"events_{schema}")
    landing = folder / "landing"
    landing.mkdir()
    (folder / "transformations").mkdir()
    (folder / "transformations" / "events.py").write_text(EVENTS_PIPELINE)
    spec = write_spec(folder, schema=schema,
                      configuration={"events.landing": str(landing), "events.model_uri": model_uri})

    (landing / "batch-1.csv").write_text(_csv(*_rows(GOOD_1)))
    first = run_pipeline(spec, echo=False)
    assert any("COMPLETED" in line for line in first.progress)
    assert spark.table(f"main.{schema}.scored_events").count() == len(GOOD_1)

    (landing / "batch-2.csv").write_text(_csv(*_rows(GOOD_2[:3]), *MALFORMED, *_rows(GOOD_2[3:])))
    run_pipeline(spec, echo=False)  # incremental: only batch-2 is new

    scored = spark.table(f"main.{schema}.scored_events").toPandas().sort_values("event_id")
    good = pd.DataFrame(GOOD_1 + GOOD_2, columns=["event_id", "tenure", "calls"])
    assert scored.event_id.tolist() == good.event_id.tolist()  # every good row, once
    assert scored.prediction.notna().all()
    assert scored.prediction.tolist() == model.predict(good[["tenure", "calls"]]).tolist()

    clean = f"main.{schema}.clean_events"
    metrics = {r.expectation: r for r in expectation_metrics(spark, clean).collect()}
    valid = metrics["valid_event"]
    assert (valid.action, valid.failed_records, valid.dropped_records, valid.passed_records) == \
        ("drop", 5, 5, len(good))
    plausible = metrics["plausible_tenure"]  # warn: counted, not dropped; NULL tenure counts as failed
    assert plausible.dropped_records == 0
    assert plausible.failed_records == int((good.tenure >= 30).sum()) + 2
    assert dropped_records(spark, clean) == 5
    records = expectation_violations(spark, clean).filter("expectation = 'valid_event'").collect()
    assert sorted(r.record for r in records)[0].startswith('{"event_id":12')


ORDERS_PIPELINE = textwrap.dedent('''
    from pyspark import pipelines as dp


    @dp.materialized_view
    @dp.expect_or_fail("positive_amount", "amount > 0")
    def orders():
        return spark.read.format("json").schema("order_id INT, amount DOUBLE").load(spark.conf.get("orders.path"))
''')


def test_expect_or_fail_fails_the_run_naming_the_expectation(spark):
    schema = f"fail_{uuid.uuid4().hex[:8]}"
    folder = pipeline_folder(f"orders_{schema}")
    (folder / "transformations").mkdir()
    (folder / "transformations" / "orders.py").write_text(ORDERS_PIPELINE)
    (folder / "orders").mkdir()
    (folder / "orders" / "part-1.json").write_text(
        '{"order_id": 1, "amount": 12.5}\n{"order_id": 2, "amount": -4.0}\n{"order_id": 3, "amount": 3.0}\n')
    spec = write_spec(folder, schema=schema, configuration={"orders.path": str(folder / "orders")})

    with pytest.raises(PipelineRunError) as failure:
        run_pipeline(spec, echo=False)
    headline = str(failure.value).splitlines()[0]  # the violation first, before the log's tail
    assert "Expectation 'positive_amount' (expect_or_fail)" in headline
    assert '"order_id":2' in headline  # the offending record is shown

"""The study guide's ``import dlt`` streaming-inference block, run for real by ``python -m localbricks.pipelines run``.

One run (≈1 min) is shared by every assertion: a streaming table from landing files with
``@dlt.expect_or_drop``, the guide's ``inference_results`` scoring it with a registered model's
``spark_udf``, and a batch ``@dlt.table``, which Databricks makes a materialized view.
"""
import subprocess
import sys
import textwrap
import uuid

import pytest

from localbricks.pipelines import dropped_records, expectation_metrics, pipeline_folder, write_spec

pytestmark = pytest.mark.spark

# A Databricks pipeline source file: `import dlt`, and `spark` given. `inference_results` is the guide's
# block as written (withColumn is safe here: this pipeline runs once, see localbricks.pipelines.runner).
GUIDE_PIPELINE = textwrap.dedent('''
    import dlt
    import mlflow
    from pyspark.sql import functions as F

    mlflow.set_registry_uri("databricks-uc")
    feature_cols = ["tenure", "calls"]
    predict_udf = mlflow.pyfunc.spark_udf(spark, model_uri=spark.conf.get("events.model_uri"))


    @dlt.view
    def landed_events():
        return (spark.readStream.format("csv").option("header", "true")
                .schema("event_id INT, tenure DOUBLE, calls DOUBLE")
                .load(spark.conf.get("events.landing")))


    @dlt.table(comment="Events with every feature present")
    @dlt.expect_or_drop("valid_features", "event_id IS NOT NULL AND tenure IS NOT NULL AND calls IS NOT NULL")
    @dlt.expect("plausible_tenure", "tenure < 30")
    def source_table():
        return dlt.read_stream("landed_events")


    @dlt.table
    def inference_results():
        streaming_df = spark.readStream.table("source_table")
        return streaming_df.withColumn("prediction", predict_udf(*feature_cols))


    @dlt.table
    def predictions_by_class():
        return dlt.read("inference_results").groupBy("prediction").agg(F.count("*").alias("events"))
''')

GOOD = [(1, 3.0, 1.0), (2, 25.0, 0.0), (3, 31.0, 4.0), (4, 12.5, 2.0), (5, 40.0, 1.0), (6, 2.0, 3.0),
        (7, 18.0, 0.0), (8, 29.5, 2.0)]
MALFORMED = ["x9,12.0,1", "10,abc,2", "11,,3", "12,4.0", "13,5.0,many"]  # each leaves a feature or the id NULL


@pytest.fixture(scope="module")
def guide_run(spark, champion):
    """Land one file of good and malformed events, then run the pipeline once with the command."""
    model_uri, model = champion
    schema = f"dlt_{uuid.uuid4().hex[:8]}"
    folder = pipeline_folder(f"guide_{schema}")
    (folder / "landing").mkdir()
    (folder / "transformations").mkdir()
    (folder / "transformations" / "inference.py").write_text(GUIDE_PIPELINE)
    lines = [f"{i},{t},{c}" for i, t, c in GOOD[:3]] + MALFORMED + [f"{i},{t},{c}" for i, t, c in GOOD[3:]]
    (folder / "landing" / "events-1.csv").write_text("\n".join(["event_id,tenure,calls", *lines]) + "\n")
    spec = write_spec(folder, schema=schema, configuration={"events.landing": str(folder / "landing"),
                                                           "events.model_uri": model_uri})
    done = subprocess.run([sys.executable, "-m", "localbricks.pipelines", "run", "--spec", str(spec)],
                          capture_output=True, text=True, timeout=1200)
    return done, schema, model


def test_the_command_runs_the_pipeline_and_prints_its_progress(guide_run):
    done, schema, _ = guide_run
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.startswith(f"Running pipeline 'guide_{schema}'")
    for dataset in ("source_table", "inference_results", "predictions_by_class"):
        assert f"Flow main.{schema}.{dataset} has COMPLETED." in done.stdout
    assert "Run is COMPLETED." in done.stdout and "Full log:" in done.stdout.splitlines()[-1]


def test_the_guide_block_scores_every_valid_event_once(spark, guide_run):
    import pandas as pd

    done, schema, model = guide_run
    assert done.returncode == 0, done.stderr[-3000:]
    scored = spark.table(f"main.{schema}.inference_results").toPandas().sort_values("event_id")
    good = pd.DataFrame(GOOD, columns=["event_id", "tenure", "calls"])
    assert scored.event_id.tolist() == good.event_id.tolist()
    assert scored.prediction.tolist() == model.predict(good[["tenure", "calls"]]).astype(float).tolist()


def test_expect_or_drop_drops_and_counts_the_malformed_events(spark, guide_run):
    done, schema, _ = guide_run
    assert done.returncode == 0, done.stderr[-3000:]
    table = f"main.{schema}.source_table"
    assert spark.table(table).count() == len(GOOD)
    metrics = {r.expectation: r for r in expectation_metrics(spark, table).collect()}
    valid = metrics["valid_features"]
    assert (valid.action, valid.passed_records, valid.failed_records, valid.dropped_records) == \
        ("drop", len(GOOD), len(MALFORMED), len(MALFORMED))
    plausible = metrics["plausible_tenure"]  # expect: counted, kept; NULL tenure ("abc", empty) fails it
    assert (plausible.failed_records, plausible.dropped_records) == (sum(t >= 30 for _, t, _ in GOOD) + 2, 0)
    assert dropped_records(spark, table) == len(MALFORMED)


def test_a_batch_dlt_table_is_a_materialized_view_over_the_scores(spark, guide_run):
    import pandas as pd

    done, schema, model = guide_run
    assert done.returncode == 0, done.stderr[-3000:]  # a batch query in a streaming table fails the run
    counts = {r.prediction: r.events for r in spark.table(f"main.{schema}.predictions_by_class").collect()}
    features = pd.DataFrame([(t, c) for _, t, c in GOOD], columns=["tenure", "calls"])
    assert counts == {float(k): int(v) for k, v in pd.Series(model.predict(features)).value_counts().items()}

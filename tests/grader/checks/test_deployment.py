"""Both sides of every notebook-07 check: batch, custom pyfunc, feature-store and streaming scoring.

The pipeline check is fed the tables a pipeline run writes, built here in-process with the same
expectation code (a real ``spark-pipelines`` run is proven by tests/localbricks/pipelines and by
the notebook run); the ``foreachBatch`` check gets a real streaming query.
"""
import pickle
import sys
import uuid

import cloudpickle
import mlflow
import numpy as np
import pandas as pd
import pytest

from grader.checks import deployment as checks
from grader.testing import assert_check_failed, assert_check_passed
from quiz_support import assert_quiz_graded_from_bank
from tests_support import churn_customers

pytestmark = pytest.mark.spark

FEATURES = ["tenure_months", "monthly_spend"]
EVENT_SCHEMA = "customer_id STRING, tenure_months DOUBLE, monthly_spend DOUBLE"
RULE = "customer_id IS NOT NULL AND tenure_months >= 0 AND monthly_spend IS NOT NULL"
MALFORMED = [",12,40.5", "X901,abc,40.5", "X902,-3,25.0", "X903,7,", "X904"]
THRESHOLD = 0.5


@pytest.fixture(scope="module")
def customers():
    return churn_customers(seed=7)


@pytest.fixture(scope="module")
def model(customers):
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    fitted = make_pipeline(SimpleImputer(), LogisticRegression(max_iter=1000))
    fitted.fit(customers[FEATURES], customers.churned)
    assert 0 < fitted.predict(customers[FEATURES]).sum() < len(customers)  # both classes: wrong answers can differ
    return fitted


@pytest.fixture(scope="module")
def champion_uri(uc, model, customers):
    from mlflow.models import infer_signature

    name = f"main.check_tests.deploy_{uuid.uuid4().hex[:6]}"
    X = customers[FEATURES]
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(model, name="model", serialization_format="cloudpickle",
                                        signature=infer_signature(X, pd.Series(model.predict(X), name="prediction")),
                                        pip_requirements=["scikit-learn"], registered_model_name=name)
    uc.set_registered_model_alias(name, "champion", info.registered_model_version)
    return f"models:/{name}@champion"


# ---------------------------------------------------------------------------- 4.3 batch, pandas and Spark

def test_batch_pandas(champion_uri, customers, tmp_path):
    batch_file = tmp_path / "batch.parquet"
    customers[["customer_id", *FEATURES]].to_parquet(batch_file, index=False)
    batch = pd.read_parquet(batch_file)
    right = pd.DataFrame({"customer_id": batch.customer_id,
                          "prediction": mlflow.pyfunc.load_model(champion_uri).predict(batch)})
    assert_check_passed(checks.check_batch_pandas, right, batch_file, champion_uri)
    assert_check_failed(checks.check_batch_pandas, right.head(10), batch_file, champion_uri, match="score all")
    assert_check_failed(checks.check_batch_pandas, right.assign(prediction=0), batch_file, champion_uri,
                        match="differ from the champion")
    assert_check_failed(checks.check_batch_pandas, right.prediction.to_numpy(), batch_file, champion_uri,
                        match="pandas DataFrame")


def test_spark_udf(spark, champion_uri, customers):
    from pyspark.sql import functions as F

    input_sdf = spark.createDataFrame(customers[["customer_id", *FEATURES]])
    predict_udf = mlflow.pyfunc.spark_udf(spark, model_uri=champion_uri)
    right = input_sdf.withColumn("prediction", predict_udf(*FEATURES))
    assert_check_passed(checks.check_spark_udf, right, input_sdf, champion_uri, FEATURES)
    assert_check_failed(checks.check_spark_udf, input_sdf.withColumn("prediction", F.lit(0.0)), input_sdf,
                        champion_uri, FEATURES, match="differ from the champion")
    assert_check_failed(checks.check_spark_udf, input_sdf, input_sdf, champion_uri, FEATURES,
                        match="no 'prediction' column")
    assert_check_failed(checks.check_spark_udf, right.select(*FEATURES, "prediction"), input_sdf, champion_uri,
                        FEATURES, match="customer_id included")


# ---------------------------------------------------------------------------- 4.2 custom pyfunc

# Pickled with the classes' code, not as a reference to this module: a Spark worker that unpickles
# them cannot import a test module (nor the test helpers it imports).
cloudpickle.register_pickle_by_value(sys.modules[__name__])


class RiskByProbability(mlflow.pyfunc.PythonModel):
    """The right answer: labels by P(churn) against the threshold, estimator loaded from an artifact."""

    def __init__(self, threshold):
        self.threshold = threshold

    def load_context(self, context):
        with open(context.artifacts["model_path"], "rb") as f:
            self.model = pickle.load(f)

    def predict(self, context, model_input):
        p = self.model.predict_proba(model_input)[:, 1]
        return ["high_risk" if v >= self.threshold else "low_risk" for v in p]


class RiskByClass(RiskByProbability):
    """The guide's rule taken literally: a threshold on the 0/1 class, which ignores the probability."""

    def predict(self, context, model_input):
        return ["high_risk" if v > 0.7 else "low_risk" for v in self.model.predict(model_input)]


@pytest.fixture(scope="module")
def risk_models(uc, model, customers, tmp_path_factory):
    from mlflow.models import infer_signature

    pkl = tmp_path_factory.mktemp("risk") / "model.pkl"
    pkl.write_bytes(pickle.dumps(model))
    name = f"main.check_tests.risk_{uuid.uuid4().hex[:6]}"
    signature = infer_signature(customers[FEATURES], np.array(["low_risk", "high_risk"]))
    logged = {}
    for key, python_model in (("right", RiskByProbability(THRESHOLD)), ("by_class", RiskByClass(THRESHOLD))):
        with mlflow.start_run():
            logged[key] = mlflow.pyfunc.log_model(name="risk", python_model=python_model, signature=signature,
                                                  artifacts={"model_path": str(pkl)}, registered_model_name=name,
                                                  pip_requirements=["scikit-learn"])
    with mlflow.start_run():
        logged["unregistered"] = mlflow.pyfunc.log_model(name="risk", python_model=RiskByProbability(THRESHOLD),
                                                         artifacts={"model_path": str(pkl)}, signature=signature,
                                                         pip_requirements=["scikit-learn"])
    return name, logged


def test_custom_pyfunc(risk_models, model, customers):
    name, logged = risk_models
    sample = customers[FEATURES]
    assert_check_passed(checks.check_custom_pyfunc, logged["right"], name, model, sample, THRESHOLD)
    assert_check_failed(checks.check_custom_pyfunc, logged["unregistered"], name, model, sample, THRESHOLD,
                        match="registered_model_name")
    # A threshold the class rule cannot express: at 0.3, some customers predicted 0 are high risk.
    p = model.predict_proba(sample)[:, 1]
    assert ((p >= 0.3) & (p < 0.5)).any(), "the test data needs probabilities between 0.3 and 0.5"
    assert_check_failed(checks.check_custom_pyfunc, logged["by_class"], name, model, sample, 0.3,
                        match="labels are wrong")


def test_custom_model_batch(spark, risk_models, model, customers):
    from pyspark.sql import functions as F

    name, logged = risk_models
    input_sdf = spark.createDataFrame(customers[["customer_id", *FEATURES]])
    risk_udf = mlflow.pyfunc.spark_udf(spark, model_uri=f"models:/{name}/{logged['right'].registered_model_version}",
                                       result_type="string")
    right = input_sdf.withColumn("risk", risk_udf(*FEATURES))
    assert_check_passed(checks.check_custom_model_batch, right, input_sdf, model, FEATURES, THRESHOLD)
    assert_check_failed(checks.check_custom_model_batch, input_sdf.withColumn("risk", F.lit("low_risk")), input_sdf,
                        model, FEATURES, THRESHOLD, match="risk labels differ")
    assert_check_failed(checks.check_custom_model_batch, input_sdf.withColumn("risk", F.lit(1.0)), input_sdf,
                        model, FEATURES, THRESHOLD, match="result_type='string'")


# ---------------------------------------------------------------------------- 1.9 score_batch with keys only

def test_score_batch(spark, uc, model, customers):
    from databricks.feature_engineering import FeatureEngineeringClient, FeatureLookup

    fe = FeatureEngineeringClient()
    schema = f"deploy_fs_{uuid.uuid4().hex[:6]}"
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS main.{schema}")
    table = f"main.{schema}.customer_features"
    fe.create_table(name=table, primary_keys=["customer_id"],
                    df=spark.createDataFrame(customers[["customer_id", *FEATURES]]))
    training_set = fe.create_training_set(df=spark.createDataFrame(customers[["customer_id", "churned"]]),
                                          feature_lookups=[FeatureLookup(table_name=table, lookup_key="customer_id")],
                                          label="churned", exclude_columns=["customer_id"])
    name = f"main.{schema}.fs_model"
    with mlflow.start_run():
        info = fe.log_model(model=model, artifact_path="model", flavor=mlflow.sklearn, training_set=training_set,
                            registered_model_name=name, infer_input_example=True)
    uri = f"models:/{name}/{info.registered_model_version}"
    ids = set(customers.customer_id[:30])
    keys_df = spark.createDataFrame(customers[["customer_id"]][:30])
    right = fe.score_batch(model_uri=uri, df=keys_df)
    assert_check_passed(checks.check_score_batch, right, keys_df, model, table, FEATURES, ids)

    with_features = spark.createDataFrame(customers[["customer_id", *FEATURES]][:30])
    assert_check_failed(checks.check_score_batch, fe.score_batch(model_uri=uri, df=with_features), with_features,
                        model, table, FEATURES, ids, match="primary key only")
    from pyspark.sql import functions as F
    assert_check_failed(checks.check_score_batch, keys_df.withColumn("prediction", F.lit(1)), keys_df, model, table,
                        FEATURES, ids, match="differ from the champion")
    assert_check_failed(checks.check_score_batch, right.limit(10), keys_df, model, table, FEATURES, ids,
                        match="one row for each customer")


# ---------------------------------------------------------------------------- 4.4 streaming

def _landing(tmp_path, customers):
    landing = tmp_path / "landing"
    landing.mkdir()
    good = customers[["customer_id", *FEATURES]]
    lines = ["customer_id," + ",".join(FEATURES)]
    lines += [f"{r.customer_id},{r.tenure_months},{r.monthly_spend}" for r in good.itertuples()]
    (landing / "events-1.csv").write_text("\n".join(lines[:41]) + "\n")
    (landing / "events-2.csv").write_text("\n".join([lines[0], *lines[41:], *MALFORMED]) + "\n")
    return landing


def _pipeline_tables(spark, schema, landing, model, action):
    """Write what a run of the notebook's pipeline writes, with the expectation's action ``action`` (or none)."""
    from localbricks.pipelines import Expectation, apply_expectations
    from localbricks.pipelines.metrics import checks_frame, metrics_table

    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    raw = spark.read.format("csv").option("header", "true").schema(EVENT_SCHEMA).load(str(landing))
    expectations = [Expectation("valid_event", RULE, action)] if action else []
    clean = apply_expectations(raw, expectations)
    clean.write.mode("overwrite").saveAsTable(f"{schema}.clean_events")
    if expectations:
        checks_frame(raw, expectations, "clean_events").write.mode("overwrite").saveAsTable(
            metrics_table(f"{schema}.clean_events"))
    scored = clean.toPandas()
    scored["prediction"] = model.predict(scored[FEATURES]).astype(float)
    spark.createDataFrame(scored).write.mode("overwrite").saveAsTable(f"{schema}.scored_events")


@pytest.mark.parametrize("action, match", [
    ("drop", None),
    ("warn", "without a customer_id"),   # @dp.expect: counted, but malformed rows reach the model
    (None, "without a customer_id"),     # no expectation at all
])
def test_streaming_pipeline(spark, model, customers, tmp_path, action, match):
    landing = _landing(tmp_path, customers)
    schema = f"main.stream_{uuid.uuid4().hex[:6]}"
    _pipeline_tables(spark, schema, landing, model, action)
    args = (spark, schema, landing, EVENT_SCHEMA, RULE, model, FEATURES)
    if match is None:
        assert_check_passed(checks.check_streaming_pipeline, *args)
    else:
        assert_check_failed(checks.check_streaming_pipeline, *args, match=match)


def test_streaming_pipeline_needs_the_expectation_not_just_a_filter(spark, model, customers, tmp_path):
    from localbricks.pipelines.metrics import metrics_table

    landing = _landing(tmp_path, customers)
    schema = f"main.stream_{uuid.uuid4().hex[:6]}"
    _pipeline_tables(spark, schema, landing, model, "drop")
    spark.sql(f"DROP TABLE {metrics_table(schema + '.clean_events')}")  # rows filtered by hand: nothing counted
    assert_check_failed(checks.check_streaming_pipeline, spark, schema, landing, EVENT_SCHEMA, RULE, model, FEATURES,
                        match="has no expectations")
    assert_check_failed(checks.check_streaming_pipeline, spark, f"main.nothing_{uuid.uuid4().hex[:6]}", landing,
                        EVENT_SCHEMA, RULE, model, FEATURES, match="run the pipeline")


def _foreach(spark, landing, table, checkpoint, model, filtered=True):
    def score_and_append(batch_df, batch_id):
        rows = batch_df.filter(RULE) if filtered else batch_df
        pdf = rows.toPandas()
        pdf["prediction"] = model.predict(pdf[FEATURES].fillna(0)).astype(float) if len(pdf) else []
        if len(pdf):
            batch_df.sparkSession.createDataFrame(pdf).write.mode("append").saveAsTable(table)

    stream = spark.readStream.format("csv").option("header", "true").schema(EVENT_SCHEMA).load(str(landing))
    (stream.writeStream.foreachBatch(score_and_append).option("checkpointLocation", str(checkpoint))
     .trigger(availableNow=True).start().awaitTermination())


def test_foreach_batch(spark, model, customers, tmp_path):
    landing = _landing(tmp_path, customers)
    right, unfiltered = (f"main.check_tests.foreach_{n}_{uuid.uuid4().hex[:6]}" for n in ("right", "unfiltered"))
    spark.sql("CREATE SCHEMA IF NOT EXISTS main.check_tests")
    _foreach(spark, landing, right, tmp_path / "cp_right", model)
    args = (landing, EVENT_SCHEMA, RULE, model, FEATURES)
    assert_check_passed(checks.check_foreach_batch, spark, right, str(tmp_path / "cp_right"), *args)
    _foreach(spark, landing, unfiltered, tmp_path / "cp_unfiltered", model, filtered=False)
    assert_check_failed(checks.check_foreach_batch, spark, unfiltered, str(tmp_path / "cp_unfiltered"), *args,
                        match="without a customer_id")
    assert_check_failed(checks.check_foreach_batch, spark, right, str(tmp_path / "no_checkpoint"), *args,
                        match="no offsets")


# ---------------------------------------------------------------------------- 4.1 which style

def test_deployment_modes():
    assert_quiz_graded_from_bank(checks.check_deployment_modes, "07.deployment_modes")


def test_expectation_counts_come_from_the_event_log_on_databricks(monkeypatch):
    """On a workspace the counts are each flow_progress event's data_quality, read with event_log();
    the session answering the query is a stand-in with the event log's shape (a JSON string per event)."""
    import json
    import types

    import localbricks

    def session(*qualities):
        asked = []

        def sql(query):
            asked.append(query)
            rows = [types.SimpleNamespace(dq=json.dumps(q)) for q in qualities]
            return types.SimpleNamespace(collect=lambda: rows)
        return types.SimpleNamespace(sql=sql), asked

    monkeypatch.setattr(localbricks, "on_databricks", lambda: True)
    two_batches = ({"dropped_records": 3, "expectations": [{"name": "valid_event", "passed_records": 40, "failed_records": 3}]},
                   {"dropped_records": 2, "expectations": [{"name": "valid_event", "passed_records": 10, "failed_records": 2}]})
    spark, asked = session(*two_batches)
    assert checks._dropped_by_expectations(spark, "main.s.clean_events") == 5
    assert "event_log(TABLE(main.s.clean_events))" in asked[0] and "flow_progress" in asked[0]
    warn_only, _ = session({"dropped_records": 0, "expectations": [{"name": "valid_event", "passed_records": 40, "failed_records": 3}]})
    assert checks._dropped_by_expectations(warn_only, "main.s.clean_events") is None
    none, _ = session()
    with pytest.raises(AssertionError, match="has no expectations"):
        checks._dropped_by_expectations(none, "main.s.clean_events")

"""Checks for notebook 07, batch and streaming inference.

Each check rescores the learner's inputs itself (with the model object the notebook trained, or by
reading the landing files again) and compares with what the learner's code produced: the pandas
batch, the Spark UDF column, the custom model's labels, the feature-store batch, the pipeline's
tables and expectation counts, and the ``foreachBatch`` table.
"""
from __future__ import annotations

from pathlib import Path

from grader import exercise
from grader.answer_key import check_quiz

DOMAIN = "Model Deployment"


def _labels(model, features, threshold):
    """The risk labels a correct custom model gives: high where P(churn) >= threshold."""
    import numpy as np

    probability = model.predict_proba(features)[:, 1]
    return np.where(probability >= threshold, "high_risk", "low_risk")


def _same_predictions(got, expected, what):
    import numpy as np

    got, expected = np.asarray(got, dtype=float).ravel(), np.asarray(expected, dtype=float).ravel()
    assert len(got) == len(expected), f"{what}: {len(got)} predictions for {len(expected)} rows."
    mismatched = int((~np.isclose(got, expected)).sum())
    assert mismatched == 0, f"{what}: {mismatched} of {len(got)} predictions differ from the champion model's."


def _valid_events(spark, landing, schema, rule):
    """Every event in the landing folder that meets the rule, read again as a batch."""
    return (spark.read.format("csv").option("header", "true").schema(schema).load(str(landing))
            .filter(rule).toPandas())


def _scored_table_matches(table_pdf, valid, model, features, what):
    """``table_pdf`` holds each valid event exactly once, with the model's prediction."""
    assert "prediction" in table_pdf.columns, f"{what} has no 'prediction' column."
    ids = table_pdf["customer_id"]
    assert not ids.isna().any(), f"{what} holds events without a customer_id: malformed rows reached the model."
    assert ids.is_unique, f"{what} holds some events more than once."
    extra = set(ids) - set(valid["customer_id"])
    assert not extra, f"{what} holds {len(extra)} events that break the valid-event rule: they should be dropped."
    missing = set(valid["customer_id"]) - set(ids)
    assert not missing, f"{what} is missing {len(missing)} valid events."
    ordered = table_pdf.set_index("customer_id").loc[valid["customer_id"]]
    _same_predictions(ordered["prediction"], model.predict(valid[features]), what)


@exercise("07.batch_pandas", domain=DOMAIN, objective="4.3", hints=[
    "model = mlflow.pyfunc.load_model(CHAMPION_URI) loads whatever version the alias points at.",
    "pandas_df = pd.read_parquet(BATCH_FILE); predictions = model.predict(pandas_df).",
    "Put the file's customer_id next to the predictions: pd.DataFrame({'customer_id': ..., 'prediction': ...}).",
])
def check_batch_pandas(batch_predictions, batch_file, model_uri):
    import mlflow
    import pandas as pd

    assert isinstance(batch_predictions, pd.DataFrame), "batch_predictions should be a pandas DataFrame."
    for column in ("customer_id", "prediction"):
        assert column in batch_predictions.columns, f"batch_predictions needs a '{column}' column."
    batch = pd.read_parquet(batch_file)
    assert len(batch_predictions) == len(batch), \
        f"batch_predictions has {len(batch_predictions)} rows; the file has {len(batch)} customers: score all of them."
    assert batch_predictions["customer_id"].tolist() == batch["customer_id"].tolist(), \
        "batch_predictions' customer_id column should be the file's, in the file's order."
    expected = mlflow.pyfunc.load_model(model_uri).predict(batch)
    _same_predictions(batch_predictions["prediction"], expected, "batch_predictions")


@exercise("07.spark_udf", domain=DOMAIN, objective="4.3", hints=[
    "predict_udf = mlflow.pyfunc.spark_udf(spark, model_uri=CHAMPION_URI)",
    "Apply it to the feature columns: to_score_sdf.withColumn('prediction', predict_udf(*FEATURES)).",
])
def check_spark_udf(scored_sdf, input_sdf, model_uri, features):
    import mlflow
    from pyspark.sql import DataFrame

    assert isinstance(scored_sdf, DataFrame), "scored_sdf should be a Spark DataFrame (to_score_sdf with a new column)."
    assert "prediction" in scored_sdf.columns, "scored_sdf has no 'prediction' column."
    assert "customer_id" in scored_sdf.columns, "Keep to_score_sdf's columns (customer_id included) and add 'prediction'."
    got = scored_sdf.toPandas()
    source = input_sdf.toPandas()
    assert len(got) == len(source), f"scored_sdf has {len(got)} rows; to_score_sdf has {len(source)}."
    got = got.set_index("customer_id").loc[source["customer_id"]]
    expected = mlflow.pyfunc.load_model(model_uri).predict(source[list(features)])
    _same_predictions(got["prediction"], expected, "scored_sdf")


@exercise("07.custom_pyfunc", domain=DOMAIN, objective="4.2", hints=[
    "load_context(self, context): open context.artifacts['model_path'] in 'rb' mode and pickle.load it into self.model.",
    "predict: p = self.model.predict_proba(model_input)[:, 1]; label 'high_risk' where p >= self.threshold.",
    "mlflow.pyfunc.log_model(name=..., python_model=RiskModel(RISK_THRESHOLD), artifacts={'model_path': str(MODEL_PKL)}, "
    "signature=risk_signature, registered_model_name=RISK_MODEL_NAME)",
])
def check_custom_pyfunc(risk_info, model_name, base_model, sample, threshold):
    import mlflow
    import numpy as np

    version = getattr(risk_info, "registered_model_version", None)
    assert version is not None, \
        "risk_info should be what mlflow.pyfunc.log_model returned, logged with registered_model_name=RISK_MODEL_NAME."
    uri = f"models:/{model_name}/{version}"
    try:
        pyfunc_conf = mlflow.models.get_model_info(uri).flavors.get("python_function", {})
    except mlflow.exceptions.MlflowException:
        raise AssertionError(f"There is no version {version} of {model_name}: register the risk model under "
                             "RISK_MODEL_NAME (registered_model_name=RISK_MODEL_NAME).") from None
    assert "python_model" in pyfunc_conf or "cloudpickle_version" in pyfunc_conf, \
        "The registered model should be a custom PythonModel logged with mlflow.pyfunc.log_model(python_model=...)."
    assert pyfunc_conf.get("artifacts"), \
        "Log the pickled pipeline as an artifact (artifacts={'model_path': ...}) and load it in load_context."
    got = np.asarray(mlflow.pyfunc.load_model(uri).predict(sample)).ravel()
    assert len(got) == len(sample), f"The model returned {len(got)} labels for {len(sample)} rows."
    labels = set(got.tolist())
    assert labels <= {"high_risk", "low_risk"}, \
        f"The model should return 'high_risk' or 'low_risk', not {sorted(map(str, labels - {'high_risk', 'low_risk'}))[:3]}."
    wrong = int((got != _labels(base_model, sample, threshold)).sum())
    assert wrong == 0, (f"{wrong} of {len(got)} labels are wrong: label by the churn probability (predict_proba), "
                        "high_risk at or above the threshold.")


@exercise("07.custom_model_batch", domain=DOMAIN, objective="4.3", hints=[
    "mlflow.pyfunc.spark_udf(spark, model_uri=f'models:/{RISK_MODEL_NAME}/{risk_info.registered_model_version}', "
    "result_type='string')",
    "risk_sdf = to_score_sdf.withColumn('risk', risk_udf(*FEATURES))",
])
def check_custom_model_batch(risk_sdf, input_sdf, base_model, features, threshold):
    from pyspark.sql import DataFrame

    assert isinstance(risk_sdf, DataFrame), "risk_sdf should be a Spark DataFrame."
    assert "risk" in risk_sdf.columns, "risk_sdf needs a 'risk' column with the model's labels."
    assert "customer_id" in risk_sdf.columns, "Keep to_score_sdf's columns (customer_id included) and add 'risk'."
    assert dict(risk_sdf.dtypes)["risk"] == "string", "The risk labels are text: spark_udf(..., result_type='string')."
    got = risk_sdf.toPandas()
    source = input_sdf.toPandas()
    assert len(got) == len(source), f"risk_sdf has {len(got)} rows; to_score_sdf has {len(source)}."
    got = got.set_index("customer_id").loc[source["customer_id"]]
    wrong = int((got["risk"].to_numpy() != _labels(base_model, source[list(features)], threshold)).sum())
    assert wrong == 0, f"{wrong} of {len(got)} risk labels differ from the registered risk model's."


@exercise("07.score_batch", domain="Databricks Machine Learning", objective="1.9", hints=[
    "keys_df = spark.createDataFrame(to_score[['customer_id']]): the primary key only.",
    "fe.score_batch(model_uri=f'models:/{FS_MODEL_NAME}/{fs_version}', df=keys_df) looks the features up itself.",
])
def check_score_batch(fs_predictions, keys_df, model, feature_table, features, expected_ids):
    from pyspark.sql import DataFrame

    assert isinstance(keys_df, DataFrame), "keys_df should be a Spark DataFrame."
    assert keys_df.columns == ["customer_id"], \
        f"keys_df should hold the primary key only, not {[c for c in keys_df.columns if c != 'customer_id']}: " \
        "the model looks its features up."
    assert isinstance(fs_predictions, DataFrame), "fs_predictions should be the DataFrame fe.score_batch returns."
    assert "prediction" in fs_predictions.columns, "fs_predictions has no 'prediction' column: use fe.score_batch."
    got = fs_predictions.select("customer_id", "prediction").toPandas()
    assert set(got["customer_id"]) == set(expected_ids) and got["customer_id"].is_unique, \
        "fs_predictions should have one row for each customer in to_score."
    offline = fs_predictions.sparkSession.table(feature_table).toPandas().set_index("customer_id").loc[got["customer_id"]]
    _same_predictions(got["prediction"], model.predict(offline[list(features)]), "fs_predictions")


def _dropped_by_expectations(spark, dataset: str) -> int | None:
    """How many records ``dataset``'s drop expectations dropped over all runs; None if it has only
    warning expectations. A dataset without expectations fails in words.

    The platforms differ here, so each reads its own record. Databricks counts expectations in the
    pipeline's event log, read with the ``event_log`` table-valued function (each ``flow_progress``
    event's ``data_quality``). Open-source pipelines have no event log; localbricks' pipeline runs
    record the counts beside each dataset, read with its documented ``expectation_metrics``.
    """
    import localbricks

    missing = "clean_events has no expectations: decorate it with @dp.expect_or_drop."
    if localbricks.on_databricks():
        import json

        events = spark.sql(f"SELECT details:flow_progress.data_quality AS dq FROM event_log(TABLE({dataset})) "
                           "WHERE event_type = 'flow_progress' AND details:flow_progress.data_quality IS NOT NULL")
        quality = [json.loads(row.dq) for row in events.collect()]
        assert quality, missing
        dropped = sum(int(q.get("dropped_records") or 0) for q in quality)
        failed = sum(int(e.get("failed_records") or 0) for q in quality for e in q.get("expectations") or [])
        return None if failed and not dropped else dropped
    from localbricks.pipelines import expectation_metrics  # the local record; see the docstring

    try:
        metrics = expectation_metrics(spark, dataset).collect()
    except localbricks.LocalbricksError:
        raise AssertionError(missing) from None
    drops = [m.dropped_records for m in metrics if m.action == "drop"]
    return max(drops) if drops else None


@exercise("07.streaming_pipeline", domain=DOMAIN, objective="4.4", hints=[
    "clean_events: @dp.table, then @dp.expect_or_drop('valid_event', <rule>) under it, returning spark.readStream "
    "…format('csv').option('header', 'true').schema(…).load(landing).",
    "The rule and the other settings come from spark.conf.get('events.valid_rule'), 'events.schema', 'events.landing', "
    "'events.model_uri', 'events.features'.",
    "scored_events: spark.readStream.table('clean_events').select('*', predict_udf(*FEATURES).alias('prediction')).",
])
def check_streaming_pipeline(spark, schema, landing, event_schema, valid_rule, model, features):
    for table in ("clean_events", "scored_events"):
        assert spark.catalog.tableExists(f"{schema}.{table}"), \
            f"There is no {schema}.{table}: define it in PIPELINE_SOURCE and run the pipeline."
    valid = _valid_events(spark, landing, event_schema, valid_rule)
    total = spark.read.format("csv").option("header", "true").schema(event_schema).load(str(landing)).count()
    _scored_table_matches(spark.table(f"{schema}.scored_events").toPandas(), valid, model, features,
                          f"{schema}.scored_events")
    dropped = _dropped_by_expectations(spark, f"{schema}.clean_events")
    assert dropped is not None, "clean_events' expectation only warns: use @dp.expect_or_drop so malformed events are dropped."
    assert dropped == total - len(valid), \
        "The expectation dropped a different number of events than break the valid-event rule: use the given rule."


@exercise("07.foreach_batch", domain=DOMAIN, objective="4.4", hints=[
    "def score_and_append(batch_df, batch_id): batch_df.filter(VALID_EVENT).withColumn('prediction', "
    "predict_udf(*FEATURES)).write.mode('append').saveAsTable(FOREACH_TABLE)",
    "events_stream.writeStream.foreachBatch(score_and_append).option('checkpointLocation', FOREACH_CHECKPOINT)"
    ".trigger(availableNow=True).start(), then .awaitTermination() on the query.",
])
def check_foreach_batch(spark, table, checkpoint, landing, event_schema, valid_rule, model, features):
    assert spark.catalog.tableExists(table), f"There is no {table}: append each micro-batch to it with saveAsTable."
    offsets = Path(checkpoint) / "offsets"
    assert offsets.is_dir() and any(offsets.iterdir()), \
        "The checkpoint folder has no offsets: run a streaming query with option('checkpointLocation', FOREACH_CHECKPOINT)."
    valid = _valid_events(spark, landing, event_schema, valid_rule)
    _scored_table_matches(spark.table(table).toPandas(), valid, model, features, table)


@exercise("07.deployment_modes", domain=DOMAIN, objective="4.1", hints=[
    "Who waits for the answer? A person or service waiting on this one request means real-time.",
    "A continuous flow of events needing answers within seconds, at volume, means streaming (Declarative Pipelines).",
    "A result read later from a table, on a schedule, means batch.",
])
def check_deployment_modes(deployment_answers):
    """Graded from the question bank: the items of quiz("07.deployment_modes") and their keys."""
    check_quiz("07.deployment_modes", deployment_answers, variable="deployment_answers")

"""log_model and score_batch: a model that carries its feature spec, scored from keys alone."""
import datetime as dt
import uuid

import mlflow
import mlflow.sklearn
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.tree import DecisionTreeClassifier

from localbricks.feature_store import FeatureEngineeringClient, FeatureLookup, FeatureStoreError
from localbricks.feature_store.lineage import table_lineage

pytestmark = pytest.mark.spark
D = dt.datetime


@pytest.fixture(scope="module")
def registry():
    """These tests use the tracking store's own registry, whatever another test left set."""
    previous = mlflow.get_registry_uri()
    mlflow.set_registry_uri(mlflow.get_tracking_uri())
    yield
    mlflow.set_registry_uri(previous)


@pytest.fixture(scope="module")
def trained(spark, fe, registry):
    """Two feature tables (one point-in-time), a tree trained on them, logged and registered as version 1."""
    suffix = uuid.uuid4().hex[:8]
    profile, activity = f"main.fs_tests.profile_{suffix}", f"main.fs_tests.events_{suffix}"
    fe.create_table(name=profile, primary_keys="cid", df=spark.createDataFrame(
        [("c1", 1.0), ("c2", 5.0), ("c3", 9.0)], "cid string, tenure double"))
    fe.create_table(name=activity, primary_keys=["cid", "ts"], timestamp_keys="ts", df=spark.createDataFrame(
        [("c1", D(2025, 1, 1), 3), ("c1", D(2025, 3, 1), 0), ("c2", D(2025, 1, 1), 8), ("c3", D(2025, 2, 1), 1)],
        "cid string, ts timestamp, logins int"))
    labels = spark.createDataFrame([("c1", D(2025, 2, 1), 0), ("c2", D(2025, 2, 1), 1), ("c3", D(2025, 2, 2), 1),
                                    ("c1", D(2025, 3, 2), 1)], "cid string, at timestamp, churned int")
    lookups = [FeatureLookup(table_name=profile, lookup_key="cid"),
               FeatureLookup(table_name=activity, lookup_key="cid", timestamp_lookup_key="at")]
    training = fe.create_training_set(df=labels, feature_lookups=lookups, label="churned", exclude_columns=["cid", "at"])
    frame = training.load_df().toPandas()
    model = DecisionTreeClassifier(random_state=0).fit(frame[["tenure", "logins"]], frame["churned"])
    name = f"main.fs_tests.churn_{suffix}"
    info = fe.log_model(model=model, artifact_path="model", flavor=mlflow.sklearn, training_set=training,
                        registered_model_name=name)
    MlflowClient().set_registered_model_alias(name, "champion", info.registered_model_version)
    return dict(name=name, info=info, model=model, profile=profile, activity=activity, training=training)


def test_log_register_load_predict_round_trip_of_a_tree_model(trained):
    """A tree model survives log -> register -> load -> predict (skops would refuse it untrusted)."""
    assert trained["info"].registered_model_version == 1  # the tracking store's own registry: an int
    loaded = mlflow.pyfunc.load_model(f"models:/{trained['name']}/1")
    # features given: no lookups needed; logins is an int column of the feature table, so int32 (the signature's type)
    frame = pd.DataFrame({"cid": ["c1"], "tenure": [1.0], "logins": pd.Series([3], dtype="int32")})
    assert list(loaded.predict(frame)) == list(trained["model"].predict(frame[["tenure", "logins"]]))
    as_double = loaded.predict(frame, params={"result_type": "double"})  # the signature's param, as score_batch's
    assert as_double.dtype == "float64" and list(as_double) == list(loaded.predict(frame).astype(float))
    flavors = mlflow.models.get_model_info(f"models:/{trained['name']}/1").flavors
    assert "python_function" in flavors


@pytest.mark.parametrize("uri", ["models:/{name}/1", "models:/{name}@champion"])
def test_score_batch_looks_features_up_point_in_time_from_keys_alone(spark, fe, trained, uri):
    df = spark.createDataFrame([("c1", D(2025, 2, 15)), ("c1", D(2025, 3, 15)), ("c2", D(2025, 1, 2))], "cid string, at timestamp")
    scored = fe.score_batch(model_uri=uri.format(name=trained["name"]), df=df).toPandas()
    assert list(scored.columns) == ["cid", "at", "tenure", "logins", "prediction"]
    assert scored.logins.tolist() == [3, 0, 8]  # c1 on Feb 15 sees January's row, not March's
    expected = trained["model"].predict(scored[["tenure", "logins"]]).astype(float)
    assert scored.prediction.tolist() == expected.tolist()


def test_score_batch_uses_features_given_in_df_and_casts_the_result(spark, fe, trained):
    df = spark.createDataFrame([("c1", D(2025, 2, 15), 9.0)], "cid string, at timestamp, tenure double")
    scored = fe.score_batch(model_uri=f"models:/{trained['name']}/1", df=df, result_type="int").first()
    assert (scored.tenure, scored.logins) == (9.0, 3)
    assert scored.prediction == int(trained["model"].predict(pd.DataFrame({"tenure": [9.0], "logins": [3]}))[0])
    empty = fe.score_batch(model_uri=f"models:/{trained['name']}/1", df=df.limit(0))
    assert empty.count() == 0 and "prediction" in empty.columns


def test_lineage_records_the_registered_version(spark, trained):
    expected = f"models:/{trained['name']}/1"
    assert table_lineage(trained["profile"], spark).models == [expected]
    assert table_lineage(trained["activity"], spark).models == [expected]


def test_serving_predict_from_keys_uses_the_online_tables(spark, fe, trained):
    loaded = mlflow.pyfunc.load_model(f"models:/{trained['name']}/1")
    keys = pd.DataFrame({"cid": ["c1", "c2"], "at": [pd.Timestamp("2025-06-01")] * 2})
    with pytest.raises(FeatureStoreError, match="not published to an online store"):
        loaded.predict(keys)
    store = fe.create_online_store(name=f"serve-{uuid.uuid4().hex[:8]}")
    for table in (trained["profile"], trained["activity"]):
        fe.publish_table(online_store=store, source_table_name=table, online_table_name=table + "_online")
    latest = pd.DataFrame({"tenure": [1.0, 5.0], "logins": [0, 8]})  # online tables serve the latest row per key
    assert list(loaded.predict(keys)) == list(trained["model"].predict(latest))


def test_an_input_example_can_be_inferred_and_a_registry_uri_given(spark, fe, trained):
    client = FeatureEngineeringClient(model_registry_uri=mlflow.get_tracking_uri())
    info = client.log_model(model=trained["model"], artifact_path="model", flavor=mlflow.sklearn,
                            training_set=trained["training"], registered_model_name=trained["name"],
                            infer_input_example=True)
    assert info.registered_model_version == 2
    # "at" is excluded and not a lookup key, so it is not an input; "cid" is excluded but is one
    assert info.signature.inputs.required_input_names() == ["cid"]
    example = mlflow.models.Model.load(info.model_uri).load_input_example(info.model_uri)
    assert list(example) == ["cid"] and example["cid"] in {"c1", "c2", "c3"}  # the first training row's key


def test_score_batch_bad_input(spark, fe, trained, registry):
    uri = f"models:/{trained['name']}/1"
    keys_only = spark.createDataFrame([("c1",)], "cid string")
    with pytest.raises(FeatureStoreError, match="'at' not found in df"):
        fe.score_batch(model_uri=uri, df=keys_only)
    with pytest.raises(FeatureStoreError, match="Spark DataFrame"):
        fe.score_batch(model_uri=uri, df=pd.DataFrame({"cid": ["c1"]}))
    with pytest.raises(FeatureStoreError, match="Could not load the model"):
        fe.score_batch(model_uri=f"models:/{trained['name']}/99", df=keys_only)
    with pytest.raises(FeatureStoreError, match="model_uri must be"):
        fe.score_batch(model_uri=None, df=keys_only)
    with mlflow.start_run():
        plain = mlflow.sklearn.log_model(trained["model"], name="plain", serialization_format="cloudpickle",
                                         pip_requirements=["scikit-learn"])
    with pytest.raises(FeatureStoreError, match="not logged with fe.log_model"):
        fe.score_batch(model_uri=plain.model_uri, df=keys_only)


@pytest.mark.parametrize("change, message", [
    (dict(flavor="mlflow.sklearn"), "flavor must be an MLflow flavor"),
    (dict(training_set=None), "training_set must be the TrainingSet"),
    (dict(artifact_path=""), "artifact_path must be"),
    (dict(registered_model_name=" "), "registered_model_name must be"),
])
def test_log_model_bad_input_logs_nothing(fe, trained, change, message):
    runs = len(mlflow.search_runs(search_all_experiments=True))
    arguments = {**dict(model=trained["model"], artifact_path="model", flavor=mlflow.sklearn,
                        training_set=trained["training"]), **change}
    with pytest.raises(FeatureStoreError, match=message):
        fe.log_model(**arguments)
    assert len(mlflow.search_runs(search_all_experiments=True)) == runs


def test_a_model_fitted_on_columns_the_training_set_lacks_is_refused(fe, trained):
    other = DecisionTreeClassifier().fit(pd.DataFrame({"age": [1, 2]}), [0, 1])
    with pytest.raises(FeatureStoreError, match="'age' that the training set does not provide"):
        fe.log_model(model=other, artifact_path="model", flavor=mlflow.sklearn, training_set=trained["training"])

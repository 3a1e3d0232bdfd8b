"""A Feature Engineering model served in real time: features looked up online from keys alone, and the
refusal, with its reason, when a feature table has no online table."""
import uuid

import pytest
from databricks.sdk.errors import OperationFailed
from databricks.sdk.service.serving import EndpointStateConfigUpdate, ServedModelStateDeployment

from serving_support import core_config, entity

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def fs_model(spark, service):
    import mlflow
    from sklearn.linear_model import LogisticRegression

    from localbricks.feature_store import FeatureEngineeringClient, FeatureLookup

    spark.sql("CREATE SCHEMA IF NOT EXISTS main.serving_fs")
    suffix = uuid.uuid4().hex[:8]
    fe = FeatureEngineeringClient()
    table = f"main.serving_fs.profile_{suffix}"
    rows = [("c1", 2.0, 1.0), ("c2", 30.0, 9.0), ("c3", 5.0, 2.0), ("c4", 40.0, 7.0)]
    fe.create_table(name=table, primary_keys="cid", df=spark.createDataFrame(rows, "cid string, tenure double, visits double"))
    labels = spark.createDataFrame([("c1", 1), ("c2", 0), ("c3", 1), ("c4", 0)], "cid string, churned int")
    training = fe.create_training_set(df=labels, feature_lookups=[FeatureLookup(table_name=table, lookup_key="cid")],
                                      label="churned", exclude_columns=["cid"])
    frame = training.load_df().toPandas()
    model = LogisticRegression().fit(frame[["tenure", "visits"]], frame["churned"])
    name = f"main.serving_fs.churn_{suffix}"
    mlflow.set_registry_uri("databricks-uc")
    info = fe.log_model(model=model, artifact_path="model", flavor=mlflow.sklearn, training_set=training,
                        registered_model_name=name, infer_input_example=True)
    return dict(fe=fe, table=table, name=name, version=str(info.registered_model_version), model=model, rows=rows)


def test_serving_needs_an_online_table_then_looks_features_up_from_keys(w, fs_model, new_endpoint):
    import pandas as pd

    name = new_endpoint("fs")
    model = (fs_model["name"], fs_model["version"])
    with pytest.raises(OperationFailed):
        w.serving_endpoints.create_and_wait(name=name, config=core_config(name, entity(model, "churn")))
    ep = w.serving_endpoints.get(name)
    assert ep.state.config_update == EndpointStateConfigUpdate.UPDATE_FAILED
    failed = ep.pending_config.served_entities[0].state
    assert failed.deployment == ServedModelStateDeployment.DEPLOYMENT_FAILED
    assert "online table" in failed.deployment_state_message and fs_model["table"] in failed.deployment_state_message
    assert "online table" in w.serving_endpoints.build_logs(name, "churn").logs

    fe = fs_model["fe"]
    store = fe.create_online_store(name=f"serve-{uuid.uuid4().hex[:8]}")
    fe.publish_table(online_store=store, source_table_name=fs_model["table"],
                     online_table_name=fs_model["table"] + "_online")
    w.serving_endpoints.update_config_and_wait(name=name, served_entities=[entity(model, "churn")])
    answer = w.serving_endpoints.query(name=name, dataframe_records=[{"cid": "c2"}, {"cid": "c3"}])
    features = pd.DataFrame([r[1:] for r in fs_model["rows"] if r[0] in ("c2", "c3")], columns=["tenure", "visits"])
    assert answer.predictions == fs_model["model"].predict(features).tolist()
    assert answer.served_model_name == "churn"

"""Both sides of every notebook-08 check, against real endpoints of the test workspace's serving service.

Endpoints are made with the real SDK, as a learner makes them; the checks read them back through
the SDK's public API only. Custom models are logged as MLflow "models from code", so the service
process can load them without importing this test module.
"""
import json
import textwrap
import threading
import time
import uuid
from collections import Counter

import mlflow
import numpy as np
import pandas as pd
import pytest
import requests
from databricks.sdk.service.serving import AutoCaptureConfigInput, Route, TrafficConfig

from grader.checks import serving as checks
from grader.testing import assert_check_failed, assert_check_passed
from quiz_support import assert_quiz_graded_from_bank
from tests_support import churn_customers
from serving_support import auth_headers, core_config, entity, invocations_url

pytestmark = pytest.mark.spark

SCHEMA = "check_serving"
FEATURES = ["tenure_months", "monthly_spend"]
THRESHOLD = 0.4
_RISK_MODEL = """
import pickle
import mlflow

class Risk(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        with open(context.artifacts["model_path"], "rb") as f:
            self.model = pickle.load(f)
        self.threshold = float(context.model_config["threshold"])
        self.by_class = bool(context.model_config.get("by_class"))
    def predict(self, context, model_input, params=None):
        if self.by_class:  # the guide's rule taken literally: a threshold on the 0/1 class
            return ["high_risk" if v > 0.7 else "low_risk" for v in self.model.predict(model_input)]
        p = self.model.predict_proba(model_input)[:, 1]
        return ["high_risk" if v >= self.threshold else "low_risk" for v in p]

mlflow.models.set_model(Risk())
"""


@pytest.fixture(scope="module")
def customers():
    return churn_customers(seed=8)


@pytest.fixture(scope="module")
def sample(customers):
    return customers[FEATURES].head(20).reset_index(drop=True)


def _fit(customers, features=FEATURES, C=1.0):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, class_weight="balanced", max_iter=1000)).fit(
        customers[features], customers.churned)


def _log_sklearn(model, customers, name):
    from mlflow.models import infer_signature

    X = customers[FEATURES]
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(model, name="model", serialization_format="cloudpickle",
                                        signature=infer_signature(X, model.predict(X)),
                                        pip_requirements=["scikit-learn"], registered_model_name=name)
    return str(info.registered_model_version)


@pytest.fixture(scope="module")
def churn(spark, uc, service, customers):
    """A registered churn model: champion (v1) and challenger (v2), each a (name, version) pair."""
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS main.{SCHEMA}")
    name = f"main.{SCHEMA}.churn_{uuid.uuid4().hex[:6]}"
    champion = _fit(customers)
    v1 = _log_sklearn(champion, customers, name)
    v2 = _log_sklearn(_fit(customers, C=0.01), customers, name)
    uc.set_registered_model_alias(name, "champion", v1)
    uc.set_registered_model_alias(name, "challenger", v2)
    return {"name": name, "champion": (name, v1), "challenger": (name, v2), "model": champion}


def _capture(prefix):
    return AutoCaptureConfigInput(catalog_name="main", schema_name=SCHEMA, table_name_prefix=prefix)


@pytest.fixture(scope="module")
def served(w, churn):
    """An endpoint as exercise 08.create_endpoint asks for it: the champion, named 'champion', with an inference table."""
    name = f"check-serve-{uuid.uuid4().hex[:8]}"
    prefix = name.replace("-", "_")
    w.serving_endpoints.create_and_wait(name=name, config=core_config(name, entity(churn["champion"], "champion"),
                                                                      capture=_capture(prefix)))
    yield {"name": name, "table": f"main.{SCHEMA}.{prefix}_payload"}
    w.serving_endpoints.delete(name)


def _create(w, name, *entities, **kwargs):
    w.serving_endpoints.create_and_wait(name=name, config=core_config(name, *entities, **kwargs))
    return name


# ---------------------------------------------------------------------------- 4.5 create and query

def test_create_endpoint(w, churn, served, new_endpoint):
    model = churn["name"]
    assert_check_passed(checks.check_create_endpoint, served["name"], model, served["table"])
    assert_check_failed(checks.check_create_endpoint, new_endpoint("missing"), model, served["table"],
                        match="no serving endpoint named")
    assert_check_failed(checks.check_create_endpoint, served["name"], model, f"main.{SCHEMA}.elsewhere_payload",
                        match="another table than INFERENCE_TABLE")
    by_version = _create(w, new_endpoint("v2"), entity(churn["challenger"], "champion"), capture=_capture("x"))
    assert_check_failed(checks.check_create_endpoint, by_version, model, f"main.{SCHEMA}.x_payload",
                        match="champion alias points at")
    unnamed = _create(w, new_endpoint("unnamed"), entity(churn["champion"]), capture=_capture("x"))
    assert_check_failed(checks.check_create_endpoint, unnamed, model, f"main.{SCHEMA}.x_payload",
                        match="Name the served entity 'champion'")
    no_log = _create(w, new_endpoint("nolog"), entity(churn["champion"], "champion"))
    assert_check_failed(checks.check_create_endpoint, no_log, model, f"main.{SCHEMA}.x_payload", match="logs no requests")


def test_create_endpoint_that_failed_to_load_says_where_to_read_why(w, churn, new_endpoint):
    from databricks.sdk.errors import OperationFailed

    name = new_endpoint("broken")
    with pytest.raises(OperationFailed):
        _create(w, name, entity((churn["name"], "99"), "champion"))
    assert_check_failed(checks.check_create_endpoint, name, churn["name"], "main.x.y_payload",
                        match="deployment_state_message")


def test_query_rest(served, sample):
    response = requests.post(invocations_url(served["name"]), headers=auth_headers(),
                             json={"dataframe_split": sample.to_dict(orient="split")})
    right = response.json()["predictions"]
    assert 0 < sum(right) < len(right)  # both classes, so a constant answer is wrong
    assert_check_passed(checks.check_query_rest, served["name"], sample, right)
    assert_check_passed(checks.check_query_rest, served["name"], sample, np.array(right))
    assert_check_failed(checks.check_query_rest, served["name"], sample, [0] * len(right), match="differ from")
    assert_check_failed(checks.check_query_rest, served["name"], sample, right[:5], match="5 predictions for 20 rows")
    assert_check_failed(checks.check_query_rest, served["name"], sample, response, match="HTTP response itself")
    assert_check_failed(checks.check_query_rest, served["name"], sample, response.json(), match="whole response body")


# ---------------------------------------------------------------------------- 4.2 custom model

@pytest.fixture(scope="module")
def risk(uc, service, customers, churn, tmp_path_factory):
    """The risk model registered as v1 (right rule), v2 (the guide's class rule) and v3 (plain scikit-learn)."""
    import pickle

    from mlflow.models import infer_signature

    tmp = tmp_path_factory.mktemp("risk")
    (tmp / "risk.py").write_text(textwrap.dedent(_RISK_MODEL), encoding="utf-8")
    (tmp / "model.pkl").write_bytes(pickle.dumps(churn["model"]))
    name = f"main.{SCHEMA}.risk_{uuid.uuid4().hex[:6]}"
    signature = infer_signature(customers[FEATURES], np.array(["low_risk", "high_risk"]))
    versions = {}
    for key, by_class in (("right", False), ("by_class", True)):
        with mlflow.start_run():
            info = mlflow.pyfunc.log_model(name="risk", python_model=str(tmp / "risk.py"), signature=signature,
                                           artifacts={"model_path": str(tmp / "model.pkl")},
                                           model_config={"threshold": THRESHOLD, "by_class": by_class},
                                           pip_requirements=["scikit-learn"], registered_model_name=name)
        versions[key] = (name, str(info.registered_model_version))
    versions["plain"] = (name, _log_sklearn(churn["model"], customers, name))
    return name, versions


def test_custom_pyfunc_endpoint(w, risk, churn, sample, new_endpoint):
    name, versions = risk
    model = churn["model"]
    p = model.predict_proba(sample)[:, 1]
    assert ((p >= THRESHOLD) & (p < 0.5)).any(), "the class rule must label some rows differently from the threshold"
    right_ep = _create(w, new_endpoint("risk"), entity(versions["right"]))
    labels = w.serving_endpoints.query(name=right_ep, dataframe_records=sample.to_dict(orient="records")).predictions
    assert {"high_risk", "low_risk"} <= set(labels)
    assert_check_passed(checks.check_custom_pyfunc_endpoint, right_ep, name, labels, sample, model, THRESHOLD)
    flipped = ["low_risk" if v == "high_risk" else "high_risk" for v in labels]
    assert_check_failed(checks.check_custom_pyfunc_endpoint, right_ep, name, flipped, sample, model, THRESHOLD,
                        match="risk_labels differ")
    assert_check_failed(checks.check_custom_pyfunc_endpoint, right_ep, f"{name}_other", labels, sample, model,
                        THRESHOLD, match="does not serve")
    by_class = _create(w, new_endpoint("class"), entity(versions["by_class"]))
    assert_check_failed(checks.check_custom_pyfunc_endpoint, by_class, name, labels, sample, model, THRESHOLD,
                        match="labels .* rows wrongly")
    plain = _create(w, new_endpoint("plain"), entity(versions["plain"]))
    assert_check_failed(checks.check_custom_pyfunc_endpoint, plain, name, labels, sample, model, THRESHOLD,
                        match="custom PythonModel")


# ---------------------------------------------------------------------------- 4.6 traffic

def _split(w, name, churn, routes):
    w.serving_endpoints.update_config_and_wait(
        name=name, served_entities=[entity(churn["champion"], "champion"), entity(churn["challenger"], "challenger")],
        traffic_config=TrafficConfig(routes=[Route(served_model_name=n, traffic_percentage=p) for n, p in routes.items()]))


@pytest.fixture(scope="module")
def ab(w, churn):
    """An endpoint serving champion and challenger at 90/10."""
    name = f"check-ab-{uuid.uuid4().hex[:8]}"
    _create(w, name, entity(churn["champion"], "champion"))
    _split(w, name, churn, {"champion": 90, "challenger": 10})
    yield name
    w.serving_endpoints.delete(name)


SPLIT = {"champion": 90, "challenger": 10}


def test_traffic_split(w, churn, ab, served, new_endpoint):
    assert_check_passed(checks.check_traffic_split, ab, churn["name"], SPLIT)
    assert_check_failed(checks.check_traffic_split, served["name"], churn["name"], SPLIT,
                        match="no served entity named 'challenger'")
    even = _create(w, new_endpoint("even"), entity(churn["champion"], "champion"))
    _split(w, even, churn, {"champion": 50, "challenger": 50})
    message = assert_check_failed(checks.check_traffic_split, even, churn["name"], SPLIT, match="do not split")
    assert "90" not in message and "10" not in message
    swapped = _create(w, new_endpoint("swapped"), entity(churn["challenger"], "champion"),
                      entity(churn["champion"], "challenger"), routes=SPLIT)
    assert_check_failed(checks.check_traffic_split, swapped, churn["name"], SPLIT, match="'champion' alias points at")


def test_observed_split(w, ab, sample):
    one_row = json.loads(sample.head(1).to_json(orient="records"))
    n = 200
    counts = Counter(w.serving_endpoints.query(name=ab, dataframe_records=one_row).served_model_name for _ in range(n))
    shares = {k: 100 * v / n for k, v in counts.items()}
    assert_check_passed(checks.check_observed_split, ab, counts, shares, n)
    assert_check_failed(checks.check_observed_split, ab, {"champion": n}, {"champion": 100.0}, n,
                        match="far from its traffic_percentage")
    assert_check_failed(checks.check_observed_split, ab, counts, {k: v / n for k, v in counts.items()}, n,
                        match="percentages")
    off_by_five = {"champion": shares.get("champion", 0) - 5, "challenger": shares.get("challenger", 0) + 5}
    assert_check_failed(checks.check_observed_split, ab, counts, off_by_five, n, match="not the share of served_counts")
    assert_check_failed(checks.check_observed_split, ab, counts, shares, 1000, match="send N_REQUESTS")
    assert_check_failed(checks.check_observed_split, ab, {**counts, "nobody": 0}, shares, n, match="does not serve now")


def _loop(name, body, stop, results):
    with requests.Session() as session:
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline:
            answer = session.post(invocations_url(name), json=body, headers=auth_headers(), timeout=30)
            results[(answer.status_code, answer.headers.get("served-model-name"))] += 1


def test_promote(w, uc, churn, sample, new_endpoint):
    name, (_, v1), (_, v2) = churn["name"], churn["champion"], churn["challenger"]
    ep = _create(w, new_endpoint("promote"), entity(churn["champion"], "champion"))
    _split(w, ep, churn, SPLIT)
    probe = sample.head(1)
    results, stop = Counter(), threading.Event()
    loop = threading.Thread(target=_loop, args=(ep, {"dataframe_records": json.loads(probe.to_json(orient="records"))},
                                                stop, results))
    loop.start()
    try:
        assert_check_failed(checks.check_promote, ep, name, v2, {(200, "champion"): 3}, probe,
                            match="champion alias does not point")
        uc.set_registered_model_alias(name, "champion", v2)
        assert_check_failed(checks.check_promote, ep, name, v2, {(200, "champion"): 3}, probe,
                            match="does not send all of its traffic")
        _split(w, ep, churn, {"champion": 0, "challenger": 100})
        deadline = time.monotonic() + 30
        while results[(200, "challenger")] < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        loop.join()
    try:
        assert_check_passed(checks.check_promote, ep, name, v2, results, probe)
        assert_check_failed(checks.check_promote, ep, name, v2, {**results, (503, None): 2}, probe,
                            match="2 of .* requests failed")
        assert_check_failed(checks.check_promote, ep, name, v2, {(200, "champion"): 9}, probe,
                            match="No request of the loop")
        assert_check_failed(checks.check_promote, ep, name, v2, Counter(), probe, match="loop's results")
    finally:
        uc.set_registered_model_alias(name, "champion", v1)


# ---------------------------------------------------------------------------- 4.5 feature store, inference table

@pytest.fixture(scope="module")
def fs(spark, uc, service, customers):
    from databricks.feature_engineering import FeatureEngineeringClient, FeatureLookup

    fe = FeatureEngineeringClient()
    suffix = uuid.uuid4().hex[:6]
    table = f"main.{SCHEMA}.features_{suffix}"
    fe.create_table(name=table, primary_keys=["customer_id"],
                    df=spark.createDataFrame(customers[["customer_id", *FEATURES]]))
    training_set = fe.create_training_set(df=spark.createDataFrame(customers[["customer_id", "churned"]]),
                                          feature_lookups=[FeatureLookup(table_name=table, lookup_key="customer_id")],
                                          label="churned", exclude_columns=["customer_id"])
    frame = training_set.load_df().toPandas()
    model = _fit(frame)
    name = f"main.{SCHEMA}.fs_{suffix}"
    with mlflow.start_run():
        info = fe.log_model(model=model, artifact_path="model", flavor=mlflow.sklearn, training_set=training_set,
                            registered_model_name=name)
    return {"fe": fe, "table": table, "name": name, "version": str(info.registered_model_version), "model": model}


def test_feature_store_endpoint(spark, w, fs, customers, new_endpoint):
    from databricks.sdk.errors import OperationFailed

    name, fe = fs["name"], fs["fe"]
    fs_entity = entity((name, fs["version"]), "features")
    offline_only = new_endpoint("fs")
    with pytest.raises(OperationFailed):
        _create(w, offline_only, fs_entity)
    request = [{"customer_id": c} for c in customers.customer_id.head(20)]
    assert_check_failed(checks.check_feature_store_endpoint, spark, offline_only, name, request, [0] * 20,
                        ["customer_id"], match="config update .* failed")

    store = fe.create_online_store(name=f"check-{uuid.uuid4().hex[:8]}", capacity="CU_1")
    fe.publish_table(online_store=store, source_table_name=fs["table"], online_table_name=f"{fs['table']}_online")
    w.serving_endpoints.update_config_and_wait(name=offline_only, served_entities=[fs_entity])
    right = w.serving_endpoints.query(name=offline_only, dataframe_records=request).predictions
    assert 0 < sum(right) < len(right)
    assert_check_passed(checks.check_feature_store_endpoint, spark, offline_only, name, request, right, ["customer_id"])

    with_features = json.loads(customers[["customer_id", *FEATURES]].head(20).to_json(orient="records"))
    assert_check_failed(checks.check_feature_store_endpoint, spark, offline_only, name, with_features, right,
                        ["customer_id"], match="send the primary key only")
    assert_check_failed(checks.check_feature_store_endpoint, spark, offline_only, name, request,
                        [1 - p for p in right], ["customer_id"], match="fs_endpoint_predictions")

    # The offline table moves on and the online copy is not synced again: the endpoint answers from stale features.
    changed = customers[["customer_id", *FEATURES]].head(20).assign(tenure_months=0.0, monthly_spend=200.0)
    fe.write_table(name=fs["table"], df=spark.createDataFrame(changed), mode="merge")
    assert_check_failed(checks.check_feature_store_endpoint, spark, offline_only, name, request, right,
                        ["customer_id"], match="online features should match the offline table")


def _wait_for_marker(spark, table, marker, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if spark.catalog.tableExists(table) and spark.table(table).where(f"client_request_id = '{marker}'").count():
            return
        time.sleep(0.3)
    raise AssertionError(f"the marker row never reached {table}")


def test_inference_table(spark, w, served, sample):
    table, one_row = served["table"], json.loads(sample.head(1).to_json(orient="records"))
    requests.post(invocations_url(served["name"]), headers=auth_headers(),
                  json={"dataframe_records": [{"tenure_months": 1.0}]})  # a 400, logged too
    marker = f"marker-{uuid.uuid4().hex[:8]}"
    assert_check_failed(checks.check_inference_table, spark, f"main.{SCHEMA}.nothing_payload", marker,
                        pd.DataFrame(), match="There is no")
    w.serving_endpoints.query(name=served["name"], dataframe_records=one_row, client_request_id=marker)
    _wait_for_marker(spark, table, marker)
    counts = spark.table(table).groupBy("served_entity_id", "status_code").count()
    right = counts.toPandas()
    assert set(right.status_code) == {200, 400}
    assert_check_passed(checks.check_inference_table, spark, table, marker, right)
    assert_check_passed(checks.check_inference_table, spark, table, marker, counts)  # a Spark DataFrame will do
    assert_check_failed(checks.check_inference_table, spark, table, "never-sent", right, match="no row with the MARKER")
    assert_check_failed(checks.check_inference_table, spark, table, marker, right[right.status_code == 200],
                        match="one row per")
    early = right.assign(count=right["count"] - (right.status_code == 200).astype(int))
    assert_check_failed(checks.check_inference_table, spark, table, marker, early, match="counts .* differ")
    assert_check_failed(checks.check_inference_table, spark, table, marker, right.drop(columns="count"),
                        match="no count column")


# ---------------------------------------------------------------------------- 4.1 quiz

def test_serving_quiz():
    assert_quiz_graded_from_bank(checks.check_serving_quiz, "08.serving_quiz")

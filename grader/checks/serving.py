"""Checks for notebook 08, real-time serving.

Every check reads the learner's endpoints the way a Databricks user would: through the SDK's public
API (``WorkspaceClient().serving_endpoints.get`` and ``.query``), aliases through ``MlflowClient``,
the inference table through Spark, feature-store expectations through ``fe.score_batch``. Nothing
here imports localbricks, so the same checks grade an endpoint on a Databricks workspace. Where a
learner reports what an endpoint answered, the check asks the endpoint again itself and compares.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

from grader import exercise
from grader.answer_key import check_quiz
from grader.checks._sdk import enum_value, workspace_client

DOMAIN = "Model Deployment"


# ---- helpers -----------------------------------------------------------------------------------

def _endpoint(name: str):
    """The endpoint as ``serving_endpoints.get`` returns it, or a teaching AssertionError."""
    from databricks.sdk.errors import NotFound

    try:
        return workspace_client().serving_endpoints.get(name)
    except NotFound:
        raise AssertionError(f"There is no serving endpoint named '{name}' yet: create it with "
                             "w.serving_endpoints.create_and_wait(name=..., config=...).") from None


def _ready(endpoint) -> None:
    """The endpoint serves its current config and no update is pending or failed."""
    state = endpoint.state
    update = enum_value(state.config_update) if state else None
    assert update != "UPDATE_FAILED", (
        f"The last config update of '{endpoint.name}' failed: read why in "
        "w.serving_endpoints.get(name).pending_config.served_entities[0].state.deployment_state_message.")
    assert update != "IN_PROGRESS", (
        f"'{endpoint.name}' is still updating: wait for it (create_and_wait / update_config_and_wait), "
        "then run this check again.")
    assert state and enum_value(state.ready) == "READY" and endpoint.config is not None, \
        f"'{endpoint.name}' is not READY: it has no config that serves requests yet."


def _entities(endpoint) -> dict:
    """Served entity name → (model name, version) of the endpoint's current config."""
    config = endpoint.config
    served = {e.name: (e.entity_name, str(e.entity_version)) for e in config.served_entities or []}
    for m in config.served_models or []:  # the older field, for endpoints made with served_models
        served.setdefault(m.name, (m.model_name, str(m.model_version)))
    return served


def _routes(endpoint) -> dict:
    """Served entity name → traffic percentage of the endpoint's current config."""
    traffic = endpoint.config.traffic_config
    routes = traffic.routes if traffic and traffic.routes else []
    return {r.served_entity_name or r.served_model_name: int(r.traffic_percentage or 0) for r in routes}


def _alias_version(model_name: str, alias: str) -> str:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        return str(MlflowClient().get_model_version_by_alias(model_name, alias).version)
    except MlflowException:
        raise AssertionError(f"{model_name} has no '{alias}' alias.") from None


def _records(frame) -> list[dict]:
    """A pandas DataFrame as the JSON records a query sends (NaN as null, numpy scalars as Python)."""
    import json

    return json.loads(frame.to_json(orient="records"))


def _query(name: str, records: list[dict]):
    """The check's own query: what the endpoint answers for these rows now."""
    return workspace_client().serving_endpoints.query(name=name, dataframe_records=records)


def _as_list(predictions, what: str) -> list:
    """Predictions as a flat list; a whole response or response body gets a pointed message."""
    import numpy as np
    import pandas as pd

    assert predictions is not None, f"{what} is None: keep the predictions the endpoint returned."
    assert not hasattr(predictions, "status_code"), \
        f"{what} is the HTTP response itself: keep response.json()['predictions']."
    if isinstance(predictions, Mapping):
        assert "predictions" not in predictions, \
            f"{what} is the whole response body: keep only its 'predictions' list."
        raise AssertionError(f"{what} should be the list of predictions, not a dict.")
    assert not hasattr(predictions, "predictions"), \
        f"{what} is the QueryEndpointResponse: keep its .predictions."
    if isinstance(predictions, (pd.DataFrame, pd.Series, np.ndarray)):
        return np.asarray(predictions).ravel().tolist()
    assert isinstance(predictions, (list, tuple)), f"{what} should be a list of predictions."
    return list(predictions)


def _same_numbers(got: list, expected: list, what: str, against: str) -> None:
    import numpy as np

    assert len(got) == len(expected), f"{what} holds {len(got)} predictions for {len(expected)} rows."
    try:
        got_arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should hold numbers, the model's predictions.") from None
    wrong = int((~np.isclose(got_arr, np.asarray(expected, dtype=float))).sum())
    assert wrong == 0, f"{wrong} of {len(got)} predictions in {what} differ from {against}."


_PYTHON_MODEL_LOADERS = ("mlflow.pyfunc.model", "mlflow.pyfunc.loaders.code_model")
"""How MLflow loads a PythonModel: pickled with cloudpickle, or written as a "model from code"."""


def _risk_labels(model, features, threshold):
    """What a right custom model answers: 'high_risk' where P(churn) >= threshold."""
    import numpy as np

    probability = model.predict_proba(features)[:, 1]
    return np.where(probability >= threshold, "high_risk", "low_risk").tolist()


# ---- 4.5 create and query ----------------------------------------------------------------------

@exercise("08.create_endpoint", domain=DOMAIN, objective="4.5", hints=[
    "Endpoints serve a version, not an alias: champion_version = client.get_model_version_by_alias(MODEL_NAME, "
    "'champion').version.",
    "config=EndpointCoreConfigInput(name=ENDPOINT_NAME, served_entities=[ServedEntityInput(entity_name=MODEL_NAME, "
    "entity_version=champion_version, name='champion', workload_size='Small', scale_to_zero_enabled=False)], "
    "auto_capture_config=CAPTURE)",
    "endpoint = w.serving_endpoints.create_and_wait(name=ENDPOINT_NAME, config=...) returns once it is READY.",
])
def check_create_endpoint(endpoint_name, model_name, inference_table, served_name="champion"):
    endpoint = _endpoint(endpoint_name)
    _ready(endpoint)
    served = _entities(endpoint)
    assert len(served) == 1, f"'{endpoint_name}' should serve one model for now; it serves {len(served)}."
    (name, (model, version)), = served.items()
    assert model == model_name, f"'{endpoint_name}' serves {model}, not the churn model MODEL_NAME."
    assert version == _alias_version(model_name, "champion"), \
        f"'{endpoint_name}' serves a version other than the one the champion alias points at."
    assert name == served_name, \
        f"Name the served entity '{served_name}' (ServedEntityInput(name=...)): traffic routes refer to it by name."
    capture = endpoint.config.auto_capture_config
    assert capture is not None and capture.catalog_name, \
        "The endpoint logs no requests: pass auto_capture_config=CAPTURE in the config."
    logged_to = f"{capture.catalog_name}.{capture.schema_name}.{capture.table_name_prefix}_payload"
    assert logged_to == inference_table, \
        "The endpoint logs its requests to another table than INFERENCE_TABLE: pass the CAPTURE given."


@exercise("08.query_rest", domain=DOMAIN, objective="4.5", hints=[
    "url = f'{HOST}/serving-endpoints/{ENDPOINT_NAME}/invocations'; headers = {'Authorization': f'Bearer {TOKEN}'}",
    "response = requests.post(url, headers=headers, json={'dataframe_split': query_sample.to_dict(orient='split')})",
    "The body's 'predictions' key holds one prediction per row: rest_predictions = response.json()['predictions'].",
])
def check_query_rest(endpoint_name, sample, rest_predictions):
    got = _as_list(rest_predictions, "rest_predictions")
    endpoint = _endpoint(endpoint_name)
    _ready(endpoint)
    expected = _query(endpoint_name, _records(sample)).predictions
    _same_numbers(got, expected, "rest_predictions", f"what '{endpoint_name}' answers for query_sample")


# ---- 4.2 a custom model behind an endpoint -----------------------------------------------------

@exercise("08.custom_pyfunc_endpoint", domain=DOMAIN, objective="4.2", hints=[
    "mlflow.pyfunc.log_model(name='risk_model', python_model=RiskModel(RISK_THRESHOLD), artifacts={'model_path': "
    "str(MODEL_PKL)}, signature=risk_signature, pip_requirements=REQUIREMENTS, registered_model_name=RISK_MODEL_NAME) "
    "registers it in Unity Catalog.",
    "Serve version risk_info.registered_model_version of RISK_MODEL_NAME on RISK_ENDPOINT with create_and_wait, as "
    "in exercise 08.create_endpoint.",
    "risk_labels = w.serving_endpoints.query(name=RISK_ENDPOINT, dataframe_records=query_sample.to_dict(orient="
    "'records')).predictions",
])
def check_custom_pyfunc_endpoint(endpoint_name, model_name, risk_labels, sample, base_model, threshold):
    import mlflow

    got = _as_list(risk_labels, "risk_labels")
    endpoint = _endpoint(endpoint_name)
    _ready(endpoint)
    served = _entities(endpoint)
    versions = [v for m, v in served.values() if m == model_name]
    assert versions, f"'{endpoint_name}' does not serve {model_name}: serve the registered risk model."
    flavor = mlflow.models.get_model_info(f"models:/{model_name}/{versions[0]}").flavors.get("python_function", {})
    assert flavor.get("loader_module") in _PYTHON_MODEL_LOADERS, \
        "The served model should be the custom PythonModel, logged with mlflow.pyfunc.log_model(python_model=...)."
    expected = _risk_labels(base_model, sample, threshold)
    answered = _as_list(_query(endpoint_name, _records(sample)).predictions, "the endpoint's answer")
    assert set(map(str, answered)) <= {"high_risk", "low_risk"}, \
        f"'{endpoint_name}' answers something other than 'high_risk' / 'low_risk' labels."
    wrong = sum(a != e for a, e in zip(answered, expected))
    assert len(answered) == len(expected) and wrong == 0, \
        f"'{endpoint_name}' labels {wrong} of {len(expected)} rows wrongly: high_risk at or above the threshold."
    assert len(got) == len(expected), f"risk_labels holds {len(got)} labels for {len(expected)} rows of query_sample."
    assert list(map(str, got)) == answered, "risk_labels differ from what the endpoint answers for query_sample."


# ---- 4.6 traffic splitting and promotion -------------------------------------------------------

@exercise("08.traffic_split", domain=DOMAIN, objective="4.6", hints=[
    "Both served entities stay in served_entities; only the routes change.",
    "traffic_config=TrafficConfig(routes=[Route(served_model_name='champion', traffic_percentage=...), "
    "Route(served_model_name='challenger', traffic_percentage=...)])",
    "w.serving_endpoints.update_config_and_wait(name=ENDPOINT_NAME, served_entities=[champion, challenger], "
    "traffic_config=...)",
])
def check_traffic_split(endpoint_name, model_name, split):
    endpoint = _endpoint(endpoint_name)
    _ready(endpoint)
    served, routes = _entities(endpoint), _routes(endpoint)
    for role in split:
        assert role in served, f"'{endpoint_name}' has no served entity named '{role}'."
        model, version = served[role]
        assert model == model_name and version == _alias_version(model_name, role), \
            f"The served entity '{role}' should serve the version the '{role}' alias points at."
    assert sum(routes.values()) == 100, "The traffic percentages of the routes must sum to 100."
    assert {n: p for n, p in routes.items() if p} == {n: p for n, p in split.items() if p}, \
        "The routes do not split the traffic between champion and challenger as asked."


def _binomial_p_value(k: int, n: int, p: float) -> float:
    """Exact two-sided binomial test: the chance of a count at most as likely as ``k`` in ``n`` draws at rate ``p``.

    Routing is random, so a right measurement misses its traffic_percentage by a little; a p-value under one in a
    million means the requests were not routed by this split (measured too early, or not counted per answer).
    """
    if p <= 0 or p >= 1:
        return 1.0 if k == round(p * n) else 0.0

    def log_pmf(j):
        return math.lgamma(n + 1) - math.lgamma(j + 1) - math.lgamma(n - j + 1) + j * math.log(p) + (n - j) * math.log1p(-p)

    observed = log_pmf(k) + 1e-9
    return min(1.0, sum(math.exp(log_pmf(j)) for j in range(n + 1) if log_pmf(j) <= observed))


@exercise("08.observed_split", domain=DOMAIN, objective="4.6", hints=[
    "Each answer names the entity that served it: w.serving_endpoints.query(...).served_model_name.",
    "served_counts = Counter(<served_model_name of one query> for _ in range(N_REQUESTS))",
    "observed_share = {name: 100 * count / N_REQUESTS for name, count in served_counts.items()}: percentages, like "
    "traffic_percentage.",
])
def check_observed_split(endpoint_name, served_counts, observed_share, n_requests):
    assert isinstance(served_counts, Mapping), \
        "served_counts should be a dict (or Counter) from served model name to number of requests."
    assert isinstance(observed_share, Mapping), "observed_share should be a dict from served model name to a percentage."
    total = sum(served_counts.values())
    assert total == n_requests, f"served_counts counts {total} requests; send N_REQUESTS and count every answer."
    endpoint = _endpoint(endpoint_name)
    _ready(endpoint)
    routes = _routes(endpoint)
    unknown = sorted(set(served_counts) - set(routes))
    assert not unknown, f"served_counts names {unknown[:2]}, which the endpoint does not serve now."
    shares = {name: float(observed_share.get(name, 0.0)) for name in set(routes) | set(observed_share)}
    assert not (sum(shares.values()) and abs(sum(shares.values()) - 1.0) < 1e-6), \
        "observed_share should hold percentages (0-100), like traffic_percentage, not fractions."
    for name, share in shares.items():
        own = 100.0 * served_counts.get(name, 0) / total
        assert math.isclose(share, own, abs_tol=1e-6), \
            f"observed_share['{name}'] is not the share of served_counts it should be (100 * count / total)."
    for name, configured in routes.items():
        assert _binomial_p_value(served_counts.get(name, 0), total, configured / 100) >= 1e-6, (
            f"The share served by '{name}' is far from its traffic_percentage: measure once the split update has "
            "finished, reading served_model_name from each answer.")


def _traffic(results, what: str) -> dict:
    assert isinstance(results, Mapping) and results, \
        f"{what} should be the loop's results: a dict from (status code, served model name) to a count."
    assert all(isinstance(k, tuple) and len(k) == 2 for k in results), \
        f"{what} should map (status code, served model name) pairs to counts."
    return dict(results)


@exercise("08.promote", domain=DOMAIN, objective="4.6", hints=[
    "Two steps: the registry (client.set_registered_model_alias(MODEL_NAME, 'champion', challenger_version)) and the "
    "endpoint (update_config_and_wait with new routes).",
    "Keep both served entities and route 100% to 'challenger' (0% to 'champion'), so rolling back is one more update.",
    "The update swaps configs only once the new one is loaded: update in place and every request of the loop is "
    "answered.",
])
def check_promote(endpoint_name, model_name, challenger_version, promotion_traffic, sample):
    traffic = _traffic(promotion_traffic, "promotion_traffic")
    assert _alias_version(model_name, "champion") == str(challenger_version), \
        "The champion alias does not point at the challenger's version yet."
    endpoint = _endpoint(endpoint_name)
    _ready(endpoint)
    served, routes = _entities(endpoint), _routes(endpoint)
    promoted = {n for n, (m, v) in served.items() if m == model_name and v == str(challenger_version)}
    assert promoted, f"'{endpoint_name}' does not serve the challenger's version."
    assert sum(routes.get(n, 0) for n in promoted) == 100, \
        f"'{endpoint_name}' does not send all of its traffic to the challenger's version."
    assert _query(endpoint_name, _records(sample)).served_model_name in promoted, \
        f"A query to '{endpoint_name}' was answered by another entity than the challenger's version."
    failed = sum(n for (status, _), n in traffic.items() if status != 200)
    assert failed == 0, (f"{failed} of {sum(traffic.values())} requests failed during the promotion: change the "
                         "endpoint in place with update_config_and_wait, never by deleting and creating it again.")
    assert any(name in promoted for (_, name) in traffic), \
        "No request of the loop was answered by the challenger: do the update inside the with block."


# ---- 4.5 with feature lookups, and the inference table -----------------------------------------

@exercise("08.feature_store_endpoint", domain=DOMAIN, objective="4.5", hints=[
    "The endpoint failed because FS_TABLE has no online table: store = fe.create_online_store(name=STORE_NAME, "
    "capacity='CU_1'), then fe.publish_table(online_store=store, source_table_name=FS_TABLE, "
    "online_table_name=f'{FS_TABLE}_online').",
    "Then deploy the same config again: w.serving_endpoints.update_config_and_wait(name=FS_ENDPOINT, "
    "served_entities=[fs_entity]).",
    "fs_request = [{'customer_id': c} for c in fs_customers]: keys only; the endpoint looks the features up.",
])
def check_feature_store_endpoint(spark, endpoint_name, model_name, fs_request, fs_endpoint_predictions, primary_keys):
    import pandas as pd
    from databricks.feature_engineering import FeatureEngineeringClient

    assert isinstance(fs_request, (list, tuple)) and fs_request and all(isinstance(r, Mapping) for r in fs_request), \
        "fs_request should be a list of records (dicts), one per customer to score."
    extra = sorted({c for r in fs_request for c in r} - set(primary_keys))
    assert not extra, f"fs_request sends {extra[:3]} as well: send the primary key only; the endpoint looks features up."
    got = _as_list(fs_endpoint_predictions, "fs_endpoint_predictions")
    endpoint = _endpoint(endpoint_name)
    _ready(endpoint)
    versions = [v for m, v in _entities(endpoint).values() if m == model_name]
    assert versions, f"'{endpoint_name}' does not serve the feature-store model {model_name}."
    answered = _query(endpoint_name, list(map(dict, fs_request))).predictions
    keys = pd.DataFrame(list(map(dict, fs_request)))
    scored = FeatureEngineeringClient().score_batch(model_uri=f"models:/{model_name}/{versions[0]}",
                                                    df=spark.createDataFrame(keys)).toPandas()
    offline = keys.merge(scored[[*primary_keys, "prediction"]], on=list(primary_keys), how="left")["prediction"]
    _same_numbers(answered, offline.tolist(), f"the answers of '{endpoint_name}'",
                  "fe.score_batch on the same keys: the online features should match the offline table")
    _same_numbers(got, answered, "fs_endpoint_predictions", f"what '{endpoint_name}' answers for fs_request")


@exercise("08.inference_table", domain=DOMAIN, objective="4.5", hints=[
    "Send one request you can recognise: w.serving_endpoints.query(name=ENDPOINT_NAME, dataframe_records=one_row, "
    "client_request_id=MARKER).",
    "Rows land a second or so after their request: poll spark.table(INFERENCE_TABLE).where(F.col('client_request_id') "
    "== MARKER).count() with time.sleep(1), for at most 30 s. Once the marker is there, the earlier rows are too.",
    "logged_requests = spark.table(INFERENCE_TABLE).groupBy('served_entity_id', 'status_code').count().toPandas()",
])
def check_inference_table(spark, table, marker, logged_requests):
    import pandas as pd

    assert spark.catalog.tableExists(table), \
        f"There is no {table} yet: an endpoint with auto_capture_config writes it a moment after its first request."
    logged = spark.table(table)
    assert logged.where(logged["client_request_id"] == marker).count() > 0, \
        "The table has no row with the MARKER client_request_id: send the marker request, and wait until it is logged."
    if hasattr(logged_requests, "toPandas"):
        logged_requests = logged_requests.toPandas()
    assert isinstance(logged_requests, pd.DataFrame), \
        "logged_requests should be a DataFrame with served_entity_id, status_code and count columns."
    missing = [c for c in ("served_entity_id", "status_code", "count") if c not in logged_requests.columns]
    assert not missing, f"logged_requests has no {missing[0]} column: group by served_entity_id and status_code, then count."

    def as_counts(frame):
        return {(str(r.served_entity_id), int(r.status_code)): int(r["count"]) for _, r in frame.iterrows()}

    expected = as_counts(logged.groupBy("served_entity_id", "status_code").count().toPandas())
    got = as_counts(logged_requests)
    assert set(got) == set(expected), \
        "logged_requests does not have one row per (served entity, status code) pair of the table."
    assert got == expected, ("Some counts in logged_requests differ from the table: count after the marker row has "
                             "landed, over the whole table.")


# ---- 4.1 which style of serving ----------------------------------------------------------------

@exercise("08.serving_quiz", domain=DOMAIN, objective="4.1", hints=[
    "Is someone waiting for this one answer? Then it is real-time, behind a serving endpoint.",
    "Answers for a flow of events within seconds, continuously and at volume: streaming.",
    "A table of scores read later, made on a schedule: batch.",
])
def check_serving_quiz(serving_answers):
    """Graded from the question bank: the items of quiz("08.serving_quiz") and their keys."""
    check_quiz("08.serving_quiz", serving_answers, variable="serving_answers")

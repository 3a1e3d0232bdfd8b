"""Queries: the four input formats and params; every bad request a one-line 4xx that repeats nothing it was sent."""
import contextlib
import json
import random

import pytest
import requests

from serving_support import auth_headers, core_config, entity, invocations_url

MARK = "PAYLOAD-MARK-7f3a"


@contextlib.contextmanager
def _endpoint(model, served):
    """A module's endpoint serving ``model`` under the name ``served``; deleted afterwards."""
    import uuid

    from databricks.sdk import WorkspaceClient

    name = f"{served}-{uuid.uuid4().hex[:6]}"
    WorkspaceClient().serving_endpoints.create_and_wait(name=name, config=core_config(name, entity(model, served)))
    try:
        yield name
    finally:
        WorkspaceClient().serving_endpoints.delete(name)


@pytest.fixture(scope="module")
def clf_endpoint(service, models):
    with _endpoint(models["clf"], "clf") as name:
        yield name


@pytest.fixture(scope="module")
def raising_endpoint(service, models):
    with _endpoint(models["raising"], "raising") as name:
        yield name


def _post(name, body, **kw):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.post(invocations_url(name), data=data, headers={**auth_headers(), **kw.pop("headers", {})},
                         timeout=30, **kw)


def test_every_input_format_gives_the_models_predictions(w, clf_endpoint, models):
    import pandas as pd

    rows = [{"a": 1.0, "b": 2.0}, {"a": 15.0, "b": 0.0}]
    expected = models["clf_model"].predict(pd.DataFrame(rows)).tolist()
    bodies = [{"dataframe_records": rows},
              {"dataframe_split": {"columns": ["a", "b"], "data": [[1.0, 2.0], [15.0, 0.0]]}},
              {"instances": rows},
              {"inputs": {"a": [1.0, 15.0], "b": [2.0, 0.0]}},
              {"dataframe_records": rows, "params": {}, "client_request_id": "abc"}]
    for body in bodies:
        response = _post(clf_endpoint, body)
        assert response.status_code == 200, (body, response.text)
        assert response.json() == {"predictions": expected}
        assert response.headers["served-model-name"] == "clf"
    answer = w.serving_endpoints.query(name=clf_endpoint, dataframe_records=rows)
    assert answer.predictions == expected and answer.served_model_name == "clf"


BAD = [
    (b"{not json", "not valid JSON"),
    (b"\xff\xfe\x00", "not valid JSON"),
    (b"", "not valid JSON"),
    (json.dumps([{"a": 1, "b": MARK}]), "got a JSON list"),
    (json.dumps(MARK), "got a JSON str"),
    (json.dumps({"rows": [{"a": MARK}]}), "found none"),
    (json.dumps({"instances": [[1, 2]], "inputs": [[MARK, 2]]}), "instances and inputs"),
    (json.dumps({"dataframe_records": [{"a": 1.0}]}), "missing inputs"),
    (json.dumps({"dataframe_records": [{"a": MARK, "b": 1.0}]}), "Could not read|signature"),
    (json.dumps({"dataframe_split": {"columns": ["a", "b"], "data": [[MARK]]}}), "Could not read"),
    (json.dumps({"dataframe_split": MARK}), "Could not read"),
    (json.dumps({"dataframe_records": MARK}), "Could not read"),
    (json.dumps({"dataframe_records": [{"a": 1.0, "b": 1.0}], "params": MARK}), "params"),
    (json.dumps({"dataframe_records": [{"a": 1.0, "b": 1.0}], MARK: 1}), "unknown field"),
]


@pytest.mark.parametrize("body, message", BAD)
def test_bad_input_is_a_one_line_400_that_echoes_nothing(clf_endpoint, body, message):
    import re

    response = _post(clf_endpoint, body)
    assert response.status_code == 400, response.text
    payload = response.json()
    assert payload["error_code"] == "BAD_REQUEST"
    assert re.search(message, payload["message"]), payload["message"]
    assert "\n" not in payload["message"] and MARK not in response.text and "Traceback" not in response.text


def test_500_malformed_requests_get_no_5xx_and_the_endpoint_still_serves(clf_endpoint):
    rng = random.Random(5)
    pieces = ['{', '}', '[', ']', '"dataframe_records"', '"dataframe_split"', '"instances"', '"inputs"', ':', ',',
              '"a"', '"b"', '1.5', 'null', 'true', '"x"', '{"columns":["a","b"],"data":[[1,2]]}', '[{"a":1}]', '-',
              '1e999', '"\\u0000"', '\\', '"params"', '{}']
    statuses = []
    with requests.Session() as session:
        for _ in range(500):
            body = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
            if rng.random() < 0.3:
                body = "{" + body
            response = session.post(invocations_url(clf_endpoint), data=body.encode(), headers=auth_headers(),
                                    timeout=30)
            statuses.append(response.status_code)
            assert "Traceback" not in response.text
    assert not [s for s in statuses if s >= 500]
    assert _post(clf_endpoint, {"dataframe_records": [{"a": 1.0, "b": 1.0}]}).status_code == 200


def test_an_exception_in_predict_is_a_400_naming_its_type_and_the_endpoint_keeps_serving(w, raising_endpoint):
    from databricks.sdk.errors import BadRequest

    for _ in range(3):
        response = _post(raising_endpoint, {"dataframe_records": [{"a": 1.0, "b": 1.0}]})
        assert response.status_code == 400
        assert "ZeroDivisionError" in response.json()["message"]
        assert "SECRET-INSIDE-MODEL" not in response.text and "Traceback" not in response.text
    with pytest.raises(BadRequest, match="ZeroDivisionError"):
        w.serving_endpoints.query(name=raising_endpoint, dataframe_records=[{"a": 1.0, "b": 1.0}])
    assert "ZeroDivisionError" in w.serving_endpoints.logs(raising_endpoint, "raising").logs


def test_a_body_over_16_mb_is_a_413(clf_endpoint):
    big = b'{"dataframe_records": [' + b'{"a": 1.0, "b": 1.0},' * 800_000 + b'{"a": 1.0, "b": 1.0}]}'
    assert len(big) > 16 * 1024 * 1024
    response = _post(clf_endpoint, big)
    assert response.status_code == 413 and "16 MB" in response.json()["message"]

    def chunks():  # no Content-Length: the limit still holds while the body streams in
        for _ in range(0, len(big), 1 << 20):
            yield big[:1 << 20]

    response = requests.post(invocations_url(clf_endpoint), data=chunks(), headers=auth_headers(), timeout=60)
    assert response.status_code == 413


def test_unknown_paths_are_json_404s(service):
    response = requests.get(f"{service}/api/2.0/nothing-here", headers=auth_headers(), timeout=10)
    assert response.status_code == 404 and response.json()["error_code"] == "ENDPOINT_NOT_FOUND"

"""Workload sizes cap how many requests an entity runs at once (the rest queue); scale to zero unloads and reloads."""
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from serving_support import auth_headers, core_config, entity, invocations_url

BODY = {"dataframe_records": [{"a": 1.0, "b": 1.0}]}


def _peak_concurrency(name, clients):
    """The slow model answers how many of its predictions were running when this one started."""
    def one(_):
        response = requests.post(invocations_url(name), json=BODY, headers=auth_headers(), timeout=120)
        assert response.status_code == 200, response.text
        return response.json()["predictions"][0]

    with ThreadPoolExecutor(clients) as pool:
        return max(pool.map(one, range(clients * 2)))


def test_small_runs_at_most_4_requests_at_once_and_queues_the_rest(w, models, new_endpoint):
    name = new_endpoint("small")
    w.serving_endpoints.create_and_wait(name=name, config=core_config(name, entity(models["slow"], "s", "Small")))
    assert _peak_concurrency(name, 12) == 4


def test_medium_runs_more_than_4_at_once(w, models, new_endpoint):
    name = new_endpoint("medium")
    w.serving_endpoints.create_and_wait(name=name, config=core_config(name, entity(models["slow"], "m", "Medium")))
    assert 4 < _peak_concurrency(name, 12) <= 16


def _wait_for(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_scale_to_zero_unloads_an_idle_entity_and_the_next_request_loads_it_again(w, models, new_endpoint):
    """The test service idles entities out after LOCALBRICKS_SCALE_TO_ZERO_SECONDS (2 s, set in tests/conftest.py)."""
    name = new_endpoint("zero")
    w.serving_endpoints.create_and_wait(name=name, config=core_config(
        name, entity(models["const1"], "z", scale_to_zero=True)))
    assert w.serving_endpoints.query(name=name, dataframe_records=BODY["dataframe_records"]).predictions == [1.0]
    assert _wait_for(lambda: "Scaled to zero" in w.serving_endpoints.logs(name, "z").logs)
    message = w.serving_endpoints.get(name).config.served_entities[0].state.deployment_state_message
    assert "Scaled to zero" in message
    assert w.serving_endpoints.query(name=name, dataframe_records=BODY["dataframe_records"]).predictions == [1.0]
    assert "Scaled up from zero" in w.serving_endpoints.logs(name, "z").logs


def test_an_entity_without_scale_to_zero_stays_loaded(w, models, new_endpoint):
    name = new_endpoint("warm")
    w.serving_endpoints.create_and_wait(name=name, config=core_config(name, entity(models["const1"], "warm")))
    w.serving_endpoints.query(name=name, dataframe_records=BODY["dataframe_records"])
    time.sleep(3)  # longer than the test service's idle time: a scale-to-zero entity would be gone
    assert "Scaled to zero" not in w.serving_endpoints.logs(name, "warm").logs

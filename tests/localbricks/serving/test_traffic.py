"""Traffic: requests routed at random by the configured shares, and config swaps under load that fail nothing."""
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from serving_support import auth_headers, core_config, entity, invocations_url

BODY = {"dataframe_records": [{"a": 1.0, "b": 1.0}]}


def _send(name, count):
    seen = Counter()
    with requests.Session() as session:
        for _ in range(count):
            response = session.post(invocations_url(name), json=BODY, headers=auth_headers(), timeout=30)
            seen[(response.status_code, response.headers.get("served-model-name"))] += 1
    return seen


def test_10000_requests_to_a_90_10_split_land_within_one_and_a_half_points(w, models, new_endpoint):
    name = new_endpoint("ab")
    w.serving_endpoints.create_and_wait(name=name, config=core_config(
        name, entity(models["const1"], "champion"), entity(models["const2"], "challenger"),
        routes={"champion": 90, "challenger": 10}))
    with ThreadPoolExecutor(4) as pool:
        parts = list(pool.map(lambda _: _send(name, 2500), range(4)))
    total = sum(parts, Counter())
    assert sum(total.values()) == 10_000
    assert {status for status, _ in total} == {200}
    share = {served: n / 100 for (_, served), n in total.items()}
    assert abs(share["champion"] - 90) <= 1.5 and abs(share["challenger"] - 10) <= 1.5, share


def test_update_config_during_a_stream_from_4_clients_fails_no_request(w, models, new_endpoint):
    name = new_endpoint("swap")
    w.serving_endpoints.create_and_wait(name=name, config=core_config(name, entity(models["const1"], "old")))
    stop, results, lock = threading.Event(), Counter(), threading.Lock()

    def client():
        with requests.Session() as session:
            deadline = time.monotonic() + 120  # bounded even if the swap never came
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    response = session.post(invocations_url(name), json=BODY, headers=auth_headers(), timeout=30)
                    key = (response.status_code, response.headers.get("served-model-name"))
                except requests.RequestException as err:
                    key = ("error", type(err).__name__)
                with lock:
                    results[key] += 1

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)
        w.serving_endpoints.update_config_and_wait(
            name=name, served_entities=[entity(models["const1"], "old"), entity(models["slow_load"], "new")],
            traffic_config=core_config(name, entity(models["const1"], "old"), routes={"old": 0, "new": 100}).traffic_config)
        before = sum(n for (s, served), n in results.items() if served == "new")
        time.sleep(1.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    failed = {k: n for k, n in results.items() if k[0] != 200}
    assert not failed, failed
    assert results[(200, "old")] > 0
    assert sum(n for (s, served), n in results.items() if served == "new") > before  # traffic moved after the swap
    assert w.serving_endpoints.query(name=name, dataframe_records=BODY["dataframe_records"]).served_model_name == "new"

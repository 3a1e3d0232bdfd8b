"""Real-time serving: our endpoint against MLflow's own ``mlflow models serve``, the same model, in one run.

Both serve one scikit-learn model trained on the course's churn customers, in one process each. Ours
runs as a learner meets it: bearer-token auth, a two-entity traffic split, and every request logged
to an inference table. Each client count (1 and 4) sends the same one-row ``dataframe_split``
requests to both, in alternating rounds so that a noisy machine slows both alike; the table prints
p50, p99 and throughput side by side with their ratios (MLflow / ours: above 1 means ours is faster).
It exits non-zero if ours is slower at p50, or lower in throughput with 4 clients.

    python bench/serving.py [--requests N] [--rounds R]
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import REPO, percentile, report_ratio, scratch_workspace

FEATURES = ["age", "tenure_months", "monthly_spend", "support_calls", "days_since_last_login"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _register_model():
    import mlflow
    import pandas as pd
    from mlflow.models import infer_signature
    from sklearn.linear_model import LogisticRegression

    data = pd.read_csv(REPO / "datasets" / "churn_customers.csv")
    data = data.dropna(subset=FEATURES)  # the course data has gaps on purpose (module 02 imputes them)
    X, y = data[FEATURES].astype(float), data["churned"]
    model = LogisticRegression(max_iter=1000).fit(X, y)
    mlflow.set_registry_uri("databricks-uc")
    name = f"main.bench.churn_{uuid.uuid4().hex[:6]}"
    with mlflow.start_run():
        mlflow.sklearn.log_model(model, name="model", signature=infer_signature(X, model.predict(X)),
                                 serialization_format="cloudpickle", pip_requirements=["scikit-learn"],
                                 registered_model_name=name)
    rows = X.sample(200, random_state=0).values.tolist()
    return name, rows


def _start_mlflow(model_dir: str, port: int, log: Path):
    # MLflow runs `uvicorn` by name: this interpreter's scripts folder must be on PATH
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "mlflow", "models", "serve", "-m", model_dir, "--env-manager",
                                   "local", "--host", "127.0.0.1", "--port", str(port)],
                                  stdout=out, stderr=out, start_new_session=True, env=env)
    import requests

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/ping", timeout=1).status_code == 200:
                return server
        except requests.RequestException:
            if server.poll() is not None:
                raise SystemExit(f"mlflow models serve exited at start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"mlflow models serve did not start within 120 s:\n{log.read_text()[-2000:]}")


def _start_ours(name: str):
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.service.serving import (AutoCaptureConfigInput, EndpointCoreConfigInput, Route,
                                                ServedEntityInput, TrafficConfig)

    from localbricks import catalogs, serving

    host = serving.configure_environment()
    catalogs.ensure_folder("main", "bench_logs")
    endpoint = "bench-churn"
    served = [ServedEntityInput(entity_name=name, entity_version="1", name=n, workload_size="Small",
                                scale_to_zero_enabled=False) for n in ("blue", "green")]
    WorkspaceClient().serving_endpoints.create_and_wait(name=endpoint, config=EndpointCoreConfigInput(
        name=endpoint, served_entities=served,
        traffic_config=TrafficConfig(routes=[Route(served_model_name="blue", traffic_percentage=50),
                                             Route(served_model_name="green", traffic_percentage=50)]),
        auto_capture_config=AutoCaptureConfigInput(catalog_name="main", schema_name="bench_logs",
                                                   table_name_prefix="bench")))
    return f"{host}/serving-endpoints/{endpoint}/invocations", {"Authorization": f"Bearer {os.environ['DATABRICKS_TOKEN']}"}


def _load(url: str, headers: dict, rows: list, clients: int, per_client: int) -> tuple[list[float], float]:
    """``clients`` threads each send ``per_client`` requests; returns the latencies and the wall time."""
    import requests

    def client(offset: int) -> list[float]:
        samples = []
        with requests.Session() as session:
            for i in range(per_client):
                row = rows[(offset + i) % len(rows)]
                body = {"dataframe_split": {"columns": FEATURES, "data": [row]}}
                start = time.perf_counter()
                response = session.post(url, json=body, headers=headers, timeout=60)
                samples.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}: {response.text[:200]}")
        return samples

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        parts = list(pool.map(client, [c * 37 for c in range(clients)]))
    return [s for part in parts for s in part], time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per client per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per server and client count")
    args = parser.parse_args(argv)
    with scratch_workspace("bench-serving-"):
        return _run(args)


def _run(args) -> int:
    from localbricks import registry, serving, tracking

    tracking.configure()
    registry.install()
    mlflow_server = None
    try:
        import mlflow

        name, rows = _register_model()
        model_dir = mlflow.artifacts.download_artifacts(f"models:/{name}/1", dst_path=tempfile.mkdtemp())
        port = _free_port()
        mlflow_server = _start_mlflow(model_dir, port, Path(os.environ['LOCALBRICKS_HOME']) / 'mlflow-serve.log')
        targets = {"mlflow models serve": (f"http://127.0.0.1:{port}/invocations", {}),
                   "ours (auth, 50/50 split, inference table)": _start_ours(name)}
        for url, headers in targets.values():  # warm both: first requests pay for imports and caches
            _load(url, headers, rows, 1, 50)
        results = {(t, c): ([], 0.0) for t in targets for c in (1, 4)}
        for round_number in range(args.rounds):
            print(f"round {round_number + 1} of {args.rounds}…", file=sys.stderr, flush=True)
            for clients in (1, 4):
                for target, (url, headers) in targets.items():
                    samples, wall = _load(url, headers, rows, clients, args.requests)
                    old_samples, old_wall = results[(target, clients)]
                    results[(target, clients)] = (old_samples + samples, old_wall + wall)
        ok = True
        print(f"{'server':44} {'clients':>7} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}")
        for clients in (1, 4):
            stats = {}
            for target in targets:
                samples, wall = results[(target, clients)]
                stats[target] = (percentile(samples, 50) * 1000, percentile(samples, 99) * 1000, len(samples) / wall)
                p50, p99, rps = stats[target]
                print(f"{target:44} {clients:>7} {p50:>8.2f} {p99:>8.2f} {rps:>8.0f}")
            theirs, ours = stats["mlflow models serve"], stats["ours (auth, 50/50 split, inference table)"]
            print(f"{'ratio mlflow / ours (>1: ours faster)':44} {clients:>7} {theirs[0] / ours[0]:>8.2f} "
                  f"{theirs[1] / ours[1]:>8.2f} {ours[2] / theirs[2]:>8.2f}")
            for what, ratio in (("p50", theirs[0] / ours[0]), ("p99", theirs[1] / ours[1])):
                report_ratio("serving", f"mlflow / ours {what} latency, {clients} client(s)", ratio, "above 1: ours is faster")
            report_ratio("serving", f"ours / mlflow req/s, {clients} client(s)", ours[2] / theirs[2], "above 1: ours is faster")
            ok &= ours[0] <= theirs[0]
            if clients == 4:
                ok &= ours[2] >= theirs[2]
        print("ours is no slower at p50 and at least as fast with 4 clients" if ok else
              "ours is slower than mlflow models serve at p50 or in throughput with 4 clients")
        return 0 if ok else 1
    finally:
        if mlflow_server is not None:
            os.killpg(mlflow_server.pid, signal.SIGTERM)
            mlflow_server.wait(timeout=30)
        serving.stop()


if __name__ == "__main__":
    sys.exit(main())

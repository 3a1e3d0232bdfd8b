"""Course notebooks on a real Spark cluster, through nothing but their ``parameters`` cell.

A standalone master and two one-core workers (the ``spark-class`` launcher that ships with pyspark)
run on loopback; notebooks 02, 04 and 05 execute with ``SPARK_MASTER = "spark://127.0.0.1:PORT"``,
and notebook 02 again through a Spark Connect server (``sc://127.0.0.1:PORT``). Each answer key must
run green, and the workers' own logs must show the notebook's tasks ran on both of them: local mode
hides everything that breaks when tasks run in other JVMs (jars the executors never load, paths
only the driver sees, Python workers on another interpreter).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from grader.notebooks import list_notebooks
from tests_support import REPO_ROOT

pytestmark = pytest.mark.notebook

SOLUTIONS = {p.stem[:2]: p for p in list_notebooks(REPO_ROOT / "solutions")}
WORKERS = 2
# Cluster JVMs are started under coreutils' `timeout`: they stop themselves even if pytest is killed
LIFETIME_SECONDS = 1800
START_SECONDS = 120
# Appended to each executed copy: what the driver saw of the cluster, for the assertions below
_RECORD_CELL = """\
import json as _json, os as _os
_sc = spark.sparkContext
_json.dump({"app_id": _sc.applicationId, "master": _sc.master,
            "executor_hosts": sorted(str(e.host()) for e in _sc._jsc.sc().statusTracker().getExecutorInfos())},
           open(_os.environ["CLUSTER_RECORD"], "w"))
"""
_CONNECT_RECORD_CELL = """\
import json as _json, os as _os
_json.dump({"session": type(spark).__module__, "tables": sorted(r.tableName for r in spark.sql("SHOW TABLES IN main.ml_prep").collect())},
           open(_os.environ["CLUSTER_RECORD"], "w"))
"""


def _spark_class() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


def _loopback_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", SPARK_HOME=str(_spark_class().parent.parent), **extra)
    env.pop("PYSPARK_SUBMIT_ARGS", None)
    return env


def _start(cmd: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(["timeout", str(LIFETIME_SECONDS), *cmd], stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)


def _wait_for(log: Path, pattern: str, count: int, proc: subprocess.Popen) -> list[str]:
    """Wait until ``pattern`` is in ``log`` ``count`` times; return its matches (their first group if it has one)."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        if len(found := re.findall(pattern, text)) >= count:
            return found
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    raise AssertionError(f"{log.name} never showed {count}× {pattern!r}:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A standalone master and two one-core workers on loopback; yields the master URL and workers' dirs.

    Every server binds port 0 itself and the master's log says which port it got: a port picked beforehand
    and let go could be taken meanwhile by another test's Spark driver."""
    base = tmp_path_factory.mktemp("cluster")
    env = _loopback_env(SPARK_MASTER_OPTS="-Dspark.master.rest.enabled=false")
    procs = [_start([str(_spark_class()), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                     "--port", "0", "--webui-port", "0"], base / "master.log", env)]
    work_dirs = [base / f"worker{i}" for i in range(WORKERS)]
    try:
        _wait_for(base / "master.log", r"elected leader", 1, procs[0])
        url = _wait_for(base / "master.log", r"Starting Spark master at (spark://127\.0\.0\.1:\d+)", 1, procs[0])[0]
        for i, work_dir in enumerate(work_dirs):
            procs.append(_start([str(_spark_class()), "org.apache.spark.deploy.worker.Worker", url,
                                 "--host", "127.0.0.1", "--cores", "1", "--memory", "2g", "--webui-port", "0",
                                 "--work-dir", str(work_dir)], base / f"worker{i}.log", env))
        _wait_for(base / "master.log", r"Registering worker", WORKERS, procs[0])
        yield {"url": url, "work_dirs": work_dirs}
    finally:
        _stop(procs)


def _run(notebook: Path, out_dir: Path, master: str, record_cell: str, monkeypatch,
         workspace: Path | None = None) -> dict:
    """Execute the answer key with its CI parameters on ``master``; return what the appended cell recorded."""
    import nbformat

    from grader.kernels import execute_notebook
    from localbricks import serving

    workspace = workspace or out_dir / "workspace"
    record = out_dir / "record.json"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(record_cell))
    source = out_dir / notebook.name
    nbformat.write(nb, source)
    params = dict(nb.metadata["course"]["ci_parameters"], SPARK_MASTER=master, WORKSPACE=str(workspace))
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    monkeypatch.setenv("CLUSTER_RECORD", str(record))
    monkeypatch.setenv("LOCALBRICKS_HOME", str(workspace))
    try:
        execute_notebook(source, out_dir / f"executed-{notebook.name}", parameters=params,
                         cwd=str(notebook.parent), progress_bar=False, kernel_name="python3", execution_timeout=900)
    finally:
        serving.stop()  # the workspace's serving service, which activate() started
    return json.loads(record.read_text())


def _finished_tasks(work_dirs: list[Path], app_id: str) -> list[int]:
    """Per worker, the tasks its executors of ``app_id`` finished, from the executors' own logs."""
    return [sum(log.read_text(errors="replace").count("Finished task") for log in (d / app_id).glob("*/stderr"))
            for d in work_dirs]


@pytest.mark.parametrize("number", ["02", "04", "05"])
def test_a_notebook_runs_green_on_a_standalone_cluster_with_its_tasks_on_both_workers(
        cluster, number, tmp_path, monkeypatch):
    notebook = SOLUTIONS[number]
    record = _run(notebook, tmp_path, cluster["url"], _RECORD_CELL, monkeypatch)
    assert record["master"] == cluster["url"]
    # the driver's status tracker lists itself and one executor per worker
    assert len(record["executor_hosts"]) == WORKERS + 1 and record["executor_hosts"].count("127.0.0.1") == WORKERS
    tasks = _finished_tasks(cluster["work_dirs"], record["app_id"])
    assert all(n > 0 for n in tasks), f"{notebook.name}: tasks finished per worker {tasks}"
    if number == "04":  # SparkTrials sends each Hyperopt evaluation to a worker as one task
        import nbformat

        evals = nbformat.read(notebook, as_version=4).metadata["course"]["ci_parameters"]["MAX_EVALS"]
        assert sum(tasks) >= evals, tasks


_WORKER_SIDE_CELLS = ["""\
SPARK_MASTER = None
WORKSPACE = None
""", """\
import os
os.environ["LOCALBRICKS_HOME"] = WORKSPACE
import localbricks
localbricks.activate(master=SPARK_MASTER)
""", """\
import json, sys
import mlflow
from pyspark.sql import functions as F

@F.udf("string")
def worker_side(_):
    import json, os, socket, sys
    import mlflow
    with mlflow.start_run(experiment_id=EXPERIMENT, run_name="from_a_worker") as run:
        mlflow.log_metric("pid", os.getpid())
    return json.dumps({"python": sys.executable, "tracking_uri": mlflow.get_tracking_uri(),
                       "home": os.environ.get("LOCALBRICKS_HOME"), "run_id": run.info.run_id})

EXPERIMENT = mlflow.set_experiment("/Shared/cluster_test").experiment_id
seen = [json.loads(r[0]) for r in spark.range(2).repartition(2).select(worker_side("id")).collect()]
DRIVER = {"python": sys.executable, "tracking_uri": mlflow.get_tracking_uri(), "home": WORKSPACE}
"""]
_WORKER_SIDE_RECORD = """\
import json as _json, os as _os
_json.dump({"seen": seen, "driver": DRIVER, "app_id": spark.sparkContext.applicationId,
            "runs": sorted(r.info.run_id for r in mlflow.search_runs([EXPERIMENT], output_format="list"))},
           open(_os.environ["CLUSTER_RECORD"], "w"))
"""


def test_python_workers_on_the_cluster_log_to_the_notebooks_mlflow_store(cluster, tmp_path, monkeypatch):
    """A UDF (or a SparkTrials trial) calling MLflow on an executor must reach the workspace's store,
    with the course's interpreter, though the executor was started by a worker daemon, not the kernel."""
    import nbformat

    nb = nbformat.v4.new_notebook(metadata={"course": {"ci_parameters": {}}, "kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell(src) for src in _WORKER_SIDE_CELLS]
    nb.cells[0].metadata["tags"] = ["parameters"]
    source = tmp_path / "src" / "worker_side.ipynb"
    source.parent.mkdir()
    nbformat.write(nb, source)
    record = _run(source, tmp_path, cluster["url"], _WORKER_SIDE_RECORD, monkeypatch)
    assert all(n > 0 for n in _finished_tasks(cluster["work_dirs"], record["app_id"]))
    assert [{k: v for k, v in s.items() if k != "run_id"} for s in record["seen"]] == [record["driver"]] * 2
    assert sorted(s["run_id"] for s in record["seen"]) == record["runs"]


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory):
    """A Spark Connect server on loopback, started with the confs and jars a local session gets."""
    from localbricks import session, workspace as local_workspace

    base = tmp_path_factory.mktemp("connect")
    workspace = base / "workspace"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOCALBRICKS_HOME", str(workspace))
        conf = session.base_conf(local_workspace.home())
    jars = conf.pop("spark.jars")
    conf.update({"spark.connect.grpc.binding.address": "127.0.0.1", "spark.connect.grpc.binding.port": "0"})
    cmd = [str(_spark_class()), "org.apache.spark.deploy.SparkSubmit", "--driver-memory", "2g",
           "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
           "--jars", jars, "--packages", session.delta_coordinates()]
    for key, value in conf.items():
        cmd += ["--conf", f"{key}={value}"]
    server = _start([*cmd, "spark-internal"], base / "server.log", _loopback_env())
    try:
        port = _wait_for(base / "server.log", r"Spark Connect server started at: 127\.0\.0\.1:(\d+)", 1, server)[0]
        yield {"url": f"sc://127.0.0.1:{port}", "workspace": workspace}
    finally:
        _stop([server])


def test_notebook_02_runs_green_through_spark_connect(connect_server, tmp_path, monkeypatch):
    out = tmp_path / "connect"
    out.mkdir()
    record = _run(SOLUTIONS["02"], out, connect_server["url"], _CONNECT_RECORD_CELL, monkeypatch,
                  workspace=connect_server["workspace"])
    assert record["session"] == "pyspark.sql.connect.session"
    assert "churn_customers" in record["tables"]

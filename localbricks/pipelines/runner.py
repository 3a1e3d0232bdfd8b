"""Write a pipeline spec into the workspace and run it for real, as ``spark-pipelines run`` does.

``spark-pipelines`` is a three-line script: it runs Spark's launcher ``SparkPipelines`` on
pyspark's ``pipelines/cli.py``. ``run_pipeline`` checks the spec (``spec``), then runs the same
launcher on ``cli.py`` here, which adds the expectation decorators to ``pyspark.pipelines`` and
``import dlt``, then calls pyspark's CLI, with the environment ``server`` builds so the pipeline's
Spark has Delta and Unity Catalog's names. The run's datasets are Delta tables
``catalog.schema.table`` in the workspace, which the notebook's own session reads as soon as the
run ends. Progress lines (``… Flow x is RUNNING.``) are printed as they come; everything goes to
``<pipeline>/logs/run-<time>.log``.

One trap of Spark 4.1 worth knowing when writing the source files: a pipeline learns that a flow
depends on another dataset from the unresolved table names in the flow's plan, but Spark Connect
plans ``withColumn``/``withColumns`` by analyzing their input first, whenever it can
(SPARK-53505); its planner does the same for ``withColumnRenamed``, ``drop``, ``withWatermark``
and a few more. Once the upstream table exists, that is from the second run on, a flow built
with ``withColumn`` no longer waits for its upstream flow and reads the upstream table as it was
before the run: new records reach it one run late (seen with Spark 4.1.4). Derive columns with
``select("*", expr.alias(name))`` in a dataset that reads another dataset of the pipeline;
``expectations`` itself only filters.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from localbricks import catalogs, workspace
from localbricks.errors import LocalbricksError
from localbricks.pipelines import server
from localbricks.pipelines.spec import SPEC_NAMES, check_spec, find_spec

CLI = Path(__file__).with_name("cli.py")
_PROGRESS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?: ")
_NOISE = re.compile(r"^\s+at |^\s*\.\.\. \d+ more|has been added already|^\s*$")
_EXCEPTION = re.compile(r"^[\w.]*(Error|Exception)\b.*")
_JVM_LOG = re.compile(r"^\d\d/\d\d/\d\d \d\d:\d\d:\d\d ")
_VIOLATION = re.compile(r"Expectation '.*?' \(expect_or_fail\) was violated.*?(?= SQLSTATE|$)")


class PipelineRunError(LocalbricksError):
    """A pipeline run ended in failure; the message has the flows' errors and the log's tail."""


@dataclass
class PipelineRun:
    """A finished run: its spec, its full log file and the progress lines it printed."""

    spec: Path
    log: Path
    progress: list[str] = field(default_factory=list)


def pipeline_folder(name: str) -> Path:
    """Return (creating it) ``<workspace>/pipelines/<name>``, a home for one pipeline's files."""
    path = workspace.subdir("pipelines") / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_spec(folder: str | Path, *, name: str | None = None, catalog: str = catalogs.DEFAULT_CATALOG,
               schema: str = catalogs.DEFAULT_SCHEMA, libraries: Sequence[str] = ("transformations/**",),
               configuration: Mapping[str, object] | None = None, storage: str | None = None) -> Path:
    """Write ``spark-pipeline.yml`` into ``folder`` and return its path.

    Args:
        folder: the pipeline's folder; a relative path is taken inside ``<workspace>/pipelines``.
        name: the pipeline's name (default: the folder's name).
        catalog, schema: where the pipeline's datasets go, so ``@dp.table(name="t")`` becomes
            ``catalog.schema.t`` (the spec's ``catalog`` and ``database``).
        libraries: globs of source files, relative to ``folder``; a folder glob ends in ``/**``.
        configuration: the pipeline's parameters, read in source files with ``spark.conf.get(key)``.
        storage: where checkpoints go; default ``<folder>/storage`` (a ``file://`` URI, as required).
    """
    import yaml

    folder = Path(folder)
    folder = folder if folder.is_absolute() else workspace.subdir("pipelines") / folder
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "name": name or folder.name,
        "storage": storage or (folder / "storage").resolve().as_uri(),
        "catalog": catalog,
        "database": schema,
        "configuration": {str(k): _conf_value(v) for k, v in (configuration or {}).items()},
        "libraries": [{"glob": {"include": pattern}} for pattern in libraries],
    }
    path = folder / SPEC_NAMES[0]
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def _conf_value(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _prepare_target(spec) -> None:
    """Make the spec's target schema, as ``CREATE SCHEMA IF NOT EXISTS`` would; the catalog must exist."""
    catalog = (spec.catalog or catalogs.DEFAULT_CATALOG).lower()
    schema = spec.database or catalogs.DEFAULT_SCHEMA
    if catalog not in catalogs.existing():
        raise LocalbricksError(f"The spec's catalog '{catalog}' does not exist; run "
                               f"spark.sql('CREATE CATALOG {catalog}') first.")
    catalogs.ensure_folder(catalog, schema.lower())


def run_pipeline(spec: str | Path, *, full_refresh: bool | Sequence[str] = False,
                 refresh: Sequence[str] = (), dry_run: bool = False, echo: bool = True,
                 timeout: float | None = 1800) -> PipelineRun:
    """Run the pipeline ``spec`` (a spec file or its folder) to completion; raise if it fails.

    Args:
        spec: ``spark-pipeline.yml`` or the folder holding it.
        full_refresh: True to reset and recompute every dataset, or a list of dataset names.
        refresh: datasets to update (default: all).
        dry_run: only validate the graph (``spark-pipelines dry-run``).
        echo: print progress lines as they come.
        timeout: seconds before the run is stopped and reported as failed.

    Returns:
        A ``PipelineRun`` with the log file's path and the progress lines.

    Raises:
        PipelineRunError: the run failed; the message names the failed flows, their errors (an
            ``expect_or_fail`` violation names its expectation) and the log's last lines.
    """
    if workspace.on_databricks():
        raise LocalbricksError(
            "On Databricks, run the pipeline as a Lakeflow pipeline (Jobs & Pipelines → ETL pipeline, "
            "with this folder's source files); its tables then appear under the pipeline's catalog and schema.")
    spec_path = find_spec(spec)
    _prepare_target(check_spec(spec_path))
    cmd = [str(server.spark_home() / "bin" / "spark-class"), server.LAUNCHER_CLASS, str(CLI),
           "--remote", server.master(), "dry-run" if dry_run else "run", "--spec", str(spec_path)]
    if full_refresh is True:
        cmd.append("--full-refresh-all")
    elif full_refresh:
        cmd += ["--full-refresh", ",".join(full_refresh)]
    if refresh:
        cmd += ["--refresh", ",".join(refresh)]
    env = server.environment(server.submit_args())
    logs = spec_path.parent / "logs"
    logs.mkdir(exist_ok=True)
    log_path = logs / f"run-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    run = PipelineRun(spec_path, log_path)
    returncode, timed_out = _stream(cmd, env, spec_path.parent, log_path, run.progress, echo, timeout)
    if returncode != 0:
        raise PipelineRunError(_explain(log_path, returncode, timed_out, timeout))
    return run


def _stream(cmd, env, cwd, log_path: Path, progress: list[str], echo: bool, timeout):
    """Run ``cmd``, copying its output to ``log_path``; return (exit code, whether it timed out)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, cwd=cwd, start_new_session=True, errors="replace")
    expired = threading.Event()

    def stop():
        expired.set()
        _kill(proc)

    timer = threading.Timer(timeout, stop) if timeout else None
    if timer:
        timer.start()
    try:
        with log_path.open("w") as log:
            for line in proc.stdout:
                log.write(line)
                if _PROGRESS.match(line):
                    progress.append(line.rstrip())
                    if echo:
                        print(line.rstrip(), flush=True)
        return proc.wait(), expired.is_set()
    except BaseException:  # an interrupted notebook cell must not leave the pipeline's JVMs running
        _kill(proc)
        raise
    finally:
        if timer:
            timer.cancel()


def _kill(proc: subprocess.Popen) -> None:
    """Stop the run's process group (the launcher, the CLI and the server JVM it started)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _explain(log_path: Path, returncode: int, timed_out: bool, timeout) -> str:
    """The failure in words: violated expectations first, then each failed flow's error, then the log's tail."""
    lines = log_path.read_text(errors="replace").splitlines()
    violations = [m.group(0) for line in lines if (m := _VIOLATION.search(line))]
    failed = []
    for i, line in enumerate(lines):
        if _PROGRESS.match(line) and "has FAILED" in line:
            event = [line.split(": ", 1)[1]]
            for after in lines[i + 1:]:  # an event's message may span lines, up to the next log line
                if _PROGRESS.match(after) or _JVM_LOG.match(after) or after.startswith("Traceback"):
                    break
                event.append(after.strip())
            failed.append(" ".join(event))
    final = next((line for line in reversed(lines) if _EXCEPTION.match(line)), None)
    tail = [line for line in lines if not _NOISE.search(line)][-30:]
    if timed_out:
        head = [f"The pipeline run timed out after {timeout} s."]
    elif violations:
        head = [f"The pipeline run failed: {violations[0]}"]
    else:
        head = [f"The pipeline run failed (exit code {returncode})."]
    parts = head + list(dict.fromkeys(failed))  # each failed flow once, in order
    if final and not any(final in f for f in failed):
        parts.append(final)
    return "\n".join([*parts, f"--- last lines of {log_path} ---", *tail])

"""A Delta-enabled SparkSession with Unity Catalog names, started once per process and reused."""
from __future__ import annotations

import os
import shlex
import sys
from contextlib import contextmanager
from pathlib import Path

from localbricks import catalogs, class_archive, locks, workspace
from localbricks.errors import DeltaJarsUnavailableError, LocalbricksError
from localbricks.java import require_java
from localbricks.jvm import catalog_jar

DEFAULT_MASTER = "local[*]"
MASTER_ENV = "LOCALBRICKS_SPARK_MASTER"
_HOME_CONF = "spark.localbricks.home"
JAVA_OPTIONS_ENV = "LOCALBRICKS_DRIVER_JAVA_OPTIONS"
# The course's data is small, so a driver lives mostly on start-up and first queries: stopping the
# JIT at its quick tier (C1) halves the CPU a start and a first Delta write cost (measured
# 2026-12 on 2 cores: 41 → 21 s of JVM CPU), at some speed on long, heavy jobs. Without the second
# tier the JVM reserves only 48 MB for compiled code, which Spark, Delta and MLlib fill in about 30 s;
# the JVM then disables its compiler for good and interprets everything after ("CodeCache is full"
# in a notebook's stderr). 240 MB is what it reserves with both tiers; it is committed only as used.
DEFAULT_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m"


def delta_coordinates() -> str:
    """Delta Lake's Maven coordinates for the installed pyspark and delta-spark."""
    from importlib.metadata import version

    import pyspark

    spark_minor = ".".join(pyspark.__version__.split(".")[:2])
    return f"io.delta:delta-spark_{spark_minor}_2.13:{version('delta-spark')}"


def _ivy_home() -> Path:
    """Where Spark caches the jars it resolves (``LOCALBRICKS_IVY_HOME`` overrides Spark's default)."""
    return Path(os.environ.get("LOCALBRICKS_IVY_HOME") or Path.home() / ".ivy2.5.2")


def _delta_jar_path() -> Path:
    """Where Spark's resolver puts Delta's jar once all of Delta's jars are downloaded."""
    group, artifact, ver = delta_coordinates().split(":")
    return _ivy_home() / "jars" / f"{group}_{artifact}-{ver}.jar"


def _manifest_path() -> Path:
    """The list of Delta's resolved jars, written by the one resolve that downloaded them."""
    return _delta_jar_path().with_name(f".localbricks-{_delta_jar_path().stem}.jars")


def _write_manifest(jars: list[str]) -> None:
    manifest = _manifest_path()
    manifest.parent.mkdir(parents=True, exist_ok=True)
    partial = manifest.with_name(manifest.name + f".{os.getpid()}")
    partial.write_text("".join(f"{jar}\n" for jar in jars), encoding="utf-8")
    os.replace(partial, manifest)  # a reader sees the whole list or none


def _cached_jars() -> list[Path] | None:
    """Delta's jar and its dependencies, in Spark's order, if the manifest lists them all present."""
    try:
        jars = [Path(line) for line in _manifest_path().read_text(encoding="utf-8").splitlines() if line]
    except OSError:
        return None
    complete = _delta_jar_path() in jars and all(jar.is_file() for jar in jars)
    return jars if complete else None


def cached_delta_jar() -> Path | None:
    """Delta's jar in the local Ivy cache, or None before the first start has downloaded it."""
    return _delta_jar_path() if _cached_jars() else None


def delta_jars() -> list[Path]:
    """Return Delta Lake's jars (``delta-spark`` and every jar it needs), downloading them if needed.

    A session starts with this list on ``--jars`` instead of ``--packages``: spark-submit would
    otherwise resolve the same 33 jars through Ivy at every start (3 s of CPU each time). The list
    is what Spark itself resolved, written down once. No session is started: spark-submit resolves
    ``--packages`` and then runs a script that records the result. One process at a time does it
    (:func:`_ivy_lock`); the others wait and find the jars there. Autograde comes through here
    too, preparing the cache for kernels that will have no network.
    """
    cached = _cached_jars()
    if cached is not None:
        return cached
    with _ivy_lock():
        cached = _cached_jars()  # fetched by the process we waited for
        if cached is not None:
            return cached
        require_java()
        log = _resolve_delta_packages()
    cached = _cached_jars()
    if cached is None:
        print(log[-4000:], file=sys.stderr)
        raise DeltaJarsUnavailableError(
            f"Delta Lake's jars ({delta_coordinates()}) are not in the local Ivy cache and could not be "
            "downloaded from Maven Central, so Spark cannot start. Connect to the internet (or configure "
            "your proxy for Java) once and run again; they are cached after that. The Spark launcher's own "
            "log is printed above this error.")
    return cached


def fetch_delta_jars() -> Path:
    """Return Delta's own jar, first downloading Delta Lake's jars if the cache lacks them."""
    delta_jars()
    return _delta_jar_path()


def _ivy_lock():
    """The Ivy cache's lock. Two JVMs resolving Delta into one empty cache break each other's files
    (seen on a fresh machine, two test processes starting Spark at once: "io problem while parsing
    ivy file … ivy-4.4.0.xml.original (No such file or directory)", then "unresolved dependency");
    two notebooks opened at once on a new laptop would do the same."""
    return locks.exclusive(_ivy_home() / ".localbricks-fetch.lock")


# Run by spark-submit once it has resolved ``--packages``: for a Python application it puts the
# resolved jars on the script's PYTHONPATH, in its own order, and that list is what we keep.
_RECORD_RESOLVED = """\
import os, sys
ivy_jars = os.path.realpath(sys.argv[1])
jars = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
        if p.endswith(".jar") and os.path.dirname(os.path.realpath(p)) == ivy_jars]
with open(sys.argv[2], "w") as out:
    out.write("\\n".join(jars))
"""


def _resolve_delta_packages() -> str:
    """Run spark-submit with Delta's ``--packages``, write down the jars it resolved; return its log."""
    import subprocess
    import tempfile

    from localbricks.jvm import pyspark_jars

    spark_submit = pyspark_jars().parent / "bin" / "spark-submit"
    with tempfile.TemporaryDirectory(prefix="localbricks-resolve-") as tmp:
        script, listed = Path(tmp) / "record_resolved.py", Path(tmp) / "resolved.txt"
        script.write_text(_RECORD_RESOLVED, encoding="utf-8")
        cmd = [str(spark_submit), "--packages", delta_coordinates(), "--conf", f"spark.jars.ivy={_ivy_home()}",
               str(script), str(_delta_jar_path().parent), str(listed)]
        env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
        env.pop("PYSPARK_SUBMIT_ARGS", None)
        log = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900).stderr
        jars = listed.read_text(encoding="utf-8").split() if listed.exists() else []
        if jars:
            _write_manifest(jars)
        return log


def base_conf(home: Path) -> dict[str, str]:
    """The static confs of a localbricks session for the workspace ``home``: Delta, the catalog
    plugins, the warehouse, this interpreter for Python workers. A pipeline's server starts with them too."""
    conf = {
        "spark.app.name": "localbricks",
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.jars": str(catalog_jar()),
        "spark.sql.defaultCatalog": catalogs.DEFAULT_CATALOG,
        "spark.sql.sources.default": "delta",
        "spark.sql.warehouse.dir": str(home / "spark-warehouse"),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": os.environ.get("LOCALBRICKS_SHUFFLE_PARTITIONS", "4"),
        "spark.databricks.delta.snapshotPartitions": "2",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.driver.memory": os.environ.get("LOCALBRICKS_DRIVER_MEMORY", "4g"),
        "spark.ui.enabled": os.environ.get("LOCALBRICKS_SPARK_UI", "true"),
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.extraJavaOptions": " ".join(filter(None, (
            f"-Dderby.system.home={home}", os.environ.get(JAVA_OPTIONS_ENV, DEFAULT_JAVA_OPTIONS),
            class_archive.java_option()))),
        # Python workers must be this interpreter (the venv with pandas, MLflow…), whatever PATH says
        "spark.pyspark.python": sys.executable,
        "spark.pyspark.driver.python": sys.executable,
        _HOME_CONF: str(home),
    }
    conf.update({f"spark.executorEnv.{name}": value for name, value in _worker_environment(home).items()})
    if os.environ.get("LOCALBRICKS_IVY_HOME"):
        conf["spark.jars.ivy"] = str(_ivy_home())
    for name in catalogs.existing():
        catalogs.ensure_folder(name)
        conf.update(catalogs.plugin_conf(name))
    return conf


# What Python workers need to find the workspace: its folder, its MLflow store and registry switch
_WORKER_ENV = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "_MLFLOW_SERVER_ARTIFACT_ROOT",
               "LOCALBRICKS_UC_REGISTRY")


def _worker_environment(home: Path) -> dict[str, str]:
    """The variables executors must hand their Python workers. In local mode workers inherit this
    process's environment; a cluster's executors are started by its worker daemons, whose
    environment knows nothing of this workspace, so MLflow calls in a UDF or a SparkTrials trial
    would log to a ``./mlruns`` folder on the worker instead."""
    env = {name: os.environ[name] for name in _WORKER_ENV if os.environ.get(name)}
    env[workspace.HOME_ENV] = str(home)
    return env


def _active_session():
    """This process's session, from any thread. ``getActiveSession()`` alone is per thread: a
    background thread (an inference-table flush, a monitor refresh) would see none and start the
    builder again, changing this process's environment while it ran (see ``_submit_args``)."""
    from pyspark.errors import PySparkRuntimeError
    from pyspark.sql import SparkSession

    try:
        return SparkSession.active()
    except PySparkRuntimeError:  # NO_ACTIVE_OR_DEFAULT_SESSION: none started yet, or stopped
        return None


def get_spark(master: str | None = None):
    """Return the process's SparkSession, starting a Delta-enabled one if there is none.

    Args:
        master: a Spark master URL (``local[2]``, ``spark://host:7077``) or a Spark Connect URL
            (``sc://host:15002``); default ``$LOCALBRICKS_SPARK_MASTER`` or ``local[*]``.
    """
    from pyspark.sql import SparkSession

    home = workspace.home()
    catalogs.install_sql_hook(SparkSession)
    active = _active_session()
    if active is not None:
        started_for = active.conf.get(_HOME_CONF, None)
        if started_for and Path(started_for) != home:
            raise LocalbricksError(
                f"This kernel's Spark session belongs to the workspace {started_for}, not {home}. "
                "Restart the kernel to switch workspaces."
            )
        return active

    master = master or os.environ.get(MASTER_ENV) or DEFAULT_MASTER
    if master.startswith("sc://"):
        return _connect(master)

    require_java()
    # pyspark starts Python workers with $PYSPARK_PYTHON (default: whatever `python3` is on PATH),
    # not with the conf below; both must name this interpreter so UDFs see the venv's packages
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    jars = [str(catalog_jar()), *map(str, delta_jars())]  # a first start downloads Delta's
    class_archive.ensure()  # a first start records Spark's classes, so later ones map them
    conf = base_conf(home)
    conf.pop("spark.jars")
    builder = SparkSession.builder.master(master)
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        with _submit_args("--jars", ",".join(jars)):
            spark = builder.getOrCreate()
    except Exception as exc:  # the JVM died before answering: say why in words
        raise LocalbricksError(f"Spark failed to start on master '{master}': {exc}") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@contextmanager
def _submit_args(*args: str):
    """Put ``args`` on the ``spark-submit`` command line pyspark launches the driver JVM with.

    The jars go there, on spark-submit's ``--jars``: it puts them on the driver's classpath as it
    launches the JVM and into the ``spark.jars`` that executors fetch. pyspark copies the builder's
    confs over the JVM's only afterwards, so jars given as a builder ``spark.jars`` miss the
    launch (with ``--packages`` it once left executors on a cluster without Delta; local mode
    hides it, as there the driver's classpath serves every task).
    """
    old = os.environ.get("PYSPARK_SUBMIT_ARGS")
    os.environ["PYSPARK_SUBMIT_ARGS"] = shlex.join(args) + " " + (old or "pyspark-shell")
    try:
        yield
    finally:
        if old is None:
            del os.environ["PYSPARK_SUBMIT_ARGS"]
        else:
            os.environ["PYSPARK_SUBMIT_ARGS"] = old


def _connect(url: str):
    """A Spark Connect session: the server must already have Delta and the catalog jar."""
    from pyspark.sql import SparkSession
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    catalogs.install_sql_hook(ConnectSession)
    spark = SparkSession.builder.remote(url).getOrCreate()
    for name in catalogs.existing():
        for key, value in catalogs.plugin_conf(name).items():
            spark.conf.set(key, value)
    return spark

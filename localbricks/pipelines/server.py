"""The Spark a pipeline run gets: a local Spark Connect server set up like the notebook's session.

How ``spark-pipelines run`` starts Spark (pyspark 4.1): Spark's launcher (``SparkPipelines``) runs
the CLI's Python file through spark-submit with ``--remote local``; the CLI's
``SparkSession.builder.getOrCreate()`` then starts the Connect server itself, by launching a second
JVM with ``spark-submit … pyspark-shell``, whose command line it takes from ``PYSPARK_SUBMIT_ARGS``.
So the confs, jars and driver memory of the notebook's session (``localbricks.session``) go into
``PYSPARK_SUBMIT_ARGS`` and reach the server's SparkContext exactly as they reach a notebook's.
Two other routes look natural and fail:

- ``--conf`` given to ``spark-pipelines`` travels to the CLI's Python as JSON chunks of ten entries,
  and pyspark 4.1.4's ``_start_connect_server`` keeps only the last chunk (it overwrites instead of
  merging), so most confs, the catalog plugin among them, silently vanish;
- the spec's ``configuration`` is also applied to every flow as session confs, where static confs
  (``spark.sql.extensions``, ``spark.pyspark.python``) are refused with ``CANNOT_MODIFY_CONFIG``.
  It stays what it is on Databricks: the pipeline's own parameters.

The catalogs are served by ``StreamingUnityCatalog`` (``jvm/``), ``LocalUnityCatalog`` plus the
catalog entry Delta needs for ``writeStream.toTable`` — the call a pipeline makes for every
streaming table. It is compiled once against the installed pyspark and Delta and cached.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from localbricks import catalogs, session, workspace
from localbricks.jvm import catalog_jar, compiled_jar

CATALOG_CLASS = "dev.localbricks.pipelines.StreamingUnityCatalog"
SOURCE = Path(__file__).parent / "jvm" / "StreamingUnityCatalog.java"
LAUNCHER_CLASS = "org.apache.spark.deploy.SparkPipelines"

DRIVER_MEMORY_ENV = "LOCALBRICKS_PIPELINE_DRIVER_MEMORY"
UI_ENV = "LOCALBRICKS_PIPELINE_UI"

# Set in a process that itself runs under spark-submit or Spark Connect; a child must not inherit
# them, or its pyspark would attach to the parent's JVM instead of starting its own server.
_INHERITED_SPARK_ENV = ("PYSPARK_GATEWAY_PORT", "PYSPARK_GATEWAY_SECRET", "SPARK_REMOTE",
                        "SPARK_CONNECT_MODE_ENABLED", "SPARK_LOCAL_REMOTE", "SPARK_CONNECT_MODE",
                        "PYSPARK_REMOTE_INIT_CONF_LEN")


def spark_home() -> Path:
    """The installed pyspark, which is a Spark distribution (``bin/spark-class``, ``jars/``)."""
    import pyspark

    return Path(pyspark.__file__).parent


def master() -> str:
    """``local[N]`` for the pipeline's server: the notebook's local master, else ``local[*]``."""
    chosen = os.environ.get(session.MASTER_ENV, "")
    return chosen if chosen.startswith("local") else "local[*]"


def _session_jars() -> list[str] | None:
    """The jars the running local session loaded (the catalog jar and Delta's resolved jars)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    try:
        listed = active.sparkContext.getConf().get("spark.repl.local.jars", None) if active else None
    except Exception:  # a Spark Connect session has no SparkContext
        return None
    jars = [j.removeprefix("file://") for j in (listed or "").split(",") if j]
    return jars if any("delta-spark_" in Path(j).name for j in jars) else None


def streaming_catalog_jar(delta_jar: Path) -> Path:
    """Return the compiled ``StreamingUnityCatalog`` jar, compiling it if the cache has none.

    It extends the notebook's catalog plugin and Delta's catalog, so both jars are on its classpath
    and their names are in its cache key.
    """
    base = catalog_jar()
    return compiled_jar(SOURCE, "localbricks-streaming-catalog", classpath=[delta_jar, base],
                        key_extra=delta_jar.name.encode() + base.name.encode(),
                        what=f"the pipelines' catalog plugin (with Delta {delta_jar.name})")


def submit_args() -> list[str]:
    """spark-submit arguments for the pipeline's Connect server: the notebook session's confs."""
    jars = _session_jars()
    if jars is None:  # no local session in this process: the jars one would start with
        jars = [str(catalog_jar()), *map(str, session.delta_jars())]
    delta_jar = next(Path(j) for j in jars if Path(j).name.startswith("io.delta_delta-spark_"))
    jars = [*jars, str(streaming_catalog_jar(delta_jar))]

    conf = session.base_conf(workspace.home())
    conf.pop("spark.jars")
    conf.pop("spark.driver.memory")
    conf.update({
        "spark.app.name": "localbricks-pipeline",
        "spark.ui.enabled": os.environ.get(UI_ENV, "false"),
        # A failed flow is retried twice by default; locally that only repeats the same error
        # (an expect_or_fail violation fails identically each time). The spec can set it back.
        "spark.sql.pipelines.maxFlowRetryAttempts": "0",
        # any free port, so runs can overlap; cli.py points the CLI's client at it
        "spark.connect.grpc.binding.port": "0",
    })
    for name in catalogs.existing():
        conf[f"spark.sql.catalog.{name}"] = CATALOG_CLASS
    args = ["--jars", ",".join(jars), "--driver-memory", os.environ.get(DRIVER_MEMORY_ENV, "2g")]
    for key, value in conf.items():
        args += ["--conf", f"{key}={value}"]
    return args + ["pyspark-shell"]


def environment(args: list[str]) -> dict[str, str]:
    """The environment of the ``SparkPipelines`` launcher, passed on to the CLI and the server."""
    import shlex

    from localbricks import tracking

    tracking.configure()  # workers scoring with spark_udf find the workspace's MLflow store
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED_SPARK_ENV}
    env.update({
        "SPARK_HOME": str(spark_home()),
        "PYSPARK_SUBMIT_ARGS": shlex.join(args),
        # the CLI, its server's Python workers and UDFs must all be this interpreter (the venv)
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        workspace.HOME_ENV: str(workspace.home()),
        # the launcher JVM only starts the CLI's Python; the server gets --driver-memory above
        "SPARK_DRIVER_MEMORY": os.environ.get("LOCALBRICKS_PIPELINE_LAUNCHER_MEMORY", "512m"),
    })
    return env

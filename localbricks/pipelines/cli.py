"""The pipeline command: ``python -m localbricks.pipelines run``, and what the run's Python executes.

Two halves of one command line:

- ``command()`` is what a learner types, ``python -m localbricks.pipelines run --spec spark-pipeline.yml``:
  the sub-commands and options of ``spark-pipelines`` (``run``, ``dry-run``, ``--full-refresh``…),
  with the spec checked first (``spec``) and the run given the workspace's catalogs, Delta and the
  local Unity Catalog registry (``runner``), its progress printed as it comes;
- ``main()`` runs inside that run. Spark's launcher (``SparkPipelines``) runs this file where the
  ``spark-pipelines`` script would run pyspark's ``pipelines/cli.py`` (``runner`` starts it).
  Before handing over to pyspark's own ``main()`` it adds, in this process only, what a Databricks
  pipeline's source files count on and open-source Spark lacks: the expectation decorators on
  ``pyspark.pipelines`` (``dp.expect_or_drop``…), ``import dlt`` (``localbricks.aliases``) and a
  global ``spark``, the pipeline's session. Source files then run unchanged on Databricks, where
  the runtime provides all three.

``main()`` also lets runs coexist: the pipeline's Connect server binds a free port (``server`` sets
``spark.connect.grpc.binding.port=0``), and the CLI's client asks the server's JVM which one,
as pyspark itself does in its tests; with the fixed default (15002) a second run on the machine,
or a learner's own Connect server, makes the run fail with ``BindException``.
"""
import builtins
import os
import sys

if __name__ == "__main__":  # run as a script, this file's folder is sys.path[0]; its modules are not top-level names
    _HERE = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]


def _server_port() -> int:
    """The port the local Connect server bound (it was started in this process, through py4j)."""
    from pyspark.sql.session import SparkSession

    session = SparkSession._instantiatedSession
    if session is None:
        return 15002
    service = getattr(session._jvm, "org.apache.spark.sql.connect.service.SparkConnectService$")
    return getattr(service, "MODULE$").localPort()


def main() -> None:
    from pyspark import pipelines as dp
    from pyspark.pipelines import cli
    from pyspark.sql.connect.client import core

    core.DefaultChannelBuilder.default_port = staticmethod(_server_port)

    from localbricks import aliases
    from localbricks.pipelines import expectations

    for name in expectations.DECORATORS:
        if not hasattr(dp, name):
            setattr(dp, name, getattr(expectations, name))
    aliases.install()  # `import dlt`, and the other Databricks module names, in the source files

    register = cli.register_definitions

    def register_definitions(spec_path, registry, spec, spark, *args, **kwargs):
        if not hasattr(builtins, "spark"):
            builtins.spark = spark  # as Databricks provides it to pipeline source files
        return register(spec_path, registry, spec, spark, *args, **kwargs)

    cli.register_definitions = register_definitions
    cli.main()


def command(argv: list[str] | None = None) -> int:
    """Run ``python -m localbricks.pipelines …``; return the exit code (0 done, 1 failed, 2 bad usage)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m localbricks.pipelines",
        description="Run a Spark Declarative Pipeline spec locally, as `spark-pipelines` does, with the "
                    "workspace's catalogs, Delta tables and Unity Catalog model registry.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="Run the pipeline: an incremental update unless a refresh option "
                                          "says otherwise.")
    dry = commands.add_parser("dry-run", help="Only build and validate the pipeline's graph; write nothing.")
    for sub in (run, dry):
        sub.add_argument("--spec", help="spark-pipeline.yml or its folder (default: the nearest one at or above "
                                        "the current folder).")
        sub.add_argument("--timeout", type=float, default=1800, help="Seconds before the run is stopped (1800).")
    run.add_argument("--full-refresh", type=_names, action="extend", default=[],
                     help="Datasets to reset and recompute (comma-separated).")
    run.add_argument("--full-refresh-all", action="store_true", help="Reset and recompute every dataset.")
    run.add_argument("--refresh", type=_names, action="extend", default=[],
                     help="Datasets to update (comma-separated; default: all).")
    args = parser.parse_args(argv)
    full_refresh = getattr(args, "full_refresh_all", False) or getattr(args, "full_refresh", [])
    refresh = getattr(args, "refresh", [])
    if args.command == "run" and args.full_refresh_all and (args.full_refresh or args.refresh):
        parser.error("--full-refresh-all already refreshes every dataset; leave out --full-refresh and --refresh.")
    return _run(args.spec, args.command == "dry-run", full_refresh, refresh, args.timeout)


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def _run(spec, dry_run: bool, full_refresh, refresh, timeout: float) -> int:
    import time
    from pathlib import Path

    from localbricks import catalogs, registry, workspace
    from localbricks.errors import LocalbricksError
    from localbricks.pipelines import runner
    from localbricks.pipelines.spec import check_spec, find_spec, search_spec

    try:
        path = find_spec(spec) if spec else search_spec(Path.cwd())
        pipeline = check_spec(path)
        if not workspace.on_databricks():  # run_pipeline refuses on Databricks, where nothing is ours
            registry.install()  # "databricks-uc" in the source files: the workspace's registry
        target = f"{pipeline.catalog or catalogs.DEFAULT_CATALOG}.{pipeline.database or catalogs.DEFAULT_SCHEMA}"
        print(f"{'Validating' if dry_run else 'Running'} pipeline '{pipeline.name}' from {path}; "
              f"its datasets go to {target} in the workspace {workspace.home()}", flush=True)
        started = time.monotonic()
        done = runner.run_pipeline(path, full_refresh=full_refresh, refresh=refresh, dry_run=dry_run,
                                   echo=True, timeout=timeout)
    except LocalbricksError as err:
        print(f"error: {err}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:  # run_pipeline has stopped the run's processes
        print("error: interrupted; the run was stopped.", file=sys.stderr, flush=True)
        return 130
    print(f"Pipeline '{pipeline.name}' {'validated' if dry_run else 'completed'} in "
          f"{time.monotonic() - started:.0f} s. Full log: {done.log}", flush=True)
    return 0


if __name__ == "__main__":
    main()

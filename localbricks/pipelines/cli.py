"""What a pipeline run executes: pyspark's ``spark-pipelines`` CLI, plus what Databricks gives source files.

Spark's launcher (``SparkPipelines``) runs this file where the ``spark-pipelines`` script would
run pyspark's ``pipelines/cli.py`` (``runner`` starts it). Before handing over to pyspark's own
``main()`` it adds, in this process only, the two things a Databricks pipeline's source files
count on and open-source Spark lacks: the expectation decorators on ``pyspark.pipelines``
(``dp.expect_or_drop``…) and a global ``spark``, the pipeline's session. Source files then run
unchanged on Databricks, where the runtime provides both.

It also lets runs coexist: the pipeline's Connect server binds a free port (``server`` sets
``spark.connect.grpc.binding.port=0``), and the CLI's client asks the server's JVM which one,
as pyspark itself does in its tests; with the fixed default (15002) a second run on the machine,
or a learner's own Connect server, makes the run fail with ``BindException``.
"""
import builtins
import os
import sys

# Run as a script, this file's folder is sys.path[0]; its modules are not top-level names.
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

    from localbricks.pipelines import expectations

    for name in expectations.DECORATORS:
        if not hasattr(dp, name):
            setattr(dp, name, getattr(expectations, name))

    register = cli.register_definitions

    def register_definitions(spec_path, registry, spec, spark, *args, **kwargs):
        if not hasattr(builtins, "spark"):
            builtins.spark = spark  # as Databricks provides it to pipeline source files
        return register(spec_path, registry, spec, spark, *args, **kwargs)

    cli.register_definitions = register_definitions
    cli.main()


if __name__ == "__main__":
    main()

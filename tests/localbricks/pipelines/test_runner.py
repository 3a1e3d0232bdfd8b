"""What a run is made of, checked without running one: the spec we write and the server we configure."""
import shlex
import sys
import uuid

import pytest

from localbricks.errors import LocalbricksError
from localbricks.pipelines import find_spec, pipeline_folder, write_spec
from localbricks.pipelines import server


def test_write_spec_writes_what_spark_pipelines_reads(workspace_dir):
    from pyspark.pipelines.cli import load_pipeline_spec

    path = write_spec("spec_check", schema="streaming", configuration={"events.landing": "/data/in", "debug": True},
                      libraries=["transformations/**", "extra/one.py"])
    spec = load_pipeline_spec(path)  # pyspark's own parser, as `spark-pipelines run` uses it
    assert path == workspace_dir / "pipelines" / "spec_check" / "spark-pipeline.yml"
    assert (spec.name, spec.catalog, spec.database) == ("spec_check", "main", "streaming")
    assert spec.storage == (path.parent / "storage").as_uri() and spec.storage.startswith("file://")
    assert spec.configuration == {"events.landing": "/data/in", "debug": "true"}
    assert [lib.include for lib in spec.libraries] == ["transformations/**/*", "extra/one.py"]
    assert find_spec(path.parent) == path.resolve()


def test_a_missing_spec_is_explained(tmp_path):
    with pytest.raises(LocalbricksError, match="write_spec"):
        find_spec(tmp_path)


def test_a_missing_catalog_is_refused_before_anything_starts():
    from localbricks.pipelines import run_pipeline

    folder = pipeline_folder(f"nocat_{uuid.uuid4().hex[:6]}")
    (folder / "transformations").mkdir()
    (folder / "transformations" / "t.py").write_text("from pyspark import pipelines as dp\n")
    spec = write_spec(folder, catalog="no_such_catalog")
    with pytest.raises(LocalbricksError, match="CREATE CATALOG no_such_catalog"):
        run_pipeline(spec)


@pytest.mark.spark
def test_the_pipeline_server_gets_the_notebook_session_setup(spark):
    args = server.submit_args()
    confs = dict(args[i + 1].split("=", 1) for i, a in enumerate(args) if a == "--conf")
    jars = args[args.index("--jars") + 1].split(",")
    assert args[-1] == "pyspark-shell"
    assert any("delta-spark_" in j for j in jars) and any("streaming-catalog" in j for j in jars)
    assert confs["spark.sql.catalog.main"] == server.CATALOG_CLASS
    assert confs["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"
    assert confs["spark.connect.grpc.binding.port"] == "0"  # runs can overlap
    assert "spark.jars" not in confs and "--packages" not in args  # the session's resolved jars are reused

    env = server.environment(args)
    assert shlex.split(env["PYSPARK_SUBMIT_ARGS"]) == args
    assert env["PYSPARK_PYTHON"] == env["PYSPARK_DRIVER_PYTHON"] == sys.executable
    assert "SPARK_REMOTE" not in env and env["SPARK_HOME"] == str(server.spark_home())

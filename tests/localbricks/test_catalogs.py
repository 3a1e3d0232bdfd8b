"""Unity Catalog names on local Spark: the catalog plugin and the catalog DDL we add."""
import subprocess
import sys
import uuid

import pytest
from pyspark.errors import AnalysisException

pytestmark = pytest.mark.spark


def _unique(prefix):
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def test_three_level_names_work_in_writer_reader_and_sql(spark):
    spark.sql("CREATE SCHEMA IF NOT EXISTS main.prep")
    spark.range(5).write.mode("overwrite").saveAsTable("main.prep.numbers")
    assert spark.table("main.prep.numbers").count() == 5
    assert spark.sql("SELECT count(*) AS n FROM main.prep.numbers").first().n == 5
    names = {r.tableName for r in spark.sql("SHOW TABLES IN main.prep").collect()}
    assert "numbers" in names


def test_create_catalog_and_schema_if_not_exists_are_idempotent(spark, workspace_dir):
    cat = _unique("course")
    for _ in range(2):
        spark.sql(f"CREATE CATALOG IF NOT EXISTS {cat}")
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {cat}.features")
    spark.createDataFrame([(1, "a")], "id INT, v STRING").write.saveAsTable(f"{cat}.features.t")
    assert (workspace_dir / "catalogs" / cat / "features" / "t" / "_delta_log").is_dir()
    with pytest.raises(ValueError, match="already exists"):
        spark.sql(f"CREATE CATALOG {cat}")


def test_drop_catalog_refuses_non_empty_without_cascade(spark):
    cat = _unique("scratch")
    spark.sql(f"CREATE CATALOG {cat}")
    spark.range(1).write.saveAsTable(f"{cat}.default.t")
    with pytest.raises(ValueError, match="CASCADE"):
        spark.sql(f"DROP CATALOG {cat}")
    spark.sql(f"DROP CATALOG {cat} CASCADE")
    spark.sql(f"DROP CATALOG IF EXISTS {cat}")
    with pytest.raises(ValueError, match="does not exist"):
        spark.sql(f"DROP CATALOG {cat}")


def test_unqualified_names_land_in_main_default(spark):
    spark.sql("USE CATALOG main")
    spark.range(2).write.mode("overwrite").saveAsTable("plain_name")
    assert spark.table("main.default.plain_name").count() == 2


def test_missing_table_and_schema_errors_name_all_three_levels(spark):
    with pytest.raises(AnalysisException, match="main.*prep.*no_such_table"):
        spark.table("main.prep.no_such_table").count()
    with pytest.raises(AnalysisException, match="SCHEMA_NOT_FOUND|NAMESPACE"):
        spark.range(1).write.saveAsTable("main.no_such_schema.t")


def test_delta_time_travel_history_and_restore(spark):
    name = f"main.prep.{_unique('versions')}"
    spark.range(5).write.saveAsTable(name)                       # version 0: 5 rows
    spark.range(10).write.mode("overwrite").saveAsTable(name)    # version 1: 10 rows, history kept
    spark.range(3).write.mode("append").saveAsTable(name)        # version 2: 13 rows
    assert spark.table(name).count() == 13
    history = spark.sql(f"DESCRIBE HISTORY {name}").orderBy("version").collect()
    assert [h.version for h in history] == [0, 1, 2]
    assert spark.read.option("versionAsOf", 0).table(name).count() == 5
    assert spark.sql(f"SELECT * FROM {name} VERSION AS OF 1").count() == 10
    spark.sql(f"RESTORE TABLE {name} TO VERSION AS OF 0")
    assert spark.table(name).count() == 5


def test_merge_and_change_data_feed_on_a_catalog_table(spark):
    name = f"main.prep.{_unique('merge')}"
    spark.sql(f"CREATE TABLE {name} (id INT, v DOUBLE) TBLPROPERTIES (delta.enableChangeDataFeed = true)")
    spark.sql(f"INSERT INTO {name} VALUES (1, 1.0), (2, 2.0)")
    spark.sql(f"""MERGE INTO {name} t USING (SELECT 2 AS id, 5.0 AS v UNION ALL SELECT 3, 3.0) s
                  ON t.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *""")
    assert sorted(tuple(r) for r in spark.table(name).collect()) == [(1, 1.0), (2, 5.0), (3, 3.0)]
    changes = spark.read.option("readChangeFeed", "true").option("startingVersion", 2).table(name)
    assert {r._change_type for r in changes.collect()} == {"update_preimage", "update_postimage", "insert"}


def test_path_based_delta_names_still_work(spark, tmp_path):
    path = (tmp_path / "by_path").as_posix()
    spark.sql(f"CREATE OR REPLACE TABLE delta.`{path}` AS SELECT * FROM range(4)")
    assert spark.sql(f"SELECT count(*) AS n FROM delta.`{path}`").first().n == 4


def test_non_delta_format_is_refused(spark):
    with pytest.raises(Exception, match="Delta tables"):
        spark.range(1).write.format("parquet").saveAsTable(f"main.prep.{_unique('pq')}")


def test_tables_persist_and_are_shared_across_processes(spark, workspace_dir):
    """A second kernel (process) sees the tables of the first: the folders are the catalog."""
    name = f"main.prep.{_unique('shared')}"
    spark.range(7).write.saveAsTable(name)
    code = ("import localbricks; s = localbricks.activate(inject=False)['spark']; "
            f"print('ROWS', s.table('{name}').count())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert "ROWS 7" in out.stdout, out.stderr[-2000:]

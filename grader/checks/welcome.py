"""Checks for notebook 00, the welcome: a first Delta table, and reading its history."""
from __future__ import annotations

from grader import exercise

DOMAIN = "Databricks Machine Learning"


@exercise("00.hello_table", domain=DOMAIN, objective="1.1", hints=[
    "Make a DataFrame with spark.createDataFrame([(1, 'hello'), ...], 'id INT, greeting STRING').",
    "Save it with .write.saveAsTable('main.default.hello') — the name has three parts: catalog.schema.table.",
    "If the table already exists from an earlier run, add .mode('overwrite').",
])
def check_hello_table(spark, table_name="main.default.hello"):
    assert spark.catalog.tableExists(table_name), f"There is no table {table_name} yet: save your DataFrame with saveAsTable."
    detail = spark.sql(f"DESCRIBE DETAIL {table_name}").first()
    assert detail["format"] == "delta", f"{table_name} should be a Delta table."
    columns = dict(spark.table(table_name).dtypes)
    assert set(columns) == {"id", "greeting"}, "The table should have exactly two columns, id and greeting."
    assert spark.table(table_name).count() >= 3, "The table should hold at least three rows."


@exercise("00.table_history", domain=DOMAIN, objective="1.1", hints=[
    "spark.sql('DESCRIBE HISTORY main.default.hello') returns one row per version.",
    "Count its rows after your append: hello_versions = spark.sql(...).count().",
])
def check_table_history(hello_versions, spark, table_name="main.default.hello"):
    history = spark.sql(f"DESCRIBE HISTORY {table_name}")
    assert history.filter("operation = 'WRITE'").count() >= 1, "Append one row to the table first (mode('append')), so it has a second version."
    assert isinstance(hello_versions, int), "hello_versions should be a whole number of versions."
    assert hello_versions == history.count(), "hello_versions is not the number of versions DESCRIBE HISTORY lists."

"""write_table: merge upserts by key, overwrite replaces rows, bad input changes nothing, writers may race."""
import threading

import pandas as pd
import pytest

from localbricks.feature_store import FeatureStoreError, metadata

pytestmark = pytest.mark.spark


def _rows(spark, name):
    return sorted(tuple(r) for r in spark.table(name).collect())


def test_merge_inserts_new_keys_and_leaves_unsent_columns_alone(spark, fe, customers):
    fe.write_table(name=customers, df=spark.createDataFrame([("c2", 99), ("c4", 40)], "cid string, visits int"))
    assert _rows(spark, customers) == [("c1", 10, 1.5), ("c2", 99, 2.5), ("c3", 30, 3.5), ("c4", 40, None)]
    history = spark.sql(f"DESCRIBE HISTORY {customers}").select("operation").collect()
    assert history[0].operation == "MERGE"


def test_merge_accepts_safe_upcasts_and_any_column_order(spark, fe, customers):
    df = spark.createDataFrame([(7, "c1")], "spend int, cid string")  # int fits a double column
    fe.write_table(name=customers, df=df, mode="merge")
    assert _rows(spark, customers)[0] == ("c1", 10, 7.0)


def test_overwrite_replaces_every_row_and_unsent_columns_become_null(spark, fe, customers):
    fe.write_table(name=customers, df=spark.createDataFrame([("c9", 90)], "cid string, visits int"), mode="overwrite")
    assert _rows(spark, customers) == [("c9", 90, None)]
    assert spark.read.option("versionAsOf", 1).table(customers).count() == 3  # history still has them
    assert fe.get_table(name=customers).primary_keys == ["cid"]


def _bad_write_cases(spark):
    df = spark.createDataFrame
    return {
        "duplicate keys": lambda: (dict(df=df([("c1", 1), ("c1", 2)], "cid string, visits int")), "appears 2 times"),
        "null key": lambda: (dict(df=df([(None, 1)], "cid string, visits int")), "null primary key"),
        "missing key column": lambda: (dict(df=df([(1,)], "visits int")), "no primary-key column"),
        "unknown column": lambda: (dict(df=df([("c1", 1)], "cid string, colour int")), "'colour' that"),
        "incompatible type": lambda: (dict(df=df([("c1", "many")], "cid string, visits string")), "'visits' is string in df but int"),
        "lossy type": lambda: (dict(df=df([("c1", 2.5)], "cid string, visits double")), "'visits' is double in df but int"),
        "repeated column": lambda: (dict(df=df([("c1", 1, 2)], "cid string, visits int, VISITS int")), "more than once"),
        "bad mode": lambda: (dict(df=df([("c1", 1)], "cid string, visits int"), mode="append"), "mode must be"),
        "pandas df": lambda: (dict(df=pd.DataFrame({"cid": ["c1"]})), "spark.createDataFrame"),
        "streaming df": lambda: (dict(df=spark.readStream.format("rate").load()), "foreachBatch"),
        "unexpected argument": lambda: (dict(df=df([("c1", 1)], "cid string, visits int"), checkpoint="x"), "'checkpoint'"),
    }


@pytest.mark.parametrize("case", ["duplicate keys", "null key", "missing key column", "unknown column", "incompatible type",
                                  "lossy type", "repeated column", "bad mode", "pandas df", "streaming df",
                                  "unexpected argument"])
def test_bad_writes_raise_clearly_and_change_nothing(spark, fe, frozen_customers, case):
    before = metadata.delta_version(spark, frozen_customers)
    kwargs, message = _bad_write_cases(spark)[case]()
    with pytest.raises(FeatureStoreError, match=message):
        fe.write_table(name=frozen_customers, **kwargs)
    assert metadata.delta_version(spark, frozen_customers) == before == 1


def test_writing_a_missing_table_says_how_to_create_it(spark, fe, new_name):
    with pytest.raises(FeatureStoreError, match="does not exist.*fe.create_table"):
        fe.write_table(name=new_name(), df=spark.range(1))


def test_concurrent_merges_retry_and_lose_or_duplicate_nothing(spark, fe, new_name):
    """Four writers merge overlapping key ranges at once; Delta conflicts are retried until each commits."""
    name = new_name("race")
    fe.create_table(name=name, primary_keys="id", schema=spark.createDataFrame([], "id int, writer int, copy int").schema)
    writers, errors = 4, []

    def write(w):
        try:  # writer w owns keys 5w .. 5w+9: each overlaps the next writer's range by five keys
            df = spark.createDataFrame([(i, w, w) for i in range(5 * w, 5 * w + 10)], "id int, writer int, copy int")
            fe.write_table(name=name, df=df)
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert fe.get_table(name=name).primary_keys == ["id"]
    got = spark.table(name).collect()
    ids = [r.id for r in got]
    assert len(ids) == len(set(ids)) == 5 * writers + 5  # 0 .. 24, each once
    assert set(ids) == set(range(5 * writers + 5))
    for row in got:  # every row is one writer's whole update, never a mix
        assert row.writer == row.copy and row.id in range(5 * row.writer, 5 * row.writer + 10)
    assert [h.operation for h in spark.sql(f"DESCRIBE HISTORY {name}").collect()].count("MERGE") == writers

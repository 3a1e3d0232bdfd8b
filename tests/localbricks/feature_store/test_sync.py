"""publish_table: online tables synced from the offline table through Delta's change data feed."""
import datetime as dt
import uuid

import pytest

from localbricks.errors import ThreeLevelNameError
from localbricks.feature_store import FeatureStoreError, metadata
from localbricks.feature_store.lineage import table_lineage

pytestmark = pytest.mark.spark


@pytest.fixture
def store(fe):
    return fe.create_online_store(name=f"sync-{uuid.uuid4().hex[:8]}")


def _online(store, table):
    handle = store.table(table)
    return {cid: (row["visits"], row["spend"]) if row else None
            for cid in ("c1", "c2", "c3", "c4") for row in [handle.lookup({"cid": cid})]}


def test_triggered_publish_copies_then_syncs_updates_inserts_and_deletes_when_published_again(spark, fe, customers, store):
    online = customers + "_online"
    published = fe.publish_table(online_store=store, source_table_name=customers, online_table_name=online)
    assert (published.publish_mode, published.primary_keys, published.synced_version) == ("TRIGGERED", ["cid"], 1)
    assert _online(store, online) == {"c1": (10, 1.5), "c2": (20, 2.5), "c3": (30, 3.5), "c4": None}
    fe.write_table(name=customers, df=spark.createDataFrame([("c2", 21), ("c4", 40)], "cid string, visits int"))
    spark.sql(f"DELETE FROM {customers} WHERE cid = 'c1'")
    spark.sql(f"UPDATE {customers} SET spend = 9.5 WHERE cid = 'c3'")
    assert _online(store, online)["c4"] is None  # TRIGGERED: nothing moves until the next trigger
    again = fe.publish_table(online_store=store, source_table_name=customers, online_table_name=online)
    assert again.synced_version == metadata.delta_version(spark, customers) == 4
    assert _online(store, online) == {"c1": None, "c2": (21, 2.5), "c3": (30, 9.5), "c4": (40, None)}
    assert table_lineage(customers, spark).online_tables == [f"{store.name}/{online}"]


def test_continuous_tables_follow_every_write_including_overwrite(spark, fe, customers, store):
    online = customers + "_live"
    fe.publish_table(online_store=store, source_table_name=customers, online_table_name=online, publish_mode="CONTINUOUS")
    fe.write_table(name=customers, df=spark.createDataFrame([("c1", 11)], "cid string, visits int"))
    assert store.lookup(online, {"cid": "c1"}) == {"cid": "c1", "visits": 11, "spend": 1.5}
    fe.write_table(name=customers, df=spark.createDataFrame([("c4", 4, 4.5)], "cid string, visits int, spend double"),
                   mode="overwrite")
    assert _online(store, online) == {"c1": None, "c2": None, "c3": None, "c4": (4, 4.5)}


def test_time_series_online_table_keeps_the_latest_row_per_key(spark, fe, new_name, store):
    name = new_name("ts")
    rows = [("c1", dt.datetime(2025, 1, 1), 1), ("c1", dt.datetime(2025, 2, 1), 2), ("c2", dt.datetime(2025, 1, 5), 5)]
    fe.create_table(name=name, primary_keys=["cid", "ts"], timestamp_keys="ts",
                    df=spark.createDataFrame(rows, "cid string, ts timestamp, logins int"))
    published = fe.publish_table(online_store=store, source_table_name=name, online_table_name=name + "_online")
    assert published.primary_keys == ["cid"]
    table = store.table(name + "_online")
    assert table.lookup("c1") == {"cid": "c1", "ts": dt.datetime(2025, 2, 1), "logins": 2}
    spark.sql(f"DELETE FROM {name} WHERE cid = 'c1' AND ts = TIMESTAMP'2025-02-01 00:00:00'")
    fe.write_table(name=name, df=spark.createDataFrame([("c2", dt.datetime(2024, 1, 1), 0)], "cid string, ts timestamp, logins int"))
    fe.publish_table(online_store=store, source_table_name=name, online_table_name=name + "_online")
    assert table.lookup("c1")["logins"] == 1  # the latest row was deleted: the one before it is served
    assert table.lookup("c2")["logins"] == 5  # an older row arriving late does not replace the latest


def test_snapshot_mode_copies_whole_tables_even_without_change_data_feed(spark, fe, customers, store):
    spark.sql(f"ALTER TABLE {customers} SET TBLPROPERTIES (delta.enableChangeDataFeed = false)")
    with pytest.raises(FeatureStoreError, match="change data feed enabled"):
        fe.publish_table(online_store=store, source_table_name=customers, online_table_name=customers + "_o")
    assert store.list_tables() == []
    fe.publish_table(online_store=store, source_table_name=customers, online_table_name=customers + "_o",
                     publish_mode="SNAPSHOT")
    spark.sql(f"DELETE FROM {customers} WHERE cid = 'c2'")
    fe.publish_table(online_store=store, source_table_name=customers, online_table_name=customers + "_o",
                     publish_mode="SNAPSHOT")
    assert _online(store, customers + "_o")["c2"] is None and store.table(customers + "_o").count() == 2


def test_a_gap_in_the_change_feed_falls_back_to_a_full_copy(spark, fe, customers, store):
    online = customers + "_online"
    fe.publish_table(online_store=store, source_table_name=customers, online_table_name=online)
    spark.sql(f"ALTER TABLE {customers} SET TBLPROPERTIES (delta.enableChangeDataFeed = false)")
    spark.sql(f"DELETE FROM {customers} WHERE cid = 'c3'")
    spark.sql(f"ALTER TABLE {customers} SET TBLPROPERTIES (delta.enableChangeDataFeed = true)")
    fe.publish_table(online_store=store, source_table_name=customers, online_table_name=online)
    assert _online(store, online)["c3"] is None and store.table(online).count() == 2


def test_publish_refuses_bad_input_and_creates_nothing(spark, fe, frozen_customers, store, new_name):
    other = new_name("other")
    fe.publish_table(online_store=store, source_table_name=frozen_customers, online_table_name=other)
    cases = [
        (dict(online_table_name=frozen_customers), FeatureStoreError, "needs its own name"),
        (dict(online_table_name=new_name(), publish_mode="ALWAYS"), FeatureStoreError, "publish_mode must be"),
        (dict(online_table_name="t_online"), ThreeLevelNameError, "three levels"),
        (dict(online_table_name=new_name(), online_store=object()), FeatureStoreError, "must be an online store"),
        (dict(online_table_name=new_name(), online_store="no-such-store"), FeatureStoreError, "No online store"),
        (dict(online_table_name=new_name(), source_table_name=new_name()), FeatureStoreError, "does not exist"),
    ]
    for kwargs, error, message in cases:
        arguments = {"online_store": store, "source_table_name": frozen_customers, **kwargs}
        with pytest.raises(error, match=message):
            fe.publish_table(**arguments)
    assert store.list_tables() == [other]
    with pytest.raises(FeatureStoreError, match="publish_table takes online_store="):
        fe.publish_table(name=frozen_customers, online_store=store)  # the older third-party-store form
    elsewhere = fe.create_online_store(name=f"sync-{uuid.uuid4().hex[:8]}")
    with pytest.raises(FeatureStoreError, match="already exists"):
        fe.publish_table(online_store=elsewhere, source_table_name=frozen_customers, online_table_name=other)
    assert elsewhere.list_tables() == []

"""A source table dropped and created again under the same name: its Delta versions restart at 0, so
the online table must be copied afresh, never "synced" from the old table's last version."""
import uuid

import pytest

pytestmark = pytest.mark.spark


def _recreate(spark, fe, name, rows):
    spark.sql(f"DROP TABLE {name}")
    fe.create_table(name=name, primary_keys="cid", df=spark.createDataFrame(rows, "cid string, visits int"))


@pytest.mark.parametrize("mode", ["TRIGGERED", "CONTINUOUS"])
def test_republishing_a_recreated_source_copies_the_new_table(spark, fe, new_name, mode):
    name = new_name("recreated")
    fe.create_table(name=name, primary_keys="cid", df=spark.createDataFrame([("c1", 1), ("c2", 2)], "cid string, visits int"))
    for visits in (5, 6):  # the old table reaches version 3: past anything the new one has
        fe.write_table(name=name, df=spark.createDataFrame([("c1", visits)], "cid string, visits int"))
    store = fe.create_online_store(name=f"recreated-{uuid.uuid4().hex[:8]}")
    online = name + "_online"
    fe.publish_table(online_store=store, source_table_name=name, online_table_name=online, publish_mode=mode)
    assert store.lookup(online, {"cid": "c1"}) == {"cid": "c1", "visits": 6}

    _recreate(spark, fe, name, [("c1", 100), ("c3", 3)])
    published = fe.publish_table(online_store=store, source_table_name=name, online_table_name=online, publish_mode=mode)
    assert published.synced_version == 1
    assert [store.lookup(online, {"cid": c}) for c in ("c1", "c2", "c3")] == [
        {"cid": "c1", "visits": 100}, None, {"cid": "c3", "visits": 3}]


def test_a_continuous_table_follows_a_write_to_a_recreated_source(spark, fe, new_name):
    name = new_name("recreated")
    fe.create_table(name=name, primary_keys="cid", df=spark.createDataFrame([("c1", 1), ("c2", 2)], "cid string, visits int"))
    store = fe.create_online_store(name=f"recreated-{uuid.uuid4().hex[:8]}")
    online = name + "_online"
    fe.publish_table(online_store=store, source_table_name=name, online_table_name=online, publish_mode="CONTINUOUS")
    _recreate(spark, fe, name, [("c3", 3)])
    fe.write_table(name=name, df=spark.createDataFrame([("c4", 4)], "cid string, visits int"))  # syncs, no publish
    assert [store.lookup(online, {"cid": c}) for c in ("c1", "c2", "c3", "c4")] == [
        None, None, {"cid": "c3", "visits": 3}, {"cid": "c4", "visits": 4}]

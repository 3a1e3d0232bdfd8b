"""Publishing a feature table to an online store and keeping it in sync through Delta's change data feed.

The first publish copies the table as of one Delta version. Each later sync reads the change data
feed (``readChangeFeed``) from the version after the last one synced up to the current version, to
learn *which keys* changed (inserted, updated or deleted), then reads those keys' rows from the
table as of that same version: keys that still have a row are upserted, keys that have none are
deleted from the online table. Reading the state at one version, rather than replaying change
rows, makes overwrites, deletes and several changes to one key come out right with no ordering
rules; for a time-series table the latest row per key wins. If the feed cannot cover the range
(it was disabled for a while, or old versions were vacuumed) the sync falls back to a full copy, as it
does when the source was dropped and created again under the same name (its table id changed and its
versions restarted from 0, so the last synced version means nothing any more).

Modes, as on Databricks: ``TRIGGERED`` syncs when asked (publishing again triggers a sync),
``CONTINUOUS`` also syncs after every ``write_table`` through the client, ``SNAPSHOT`` copies the
whole table each time it is published and never reads the feed.
"""
from __future__ import annotations

from pyspark.sql import Window
from pyspark.sql import functions as F

from localbricks.feature_store import metadata, online_store
from localbricks.feature_store.entities import PublishedTable, lookup_keys
from localbricks.feature_store.errors import FeatureStoreError
from localbricks.feature_store.online_store import OnlineStore, OnlineTable, encode_row

MODES = ("TRIGGERED", "CONTINUOUS", "SNAPSHOT")


def current_version(spark, table: str) -> int:
    return metadata.delta_version(spark, table)


def _latest_rows(df, spec: dict):
    if not spec["timestamp_key"]:
        return df
    order = Window.partitionBy(*[F.col(f"`{k}`") for k in spec["keys"]]).orderBy(F.col(f"`{spec['timestamp_key']}`").desc())
    return df.withColumn("__fs_rank", F.row_number().over(order)).where("__fs_rank = 1").drop("__fs_rank")


def _encoded(spec: dict, store: OnlineStore, rows) -> list[tuple[str, str]]:
    handle = OnlineTable(store.backend, spec, store.name)
    return [(handle.encode_key(row), encode_row(row)) for row in (r.asDict(recursive=True) for r in rows)]


def _full_copy(spark, store: OnlineStore, spec: dict, version: int, force: bool) -> bool:
    rows = _latest_rows(spark.read.option("versionAsOf", version).table(spec["source"]), spec).collect()
    spec = {**spec, "synced_version": version}
    return store.backend.apply(spec["name"], spec, _encoded(spec, store, rows), [], replace=True, force=force)


def _incremental(spark, store: OnlineStore, spec: dict, version: int) -> bool:
    source, keys = spec["source"], [F.col(f"`{k}`") for k in spec["keys"]]
    changes = (spark.read.option("readChangeFeed", "true").option("startingVersion", spec["synced_version"] + 1)
               .option("endingVersion", version).table(source))
    touched = changes.select(*keys).distinct()
    now = spark.read.option("versionAsOf", version).table(source).join(touched, spec["keys"], "left_semi")
    rows = _latest_rows(now, spec).collect()
    handle = OnlineTable(store.backend, spec, store.name)
    upserts = _encoded(spec, store, rows)
    present = {key for key, _ in upserts}
    deletes = [k for k in (handle.encode_key(r.asDict()) for r in touched.collect()) if k not in present]
    return store.backend.apply(spec["name"], {**spec, "synced_version": version}, upserts, deletes)


def sync(spark, store: OnlineStore, spec: dict) -> int:
    """Bring one online table up to the source's current version; return that version."""
    version = current_version(spark, spec["source"])
    table_id = metadata.properties(spark, metadata.parse(spec["source"])).get(metadata.TABLE_ID, "")
    if spec.get("table_id") != table_id:  # the source was dropped and created again: its versions restarted
        _full_copy(spark, store, {**spec, "table_id": table_id}, version, force=True)
    elif spec["publish_mode"] == "SNAPSHOT":
        _full_copy(spark, store, spec, version, force=False)
    elif version > spec["synced_version"]:
        try:
            _incremental(spark, store, spec, version)
        except Exception as err:  # DELTA_MISSING_CHANGE_DATA & co: the feed does not cover the range
            if "CHANGE_DATA" not in str(err):
                raise
            _full_copy(spark, store, spec, version, force=False)
    return version


def _spec(spark, table, online_name: str, mode: str) -> dict:
    columns = {f.name: f.dataType.simpleString() for f in spark.table(table.name).schema}
    return {"name": online_name, "source": table.name, "table_id": table.table_id, "keys": lookup_keys(table),
            "timestamp_key": table.timestamp_keys[0] if table.timestamp_keys else None,
            "columns": columns, "publish_mode": mode, "synced_version": -1}


def publish(spark, store, source_table_name, online_table_name, publish_mode="TRIGGERED") -> PublishedTable:
    """Create (or, if it exists, sync) an online table; see ``FeatureEngineeringClient.publish_table``."""
    if isinstance(store, str):
        store = online_store.get(store)
    if not isinstance(store, OnlineStore):
        raise FeatureStoreError(f"online_store must be an online store from fe.get_online_store(name=...), got {store!r}.")
    table = metadata.describe(spark, source_table_name)
    online_name = str(metadata.parse(online_table_name, "online table"))
    if publish_mode not in MODES:
        raise FeatureStoreError(f"publish_mode must be one of {', '.join(MODES)}, got {publish_mode!r}.")
    if online_name == table.name:
        raise FeatureStoreError(f"The online table needs its own name, not the source's '{table.name}', "
                                f"e.g. '{table.name}_online'.")
    if publish_mode != "SNAPSHOT" and not metadata.change_data_feed_enabled(spark, metadata.parse(table.name)):
        raise FeatureStoreError(
            f"'{table.name}' does not have change data feed enabled, which syncing needs. Run ALTER TABLE {table.name} "
            "SET TBLPROPERTIES (delta.enableChangeDataFeed = true), or publish with publish_mode='SNAPSHOT'.")
    found = online_store.find_table(online_name)
    if found and (found[0].name != store.name or found[1]["source"] != table.name):
        raise FeatureStoreError(f"Online table '{online_name}' already exists (store '{found[0].name}', synced from "
                                f"'{found[1]['source']}'); choose another name.")
    spec = _spec(spark, table, online_name, publish_mode)
    existing = found[1] if found else None
    unchanged = existing is not None and all(existing.get(k) == spec[k] for k in ("table_id", "keys", "timestamp_key", "columns", "publish_mode"))
    if unchanged and publish_mode != "SNAPSHOT":
        version = sync(spark, store, {**spec, "synced_version": existing["synced_version"]})
    else:  # new, re-shaped, another mode, or a snapshot: copy it whole
        version = current_version(spark, table.name)
        _full_copy(spark, store, spec, version, force=True)
    return PublishedTable(online_name, table.name, store.name, publish_mode, spec["keys"], version)


def after_write(spark, source_table_name: str) -> None:
    """Sync every CONTINUOUS online table of a table the client just wrote."""
    for store, spec in online_store.published(source_table_name):
        if spec["publish_mode"] == "CONTINUOUS":
            sync(spark, store, spec)

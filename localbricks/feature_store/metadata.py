"""Where a feature table's metadata lives, and how it is read and changed.

Two homes, chosen by how each fact behaves:

* **In the Delta table itself** (set once, in the ``CREATE TABLE`` that makes version 0): the
  primary keys and timestamp keys as table properties, primary-key columns declared ``NOT NULL``,
  the description as the table ``COMMENT``, and ``delta.enableChangeDataFeed``. These define the
  table, like Unity Catalog's primary-key constraint does, so they belong in its transaction log:
  any process or tool that opens the table sees them (``SHOW TBLPROPERTIES``, ``DESCRIBE DETAIL``),
  they survive ``saveAsTable(mode="overwrite")``, and, existing from version 0, no ``RESTORE`` or
  time travel can lose them.
* **In a small JSON file inside the table's folder** (``_feature_store.json``): tags and lineage
  (which models use the table). These change after creation and are governance facts *about* the
  table, not versions of its data. In Unity Catalog they live in the catalog, outside the Delta log;
  kept as table properties, Delta's ``RESTORE TABLE`` (which Module 05 teaches to undo an overwrite)
  would silently roll them back (we checked), each change would be a commit in ``DESCRIBE HISTORY``,
  and it would conflict with concurrent writers. A leading underscore makes Delta and ``VACUUM``
  ignore the file; living in the table folder, it is dropped with the table. Changes take a file
  lock and replace the file atomically, so concurrent processes never lose each other's updates.
"""
from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

from localbricks import catalogs, locks, names
from localbricks.feature_store.entities import FeatureTable
from localbricks.feature_store.errors import FeatureStoreError, listing

PRIMARY_KEYS = "localbricks.feature_store.primary_keys"
TIMESTAMP_KEYS = "localbricks.feature_store.timestamp_keys"
TABLE_ID = "localbricks.feature_store.table_id"
CREATED = "localbricks.feature_store.created_ms"
CHANGE_DATA_FEED = "delta.enableChangeDataFeed"
SIDECAR = "_feature_store.json"

_COMMIT = re.compile(r"^\d{20}\.json$")
_thread_lock = threading.Lock()


def parse(name: object, what: str = "feature table") -> names.ThreeLevelName:
    """The three-level name, or a ``ThreeLevelNameError`` that shows the fix."""
    if isinstance(name, names.ThreeLevelName):
        return name
    return names.parse(name, what)


def sql_name(full: names.ThreeLevelName) -> str:
    """``catalog.schema.table`` with each part quoted for Spark SQL."""
    return ".".join("`" + part.replace("`", "``") + "`" for part in full)


def sql_string(text: str) -> str:
    """A Spark SQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def exists(spark, full: names.ThreeLevelName) -> bool:
    return spark.catalog.tableExists(str(full))


def require_schema(spark, full: names.ThreeLevelName) -> None:
    """Raise unless the table's catalog and schema exist (Unity Catalog does not create them)."""
    if not spark.catalog.databaseExists(f"{full.catalog}.{full.schema}"):
        raise FeatureStoreError(
            f"Schema '{full.catalog}.{full.schema}' does not exist, so '{full}' cannot be created. "
            f"Create it first: spark.sql('CREATE SCHEMA IF NOT EXISTS {full.catalog}.{full.schema}')."
        )


def _require(spark, full: names.ThreeLevelName) -> None:
    if not exists(spark, full):
        raise FeatureStoreError(
            f"Feature table '{full}' does not exist. Create it with "
            f"fe.create_table(name='{full}', primary_keys=[...], df=...), or check the name."
        )


def properties(spark, full: names.ThreeLevelName) -> dict[str, str]:
    """The table's properties (``SHOW TBLPROPERTIES``: cheap, unlike ``DESCRIBE DETAIL``)."""
    _require(spark, full)
    return {row.key: row.value for row in spark.sql(f"SHOW TBLPROPERTIES {sql_name(full)}").collect()}


def _extended(spark, full: names.ThreeLevelName) -> dict:
    """Comment, location and partition columns from ``DESCRIBE TABLE EXTENDED``."""
    info, partitions, section = {}, [], None
    for row in spark.sql(f"DESCRIBE TABLE EXTENDED {sql_name(full)}").collect():
        if row.col_name == "# col_name":  # the header row of a section
            continue
        if row.col_name.startswith("#"):
            section = row.col_name
        elif not row.col_name:
            section = None
        elif section == "# Partition Information":
            partitions.append(row.col_name)
        elif section == "# Detailed Table Information":
            info[row.col_name] = row.data_type
    return {"comment": info.get("Comment") or None, "location": info.get("Location"), "partitions": partitions}


def _folder(location: str) -> Path:
    return Path(unquote(urlparse(location).path))


def folder(spark, name: object) -> Path:
    """The table's folder (its Delta log and the sidecar live there): where the local catalog keeps it,
    else (a catalog elsewhere, e.g. behind Spark Connect) the location Spark reports."""
    full = parse(name)
    _require(spark, full)
    local = catalogs.root() / full.catalog / full.schema / full.name
    if (local / "_delta_log").is_dir():
        return local
    return _folder(_extended(spark, full)["location"])


def delta_version(spark, name: object) -> int:
    """The table's latest Delta version: the newest commit file in ``_delta_log`` (the Delta protocol
    names them ``<20-digit version>.json``), or ``DESCRIBE HISTORY`` if the log is not a local folder."""
    full = parse(name)
    log = folder(spark, full) / "_delta_log"
    versions = [int(p.name[:20]) for p in log.glob("*.json") if _COMMIT.match(p.name)] if log.is_dir() else []
    if versions:
        return max(versions)
    return spark.sql(f"DESCRIBE HISTORY {sql_name(full)} LIMIT 1").first().version


def describe(spark, name: object) -> FeatureTable:
    """Read a feature table's metadata; raise if it does not exist or is not a feature table."""
    full = parse(name)
    props = properties(spark, full)
    if PRIMARY_KEYS not in props:
        raise FeatureStoreError(
            f"'{full}' is a Delta table but not a feature table (it has no primary keys). Create a "
            "feature table with fe.create_table(name=..., primary_keys=[...], df=spark.table(...))."
        )
    primary_keys = json.loads(props[PRIMARY_KEYS])
    extended = _extended(spark, full)
    columns = spark.table(str(full)).columns
    side = read_sidecar(_folder(extended["location"]))
    return FeatureTable(
        name=str(full),
        table_id=props.get(TABLE_ID, ""),
        description=extended["comment"],
        primary_keys=primary_keys,
        timestamp_keys=json.loads(props.get(TIMESTAMP_KEYS, "[]")),
        partition_columns=extended["partitions"],
        features=[c for c in columns if c not in primary_keys],
        creation_timestamp=int(props.get(CREATED, "0")),
        tags=dict(side.get("tags", {})),
    )


def change_data_feed_enabled(spark, full: names.ThreeLevelName) -> bool:
    return properties(spark, full).get(CHANGE_DATA_FEED, "false").lower() == "true"


# ---- the sidecar: tags and lineage ------------------------------------------------------------

def read_sidecar(where: Path) -> dict:
    path = where / SIDECAR
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def update_sidecar(spark, name: object, change) -> dict:
    """Apply ``change(data)`` to the table's sidecar under the lock; return the new data."""
    where = folder(spark, name)
    with _thread_lock, locks.exclusive(where / (SIDECAR + ".lock")):
        data = read_sidecar(where)
        data.setdefault("tags", {})
        data.setdefault("models", [])
        change(data)
        tmp = where / f"{SIDECAR}.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, where / SIDECAR)
    return data


def check_tag(key: object, value: object = "") -> None:
    if not isinstance(key, str) or not key.strip():
        raise FeatureStoreError(f"A tag key must be a non-empty string, got {key!r}.")
    if not isinstance(value, str):
        raise FeatureStoreError(
            f"Tag values are strings; got {type(value).__name__} {value!r} for tag '{key}'. "
            f"Pass str({value!r}) if that is what you mean."
        )


def set_tag(spark, name: object, key: str, value: str) -> None:
    check_tag(key, value)
    describe(spark, name)  # must be a feature table

    def change(data):
        data["tags"][key] = value

    update_sidecar(spark, name, change)


def delete_tag(spark, name: object, key: str) -> None:
    check_tag(key)
    table = describe(spark, name)
    if key not in table.tags:
        raise FeatureStoreError(
            f"Feature table '{table.name}' has no tag '{key}'. Its tags: "
            f"{listing(sorted(table.tags)) or 'none'}."
        )

    def change(data):
        data["tags"].pop(key, None)

    update_sidecar(spark, name, change)


def add_model(spark, name: object, model_uri: str) -> None:
    """Record that ``model_uri`` was logged with features from this table (lineage)."""

    def change(data):
        if model_uri not in data["models"]:
            data["models"].append(model_uri)

    update_sidecar(spark, name, change)

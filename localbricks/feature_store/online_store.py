"""Online stores and online tables: feature rows by key, in microseconds, without Spark.

Databricks serves features for real-time models from an *online store* (today a Lakebase database
created with ``create_online_store``); ``publish_table`` makes an online copy of a feature table that
is kept in sync from the offline Delta table. Locally a store is a folder under
``<workspace>/online_stores/<name>/``: ``store.json`` describes it and, by default, ``online.sqlite``
holds its tables (nothing to install or start). Give ``url="redis://host:6379/0"`` to keep the tables
in Redis instead, for several machines or more data than one file should hold.

An online table keeps one row per primary key; for a time-series feature table that is the latest
row per key (the timestamp key is not part of an online key), which is what a model serving live
requests needs. ``OnlineTable.lookup(keys)`` is the point lookup a serving endpoint uses.
"""
from __future__ import annotations

import base64
import datetime as dt
import decimal
import getpass
import json
import re
import shutil
import time
from pathlib import Path

from localbricks import workspace
from localbricks.feature_store.errors import FeatureStoreError, listing
from localbricks.feature_store.online_backends import RedisBackend, SqliteBackend

CAPACITIES = ("CU_1", "CU_2", "CU_4", "CU_8")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_INTEGRAL = {"tinyint", "smallint", "int", "bigint"}
_BACKENDS: dict[str, object] = {}


# ---- values <-> JSON --------------------------------------------------------------------------

def _plain(value):
    if hasattr(value, "item") and not isinstance(value, (list, dict, str, bytes)):  # numpy scalars
        value = value.item()
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    return value


def _json_default(value):
    value = _plain(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "asDict"):
        return value.asDict(recursive=True)
    raise TypeError(f"cannot store {type(value).__name__} in an online table")


def encode_row(row: dict) -> str:
    return json.dumps(row, default=_json_default, separators=(",", ":"))


def _decoder(type_name: str):
    if type_name.startswith("timestamp"):
        return dt.datetime.fromisoformat
    if type_name == "date":
        return dt.date.fromisoformat
    if type_name.startswith("decimal"):
        return decimal.Decimal
    if type_name == "binary":
        return base64.b64decode
    return None


def key_value(value, type_name: str, column: str):
    """A key value in canonical form, so that 7, 7.0 and numpy.int64(7) find the same row."""
    value = _plain(value)
    try:
        if value is None:
            raise ValueError("keys are never null")
        if type_name in _INTEGRAL:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError("not a whole number")
            return int(value)
        if type_name in ("float", "double"):
            return float(value)
        if type_name.startswith("decimal"):
            return str(decimal.Decimal(str(value)).normalize())
        if type_name == "string":
            if not isinstance(value, str):
                raise ValueError("not a string")
            return value
        if type_name == "boolean":
            if not isinstance(value, bool):
                raise ValueError("not a boolean")
            return value
        if type_name == "date":
            return (value if isinstance(value, dt.date) else dt.date.fromisoformat(value)).isoformat()[:10]
        if type_name.startswith("timestamp"):
            return (value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)).isoformat()
    except (TypeError, ValueError, decimal.InvalidOperation) as err:
        raise FeatureStoreError(f"Key '{column}' is {type_name}; {value!r} is not a valid value ({err}).") from None
    return value


# ---- online tables ----------------------------------------------------------------------------

class OnlineTable:
    """One published online table: ``lookup(keys) -> dict | None``."""

    def __init__(self, backend, spec: dict, store_name: str):
        self._backend = backend
        self.spec = spec
        self.name = spec["name"]
        self.store = store_name
        self.source_table_name = spec["source"]
        self.primary_keys = list(spec["keys"])
        self._key_types = [spec["columns"][k] for k in self.primary_keys]
        self._decoders = {c: d for c, t in spec["columns"].items() if (d := _decoder(t))}

    def __repr__(self) -> str:
        return f"OnlineTable({self.name!r}, store={self.store!r}, primary_keys={self.primary_keys!r})"

    @property
    def synced_version(self) -> int:
        """The source table's Delta version this online table reflects (-1 before its first sync), as
        Databricks reports a synced table's last synced Delta commit version."""
        return int(self.spec["synced_version"])

    def encode_key(self, keys) -> str:
        """Canonical key text for a dict (extra entries ignored), a tuple in key order, or a scalar."""
        if isinstance(keys, dict):
            missing = [k for k in self.primary_keys if k not in keys]
            if missing:
                raise FeatureStoreError(f"lookup on '{self.name}' needs key(s) {listing(missing)}; got {listing(keys)}.")
            values = [keys[k] for k in self.primary_keys]
        elif isinstance(keys, (tuple, list)):
            values = list(keys)
        else:
            values = [keys]
        if len(values) != len(self.primary_keys):
            raise FeatureStoreError(f"lookup on '{self.name}' takes {len(self.primary_keys)} key value(s) for "
                                    f"{self.primary_keys!r}; got {keys!r}.")
        return json.dumps([key_value(v, t, k) for v, t, k in zip(values, self._key_types, self.primary_keys)],
                          separators=(",", ":"))

    def decode(self, text: str) -> dict:
        row = json.loads(text)
        for column, decode in self._decoders.items():
            if row.get(column) is not None:
                row[column] = decode(row[column])
        return row

    def lookup(self, keys) -> dict | None:
        """The row for ``keys`` (e.g. ``{"customer_id": "C000001"}``), or None if the table has none."""
        text = self._backend.get(self.name, self.encode_key(keys))
        return None if text is None else self.decode(text)

    def lookup_many(self, many) -> list[dict | None]:
        return [self.lookup(keys) for keys in many]

    def count(self) -> int:
        return self._backend.count(self.name)


# ---- online stores ----------------------------------------------------------------------------

def _root() -> Path:
    return workspace.subdir("online_stores")


class OnlineStore:
    """An online store, as ``create_online_store`` / ``get_online_store`` return it."""

    def __init__(self, name, capacity, read_replica_count=0, creation_time=None, creator=None, url=None):
        self.name = name
        self.capacity = capacity
        self.read_replica_count = read_replica_count
        self.creation_time = creation_time
        self.creator = creator
        self.url = url
        self.state = "AVAILABLE"

    def __repr__(self) -> str:
        where = self.url or "embedded SQLite"
        return f"OnlineStore(name={self.name!r}, capacity={self.capacity!r}, state={self.state!r}, backend={where!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, OnlineStore) and self._describe() == other._describe()

    def _describe(self) -> dict:
        return {"name": self.name, "capacity": self.capacity, "read_replica_count": self.read_replica_count,
                "creation_time": self.creation_time, "creator": self.creator, "url": self.url}

    @property
    def backend(self):
        cache_key = f"{_root()}::{self.name}::{self.url}"
        if cache_key not in _BACKENDS:
            if self.url:
                _BACKENDS[cache_key] = RedisBackend(self.url, f"{_root()}:{self.name}")
            else:
                _BACKENDS[cache_key] = SqliteBackend(_root() / self.name / "online.sqlite")
        return _BACKENDS[cache_key]

    def list_tables(self) -> list[str]:
        return sorted(self.backend.specs())

    def table(self, online_table_name: str) -> OnlineTable:
        """A handle for fast repeated lookups on one online table."""
        spec = self.backend.specs().get(str(online_table_name).lower())
        if spec is None:
            raise FeatureStoreError(
                f"Online store '{self.name}' has no online table '{online_table_name}'; it has "
                f"{listing(self.list_tables()) or 'none'}. Publish one with fe.publish_table(...).")
        return OnlineTable(self.backend, spec, self.name)

    def lookup(self, online_table_name: str, keys) -> dict | None:
        return self.table(online_table_name).lookup(keys)


def _check_settings(capacity, read_replica_count) -> None:
    if capacity is not None and capacity not in CAPACITIES:
        raise FeatureStoreError(f"capacity must be one of {listing(CAPACITIES)}, got {capacity!r}.")
    if read_replica_count is not None and (not isinstance(read_replica_count, int) or read_replica_count < 0):
        raise FeatureStoreError(f"read_replica_count must be a whole number >= 0, got {read_replica_count!r}.")


def _write(store: OnlineStore) -> None:
    path = _root() / store.name / "store.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(store._describe(), indent=2), encoding="utf-8")
    tmp.replace(path)


def create(name, capacity="CU_1", read_replica_count=0, url=None) -> OnlineStore:
    if not isinstance(name, str) or not _NAME.match(name):
        raise FeatureStoreError(f"An online store name uses lowercase letters, digits and hyphens (at most 63), "
                                f"starting with a letter or digit, e.g. 'churn-online'; got {name!r}.")
    _check_settings(capacity, read_replica_count)
    if url is not None and (not isinstance(url, str) or not url.startswith(("redis://", "rediss://", "unix://"))):
        raise FeatureStoreError(f"url must be a Redis URL like 'redis://localhost:6379/0', or None for embedded SQLite; got {url!r}.")
    store = OnlineStore(name, capacity, read_replica_count, int(time.time() * 1000), getpass.getuser(), url)
    if url:
        try:
            store.backend.ping()
        except Exception as err:
            _BACKENDS.clear()
            raise FeatureStoreError(f"Cannot reach Redis at {url} ({err}). Start redis-server, or leave url out to use "
                                    "the embedded SQLite store.") from None
    try:
        (_root() / name).mkdir()
    except FileExistsError:
        raise FeatureStoreError(f"Online store '{name}' already exists; use fe.get_online_store(name='{name}').") from None
    _write(store)
    return store


def get(name) -> OnlineStore:
    path = _root() / str(name) / "store.json"
    if not isinstance(name, str) or not path.is_file():
        existing = [s.name for s in list_all()]
        raise FeatureStoreError(f"No online store named {name!r}; existing stores: {listing(existing) or 'none'}. "
                                "Create one with fe.create_online_store(name=..., capacity='CU_1').")
    return OnlineStore(**json.loads(path.read_text(encoding="utf-8")))


def list_all() -> list[OnlineStore]:
    return [get(p.parent.name) for p in sorted(_root().glob("*/store.json"))]


def update(name, capacity=None, read_replica_count=None) -> OnlineStore:
    store = get(name)
    _check_settings(capacity, read_replica_count)
    if capacity is not None:
        store.capacity = capacity
    if read_replica_count is not None:
        store.read_replica_count = read_replica_count
    _write(store)
    return store


def delete(name) -> None:
    store = get(name)
    backend = store.backend
    backend.drop_all()
    _BACKENDS.pop(f"{_root()}::{store.name}::{store.url}", None)
    shutil.rmtree(_root() / store.name)


def published(source_table_name: str | None = None) -> list[tuple[OnlineStore, dict]]:
    """Every (store, online-table spec), or those synced from one source table; unreachable stores are skipped."""
    found = []
    for store in list_all():
        try:
            specs = store.backend.specs()
        except Exception:
            continue
        found += [(store, spec) for spec in specs.values() if source_table_name in (None, spec["source"])]
    return found


def published_from(source_table_name: str) -> list[str]:
    return [f"{store.name}/{spec['name']}" for store, spec in published(source_table_name)]


def find_table(online_table_name: str) -> tuple[OnlineStore, dict] | None:
    """The store holding an online table of this name, if any (names are unique across stores)."""
    for store, spec in published():
        if spec["name"] == online_table_name:
            return store, spec
    return None

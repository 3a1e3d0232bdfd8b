"""``FeatureLookup`` and the joins that attach looked-up features to a DataFrame.

A lookup without ``timestamp_lookup_key`` is a left join on the primary keys. With one, it is a
point-in-time (as-of) join: for each row, the feature row with the same key and the latest
timestamp *at or before* the row's timestamp (and, with ``lookback_window``, not older than that
window). Rows in the future of a label are never used, which is what keeps a training set free of
leakage. Rows with no match get null features, or the lookup's ``default_values``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from localbricks.feature_store import metadata, validation
from localbricks.feature_store.entities import FeatureTable, lookup_keys
from localbricks.feature_store.errors import FeatureStoreError, listing

_FOUND = "__fs_found"
_AT = "__fs_at"
_TS = "__fs_ts"


class FeatureLookup:
    """Which features to take from a feature table, and how to join them.

    Args:
        table_name: the feature table, ``catalog.schema.table``.
        lookup_key: the column(s) of the caller's DataFrame that match the table's primary keys
            (for a time-series table, its keys other than the timestamp key), in the same order.
        feature_names: feature(s) to take; default every column that is not a primary key.
        rename_outputs: ``{feature: output column name}``.
        timestamp_lookup_key: the caller's column holding each row's time, for a point-in-time lookup.
        lookback_window: a ``datetime.timedelta``; ignore feature rows older than this before the row's time.
        default_values: ``{feature: value}`` used when no feature row matches.
    """

    def __init__(self, table_name, lookup_key, *, feature_names=None, rename_outputs=None,
                 timestamp_lookup_key=None, lookback_window=None, default_values=None, **kwargs):
        if "feature_name" in kwargs and feature_names is None:  # the older singular spelling
            feature_names = kwargs.pop("feature_name")
        if kwargs:
            raise FeatureStoreError(f"FeatureLookup got unexpected argument(s) {listing(kwargs)}.")
        self.table_name = str(metadata.parse(table_name))
        self.lookup_key = validation.as_list(lookup_key, "lookup_key", required=True)
        self.feature_names = None if feature_names is None else validation.as_list(feature_names, "feature_names", required=True)
        self.rename_outputs = self._mapping(rename_outputs, "rename_outputs", str)
        stamps = validation.as_list(timestamp_lookup_key, "timestamp_lookup_key")
        if len(stamps) > 1:
            raise FeatureStoreError(f"timestamp_lookup_key takes one column, got {stamps!r}.")
        self.timestamp_lookup_key = stamps[0] if stamps else None
        if lookback_window is not None and (not isinstance(lookback_window, dt.timedelta) or lookback_window <= dt.timedelta(0)):
            raise FeatureStoreError(f"lookback_window must be a positive datetime.timedelta, got {lookback_window!r}.")
        if lookback_window is not None and self.timestamp_lookup_key is None:
            raise FeatureStoreError("lookback_window only applies to point-in-time lookups: give timestamp_lookup_key too.")
        self.lookback_window = lookback_window
        self.default_values = self._mapping(default_values, "default_values", object)

    @staticmethod
    def _mapping(value, argument: str, value_type) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, value_type) for k, v in value.items()):
            raise FeatureStoreError(f"{argument} must be a dict keyed by feature name, got {value!r}.")
        return dict(value)

    def __repr__(self) -> str:
        return (f"FeatureLookup(table_name={self.table_name!r}, lookup_key={self.lookup_key!r}, "
                f"feature_names={self.feature_names!r}, timestamp_lookup_key={self.timestamp_lookup_key!r})")

    def to_dict(self) -> dict:
        return {"table_name": self.table_name, "lookup_key": self.lookup_key, "feature_names": self.feature_names,
                "rename_outputs": self.rename_outputs, "timestamp_lookup_key": self.timestamp_lookup_key,
                "lookback_window": self.lookback_window.total_seconds() if self.lookback_window else None,
                "default_values": self.default_values}

    @classmethod
    def from_dict(cls, data: dict) -> "FeatureLookup":
        window = data.get("lookback_window")
        return cls(data["table_name"], data["lookup_key"], feature_names=data.get("feature_names"),
                   rename_outputs=data.get("rename_outputs"), timestamp_lookup_key=data.get("timestamp_lookup_key"),
                   lookback_window=dt.timedelta(seconds=window) if window else None,
                   default_values=data.get("default_values"))


@dataclass(frozen=True)
class ResolvedLookup:
    """A lookup checked against its table: which table columns match which caller columns."""

    lookup: FeatureLookup
    table: FeatureTable
    table_keys: list[str]
    table_timestamp: str | None
    features: list[str]

    def output(self, feature: str) -> str:
        return self.lookup.rename_outputs.get(feature, feature)

    @property
    def outputs(self) -> list[str]:
        return [self.output(f) for f in self.features]

    @property
    def request_columns(self) -> list[str]:
        """Columns the caller's DataFrame must have for this lookup."""
        return self.lookup.lookup_key + ([self.lookup.timestamp_lookup_key] if self.lookup.timestamp_lookup_key else [])


def resolve(spark, lookup: FeatureLookup, df_schema) -> ResolvedLookup:
    """Check ``lookup`` against its table and the caller's schema; raise with the fix if it cannot work."""
    if not isinstance(lookup, FeatureLookup):
        raise FeatureStoreError(f"feature_lookups must hold FeatureLookup objects, got {type(lookup).__name__}.")
    table = metadata.describe(spark, lookup.table_name)
    stamp = lookup.timestamp_lookup_key
    if stamp and not table.timestamp_keys:
        raise FeatureStoreError(
            f"'{table.name}' has no timestamp key, so it cannot be looked up point-in-time; drop timestamp_lookup_key.")
    table_keys = lookup_keys(table) if stamp else table.primary_keys
    if len(lookup.lookup_key) != len(table_keys):
        if not stamp and table.timestamp_keys and len(lookup.lookup_key) == len(lookup_keys(table)):
            raise FeatureStoreError(
                f"'{table.name}' is a time-series feature table (timestamp key {listing(table.timestamp_keys)}): "
                "pass timestamp_lookup_key='<your row-time column>' so each row gets the features as of its time.")
        raise FeatureStoreError(
            f"lookup_key {lookup.lookup_key!r} must name {len(table_keys)} column(s), one for each primary key "
            f"{table_keys!r} of '{table.name}', in that order.")
    fields = {f.name: f.dataType for f in df_schema}
    table_types = {f.name: f.dataType for f in spark.table(table.name).schema}
    validation.require_columns(list(fields), lookup.lookup_key + ([stamp] if stamp else []), "lookup column(s)", "df")
    clashes = [f"'{mine}' is {fields[mine].simpleString()} but key '{theirs}' is {table_types[theirs].simpleString()}"
               for mine, theirs in zip(lookup.lookup_key, table_keys) if not validation.comparable(fields[mine], table_types[theirs])]
    if clashes:
        raise FeatureStoreError(f"Lookup key types do not match '{table.name}': {'; '.join(clashes)}. Cast them first.")
    if stamp and not isinstance(fields[stamp], validation.TIME_TYPES):
        raise FeatureStoreError(
            f"timestamp_lookup_key '{stamp}' is {fields[stamp].simpleString()}; it must be a timestamp or date column "
            f"(convert with F.to_timestamp('{stamp}')).")
    features = lookup.feature_names if lookup.feature_names is not None else table.features
    keyed = [f for f in features if f in table.primary_keys]
    if keyed:
        raise FeatureStoreError(f"{listing(keyed)} are primary keys of '{table.name}', not features; leave them out of feature_names.")
    validation.require_columns(table.features, features, "feature(s)", f"'{table.name}'")
    for argument, mapping in (("rename_outputs", lookup.rename_outputs), ("default_values", lookup.default_values)):
        stray = [k for k in mapping if k not in features]
        if stray:
            raise FeatureStoreError(f"{argument} names {listing(stray)}, which this lookup does not take; it takes {listing(features)}.")
    return ResolvedLookup(lookup, table, table_keys, table.timestamp_keys[0] if stamp else None, list(features))


def check_outputs(resolved: list[ResolvedLookup], df_columns: list[str]) -> None:
    """Output names must be unique and must not overwrite a column of df."""
    seen: dict[str, str] = {}
    for item in resolved:
        for out in item.outputs:
            if out in df_columns:
                raise FeatureStoreError(f"Feature '{out}' from '{item.table.name}' would replace df's column '{out}'; "
                                        "drop that column or rename the feature with rename_outputs={...}.")
            if out in seen:
                raise FeatureStoreError(f"Feature '{out}' comes from both '{seen[out]}' and '{item.table.name}'; "
                                        "rename one with rename_outputs={...}.")
            seen[out] = item.table.name


def _join_one(spark, df: DataFrame, item: ResolvedLookup, skip: set[str]) -> DataFrame:
    wanted = [f for f in item.features if item.output(f) not in skip]
    if not wanted:
        return df
    keys = [f"__fs_k{i}" for i in range(len(item.table_keys))]
    table = spark.table(item.table.name)
    selected = [F.col(f"`{k}`").alias(alias) for k, alias in zip(item.table_keys, keys)]
    selected += [F.col(f"`{f}`").alias(item.output(f)) for f in wanted] + [F.lit(True).alias(_FOUND)]
    mine = [F.col(f"`{c}`") for c in item.lookup.lookup_key]
    if item.table_timestamp is None:
        rows = table.select(*selected)
        joined = df.join(rows, [m == F.col(k) for m, k in zip(mine, keys)], "left").drop(*keys)
    else:
        stamp = item.lookup.timestamp_lookup_key
        spine = df.select(*[m.alias(k) for m, k in zip(mine, keys)], F.col(f"`{stamp}`").alias(_AT)).distinct()
        rows = table.select(*selected, F.col(f"`{item.table_timestamp}`").alias(_TS))
        on = [spine[k] == rows[k] for k in keys] + [rows[_TS] <= spine[_AT]]
        if item.lookup.lookback_window is not None:
            seconds = int(item.lookup.lookback_window.total_seconds())
            on.append(rows[_TS] >= spine[_AT] - F.expr(f"INTERVAL {seconds} SECONDS"))
        candidates = spine.join(rows, on, "inner").select(*[spine[k] for k in keys], spine[_AT],
                                                          *[rows[c] for c in rows.columns if c not in keys])
        latest = (candidates.withColumn("__fs_rank", F.row_number().over(
            Window.partitionBy(*keys, _AT).orderBy(F.col(_TS).desc())))
            .where("__fs_rank = 1").drop("__fs_rank", _TS))
        on_df = [m.eqNullSafe(F.col(k)) for m, k in zip(mine, keys)] + [F.col(f"`{stamp}`").eqNullSafe(F.col(_AT))]
        joined = df.join(latest, on_df, "left").drop(*keys, _AT)
    types = {f.name: f.dataType for f in rows.schema}
    for feature in wanted:
        if feature in item.lookup.default_values:
            out = item.output(feature)
            joined = joined.withColumn(out, F.when(F.col(_FOUND).isNull(), F.lit(item.lookup.default_values[feature])
                                                   .cast(types[out])).otherwise(F.col(f"`{out}`")))
    return joined.drop(_FOUND)


def join_features(spark, df: DataFrame, resolved: list[ResolvedLookup], skip=()) -> DataFrame:
    """``df`` with every lookup's features added (those named in ``skip`` are left as df has them)."""
    for item in resolved:
        df = _join_one(spark, df, item, set(skip))
    return df

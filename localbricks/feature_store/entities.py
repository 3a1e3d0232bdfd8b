"""What the client hands back: plain, immutable descriptions of feature tables and online tables.

These mirror the attributes Databricks documents for its ``FeatureTable`` and online-store objects,
plus ``models`` (the lineage a course needs to show: which logged or registered models read a table).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FeatureTable:
    """A feature table as ``FeatureEngineeringClient.get_table`` describes it.

    Attributes:
        name: the three-level name, ``catalog.schema.table``.
        table_id: the Delta table's id.
        description: the table comment, or None.
        primary_keys: key columns, in order; for a time-series table they include the timestamp keys.
        timestamp_keys: the primary-key columns that hold the event time (empty if none).
        partition_columns: Delta partition columns.
        features: the columns that are not primary keys, in table order.
        creation_timestamp: when the table was created, in milliseconds since the epoch.
        tags: the table's tags.
        models: URIs of the models logged with this table's features (``models:/name/version`` once
            registered, else the logged model's URI), oldest first.
        online_tables: ``store/online_table`` for each online table published from this table.
    """

    name: str
    table_id: str
    description: str | None
    primary_keys: list[str]
    timestamp_keys: list[str]
    partition_columns: list[str]
    features: list[str]
    creation_timestamp: int
    tags: dict[str, str] = field(default_factory=dict)
    models: list[str] = field(default_factory=list)
    online_tables: list[str] = field(default_factory=list)

    @property
    def lookup_keys(self) -> list[str]:
        """The primary keys a point-in-time lookup joins on (all but the timestamp keys)."""
        return [k for k in self.primary_keys if k not in self.timestamp_keys]


@dataclass(frozen=True)
class PublishedTable:
    """An online table, as ``publish_table`` returns it.

    Attributes:
        online_table_name: the online table's three-level name.
        source_table_name: the offline feature table it is synced from.
        online_store: the online store's name.
        publish_mode: ``TRIGGERED``, ``CONTINUOUS`` or ``SNAPSHOT``.
        primary_keys: the keys a lookup takes (a time-series table's timestamp key is not one:
            the online table keeps the latest row per key).
        synced_version: the offline table's Delta version the online table reflects.
    """

    online_table_name: str
    source_table_name: str
    online_store: str
    publish_mode: str
    primary_keys: list[str]
    synced_version: int

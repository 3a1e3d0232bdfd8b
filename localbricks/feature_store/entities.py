"""What the client hands back: plain, immutable descriptions of feature tables and online tables.

These have the attributes of Databricks' own ``FeatureTable`` and online-store objects and no others, so
code written against them runs there too. Lineage (which models read a table) is not among them: Databricks
shows it in Catalog Explorer, and locally ``localbricks.feature_store.lineage`` reads it.
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
        online_stores, notebook_producers, job_producers, table_data_sources, path_data_sources,
            custom_data_sources: lists Databricks fills from its legacy workspace store and leaves empty for a
            Unity Catalog table; empty here too.
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
    online_stores: list = field(default_factory=list)
    notebook_producers: list = field(default_factory=list)
    job_producers: list = field(default_factory=list)
    table_data_sources: list = field(default_factory=list)
    path_data_sources: list = field(default_factory=list)
    custom_data_sources: list = field(default_factory=list)


def lookup_keys(table: FeatureTable) -> list[str]:
    """The primary keys a point-in-time lookup joins on (all but the timestamp keys)."""
    return [k for k in table.primary_keys if k not in table.timestamp_keys]


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

"""Which models read a feature table and which online tables are published from it: local only.

Databricks records this lineage in Unity Catalog and shows it on the table's Lineage tab in Catalog
Explorer; its Feature Engineering client has no call that returns it. Locally the models are kept in
the table's sidecar (``metadata``) and the online tables in their stores, and this module reads both.
It is deliberately not a name of ``databricks.feature_engineering``: a notebook imports it in its
``not on_databricks()`` branch, so the same notebook runs unchanged there.
"""
from __future__ import annotations

from dataclasses import dataclass

from localbricks.feature_store import metadata, online_store


@dataclass(frozen=True)
class TableLineage:
    """What the Lineage tab shows of a feature table, as far as the course uses it.

    Attributes:
        models: URIs of the models logged with this table's features (``models:/name/version`` once
            registered, else the logged model's URI), oldest first.
        online_tables: ``store/online_table`` for each online table published from this table.
    """

    models: list[str]
    online_tables: list[str]


def table_lineage(name, spark=None) -> TableLineage:
    """The lineage of feature table ``name`` (``catalog.schema.table``); raise if it is not one."""
    if spark is None:
        from localbricks.session import get_spark

        spark = get_spark()
    table = metadata.describe(spark, name)
    models = metadata.read_sidecar(metadata.folder(spark, table.name)).get("models", [])
    return TableLineage(models=list(models), online_tables=online_store.published_from(table.name))

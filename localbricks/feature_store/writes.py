"""``write_table``: upsert by primary key with Delta MERGE, or replace all rows; retry on conflicts.

Delta commits optimistically: two writers that both read the table and then commit find out at
commit time, and the loser gets one of Delta's concurrent-modification exceptions. The write is
then simply run again against the new snapshot (a MERGE is idempotent for a given source), so
concurrent writers never lose or duplicate a row; after ``MAX_ATTEMPTS`` the error is raised.
"""
from __future__ import annotations

from pyspark.sql import functions as F

from localbricks.feature_store import metadata, validation
from localbricks.feature_store.errors import FeatureStoreError

MODES = ("merge", "overwrite")
MAX_ATTEMPTS = 25


def _conflicts() -> tuple[type, ...]:
    import delta.exceptions as dx

    return (dx.ConcurrentAppendException, dx.ConcurrentDeleteReadException, dx.ConcurrentDeleteDeleteException,
            dx.ConcurrentTransactionException, dx.ConcurrentWriteException, dx.MetadataChangedException,
            dx.ProtocolChangedException, dx.DeltaConcurrentModificationException)


def with_retry(action, max_attempts: int = MAX_ATTEMPTS) -> int:
    """Run ``action()`` until it commits; return how many conflicts it retried past."""
    conflicts = _conflicts()
    for attempt in range(max_attempts):
        try:
            action()
            return attempt
        except conflicts:
            if attempt == max_attempts - 1:
                raise
    return max_attempts  # unreachable


def _merge(spark, table: str, df, primary_keys: list[str]) -> None:
    from delta.tables import DeltaTable

    quoted = {c: "`" + c.replace("`", "``") + "`" for c in df.columns}
    condition = " AND ".join(f"t.{quoted[k]} = s.{quoted[k]}" for k in primary_keys)
    updates = {quoted[c]: f"s.{quoted[c]}" for c in df.columns if c not in primary_keys}
    inserts = {quoted[c]: f"s.{quoted[c]}" for c in df.columns}
    merge = DeltaTable.forName(spark, table).alias("t").merge(df.alias("s"), condition)
    if updates:
        merge = merge.whenMatchedUpdate(set=updates)
    merge.whenNotMatchedInsert(values=inserts).execute()


def _overwrite(spark, table: str, df, table_schema) -> None:
    given = set(df.columns)
    full = df.select(*[F.col(f"`{f.name}`") if f.name in given else F.lit(None).cast(f.dataType).alias(f.name)
                       for f in table_schema])
    full.writeTo(table).overwrite(F.lit(True))


def write_table(spark, name, df, mode: str = "merge") -> int:
    """Write ``df`` to a feature table; see ``FeatureEngineeringClient.write_table``.

    Returns:
        the number of commit conflicts retried past (0 when nobody else was writing).
    """
    table = metadata.describe(spark, name)
    if mode not in MODES:
        raise FeatureStoreError(f"mode must be 'merge' (upsert by primary key) or 'overwrite' (replace every row), got {mode!r}.")
    validation.require_dataframe(df)
    table_schema = spark.table(table.name).schema
    df = validation.check_write_schema(df, table_schema, table.primary_keys, table.name)
    validation.check_keys(df, table.primary_keys)
    if mode == "merge":
        retries = with_retry(lambda: _merge(spark, table.name, df, table.primary_keys))
    else:
        retries = with_retry(lambda: _overwrite(spark, table.name, df, table_schema))
    from localbricks.feature_store import sync

    sync.after_write(spark, table.name)
    return retries

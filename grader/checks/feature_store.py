"""Checks for notebook 05, the Unity Catalog feature store. They read what the learner really made
(feature tables and their Delta history, training sets, registered models, online tables) and
recompute the expected result when the check runs: with pandas from the offline tables, or, for
batch scoring, by asking the client to score the learner's registered model again.

Everything is read through public APIs a learner has on Databricks too: Spark and Delta, MLflow,
the documented ``FeatureEngineeringClient`` methods (imported as ``databricks.feature_engineering``)
and the SDK. The one exception is the online store's sync state (``_published``): Databricks reports
it through the SDK's database API, which the local service does not serve, so that helper has a local
branch that reads localbricks' own online store.
"""
from __future__ import annotations

import json
import math
import numbers
import tempfile
from pathlib import Path

from grader import exercise
from grader.answer_key import check_quiz
from grader.checks._sdk import workspace_client

DOMAIN = "Databricks Machine Learning"


# ---- helpers -----------------------------------------------------------------------------------

def _spark():
    """The notebook's session: on Databricks the runtime's, locally the one ``activate()`` started."""
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()


def _fe():
    """The client a learner writes: Databricks' package there, localbricks' behind the same name here."""
    from databricks.feature_engineering import FeatureEngineeringClient

    return FeatureEngineeringClient()


def _client_refusals() -> tuple[type[BaseException], ...]:
    """The errors a Feature Engineering client refuses a call with: ValueError (the client's own input
    errors, locally and on Databricks), MLflow's (a missing model or version) and the SDK's (a workspace
    API's refusal). Anything else is a bug in the course and must show its own traceback."""
    from databricks.sdk.errors import DatabricksError
    from mlflow.exceptions import MlflowException

    return ValueError, MlflowException, DatabricksError


def _lookup_keys(table) -> list:
    """The primary keys a point-in-time lookup joins on: all but the timestamp keys."""
    return [k for k in table.primary_keys if k not in (table.timestamp_keys or [])]


def _is_spark_df(obj) -> bool:
    return hasattr(obj, "schema") and hasattr(obj, "agg") and hasattr(obj, "sparkSession")


def _require_df(obj, what: str) -> None:
    assert _is_spark_df(obj), f"{what} should be a Spark DataFrame (it is a {type(obj).__name__})."


def _feature_table(name: str, what: str = "The feature table"):
    """The table's FeatureTable description, or a teaching AssertionError."""
    spark = _spark()
    assert spark.catalog.tableExists(name), \
        f"{what} {name} does not exist yet: create it with fe.create_table(name=..., primary_keys=[...], ...)."
    try:
        return _fe().get_table(name=name)
    except _client_refusals():  # the table exists, so the client's refusal means it has no primary key
        raise AssertionError(f"{name} is a Delta table but not a feature table (it has no primary key): "
                             "create it with fe.create_table, not spark's saveAsTable.") from None


def _same_value(a, b) -> bool:
    """Equal, with NaN/None/NaT equal to each other and numbers compared with a tolerance."""
    import pandas as pd

    a_missing, b_missing = a is None or (not isinstance(a, str) and pd.isna(a)), b is None or (not isinstance(b, str) and pd.isna(b))
    if a_missing or b_missing:
        return a_missing and b_missing
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    if hasattr(a, "item") and hasattr(b, "item"):  # numpy scalars
        return _same_value(a.item(), b.item())
    if hasattr(a, "item"):
        return _same_value(a.item(), b)
    if hasattr(b, "item"):
        return _same_value(a, b.item())
    return a == b


def _rows_differ(got, expected, columns) -> list:
    """Index labels of rows where any of ``columns`` differ (both frames indexed alike)."""
    return [i for i in expected.index if any(not _same_value(got.at[i, c], expected.at[i, c]) for c in columns)]


def _timestamps(series):
    import pandas as pd

    return pd.to_datetime(series).astype("datetime64[ns]")


def _as_of(left, right, key: str, left_time: str, right_time: str, features: list):
    """For each row of ``left``: ``features`` of the latest ``right`` row with the same key at or before ``left_time``."""
    import pandas as pd

    left = left.copy()
    left["__order"] = range(len(left))
    left["__t"] = _timestamps(left[left_time])
    right = right[[key, right_time, *features]].copy()
    right["__t"] = _timestamps(right[right_time])
    merged = pd.merge_asof(left.sort_values("__t"), right.drop(columns=[right_time]).sort_values("__t"),
                           on="__t", by=key, direction="backward")
    return merged.sort_values("__order").drop(columns=["__order", "__t"]).reset_index(drop=True)


def _expected_features(keys_pdf, lookups: list[dict]):
    """``keys_pdf`` plus every lookup's features, computed with pandas from the offline tables."""
    spark = _spark()
    frame = keys_pdf.reset_index(drop=True)
    for lookup in lookups:
        table = _fe().get_table(name=lookup["table_name"])
        features = lookup["feature_names"] or table.features
        keys = _lookup_keys(table) if lookup.get("timestamp_lookup_key") else table.primary_keys
        rows = spark.table(table.name).select(*keys, *table.timestamp_keys, *features).toPandas()
        renames = dict(zip(keys, lookup["lookup_key"]))
        renames.update({f: (lookup.get("rename_outputs") or {}).get(f, f) for f in features})
        outputs = [renames[f] for f in features]
        rows = rows.rename(columns=renames)
        if lookup.get("timestamp_lookup_key"):
            assert len(lookup["lookup_key"]) == 1, "one lookup key per point-in-time lookup"
            frame = _as_of(frame, rows, lookup["lookup_key"][0], lookup["timestamp_lookup_key"], table.timestamp_keys[0], outputs)
        else:
            frame = frame.merge(rows[[*lookup["lookup_key"], *outputs]], on=lookup["lookup_key"], how="left")
    return frame


def _delta_content(spark, table_name: str, version: int | None = None):
    reader = spark.read if version is None else spark.read.option("versionAsOf", int(version))
    return reader.table(table_name)


def _rows(df) -> tuple[list, list]:
    """Columns and sorted rows, to compare two versions of a (small, course-sized) table on the driver."""
    return df.columns, sorted((tuple(r) for r in df.collect()), key=repr)


def _values(data, field: str):
    """Every value of ``field`` anywhere in nested dicts and lists."""
    if isinstance(data, dict):
        for name, value in data.items():
            if name == field and isinstance(value, str):
                yield value
            else:
                yield from _values(value, field)
    elif isinstance(data, list):
        for item in data:
            yield from _values(item, field)


def _feature_spec_tables(model_uri: str) -> set | None:
    """The feature tables a registered model's feature spec reads, or None if the model has no spec.

    ``fe.log_model`` stores the spec among the model's artifacts (``feature_spec.yaml`` on Databricks,
    ``feature_spec.json`` locally), each lookup naming its ``table_name``; MLflow's artifact API
    fetches the model on either platform, and a model logged without the client has no such file.
    """
    import mlflow
    import yaml

    with tempfile.TemporaryDirectory(prefix="fe-check-") as tmp:
        root = Path(mlflow.artifacts.download_artifacts(artifact_uri=model_uri, dst_path=tmp))
        specs = sorted(p for p in root.rglob("feature_spec.*") if p.suffix in (".json", ".yaml", ".yml"))
        if not specs:
            return None
        text = specs[0].read_text(encoding="utf-8")
        data = json.loads(text) if specs[0].suffix == ".json" else yaml.safe_load(text)
    return set(_values(data, "table_name"))


def _delta_version(spark, table_name: str) -> int:
    """The table's latest Delta version, from its history."""
    from delta.tables import DeltaTable

    return DeltaTable.forName(spark, table_name).history(1).first()["version"]


def _published(store, source: str) -> list[tuple[str, int | None]]:
    """``(online table, Delta version it reflects)`` for each table of ``store`` synced from ``source``.

    On Databricks an online table is a Lakebase synced table in the store's database instance, and the
    SDK's database API reports the Delta version it last synced. Locally (the one local-only read in
    these checks) the online store is localbricks' own, which answers the same question itself.
    """
    import localbricks

    if localbricks.on_databricks():
        found = []
        for synced in workspace_client().database.list_synced_database_tables(instance_name=store.name):
            if synced.spec is None or synced.spec.source_table_full_name != source:
                continue
            status = synced.data_synchronization_status
            info = status.last_sync.delta_table_sync_info if status and status.last_sync else None
            found.append((synced.name, info.delta_commit_version if info else None))
        return found
    tables = [store.table(name) for name in store.list_tables()]
    return [(t.name, t.synced_version) for t in tables if t.source_table_name == source]


# ---- 1.5 -----------------------------------------------------------------------------------------

@exercise("05.uc_vs_workspace", domain=DOMAIN, objective="1.5", hints=[
    "Unity Catalog is the account's catalog: anything in it can be seen from every workspace attached to the metastore.",
    "The legacy workspace feature store is reached with FeatureStoreClient and lives in one workspace, with that workspace's permissions.",
    "Names like catalog.schema.table, GRANT statements and lineage to models are all Unity Catalog features.",
])
def check_uc_vs_workspace(store_answers):
    """Graded from the question bank: the items of quiz("05.uc_vs_workspace") and their keys."""
    check_quiz("05.uc_vs_workspace", store_answers, variable="store_answers")


# ---- 1.6 -----------------------------------------------------------------------------------------

@exercise("05.create_table", domain=DOMAIN, objective="1.6", hints=[
    "fe.create_table(name=TABLE, primary_keys=[...], schema=features_df.schema, description='...') makes an empty, governed table.",
    "The primary key is the column that identifies one customer, and nothing else.",
    "A table created from a schema has no rows: fill it with fe.write_table(name=TABLE, df=features_df, mode='merge').",
])
def check_create_table(table_name, features_df, key="customer_id"):
    _require_df(features_df, "features_df")
    assert table_name.count(".") == 2, "Feature tables in Unity Catalog have three-level names: catalog.schema.table."
    table = _feature_table(table_name)
    assert table.primary_keys == [key], \
        "The table's primary key should be the one column that identifies a customer (and only that column)."
    assert table.description and table.description.strip(), \
        "Give the table a description (description=...): it is what colleagues see when they search for features."
    schema = _spark().table(table.name).schema
    assert not schema[key].nullable, "The key column should be NOT NULL; create the table with fe.create_table."
    missing = [c for c in features_df.columns if c not in schema.fieldNames()]
    assert not missing, f"The table lacks column(s) {missing} of features_df: create it with schema=features_df.schema."
    table_keys = {r[0] for r in _spark().table(table.name).select(key).collect()}
    assert table_keys, "The table is empty: create_table with a schema makes no rows; write features_df into it."
    wanted = {r[0] for r in features_df.select(key).collect()}
    assert wanted <= table_keys, \
        "Some customers of features_df are not in the table: write all of features_df with fe.write_table(...)."


# ---- 1.7 -----------------------------------------------------------------------------------------

@exercise("05.merge_write", domain=DOMAIN, objective="1.7", hints=[
    "fe.write_table(name=..., df=..., mode=...) has two modes: one upserts by primary key, the other replaces every row.",
    "A merge updates the columns df has for keys the table already has, inserts new keys, and leaves everything else alone.",
    "If an earlier attempt damaged the table, run the create_table exercise cell again (it drops the table first), then merge.",
])
def check_merge(table_name, features_df, updates_df, key="customer_id"):
    _require_df(features_df, "features_df")
    _require_df(updates_df, "updates_df")
    table = _feature_table(table_name)
    base = features_df.toPandas().set_index(key)
    updates = updates_df.toPandas().set_index(key)
    got = _spark().table(table.name).toPandas().set_index(key)
    old_keys, sent_keys, got_keys = set(base.index), set(updates.index), set(got.index)
    assert old_keys <= got_keys, ("Customers that updates_df does not mention have disappeared from the table. "
                                  "mode='overwrite' replaces every row; mode='merge' upserts by primary key.")
    assert sent_keys - old_keys <= got_keys, \
        "The new customers in updates_df are missing from the table: a merge inserts rows whose key is new."
    assert got_keys <= old_keys | sent_keys, "The table has customers that are in neither features_df nor updates_df."
    sent = [c for c in updates.columns if c in got.columns]
    unsent = [c for c in got.columns if c not in sent]
    kept = sorted(old_keys)
    assert not _rows_differ(got.loc[kept], base.loc[kept, unsent], unsent), \
        "Features that updates_df did not send have changed (or become null): a merge must leave them as they were."
    untouched = sorted(old_keys - sent_keys)
    assert not _rows_differ(got.loc[untouched], base.loc[untouched, sent], sent), \
        "Customers that updates_df does not mention have changed: a merge touches only the keys it is given."
    arrived = sorted(sent_keys)
    assert not _rows_differ(got.loc[arrived], updates.loc[arrived, sent], sent), \
        "The values updates_df sent have not all arrived in the table: write updates_df with mode='merge'."


def _is_overwrite(row) -> bool:
    params = row["operationParameters"] or {}
    return (row["operation"] == "WRITE" and params.get("mode") == "Overwrite") or "REPLACE" in row["operation"]


@exercise("05.restore_overwrite", domain=DOMAIN, objective="1.7", hints=[
    "spark.sql(f'DESCRIBE HISTORY {SCRATCH}') (or DeltaTable.forName(spark, SCRATCH).history()) lists every version with its operation.",
    "The overwrite is the WRITE whose operationParameters say mode Overwrite; the good data is in the version just before it.",
    "spark.sql(f'RESTORE TABLE {SCRATCH} TO VERSION AS OF {good_version}') makes that version current again.",
])
def check_restore(table_name, good_version):
    from delta.tables import DeltaTable

    spark = _spark()
    _feature_table(table_name, "The scratch table")
    history = DeltaTable.forName(spark, table_name).history().select("version", "operation", "operationParameters").collect()
    overwrites = [r["version"] for r in history if _is_overwrite(r)]
    assert overwrites, (f"{table_name} has no overwrite in its history: run the cell above that overwrites it "
                        "(it recreates the table first).")
    last = max(overwrites)
    assert isinstance(good_version, numbers.Integral) and not isinstance(good_version, bool), \
        "good_version should be a version number (an int) from the table's history."
    good_version = int(good_version)
    assert 0 <= good_version < last, "good_version should be a version from before the overwrite."
    before = _rows(_delta_content(spark, table_name, last - 1))
    assert _rows(_delta_content(spark, table_name, good_version)) == before, \
        ("good_version does not hold the rows the table had just before the overwrite: read the operation column of "
         "the history and pick the version right before the overwrite.")
    assert _rows(_delta_content(spark, table_name)) == before, \
        "The table does not hold its pre-overwrite rows yet: restore it to good_version."


# ---- 1.8 -----------------------------------------------------------------------------------------

@exercise("05.training_set", domain=DOMAIN, objective="1.8", hints=[
    "Two FeatureLookup objects: one on the customer table by lookup_key='customer_id', one on the activity table.",
    "The activity table has a timestamp key, so its lookup needs timestamp_lookup_key='label_ts': each label gets the "
    "latest snapshot at or before its own time.",
    "fe.create_training_set(df=train_labels, feature_lookups=feature_lookups, label='churned'), then training_df = training_set.load_df().",
])
def check_training_set(training_set, training_df, labels_df, profile_table, activity_table, profile_features,
                       activity_features, key="customer_id", time="label_ts", label="churned"):
    assert hasattr(training_set, "load_df"), "training_set should be what fe.create_training_set(...) returns."
    _require_df(training_df, "training_df")
    _require_df(labels_df, "the labels")
    # A TrainingSet's only documented reader is load_df() (its lookups are not public on Databricks): a table none
    # of whose features it gives was not looked up. A lookup that is not point-in-time on the time-series table is
    # refused by create_training_set itself, and a leaky join is caught from the values below.
    provided = set(training_set.load_df().columns)
    assert all(any(f in provided for f in wanted) for wanted in (profile_features, activity_features)), \
        "training_set should look features up in both feature tables: one FeatureLookup per table."
    features = list(profile_features) + list(activity_features)
    missing = [c for c in (key, time, label, *features) if c not in training_df.columns]
    assert not missing, (f"training_df lacks column(s) {missing}: keep {key}, {time} and the label (exclude nothing) "
                         "and look up every feature asked for.")
    got = training_df.select(key, time, label, *features).toPandas()
    labels = labels_df.select(key, time, label).toPandas()
    assert len(got) == len(labels), "training_df should have exactly one row per label row: lookups add columns, never rows."
    activity = _fe().get_table(name=activity_table)
    stamp = activity.timestamp_keys[0]
    expected = _expected_features(labels, [
        {"table_name": profile_table, "lookup_key": [key], "feature_names": list(profile_features)},
        {"table_name": activity_table, "lookup_key": [key], "feature_names": list(activity_features), "timestamp_lookup_key": time},
    ])
    got["__t"], expected["__t"] = _timestamps(got[time]), _timestamps(expected[time])
    got = got.set_index([key, "__t"]).sort_index()
    expected = expected.set_index([key, "__t"]).sort_index()
    assert got.index.equals(expected.index), f"training_df's ({key}, {time}) pairs should be exactly those of the labels."
    assert not _rows_differ(got, expected, [label]), "training_df's labels do not match the label rows it was built from."
    assert not _rows_differ(got, expected, list(profile_features)), \
        f"The customer features in training_df do not match {profile_table}: look them up by customer_id."
    wrong = _rows_differ(got, expected, list(activity_features))
    if wrong:
        snapshots = _spark().table(activity_table).select(key, stamp, *activity_features).toPandas()
        snapshots[stamp] = _timestamps(snapshots[stamp])
        leaked = False
        for customer, at in wrong:
            later = snapshots[(snapshots[key] == customer) & (snapshots[stamp] > at)]
            row = got.loc[(customer, at)]
            if any(all(_same_value(row[c], s[c]) for c in activity_features) for _, s in later.iterrows()):
                leaked = True
                break
        assert not leaked, (f"Leakage: some rows carry activity recorded after their {time}, which the model could "
                            "never have seen at prediction time. Use a point-in-time lookup.")
        raise AssertionError(f"The activity features in training_df should be each customer's latest snapshot at or "
                             f"before the row's {time}.")


@exercise("05.log_model", domain=DOMAIN, objective="1.8", hints=[
    "fe.log_model(model=..., artifact_path='model', flavor=mlflow.sklearn, training_set=training_set, ...).",
    "Register it in the same call: registered_model_name=MODEL_NAME. The signature Unity Catalog needs comes from the training set.",
    "mlflow.sklearn.log_model and autolog store only the estimator; only fe.log_model stores the feature lookups with it.",
])
def check_log_model(model_info, model_name, feature_tables):
    import mlflow
    from mlflow.exceptions import MlflowException

    assert hasattr(model_info, "model_uri"), "model_info should be the ModelInfo that fe.log_model(...) returns."
    version = getattr(model_info, "registered_model_version", None)
    assert version, "The model was not registered: pass registered_model_name=MODEL_NAME in the same call."
    try:
        mlflow.MlflowClient().get_model_version(model_name, str(version))
    except MlflowException:
        raise AssertionError(f"model_info's version is not a version of {model_name}: register under MODEL_NAME.") from None
    uri = f"models:/{model_name}/{version}"
    used = _feature_spec_tables(uri)
    assert used is not None, \
        ("The registered model carries no feature spec, so it cannot look its features up from keys: "
         "mlflow.sklearn.log_model and autolog save only the estimator. Log it with fe.log_model.")
    missing = [t for t in feature_tables if t.lower() not in {u.lower() for u in used}]  # UC names are case-insensitive
    assert not missing, f"The model's feature spec does not read {missing}: pass the training_set built from both lookups."
    assert mlflow.models.get_model_info(uri).signature is not None, \
        ("The model has no signature, which Unity Catalog needs: log it with fe.log_model and the training set it was "
         "trained on (with its label), from which fe.log_model derives one.")


# ---- 1.9 -----------------------------------------------------------------------------------------

@exercise("05.score_batch", domain=DOMAIN, objective="1.9", hints=[
    "primary_keys_df keeps only what the lookups need: the lookup key and the timestamp column.",
    "fe.score_batch(model_uri=f'models:/{MODEL_NAME}/1', df=primary_keys_df) looks every feature up, then predicts.",
    "Features already present in df are used as given instead of being looked up, so leave them out.",
])
def check_score_batch(primary_keys_df, predictions, model_info, model_name, keys=("customer_id", "label_ts")):
    _require_df(primary_keys_df, "primary_keys_df")
    assert sorted(primary_keys_df.columns) == sorted(keys), \
        (f"primary_keys_df should hold only the lookup key and the lookup timestamp {list(keys)}: "
         "score_batch fetches every feature itself, and uses any feature column you pass as given.")
    _require_df(predictions, "predictions")
    assert "prediction" in predictions.columns, "predictions should be what fe.score_batch returns (it adds a 'prediction' column)."
    missing = [k for k in keys if k not in predictions.columns]
    assert not missing, f"predictions lacks {missing}: score_batch keeps the columns of the df it is given."
    got = predictions.select(*keys, "prediction").toPandas()
    asked = primary_keys_df.toPandas()
    assert len(got) == len(asked), "predictions should have one row per row of primary_keys_df."
    uri = f"models:/{model_name}/{getattr(model_info, 'registered_model_version', None)}"
    try:  # the registered model scored again on the learner's keys: its lookups are the ones it was logged with
        expected = _fe().score_batch(model_uri=uri, df=primary_keys_df).select(*keys, "prediction").toPandas()
    except _client_refusals():  # no such version, or a model without a feature spec: the client refuses to score it
        raise AssertionError("Finish the log_model exercise first: the registered model must carry its feature spec.") from None
    expected["prediction"] = expected["prediction"].astype(float)
    for frame in (got, expected):
        frame["__t"] = _timestamps(frame[keys[1]])
    got = got.set_index([keys[0], "__t"]).sort_index()
    expected = expected.set_index([keys[0], "__t"]).sort_index()
    assert got.index.equals(expected.index), "predictions should score exactly the rows of primary_keys_df."
    assert not _rows_differ(got, expected, ["prediction"]), \
        ("Some predictions differ from the registered model's on the features as of each row's time: score the model "
         "you registered, with fe.score_batch and only the keys.")


# ---- 1.10 ----------------------------------------------------------------------------------------

@exercise("05.publish_online", domain=DOMAIN, objective="1.10", hints=[
    "fe.publish_table(online_store=store, source_table_name=..., online_table_name=...) once per feature table; "
    "name the online copy e.g. f'{TABLE}_online'.",
    "A TRIGGERED online table is synced when you publish; after a later write, publish again to sync it.",
    "store.lookup(online_table_name, {'customer_id': CUSTOMER}) reads one row by key, as a serving endpoint does.",
])
def check_publish(online_row, store_name, source_tables, lookup_table, customer_id, key="customer_id"):
    spark = _spark()
    fe = _fe()
    try:
        store = fe.get_online_store(name=store_name)
    except _client_refusals():  # locally the client raises for an unknown name; Databricks' may return None
        store = None
    assert store is not None, f"There is no online store '{store_name}': run the cell that creates it."
    for table in source_tables:
        _feature_table(table)
        published = _published(store, table)
        assert published, f"{table} is not published to the online store '{store_name}' yet: use fe.publish_table."
        assert published[0][1] == _delta_version(spark, table), \
            (f"The online copy of {table} is behind its offline table: a TRIGGERED online table only syncs when you "
             "publish it again.")
    assert isinstance(online_row, dict), "online_row should be the dict an online lookup returns (None means no row was found)."
    table = fe.get_table(name=lookup_table)
    rows = spark.table(table.name).where(f"`{key}` = '{customer_id}'")
    if table.timestamp_keys:
        rows = rows.orderBy(rows[table.timestamp_keys[0]].desc())
    latest = rows.first()
    assert latest is not None, f"{customer_id} has no row in {lookup_table}."
    expected = latest.asDict()
    assert set(online_row) == set(expected) and all(_same_value(online_row[c], expected[c]) for c in expected), \
        (f"online_row is not {customer_id}'s row in the online copy of {lookup_table} (which keeps the latest row "
         "per key): look it up in that online table.")


@exercise("05.online_or_offline", domain=DOMAIN, objective="1.10", hints=[
    "Offline tables are Delta tables: the source of truth, read in bulk by Spark for training and batch scoring.",
    "Online tables answer one key in milliseconds: what a real-time endpoint needs to look features up per request.",
    "A real-time endpoint with automatic feature lookup cannot read an offline Delta table at all.",
])
def check_online_or_offline(serving_answers):
    """Graded from the question bank: the items of quiz("05.online_or_offline") and their keys."""
    check_quiz("05.online_or_offline", serving_answers, variable="serving_answers")

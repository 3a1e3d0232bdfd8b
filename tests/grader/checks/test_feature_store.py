"""Both sides of every notebook-05 check: each passes on the notebook's answer and fails, with its teaching
message, on a wrong answer a learner could plausibly write (overwrite for merge, a leaky join, a plain
MLflow model, features passed to score_batch, an online table left behind its source ...)."""
from __future__ import annotations

import datetime as dt
import types
import uuid

import pytest

from grader.checks import feature_store as checks
from grader.testing import assert_check_failed, assert_check_passed
from quiz_support import assert_quiz_graded_from_bank

pytestmark = pytest.mark.spark

SCHEMA = "main.fs_checks"
PROFILE = ["tenure", "calls"]
ACTIVITY = ["logins"]
N = 24
START = dt.datetime(2025, 3, 1, 8, 0, 0)


def _name(prefix: str) -> str:
    return f"{SCHEMA}.{prefix}_{uuid.uuid4().hex[:8]}"


def _label_ts(i: int) -> dt.datetime:
    return START + dt.timedelta(days=i)


def _churned(i: int) -> int:
    return int(i % 3 == 0)


# ---------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def fe(spark):
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    from localbricks.feature_store import FeatureEngineeringClient

    return FeatureEngineeringClient()


@pytest.fixture(scope="module")
def features_df(spark):
    rows = [(f"C{i:03d}", i, i % 4 if i % 5 else None) for i in range(1, N + 1)]
    return spark.createDataFrame(rows, "customer_id string, tenure int, calls int")


@pytest.fixture(scope="module")
def updates_df(spark):
    """New call counts for three existing customers and two new customers; tenure is not sent."""
    rows = [("C002", 9), ("C004", 8), ("C006", 7), ("C901", 0), ("C902", 1)]
    return spark.createDataFrame(rows, "customer_id string, calls int")


@pytest.fixture(scope="module")
def labels_df(spark):
    rows = [(f"C{i:03d}", _label_ts(i), _churned(i)) for i in range(1, N + 1)]
    return spark.createDataFrame(rows, "customer_id string, label_ts timestamp, churned int")


@pytest.fixture(scope="module")
def tables(spark, fe, features_df):
    """A profile table and a time-series activity table: two snapshots before each label, one after it
    (where churners show no logins: the leak)."""
    profile, activity = _name("profile"), _name("activity")
    fe.create_table(name=profile, primary_keys=["customer_id"], df=features_df, description="profile features")
    rows = []
    for i in range(1, N + 1):
        at = _label_ts(i)
        rows += [(f"C{i:03d}", at - dt.timedelta(days=20), 10 + i), (f"C{i:03d}", at - dt.timedelta(days=5), 20 + i),
                 (f"C{i:03d}", at + dt.timedelta(days=10), 0 if _churned(i) else 30 + i)]
    fe.create_table(name=activity, primary_keys=["customer_id", "snapshot_ts"], timestamp_keys=["snapshot_ts"],
                    df=spark.createDataFrame(rows, "customer_id string, snapshot_ts timestamp, logins int"),
                    description="activity snapshots")
    return {"profile": profile, "activity": activity}


def _lookups(tables):
    from localbricks.feature_store import FeatureLookup

    return [FeatureLookup(table_name=tables["profile"], feature_names=PROFILE, lookup_key="customer_id"),
            FeatureLookup(table_name=tables["activity"], feature_names=ACTIVITY, lookup_key="customer_id",
                          timestamp_lookup_key="label_ts")]


@pytest.fixture(scope="module")
def training(fe, tables, labels_df):
    training_set = fe.create_training_set(df=labels_df, feature_lookups=_lookups(tables), label="churned")
    return training_set, training_set.load_df()


@pytest.fixture(scope="module")
def logged(fe, training, uc):
    """The notebook's model: fitted on the training set, logged with fe.log_model and registered."""
    import mlflow
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    training_set, training_df = training
    frame = training_df.toPandas()
    model = make_pipeline(SimpleImputer(strategy="median"), LogisticRegression(class_weight="balanced", max_iter=500))
    model.fit(frame[PROFILE + ACTIVITY], frame["churned"])
    name = _name("churn_model")
    info = fe.log_model(model=model, artifact_path="model", flavor=mlflow.sklearn, training_set=training_set,
                        registered_model_name=name, infer_input_example=True)
    return {"name": name, "info": info, "model": model}


# ---------------------------------------------------------------------------- 1.5 / 1.10 quizzes

def test_uc_vs_workspace():
    assert_quiz_graded_from_bank(checks.check_uc_vs_workspace, "05.uc_vs_workspace")


def test_online_or_offline():
    assert_quiz_graded_from_bank(checks.check_online_or_offline, "05.online_or_offline")


# ---------------------------------------------------------------------------- 1.6 create

def test_create_table(spark, fe, features_df):
    table = _name("create")
    assert_check_failed(checks.check_create_table, table, features_df, match="does not exist")
    fe.create_table(name=table, primary_keys=["customer_id"], schema=features_df.schema, description="customer features")
    assert_check_failed(checks.check_create_table, table, features_df, match="empty")  # schema only, never written
    fe.write_table(name=table, df=features_df, mode="merge")
    assert_check_passed(checks.check_create_table, table, features_df)

    no_description = _name("create")
    fe.create_table(name=no_description, primary_keys=["customer_id"], df=features_df)
    assert_check_failed(checks.check_create_table, no_description, features_df, match="description")

    two_keys = _name("create")
    fe.create_table(name=two_keys, primary_keys=["customer_id", "tenure"], df=features_df, description="d")
    assert_check_failed(checks.check_create_table, two_keys, features_df, match="primary key")

    plain = _name("create")
    features_df.write.saveAsTable(plain)  # a Delta table, but no primary key: not a feature table
    assert_check_failed(checks.check_create_table, plain, features_df, match="not a feature table")


def test_only_the_clients_refusals_are_blamed_on_the_learner(spark, fe, features_df, monkeypatch):
    """A bug in the client (any other error) must surface with its own traceback, not as feedback."""
    from databricks.feature_engineering import FeatureEngineeringClient

    plain = _name("create")
    features_df.write.saveAsTable(plain)
    monkeypatch.setattr(FeatureEngineeringClient, "get_table", lambda self, name: (_ for _ in ()).throw(KeyError(name)))
    with pytest.raises(KeyError):
        checks.check_create_table(plain, features_df)


# ---------------------------------------------------------------------------- 1.7 merge, overwrite, restore

def test_merge_passes_and_overwrite_fails(fe, features_df, updates_df):
    merged = _name("merge")
    fe.create_table(name=merged, primary_keys=["customer_id"], df=features_df, description="d")
    assert_check_failed(checks.check_merge, merged, features_df, updates_df, match="new customers")  # nothing written yet
    fe.write_table(name=merged, df=updates_df, mode="merge")
    assert_check_passed(checks.check_merge, merged, features_df, updates_df)

    overwritten = _name("merge")
    fe.create_table(name=overwritten, primary_keys=["customer_id"], df=features_df, description="d")
    fe.write_table(name=overwritten, df=updates_df, mode="overwrite")
    message = assert_check_failed(checks.check_merge, overwritten, features_df, updates_df, match="overwrite")
    assert "disappeared" in message


def test_merge_fails_when_unsent_features_are_lost(spark, fe, features_df, updates_df):
    """Writing updates with every other column nulled out (a hand-made 'full row' update) is not a merge."""
    from pyspark.sql import functions as F

    table = _name("merge")
    fe.create_table(name=table, primary_keys=["customer_id"], df=features_df, description="d")
    full_rows = updates_df.withColumn("tenure", F.lit(None).cast("int")).select("customer_id", "tenure", "calls")
    fe.write_table(name=table, df=full_rows, mode="merge")
    assert_check_failed(checks.check_merge, table, features_df, updates_df, match="did not send")


def test_restore(spark, fe, features_df, updates_df):
    table = _name("scratch")
    fe.create_table(name=table, primary_keys=["customer_id"], df=features_df)  # versions 0 and 1
    assert_check_failed(checks.check_restore, table, 1, match="no overwrite")
    fe.write_table(name=table, df=updates_df, mode="overwrite")  # version 2
    assert_check_failed(checks.check_restore, table, 1, match="pre-overwrite rows")  # found the version, never restored
    spark.sql(f"RESTORE TABLE {table} TO VERSION AS OF 0")  # the empty CREATE TABLE version
    assert_check_failed(checks.check_restore, table, 0, match="does not hold the rows")
    assert_check_failed(checks.check_restore, table, 2, match="before the overwrite")
    assert_check_failed(checks.check_restore, table, "1", match="an int")

    from delta.tables import DeltaTable

    DeltaTable.forName(spark, table).restoreToVersion(1)
    assert_check_passed(checks.check_restore, table, 1)
    import numpy as np

    assert_check_passed(checks.check_restore, table, np.int64(1))  # a version read from history.toPandas()


# ---------------------------------------------------------------------------- 1.8 training set, log_model

def test_training_set_point_in_time_passes(training, labels_df, tables):
    training_set, training_df = training
    assert_check_passed(checks.check_training_set, training_set, training_df, labels_df, tables["profile"],
                        tables["activity"], PROFILE, ACTIVITY)
    churners = labels_df.where("churned = 1")
    assert_check_failed(checks.check_training_set, training_set, training_df, churners, tables["profile"],
                        tables["activity"], PROFILE, ACTIVITY, match="one row per label")


def test_training_set_with_a_leaky_join_fails(spark, training, labels_df, tables):
    """Each customer's latest snapshot, whenever it was taken: what a plain join plus 'keep the newest' gives."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    training_set, _ = training
    latest = (spark.table(tables["activity"]).withColumn("n", F.row_number().over(
        Window.partitionBy("customer_id").orderBy(F.col("snapshot_ts").desc()))).where("n = 1").select("customer_id", "logins"))
    leaky = labels_df.join(spark.table(tables["profile"]), "customer_id").join(latest, "customer_id")
    assert_check_failed(checks.check_training_set, training_set, leaky, labels_df, tables["profile"], tables["activity"],
                        PROFILE, ACTIVITY, match="Leakage")


def test_training_set_needs_both_lookups_and_the_keys(fe, training, labels_df, tables):
    from localbricks.feature_store import FeatureLookup

    training_set, training_df = training
    profile_only = fe.create_training_set(df=labels_df, label="churned", feature_lookups=[
        FeatureLookup(table_name=tables["profile"], feature_names=PROFILE, lookup_key="customer_id")])
    assert_check_failed(checks.check_training_set, profile_only, profile_only.load_df(), labels_df, tables["profile"],
                        tables["activity"], PROFILE, ACTIVITY, match="both feature tables")
    # a hand-made training_df beside a training set that never reads the activity table
    assert_check_failed(checks.check_training_set, profile_only, training_df, labels_df, tables["profile"],
                        tables["activity"], PROFILE, ACTIVITY, match="both feature tables")
    # a lookup on the time-series table that is not point-in-time never becomes a training set to check
    with pytest.raises(ValueError, match="timestamp_lookup_key"):
        fe.create_training_set(df=labels_df, label="churned", feature_lookups=[
            FeatureLookup(table_name=tables["activity"], feature_names=ACTIVITY, lookup_key="customer_id")])
    no_keys = fe.create_training_set(df=labels_df, feature_lookups=_lookups(tables), label="churned",
                                     exclude_columns=["customer_id", "label_ts"])
    assert_check_failed(checks.check_training_set, no_keys, no_keys.load_df(), labels_df, tables["profile"],
                        tables["activity"], PROFILE, ACTIVITY, match="lacks column")


def test_log_model(fe, logged, training, tables, uc):
    import mlflow
    from mlflow.models import infer_signature

    assert_check_passed(checks.check_log_model, logged["info"], logged["name"], [tables["profile"], tables["activity"]])
    assert_check_failed(checks.check_log_model, logged["info"], _name("other_model"), [tables["profile"]],
                        match="not a version of")
    # what autolog or mlflow.sklearn.log_model give: the estimator alone, even registered with a signature
    frame = training[1].toPandas()[PROFILE + ACTIVITY]
    with mlflow.start_run():
        plain = mlflow.sklearn.log_model(logged["model"], name="model", serialization_format="cloudpickle",
                                         signature=infer_signature(frame, logged["model"].predict(frame)),
                                         pip_requirements=["scikit-learn"], registered_model_name=logged["name"] + "_plain")
    assert_check_failed(checks.check_log_model, plain, logged["name"] + "_plain", [tables["profile"]], match="feature spec")
    unregistered = fe.log_model(model=logged["model"], artifact_path="model", flavor=mlflow.sklearn,
                                training_set=training[0])
    assert_check_failed(checks.check_log_model, unregistered, logged["name"], [tables["profile"]], match="not registered")
    # logged with the client, but from a training set that never reads the activity table
    profile_only = fe.create_training_set(df=training[0].load_df().select("customer_id", "label_ts", "churned"),
                                          label="churned", feature_lookups=_lookups(tables)[:1])
    narrow = make_narrow_model(training[1].toPandas())
    narrow_name = _name("profile_only_model")
    narrow_info = fe.log_model(model=narrow, artifact_path="model", flavor=mlflow.sklearn, training_set=profile_only,
                               registered_model_name=narrow_name)
    assert_check_passed(checks.check_log_model, narrow_info, narrow_name, [tables["profile"]])
    assert_check_failed(checks.check_log_model, narrow_info, narrow_name, [tables["profile"], tables["activity"]],
                        match="does not read")


def make_narrow_model(frame):
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(SimpleImputer(strategy="median"), LogisticRegression(max_iter=500)).fit(frame[PROFILE], frame["churned"])


# ---------------------------------------------------------------------------- 1.9 score_batch

def test_score_batch(spark, fe, logged, labels_df):
    from pyspark.sql import functions as F

    uri = f"models:/{logged['name']}/{logged['info'].registered_model_version}"
    keys = labels_df.select("customer_id", "label_ts")
    predictions = fe.score_batch(model_uri=uri, df=keys)
    assert_check_passed(checks.check_score_batch, keys, predictions, logged["info"], logged["name"])

    # passing a feature along: score_batch uses it as given instead of looking it up
    with_feature = labels_df.select("customer_id", "label_ts", F.lit(0).alias("tenure"))
    assert_check_failed(checks.check_score_batch, with_feature, fe.score_batch(model_uri=uri, df=with_feature),
                        logged["info"], logged["name"], match="only the lookup key")
    flipped = predictions.withColumn("prediction", 1.0 - F.col("prediction"))
    assert_check_failed(checks.check_score_batch, keys, flipped, logged["info"], logged["name"], match="differ")
    assert_check_failed(checks.check_score_batch, keys, predictions.limit(3), logged["info"], logged["name"],
                        match="one row per row")
    assert_check_failed(checks.check_score_batch, keys, keys, logged["info"], logged["name"], match="'prediction'")
    no_such_version = types.SimpleNamespace(registered_model_version="99")
    assert_check_failed(checks.check_score_batch, keys, predictions, no_such_version, logged["name"],
                        match="Finish the log_model exercise")


# ---------------------------------------------------------------------------- 1.10 online tables

def test_publish(spark, fe, tables):
    """A fresh store, and a copy of the activity table, since this test writes to it."""
    store_name = f"checks-{uuid.uuid4().hex[:8]}"
    store = fe.create_online_store(name=store_name, capacity="CU_1")
    profile, activity = tables["profile"], _name("activity_copy")
    fe.create_table(name=activity, primary_keys=["customer_id", "snapshot_ts"], timestamp_keys=["snapshot_ts"],
                    df=spark.table(tables["activity"]))
    sources = [profile, activity]
    assert_check_failed(checks.check_publish, {}, store_name, sources, activity, "C001", match="not published")
    fe.publish_table(online_store=store, source_table_name=profile, online_table_name=profile + "_online")
    assert_check_failed(checks.check_publish, {}, store_name, sources, activity, "C001", match="not published")
    fe.publish_table(online_store=store, source_table_name=activity, online_table_name=activity + "_online")
    row = store.lookup(activity + "_online", {"customer_id": "C001"})
    assert_check_passed(checks.check_publish, row, store_name, sources, activity, "C001")

    # the row a point-in-time lookup would give at the label, not the latest one the online table serves
    earlier = spark.table(activity).where("customer_id = 'C001'").orderBy("snapshot_ts").first().asDict()
    assert_check_failed(checks.check_publish, earlier, store_name, sources, activity, "C001", match="latest row")
    assert_check_failed(checks.check_publish, None, store_name, sources, activity, "C001", match="dict")

    # a TRIGGERED table falls behind after a write, until published again
    fe.write_table(name=activity, df=spark.createDataFrame([("C001", dt.datetime(2026, 1, 1), 99)],
                                                           "customer_id string, snapshot_ts timestamp, logins int"))
    fresh = store.lookup(activity + "_online", {"customer_id": "C001"})
    assert_check_failed(checks.check_publish, fresh, store_name, sources, activity, "C001", match="behind")
    fe.publish_table(online_store=store, source_table_name=activity, online_table_name=activity + "_online")
    fresh = store.lookup(activity + "_online", {"customer_id": "C001"})
    assert fresh["logins"] == 99
    assert_check_passed(checks.check_publish, fresh, store_name, sources, activity, "C001")
    assert_check_failed(checks.check_publish, fresh, "no-such-store", sources, activity, "C001", match="no online store")


def test_publish_reads_sync_state_from_the_sdk_on_databricks(monkeypatch):
    """On a workspace an online table is a Lakebase synced table: its source and last synced Delta
    version come from the SDK's database API (real SDK types here; the client answering is a stand-in)."""
    import databricks.sdk
    from databricks.sdk.service.database import SyncedDatabaseTable

    import localbricks

    listed = [SyncedDatabaseTable.from_dict(d) for d in (
        {"name": "main.s.profile_online", "spec": {"source_table_full_name": "main.s.profile"},
         "data_synchronization_status": {"last_sync": {"delta_table_sync_info": {"delta_commit_version": 4}}}},
        {"name": "main.s.other_online", "spec": {"source_table_full_name": "main.s.other"}},
        {"name": "main.s.profile_new", "spec": {"source_table_full_name": "main.s.profile"}},  # not synced yet
    )]
    asked = []

    class Database:
        def list_synced_database_tables(self, instance_name):
            asked.append(instance_name)
            return iter(listed)

    monkeypatch.setattr(localbricks, "on_databricks", lambda: True)
    monkeypatch.setattr(databricks.sdk, "WorkspaceClient", lambda: types.SimpleNamespace(database=Database()))
    store = types.SimpleNamespace(name="fs-course")
    assert checks._published(store, "main.s.profile") == [("main.s.profile_online", 4), ("main.s.profile_new", None)]
    assert checks._published(store, "main.s.missing") == []
    assert asked == ["fs-course", "fs-course"]

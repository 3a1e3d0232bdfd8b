"""fe.log_model behaves as databricks-feature-engineering 0.18.2's does with Unity Catalog tables.

The real client cannot run here (it needs a workspace, and its licence keeps it to Databricks), so
the expectations below are its rule, as read in its source, applied to one training set: when
every feature table is in Unity Catalog it derives the signature from the training set's feature
spec, so ``registered_model_name`` works without a signature. Inputs: the training DataFrame's
columns without the label, required (an excluded one only if it is a lookup key), then each
looked-up feature, optional; types from the Spark schemas; outputs: the label; params:
``result_type`` defaulting to ``"NO_RESULT_TYPE"``.
"""
import datetime as dt
import uuid

import mlflow
import mlflow.sklearn
import pytest
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, DataType, ParamSchema, ParamSpec, Schema
from sklearn.tree import DecisionTreeClassifier

from localbricks.feature_store import FeatureLookup
from tests_support import uc_registry

pytestmark = pytest.mark.spark
D = dt.datetime


@pytest.fixture(scope="module")
def uc():
    """The registry a notebook has after activate() and mlflow.set_registry_uri("databricks-uc")."""
    with uc_registry() as client:
        yield client


@pytest.fixture(scope="module")
def logged(spark, fe, uc):
    """A tree trained on a profile table and a point-in-time activity table, logged with no signature."""
    suffix = uuid.uuid4().hex[:8]
    profile, activity = f"main.fs_tests.fidprofile_{suffix}", f"main.fs_tests.fidevents_{suffix}"
    fe.create_table(name=profile, primary_keys="cid", df=spark.createDataFrame(
        [("c1", 1.0, "basic"), ("c2", 5.0, "pro"), ("c3", 9.0, "pro")], "cid string, tenure double, plan string"))
    fe.create_table(name=activity, primary_keys=["cid", "ts"], timestamp_keys="ts", df=spark.createDataFrame(
        [("c1", D(2025, 1, 1), 3), ("c2", D(2025, 1, 1), 8), ("c3", D(2025, 2, 1), 1)], "cid string, ts timestamp, logins int"))
    labels = spark.createDataFrame([("c1", D(2025, 2, 1), 7, 0), ("c2", D(2025, 2, 1), 3, 1), ("c3", D(2025, 2, 2), 5, 1)],
                                   "cid string, at timestamp, age bigint, churned int")
    lookups = [FeatureLookup(table_name=profile, lookup_key="cid", feature_names=["tenure", "plan"]),
               FeatureLookup(table_name=activity, lookup_key="cid", timestamp_lookup_key="at")]
    training = fe.create_training_set(df=labels, feature_lookups=lookups, label="churned", exclude_columns=["cid"])
    frame = training.load_df().toPandas()
    model = DecisionTreeClassifier(random_state=0).fit(frame[["tenure", "logins"]], frame["churned"])
    name = f"main.fs_tests.fidchurn_{suffix}"
    info = fe.log_model(model=model, artifact_path="model", flavor=mlflow.sklearn, training_set=training,
                        registered_model_name=name)
    return {"name": name, "info": info}


def test_registers_in_unity_catalog_without_a_signature_being_passed(uc, logged):
    version = uc.get_model_version(logged["name"], logged["info"].registered_model_version)
    assert version.name == logged["name"]


def test_the_signature_is_the_one_the_real_client_derives(logged):
    expected = ModelSignature(
        inputs=Schema([
            ColSpec(DataType.string, "cid", required=True),     # excluded, but a lookup key
            ColSpec(DataType.datetime, "at", required=True),
            ColSpec(DataType.long, "age", required=True),       # bigint
            ColSpec(DataType.double, "tenure", required=False),
            ColSpec(DataType.string, "plan", required=False),
            ColSpec(DataType.integer, "logins", required=False),  # int
        ]),
        outputs=Schema([ColSpec(DataType.integer, "churned", required=True)]),
        params=ParamSchema([ParamSpec("result_type", DataType.string, "NO_RESULT_TYPE")]),
    )
    assert mlflow.models.get_model_info(f"models:/{logged['name']}/{logged['info'].registered_model_version}").signature \
        == expected

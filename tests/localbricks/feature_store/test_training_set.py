"""create_training_set on the course's churn data: as-of features equal pandas.merge_asof, label checks."""
from pathlib import Path

import pandas as pd
import pytest

from localbricks.feature_store import FeatureLookup, FeatureStoreError

pytestmark = pytest.mark.spark
DATA = Path(__file__).resolve().parents[3] / "datasets"


@pytest.fixture(scope="module")
def churn(spark, fe):
    """The first 40 customers of the course data: activity snapshots as a time-series feature table."""
    import uuid

    activity = pd.read_csv(DATA / "churn_activity.csv", parse_dates=["snapshot_ts"])
    customers = pd.read_csv(DATA / "churn_customers.csv", parse_dates=["label_ts"])
    ids = customers.customer_id.head(40)
    activity, labels = activity[activity.customer_id.isin(ids)], customers[customers.customer_id.isin(ids)]
    name = f"main.fs_tests.churn_activity_{uuid.uuid4().hex[:8]}"
    fe.create_table(name=name, primary_keys=["customer_id", "snapshot_ts"], timestamp_keys="snapshot_ts",
                    df=spark.createDataFrame(activity))
    return name, activity, labels[["customer_id", "label_ts", "churned"]]


def test_training_set_matches_an_as_of_merge_and_leaks_no_future_snapshot(spark, fe, churn):
    name, activity, labels = churn
    training = fe.create_training_set(
        df=spark.createDataFrame(labels),
        feature_lookups=[FeatureLookup(table_name=name, lookup_key="customer_id", timestamp_lookup_key="label_ts")],
        label="churned", exclude_columns=["label_ts"])
    got = training.load_df().toPandas().sort_values("customer_id").reset_index(drop=True)
    expected = pd.merge_asof(labels.sort_values("label_ts"), activity.sort_values("snapshot_ts"), left_on="label_ts",
                             right_on="snapshot_ts", by="customer_id", direction="backward")
    expected = expected.sort_values("customer_id").reset_index(drop=True)
    assert list(got.columns) == ["customer_id", "churned", "logins_30d", "spend_30d", "tickets_30d"]
    pd.testing.assert_frame_equal(got[["customer_id", "logins_30d", "spend_30d", "tickets_30d"]],
                                  expected[["customer_id", "logins_30d", "spend_30d", "tickets_30d"]], check_dtype=False)
    latest = activity.sort_values("snapshot_ts").groupby("customer_id").tail(1).set_index("customer_id")
    leaky = latest.loc[got.customer_id, "logins_30d"].to_numpy() != got.logins_30d.fillna(-1).to_numpy()
    assert leaky.any(), "the data has snapshots after label_ts: a naive latest-row join would differ"
    assert training.labels == ["churned"] and training.columns() == list(got.columns)


@pytest.mark.parametrize("kwargs, message", [
    (dict(label="churn"), "'churn' not found in df"),
    (dict(label="churned", exclude_columns=["churned"]), "removes the label"),
    (dict(label="churned", exclude_columns=["nope"]), "'nope' not found in the training set"),
    (dict(label=3), "label must be"),
])
def test_training_set_argument_errors(spark, fe, churn, kwargs, message):
    name, _, labels = churn
    lookups = [FeatureLookup(table_name=name, lookup_key="customer_id", timestamp_lookup_key="label_ts")]
    with pytest.raises(FeatureStoreError, match=message):
        fe.create_training_set(df=spark.createDataFrame(labels.head(2)), feature_lookups=lookups, **kwargs)


def test_feature_lookups_must_be_a_list_of_lookups(spark, fe):
    df = spark.createDataFrame([(1,)], "id int")
    with pytest.raises(FeatureStoreError, match="must be a list"):
        fe.create_training_set(df=df, feature_lookups=FeatureLookup(table_name="main.a.b", lookup_key="id"), label=None)
    with pytest.raises(FeatureStoreError, match="FeatureLookup objects"):
        fe.create_training_set(df=df, feature_lookups=["main.a.b"], label=None)

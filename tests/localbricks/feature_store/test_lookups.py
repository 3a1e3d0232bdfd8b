"""FeatureLookup: argument checks, and point-in-time lookups that never take a row from the future."""
import datetime as dt

import pytest

from localbricks.errors import ThreeLevelNameError
from localbricks.feature_store import FeatureLookup, FeatureStoreError

pytestmark = pytest.mark.spark

D = dt.datetime


@pytest.fixture(scope="module")
def activity(spark, fe):
    """A time-series table: c1 has rows on Jan 1, Feb 1 and Mar 1; c2 on Jan 10."""
    import uuid

    name = f"main.fs_tests.activity_{uuid.uuid4().hex[:8]}"
    rows = [("c1", D(2025, 1, 1), 1, 0.1), ("c1", D(2025, 2, 1), 2, 0.2), ("c1", D(2025, 3, 1), 3, 0.3),
            ("c2", D(2025, 1, 10), 10, 1.0)]
    df = spark.createDataFrame(rows, "cid string, ts timestamp, logins int, spend double")
    fe.create_table(name=name, primary_keys=["cid", "ts"], timestamp_keys="ts", df=df)
    return name


def _labels(spark, rows):
    return spark.createDataFrame(rows, "row int, cid string, at timestamp")


def _looked_up(fe, spark, labels, lookups):
    training = fe.create_training_set(df=labels, feature_lookups=lookups, label=None)
    return {r.row: r.asDict() for r in training.load_df().collect()}


def test_point_in_time_takes_the_latest_row_at_or_before_each_label_and_never_a_future_one(spark, fe, activity):
    labels = _labels(spark, [(1, "c1", D(2025, 2, 15)),   # Feb 1 row; Mar 1 is in its future
                             (2, "c1", D(2025, 2, 1)),    # exactly at a row's time: that row
                             (3, "c1", D(2024, 12, 31)),  # before any row: nothing
                             (4, "c2", D(2025, 6, 1)),
                             (5, "c3", D(2025, 6, 1)),    # unknown key
                             (6, "c1", D(2025, 2, 15))])  # the same key and time twice: both rows kept
    got = _looked_up(fe, spark, labels, [FeatureLookup(table_name=activity, lookup_key="cid", timestamp_lookup_key="at")])
    assert {row: (v["logins"], v["spend"]) for row, v in got.items()} == {
        1: (2, 0.2), 2: (2, 0.2), 3: (None, None), 4: (10, 1.0), 5: (None, None), 6: (2, 0.2)}
    assert list(got[1]) == ["row", "cid", "at", "logins", "spend"]


def test_lookback_window_rename_defaults_and_feature_choice(spark, fe, activity):
    labels = _labels(spark, [(1, "c1", D(2025, 2, 15)), (2, "c2", D(2025, 6, 1)), (3, "c9", D(2025, 6, 1))])
    lookup = FeatureLookup(table_name=activity, lookup_key=["cid"], timestamp_lookup_key="at", feature_names=["logins"],
                           lookback_window=dt.timedelta(days=30), rename_outputs={"logins": "logins_asof"},
                           default_values={"logins": -1})
    got = _looked_up(fe, spark, labels, [lookup])
    assert {row: v["logins_asof"] for row, v in got.items()} == {1: 2, 2: -1, 3: -1}  # c2's row is 142 days old
    assert "spend" not in got[1]


def test_exact_lookup_on_all_keys_of_a_time_series_table(spark, fe, activity):
    labels = spark.createDataFrame([(1, "c1", D(2025, 3, 1)), (2, "c1", D(2025, 3, 2))], "row int, cid string, ts timestamp")
    got = _looked_up(fe, spark, labels, [FeatureLookup(table_name=activity, lookup_key=["cid", "ts"])])
    assert (got[1]["logins"], got[2]["logins"]) == (3, None)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(table_name="activity", lookup_key="cid"), ThreeLevelNameError, "three levels"),
    (dict(table_name="main.fs_tests.t", lookup_key=None), FeatureStoreError, "lookup_key is required"),
    (dict(table_name="main.fs_tests.t", lookup_key=3), FeatureStoreError, "lookup_key must be"),
    (dict(table_name="main.fs_tests.t", lookup_key="k", feature_names=[]), FeatureStoreError, "feature_names is required"),
    (dict(table_name="main.fs_tests.t", lookup_key="k", rename_outputs={"a": 1}), FeatureStoreError, "rename_outputs must be"),
    (dict(table_name="main.fs_tests.t", lookup_key="k", default_values=[0]), FeatureStoreError, "default_values must be"),
    (dict(table_name="main.fs_tests.t", lookup_key="k", timestamp_lookup_key=["a", "b"]), FeatureStoreError, "takes one column"),
    (dict(table_name="main.fs_tests.t", lookup_key="k", timestamp_lookup_key="t", lookback_window=3), FeatureStoreError, "timedelta"),
    (dict(table_name="main.fs_tests.t", lookup_key="k", lookback_window=dt.timedelta(days=1)), FeatureStoreError, "give timestamp_lookup_key"),
    (dict(table_name="main.fs_tests.t", lookup_key="k", colour="red"), FeatureStoreError, "'colour'"),
])
def test_feature_lookup_checks_its_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        FeatureLookup(**kwargs)


def test_feature_lookup_round_trips_through_its_spec():
    lookup = FeatureLookup(table_name="main.fs_tests.t", lookup_key="k", feature_name="f", timestamp_lookup_key="at",
                           lookback_window=dt.timedelta(hours=2), default_values={"f": 0})
    again = FeatureLookup.from_dict(lookup.to_dict())
    assert again.to_dict() == lookup.to_dict() and again.feature_names == ["f"]


def _bad_lookup_cases(activity, customers):
    return {
        "missing table": (dict(table_name="main.fs_tests.no_such_table", lookup_key="cid"), "does not exist"),
        "time-series table without timestamp": (dict(table_name=activity, lookup_key="cid"), "pass timestamp_lookup_key"),
        "timestamp on a plain table": (dict(table_name=customers, lookup_key="cid", timestamp_lookup_key="at"), "has no timestamp key"),
        "too many keys": (dict(table_name=customers, lookup_key=["cid", "row"]), "must name 1 column"),
        "key not in df": (dict(table_name=customers, lookup_key="customer"), "'customer' not found in df"),
        "key type mismatch": (dict(table_name=customers, lookup_key="row"), "'row' is int but key 'cid' is string"),
        "timestamp not a time": (dict(table_name=activity, lookup_key="cid", timestamp_lookup_key="cid"), "must be a timestamp"),
        "unknown feature": (dict(table_name=customers, lookup_key="cid", feature_names=["visits", "age"]), "'age' not found"),
        "key as a feature": (dict(table_name=customers, lookup_key="cid", feature_names=["cid"]), "are primary keys"),
        "rename of an untaken feature": (dict(table_name=customers, lookup_key="cid", feature_names="visits",
                                              rename_outputs={"spend": "s"}), "does not take"),
        "output replaces a df column": (dict(table_name=customers, lookup_key="cid", rename_outputs={"visits": "row"}),
                                        "would replace df's column 'row'"),
    }


@pytest.mark.parametrize("case", ["missing table", "time-series table without timestamp", "timestamp on a plain table",
                                  "too many keys", "key not in df", "key type mismatch", "timestamp not a time",
                                  "unknown feature", "key as a feature", "rename of an untaken feature",
                                  "output replaces a df column"])
def test_lookups_that_cannot_work_are_refused_with_the_fix(spark, fe, activity, frozen_customers, case):
    kwargs, message = _bad_lookup_cases(activity, frozen_customers)[case]
    labels = _labels(spark, [(1, "c1", D(2025, 2, 15))])
    with pytest.raises(FeatureStoreError, match=message):
        fe.create_training_set(df=labels, feature_lookups=[FeatureLookup(**kwargs)], label=None)


def test_two_lookups_giving_the_same_feature_name_are_refused(spark, fe, frozen_customers):
    labels = _labels(spark, [(1, "c1", D(2025, 2, 15))])
    twice = [FeatureLookup(table_name=frozen_customers, lookup_key="cid")] * 2
    with pytest.raises(FeatureStoreError, match="comes from both"):
        fe.create_training_set(df=labels, feature_lookups=twice, label=None)

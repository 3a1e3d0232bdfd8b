"""Each column gets the treatment its data calls for, and the shared recipe builds a working transformer."""
import datetime as dt
import pickle

import cloudpickle
import numpy as np
import pandas as pd
import pytest

from localbricks.automl import recipes
from localbricks.automl.dataset import assign_split
from localbricks.automl.preprocess import plan_columns


@pytest.fixture
def frame():
    n = 120
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(n)],
        "row_id": np.arange(n),
        "age": np.where(rng.random(n) < 0.1, np.nan, rng.integers(18, 80, n)),
        "plan": rng.choice(["basic", "standard", "premium", None], n),
        "city": [f"town_{i % 60}" for i in range(n)],
        "signup": [f"2024-0{1 + i % 9}-1{i % 10}" for i in range(n)],
        "seen_at": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 10_000, n), unit="min"),
        "opened": [dt.date(2020, 1, 1 + i % 28) for i in range(n)],
        "vip": rng.random(n) < 0.3,
        "country": "NZ",
        "empty": [None] * n,
        "label": rng.integers(0, 2, n),
    })


def test_columns_are_sorted_by_what_their_data_is(frame):
    plan = plan_columns(frame, "label", exclude_cols=["vip"])
    assert plan.numeric == ["age"]
    assert plan.categorical == ["plan"] and plan.hashed == ["city"]
    assert plan.datetime == ["signup", "seen_at", "opened"]
    assert set(plan.dropped) == {"customer_id", "row_id", "vip", "country", "empty"}
    assert "identifier" in plan.dropped["customer_id"] and "identifier" in plan.dropped["row_id"]
    assert "exclude_cols" in plan.dropped["vip"] and "same value" in plan.dropped["country"]
    assert "label" not in plan.features and plan.features[0] == "age"


def test_a_whole_number_column_is_kept_unless_it_is_named_like_an_id(frame):
    frame = frame.rename(columns={"row_id": "rank"})
    assert "rank" in plan_columns(frame, "label").numeric


def test_the_recipe_transforms_train_and_unseen_data_the_same_width(frame):
    plan = plan_columns(frame, "label")
    pre = recipes.build_preprocessor(**plan.builder_arguments(), imputers={"age": ("constant", -1)},
                                     scale_numeric=True)
    X = frame[plan.features]
    wide = pre.fit_transform(X)
    unseen = X.head(3).assign(plan="platinum", city="elsewhere", signup="not a date")
    assert pre.transform(unseen).shape == (3, wide.shape[1])
    assert not np.isnan(wide).any() and wide.shape[1] > 64  # one-hot + 64 hashed + dates + numbers
    again = pickle.loads(cloudpickle.dumps(pre))  # the lambda and the function pickle (as MLflow does)
    np.testing.assert_allclose(again.transform(X), wide)


def test_datetime_features_are_numbers_with_gaps_for_bad_values():
    out = recipes.datetime_features(pd.DataFrame({"d": ["2024-03-05 10:30:00", None, "soon"]}))
    assert out.loc[0, "d_year"] == 2024 and out.loc[0, "d_hour"] == 10
    assert out.loc[1:].isna().all().all() and out.dtypes.eq("float64").all()


def test_the_split_is_seeded_stratified_and_60_20_20(frame):
    first = assign_split(frame, "classification", "label", seed=42)
    assert first.equals(assign_split(frame, "classification", "label", seed=42))
    assert first.value_counts().to_dict() == {"train": 72, "val": 24, "test": 24}
    rates = frame.groupby(first)["label"].mean()
    assert rates.max() - rates.min() < 0.05
    by_time = assign_split(frame, "classification", "label", seed=42, time_col="seen_at")
    assert frame.loc[by_time == "train", "seen_at"].max() <= frame.loc[by_time == "test", "seen_at"].min()

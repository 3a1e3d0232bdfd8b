"""Properties the course relies on: determinism, scaling, and the traps planted in each data set."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

CHURN_CUSTOMER_COLUMNS = [
    "customer_id", "signup_date", "region", "contract_type", "plan_tier", "city", "payment_method",
    "age", "tenure_months", "monthly_spend", "total_spend", "support_calls", "avg_session_minutes",
    "days_since_last_login", "num_devices", "satisfaction_score", "label_ts", "churned",
]
CHURN_ACTIVITY_COLUMNS = ["customer_id", "snapshot_ts", "logins_30d", "spend_30d", "tickets_30d"]
HOUSE_COLUMNS = [
    "house_id", "sqft", "bedrooms", "bathrooms", "lot_size_sqft", "year_built", "neighborhood",
    "condition", "distance_to_center_km", "has_garage", "sale_date", "price",
]
COMMITTED_FILES = {"churn_customers.csv", "churn_activity.csv", "house_prices.csv", "wine.csv",
                   "churn_inference_log.csv"}


# ---------------------------------------------------------------- determinism and drift

@pytest.mark.parametrize("name", ["churn", "house_prices", "wine_quality"])
def test_same_inputs_give_identical_tables(gen, name):
    first, second = gen.generate(name, scale=0.3, seed=5), gen.generate(name, scale=0.3, seed=5)
    assert first.keys() == second.keys()
    for table in first:
        assert first[table] is not second[table]
        pd.testing.assert_frame_equal(first[table], second[table])


def test_committed_csvs_match_a_fresh_generation(gen, datasets_dir, tmp_path):
    """The drift check: regenerate at the defaults and compare bytes with what is committed."""
    written = [path for name in gen.NAMES for path in gen.write(name, tmp_path)]
    assert {path.name for path in written} == COMMITTED_FILES
    assert {path.name for path in datasets_dir.glob("*.csv")} == COMMITTED_FILES
    for path in written:
        committed = datasets_dir / path.name
        assert committed.read_bytes() == path.read_bytes(), (
            f"{committed} drifted from the generator; run `python datasets/generate.py`")


def test_committed_csvs_are_commit_sized(datasets_dir):
    for name in COMMITTED_FILES:
        assert (datasets_dir / name).stat().st_size < 1_000_000, name


@pytest.mark.parametrize("name", ["churn", "house_prices"])
def test_different_seed_gives_different_data(gen, name):
    a, b = gen.generate(name, seed=42), gen.generate(name, seed=43)
    for table in a:
        assert len(a[table]) > 0
        assert not a[table].equals(b[table])


def test_wine_is_real_data_unaffected_by_scale_and_seed(gen):
    base = gen.generate("wine_quality")["wine"]
    other = gen.generate("wine_quality", scale=5, seed=1)["wine"]
    pd.testing.assert_frame_equal(base, other)
    assert base.shape == (178, 14)
    assert base["cultivar"].value_counts().sort_index().tolist() == [59, 71, 48]
    assert base.loc[0, "alcohol"] == pytest.approx(14.23)


# ---------------------------------------------------------------- scale and arguments

def test_scale_changes_row_counts_proportionally(gen):
    small, big = gen.generate("churn", scale=0.2), gen.generate("churn", scale=0.4)
    assert len(small["churn_customers"]) == 1000
    assert len(big["churn_customers"]) == 2000
    ratio = len(big["churn_activity"]) / len(small["churn_activity"])
    assert ratio == pytest.approx(2.0, rel=0.05)
    assert len(gen.generate("house_prices", scale=0.5)["house_prices"]) == 1500
    assert len(gen.generate("house_prices", scale=2)["house_prices"]) == 6000


def test_tiny_scale_is_floored(gen):
    assert len(gen.generate("churn", scale=0.001)["churn_customers"]) == gen.MIN_ROWS
    assert len(gen.generate("house_prices", scale=0.001)["house_prices"]) == gen.MIN_ROWS


def test_unknown_name_raises_and_lists_valid_names(gen):
    with pytest.raises(ValueError) as err:
        gen.generate("titanic")
    for name in gen.NAMES:
        assert name in str(err.value)


@pytest.mark.parametrize("scale", [0, -1, float("nan"), float("inf")])
def test_bad_scale_raises(gen, scale):
    with pytest.raises(ValueError):
        gen.generate("churn", scale=scale)


def test_cli_writes_only_requested_sets(gen, tmp_path):
    assert gen.main(["--out", str(tmp_path), "--scale", "0.1", "house_prices"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["house_prices.csv"]
    assert len(pd.read_csv(tmp_path / "house_prices.csv")) == 300


def test_cli_rejects_unknown_name_before_writing(gen, tmp_path):
    with pytest.raises(SystemExit):
        gen.main(["--out", str(tmp_path), "churn", "nope"])
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- churn

def test_churn_schema(churn):
    customers, activity = churn["churn_customers"], churn["churn_activity"]
    assert list(customers.columns) == CHURN_CUSTOMER_COLUMNS
    assert list(activity.columns) == CHURN_ACTIVITY_COLUMNS
    assert len(customers) == 5000
    assert customers["customer_id"].is_unique
    assert set(activity["customer_id"]) == set(customers["customer_id"])
    assert set(customers["plan_tier"]) == {"basic", "standard", "premium"}
    assert set(customers["contract_type"]) == {"month-to-month", "one-year", "two-year"}
    assert (customers["signup_date"] < customers["label_ts"]).all()


def test_churn_positive_rate(churn):
    rate = churn["churn_customers"]["churned"].mean()
    assert 0.09 <= rate <= 0.11


@pytest.mark.parametrize("column, rate", [
    ("region", 0.04), ("age", 0.05), ("monthly_spend", 0.03), ("satisfaction_score", 0.06),
])
def test_churn_missing_rates(churn, column, rate):
    assert churn["churn_customers"][column].isna().mean() == pytest.approx(rate, abs=0.012)


def test_churn_other_columns_complete(churn):
    customers = churn["churn_customers"]
    gappy = {"region", "age", "monthly_spend", "satisfaction_score"}
    assert customers.drop(columns=list(gappy)).notna().all().all()
    assert churn["churn_activity"].notna().all().all()


def test_planted_session_outliers(churn):
    minutes = churn["churn_customers"]["avg_session_minutes"]
    far = minutes[(minutes - minutes.mean()).abs() > 3 * minutes.std()]
    assert 8 <= len(far) <= 15
    assert (far >= 150).all()
    bulk = minutes.drop(far.index)
    assert bulk.mean() == pytest.approx(30, abs=2)
    assert bulk.std() == pytest.approx(8, abs=1.5)


def test_monthly_spend_is_right_skewed(churn):
    spend = churn["churn_customers"]["monthly_spend"].dropna()
    assert spend.skew() > 1
    assert abs(np.log(spend).skew()) < 0.5


def test_city_is_high_cardinality_and_zipf_like(churn):
    counts = churn["churn_customers"]["city"].value_counts()
    assert len(counts) >= 250
    assert counts.iloc[0] / counts.sum() > 0.05  # a few big cities ...
    assert (counts < 5).sum() >= 50  # ... and a long tail one-hot encoding handles badly


def test_activity_snapshots_straddle_label_time(churn):
    customers, activity = churn["churn_customers"], churn["churn_activity"]
    joined = activity.merge(customers[["customer_id", "label_ts", "churned"]], on="customer_id")
    after = joined["snapshot_ts"] > joined["label_ts"]
    per_customer = after.groupby(joined["customer_id"])
    assert 0.2 < per_customer.any().mean() < 0.8  # some customers have future rows, some do not
    assert (~after).groupby(joined["customer_id"]).any().all()  # everyone has a usable past row
    assert joined.groupby("customer_id").size().between(2, 5).all()


def test_post_label_rows_leak_the_label(churn):
    """After churning the account goes quiet: a naive join would make logins a near-perfect feature."""
    customers, activity = churn["churn_customers"], churn["churn_activity"]
    joined = activity.merge(customers[["customer_id", "label_ts", "churned"]], on="customer_id")
    after, churner = joined["snapshot_ts"] > joined["label_ts"], joined["churned"] == 1
    assert joined.loc[after & churner, "logins_30d"].mean() < 1
    assert joined.loc[~after & churner, "logins_30d"].mean() > 8
    assert joined.loc[after & ~churner, "logins_30d"].mean() > 8


def test_churn_is_learnable_but_not_trivial(churn):
    customers = churn["churn_customers"]
    features = ["tenure_months", "support_calls", "satisfaction_score", "days_since_last_login", "age"]
    x = customers[features].astype(float)
    x = x.fillna(x.median())
    x_train, x_test, y_train, y_test = train_test_split(
        x, customers["churned"], test_size=0.3, random_state=0, stratify=customers["churned"])
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(x_train, y_train)
    auc = roc_auc_score(y_test, model.predict_proba(x_test)[:, 1])
    assert 0.7 <= auc <= 0.95


# ---------------------------------------------------------------- house prices

def test_house_schema(houses):
    assert list(houses.columns) == HOUSE_COLUMNS
    assert len(houses) == 3000
    assert houses["house_id"].is_unique
    assert houses["neighborhood"].nunique() == 25
    assert set(houses["condition"]) == {"poor", "fair", "good", "excellent"}


def test_house_price_is_skewed_but_log_normal_ish(houses):
    price = houses["price"]
    assert price.max() / price.min() >= 300
    assert price.skew() > 2
    assert abs(np.log(price).skew()) < 0.5


@pytest.mark.parametrize("column", ["lot_size_sqft", "year_built"])
def test_house_missing_values_are_few(houses, column):
    assert 0.005 <= houses[column].isna().mean() <= 0.03


def test_house_condition_is_ordered_in_price(houses):
    medians = houses.groupby("condition")["price"].median()
    assert medians["poor"] < medians["good"] < medians["excellent"]


def test_log_target_helps_a_linear_model(houses):
    """Fitting on log(price) and exponentiating back beats fitting dollars directly."""
    numeric = houses[["sqft", "bedrooms", "bathrooms", "lot_size_sqft", "year_built",
                      "distance_to_center_km", "has_garage"]].astype(float)
    dummies = pd.get_dummies(houses[["neighborhood", "condition"]], drop_first=True, dtype=float)
    x = pd.concat([numeric.fillna(numeric.median()), dummies], axis=1)
    x_train, x_test, y_train, y_test = train_test_split(x, houses["price"], test_size=0.25, random_state=0)
    raw = LinearRegression().fit(x_train, y_train).predict(x_test)
    logged = np.exp(LinearRegression().fit(x_train, np.log(y_train)).predict(x_test))
    rmse_raw = mean_squared_error(y_test, raw) ** 0.5
    rmse_log = mean_squared_error(y_test, logged) ** 0.5
    assert rmse_log < 0.9 * rmse_raw
    assert (raw < 0).any()  # the dollar-scale model even predicts negative prices


# ---------------------------------------------------------------- inference log (module 09)

@pytest.fixture(scope="module")
def inference_log(gen):
    frame = gen.generate("inference_log")["churn_inference_log"]
    return frame.assign(day=(frame.request_time - gen.LOG_START).dt.days)


def test_inference_log_drifts_on_the_planted_day_only(gen, inference_log):
    before, after = (inference_log[inference_log.day < gen.DRIFT_DAY], inference_log[inference_log.day >= gen.DRIFT_DAY])
    assert after.monthly_spend.mean() > 1.25 * before.monthly_spend.mean()
    assert "enterprise" not in set(before.plan_tier) and (after.plan_tier == "enterprise").mean() > 0.25
    for control in ("tenure_months", "support_calls", "satisfaction_score"):
        assert abs(after[control].mean() - before[control].mean()) < 0.1 * before[control].std(), control


def test_inference_log_accuracy_drops_after_the_drift_and_labels_arrive_late(gen, inference_log):
    labelled = inference_log.dropna(subset=["churned"])
    assert labelled.day.max() == gen.LOG_DAYS - gen.LABEL_LAG_DAYS - 1
    correct = labelled.prediction == labelled.churned
    before, after = correct[labelled.day < gen.DRIFT_DAY].mean(), correct[labelled.day >= gen.DRIFT_DAY].mean()
    assert before > 0.72 and after < before - 0.07, (before, after)
    assert ((inference_log.churn_probability >= 0.5) == (inference_log.prediction == 1)).all()

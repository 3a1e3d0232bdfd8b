"""automl.regress on the house prices: error metrics are minimised, and the notebook's choices show."""
import nbformat
import pandas as pd
import pytest

from localbricks import automl
from localbricks.data import dataset_path


@pytest.fixture(scope="module")
def houses():
    return pd.read_csv(dataset_path("house_prices.csv", scale=0.2))


@pytest.fixture(scope="module")
def summary(houses):
    imputers = {"lot_size_sqft": "mean", "year_built": {"strategy": "constant", "fill_value": 1970}}
    return automl.regress(houses, target_col="price", primary_metric="rmse", timeout_minutes=0.25, imputers=imputers)


def test_the_best_trial_has_the_lowest_validation_rmse(summary):
    scores = [t.metrics["val_root_mean_squared_error"] for t in summary.trials]
    assert len(scores) >= 2 and summary.best_trial.evaluation_metric_score == min(scores)
    names = {"val_r2_score", "test_mean_absolute_error", "training_mean_squared_error"}
    assert names <= set(summary.best_trial.metrics)
    assert summary.trials == sorted(summary.trials, key=lambda t: t.evaluation_metric_score)


def test_dates_ids_and_custom_imputers_reach_the_trial(summary, houses):
    best = summary.best_trial
    assert "date/time" in best.preprocessors and "sale_date" in best.preprocessors
    assert "dropped house_id" in best.preprocessors
    assert "custom imputers for lot_size_sqft, year_built" in best.preprocessors
    code = "\n".join(c.source for c in nbformat.read(best.notebook_path, as_version=4).cells)
    assert "imputers={'lot_size_sqft': 'mean', 'year_built': ('constant', 1970)}" in code
    assert "regression_metrics(pipeline, X, y, prefix=prefix)" in code
    predictions = best.load_model().predict(houses.drop(columns=["price"]).head(4))
    assert len(predictions) == 4 and (predictions > 0).any()


def test_imputers_for_unknown_or_unsuitable_columns_are_refused(houses):
    with pytest.raises(ValueError, match="'house_id', which AutoML does not impute: an identifier"):
        automl.regress(houses, target_col="price", imputers={"house_id": "median"}, timeout_minutes=1)
    with pytest.raises(ValueError, match="needs a numeric column; 'neighborhood' is categorical"):
        automl.regress(houses, target_col="price", imputers={"neighborhood": "mean"}, timeout_minutes=1)

"""The time budget is honoured: a spent budget starts no new trial, yet a run always ends with one."""
import pandas as pd
import pytest

from localbricks import automl
from localbricks.data import dataset_path


@pytest.fixture(scope="module")
def churn():
    return pd.read_csv(dataset_path("churn_customers.csv", scale=0.2))


@pytest.mark.spark
def test_a_tiny_budget_still_finishes_one_trial_and_starts_no_more(spark, churn):
    spark.createDataFrame(churn).createOrReplaceTempView("automl_budget_churn")  # a table name, as on Databricks
    summary = automl.classify("automl_budget_churn", target_col="churned", timeout_minutes=0.01)
    assert 1 <= len(summary.trials) <= 2  # the budget (0.6 s) is gone before the first trial ends
    # each framework's default comes first, in a fixed order
    assert {t.params["model_class"] for t in summary.trials} <= {"LGBMClassifier", "XGBClassifier"}
    assert "automl_budget_churn" in summary.experiment.name

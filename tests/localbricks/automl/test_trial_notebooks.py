"""Every family's generated notebook is runnable code that retrains its trial's model exactly.

The notebooks are executed in-process (their code cells, with the run name papermill would
inject), which checks each family quickly; the end-to-end test runs one under papermill.
"""
from pathlib import Path

import mlflow
import nbformat
import pandas as pd
import pytest

from localbricks import automl
from localbricks.data import dataset_path

pytestmark = pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer:UserWarning")


def run_notebook(path: str, run_name: str) -> dict:
    """Execute a notebook's code cells like a fresh kernel would; return its namespace."""
    namespace = {"__name__": "__main__"}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, path, "exec"), namespace)
            if "parameters" in cell.metadata.get("tags", []):
                namespace["run_name"] = run_name  # what papermill injects after the parameters cell
    return namespace


@pytest.fixture(scope="module")
def churn_run():
    churn = pd.read_csv(dataset_path("churn_customers.csv", scale=0.2))
    mlflow.set_experiment("/Shared/automl_learner_notebook")
    mlflow.sklearn.autolog(silent=True)  # a learner's notebook may have turned it on, inside an open run
    try:
        with mlflow.start_run():
            return automl.classify(churn, target_col="churned", primary_metric="roc_auc", max_trials=5,
                                   timeout_minutes=5)
    finally:
        mlflow.sklearn.autolog(disable=True)


@pytest.fixture(scope="module")
def houses_run():
    houses = pd.read_csv(dataset_path("house_prices.csv", scale=0.2))
    return automl.regress(houses, target_col="price", primary_metric="mae", max_trials=5, timeout_minutes=5)


def test_each_family_is_tried_once_first_and_autolog_adds_no_runs(churn_run):
    assert [t.params["model_class"] for t in sorted(churn_run.trials, key=lambda t: t.notebook_path)] == [
        "LGBMClassifier", "XGBClassifier", "RandomForestClassifier", "LogisticRegression", "DecisionTreeClassifier"]
    runs = mlflow.search_runs([churn_run.experiment.experiment_id], output_format="list")
    assert sorted(r.info.run_id for r in runs) == sorted(t.mlflow_run_id for t in churn_run.trials)
    assert churn_run.best_trial.evaluation_metric_score == max(t.metrics["val_roc_auc"] for t in churn_run.trials)


@pytest.mark.parametrize("run", ["churn_run", "houses_run"])
def test_every_trial_notebook_reproduces_its_trial(run, request):
    summary = request.getfixturevalue(run)
    metric = summary.primary_metric
    for trial in summary.trials:
        namespace = run_notebook(trial.notebook_path, f"rerun_{Path(trial.notebook_path).stem}")
        assert type(namespace["model"]).__name__ == trial.params["model_class"]
        assert namespace["metrics"][metric] == pytest.approx(trial.metrics[metric], abs=1e-9), trial.model_description

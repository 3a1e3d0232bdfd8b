"""Both sides of every notebook-01 check, against real runs in a throw-away MLflow store."""
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grader.checks import mlflow_tracking as checks
from grader.testing import assert_check_failed, assert_check_passed
from quiz_support import assert_quiz_graded_from_bank


@pytest.fixture(scope="module")
def mlflow_env():
    """MLflow on the test workspace's store (tests/conftest.py points LOCALBRICKS_HOME at a temp dir)."""
    import mlflow

    from localbricks import tracking

    tracking.configure()
    mlflow.set_experiment(f"/Shared/check_tests_{uuid.uuid4().hex[:8]}")
    return mlflow


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=80), "b": rng.normal(size=80)})
    return X, 3 * X["a"] - X["b"] + rng.normal(scale=0.1, size=80)


def _manual_run(mlflow, data, tmp_path, steps=3, png=True, signature=True, model=True):
    from mlflow.models import infer_signature
    from sklearn.linear_model import LinearRegression

    X, y = data
    with mlflow.start_run() as run:
        mlflow.log_params({"max_depth": 3, "n_estimators": 10})
        for step in range(steps):
            mlflow.log_metric("val_loss", 1.0 / (step + 1), step=step)
        if png:
            path = tmp_path / "feature_importance.png"
            path.write_bytes(b"\x89PNG\r\n")
            mlflow.log_artifact(str(path))
        if model:
            fitted = LinearRegression().fit(X, y)
            kwargs = {"signature": infer_signature(X, fitted.predict(X))} if signature else {}
            mlflow.sklearn.log_model(fitted, name="model", serialization_format="cloudpickle",
                                     pip_requirements=["scikit-learn"], **kwargs)
    return run.info.run_id


def test_mlops_components():
    assert_quiz_graded_from_bank(checks.check_mlops_components, "01.mlops_components")


def test_manual_logging(mlflow_env, data, tmp_path):
    assert_check_passed(checks.check_manual_logging, _manual_run(mlflow_env, data, tmp_path))
    assert_check_failed(checks.check_manual_logging, _manual_run(mlflow_env, data, tmp_path, steps=1), match="history")
    assert_check_failed(checks.check_manual_logging, _manual_run(mlflow_env, data, tmp_path, png=False), match="artifact")
    assert_check_failed(checks.check_manual_logging, _manual_run(mlflow_env, data, tmp_path, signature=False), match="signature")
    assert_check_failed(checks.check_manual_logging, "not-a-run-id", match="No MLflow run")
    assert_check_failed(checks.check_manual_logging, _manual_run(mlflow_env, data, tmp_path, model=False),
                        match="no model logged under the name 'model'")


def test_manual_logging_lets_an_error_that_is_not_the_learners_through(mlflow_env, data, tmp_path, monkeypatch):
    """Only MLflow's "not found" is the learner's missing step; any other failure keeps its own traceback."""
    from mlflow.exceptions import MlflowException

    run_id = _manual_run(mlflow_env, data, tmp_path)

    def course_bug(*args, **kwargs):
        raise RuntimeError("course bug")

    monkeypatch.setattr(mlflow_env.models, "get_model_info", course_bug)
    with pytest.raises(RuntimeError, match="course bug"):
        checks.check_manual_logging(run_id)

    def store_down(*args, **kwargs):  # an MLflow error, but not "no such model"
        raise MlflowException("the tracking store is unreachable", error_code="TEMPORARILY_UNAVAILABLE")

    monkeypatch.setattr(mlflow_env.models, "get_model_info", store_down)
    with pytest.raises(MlflowException, match="unreachable"):
        checks.check_manual_logging(run_id)
    monkeypatch.setattr(mlflow_env.MlflowClient, "get_run", course_bug)
    with pytest.raises(RuntimeError, match="course bug"):
        checks.check_manual_logging(run_id)


def test_nested_runs(mlflow_env):
    with mlflow_env.start_run() as parent:
        mlflow_env.set_tag("team", "pricing")
        for alpha in (0.1, 1, 10):
            with mlflow_env.start_run(nested=True):
                mlflow_env.log_param("alpha", alpha)
    assert_check_passed(checks.check_nested_runs, parent.info.run_id)
    with mlflow_env.start_run() as flat_parent:  # children started after the parent ended: not nested
        mlflow_env.set_tag("team", "pricing")
    for alpha in (0.1, 1, 10):
        with mlflow_env.start_run():
            mlflow_env.log_param("alpha", alpha)
    assert_check_failed(checks.check_nested_runs, flat_parent.info.run_id, match="nested child runs")
    with mlflow_env.start_run() as untagged:
        pass
    assert_check_failed(checks.check_nested_runs, untagged.info.run_id, match="team")


def test_autolog(mlflow_env, data):
    from sklearn.tree import DecisionTreeRegressor

    X, y = data
    mlflow_env.sklearn.autolog(serialization_format="cloudpickle", log_models=False)
    try:
        DecisionTreeRegressor(max_depth=2).fit(X, y)
        autolog_run = mlflow_env.last_active_run().info.run_id
    finally:
        mlflow_env.sklearn.autolog(disable=True)
    assert_check_passed(checks.check_autolog, autolog_run)
    with mlflow_env.start_run() as manual:  # fitted by hand without autolog on
        DecisionTreeRegressor(max_depth=2).fit(X, y)
    assert_check_failed(checks.check_autolog, manual.info.run_id, match="autolog")


@pytest.fixture(scope="module")
def sweep(mlflow_env):
    experiment_id = mlflow_env.create_experiment(f"sweep_for_search_tests_{uuid.uuid4().hex[:8]}")
    for i, (model_type, rmse, r2) in enumerate([("forest", 10.0, 0.9), ("forest", 30.0, 0.5), ("forest", 20.0, 0.7),
                                               ("linear", 15.0, 0.8), ("forest", 25.0, 0.6)]):
        with mlflow_env.start_run(experiment_id=experiment_id, run_name=f"r{i}"):
            mlflow_env.log_param("model_type", model_type)
            mlflow_env.log_metrics({"val_rmse": rmse, "val_r2": r2})
    return experiment_id


def _search(experiment_id, order, **kw):
    from mlflow import MlflowClient

    return MlflowClient().search_runs([experiment_id], order_by=[order], max_results=kw.pop("max_results", 1), **kw)


def test_best_by_error_wants_ascending(sweep):
    assert_check_passed(checks.check_best_by_error, _search(sweep, "metrics.val_rmse ASC")[0].info.run_id, sweep)
    assert_check_failed(checks.check_best_by_error, _search(sweep, "metrics.val_rmse DESC")[0].info.run_id, sweep, match="ascending")


def test_best_by_score_wants_descending(sweep):
    assert_check_passed(checks.check_best_by_score, _search(sweep, "metrics.val_r2 DESC")[0].info.run_id, sweep)
    assert_check_failed(checks.check_best_by_score, _search(sweep, "metrics.val_r2 ASC")[0].info.run_id, sweep, match="descending")
    middle = _search(sweep, "metrics.val_r2 DESC", max_results=3)[1].info.run_id
    assert_check_failed(checks.check_best_by_score, middle, sweep, match="not the run with the highest")


def test_search_filter(sweep):
    from mlflow import MlflowClient

    client = MlflowClient()
    right = client.search_runs([sweep], filter_string="params.model_type = 'forest' AND metrics.val_rmse < 22", max_results=100)
    assert_check_passed(checks.check_search_filter, right, sweep, 22.0)
    truncated = client.search_runs([sweep], filter_string="params.model_type = 'forest' AND metrics.val_rmse < 22", max_results=1)
    assert_check_failed(checks.check_search_filter, truncated, sweep, 22.0, match="missing")
    flipped = client.search_runs([sweep], filter_string="params.model_type = 'forest' AND metrics.val_rmse > 22", max_results=100)
    assert_check_failed(checks.check_search_filter, flipped, sweep, 22.0, match="do not match")


@pytest.fixture(scope="module")
def churn_small():
    from localbricks.data import dataset_path

    return pd.read_csv(dataset_path("churn_customers.csv", scale=0.2))


def _automl(churn, **kwargs):
    from localbricks.automl import classify

    return classify(churn, target_col="churned", timeout_minutes=1, max_trials=1, **kwargs)


def test_automl_run(mlflow_env, churn_small):
    right = _automl(churn_small, primary_metric="f1", exclude_cols=["customer_id"])
    assert_check_passed(checks.check_automl_run, right)
    by_accuracy = _automl(churn_small, primary_metric="accuracy", exclude_cols=["customer_id"])
    assert_check_failed(checks.check_automl_run, by_accuracy, match="rank trials by f1")
    assert_check_failed(checks.check_automl_run, "not a summary", match="automl.classify returned")

    best = type(right.best_trial.load_model().steps[-1][1]).__name__
    assert_check_passed(checks.check_glass_box, best, right)
    other = "RandomForestClassifier" if best != "RandomForestClassifier" else "LogisticRegression"
    assert_check_failed(checks.check_glass_box, other, right, match="not the estimator")

    Path(right.best_trial.notebook_path).unlink()  # the trial's notebook deleted from the workspace
    assert_check_failed(checks.check_automl_run, right, match="notebook is missing")


def test_automl_notebooks_are_workspace_paths_on_databricks(monkeypatch):
    """On a workspace the trial notebook is looked up with the SDK's workspace API (the client answering
    is a stand-in; NotFound is the SDK's own error)."""
    import types

    import databricks.sdk
    from databricks.sdk.errors import NotFound

    import localbricks

    def get_status(path):
        if path != "/Users/me/automl/trial-1":
            raise NotFound(f"Path ({path}) doesn't exist.")
        return types.SimpleNamespace(path=path, object_type="NOTEBOOK")

    monkeypatch.setattr(localbricks, "on_databricks", lambda: True)
    monkeypatch.setattr(databricks.sdk, "WorkspaceClient",
                        lambda: types.SimpleNamespace(workspace=types.SimpleNamespace(get_status=get_status)))
    assert checks._notebook_exists("/Users/me/automl/trial-1")
    assert not checks._notebook_exists("/Users/me/automl/trial-2")
    assert not checks._notebook_exists(None)


def test_ml_runtimes():
    assert_quiz_graded_from_bank(checks.check_ml_runtimes, "01.ml_runtimes")


def test_mlflow_ui():
    assert_quiz_graded_from_bank(checks.check_mlflow_ui, "01.mlflow_ui")

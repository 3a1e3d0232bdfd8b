"""Checks for notebook 01, MLOps and MLflow tracking. They read the learner's runs back from the
MLflow store (the same one the notebook logs to), so what is graded is what was really logged."""
from __future__ import annotations

from pathlib import Path

from grader import exercise
from grader.answer_key import check_quiz
from grader.checks._sdk import workspace_client

DOMAIN = "Databricks Machine Learning"


def _client():
    from mlflow import MlflowClient

    return MlflowClient()


# MLflow's "no such run / artifact", which a learner's missing step causes. Any other error (a course
# bug, an unreachable store) is not the learner's and propagates with its own traceback.
NOT_FOUND = "RESOURCE_DOES_NOT_EXIST"


def _get_run(run_id, what="run_id"):
    from mlflow.exceptions import MlflowException

    assert isinstance(run_id, str) and run_id, f"{what} should be the run's id string (run.info.run_id)."
    try:
        return _client().get_run(run_id)
    except MlflowException as exc:
        if exc.error_code != NOT_FOUND:
            raise
        raise AssertionError(f"No MLflow run has the id in {what}: did the run finish, and is it in this workspace?") from None


def _experiment_runs(experiment_id):
    return _client().search_runs([experiment_id], max_results=1000)


@exercise("01.mlops_components", domain=DOMAIN, objective="1.1", hints=[
    "Match each need to the component built for it: Delta time travel, the model registry, monitoring, CI/CD, the feature store, workflows.",
    "Retraining on a schedule different from scoring is an orchestration concern; catching drift is a monitoring concern.",
])
def check_mlops_components(mlops_answers):
    """Graded from the question bank: the items of quiz("01.mlops_components") and their keys."""
    check_quiz("01.mlops_components", mlops_answers, variable="mlops_answers")


@exercise("01.ml_runtimes", domain=DOMAIN, objective="1.2", hints=[
    "An ML runtime is the standard runtime plus ML libraries tested together, GPU variants included.",
    "It changes what is installed and configured (MLflow tracking included), not what your code does on its own.",
])
def check_ml_runtimes(runtime_answers):
    """Graded from the question bank: the items of quiz("01.ml_runtimes") and their keys."""
    check_quiz("01.ml_runtimes", runtime_answers, variable="runtime_answers")


@exercise("01.mlflow_ui", domain=DOMAIN, objective="1.13", hints=[
    "A run's page has its parameters, metrics (with step history as charts), artifacts, tags, source and model.",
    "Several runs at once: select them in the experiment's list and compare.",
])
def check_mlflow_ui(ui_answers):
    """Graded from the question bank: the items of quiz("01.mlflow_ui") and their keys."""
    check_quiz("01.mlflow_ui", ui_answers, variable="ui_answers")


@exercise("01.manual_logging", domain=DOMAIN, objective="1.12", hints=[
    "Inside `with mlflow.start_run() as run:` call mlflow.log_param / log_params, log_metric (with step=… for a history) and log_artifact.",
    "For the history, log the same metric name once per step: mlflow.log_metric('val_loss', value, step=i).",
    "mlflow.sklearn.log_model(model, name='model', signature=..., input_example=...) — infer_signature(X, model.predict(X)) builds a signature.",
])
def check_manual_logging(run_id, required_params=("max_depth", "n_estimators")):
    import mlflow
    from mlflow.exceptions import MlflowException

    run = _get_run(run_id)
    client = _client()
    params = run.data.params
    missing = [p for p in required_params if p not in params]
    assert not missing, f"The run is missing the parameters {missing}."
    history = client.get_metric_history(run_id, "val_loss")
    assert len(history) >= 3, "Log val_loss at least three times with step=… so the run has a metric history."
    assert sorted(m.step for m in history) == sorted(set(m.step for m in history)), "Each val_loss value needs its own step."
    artifacts = [a.path for a in client.list_artifacts(run_id)]
    assert any(p.endswith(".png") for p in artifacts), "Log the feature-importance plot as an artifact (a .png file)."
    try:
        info = mlflow.models.get_model_info(f"runs:/{run_id}/model")
    except MlflowException as exc:
        if exc.error_code != NOT_FOUND:
            raise
        raise AssertionError("The run has no model logged under the name 'model'.") from None
    assert info.signature is not None, "The logged model has no signature: pass signature= (or input_example=)."


@exercise("01.nested_runs", domain=DOMAIN, objective="1.12", hints=[
    "Open the parent with mlflow.start_run(run_name=...), and each child inside it with mlflow.start_run(nested=True).",
    "Set the tag on the parent with mlflow.set_tag('team', ...).",
])
def check_nested_runs(parent_run_id, min_children=3):
    parent = _get_run(parent_run_id, "parent_run_id")
    assert parent.data.tags.get("team"), "Tag the parent run with a 'team' tag."
    children = _client().search_runs([parent.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent_run_id}'")
    assert len(children) >= min_children, f"The parent run should have at least {min_children} nested child runs; it has {len(children)}."
    assert all("alpha" in c.data.params for c in children), "Each child run should log its own 'alpha' parameter."


@exercise("01.autolog", domain=DOMAIN, objective="1.12", hints=[
    "Call mlflow.sklearn.autolog() before fitting; every .fit() then opens a run and logs for you.",
    "mlflow.last_active_run() returns the run autologging created.",
])
def check_autolog(autolog_run_id):
    run = _get_run(autolog_run_id, "autolog_run_id")
    assert "max_depth" in run.data.params, "That run has no autologged parameters: was autolog() on before .fit()?"
    assert any(k.startswith("training_") for k in run.data.metrics), "That run has no autologged training_* metrics."


@exercise("01.best_run_lowest_error", domain=DOMAIN, objective="1.11", hints=[
    "MlflowClient().search_runs(experiment_ids=[...], order_by=[...], max_results=1).",
    "For an error metric, lower is better: which order puts the lowest first?",
])
def check_best_by_error(best_rmse_run_id, experiment_id, metric="val_rmse"):
    _check_best_run(best_rmse_run_id, experiment_id, metric, higher_is_better=False)


@exercise("01.best_run_highest_score", domain=DOMAIN, objective="1.11", hints=[
    "For a score such as R², higher is better.",
    "order_by=['metrics.val_r2 DESC'] with max_results=1.",
])
def check_best_by_score(best_r2_run_id, experiment_id, metric="val_r2"):
    _check_best_run(best_r2_run_id, experiment_id, metric, higher_is_better=True)


def _check_best_run(run_id, experiment_id, metric, higher_is_better):
    """The run must be the experiment's best by ``metric``; picking the worst means the order was flipped."""
    runs = [r for r in _experiment_runs(experiment_id) if metric in r.data.metrics]
    assert runs, f"The experiment has no runs with {metric}: run the training loop first."
    ranked = sorted(runs, key=lambda r: r.data.metrics[metric], reverse=higher_is_better)
    best, worst = ranked[0], ranked[-1]
    if higher_is_better:
        flipped = f"That is the run with the lowest {metric}: a score wants descending order."
        wrong = f"That is not the run with the highest {metric}."
    else:
        flipped = f"That is the run with the highest {metric}: an error metric wants ascending order."
        wrong = f"That is not the run with the lowest {metric} in the experiment."
    assert run_id != worst.info.run_id or best is worst, flipped
    assert run_id == best.info.run_id, wrong


@exercise("01.search_filter", domain=DOMAIN, objective="1.11", hints=[
    "filter_string uses params.<name>, metrics.<name> and tags.<name>; string values go in single quotes.",
    "Combine conditions with AND: \"params.model_type = 'forest' AND metrics.val_rmse < 100000\".",
])
def check_search_filter(forest_runs, experiment_id, threshold, model_type="forest", metric="val_rmse"):
    runs = _experiment_runs(experiment_id)
    expected = {r.info.run_id for r in runs
                if r.data.params.get("model_type") == model_type and r.data.metrics.get(metric, float("inf")) < threshold}
    got = {getattr(getattr(r, "info", None), "run_id", r) for r in forest_runs}
    assert not (got - expected), "Some runs you returned do not match the filter (wrong model_type, or not below the threshold)."
    assert not (expected - got), "Some matching runs are missing: is max_results cutting them off, or the comparison the wrong way round?"


def _notebook_exists(path) -> bool:
    """Whether AutoML's trial notebook is there. On Databricks ``notebook_path`` is a workspace path, which
    the SDK's workspace API looks up; locally AutoML writes the notebook to a file and the path names it."""
    import localbricks

    if not path:
        return False
    if localbricks.on_databricks():
        from databricks.sdk.errors import NotFound

        try:
            workspace_client().workspace.get_status(path)
        except NotFound:
            return False
        return True
    return Path(path).is_file()


@exercise("01.automl_run", domain=DOMAIN, objective="1.3", hints=[
    "from databricks import automl; summary = automl.classify(dataset, target_col=..., primary_metric=..., timeout_minutes=...)",
    "The label column is 'churned'; with 10% positives, rank trials by 'f1', not accuracy.",
    "exclude_cols=[...] keeps columns you know must not be used (leaks, identifiers) away from every model.",
])
def check_automl_run(summary, target_col="churned", primary_metric="f1"):
    assert hasattr(summary, "best_trial") and hasattr(summary, "trials"), "summary should be what automl.classify returned."
    best = summary.best_trial
    run = _get_run(best.mlflow_run_id, "summary.best_trial.mlflow_run_id")
    metric = f"val_{primary_metric}_score" if primary_metric in ("f1", "precision", "accuracy") else f"val_{primary_metric}"
    ranked_by = getattr(best, "evaluation_metric_score", None)
    assert metric in run.data.metrics and ranked_by == run.data.metrics[metric], \
        f"AutoML should rank trials by {primary_metric}: churn is imbalanced, so accuracy would mislead."
    scores = [t.metrics.get(metric, float("-inf")) for t in summary.trials]
    assert best.metrics.get(metric) == max(scores), "best_trial should be the trial with the best validation score."
    assert _notebook_exists(best.notebook_path), "The best trial's notebook is missing from the workspace."


@exercise("01.automl_glass_box", domain=DOMAIN, objective="1.4", hints=[
    "Open summary.best_trial.notebook_path (in JupyterLab, or with nbformat.read) and find the estimator it fits.",
    "The fitted pipeline's last step is the model: summary.best_trial.load_model() lets you confirm it.",
])
def check_glass_box(best_model_class, summary):
    model = summary.best_trial.load_model()
    last = model.steps[-1][1] if hasattr(model, "steps") else model
    assert isinstance(best_model_class, str), "best_model_class should be the estimator's class name, as a string."
    assert best_model_class == type(last).__name__, "That is not the estimator the best trial's notebook trains."

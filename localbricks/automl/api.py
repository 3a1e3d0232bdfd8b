"""``automl.classify``, ``automl.regress`` and ``automl.import_notebook``, with Databricks' signatures.

A call checks its arguments before touching the data, reads the data, validates the target,
splits and saves the data, writes the data exploration notebook, runs the search and returns an
``AutoMLSummary``. Arguments Databricks documents but this local version cannot honour
(``feature_store_lookups``) raise ``NotImplementedError`` rather than being silently ignored.
"""
from __future__ import annotations

import getpass
import re
import shutil
import time
import uuid
from pathlib import Path

from localbricks import workspace
from localbricks.automl import dataset as data
from localbricks.automl import exploration, metrics, models, trial_notebook
from localbricks.automl.preprocess import plan_columns
from localbricks.automl.search import RunSetup, Search
from localbricks.automl.summary import AutoMLSummary, ImportNotebookResult

DEFAULT_TIMEOUT_MINUTES = 120  # Databricks' default
DATABRICKS_MIN_TIMEOUT_MINUTES = 5  # Databricks rejects shorter budgets; locally they are allowed


def classify(dataset, *, target_col: str, primary_metric: str = "f1", data_dir: str | None = None,
             experiment_dir: str | None = None, experiment_name: str | None = None, exclude_cols=None,
             exclude_frameworks=None, feature_store_lookups=None, imputers=None, pos_label=None,
             time_col: str | None = None, split_col: str | None = None, sample_weight_col: str | None = None,
             max_trials: int | None = None, timeout_minutes: float | None = None) -> AutoMLSummary:
    """Train and compare classification models on ``dataset`` to predict ``target_col``.

    Args:
        dataset: a Spark or pandas DataFrame, a pandas-on-Spark DataFrame, or a table name.
        target_col: the label column.
        primary_metric: "f1" (default), "log_loss", "precision", "accuracy" or "roc_auc", scored on
            the validation split to rank trials.
        timeout_minutes: the time budget (default 120). Databricks requires at least 5; locally any
            positive number works, so course notebooks can run small in CI.
        max_trials: stop after this many trials (Databricks removed it in Runtime 11.0 ML; kept here).
        The other arguments are Databricks' (see its AutoML Python API reference).

    Returns:
        An AutoMLSummary: ``summary.best_trial.model_path``, ``.notebook_path``, ``.metrics``, …
    """
    return _run("classification", **locals())


def regress(dataset, *, target_col: str, primary_metric: str = "r2", data_dir: str | None = None,
            experiment_dir: str | None = None, experiment_name: str | None = None, exclude_cols=None,
            exclude_frameworks=None, feature_store_lookups=None, imputers=None, time_col: str | None = None,
            split_col: str | None = None, sample_weight_col: str | None = None, max_trials: int | None = None,
            timeout_minutes: float | None = None) -> AutoMLSummary:
    """Train and compare regression models on ``dataset`` to predict ``target_col``.

    ``primary_metric`` is "r2" (default), "mae", "rmse" or "mse"; the rest is as for :func:`classify`.
    """
    return _run("regression", pos_label=None, **locals())


def _budget(timeout_minutes) -> float:
    if timeout_minutes is None:
        return DEFAULT_TIMEOUT_MINUTES
    if isinstance(timeout_minutes, bool) or not isinstance(timeout_minutes, (int, float)) or timeout_minutes <= 0:
        raise ValueError(f"timeout_minutes must be a positive number of minutes, got {timeout_minutes!r}.")
    if timeout_minutes < DATABRICKS_MIN_TIMEOUT_MINUTES:
        print(f"Note: Databricks AutoML requires timeout_minutes >= {DATABRICKS_MIN_TIMEOUT_MINUTES}; "
              f"{timeout_minutes} only works locally.")
    return float(timeout_minutes)


def _imputers(imputers, plan) -> dict:
    """Databricks' imputer spellings, checked, as ``recipes.build_preprocessor`` takes them."""
    chosen = {}
    for col, choice in (imputers or {}).items():
        if isinstance(choice, dict):
            if choice.get("strategy") == "constant":
                if "fill_value" not in choice:
                    raise ValueError(f"imputers[{col!r}]: a 'constant' strategy needs a 'fill_value'.")
                choice = ("constant", choice["fill_value"])
            else:
                choice = choice.get("strategy")
        if not isinstance(choice, tuple) and choice not in ("mean", "median", "most_frequent"):
            raise ValueError(f"imputers[{col!r}] = {choice!r}: use 'mean', 'median', 'most_frequent' or "
                             "{'strategy': 'constant', 'fill_value': value}.")
        if col not in plan.numeric + plan.categorical + plan.hashed:
            why = plan.dropped.get(col, "it is a date/time column" if col in plan.datetime else "it is not a column")
            raise ValueError(f"imputers names {col!r}, which AutoML does not impute: {why}.")
        if choice in ("mean", "median") and col not in plan.numeric:
            raise ValueError(f"imputers[{col!r}] = {choice!r} needs a numeric column; {col!r} is categorical.")
        chosen[col] = choice
    return chosen


def _experiment(name: str):
    import mlflow

    existing = mlflow.get_experiment_by_name(name)
    if existing is None:
        return mlflow.get_experiment(mlflow.create_experiment(name))
    if existing.lifecycle_stage == "deleted":
        mlflow.tracking.MlflowClient().restore_experiment(existing.experiment_id)
    return mlflow.get_experiment(existing.experiment_id)


def _load(task, dataset, target_col, pos_label, exclude_cols, exclude_frameworks, **roles):
    """Read and check the data; return ``(frame, classes, pos_label, families)``."""
    source = data.resolve(dataset)
    data.check_columns(source.columns, target_col, exclude_cols, **roles)
    frame, unlabelled = data.drop_unlabelled(data.to_pandas(source), task, target_col)
    if unlabelled:
        print(f"Dropping {unlabelled} rows with no value in {target_col!r}.")
    classes, pos_label = data.check_target(frame, task, target_col, pos_label)
    integer_labels = classes is None or (all(type(c) is int for c in classes) and classes == list(range(len(classes))))
    return frame, classes, pos_label, models.families_for(task, exclude_frameworks, integer_labels)


def _names(dataset, target_col, experiment_dir, experiment_name, data_dir):
    """``(dataset name, experiment name, notebook folder, data file)`` for a new run."""
    dataset_name = dataset.split(".")[-1] if isinstance(dataset, str) else "dataset"
    stamp = time.strftime("%Y_%m_%d-%H_%M_%S")
    user = re.sub(r"[^\w.@-]", "_", getpass.getuser() or "learner")
    parent = (experiment_dir or f"/Users/{user}/databricks_automl").rstrip("/")
    name = experiment_name or f"{parent}/{target_col}_{dataset_name}-{stamp}"
    run_folder = f"{stamp}-{uuid.uuid4().hex[:4]}"  # one experiment may hold several runs
    folder = workspace.subdir("automl") / re.sub(r"[^\w.-]+", "_", name).strip("_") / run_folder
    data_path = (Path(data_dir).expanduser() / run_folder if data_dir else folder) / "training_data.parquet"
    return dataset_name, name, folder, data_path


def _run(task: str, dataset, target_col, primary_metric, data_dir, experiment_dir, experiment_name, exclude_cols,
         exclude_frameworks, feature_store_lookups, imputers, pos_label, time_col, split_col, sample_weight_col,
         max_trials, timeout_minutes) -> AutoMLSummary:
    started = time.monotonic()
    metric = metrics.primary_metric(task, primary_metric)
    deadline = started + 60 * _budget(timeout_minutes)
    if feature_store_lookups:
        raise NotImplementedError("feature_store_lookups is not supported by the local AutoML; join the feature "
                                  "tables into the dataset first (FeatureEngineeringClient.create_training_set).")
    models.families_for(task, exclude_frameworks)  # fail fast on a bad framework name
    if max_trials is not None:
        print("Note: max_trials is not supported on Databricks Runtime 11.0 ML and above; use timeout_minutes there.")
    frame, classes, pos_label, families = _load(task, dataset, target_col, pos_label, exclude_cols, exclude_frameworks,
                                                time_col=time_col, split_col=split_col,
                                                sample_weight_col=sample_weight_col)
    split = data.assign_split(frame, task, target_col, models.SEED, time_col, split_col)

    import mlflow

    from localbricks import tracking

    tracking.configure()
    dataset_name, name, folder, data_path = _names(dataset, target_col, experiment_dir, experiment_name, data_dir)
    snapshot = data.snapshot(frame, split, data_path)
    plan = plan_columns(snapshot, target_col, exclude_cols or [],
                        not_features={c for c in (data.SPLIT_COL, split_col, sample_weight_col) if c})
    checked_imputers = _imputers(imputers, plan)
    experiment = _experiment(name)
    setup = RunSetup(task=task, target_col=target_col, metric=metric, frame=snapshot, data_path=data_path,
                     dataset_name=dataset_name, plan=plan, experiment_id=experiment.experiment_id,
                     experiment_name=experiment.name, folder=folder, imputers=checked_imputers,
                     pos_label=pos_label, sample_weight_col=sample_weight_col)
    explore = trial_notebook.write(exploration.render(setup), folder / "data_exploration.ipynb")
    mlflow.tracking.MlflowClient().set_experiment_tag(experiment.experiment_id, "automl.data_exploration_notebook",
                                                      str(explore))
    what = (f"{len(classes)} classes" + (f", positive class {pos_label!r}" if pos_label is not None else "")
            if classes else "regression")
    print(f"AutoML {task} of {target_col!r} on {len(snapshot):,} rows ({what}), ranked by {metric.val_name}, "
          f"budget {(deadline - started) / 60:g} min; frameworks: "
          f"{', '.join(sorted({f.framework for f in families}))}.\n"
          f"Experiment: {experiment.name} (id {experiment.experiment_id})\nData exploration notebook: {explore}",
          flush=True)
    search = Search(setup, families, deadline, max_trials)
    trials = search.run()
    summary = AutoMLSummary(experiment=mlflow.get_experiment(experiment.experiment_id), trials=trials,
                            primary_metric=metric.val_name, higher_is_better=metric.higher_is_better)
    print(f"AutoML stopped after {len(trials)} trials ({search.stop_reason or 'the search space was exhausted'}), "
          f"in {(time.monotonic() - started) / 60:.2f} min.\n{summary}", flush=True)
    return summary


def import_notebook(artifact_uri: str, path: str, overwrite: bool = False) -> ImportNotebookResult:
    """Copy a trial notebook saved as an MLflow artifact (``trial.artifact_uri``) to ``path``.

    ``path`` is a folder (the notebook keeps its name) or a ``.ipynb`` file path.
    """
    import mlflow

    uri = artifact_uri.rstrip("/")
    if not uri.endswith(".ipynb") and not uri.endswith("/notebook"):
        uri += "/notebook"
    local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri))
    found = [local] if local.is_file() else sorted(local.rglob("*.ipynb"))
    if not found:
        raise FileNotFoundError(f"No notebook among the artifacts at {artifact_uri}.")
    target = Path(path).expanduser()
    if target.suffix != ".ipynb":
        target = target / found[0].name
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} already exists; pass overwrite=True to replace it.")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(found[0], target)
    return ImportNotebookResult(path=str(target), url=str(target))

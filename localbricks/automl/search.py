"""The search: hyperopt (TPE) proposes a model family and its hyperparameters, each trial is fitted,
scored on train / validation / test, logged to MLflow with its model and given its notebook.

Time is the budget, as on Databricks: no trial starts once the deadline has passed, but the
search always finishes at least one. It also stops after ``max_trials`` trials, or when
``PATIENCE`` trials in a row failed to improve the best validation score (AutoML's early stopping).
"""
from __future__ import annotations

import contextlib
import importlib
import logging
import math
import time
import warnings
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import version
from pathlib import Path

from localbricks.automl import models, recipes, trial_notebook
from localbricks.automl.dataset import SPLIT_COL
from localbricks.automl.metrics import SPLIT_PREFIXES, Metric
from localbricks.automl.preprocess import ColumnPlan
from localbricks.automl.summary import TrialInfo

PATIENCE = 40  # trials without a better validation score before the search stops early
MAX_FAILURES_WITHOUT_SUCCESS = 10
_DISTRIBUTIONS = {"sklearn": "scikit-learn", "lightgbm": "lightgbm", "xgboost": "xgboost"}


@dataclass
class RunSetup:
    """Everything a trial, and its notebook, needs to know about the run."""

    task: str  # "classification" | "regression"
    target_col: str
    metric: Metric
    frame: object  # the data snapshot (pandas), with SPLIT_COL
    data_path: Path
    dataset_name: str
    plan: ColumnPlan
    experiment_id: str
    experiment_name: str
    folder: Path  # where notebooks are written
    imputers: dict = field(default_factory=dict)
    pos_label: object = None
    sample_weight_col: str | None = None

    def part(self, name: str):
        """``(X, y, weights)`` of one split: "train", "val" or "test"."""
        rows = self.frame[SPLIT_COL] == name
        weights = self.frame.loc[rows, self.sample_weight_col] if self.sample_weight_col else None
        return self.frame.loc[rows, self.plan.features], self.frame.loc[rows, self.target_col], weights

    def pip_requirements(self, family) -> list[str]:
        """Pinned requirements for the logged model (given explicitly, so MLflow need not infer them)."""
        names = ["scikit-learn", "cloudpickle", "pandas", "numpy"]
        if family.framework != "sklearn":
            names.append(_DISTRIBUTIONS[family.framework])
        return [f"{name}=={version(name)}" for name in names]


@contextlib.contextmanager
def _quiet_logging():
    """Trials log many models: keep MLflow's per-model notices (cloudpickle caution, …) out of the output."""
    loggers = [logging.getLogger(name) for name in ("mlflow", "hyperopt")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


@contextlib.contextmanager
def _recipes_pickled_by_value():
    """Logged models carry ``recipes``' functions inside them, so loading one needs no localbricks."""
    import cloudpickle

    cloudpickle.register_pickle_by_value(recipes)
    try:
        yield
    finally:
        cloudpickle.unregister_pickle_by_value(recipes)


class Search:
    def __init__(self, setup: RunSetup, families: list, deadline: float, max_trials: int | None = None):
        self.setup, self.families, self.deadline, self.max_trials = setup, families, deadline, max_trials
        self.by_key = {f.key: f for f in families}
        self.trials: list[TrialInfo] = []
        self.attempts = 0
        self.failures: list[str] = []
        self.best: float | None = None
        self.since_best = 0
        self.stop_reason = ""

    # -- when to stop ---------------------------------------------------------------------------
    def should_stop(self) -> bool:
        if not self.trials:
            if len(self.failures) >= MAX_FAILURES_WITHOUT_SUCCESS:
                self.stop_reason = "every trial failed"
                return True
            return False
        if time.monotonic() >= self.deadline:
            self.stop_reason = "the time budget is spent"
        elif self.max_trials and len(self.trials) >= self.max_trials:
            self.stop_reason = f"max_trials={self.max_trials} reached"
        elif self.since_best >= PATIENCE:
            self.stop_reason = f"no better {self.setup.metric.val_name} in {PATIENCE} trials"
        return bool(self.stop_reason)

    # -- one trial ------------------------------------------------------------------------------
    def fit(self, family, params: dict):
        """Fit the trial's pipeline on the training split; return it and its metrics on every split."""
        from sklearn.pipeline import Pipeline

        setup = self.setup
        estimator = getattr(importlib.import_module(family.module), family.estimator_class(setup.task))
        preprocessor = recipes.build_preprocessor(**setup.plan.builder_arguments(), imputers=setup.imputers,
                                                  scale_numeric=family.scale_numeric)
        pipeline = Pipeline([("preprocessor", preprocessor), ("model", estimator(**params))])
        X, y, weights = setup.part("train")
        pipeline.fit(X, y, **({"model__sample_weight": weights} if weights is not None else {}))
        metrics = {}
        for name, prefix in SPLIT_PREFIXES.items():
            X, y, _ = setup.part(name)
            if setup.task == "classification":
                metrics.update(recipes.classification_metrics(pipeline, X, y, prefix=prefix, pos_label=setup.pos_label))
            else:
                metrics.update(recipes.regression_metrics(pipeline, X, y, prefix=prefix))
        return pipeline, metrics

    def log(self, number: int, family, params: dict, pipeline, metrics: dict, seconds: float) -> TrialInfo:
        """One MLflow run per trial: params, metrics, the model with its signature, and the notebook."""
        import mlflow
        from mlflow.models import infer_signature

        setup = self.setup
        cls = family.estimator_class(setup.task)
        score = metrics[setup.metric.val_name]
        X_train = setup.part("train")[0]
        logged_params = {"model_class": cls, **params}
        with mlflow.start_run(experiment_id=setup.experiment_id, run_name=f"{family.key}_trial_{number}",
                              nested=mlflow.active_run() is not None) as run:  # inside a learner's open run
            run_id = run.info.run_id
            path = setup.folder / f"trial_{number:03d}_{family.key}.ipynb"
            mlflow.set_tags({"automl.trial": number, "automl.family": family.key, "automl.framework": family.framework,
                             "automl.notebook_path": str(path)})
            mlflow.log_params(logged_params)
            mlflow.log_metrics(metrics)
            signature = infer_signature(X_train, pipeline.predict(X_train))  # all rows: gaps make floats
            with _recipes_pickled_by_value():
                mlflow.sklearn.log_model(pipeline, name="model", signature=signature,
                                         serialization_format="cloudpickle",
                                         pip_requirements=setup.pip_requirements(family))
            notebook = trial_notebook.render(setup, family, params, number, run_id, score)
            trial_notebook.write(notebook, path)
            mlflow.log_artifact(str(path), artifact_path="notebook")
        shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
        return TrialInfo(
            notebook_path=str(path), notebook_url=str(path), artifact_uri=run.info.artifact_uri,
            mlflow_run_id=run_id, metrics=metrics, params={k: str(v) for k, v in logged_params.items()},
            model_path=f"runs:/{run_id}/model", model_description=f"{cls}({shown})",
            duration=f"{seconds / 60:.3f} minutes", evaluation_metric_score=score,
            preprocessors=setup.plan.describe(family.scale_numeric, setup.imputers),
        )

    def objective(self, sampled: dict) -> dict:
        """What hyperopt calls: run one trial (unless the search is over) and return its loss."""
        from hyperopt import STATUS_FAIL, STATUS_OK

        if self.should_stop():  # hyperopt had queued this point before the stop: do not start it
            return {"status": STATUS_FAIL}
        self.attempts += 1
        number = self.attempts
        family = self.by_key[sampled["family"]]
        params = models.tidy(family, sampled, self.setup.task)
        cls = family.estimator_class(self.setup.task)
        metric = self.setup.metric
        start = time.monotonic()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # convergence notes, schema hints: the metrics tell the story
                pipeline, metrics = self.fit(family, params)
                score = metrics.get(metric.val_name, float("nan"))
                if not math.isfinite(score):
                    raise ValueError(f"{metric.val_name} is undefined for this model")
                trial = self.log(number, family, params, pipeline, metrics, time.monotonic() - start)
        except Exception as err:  # noqa: BLE001 - one bad configuration must not end the search
            self.failures.append(f"{cls}: {type(err).__name__}: {err}")
            print(f"AutoML trial {number:>3} | {cls:<22} | failed: {type(err).__name__}: {err}", flush=True)
            return {"status": STATUS_FAIL}
        self.trials.append(trial)
        if self.best is None or metric.better(score, self.best):
            self.best, self.since_best = score, 0
        else:
            self.since_best += 1
        left = max(0.0, self.deadline - time.monotonic())
        print(f"AutoML trial {number:>3} | {cls:<22} | {metric.val_name} {score:.4f} | best {self.best:.4f} | "
              f"{time.monotonic() - start:4.1f} s | {left:4.0f} s left", flush=True)
        return {"status": STATUS_OK, "loss": metric.loss(score)}

    # -- the loop -------------------------------------------------------------------------------
    def run(self) -> list[TrialInfo]:
        """Search until a stop rule fires; return the trials, best first."""
        import numpy as np
        from hyperopt import fmin, tpe
        from hyperopt.exceptions import AllTrialsFailed
        from hyperopt.fmin import generate_trials_to_calculate

        task = self.setup.task
        space, labels = models.search_space(self.families, task)
        trials = generate_trials_to_calculate(models.default_points(self.families, task))
        for doc in trials._dynamic_trials:  # TPE expects every label in every trial, even unused ones
            for label in labels:
                doc["misc"]["idxs"].setdefault(label, [])
                doc["misc"]["vals"].setdefault(label, [])
        trials.refresh()
        from mlflow.utils.autologging_utils import disable_autologging

        with _quiet_logging(), disable_autologging():  # a learner's mlflow.autolog() must not log each fit again
            try:
                fmin(self.objective, space, algo=partial(tpe.suggest, n_startup_jobs=10), trials=trials,
                     max_evals=100_000, rstate=np.random.default_rng(models.SEED),
                     early_stop_fn=lambda *args: (self.should_stop(), []), show_progressbar=False)
            except AllTrialsFailed:
                pass  # reported below, with the reasons
        if not self.trials:
            raise RuntimeError("AutoML could not train any model; the errors were:\n" + "\n".join(self.failures))
        metric = self.setup.metric
        return sorted(self.trials, key=lambda t: metric.loss(t.evaluation_metric_score))

"""Both sides of every notebook-04 check, with real Hyperopt searches, Optuna studies and runs in an
experiment of their own in the test session's MLflow store."""
from __future__ import annotations

import sys
import uuid

import numpy as np
import pandas as pd
import pytest

from grader.checks import tuning as checks
from grader.testing import assert_check_failed, assert_check_passed
from quiz_support import assert_quiz_graded_from_bank

SEED = 42
EVALS = 4


# ---------------------------------------------------------------------------- the notebook's set-up, small

@pytest.fixture(scope="module")
def wine():
    from localbricks.data import dataset_path
    from sklearn.model_selection import train_test_split

    df = pd.read_csv(dataset_path("wine.csv"))
    features = ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium"]
    return train_test_split(df[features], df["cultivar"], test_size=0.3, stratify=df["cultivar"], random_state=SEED)


@pytest.fixture(scope="module")
def train_wine_model(wine):
    from lightgbm import LGBMClassifier

    X_train, _, y_train, _ = wine

    def train(params):
        return LGBMClassifier(n_estimators=20, learning_rate=params["learning_rate"], num_leaves=int(params["num_leaves"]),
                              max_depth=int(params["max_depth"]), class_weight=params["class_weight"], min_child_samples=5,
                              random_state=SEED, n_jobs=1, verbose=-1).fit(X_train, y_train)

    return train


def make_objective(train_wine_model, wine, sign=-1, on_train=False, status=True):
    from hyperopt import STATUS_OK
    from sklearn.metrics import accuracy_score

    X_train, X_val, y_train, y_val = wine
    X, y = (X_train, y_train) if on_train else (X_val, y_val)

    def objective(params):
        accuracy = accuracy_score(y, train_wine_model(params).predict(X))
        result = {"loss": sign * accuracy if sign else 1 - accuracy}
        if status:
            result["status"] = STATUS_OK
        return result

    return objective


def make_space(lr=None, leaves=None, depth=None, weights=None, lr_label="learning_rate"):
    from hyperopt import hp

    return {
        "learning_rate": lr if lr is not None else hp.loguniform(lr_label, np.log(0.01), np.log(0.5)),
        "num_leaves": leaves if leaves is not None else hp.quniform("num_leaves", 4, 32, 4),
        "max_depth": depth if depth is not None else hp.quniform("max_depth", 2, 8, 1),
        "class_weight": weights if weights is not None else hp.choice("class_weight", [None, "balanced"]),
    }


def run_fmin(objective, space, algo=None, evals=EVALS, trials=None):
    from hyperopt import Trials, fmin, tpe

    trials = trials if trials is not None else Trials()
    best = fmin(objective, space, algo=algo or tpe.suggest, max_evals=evals, trials=trials,
                rstate=np.random.default_rng(SEED), show_progressbar=False)
    return best, trials


# ---------------------------------------------------------------------------- 04.search_space

def test_search_space_passes():
    assert_check_passed(checks.check_search_space, make_space())


def test_search_space_fails_on_raw_loguniform_bounds():
    from hyperopt import hp

    assert_check_failed(checks.check_search_space, make_space(lr=hp.loguniform("learning_rate", 0.01, 0.5)),
                        match="outside 0.01–0.5")


@pytest.mark.parametrize("part, wrong, match", [
    ("lr", lambda hp: hp.uniform("learning_rate", 0.01, 0.5), "log scale"),
    ("leaves", lambda hp: hp.uniform("num_leaves", 4, 32), "hp.quniform"),
    ("depth", lambda hp: hp.quniform("max_depth", 2, 8, 2), "whole numbers 2 to 8"),
    ("weights", lambda hp: hp.choice("class_weight", [0, 1]), "None and 'balanced'"),
    ("leaves", lambda hp: hp.quniform("leaves", 4, 32, 4), "label 'num_leaves'"),
])
def test_search_space_fails_on_a_wrong_distribution(part, wrong, match):
    from hyperopt import hp

    assert_check_failed(checks.check_search_space, make_space(**{part: wrong(hp)}), match=match)


def test_search_space_fails_when_a_key_is_missing():
    space = make_space()
    del space["class_weight"]
    assert_check_failed(checks.check_search_space, space, match="missing")


# ---------------------------------------------------------------------------- 04.objective

def test_objective_passes_on_negated_accuracy_and_on_one_minus_accuracy(train_wine_model, wine):
    X_val, y_val = wine[1], wine[3]
    assert_check_passed(checks.check_objective, make_objective(train_wine_model, wine), train_wine_model, X_val, y_val)
    assert_check_passed(checks.check_objective, make_objective(train_wine_model, wine, sign=0), train_wine_model, X_val, y_val)


def test_objective_fails_on_plus_accuracy(train_wine_model, wine):
    message = assert_check_failed(checks.check_objective, make_objective(train_wine_model, wine, sign=+1), train_wine_model,
                                  wine[1], wine[3], match="fmin minimises.*worst model")
    accuracy = -make_objective(train_wine_model, wine)(dict(checks.PROBES[0]))["loss"]
    assert f"{accuracy:.3f}" not in message and repr(accuracy) not in message


def test_objective_fails_on_training_accuracy_and_without_status(train_wine_model, wine):
    assert_check_failed(checks.check_objective, make_objective(train_wine_model, wine, on_train=True), train_wine_model,
                        wine[1], wine[3], match="not the .negated. validation accuracy")
    assert_check_failed(checks.check_objective, make_objective(train_wine_model, wine, status=False), train_wine_model,
                        wine[1], wine[3], match="STATUS_OK")


# ---------------------------------------------------------------------------- 04.fmin_best

@pytest.fixture(scope="module")
def search(train_wine_model, wine):
    from hyperopt import space_eval

    space = make_space()
    best, trials = run_fmin(make_objective(train_wine_model, wine), space)
    return space, best, trials, space_eval(space, best)


def test_fmin_best_passes(search):
    space, best, trials, best_params = search
    assert_check_passed(checks.check_fmin_best, best, best_params, -min(trials.losses()), trials, space, EVALS)


def test_fmin_best_fails_on_the_raw_choice_index(search):
    space, best, trials, best_params = search
    raw = {k: (int(v) if k == "class_weight" else float(v)) for k, v in best.items()}
    assert_check_failed(checks.check_fmin_best, best, raw, -min(trials.losses()), trials, space, EVALS, match="space_eval")


def test_fmin_best_fails_on_the_loss_as_accuracy(search):
    space, best, trials, best_params = search
    assert_check_failed(checks.check_fmin_best, best, best_params, min(trials.losses()), trials, space, EVALS,
                        match="flip the sign")
    assert_check_failed(checks.check_fmin_best, best, best_params, -max(trials.losses()), trials, space, EVALS,
                        match="not the accuracy of the best trial")


def test_fmin_best_fails_on_a_search_that_maximised_the_wrong_way(train_wine_model, wine):
    from hyperopt import space_eval

    space = make_space()
    best, trials = run_fmin(make_objective(train_wine_model, wine, sign=+1), space)
    assert_check_failed(checks.check_fmin_best, best, space_eval(space, best), max(trials.losses()), trials, space, EVALS,
                        match="losses are positive")


# ---------------------------------------------------------------------------- 04.search_strategies

def best_so_far(losses):
    return np.minimum.accumulate(np.asarray(losses, dtype=float))


@pytest.fixture(scope="module")
def strategies(train_wine_model, wine):
    from functools import partial

    from hyperopt import rand, tpe

    objective = make_objective(train_wine_model, wine)
    algorithms = {"random": rand.suggest, "tpe": partial(tpe.suggest, n_startup_jobs=1)}
    _, rand_trials = run_fmin(objective, make_space(), algo=algorithms["random"])
    _, tpe_trials = run_fmin(objective, make_space(), algo=algorithms["tpe"])
    grid = [{"learning_rate": lr, "num_leaves": leaves, "max_depth": 4.0, "class_weight": None}
            for lr in (0.01, 0.5) for leaves in (4.0, 32.0)]
    return algorithms, rand_trials, tpe_trials, [objective(p)["loss"] for p in grid]


PROBE = [0.3, 0.5, 0.2, 0.4, 0.1]


def test_search_strategies_pass(strategies):
    algorithms, rand_trials, tpe_trials, grid_losses = strategies
    assert_check_passed(checks.check_search_strategies, best_so_far, algorithms, rand_trials, tpe_trials, grid_losses, EVALS,
                        probe=PROBE)


def test_search_strategies_fail_on_the_running_maximum(strategies):
    algorithms, rand_trials, tpe_trials, grid_losses = strategies

    def running_max(losses):
        return np.maximum.accumulate(np.asarray(losses, dtype=float))

    assert_check_failed(checks.check_search_strategies, running_max, algorithms, rand_trials, tpe_trials, grid_losses, EVALS,
                        probe=PROBE, match="running maximum")


def test_search_strategies_fail_on_swapped_algorithms_or_budgets(strategies):
    from hyperopt import rand, tpe

    algorithms, rand_trials, tpe_trials, grid_losses = strategies
    assert_check_failed(checks.check_search_strategies, best_so_far, {"random": tpe.suggest, "tpe": rand.suggest}, rand_trials,
                        tpe_trials, grid_losses, EVALS, match="not hyperopt's random search")
    assert_check_failed(checks.check_search_strategies, best_so_far, algorithms, rand_trials, tpe_trials, grid_losses * 2, EVALS,
                        match="no more evaluations than the budget")
    assert_check_failed(checks.check_search_strategies, best_so_far, algorithms, rand_trials, tpe_trials, grid_losses, EVALS + 1,
                        match="exactly the budget")


# ---------------------------------------------------------------------------- MLflow-backed checks

@pytest.fixture(scope="module")
def mlflow_env():
    """An experiment of its own in the test session's store. Not a store of its own: the experiment
    this leaves active must exist in the store the next test file in this process logs to (a private
    store left id 1 active, and the serving fixtures' first run failed with "No Experiment with id=1")."""
    import mlflow

    experiment_id = mlflow.set_experiment(f"/Shared/tuning_checks_{uuid.uuid4().hex[:8]}").experiment_id
    yield mlflow, experiment_id


def _logged(objective, mlflow, nested=True, log_loss=True):
    def logged_objective(params):
        with mlflow.start_run(nested=nested):
            result = objective(params)
            mlflow.log_params(params)
            if log_loss:
                mlflow.log_metric("loss", result["loss"])
        return result

    return logged_objective


def test_nested_runs_pass(mlflow_env, train_wine_model, wine):
    mlflow, experiment_id = mlflow_env
    with mlflow.start_run(run_name="hyperopt") as parent:
        _, trials = run_fmin(_logged(make_objective(train_wine_model, wine), mlflow), make_space())
    assert_check_passed(checks.check_nested_runs, parent.info.run_id, trials, experiment_id)


def test_nested_runs_fail_when_the_trials_run_outside_the_parent(mlflow_env, train_wine_model, wine):
    mlflow, experiment_id = mlflow_env
    with mlflow.start_run(run_name="empty parent") as parent:
        pass
    _, trials = run_fmin(_logged(make_objective(train_wine_model, wine), mlflow), make_space())  # top-level runs
    assert_check_failed(checks.check_nested_runs, parent.info.run_id, trials, experiment_id, match="no child runs")


def test_nested_runs_fail_without_the_loss_or_with_other_trials(mlflow_env, train_wine_model, wine):
    mlflow, experiment_id = mlflow_env
    objective = make_objective(train_wine_model, wine)
    with mlflow.start_run() as parent:
        _, trials = run_fmin(_logged(objective, mlflow, log_loss=False), make_space())
    assert_check_failed(checks.check_nested_runs, parent.info.run_id, trials, experiment_id, match="metric 'loss'")
    with mlflow.start_run() as parent:
        _, logged_trials = run_fmin(_logged(objective, mlflow), make_space())
    _, other_trials = run_fmin(objective, make_space(), evals=EVALS - 1)
    assert_check_failed(checks.check_nested_runs, parent.info.run_id, other_trials, experiment_id, match="one child run per trial")
    assert_check_failed(checks.check_nested_runs, "no-such-run", logged_trials, experiment_id, match="No MLflow run")


# ---------------------------------------------------------------------------- Optuna

@pytest.fixture(scope="module")
def churn_arrays():
    from localbricks.data import dataset_path
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    df = pd.read_csv(dataset_path("churn_customers.csv", scale=0.2))
    features = ["tenure_months", "support_calls", "days_since_last_login", "total_spend", "num_devices",
                "satisfaction_score", "age", "monthly_spend"]
    X_tr, X_va, y_tr, y_va = train_test_split(df[features], df["churned"], test_size=0.25, stratify=df["churned"],
                                              random_state=SEED)
    prep = make_pipeline(SimpleImputer(strategy="median"), StandardScaler()).fit(X_tr)
    return prep.transform(X_tr), prep.transform(X_va), y_tr, y_va


def make_churn_objective(arrays, prune=True):
    import optuna
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import roc_auc_score

    X_tr, X_va, y_tr, y_va = arrays

    def objective(trial):
        clf = SGDClassifier(loss="log_loss", alpha=trial.suggest_float("alpha", 1e-5, 1.0, log=True), learning_rate="constant",
                            eta0=trial.suggest_float("eta0", 1e-4, 1e-1, log=True), random_state=SEED)
        for epoch in range(10):
            clf.partial_fit(X_tr, y_tr, classes=[0, 1])
            auc = roc_auc_score(y_va, clf.decision_function(X_va))
            trial.report(auc, epoch)
            if prune and trial.should_prune():
                raise optuna.TrialPruned()
        return auc

    return objective


def make_study(direction="maximize", pruner="median"):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    chosen = optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2) if pruner == "median" else optuna.pruners.NopPruner()
    return optuna.create_study(direction=direction, sampler=optuna.samplers.TPESampler(seed=SEED), pruner=chosen)


N_TRIALS = 10


def test_optuna_pruning_passes(churn_arrays):
    study = make_study()
    study.optimize(make_churn_objective(churn_arrays), n_trials=N_TRIALS)
    assert_check_passed(checks.check_optuna_pruning, study, N_TRIALS)


def test_optuna_pruning_fails_on_minimising_the_auc(churn_arrays):
    study = make_study(direction="minimize")
    study.optimize(make_churn_objective(churn_arrays), n_trials=N_TRIALS)
    assert_check_failed(checks.check_optuna_pruning, study, N_TRIALS, match="direction='maximize'")


def test_optuna_pruning_fails_when_nothing_is_pruned(churn_arrays):
    never_asks = make_study()
    never_asks.optimize(make_churn_objective(churn_arrays, prune=False), n_trials=N_TRIALS)
    assert_check_failed(checks.check_optuna_pruning, never_asks, N_TRIALS, match="No trial was pruned")
    no_pruner = make_study(pruner="nop")
    no_pruner.optimize(make_churn_objective(churn_arrays), n_trials=N_TRIALS)
    assert_check_failed(checks.check_optuna_pruning, no_pruner, N_TRIALS, match="no pruner")


def _callback(mlflow, params=True):
    def mlflow_callback(study, trial):
        with mlflow.start_run(run_name=f"trial_{trial.number}", nested=True):
            if params:
                mlflow.log_params(trial.params)
            mlflow.set_tag("state", trial.state.name)
            if trial.value is not None:
                mlflow.log_metric("roc_auc", trial.value)

    return mlflow_callback


def test_optuna_mlflow(mlflow_env, churn_arrays):
    mlflow, experiment_id = mlflow_env
    objective = make_churn_objective(churn_arrays)
    with mlflow.start_run(run_name="optuna") as parent:
        study = make_study()
        study.optimize(objective, n_trials=6, callbacks=[_callback(mlflow)])
    assert_check_passed(checks.check_optuna_mlflow, study, parent.info.run_id, experiment_id)
    with mlflow.start_run(run_name="optuna, no callback") as bare:
        unlogged = make_study()
        unlogged.optimize(objective, n_trials=3)
    assert_check_failed(checks.check_optuna_mlflow, unlogged, bare.info.run_id, experiment_id, match="callbacks=")
    with mlflow.start_run(run_name="optuna, values only") as thin:
        thin_study = make_study()
        thin_study.optimize(objective, n_trials=3, callbacks=[_callback(mlflow, params=False)])
    assert_check_failed(checks.check_optuna_mlflow, thin_study, thin.info.run_id, experiment_id, match="trial.params")


# ---------------------------------------------------------------------------- 04.parallel_tuning


def test_parallel_tuning():
    assert_quiz_graded_from_bank(checks.check_parallel_tuning, "04.parallel_tuning")


# ---------------------------------------------------------------------------- 04.spark_trials

@pytest.fixture
def spark_workers_use_this_python(spark, monkeypatch):
    """Python workers must import hyperopt and lightgbm: run them with this interpreter, as `make test` does via PATH."""
    monkeypatch.setattr(spark.sparkContext, "pythonExec", sys.executable)
    return spark


@pytest.mark.spark
def test_spark_trials(spark_workers_use_this_python, train_wine_model, wine):
    from hyperopt import SparkTrials, Trials

    spark = spark_workers_use_this_python
    objective = make_objective(train_wine_model, wine)
    spark_trials = SparkTrials(parallelism=2, spark_session=spark)
    run_fmin(objective, make_space(), evals=2, trials=spark_trials)
    assert_check_passed(checks.check_spark_trials, spark_trials, spark, 2)
    assert_check_failed(checks.check_spark_trials, spark_trials, spark, 3, match="max_evals finished trials")
    _, local = run_fmin(objective, make_space(), evals=2)
    assert_check_failed(checks.check_spark_trials, local, spark, 2, match="SparkTrials object")
    assert isinstance(local, Trials)
    assert_check_failed(checks.check_spark_trials, SparkTrials(spark_session=spark), spark, 2, match="parallelism explicitly")

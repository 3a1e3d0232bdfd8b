"""Checks for notebook 04, hyperparameter tuning. They call the learner's objective, sample the
learner's search space, read their Trials / SparkTrials and Optuna studies, and look up their runs
in the MLflow store; expected values are worked out from those objects when the check runs."""
from __future__ import annotations

import math

from grader import exercise
from grader.answer_key import check_quiz

DOMAIN = "Model Development"

SPACE_KEYS = ("learning_rate", "num_leaves", "max_depth", "class_weight")

PROBES = (
    {"learning_rate": 0.1, "num_leaves": 8.0, "max_depth": 3.0, "class_weight": None},
    {"learning_rate": 0.03, "num_leaves": 24.0, "max_depth": 6.0, "class_weight": "balanced"},
)
"""Points of the search space at which the objective is called, as hyperopt would pass them
(``quniform`` values arrive as floats)."""


def _close(a, b, tol=1e-9) -> bool:
    return math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)


def _is_number(value) -> bool:
    return not isinstance(value, (bool, str)) and hasattr(value, "__float__")


# ---------------------------------------------------------------------------- 3.6 the search space

def distributions(expr) -> set[str]:
    """The names of the pyll nodes in a hyperopt expression, e.g. ``{"loguniform", "float", ...}``."""
    from hyperopt.pyll import base

    return {node.name for node in base.dfs(expr)}


def labels(expr) -> list[str]:
    """The labels of the ``hp.*`` calls in an expression (their first argument)."""
    from hyperopt.pyll import base

    return [node.pos_args[0].obj for node in base.dfs(expr) if node.name == "hyperopt_param"]


def _samples(space, n=300, seed=0) -> list[dict]:
    import numpy as np
    from hyperopt.pyll.stochastic import sample

    rng = np.random.default_rng(seed)
    return [sample(space, rng=rng) for _ in range(n)]


@exercise("04.search_space", domain=DOMAIN, objective="3.6", hints=[
    "hp.loguniform(label, low, high) draws exp(uniform(low, high)): give it np.log(0.01) and np.log(0.5), not 0.01 and 0.5.",
    "hp.quniform(label, low, high, q) gives multiples of q — as floats; hp.choice(label, [None, 'balanced']) picks from a list.",
    "The label (first argument) of each hp.* call should be the same as its key in the dict.",
])
def check_search_space(space):
    import numpy as np

    assert isinstance(space, dict), "space should be a dict from hyperparameter name to an hp.* expression."
    missing = [k for k in SPACE_KEYS if k not in space]
    assert not missing, f"space is missing {missing}."
    kinds = {k: distributions(space[k]) for k in SPACE_KEYS}
    assert "loguniform" in kinds["learning_rate"], \
        "learning_rate spans more than an order of magnitude: draw it on a log scale (hp.loguniform)."
    assert "quniform" in kinds["num_leaves"] and "quniform" in kinds["max_depth"], \
        "num_leaves and max_depth are whole numbers on a range: use hp.quniform."
    assert "switch" in kinds["class_weight"], "class_weight picks from a list of options: use hp.choice."
    for key in SPACE_KEYS:
        assert key in labels(space[key]), f"Give the hp expression for '{key}' the label '{key}'."
    draws = _samples(space)
    lr = np.array([d["learning_rate"] for d in draws])
    assert lr.min() >= 0.01 - 1e-12 and lr.max() <= 0.5 + 1e-12, \
        "learning_rate draws fall outside 0.01–0.5: hp.loguniform takes the logarithms of the bounds."
    assert np.mean(lr < 0.05) > 0.25, "learning_rate should be spread evenly on a log scale between 0.01 and 0.5."
    leaves = np.array([d["num_leaves"] for d in draws])
    assert leaves.min() >= 4 and leaves.max() <= 32 and np.allclose(leaves % 4, 0), \
        "num_leaves should take the values 4, 8, …, 32 (a step of 4)."
    depth = np.array([d["max_depth"] for d in draws])
    assert depth.min() >= 2 and depth.max() <= 8 and np.allclose(depth % 1, 0) and len(set(depth)) >= 6, \
        "max_depth should take the whole numbers 2 to 8."
    weights = {d["class_weight"] for d in draws}
    assert weights == {None, "balanced"}, "class_weight should choose between None and 'balanced'."


# ---------------------------------------------------------------------------- 3.5 the objective

@exercise("04.objective", domain=DOMAIN, objective="3.5", hints=[
    "Train with train_wine_model(params), then score accuracy_score(y_val, model.predict(X_val)).",
    "fmin looks for the smallest loss. Which sign must a higher-is-better accuracy get?",
    "Return a dict: {'loss': ..., 'status': STATUS_OK}.",
])
def check_objective(objective, train_wine_model, X_val, y_val, probes=PROBES):
    from hyperopt import STATUS_OK
    from sklearn.metrics import accuracy_score

    assert callable(objective), "objective should be a function of one argument, the params dict."
    for params in probes:
        result = objective(dict(params))
        assert isinstance(result, dict) and "loss" in result, "objective should return a dict with a 'loss' key."
        assert result.get("status") == STATUS_OK, "Add 'status': STATUS_OK to the returned dict, or fmin treats the trial as failed."
        loss = result["loss"]
        assert _is_number(loss), "The loss should be a number."
        accuracy = accuracy_score(y_val, train_wine_model(dict(params)).predict(X_val))
        if _close(loss, -accuracy) or _close(loss, 1 - accuracy):
            continue
        if _close(loss, accuracy):
            raise AssertionError("fmin minimises the loss: returning the accuracy itself makes it hunt for the worst model.")
        raise AssertionError("The loss is not the (negated) validation accuracy of the model trained with these params.")


# ---------------------------------------------------------------------------- 3.5/3.6 fmin and space_eval

def _losses(trials):
    return [loss for loss in trials.losses() if loss is not None]


@exercise("04.fmin_best", domain=DOMAIN, objective="3.6", hints=[
    "fmin(fn=objective, space=space, algo=tpe.suggest, max_evals=MAX_EVALS, trials=trials, rstate=np.random.default_rng(SEED)).",
    "fmin returns hp.choice parameters as an index into the list: space_eval(space, best) turns them back into values.",
    "The best accuracy is the smallest loss with its sign flipped back.",
])
def check_fmin_best(best, best_params, best_accuracy, trials, space, max_evals):
    from hyperopt import Trials, space_eval

    assert isinstance(trials, Trials), "trials should be the Trials object you passed to fmin."
    losses = _losses(trials)
    assert len(losses) == max_evals, "trials should hold exactly max_evals finished evaluations: pass trials= and max_evals= to fmin."
    assert all(loss <= 0 for loss in losses), "Some losses are positive: the objective must return the negated accuracy."
    assert isinstance(best, dict) and set(best) >= set(SPACE_KEYS), "best should be the dict fmin returned."
    argmin = trials.argmin
    assert all(_close(best[k], argmin[k]) for k in argmin), "best is not what fmin returned for these trials."
    expected = space_eval(space, best)
    assert isinstance(best_params, dict), "best_params should be a dict of hyperparameter values."
    if best_params.get("class_weight") in (0, 1) and expected["class_weight"] not in (0, 1):
        raise AssertionError("best_params['class_weight'] is an index into the choice list: recover the value with space_eval.")
    assert best_params == expected, "best_params should be the actual values of the best trial, as space_eval(space, best) gives them."
    assert _is_number(best_accuracy), "best_accuracy should be a number."
    assert float(best_accuracy) >= 0, "best_accuracy is negative: flip the sign of the loss back."
    assert _close(best_accuracy, -min(losses)), "best_accuracy is not the accuracy of the best trial."


# ---------------------------------------------------------------------------- MLflow: one nested run per trial

@exercise("04.nested_runs", domain=DOMAIN, objective="3.5", hints=[
    "Run fmin inside `with mlflow.start_run(run_name=...) as parent:` so the trials have a parent.",
    "In the objective, wrap the work in `with mlflow.start_run(nested=True):` and log the params and the loss.",
    "mlflow.log_metric('loss', result['loss']) in each child run; parent_run_id = parent.info.run_id.",
])
def check_nested_runs(parent_run_id, trials, experiment_id, metric="loss"):
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient()
    assert isinstance(parent_run_id, str) and parent_run_id, "parent_run_id should be the parent run's id string."
    try:
        parent = client.get_run(parent_run_id)
    except MlflowException:
        raise AssertionError("No MLflow run has the id in parent_run_id.") from None
    assert parent.info.experiment_id == str(experiment_id), "The parent run is not in this notebook's experiment."
    children = client.search_runs([str(experiment_id)], filter_string=f"tags.mlflow.parentRunId = '{parent_run_id}'",
                                  max_results=1000)
    losses = sorted(_losses(trials))
    assert children, "The parent run has no child runs: open each trial's run with mlflow.start_run(nested=True) inside the parent."
    assert len(children) == len(losses), "There should be exactly one child run per trial in trials."
    logged = [c.data.metrics.get(metric) for c in children]
    assert None not in logged, f"Every child run should log the trial's loss as the metric '{metric}'."
    assert all(_close(a, b, 1e-9) for a, b in zip(sorted(logged), losses)), \
        f"The '{metric}' values of the child runs are not the losses the objective returned to fmin."
    assert all(c.data.params for c in children), "Log each trial's hyperparameters in its child run too (mlflow.log_params)."


# ---------------------------------------------------------------------------- 3.7 SparkTrials

@exercise("04.spark_trials", domain=DOMAIN, objective="3.7", hints=[
    "SparkTrials(parallelism=2, spark_session=spark) runs each trial as a Spark task.",
    "Pass it to fmin as trials=spark_trials, with the same objective, space and max_evals.",
])
def check_spark_trials(spark_trials, spark, max_evals):
    from hyperopt import SparkTrials

    assert isinstance(spark_trials, SparkTrials), "spark_trials should be a hyperopt SparkTrials object."
    assert spark_trials.user_specified_parallelism is not None and spark_trials.user_specified_parallelism >= 2, \
        "Set parallelism explicitly (at least 2) so that trials run side by side."
    # Which session SparkTrials uses is not public, and needs no check: a Python process has one SparkContext,
    # which SparkTrials takes whether given spark_session=spark or left to find the active session.
    losses = _losses(spark_trials)
    assert len(losses) == max_evals, "spark_trials should hold max_evals finished trials: run fmin with trials=spark_trials."
    assert all(loss <= 0 for loss in losses), "Some losses are positive: fmin minimises, so the objective returns the negated accuracy."


# ---------------------------------------------------------------------------- 3.6 grid vs random vs TPE

def _is_suggest(algo, target) -> bool:
    import functools

    return algo is target or (isinstance(algo, functools.partial) and algo.func is target)


@exercise("04.search_strategies", domain=DOMAIN, objective="3.6", hints=[
    "hyperopt.rand.suggest samples the space at random; hyperopt.tpe.suggest is the Bayesian (TPE) strategy.",
    "Give all three strategies the same budget: max_evals=MAX_EVALS for both fmin runs, at most MAX_EVALS grid points.",
    "A best-so-far curve of a loss keeps the lowest value seen up to each trial: np.minimum.accumulate.",
])
def check_search_strategies(best_so_far, search_algorithms, rand_trials, tpe_trials, grid_losses, budget, probe=None):
    import numpy as np
    from hyperopt import rand, tpe

    assert isinstance(search_algorithms, dict) and {"random", "tpe"} <= set(search_algorithms), \
        'search_algorithms should be a dict with the keys "random" and "tpe".'
    assert _is_suggest(search_algorithms["random"], rand.suggest), "search_algorithms['random'] is not hyperopt's random search."
    assert _is_suggest(search_algorithms["tpe"], tpe.suggest), "search_algorithms['tpe'] is not hyperopt's TPE."
    for name, trials in (("rand_trials", rand_trials), ("tpe_trials", tpe_trials)):
        assert len(_losses(trials)) == budget, f"{name} should hold exactly the budget of finished trials."
    grid_losses = list(grid_losses)
    assert 0 < len(grid_losses) <= budget, "The grid should use no more evaluations than the budget."
    assert callable(best_so_far), "best_so_far should be a function from a sequence of losses to the running minimum."
    sequences = [_losses(rand_trials), _losses(tpe_trials), grid_losses]
    if probe is not None:
        sequences.append(list(probe))
    for seq in sequences:
        got = np.asarray(best_so_far(seq), dtype=float)
        want = np.minimum.accumulate(np.asarray(seq, dtype=float))
        assert got.shape == want.shape, "best_so_far should return one value per trial."
        if np.allclose(got, np.maximum.accumulate(np.asarray(seq, dtype=float))) and not np.allclose(got, want):
            raise AssertionError("That is the running maximum: for a loss, lower is better, so the best so far can only go down.")
        assert np.allclose(got, want), "best_so_far is not the lowest loss seen up to each trial."


# ---------------------------------------------------------------------------- Optuna: direction and pruning

@exercise("04.optuna_pruning", domain=DOMAIN, objective="3.6", hints=[
    "ROC AUC is higher-is-better: optuna.create_study(direction='maximize', ...). Optuna's default direction minimises.",
    "In the objective, after each epoch: trial.report(value, epoch); if trial.should_prune(): raise optuna.TrialPruned().",
    "pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2), sampler=optuna.samplers.TPESampler(seed=SEED).",
])
def check_optuna_pruning(study, n_trials):
    import optuna
    from optuna.trial import TrialState

    assert isinstance(study, optuna.Study), "study should be the optuna.Study you optimised."
    assert len(study.trials) == n_trials, "The study should have run n_trials trials."
    assert study.direction == optuna.study.StudyDirection.MAXIMIZE, \
        "ROC AUC is a score where higher is better, but this study minimises: set direction='maximize'."
    assert not isinstance(study.pruner, optuna.pruners.NopPruner), "The study has no pruner: pass one, e.g. MedianPruner(...)."
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    pruned = [t for t in study.trials if t.state == TrialState.PRUNED]
    assert complete, "No trial completed."
    assert all(t.intermediate_values for t in study.trials), \
        "Report the validation score after every epoch with trial.report(value, step), or the pruner has nothing to compare."
    assert pruned, "No trial was pruned: after each report, ask trial.should_prune() and raise optuna.TrialPruned()."
    full = max(len(t.intermediate_values) for t in complete)
    assert all(len(t.intermediate_values) < full for t in pruned), "Pruned trials should stop before the last epoch."
    assert all(0 <= t.value <= 1 for t in complete), "Each completed trial's value should be the validation ROC AUC."


# ---------------------------------------------------------------------------- Optuna: an MLflow callback

@exercise("04.optuna_mlflow", domain=DOMAIN, objective="3.6", hints=[
    "A callback is any function (study, trial) that study.optimize calls after each trial: callbacks=[mlflow_callback].",
    "In it: with mlflow.start_run(run_name=f'trial_{trial.number}', nested=True): log trial.params, and the value if it has one.",
    "Run study.optimize inside `with mlflow.start_run(...) as optuna_parent:` so the trial runs are its children.",
])
def check_optuna_mlflow(study, parent_run_id, experiment_id):
    import optuna
    from mlflow import MlflowClient
    from optuna.trial import TrialState

    assert isinstance(study, optuna.Study), "logged_study should be an optuna.Study."
    assert isinstance(parent_run_id, str) and parent_run_id, "optuna_parent_id should be the parent run's id string."
    children = MlflowClient().search_runs([str(experiment_id)], filter_string=f"tags.mlflow.parentRunId = '{parent_run_id}'",
                                          max_results=1000)
    finished = [t for t in study.trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert children, "The parent run has no child runs: pass callbacks=[...] to study.optimize, inside the parent's with-block."
    assert len(children) == len(finished), "There should be one child run per finished trial (completed or pruned)."
    runs_by_params = {}
    for child in children:
        runs_by_params.setdefault(tuple(sorted(child.data.params.items())), []).append(child)
    for trial in finished:
        key = tuple(sorted((k, str(v)) for k, v in trial.params.items()))
        assert key in runs_by_params, "Log each trial's params (trial.params) in its run."
        if trial.state == TrialState.COMPLETE:
            values = [v for run in runs_by_params[key] for v in run.data.metrics.values()]
            assert any(_close(v, trial.value, 1e-9) for v in values), "Log each completed trial's value as a metric of its run."


# ---------------------------------------------------------------------------- 3.7 parallelism

@exercise("04.parallel_tuning", domain=DOMAIN, objective="3.7", hints=[
    "SparkTrials sends single-node trials to Spark workers; a Spark ML model is already distributed, so use Trials for it.",
    "Python threads share one interpreter lock (the GIL): pure-Python code in threads takes turns on one core.",
    "For Optuna on a cluster, MLflow provides MlflowSparkStudy; more parallelism than task slots only queues trials.",
])
def check_parallel_tuning(parallel_answers):
    """Graded from the question bank: the items of quiz("04.parallel_tuning") and their keys."""
    check_quiz("04.parallel_tuning", parallel_answers, variable="parallel_answers")

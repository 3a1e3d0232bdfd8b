"""The model families AutoML tries, and the hyperparameter space hyperopt samples for each.

Frameworks are named as Databricks names them in ``exclude_frameworks``: "sklearn" (logistic or
ridge regression, decision tree, random forest), "lightgbm" and "xgboost". Each family has a
default configuration, tried first so that even a short run sees every family once, then
hyperopt's TPE samples the space. Sampled floats are rounded to 4 significant digits so the
generated notebooks show readable numbers — the same numbers the logged model was trained with.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

FRAMEWORKS = ("sklearn", "lightgbm", "xgboost")
SEED = 42


@dataclass(frozen=True)
class Family:
    key: str  # "lightgbm", "random_forest", ...
    framework: str  # one of FRAMEWORKS
    module: str  # where the estimator class lives
    classes: dict  # task -> class name
    space: dict  # hyperparameter -> ("int" | "float" | "log" | "choice", low/options, high)
    defaults: dict  # hyperparameter -> value tried first
    fixed: dict = field(default_factory=dict)  # always passed, never searched
    classification_only: tuple = ()  # hyperparameters that only classifiers take
    scale_numeric: bool = False  # linear models want standardised inputs

    def estimator_class(self, task: str) -> str:
        return self.classes[task]

    def label(self, name: str) -> str:
        return f"{self.key}.{name}"

    def hyperparameters(self, task: str) -> list[str]:
        return [p for p in self.space if task == "classification" or p not in self.classification_only]


FAMILIES = (
    Family("lightgbm", "lightgbm", "lightgbm", {"classification": "LGBMClassifier", "regression": "LGBMRegressor"},
           space={"n_estimators": ("int", 50, 400), "learning_rate": ("log", 0.01, 0.3),
                  "num_leaves": ("int", 4, 64), "min_child_samples": ("int", 5, 60),
                  "subsample": ("float", 0.5, 1.0), "colsample_bytree": ("float", 0.5, 1.0),
                  "reg_lambda": ("log", 0.001, 10.0), "class_weight": ("choice", [None, "balanced"])},
           defaults={"n_estimators": 100, "learning_rate": 0.1, "num_leaves": 31, "min_child_samples": 20,
                     "subsample": 1.0, "colsample_bytree": 1.0, "reg_lambda": 0.001, "class_weight": None},
           fixed={"subsample_freq": 1, "random_state": SEED, "n_jobs": 1, "verbose": -1},
           classification_only=("class_weight",)),
    Family("xgboost", "xgboost", "xgboost", {"classification": "XGBClassifier", "regression": "XGBRegressor"},
           space={"n_estimators": ("int", 50, 400), "learning_rate": ("log", 0.01, 0.3),
                  "max_depth": ("int", 2, 10), "min_child_weight": ("log", 0.5, 20.0),
                  "subsample": ("float", 0.5, 1.0), "colsample_bytree": ("float", 0.5, 1.0),
                  "reg_lambda": ("log", 0.001, 10.0)},
           defaults={"n_estimators": 100, "learning_rate": 0.1, "max_depth": 6, "min_child_weight": 1.0,
                     "subsample": 1.0, "colsample_bytree": 1.0, "reg_lambda": 1.0},
           fixed={"tree_method": "hist", "random_state": SEED, "n_jobs": 1}),
    Family("random_forest", "sklearn", "sklearn.ensemble",
           {"classification": "RandomForestClassifier", "regression": "RandomForestRegressor"},
           space={"n_estimators": ("int", 20, 200), "max_depth": ("int", 3, 16),
                  "min_samples_leaf": ("int", 1, 20), "max_features": ("choice", ["sqrt", 0.5, 1.0]),
                  "class_weight": ("choice", [None, "balanced", "balanced_subsample"])},
           defaults={"n_estimators": 100, "max_depth": 10, "min_samples_leaf": 1, "max_features": "sqrt",
                     "class_weight": None},
           fixed={"random_state": SEED, "n_jobs": -1}, classification_only=("class_weight",)),
    Family("logistic_regression", "sklearn", "sklearn.linear_model", {"classification": "LogisticRegression"},
           space={"C": ("log", 0.001, 100.0), "class_weight": ("choice", [None, "balanced"])},
           defaults={"C": 1.0, "class_weight": None}, fixed={"max_iter": 2000}, scale_numeric=True),
    Family("ridge_regression", "sklearn", "sklearn.linear_model", {"regression": "Ridge"},
           space={"alpha": ("log", 0.001, 100.0)}, defaults={"alpha": 1.0}, scale_numeric=True),
    Family("decision_tree", "sklearn", "sklearn.tree",
           {"classification": "DecisionTreeClassifier", "regression": "DecisionTreeRegressor"},
           space={"max_depth": ("int", 2, 12), "min_samples_leaf": ("int", 1, 50),
                  "class_weight": ("choice", [None, "balanced"])},
           defaults={"max_depth": 5, "min_samples_leaf": 5, "class_weight": None},
           fixed={"random_state": SEED}, classification_only=("class_weight",)),
)


def families_for(task: str, exclude_frameworks=None, integer_labels: bool = True) -> list[Family]:
    """The families to search. XGBoost classifiers need labels 0..k-1, so other labels skip XGBoost."""
    excluded = set(exclude_frameworks or [])
    unknown = excluded - set(FRAMEWORKS)
    if unknown:
        raise ValueError(f"exclude_frameworks has unknown frameworks {sorted(unknown)}; "
                         f"the frameworks are: {', '.join(map(repr, FRAMEWORKS))}.")
    chosen = [f for f in FAMILIES if task in f.classes and f.framework not in excluded
              and not (f.framework == "xgboost" and task == "classification" and not integer_labels)]
    if not chosen:
        raise ValueError(f"exclude_frameworks={sorted(excluded)} leaves no framework to train "
                         "(XGBoost needs class labels 0, 1, …); exclude fewer frameworks.")
    return chosen


def search_space(families: list[Family], task: str):
    """One hyperopt space: first a family, then that family's hyperparameters. Returns (space, labels)."""
    from hyperopt import hp
    from hyperopt.pyll import scope

    options, labels = [], ["family"]
    for family in families:
        params = {"family": family.key}
        for name in family.hyperparameters(task):
            kind, low, *high = family.space[name]
            label = family.label(name)
            labels.append(label)
            if kind == "int":
                params[name] = scope.int(hp.quniform(label, low, high[0], 1))
            elif kind == "float":
                params[name] = hp.uniform(label, low, high[0])
            elif kind == "log":
                params[name] = hp.loguniform(label, math.log(low), math.log(high[0]))
            else:
                params[name] = hp.choice(label, low)
        options.append(params)
    return hp.choice("family", options), labels


def default_points(families: list[Family], task: str) -> list[dict]:
    """Each family's defaults, in hyperopt's own terms (choices by position), to evaluate first."""
    points = []
    for index, family in enumerate(families):
        point = {"family": index}
        for name in family.hyperparameters(task):
            value = family.defaults[name]
            kind, low, *_ = family.space[name]
            point[family.label(name)] = low.index(value) if kind == "choice" else value
        points.append(point)
    return points


def tidy(family: Family, sampled: dict, task: str) -> dict:
    """The keyword arguments for the estimator: sampled values made readable, then the fixed ones."""
    params = {}
    for name in family.hyperparameters(task):
        value = sampled[name]
        if family.space[name][0] == "int":
            value = int(value)
        elif isinstance(value, float):
            value = float(f"{value:.4g}")
        params[name] = value
    return {**params, **family.fixed}

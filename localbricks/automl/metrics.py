"""The primary metrics AutoML accepts, the names it logs them under, and which way is better.

The options are Databricks' (``classify``: f1, log_loss, precision, accuracy, roc_auc; ``regress``:
r2, mae, rmse, mse). Logged names follow the MLflow evaluation names Databricks' trial runs carry,
with a split prefix: ``training_f1_score``, ``val_f1_score``, ``test_roc_auc``, ``val_r2_score``.
"""
from __future__ import annotations

from dataclasses import dataclass

SPLIT_PREFIXES = {"train": "training_", "val": "val_", "test": "test_"}


@dataclass(frozen=True)
class Metric:
    option: str  # what a user passes as primary_metric, e.g. "f1"
    name: str  # the logged name without its split prefix, e.g. "f1_score"
    higher_is_better: bool

    @property
    def val_name(self) -> str:
        """The name that ranks trials: the metric on the validation split, e.g. ``val_f1_score``."""
        return SPLIT_PREFIXES["val"] + self.name

    def loss(self, value: float) -> float:
        """What hyperopt minimises: the error itself, or minus the score."""
        return -value if self.higher_is_better else value

    def better(self, a: float, b: float) -> bool:
        return a > b if self.higher_is_better else a < b


CLASSIFICATION = {m.option: m for m in (
    Metric("f1", "f1_score", True),
    Metric("log_loss", "log_loss", False),
    Metric("precision", "precision_score", True),
    Metric("accuracy", "accuracy_score", True),
    Metric("roc_auc", "roc_auc", True),
)}
REGRESSION = {m.option: m for m in (
    Metric("r2", "r2_score", True),
    Metric("mae", "mean_absolute_error", False),
    Metric("rmse", "root_mean_squared_error", False),
    Metric("mse", "mean_squared_error", False),
)}


def primary_metric(task: str, option: str) -> Metric:
    """The metric for ``primary_metric=option``; an unknown option raises a ValueError listing the valid ones."""
    table = CLASSIFICATION if task == "classification" else REGRESSION
    if option not in table:
        function = "classify" if task == "classification" else "regress"
        raise ValueError(f"primary_metric={option!r} is not supported by automl.{function}; "
                         f"use one of: {', '.join(repr(o) for o in table)}.")
    return table[option]

"""What ``automl.classify`` / ``automl.regress`` return: Databricks' AutoMLSummary and TrialInfo.

The attributes are the documented ones; locally ``notebook_url`` is the notebook's file path and
``model_path`` a ``runs:/<run_id>/model`` URI in the workspace's MLflow store.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class TrialInfo:
    """One trial: its notebook, MLflow run, metrics and model."""

    notebook_path: str
    notebook_url: str
    artifact_uri: str  # the MLflow run's artifacts (the trial notebook is under notebook/)
    mlflow_run_id: str
    metrics: dict[str, float]
    params: dict[str, str]
    model_path: str
    model_description: str
    duration: str  # e.g. "0.021 minutes"
    preprocessors: str
    evaluation_metric_score: float  # the primary metric on the validation split

    def load_model(self):
        """The trial's fitted scikit-learn Pipeline (preprocessing and model), loaded from MLflow."""
        import mlflow

        return mlflow.sklearn.load_model(self.model_path)

    def __str__(self) -> str:
        return (f"TrialInfo({self.model_description}; score {self.evaluation_metric_score:.4f}; "
                f"run {self.mlflow_run_id}; notebook {self.notebook_path})")


@dataclass
class AutoMLSummary:
    """The run: its MLflow experiment, every trial, and the best one by the primary metric."""

    experiment: object  # mlflow.entities.Experiment
    trials: list[TrialInfo]
    primary_metric: str = field(repr=False, default="")  # the ranking metric's logged name, e.g. val_f1_score
    higher_is_better: bool = field(repr=False, default=True)
    output_table_name: str | None = None  # forecasting only, on Databricks

    @property
    def best_trial(self) -> TrialInfo:
        return self.trials[0]

    @property
    def metric_distribution(self) -> str:
        """How the primary metric spread over the trials, e.g. ``val_f1_score over 12 trials: min …``."""
        scores = [t.evaluation_metric_score for t in self.trials]
        return (f"{self.primary_metric} over {len(scores)} trials: min {min(scores):.4f}, "
                f"median {statistics.median(scores):.4f}, max {max(scores):.4f}")

    def __str__(self) -> str:
        best = self.best_trial
        lines = [f"AutoML experiment {self.experiment.name!r} (id {self.experiment.experiment_id}): "
                 f"{len(self.trials)} trials, ranked by {self.primary_metric} "
                 f"({'higher' if self.higher_is_better else 'lower'} is better).",
                 f"Best trial: {best.model_description}",
                 f"  {self.primary_metric} = {best.evaluation_metric_score:.4f}; MLflow run {best.mlflow_run_id}",
                 f"  model:    {best.model_path}",
                 f"  notebook: {best.notebook_path}",
                 self.metric_distribution]
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython shows str(), not a dataclass dump
        printer.text(str(self))


@dataclass
class ImportNotebookResult:
    """Where ``automl.import_notebook`` put a trial notebook."""

    path: str
    url: str

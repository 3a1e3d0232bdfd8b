"""A glass-box AutoML with Databricks' Python API: ``from databricks import automl``.

``automl.classify(df, target_col=..., primary_metric=..., timeout_minutes=...)`` and
``automl.regress(...)`` search scikit-learn, LightGBM and XGBoost models with hyperopt, log every
trial to an MLflow experiment (parameters, train/validation/test metrics, the model with its
signature) and write a notebook per trial that retrains that trial's model in plain code when run,
plus one data exploration notebook per run. Notebooks live in the workspace's ``automl/`` folder.

Modules: ``api`` (the three functions), ``dataset`` (read, check, split, save the data),
``preprocess`` (what happens to each column), ``models`` (families and search spaces),
``search`` (the hyperopt loop and MLflow logging), ``recipes`` (the code trials run, copied into
their notebooks), ``trial_notebook`` / ``exploration`` (the notebooks), ``summary`` (the results).
"""
from localbricks.automl.api import classify, import_notebook, regress
from localbricks.automl.summary import AutoMLSummary, ImportNotebookResult, TrialInfo

__all__ = ["classify", "regress", "import_notebook", "AutoMLSummary", "TrialInfo", "ImportNotebookResult"]

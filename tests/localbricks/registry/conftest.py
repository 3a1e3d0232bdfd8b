"""Fixtures: the local "databricks-uc" registry on the test workspace, and three small logged models.

Models are scikit-learn logistic regressions (skops saves linear models without trusted-type
trouble), logged once per session with an explicit signature so logging stays fast.
"""
from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from tests_support import uc_registry


@pytest.fixture(scope="module")
def uc(experiment_id):
    """What a notebook has after ``activate()`` and ``mlflow.set_registry_uri("databricks-uc")``.

    Returns an ``MlflowClient``. Module-scoped so the registry URI and the plugin switch are
    restored before any other package's tests run.
    """
    with uc_registry() as client:
        yield client


@pytest.fixture(scope="session")
def experiment_id():
    """An experiment in the test workspace's tracking store (the one ``activate()`` configures)."""
    import mlflow

    from localbricks import tracking

    tracking.configure()
    client = mlflow.MlflowClient()
    found = client.get_experiment_by_name("/Shared/registry_tests")
    return found.experiment_id if found else client.create_experiment("/Shared/registry_tests")


@pytest.fixture(scope="session")
def models(experiment_id):
    """``X``, ``fitted`` models and logged ones: ``a`` predicts ``y``, ``b`` predicts ``1 - y`` (so a load shows
    which one it got), ``unsigned`` has no signature; ``run_id`` is the run that logged ``a``."""
    import mlflow
    import numpy as np
    import pandas as pd
    from mlflow.models import infer_signature
    from sklearn.linear_model import LogisticRegression

    X = pd.DataFrame({"tenure": np.arange(40.0), "calls": np.arange(40.0) % 5})
    y = (X.tenure > 19).astype(int)
    fitted = {"a": LogisticRegression().fit(X, y), "b": LogisticRegression().fit(X, 1 - y)}
    logged = {}
    for key, model in fitted.items():
        with mlflow.start_run(experiment_id=experiment_id) as run:
            logged[key] = mlflow.sklearn.log_model(
                model, name="model", signature=infer_signature(X, model.predict(X)),
                pip_requirements=["scikit-learn"])
        logged[f"{key}_run"] = run.info.run_id
    with mlflow.start_run(experiment_id=experiment_id):
        logged["unsigned"] = mlflow.sklearn.log_model(fitted["a"], name="model",
                                                      pip_requirements=["scikit-learn"])
    return SimpleNamespace(X=X, fitted=fitted,
                           expected={key: model.predict(X) for key, model in fitted.items()},
                           a=logged["a"], b=logged["b"], unsigned=logged["unsigned"],
                           run_id=logged["a_run"])


@pytest.fixture
def name():
    """A fresh three-level model name, so tests never see each other's versions."""
    return f"main.default.m_{uuid.uuid4().hex[:10]}"

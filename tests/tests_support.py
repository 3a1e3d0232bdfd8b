"""Shared helpers for tests (imported by name: pytest puts tests/ on sys.path via rootdir conftest)."""
import contextlib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def uc_registry():
    """What a notebook has after ``activate()`` and ``mlflow.set_registry_uri("databricks-uc")``:
    yields an ``MlflowClient`` on the local Unity Catalog registry, and restores the registry URI
    and the plugin switch afterwards so other tests see MLflow as they left it."""
    import mlflow
    import pytest
    from mlflow.tracking._model_registry import utils as registry_utils

    from localbricks import registry

    patch = pytest.MonkeyPatch()
    patch.setenv(registry.LOCAL_ENV, "")  # recorded, so undo() restores the variable's old state
    patch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    patch.setattr(registry_utils, "_registry_uri", None)
    try:
        registry.install()
        mlflow.set_registry_uri("databricks-uc")
        yield mlflow.MlflowClient()
    finally:
        patch.undo()


def churn_customers(seed: int, n: int = 80):
    """A small churn-shaped frame (id, tenure, spend, label) whose label a model can learn."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"customer_id": [f"C{i:04d}" for i in range(n)],
                          "tenure_months": rng.integers(0, 60, n).astype(float),
                          "monthly_spend": rng.uniform(5, 120, n).round(2)})
    frame["churned"] = ((frame.tenure_months < 15) & (frame.monthly_spend > 40)).astype(int)
    return frame

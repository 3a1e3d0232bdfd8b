"""Fixtures the real pipeline runs share."""
import uuid

import pytest

from tests_support import uc_registry


@pytest.fixture(scope="module")
def champion(spark):
    """A tiny churn model registered in the local Unity Catalog registry, aliased ``champion``."""
    with uc_registry():
        yield _register_champion()


def _register_champion():
    import mlflow
    import numpy as np
    import pandas as pd
    from mlflow.models import infer_signature
    from sklearn.linear_model import LogisticRegression

    X = pd.DataFrame({"tenure": np.arange(0.0, 40.0), "calls": np.arange(40.0) % 5})
    model = LogisticRegression().fit(X, (X.tenure < 20).astype(int))
    signature = infer_signature(X, pd.Series(model.predict(X), name="prediction"))
    name = f"main.default.pipeline_churn_{uuid.uuid4().hex[:8]}"
    info = mlflow.sklearn.log_model(model, name="model", signature=signature, serialization_format="cloudpickle",
                                    pip_requirements=["scikit-learn"], registered_model_name=name)
    mlflow.MlflowClient().set_registered_model_alias(name, "champion", info.registered_model_version)
    return f"models:/{name}@champion", model

"""Fixtures the real pipeline runs share."""
import uuid

import pytest


@pytest.fixture(scope="module")
def champion(spark):
    """A tiny churn model registered in the local Unity Catalog registry, aliased ``champion``."""
    import mlflow
    import numpy as np
    import pandas as pd
    from mlflow.models import infer_signature
    from mlflow.tracking._model_registry import utils as registry_utils
    from sklearn.linear_model import LogisticRegression

    from localbricks import registry

    patch = pytest.MonkeyPatch()
    patch.setenv(registry.LOCAL_ENV, "")  # recorded, so undo() restores the variable's old state
    patch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    patch.setattr(registry_utils, "_registry_uri", None)
    registry.install()
    mlflow.set_registry_uri("databricks-uc")

    X = pd.DataFrame({"tenure": np.arange(0.0, 40.0), "calls": np.arange(40.0) % 5})
    model = LogisticRegression().fit(X, (X.tenure < 20).astype(int))
    signature = infer_signature(X, pd.Series(model.predict(X), name="prediction"))
    name = f"main.default.pipeline_churn_{uuid.uuid4().hex[:8]}"
    info = mlflow.sklearn.log_model(model, name="model", signature=signature, serialization_format="cloudpickle",
                                    pip_requirements=["scikit-learn"], registered_model_name=name)
    mlflow.MlflowClient().set_registered_model_alias(name, "champion", info.registered_model_version)
    yield f"models:/{name}@champion", model
    patch.undo()

"""Fixtures: small registered models; the serving service, the real SDK client and ``new_endpoint`` come from
``serving_support``, which tests/grader/checks shares.

Models are logged once per session. Besides a scikit-learn classifier, three pyfunc models are
written as MLflow "models from code" (their code travels with the model, so the service process can
load them): one that answers a constant, one that raises in ``predict``, and a slow one that
reports how many of its predictions run at once.
"""
from __future__ import annotations

import textwrap
import uuid

import pytest

from serving_support import new_endpoint, service, w  # noqa: F401  (fixtures, shared with tests/grader/checks)

SCHEMA = "main.serving_tests"
COLUMNS = ["a", "b"]

_CONSTANT = """
import mlflow
class Constant(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        self.value = float(context.model_config["value"])
    def predict(self, context, model_input, params=None):
        return [self.value] * len(model_input)
mlflow.models.set_model(Constant())
"""
_RAISING = """
import mlflow
class Raising(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        raise ZeroDivisionError("SECRET-INSIDE-MODEL")
mlflow.models.set_model(Raising())
"""
_SLOW = """
import threading, time
import mlflow
class Slow(mlflow.pyfunc.PythonModel):
    lock, running = threading.Lock(), 0
    def predict(self, context, model_input, params=None):
        with Slow.lock:
            Slow.running += 1
            seen = Slow.running
        time.sleep(0.3)
        with Slow.lock:
            Slow.running -= 1
        return [float(seen)] * len(model_input)
mlflow.models.set_model(Slow())
"""
_SLOW_LOAD = """
import time
import mlflow
class SlowToLoad(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        time.sleep(2)
    def predict(self, context, model_input, params=None):
        return [0.0] * len(model_input)
mlflow.models.set_model(SlowToLoad())
"""


def _frame():
    import pandas as pd

    return pd.DataFrame({"a": [float(i) for i in range(20)], "b": [float(i % 3) for i in range(20)]})


def _log_code_model(tmp, name, code, registered, model_config=None):
    import mlflow
    import numpy as np
    from mlflow.models import infer_signature

    path = tmp / f"{name}.py"
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(name="model", python_model=str(path), model_config=model_config,
                                       signature=infer_signature(_frame(), np.zeros(20)),
                                       pip_requirements=["mlflow"], registered_model_name=registered)
    return info.registered_model_version


@pytest.fixture(scope="session")
def models(service, tmp_path_factory):
    """Registered versions: ``clf`` (logistic regression, v1), ``const`` (v1 answers 1.0, v2 answers 2.0),
    ``raising``, ``slow`` (reports its concurrency) and ``slow_load`` (takes 2 s to load); each a (name, version) pair."""
    import mlflow
    from mlflow.models import infer_signature
    from sklearn.linear_model import LogisticRegression

    tmp = tmp_path_factory.mktemp("serving-models")
    suffix = uuid.uuid4().hex[:6]
    mlflow.set_registry_uri("databricks-uc")
    X = _frame()
    y = (X.a > 9).astype(int)
    clf = LogisticRegression().fit(X, y)
    clf_name = f"{SCHEMA}.clf_{suffix}"
    with mlflow.start_run():
        mlflow.sklearn.log_model(clf, name="model", signature=infer_signature(X, clf.predict(X)),
                                 serialization_format="cloudpickle", pip_requirements=["scikit-learn"],
                                 registered_model_name=clf_name)
    const = f"{SCHEMA}.const_{suffix}"
    v1 = _log_code_model(tmp, "const1", _CONSTANT, const, {"value": 1})
    v2 = _log_code_model(tmp, "const2", _CONSTANT, const, {"value": 2})
    raising, slow = f"{SCHEMA}.raising_{suffix}", f"{SCHEMA}.slow_{suffix}"
    return {"clf": (clf_name, "1"), "clf_model": clf, "const1": (const, str(v1)), "const2": (const, str(v2)),
            "raising": (raising, str(_log_code_model(tmp, "raising", _RAISING, raising))),
            "slow": (slow, str(_log_code_model(tmp, "slow", _SLOW, slow))),
            "slow_load": (f"{SCHEMA}.slow_load_{suffix}",
                          str(_log_code_model(tmp, "slow_load", _SLOW_LOAD, f"{SCHEMA}.slow_load_{suffix}")))}

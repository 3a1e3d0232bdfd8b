"""What makes a model unservable, checked on the loaded model itself (Unity Catalog refuses to register an
unsigned model, so an endpoint meets one only from another registry)."""
import mlflow
import pandas as pd
import pytest

from localbricks.serving.config import Entity
from localbricks.serving.entities import DeploymentFailed, _check_servable

SPEC = Entity("m", "main.x.m", "1", "Small", False, 4)


class _Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input


def _saved(tmp_path, **kwargs):
    path = tmp_path / "model"
    mlflow.pyfunc.save_model(str(path), python_model=_Echo(), **kwargs)
    return mlflow.pyfunc.load_model(str(path))


def test_a_model_without_a_signature_cannot_be_served(tmp_path):
    with pytest.raises(DeploymentFailed, match="no signature"):
        _check_servable(_saved(tmp_path), SPEC)


def test_a_signed_model_can(tmp_path):
    from mlflow.models import infer_signature

    frame = pd.DataFrame({"a": [1.0]})
    _check_servable(_saved(tmp_path, signature=infer_signature(frame, frame)), SPEC)

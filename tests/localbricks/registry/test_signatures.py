"""Refusal: a version needs a signature with inputs and outputs; the error says how to add one."""
import mlflow
import pytest
from mlflow.models import ModelSignature, infer_signature

from localbricks.registry.rules import SignatureRequiredError


def _says_how_to_fix(error):
    message = str(error)
    return "signature=" in message and "input_example=" in message and "infer_signature" in message


def test_register_model_refuses_a_model_without_signature(uc, models, name):
    with pytest.raises(SignatureRequiredError) as caught:
        mlflow.register_model(models.unsigned.model_uri, name)
    assert "has no signature" in str(caught.value) and _says_how_to_fix(caught.value)
    assert uc.search_model_versions(f"name='{name}'") == []


def test_log_model_with_registered_model_name_refuses_a_model_without_signature(
        uc, models, name, experiment_id):
    with mlflow.start_run(experiment_id=experiment_id), pytest.raises(SignatureRequiredError) as caught:
        mlflow.sklearn.log_model(models.fitted["a"], name="model", registered_model_name=name,
                                 pip_requirements=["scikit-learn"])
    assert _says_how_to_fix(caught.value)


def test_create_model_version_refuses_a_model_without_signature(uc, models, name):
    uc.create_registered_model(name)
    with pytest.raises(SignatureRequiredError):
        uc.create_model_version(name, source=models.unsigned.model_uri)


def test_a_signature_with_inputs_only_is_refused(uc, models, name, experiment_id):
    inputs_only = ModelSignature(inputs=infer_signature(models.X).inputs)
    with mlflow.start_run(experiment_id=experiment_id):
        info = mlflow.sklearn.log_model(models.fitted["a"], name="model", signature=inputs_only,
                                        pip_requirements=["scikit-learn"])
    with pytest.raises(SignatureRequiredError, match="inputs only"):
        mlflow.register_model(info.model_uri, name)

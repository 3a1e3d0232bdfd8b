"""Aliases: champion/challenger, loading by alias, and moving an alias to a new version."""
import mlflow
import numpy as np
import pytest
from mlflow.exceptions import MlflowException


@pytest.fixture
def two_versions(uc, models, name):
    mlflow.register_model(models.a.model_uri, name)  # version 1 predicts y
    mlflow.register_model(models.b.model_uri, name)  # version 2 predicts 1 - y
    return name


def test_set_alias_and_get_version_by_alias(uc, two_versions):
    uc.set_registered_model_alias(two_versions, "champion", 1)
    uc.set_registered_model_alias(two_versions, "challenger", "2")
    assert uc.get_model_version_by_alias(two_versions, "champion").version == "1"  # a string, as in UC
    assert uc.get_model_version_by_alias(two_versions, "challenger").version == "2"
    assert uc.get_registered_model(two_versions).aliases == {"champion": "1", "challenger": "2"}
    assert uc.get_model_version(two_versions, 2).aliases == ["challenger"]


def test_loading_by_alias_follows_the_alias_when_champion_is_reassigned(uc, models, two_versions):
    uri = f"models:/{two_versions}@champion"  # what downstream code keeps: no version number
    uc.set_registered_model_alias(two_versions, "champion", 1)
    np.testing.assert_array_equal(mlflow.pyfunc.load_model(uri).predict(models.X),
                                  models.expected["a"])
    uc.set_registered_model_alias(two_versions, "champion", 2)  # the challenger won
    np.testing.assert_array_equal(mlflow.pyfunc.load_model(uri).predict(models.X),
                                  models.expected["b"])
    assert uc.get_model_version_by_alias(two_versions, "champion").version == "2"


def test_delete_alias(uc, two_versions):
    uc.set_registered_model_alias(two_versions, "champion", 1)
    uc.delete_registered_model_alias(two_versions, "champion")
    assert uc.get_registered_model(two_versions).aliases == {}
    with pytest.raises(MlflowException, match="champion"):
        uc.get_model_version_by_alias(two_versions, "champion")
    with pytest.raises(MlflowException):
        mlflow.pyfunc.load_model(f"models:/{two_versions}@champion")

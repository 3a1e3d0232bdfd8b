"""Registering versions (every way the course does it), loading them back, and searching."""
import mlflow
import numpy as np
import pytest
from mlflow.exceptions import MlflowException

from localbricks.registry.rules import UnsupportedArgumentError
from localbricks.registry.store import UnityCatalogLocalStore


def _predict(uri, X):
    return mlflow.pyfunc.load_model(uri).predict(X)


def test_the_registry_behind_databricks_uc_is_the_local_store(uc):
    assert isinstance(uc._get_registry_client().store, UnityCatalogLocalStore)


def test_register_model_then_load_by_version_round_trips(uc, models, name):
    version = mlflow.register_model(models.a.model_uri, name)
    assert version.version == "1" and version.name == name  # UC numbers versions in strings
    np.testing.assert_array_equal(_predict(f"models:/{name}/1", models.X), models.expected["a"])


def test_log_model_with_registered_model_name_creates_a_version(uc, models, name, experiment_id):
    with mlflow.start_run(experiment_id=experiment_id):
        info = mlflow.sklearn.log_model(models.fitted["b"], name="model", registered_model_name=name,
                                        input_example=models.X.head(3),  # infers the signature
                                        pip_requirements=["scikit-learn"])
    assert info.registered_model_version == "1"
    np.testing.assert_array_equal(mlflow.sklearn.load_model(f"models:/{name}/1").predict(models.X),
                                  models.expected["b"])


def test_client_api_create_registered_model_and_create_model_version(uc, models, name):
    model = uc.create_registered_model(name, tags={"team": "churn"}, description="Churn classifier")
    assert (model.name, model.description, model.tags) == (name, "Churn classifier", {"team": "churn"})
    first = uc.create_model_version(name, source=models.a.model_uri, run_id=models.run_id,
                                    description="baseline")
    # the exam's form: the run's model by its runs:/ URI
    second = uc.create_model_version(name, source=f"runs:/{models.run_id}/model",
                                     run_id=models.run_id)
    assert (first.version, second.version) == ("1", "2")
    assert uc.get_model_version(name, 1).description == "baseline"
    for version in (1, 2):
        np.testing.assert_array_equal(_predict(f"models:/{name}/{version}", models.X),
                                      models.expected["a"])


def test_create_model_version_needs_the_registered_model_first(uc, models, name):
    with pytest.raises(MlflowException, match="not found"):
        uc.create_model_version(name, source=models.a.model_uri)


def test_versions_have_no_stage_and_models_no_latest_versions(uc, models, name):
    version = mlflow.register_model(models.a.model_uri, name)
    assert version.current_stage is None
    assert uc.get_model_version(name, version.version).current_stage is None
    assert uc.get_registered_model(name).latest_versions == []


def test_search_model_versions_by_name(uc, models, name):
    mlflow.register_model(models.a.model_uri, name)
    mlflow.register_model(models.b.model_uri, name)
    mlflow.register_model(models.a.model_uri, f"{name}_other")
    hits = uc.search_model_versions(f"name='{name}'")
    assert sorted(int(v.version) for v in hits) == [1, 2]
    assert {v.name for v in hits} == {name}
    highest = max(hits, key=lambda v: int(v.version))  # UC's "latest": the highest version
    np.testing.assert_array_equal(_predict(f"models:/{name}/{highest.version}", models.X),
                                  models.expected["b"])


def test_search_hits_carry_no_tags_as_in_unity_catalog(uc, models, name):
    mlflow.register_model(models.a.model_uri, name)
    uc.set_model_version_tag(name, 1, "validated", "true")
    [hit] = uc.search_model_versions(f"name='{name}'")
    with pytest.raises(Exception, match="get_model_version"):
        hit.tags()
    assert uc.get_model_version(name, 1).tags == {"validated": "true"}


def test_search_registered_models_lists_models_but_refuses_filters(uc, models, name):
    uc.create_registered_model(name)
    assert name in {m.name for m in uc.search_registered_models(max_results=1000)}
    with pytest.raises(UnsupportedArgumentError, match="filter_string"):
        uc.search_registered_models(filter_string=f"name = '{name}'")
    with pytest.raises(UnsupportedArgumentError, match="order_by"):
        uc.search_model_versions(f"name='{name}'", order_by=["version_number DESC"])


def test_copy_model_version_to_another_model(uc, models, name):
    mlflow.register_model(models.a.model_uri, name)
    copy = uc.copy_model_version(f"models:/{name}/1", f"{name}_copy")
    assert (copy.name, copy.version) == (f"{name}_copy", "1")
    np.testing.assert_array_equal(_predict(f"models:/{name}_copy/1", models.X), models.expected["a"])

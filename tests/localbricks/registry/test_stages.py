"""Refusal: Unity Catalog has no stages; every stage path points to aliases instead."""
import mlflow
import pytest

from localbricks.registry.rules import StagesNotSupportedError


@pytest.fixture
def registered(uc, models, name):
    mlflow.register_model(models.a.model_uri, name)
    return name


def test_transition_model_version_stage_is_refused_pointing_to_aliases(uc, registered):
    with pytest.warns(FutureWarning):  # MLflow's own deprecation warning comes first
        with pytest.raises(StagesNotSupportedError) as caught:
            uc.transition_model_version_stage(registered, 1, "Production")
    message = str(caught.value)
    assert "no stages" in message
    assert "set_registered_model_alias" in message and f"models:/{registered}@champion" in message


@pytest.mark.parametrize("suffix", ["Production", "Staging", "latest"])
def test_loading_by_stage_or_latest_is_refused_pointing_to_aliases(uc, registered, suffix):
    with pytest.raises(StagesNotSupportedError, match=f"models:/{registered}@champion"):
        mlflow.pyfunc.load_model(f"models:/{registered}/{suffix}")


def test_get_latest_versions_is_refused(uc, registered):
    with pytest.warns(FutureWarning):
        with pytest.raises(StagesNotSupportedError, match="no stages"):
            uc.get_latest_versions(registered, stages=["Production"])


def test_the_version_is_untouched_by_a_refused_transition(uc, registered):
    with pytest.warns(FutureWarning), pytest.raises(StagesNotSupportedError):
        uc.transition_model_version_stage(registered, 1, "Archived")
    assert uc.get_model_version(registered, 1).current_stage is None

"""Rule: registered models have three-level names, ``catalog.schema.model``."""
import mlflow
import pytest
from mlflow.exceptions import MlflowException

from localbricks.errors import ThreeLevelNameError
from localbricks.registry.rules import ModelNameError, model_name


def test_a_two_level_name_is_refused_with_the_reason_and_the_fix(uc):
    with pytest.raises(ModelNameError) as caught:
        uc.create_registered_model("default.churn")
    message = str(caught.value)
    assert "three levels" in message and "has 2" in message
    assert "main.default.churn" in message  # the fix
    assert "schema of a catalog" in message  # the why
    # code written for Databricks catches MlflowException; localbricks code catches ours
    assert isinstance(caught.value, MlflowException)
    assert isinstance(caught.value, ThreeLevelNameError)


@pytest.mark.parametrize("bad", ["churn", "a.b.c.d", "main.default.1churn", ""])
def test_other_malformed_names_are_refused(uc, bad):
    with pytest.raises(ModelNameError):
        uc.create_registered_model(bad)


def test_register_model_and_log_model_refuse_a_two_level_name(uc, models, experiment_id):
    with pytest.raises(ModelNameError):
        mlflow.register_model(models.a.model_uri, "default.churn")
    with pytest.raises(ModelNameError):
        with mlflow.start_run(experiment_id=experiment_id):
            mlflow.sklearn.log_model(models.fitted["a"], name="model", registered_model_name="churn",
                                     pip_requirements=["scikit-learn"])


def test_every_call_that_takes_a_name_checks_it(uc):
    for call in (lambda: uc.get_registered_model("default.churn"),
                 lambda: uc.get_model_version("default.churn", 1),
                 lambda: uc.set_registered_model_alias("default.churn", "champion", 1),
                 lambda: uc.get_model_version_by_alias("default.churn", "champion"),
                 lambda: uc.set_model_version_tag("default.churn", 1, "k", "v"),
                 lambda: uc.delete_registered_model("default.churn")):
        with pytest.raises(ModelNameError):
            call()


def test_names_are_case_insensitive_and_stored_lower_case(uc, name):
    created = uc.create_registered_model(name.upper())
    assert created.name == name
    assert uc.get_registered_model(name.replace("main", "MAIN")).name == name


def test_a_backticked_part_keeps_its_backticks_so_the_name_parses_again():
    assert model_name("main.ml.`my-model`") == "main.ml.`my-model`"
    assert model_name(model_name("Main.ML.`My-Model`")) == "main.ml.`my-model`"

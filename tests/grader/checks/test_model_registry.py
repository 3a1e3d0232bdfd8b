"""Both sides of every notebook-06 check, on the local Unity Catalog registry."""
import uuid

import numpy as np
import pandas as pd
import pytest

from grader.checks import model_registry as checks
from grader.testing import assert_check_failed, assert_check_passed
from quiz_support import assert_quiz_graded_from_bank


@pytest.fixture(scope="module")
def data():
    X = pd.DataFrame({"tenure": np.arange(60.0), "calls": np.arange(60.0) % 7})
    return X, (X.tenure > 40).astype(int)


def _log(X, y, C):
    import mlflow
    from mlflow.models import infer_signature
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, max_iter=500).fit(X, y)
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(model, name="model", signature=infer_signature(X, model.predict(X)),
                                 pip_requirements=["scikit-learn"])
    return run.info.run_id


@pytest.fixture(scope="module")
def registered(uc, data):
    """A model with a weak version 1 (predicts all zeros) and a good version 2."""
    import mlflow

    X, y = data
    name = f"main.check_tests.churn_{uuid.uuid4().hex[:6]}"
    weak_run, good_run = _log(X, y, 1e-6), _log(X, y, 100.0)
    v1 = mlflow.register_model(f"runs:/{weak_run}/model", name)
    v2 = uc.create_model_version(name=name, source=f"runs:/{good_run}/model", run_id=good_run)
    return {"name": name, "v1": v1, "v2": int(v2.version), "weak_run": weak_run}


def test_register(uc, registered):
    assert_check_passed(checks.check_register, registered["v1"], registered["name"])
    assert_check_failed(checks.check_register, registered["v1"], "main.check_tests.other_model", match="not of")
    assert_check_failed(checks.check_register, registered["v1"], "check_tests.churn", match="three levels")


def test_client_register(registered, uc):
    assert_check_passed(checks.check_client_register, registered["v2"], int(registered["v1"].version), registered["name"])
    assert_check_failed(checks.check_client_register, int(registered["v1"].version), registered["v2"], registered["name"],
                        match="newer version")
    assert_check_failed(checks.check_client_register, 99, 1, registered["name"], match="no version 99")
    as_returned = uc.get_model_version(registered["name"], str(registered["v2"])).version  # a string, as in UC
    assert_check_failed(checks.check_client_register, as_returned, int(registered["v1"].version), registered["name"],
                        match="should be an int")


def test_tags(registered, uc):
    name, v1 = registered["name"], registered["v1"].version
    uc.set_registered_model_tag(name, "temporary", "x")
    uc.set_registered_model_tag(name, "team", "ml-platform")
    uc.set_model_version_tag(name, v1, "validated", "true")
    assert_check_failed(checks.check_tags, name, v1, match="temporary")
    uc.delete_registered_model_tag(name, "temporary")
    assert_check_passed(checks.check_tags, name, v1)
    uc.set_model_version_tag(name, v1, "validated", "True")
    assert_check_failed(checks.check_tags, name, v1, match="validated = true")
    uc.set_model_version_tag(name, v1, "validated", "true")


def test_aliases(registered, uc):
    name, v1, v2 = registered["name"], int(registered["v1"].version), registered["v2"]
    uc.set_registered_model_alias(name, "champion", str(v2))  # swapped
    uc.set_registered_model_alias(name, "challenger", str(v1))
    assert_check_failed(checks.check_aliases, name, v1, v2, match="'champion' points at the wrong version")
    uc.set_registered_model_alias(name, "champion", str(v1))
    uc.set_registered_model_alias(name, "challenger", str(v2))
    assert_check_passed(checks.check_aliases, name, v1, v2)


def test_aliases_fail_when_an_alias_is_missing(registered, uc):
    name, v1, v2 = registered["name"], int(registered["v1"].version), registered["v2"]
    uc.set_registered_model_alias(name, "champion", str(v1))
    uc.delete_registered_model_alias(name, "challenger")
    try:
        assert_check_failed(checks.check_aliases, name, v1, v2, match="no 'challenger' alias yet")
        assert_check_failed(checks.check_aliases, "main.check_tests.never_registered", v1, v2, match="no 'champion' alias yet")
    finally:
        uc.set_registered_model_alias(name, "challenger", str(v2))


def _course_bug(*args, **kwargs):
    raise RuntimeError("course bug")


def _store_down(*args, **kwargs):  # an MLflow error, but not the registry's "not found"
    from mlflow.exceptions import MlflowException

    raise MlflowException("the registry is unreachable", error_code="TEMPORARILY_UNAVAILABLE")


@pytest.mark.parametrize("broken", [_course_bug, _store_down])
def test_registry_errors_that_are_not_the_learners_propagate(registered, uc, monkeypatch, broken):
    """Only the registry's "not found" answers are a learner's missing step; a course bug or a broken
    store keeps its own traceback instead of a teaching message."""
    import mlflow

    name, v1, v2 = registered["name"], int(registered["v1"].version), registered["v2"]
    expected = RuntimeError if broken is _course_bug else mlflow.exceptions.MlflowException
    monkeypatch.setattr(mlflow.MlflowClient, "get_model_version_by_alias", broken)
    monkeypatch.setattr(mlflow.MlflowClient, "get_model_version", broken)
    with pytest.raises(expected, match="course bug|unreachable"):
        checks.check_aliases(name, v1, v2)
    with pytest.raises(expected, match="course bug|unreachable"):
        checks.check_client_register(v2, v1, name)


def test_load_by_alias_follows_the_alias(registered, uc, data):
    import mlflow

    name, v1 = registered["name"], registered["v1"].version
    uc.set_registered_model_alias(name, "champion", v1)
    X = data[0]

    def by_alias(df):
        return mlflow.pyfunc.load_model(f"models:/{name}@champion").predict(df)

    assert_check_passed(checks.check_load_by_alias, by_alias, name, X)
    pinned = mlflow.pyfunc.load_model(f"models:/{name}/{v1}")  # loaded once, by number

    def by_version(df):
        return pinned.predict(df)

    assert_check_failed(checks.check_load_by_alias, by_version, name, X, match="still used the old model")
    assert uc.get_model_version_by_alias(name, "champion").version == v1  # the check put the alias back


def test_promotion(registered, uc, data):
    name = registered["name"]
    X, y = data
    uc.set_registered_model_alias(name, "champion", registered["v1"].version)  # the weak one
    assert_check_failed(checks.check_promotion, name, X, y, match="best validation F1")
    uc.set_registered_model_alias(name, "champion", str(registered["v2"]))
    assert_check_passed(checks.check_promotion, name, X, y)


def test_promote_code_or_model():
    assert_quiz_graded_from_bank(checks.check_promote_code_or_model, "06.promote_code_or_model")


def test_uc_registry_benefits():
    assert_quiz_graded_from_bank(checks.check_uc_registry_benefits, "06.uc_registry_benefits")

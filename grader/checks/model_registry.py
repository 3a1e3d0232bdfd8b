"""Checks for notebook 06, the Unity Catalog model registry. They read the registry itself
(versions, tags, aliases) with the MLflow client, so what is graded is the learner's real state."""
from __future__ import annotations

import numbers

from grader import exercise
from grader.answer_key import check_quiz

DOMAIN = "Databricks Machine Learning"


def _client():
    from mlflow import MlflowClient

    return MlflowClient()


# The registry's "that does not exist" answers, which a learner's missing step causes. Any other
# error (a course bug, a broken store) is not the learner's and propagates with its own traceback.
NOT_FOUND = "RESOURCE_DOES_NOT_EXIST"
UNKNOWN_ALIAS = "INVALID_PARAMETER_VALUE"  # what MLflow's registry store answers for an alias never set


def _version(name, version, what):
    from mlflow.exceptions import MlflowException

    try:
        return _client().get_model_version(name, str(version))
    except MlflowException as exc:
        if exc.error_code != NOT_FOUND:
            raise
        raise AssertionError(f"{what}: there is no version {version} of {name} in the registry.") from None


@exercise("06.register_three_level", domain=DOMAIN, objective="1.14", hints=[
    "mlflow.set_registry_uri('databricks-uc') first; then mlflow.register_model(model_uri, name).",
    "model_uri is 'runs:/<run_id>/model'; name has three parts: catalog.schema.model.",
    "register_model returns a ModelVersion: keep its .version.",
])
def check_register(registered, model_name):
    import mlflow

    assert mlflow.get_registry_uri() == "databricks-uc", "Point MLflow at the Unity Catalog registry: mlflow.set_registry_uri('databricks-uc')."
    assert model_name.count(".") == 2, "Unity Catalog model names have three levels: catalog.schema.model."
    assert hasattr(registered, "version") and hasattr(registered, "name"), "registered should be the ModelVersion that register_model returned."
    assert registered.name == model_name.lower(), f"registered is a version of {registered.name}, not of {model_name}."
    version = _version(model_name, registered.version, "registered")
    assert version.run_id, "The version should come from a run's logged model (runs:/<run_id>/model)."


@exercise("06.client_api_register", domain=DOMAIN, objective="1.14", hints=[
    "MlflowClient().create_model_version(name=..., source=..., run_id=...) adds a version to an existing model.",
    "source is the logged model's URI, e.g. f'runs:/{run_id}/model' or model_info.model_uri.",
    "Unity Catalog returns .version as a string ('2'): challenger_version = int(challenger.version).",
])
def check_client_register(challenger_version, champion_version, model_name):
    assert isinstance(challenger_version, numbers.Integral) and not isinstance(challenger_version, bool), \
        ("challenger_version should be an int. Unity Catalog returns ModelVersion.version as a string, and strings "
         "order '10' before '9': keep int(<the ModelVersion>.version).")
    challenger = _version(model_name, challenger_version, "challenger_version")
    champion = _version(model_name, champion_version, "champion_version")
    assert int(challenger.version) > int(champion.version), "The challenger should be a newer version than the champion."
    assert challenger.run_id != champion.run_id, "The challenger should be the second model you trained, from its own run."


@exercise("06.tags", domain=DOMAIN, objective="1.17", hints=[
    "client.set_registered_model_tag(name, key, value) tags the model; client.set_model_version_tag(name, version, key, value) one version.",
    "client.delete_registered_model_tag(name, key) removes a model tag.",
    "Read them back with client.get_registered_model(name).tags and client.get_model_version(name, v).tags.",
])
def check_tags(model_name, champion_version):
    client = _client()
    model_tags = client.get_registered_model(model_name).tags
    assert model_tags.get("team") == "ml-platform", "Tag the registered model with team = ml-platform."
    assert "temporary" not in model_tags, "The 'temporary' tag is still on the model: delete it."
    version_tags = client.get_model_version(model_name, str(champion_version)).tags
    assert version_tags.get("validated") == "true", "Tag the champion's version with validated = true (tag values are strings)."


@exercise("06.aliases", domain=DOMAIN, objective="1.18", hints=[
    "client.set_registered_model_alias(name, alias, version) points an alias at a version.",
    "Two aliases: 'champion' for the version in production, 'challenger' for the one being evaluated.",
])
def check_aliases(model_name, champion_version, challenger_version):
    from mlflow.exceptions import MlflowException

    client = _client()
    for alias, version in (("champion", champion_version), ("challenger", challenger_version)):
        try:
            got = client.get_model_version_by_alias(model_name, alias)
        except MlflowException as exc:
            if exc.error_code not in (UNKNOWN_ALIAS, NOT_FOUND):
                raise
            raise AssertionError(f"The model has no '{alias}' alias yet.") from None
        assert int(got.version) == int(version), f"'{alias}' points at the wrong version."


@exercise("06.load_by_alias", domain=DOMAIN, objective="1.18", hints=[
    "Load with mlflow.pyfunc.load_model(f'models:/{MODEL_NAME}@champion') inside the function.",
    "Load inside the function on each call, so that moving the alias changes what it loads: no version numbers in downstream code.",
])
def check_load_by_alias(score_with_champion, model_name, sample):
    import mlflow
    import numpy as np

    client = _client()
    assert callable(score_with_champion), "score_with_champion should be a function taking a pandas DataFrame."
    original = client.get_model_version_by_alias(model_name, "champion").version
    versions = sorted({int(v.version) for v in client.search_model_versions(f"name='{model_name}'")})
    other = next((v for v in versions if v != int(original)), None)
    assert other is not None, "Register a second version before this exercise."

    def expected(version):
        return np.asarray(mlflow.pyfunc.load_model(f"models:/{model_name}/{version}").predict(sample)).ravel()

    try:
        got = np.asarray(score_with_champion(sample)).ravel()
        assert np.allclose(got, expected(original)), "score_with_champion does not return the champion's predictions."
        client.set_registered_model_alias(model_name, "champion", str(other))
        moved = np.asarray(score_with_champion(sample)).ravel()
        if not np.allclose(expected(other), expected(original)):
            assert np.allclose(moved, expected(other)), \
                "After the champion alias moved, score_with_champion still used the old model: load by alias, not by version."
    finally:
        client.set_registered_model_alias(model_name, "champion", str(original))


@exercise("06.promote_challenger", domain=DOMAIN, objective="1.18", hints=[
    "Score both aliases on the validation data and compare one metric (e.g. ROC AUC from predict_proba, or F1).",
    "If the challenger wins, set_registered_model_alias(name, 'champion', challenger_version).",
])
def check_promotion(model_name, X_val, y_val):
    import mlflow
    import numpy as np
    from sklearn.metrics import f1_score

    client = _client()
    versions = client.search_model_versions(f"name='{model_name}'")
    scores = {}
    for v in versions:
        pred = mlflow.pyfunc.load_model(f"models:/{model_name}/{v.version}").predict(X_val)
        scores[int(v.version)] = f1_score(np.asarray(y_val).ravel(), np.rint(np.asarray(pred, dtype=float).ravel()))
    champion = int(client.get_model_version_by_alias(model_name, "champion").version)
    best = max(scores, key=scores.get)
    assert scores[champion] >= scores[best] - 1e-12, "The champion alias is not on the version with the best validation F1."


@exercise("06.uc_registry_benefits", domain=DOMAIN, objective="1.15", hints=[
    "Unity Catalog's registry lives in the metastore, not in one workspace.",
    "Think of what Unity Catalog does for every securable: grants, and lineage between tables, models and endpoints.",
])
def check_uc_registry_benefits(registry_answers):
    """Graded from the question bank: the items of quiz("06.uc_registry_benefits") and their keys."""
    check_quiz("06.uc_registry_benefits", registry_answers, variable="registry_answers")


@exercise("06.promote_code_or_model", domain=DOMAIN, objective="1.16", hints=[
    "Promote the model when the same trained artifact can serve in every environment (same data everywhere).",
    "Promote the code when production must retrain on its own data (regulation, live data, data only prod can see).",
])
def check_promote_code_or_model(promotion_answers):
    """Graded from the question bank: the items of quiz("06.promote_code_or_model") and their keys."""
    check_quiz("06.promote_code_or_model", promotion_answers, variable="promotion_answers")

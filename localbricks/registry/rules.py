"""Unity Catalog's registry rules and the errors that explain them to a learner.

Each error is an ``MlflowException`` (what code catching Databricks' own errors expects) and says
what to do instead. The rules mirror MLflow's own Unity Catalog client
(``mlflow/store/_unity_catalog/registry/rest_store.py``), which refuses the same calls.
"""
from __future__ import annotations

import re

from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

from localbricks import names
from localbricks.errors import ThreeLevelNameError

_PLAIN = re.compile(r"[a-z_][a-z0-9_]*")


class ModelNameError(MlflowException, ThreeLevelNameError):
    """A registered model name that is not ``catalog.schema.model``."""

    def __init__(self, message: str):
        super().__init__(message, error_code=INVALID_PARAMETER_VALUE)


class StagesNotSupportedError(MlflowException):
    """Unity Catalog has no stages (Staging, Production, Archived, latest-per-stage)."""

    def __init__(self, message: str, name: str):
        super().__init__(
            f"{message} Use aliases instead: client.set_registered_model_alias('{name}', 'champion', "
            f"version), then load 'models:/{name}@champion' (or one fixed version, 'models:/{name}/3').",
            error_code=INVALID_PARAMETER_VALUE,
        )


class SignatureRequiredError(MlflowException):
    """Unity Catalog registers only models whose signature gives both inputs and outputs."""

    def __init__(self, message: str):
        super().__init__(message, error_code=INVALID_PARAMETER_VALUE)


class UnsupportedArgumentError(MlflowException):
    """An argument Unity Catalog's registry does not accept (MLflow's client refuses it too)."""

    def __init__(self, method: str, argument: str, instead: str):
        super().__init__(
            f"{method}: argument '{argument}' is not supported for models in Unity Catalog. {instead}",
            error_code=INVALID_PARAMETER_VALUE,
        )


def model_name(name: object) -> str:
    """The canonical ``catalog.schema.model`` for ``name`` (lower case, as Unity Catalog stores it).

    Raises:
        ModelNameError: ``name`` does not have exactly three valid levels.
    """
    try:
        parts = names.parse(name, what="model")
    except ThreeLevelNameError as err:
        raise ModelNameError(
            f"{err} Unity Catalog registers every model inside a schema of a catalog (that is where "
            "its permissions live), so the registry needs all three levels."
        ) from None
    # a part that needed backticks (``main.ml.`my-model` ``) keeps them, so the name parses again
    return ".".join(p if _PLAIN.fullmatch(p) else f"`{p}`" for p in parts)


def refuse_stage_transition(name: str, version: object, stage: str) -> None:
    raise StagesNotSupportedError(
        f"Cannot move version {version} of '{name}' to stage '{stage}': models in Unity Catalog "
        "have no stages, so transition_model_version_stage is not supported.", name
    )


def refuse_latest_versions(name: str, stages: list[str] | None) -> None:
    if stages:
        where = ", ".join(repr(s) for s in stages)
        raise StagesNotSupportedError(
            f"Cannot find the version of '{name}' in stage {where}: models in Unity Catalog have no "
            f"stages, so 'models:/{name}/{stages[0]}' and get_latest_versions(stages=...) do not work.",
            name,
        )
    raise StagesNotSupportedError(
        f"Unity Catalog keeps no 'latest' version of '{name}' ('models:/{name}/latest', "
        "get_latest_versions): name the version you mean, or find the highest with "
        f"client.search_model_versions(\"name='{name}'\").", name
    )


def require_signature(model, name: str, source: str) -> None:
    """Refuse a model without a signature that has both inputs and outputs, as Unity Catalog does.

    Args:
        model: the ``mlflow.models.Model`` loaded from the version's ``MLmodel`` file.
    """
    signature = model.signature
    if signature is not None and signature.outputs is not None:
        return
    problem = "has no signature" if signature is None else "has a signature with inputs only"
    raise SignatureRequiredError(
        f"Cannot register '{source}' as a version of '{name}': the model {problem}. Unity Catalog "
        "requires every model version to declare its input and output schema. Log the model again "
        "with one: pass input_example=X.head(5) to log_model and MLflow infers it, or pass "
        "signature=mlflow.models.infer_signature(X, model.predict(X)) "
        "(FeatureEngineeringClient.log_model derives one from its training set, whose label gives the outputs: "
        "without a label, pass output_schema=...)."
    )

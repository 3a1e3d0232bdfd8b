"""The local "databricks-uc" registry hands out version numbers of the type Unity Catalog does.

The expected type is read from MLflow's own Unity Catalog client, not written here: the ``version``
fields of the ``ModelVersion`` and ``RegisteredModelAlias`` protobufs MLflow decodes UC's answers
into, and what MLflow's converter from that protobuf returns. (MLflow's open-source SQL store gives
an ``int``, which is what the local store gave before it followed Unity Catalog.)
"""
import mlflow
import pytest
from mlflow.protos.databricks_uc_registry_messages_pb2 import READY, RegisteredModelAlias
from mlflow.utils._unity_catalog_utils import ProtoModelVersion, model_version_from_uc_proto


def _field_type(message, field: str) -> type:
    """The Python type protobuf gives ``message.field``, from the message's descriptor."""
    return type(message.DESCRIPTOR.fields_by_name[field].default_value)


UC_VERSION = _field_type(ProtoModelVersion, "version")
UC_ALIAS_VERSION = _field_type(RegisteredModelAlias, "version")


def test_mlflow_passes_the_uc_version_field_on_unchanged():
    """What MLflow's UC client returns is the protobuf's type, so that is what the local registry must return."""
    decoded = model_version_from_uc_proto(ProtoModelVersion(name="main.default.m", version="3", status=READY))
    assert type(decoded.version) is UC_VERSION


@pytest.fixture
def registered(uc, models, name, experiment_id):
    """Two versions of a fresh model, made the two fluent ways, with an alias on the second."""
    first = mlflow.register_model(models.a.model_uri, name)
    with mlflow.start_run(experiment_id=experiment_id):
        info = mlflow.sklearn.log_model(models.fitted["b"], name="model", registered_model_name=name,
                                        signature=mlflow.models.infer_signature(models.X, models.expected["b"]),
                                        pip_requirements=["scikit-learn"])
    uc.set_registered_model_alias(name, "champion", 2)
    return {"name": name, "register_model": first, "log_model": info}


def test_fluent_registration_returns_uc_versions(registered):
    assert type(registered["register_model"].version) is UC_VERSION
    assert type(registered["log_model"].registered_model_version) is UC_VERSION


@pytest.mark.parametrize("call", ["create_model_version", "get_model_version", "get_model_version_by_alias",
                                  "update_model_version", "search_model_versions", "copy_model_version"])
def test_every_client_call_returns_uc_versions(uc, models, registered, call):
    name = registered["name"]
    returned = {
        "create_model_version": lambda: [uc.create_model_version(name, source=models.a.model_uri)],
        "get_model_version": lambda: [uc.get_model_version(name, 1)],
        "get_model_version_by_alias": lambda: [uc.get_model_version_by_alias(name, "champion")],
        "update_model_version": lambda: [uc.update_model_version(name, "1", description="baseline")],
        "search_model_versions": lambda: list(uc.search_model_versions(f"name='{name}'")),
        "copy_model_version": lambda: [uc.copy_model_version(f"models:/{name}/1", f"{name}_copy")],
    }[call]()
    assert returned and all(type(v.version) is UC_VERSION for v in returned)


def test_alias_targets_have_the_uc_alias_type(uc, registered):
    aliases = uc.get_registered_model(registered["name"]).aliases
    assert aliases == {"champion": UC_ALIAS_VERSION(2)} and type(aliases["champion"]) is UC_ALIAS_VERSION

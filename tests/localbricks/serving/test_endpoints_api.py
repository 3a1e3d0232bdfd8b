"""The serving-endpoints REST API, driven by the real databricks-sdk: lifecycle, states, tags, logs, refusals."""
import pytest
from databricks.sdk.errors import (InvalidParameterValue, NotFound, OperationFailed, ResourceAlreadyExists,
                                   ResourceConflict)
from databricks.sdk.service.serving import (EndpointCoreConfigInput, EndpointStateConfigUpdate, EndpointStateReady,
                                            EndpointTag, ServedModelInput, ServedModelStateDeployment,
                                            ServingEndpointDetailed)

from serving_support import core_config, entity


def test_create_and_wait_serves_the_version_and_reports_it_like_databricks(w, models, new_endpoint):
    name = new_endpoint()
    ep = w.serving_endpoints.create_and_wait(name=name, config=core_config(name, entity(models["clf"])),
                                             tags=[EndpointTag(key="team", value="ml")])
    assert ep.state.ready == EndpointStateReady.READY
    assert ep.state.config_update == EndpointStateConfigUpdate.NOT_UPDATING
    served = ep.config.served_entities[0]
    assert (served.entity_name, served.entity_version) == models["clf"]
    assert served.name == f"{models['clf'][0]}-1"  # the documented default: entity_name-entity_version
    assert served.state.deployment == ServedModelStateDeployment.DEPLOYMENT_READY
    assert ep.config.traffic_config.routes[0].traffic_percentage == 100
    assert ep.config.config_version == 1 and ep.pending_config is None
    assert [(t.key, t.value) for t in ep.tags] == [("team", "ml")]
    assert ep.endpoint_url.endswith(f"/serving-endpoints/{name}/invocations")
    assert name in [e.name for e in w.serving_endpoints.list()]
    assert "Model loaded" in w.serving_endpoints.build_logs(name, served.name).logs


def test_create_returns_at_once_with_the_config_pending(w, models, new_endpoint):
    name = new_endpoint()
    waiter = w.serving_endpoints.create(name=name, config=core_config(name, entity(models["clf"])))
    first = waiter.response
    assert first.name == name
    assert first.state.config_update == EndpointStateConfigUpdate.IN_PROGRESS
    assert first.state.ready == EndpointStateReady.NOT_READY
    assert first.pending_config.served_entities[0].state.deployment == ServedModelStateDeployment.DEPLOYMENT_CREATING
    assert waiter.result().state.ready == EndpointStateReady.READY


def test_responses_hold_only_fields_of_the_sdk_dataclasses(w, models, new_endpoint):
    """Every field we send survives the SDK's own from_dict/as_dict round trip: no invented shapes."""
    import requests

    from serving_support import auth_headers

    name = new_endpoint()
    w.serving_endpoints.create_and_wait(name=name, config=core_config(name, entity(models["clf"])))
    import os

    raw = requests.get(f"{os.environ['DATABRICKS_HOST']}/api/2.0/serving-endpoints/{name}", headers=auth_headers()).json()
    assert ServingEndpointDetailed.from_dict(raw).as_dict() == raw


def test_the_legacy_served_models_form_works(w, models, new_endpoint):
    name = new_endpoint()
    config = EndpointCoreConfigInput(name=name, served_models=[ServedModelInput(
        model_name=models["clf"][0], model_version="1", workload_size="Small", scale_to_zero_enabled=False)])
    ep = w.serving_endpoints.create_and_wait(name=name, config=config)
    assert ep.config.served_models[0].model_version == "1"
    assert ep.config.served_entities[0].entity_version == "1"


def test_tags_are_patched(w, models, new_endpoint):
    name = new_endpoint()
    w.serving_endpoints.create_and_wait(name=name, config=core_config(name, entity(models["clf"])))
    w.serving_endpoints.patch(name, add_tags=[EndpointTag(key="a", value="1"), EndpointTag(key="b", value="2")])
    tags = w.serving_endpoints.patch(name, delete_tags=["a"])
    assert [(t.key, t.value) for t in tags.tags] == [("b", "2")]
    assert [t.key for t in w.serving_endpoints.get(name).tags] == ["b"]


def test_delete_then_get_is_not_found(w, models, new_endpoint):
    name = new_endpoint()
    w.serving_endpoints.create_and_wait(name=name, config=core_config(name, entity(models["clf"])))
    w.serving_endpoints.delete(name)
    with pytest.raises(NotFound):
        w.serving_endpoints.get(name)
    with pytest.raises(NotFound):
        w.serving_endpoints.query(name=name, dataframe_records=[{"a": 1.0, "b": 1.0}])


def test_a_second_endpoint_with_the_same_name_is_refused(w, models, new_endpoint):
    name = new_endpoint()
    w.serving_endpoints.create(name=name, config=core_config(name, entity(models["clf"])))
    with pytest.raises(ResourceAlreadyExists):
        w.serving_endpoints.create(name=name, config=core_config(name, entity(models["clf"])))


@pytest.mark.parametrize("routes, match", [
    ({"x": 50, "y": 40}, "sum to 90"),
    ({"x": 50, "nobody": 50}, "unknown served entity"),
])
def test_traffic_that_does_not_add_up_is_refused(w, models, new_endpoint, routes, match):
    name = new_endpoint()
    config = core_config(name, entity(models["const1"], "x"), entity(models["const2"], "y"), routes=routes)
    with pytest.raises(InvalidParameterValue, match=match):
        w.serving_endpoints.create(name=name, config=config)
    with pytest.raises(NotFound):
        w.serving_endpoints.get(name)


def test_bad_configs_are_refused_before_anything_is_created(w, models, new_endpoint):
    name = new_endpoint()
    with pytest.raises(InvalidParameterValue, match="entity_version"):
        w.serving_endpoints.create(name=name, config=core_config(name, entity((models["clf"][0], None))))
    with pytest.raises(InvalidParameterValue, match="workload_size"):
        w.serving_endpoints.create(name=name, config=core_config(name, entity(models["clf"], size="Huge")))
    with pytest.raises(InvalidParameterValue, match="three|levels"):
        w.serving_endpoints.create(name=name, config=core_config(name, entity(("churn", "1"))))
    with pytest.raises(InvalidParameterValue, match="endpoint name"):
        w.serving_endpoints.create(name="no spaces allowed", config=core_config("x", entity(models["clf"])))
    with pytest.raises(InvalidParameterValue, match="traffic_config is required"):
        w.serving_endpoints.create(name=name, config=core_config(name, entity(models["const1"], "x"),
                                                                 entity(models["const2"], "y")))


def test_a_version_that_does_not_exist_fails_the_update_and_the_old_config_keeps_serving(w, models, new_endpoint):
    name = new_endpoint()
    w.serving_endpoints.create_and_wait(name=name, config=core_config(name, entity(models["const1"], "live")))
    with pytest.raises(OperationFailed):
        w.serving_endpoints.update_config_and_wait(
            name=name, served_entities=[entity((models["const1"][0], "99"), "broken")])
    ep = w.serving_endpoints.get(name)
    assert ep.state.config_update == EndpointStateConfigUpdate.UPDATE_FAILED
    assert ep.state.ready == EndpointStateReady.READY
    failed = ep.pending_config.served_entities[0]
    assert failed.state.deployment == ServedModelStateDeployment.DEPLOYMENT_FAILED
    assert "99" in failed.state.deployment_state_message
    assert "Cannot load" in w.serving_endpoints.build_logs(name, "broken").logs
    answer = w.serving_endpoints.query(name=name, dataframe_records=[{"a": 1.0, "b": 1.0}])
    assert (answer.served_model_name, answer.predictions) == ("live", [1.0])


def test_an_unknown_model_fails_the_first_config_and_the_endpoint_stays_not_ready(w, new_endpoint):
    name = new_endpoint()
    with pytest.raises(OperationFailed):
        w.serving_endpoints.create_and_wait(name=name, config=core_config(name, entity((f"{name}_x.y.z".replace("-", "_"), "1"))))
    ep = w.serving_endpoints.get(name)
    assert ep.state.ready == EndpointStateReady.NOT_READY
    assert ep.state.config_update == EndpointStateConfigUpdate.UPDATE_FAILED


def test_an_update_while_one_is_in_progress_is_refused(w, models, new_endpoint):
    name = new_endpoint()
    w.serving_endpoints.create(name=name, config=core_config(name, entity(models["slow_load"])))
    with pytest.raises(ResourceConflict, match="already being updated"):
        w.serving_endpoints.update_config(name=name, served_entities=[entity(models["const1"])])


def test_update_config_moves_to_the_next_version(w, models, new_endpoint):
    name = new_endpoint()
    w.serving_endpoints.create_and_wait(name=name, config=core_config(name, entity(models["const1"], "one")))
    ep = w.serving_endpoints.update_config_and_wait(name=name, served_entities=[entity(models["const2"], "two")])
    assert ep.config.config_version == 2
    assert [e.name for e in ep.config.served_entities] == ["two"]
    assert w.serving_endpoints.query(name=name, dataframe_records=[{"a": 0.0, "b": 0.0}]).predictions == [2.0]


def test_the_study_guides_dict_config_is_refused_by_the_sdk_itself(w, models, new_endpoint):
    """The guide's form fails in the client, before any request: we do not patch the SDK to accept it."""
    name = new_endpoint()
    guide = {"served_models": [{"model_name": models["clf"][0], "model_version": "1", "workload_size": "Small",
                                "scale_to_zero_enabled": True}]}
    with pytest.raises(AttributeError, match="as_dict"):
        w.serving_endpoints.create(name=name, config=guide)
    ep = w.serving_endpoints.create_and_wait(name=name, config=EndpointCoreConfigInput.from_dict({"name": name, **guide}))
    assert ep.state.ready == EndpointStateReady.READY

"""Helpers for tests that drive the local serving service: typed SDK configs, raw-HTTP URLs and headers, and the
fixtures both tests/localbricks/serving and tests/grader/checks use (their conftest files import them).
"""
from __future__ import annotations

import uuid

import pytest


def entity(model, name=None, size="Small", scale_to_zero=False):
    from databricks.sdk.service.serving import ServedEntityInput

    return ServedEntityInput(entity_name=model[0], entity_version=model[1], name=name, workload_size=size,
                             scale_to_zero_enabled=scale_to_zero)


def core_config(name, *entities, routes=None, capture=None):
    from databricks.sdk.service.serving import EndpointCoreConfigInput, Route, TrafficConfig

    traffic = TrafficConfig(routes=[Route(served_model_name=n, traffic_percentage=p) for n, p in routes.items()]) \
        if routes else None
    return EndpointCoreConfigInput(name=name, served_entities=list(entities), traffic_config=traffic,
                                   auto_capture_config=capture)


def auth_headers():
    import os

    return {"Authorization": f"Bearer {os.environ['DATABRICKS_TOKEN']}"}


def invocations_url(name):
    import os

    return f"{os.environ['DATABRICKS_HOST']}/serving-endpoints/{name}/invocations"


@pytest.fixture(scope="session")
def service():
    """The serving service of the test workspace, and the environment ``activate()`` sets."""
    from localbricks import registry, serving

    registry.install()
    host = serving.configure_environment()
    yield host


@pytest.fixture(scope="session")
def w(service):
    from databricks.sdk import WorkspaceClient

    return WorkspaceClient()


@pytest.fixture
def new_endpoint():
    """``new_endpoint()`` → a fresh endpoint name; the endpoints are deleted after the test."""
    made = []

    def make(prefix="ep"):
        made.append(f"{prefix}-{uuid.uuid4().hex[:8]}")
        return made[-1]

    yield make
    from databricks.sdk import WorkspaceClient

    w = WorkspaceClient()
    for name in made:
        try:
            w.serving_endpoints.delete(name)
        except Exception:
            pass

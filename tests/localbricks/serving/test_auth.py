"""Bearer tokens: every API route refuses a missing or wrong token with a bare 401; two routes are open."""
import os

import pytest
import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import Unauthenticated

ROUTES = [("GET", "/api/2.0/serving-endpoints"), ("POST", "/api/2.0/serving-endpoints"),
          ("GET", "/api/2.0/serving-endpoints/any"), ("DELETE", "/api/2.0/serving-endpoints/any"),
          ("PUT", "/api/2.0/serving-endpoints/any/config"), ("PATCH", "/api/2.0/serving-endpoints/any/tags"),
          ("PUT", "/api/2.0/serving-endpoints/any/ai-gateway"),
          ("GET", "/api/2.0/serving-endpoints/any/served-models/m/build-logs"),
          ("GET", "/api/2.0/serving-endpoints/any/served-models/m/logs"),
          ("POST", "/serving-endpoints/any/invocations")]


@pytest.mark.parametrize("method, path", ROUTES)
@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic abc", "Bearer "])
def test_every_api_route_needs_the_token(service, method, path, header):
    headers = {"Authorization": header} if header else {}
    response = requests.request(method, service + path, headers=headers, json={"name": "x"}, timeout=10)
    assert response.status_code == 401
    body = response.json()
    assert body["error_code"] == "UNAUTHENTICATED"
    assert os.environ["DATABRICKS_TOKEN"] not in response.text and "Traceback" not in response.text


def test_the_health_check_and_host_metadata_are_open(service):
    assert requests.get(f"{service}/health", timeout=10).json() == {"status": "ok"}
    meta = requests.get(f"{service}/.well-known/databricks-config", timeout=10)
    assert meta.status_code == 200 and "workspace_id" in meta.json()


def test_the_sdk_raises_its_own_unauthenticated_error_for_a_wrong_token(service):
    client = WorkspaceClient(host=service, token="dapi-not-the-token")
    with pytest.raises(Unauthenticated):
        list(client.serving_endpoints.list())


def test_the_token_is_the_one_kept_in_the_workspace_folder_readable_by_its_owner_only(service, workspace_dir):
    path = workspace_dir / "serving" / "token"
    assert path.read_text().strip() == os.environ["DATABRICKS_TOKEN"]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert requests.get(f"{service}/api/2.0/serving-endpoints", timeout=10,
                        headers={"Authorization": f"Bearer {path.read_text().strip()}"}).status_code == 200

"""Every AutoML test logs to the throw-away workspace's MLflow store, as a notebook does after activate()."""
import pytest


@pytest.fixture(autouse=True, scope="module")
def workspace_tracking():
    from localbricks import tracking

    tracking.configure()

"""Point MLflow at a local store in the workspace: SQLite for runs and models, a folder for artifacts.

Only environment variables are set, so MLflow need not be imported (it is slow to import) until a
notebook uses it; they are set before Spark starts so Python workers on Spark inherit them too
(hyperopt's SparkTrials logs from there).
"""
from __future__ import annotations

import os
import sys

from localbricks import workspace

# MLflow gives a SQLite store's new experiments the artifact root named by this variable, and
# otherwise "./mlruns" under the current folder, which would scatter artifacts next to notebooks.
# It is the variable ``mlflow server --default-artifact-root`` sets; tests pin the behaviour.
_ARTIFACT_ROOT_ENV = "_MLFLOW_SERVER_ARTIFACT_ROOT"
_OURS_ENV = "LOCALBRICKS_TRACKING_URI"  # remembers which URI we set, so a new workspace replaces it


def tracking_uri() -> str:
    return f"sqlite:///{workspace.home() / 'mlflow.db'}"


def artifact_root() -> str:
    return (workspace.subdir("mlartifacts")).as_uri()


def configure() -> str:
    """Use the workspace store unless the user already chose one; return the tracking URI."""
    chosen = os.environ.get("MLFLOW_TRACKING_URI")
    if chosen and chosen != os.environ.get(_OURS_ENV):
        uri = chosen  # the user's own choice wins
    else:
        uri = tracking_uri()
        os.environ["MLFLOW_TRACKING_URI"] = os.environ[_OURS_ENV] = uri
        os.environ[_ARTIFACT_ROOT_ENV] = artifact_root()
    if "mlflow" in sys.modules:  # already imported: its cached URI must follow
        sys.modules["mlflow"].set_tracking_uri(uri)
    return uri

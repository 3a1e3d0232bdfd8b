"""Databricks Model Serving, run locally: a real HTTP service the real ``databricks-sdk`` drives.

After ``localbricks.activate()``, ``WorkspaceClient()`` reaches this service through
``DATABRICKS_HOST`` / ``DATABRICKS_TOKEN``, and ``requests.post(f"{host}/serving-endpoints/<name>/invocations")``
queries it, as on a workspace. One module per job:

- ``config``: an endpoint config read with the SDK's dataclasses and checked as Databricks checks it;
- ``endpoints``: endpoints, config updates that swap only when loaded, traffic routing, persistence;
- ``entities``: a served model at run time (loading, concurrency by workload size, scale to zero);
- ``scoring``: a query's body → predictions, with MLflow's parsers; ``inference_table``: request logging;
- ``auth``, ``errors``, ``app`` (the FastAPI routes), ``service`` (the process), ``process`` (a kernel's side).
"""
from __future__ import annotations

from localbricks.serving.process import configure_environment, ensure_running, running, stop

__all__ = ["configure_environment", "ensure_running", "running", "stop"]

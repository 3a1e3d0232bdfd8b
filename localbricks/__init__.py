"""localbricks: the Databricks services the course needs, running locally.

``import localbricks; localbricks.activate()`` is the first line of every notebook. Locally it
starts (or reuses) a Delta-enabled Spark session with Unity Catalog's three-level names, points
MLflow at a store in the workspace folder, and puts ``spark``, ``dbutils`` and ``display`` into the
notebook's namespace as Databricks does. It also makes sure the workspace's local Model Serving
service runs and points ``DATABRICKS_HOST`` / ``DATABRICKS_TOKEN`` at it, so ``WorkspaceClient()``
works with no arguments. On Databricks it changes nothing.
"""
from __future__ import annotations

import inspect
from typing import Any

from localbricks.errors import (DeltaJarsUnavailableError, JavaNotFoundError, LocalbricksError,
                                ThreeLevelNameError)
from localbricks.workspace import home, on_databricks

__all__ = ["activate", "home", "on_databricks", "LocalbricksError", "JavaNotFoundError",
           "DeltaJarsUnavailableError", "ThreeLevelNameError"]

_state: dict[str, Any] = {}


def _notebook_namespace(depth: int = 2) -> dict:
    """The namespace to inject into: IPython's user namespace, else the caller's globals."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.user_ns
    except ImportError:
        pass
    return inspect.stack()[depth].frame.f_globals


def _start_serving(serving, outcome: dict) -> None:
    try:
        serving.configure_environment()
    except BaseException as err:  # re-raised by activate() in the caller's thread
        outcome["error"] = err


def activate(master: str | None = None, inject: bool = True) -> dict[str, Any]:
    """Make ``spark``, ``dbutils`` and ``display`` available, as on Databricks. Idempotent.

    Args:
        master: Spark master URL; default ``$LOCALBRICKS_SPARK_MASTER`` or ``local[*]``.
        inject: put the three names into the calling notebook's (or module's) namespace.

    Returns:
        ``{"spark": ..., "dbutils": ..., "display": ...}``.
    """
    namespace = _notebook_namespace() if inject else {}
    if on_databricks():  # the runtime already provides everything; touch nothing
        return {key: namespace.get(key) for key in ("spark", "dbutils", "display")}

    from localbricks import aliases, registry, tracking
    from localbricks.dbutils import DBUtils
    from localbricks.display import display
    from localbricks.session import get_spark

    import threading

    from localbricks import serving

    tracking.configure()
    registry.install()  # "databricks-uc" → the local Unity Catalog registry (localbricks.registry)
    aliases.install()
    # the serving service starts while Spark does (both take seconds); its errors surface here
    started: dict[str, BaseException] = {}
    serving_thread = threading.Thread(target=_start_serving, args=(serving, started), daemon=True)
    serving_thread.start()
    spark = get_spark(master)
    serving_thread.join()
    if "error" in started:
        raise started["error"]
    if _state.get("spark") is not spark:
        _state.update(spark=spark, dbutils=DBUtils(spark), display=display)
    objects = {key: _state[key] for key in ("spark", "dbutils", "display")}
    if inject:
        namespace.update(objects)
    return objects

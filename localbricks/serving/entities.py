"""A served entity at run time: its loaded model, its concurrency, its idle unloading, its logs.

Loading a model is where an endpoint config fails for real: an unknown model or version, a model
without a signature, or a Feature Engineering model whose feature tables have no online table (real-
time serving looks features up online, never in Delta). The failure message is what ``get`` and the
build logs show. With ``scale_to_zero_enabled`` an idle entity drops its model and the next request
loads it again: the cold start Databricks users see.
"""
from __future__ import annotations

import collections
import datetime as dt
import threading
import time

from localbricks.serving.config import Entity
from localbricks.serving.errors import ServingError


class DeploymentFailed(Exception):
    """The entity's model cannot be served; the message says why, in one line."""


def _stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


class Log:
    """A bounded, thread-safe list of time-stamped lines (build logs and server logs)."""

    def __init__(self, limit: int = 2000):
        self._lines: collections.deque[str] = collections.deque(maxlen=limit)
        self._lock = threading.Lock()

    def write(self, line: str) -> None:
        with self._lock:
            self._lines.append(f"{_stamp()} {line}")

    def text(self) -> str:
        with self._lock:
            return "\n".join(self._lines) + ("\n" if self._lines else "")


def _check_servable(model, entity: Entity) -> None:
    """Refuse what Databricks cannot serve in real time: no signature, feature tables not online."""
    if model.metadata.signature is None:
        raise DeploymentFailed(f"{entity.model_uri} has no signature: Model Serving needs one to read requests. "
                               "Log the model with signature=infer_signature(X, y).")
    try:
        wrapped = model.unwrap_python_model()
    except Exception:  # not a PythonModel-based pyfunc: nothing to look up
        return
    from localbricks.feature_store.model import FeatureStoreModel

    if isinstance(wrapped, FeatureStoreModel):
        from localbricks.feature_store import online_store

        offline = [t["table_name"] for t in wrapped.spec["lookups"] if not online_store.published(t["table_name"])]
        if offline:
            raise DeploymentFailed(
                f"{entity.model_uri} looks features up in {', '.join(offline)}, which has no online table. Real-time "
                "serving reads features from online tables only: publish it with fe.publish_table(...) first.")


class ServedEntity:
    """One entity of a deployed config; shared by configs that serve it unchanged."""

    def __init__(self, spec: Entity):
        self.spec = spec
        self.build_log = Log()
        self.server_log = Log()
        self.state = "DEPLOYMENT_CREATING"
        self.message = "Loading the model."
        self.created = int(time.time() * 1000)
        self.cold_starts = 0
        self.in_flight = 0
        self.last_used = time.monotonic()
        self._model = None
        self._load_lock = threading.Lock()
        self._limiter = None

    # -- loading -------------------------------------------------------------------------------
    def deploy(self) -> None:
        """Load the model now (a config update does this before it takes traffic)."""
        try:
            self._load()
        except DeploymentFailed as err:
            self.state, self.message = "DEPLOYMENT_FAILED", str(err)
            self.build_log.write(f"ERROR {err}")
            raise
        self.state, self.message = "DEPLOYMENT_READY", "Served entity is ready."

    def _load(self):
        with self._load_lock:
            if self._model is not None:
                return self._model
            import mlflow
            from mlflow.exceptions import MlflowException

            self.build_log.write(f"Loading {self.spec.model_uri} (workload size {self.spec.workload_size}, "
                                 f"{self.spec.concurrency} concurrent requests)")
            started = time.perf_counter()
            try:
                mlflow.set_registry_uri("databricks-uc")
                model = mlflow.pyfunc.load_model(self.spec.model_uri)
            except MlflowException as err:
                raise DeploymentFailed(f"Cannot load {self.spec.model_uri}: {err.message.splitlines()[0]}") from None
            except Exception as err:  # an unpicklable or broken model: the build fails, the service does not
                raise DeploymentFailed(f"Cannot load {self.spec.model_uri}: {type(err).__name__}: "
                                       f"{str(err).splitlines()[0] if str(err) else ''}") from None
            _check_servable(model, self.spec)
            self._model = model
            self.build_log.write(f"Model loaded in {time.perf_counter() - started:.2f} s; ready for requests")
            return model

    def model(self):
        """The loaded model, loading it first when scale-to-zero unloaded it (a cold start)."""
        model = self._model
        if model is not None:
            return model
        self.cold_starts += 1
        self.server_log.write("Scaled up from zero: loading the model for a request")
        try:
            model = self._load()
        except DeploymentFailed as err:
            raise ServingError(f"The served entity '{self.spec.name}' could not load its model.") from err
        self.message = "Served entity is ready."
        return model

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def limiter(self):
        """The entity's concurrency (created on the event loop, where anyio needs it)."""
        if self._limiter is None:
            import anyio

            self._limiter = anyio.CapacityLimiter(self.spec.concurrency)
        return self._limiter

    # -- idling --------------------------------------------------------------------------------
    def unload_if_idle(self, idle_seconds: float) -> bool:
        if not (self.spec.scale_to_zero_enabled and self._model is not None and self.in_flight == 0):
            return False
        if time.monotonic() - self.last_used < idle_seconds:
            return False
        with self._load_lock:
            self._model = None
            self.message = "Scaled to zero: the next request loads the model again (a cold start)."
        self.server_log.write(f"Scaled to zero after {idle_seconds:g} s without requests")
        return True

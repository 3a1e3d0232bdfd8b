"""Serving endpoints: their configs, state machine, traffic routing and persistence.

A config update loads its models in the background while the current config keeps serving; only a
fully loaded config takes traffic, in one swap, so an update under load fails no request. A config
that cannot load leaves ``config_update`` UPDATE_FAILED, with the reason on its served entities
and in their build logs. Responses are built with the SDK's dataclasses (``ServingEndpointDetailed``,
``ServingEndpoint``…) and their ``as_dict``. Each endpoint is a JSON file under
``<workspace>/serving/endpoints/``: a restarted service serves the same versions again.
"""
from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from databricks.sdk.service import serving as sdk

from localbricks.serving import config as cfg
from localbricks.serving.entities import DeploymentFailed, ServedEntity
from localbricks.serving.errors import AlreadyExists, Conflict, InvalidParameter, NotFound, NotReady
from localbricks.serving.inference_table import check_destination

log = logging.getLogger("localbricks.serving")


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Deployment:
    """One config version with its served entities."""

    version: int
    config: cfg.Config
    entities: dict[str, ServedEntity]
    start_time: int = field(default_factory=_now_ms)

    def route(self, rng: random.Random) -> ServedEntity:
        names = [n for n, pct in self.config.routes.items() if pct > 0]
        weights = [self.config.routes[n] for n in names]
        return self.entities[rng.choices(names, weights)[0]]


@dataclass
class Endpoint:
    name: str
    id: str
    creator: str
    created: int
    updated: int
    tags: dict[str, str | None] = field(default_factory=dict)
    description: str | None = None
    ai_gateway: dict | None = None
    current: Deployment | None = None
    pending: Deployment | None = None
    failed: Deployment | None = None
    config_update: str = "NOT_UPDATING"
    last_version: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def capture(self) -> cfg.Capture | None:
        gateway = cfg.gateway_capture(self.ai_gateway)
        return gateway or (self.current.config.capture if self.current else None)

    # -- rendering with the SDK's own types ------------------------------------------------------
    def _entities_out(self, deployment: Deployment):
        entities, models = [], []
        for entity in deployment.entities.values():
            spec = entity.spec
            state = sdk.ServedModelState(deployment=sdk.ServedModelStateDeployment(entity.state),
                                         deployment_state_message=entity.message)
            common = dict(name=spec.name, workload_size=spec.workload_size, scale_to_zero_enabled=spec.scale_to_zero_enabled,
                          state=state, creation_timestamp=entity.created, creator=self.creator)
            entities.append(sdk.ServedEntityOutput(entity_name=spec.model_name, entity_version=spec.model_version,
                                                   **common))
            if spec.legacy:
                models.append(sdk.ServedModelOutput(model_name=spec.model_name, model_version=spec.model_version,
                                                    **common))
        return entities, models or None

    def _traffic(self, deployment: Deployment) -> sdk.TrafficConfig:
        return sdk.TrafficConfig(routes=[sdk.Route(served_model_name=n, traffic_percentage=p)
                                         for n, p in deployment.config.routes.items()])

    def _capture_out(self, deployment: Deployment):
        capture = deployment.config.capture
        if capture is None:
            return None
        table = sdk.PayloadTable(name=f"{capture.table_name_prefix}_payload", status="ACTIVE")
        return sdk.AutoCaptureConfigOutput(catalog_name=capture.catalog_name, schema_name=capture.schema_name,
                                           table_name_prefix=capture.table_name_prefix, enabled=True,
                                           state=sdk.AutoCaptureState(payload_table=table))

    def state(self) -> sdk.EndpointState:
        return sdk.EndpointState(
            ready=sdk.EndpointStateReady.READY if self.current else sdk.EndpointStateReady.NOT_READY,
            config_update=sdk.EndpointStateConfigUpdate(self.config_update))

    def _tags(self):
        return [sdk.EndpointTag(key=k, value=v) for k, v in sorted(self.tags.items())] or None

    def detailed(self, host: str) -> dict:
        config = pending = None
        if self.current:
            entities, models = self._entities_out(self.current)
            config = sdk.EndpointCoreConfigOutput(config_version=self.current.version, served_entities=entities,
                                                  served_models=models, traffic_config=self._traffic(self.current),
                                                  auto_capture_config=self._capture_out(self.current))
        shown = self.pending or (self.failed if self.config_update == "UPDATE_FAILED" else None)
        if shown:
            entities, models = self._entities_out(shown)
            pending = sdk.EndpointPendingConfig(config_version=shown.version, served_entities=entities,
                                                served_models=models, traffic_config=self._traffic(shown),
                                                start_time=shown.start_time,
                                                auto_capture_config=self._capture_out(shown))
        gateway = sdk.AiGatewayConfig.from_dict(self.ai_gateway) if self.ai_gateway else None
        return sdk.ServingEndpointDetailed(
            name=self.name, id=self.id, creator=self.creator, creation_timestamp=self.created,
            last_updated_timestamp=self.updated, state=self.state(), config=config, pending_config=pending,
            tags=self._tags(), description=self.description, ai_gateway=gateway, task=None,
            endpoint_url=f"{host}/serving-endpoints/{self.name}/invocations",
            permission_level=sdk.ServingEndpointDetailedPermissionLevel.CAN_MANAGE,
        ).as_dict()

    def summary(self) -> dict:
        config = None
        if self.current:
            config = sdk.EndpointCoreConfigSummary(served_entities=[
                sdk.ServedEntitySpec(name=e.spec.name, entity_name=e.spec.model_name, entity_version=e.spec.model_version)
                for e in self.current.entities.values()])
        return sdk.ServingEndpoint(name=self.name, id=self.id, creator=self.creator, creation_timestamp=self.created,
                                   last_updated_timestamp=self.updated, state=self.state(), config=config,
                                   tags=self._tags(), description=self.description).as_dict()

    def record(self) -> dict:
        current = ({"version": self.current.version, "config": self.current.config.raw,
                    "start_time": self.current.start_time} if self.current else None)
        return {"name": self.name, "id": self.id, "creator": self.creator, "created": self.created,
                "updated": self.updated, "tags": self.tags, "description": self.description,
                "ai_gateway": self.ai_gateway, "current": current, "last_version": self.last_version}


class Endpoints:
    """Every endpoint of the workspace, with deployment done on a small background pool."""

    def __init__(self, folder: Path, host: str, requester: str):
        self.folder, self.host, self.requester = folder, host, requester
        self.folder.mkdir(parents=True, exist_ok=True)
        self._endpoints: dict[str, Endpoint] = {}
        self._lock = threading.Lock()
        self._save_lock = threading.Lock()  # a request and a deploy thread may save one endpoint at once
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="deploy")
        self.rng = random.Random()
        self._restore()

    # -- persistence -----------------------------------------------------------------------------
    def _path(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def _save(self, endpoint: Endpoint) -> None:
        with self._save_lock:
            tmp = self._path(endpoint.name).with_suffix(".tmp")
            tmp.write_text(json.dumps(endpoint.record(), indent=1), encoding="utf-8")
            tmp.replace(self._path(endpoint.name))

    def _restore(self) -> None:
        for path in sorted(self.folder.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                endpoint = Endpoint(name=data["name"], id=data["id"], creator=data["creator"], created=data["created"],
                                    updated=data["updated"], tags=data.get("tags") or {},
                                    description=data.get("description"), ai_gateway=data.get("ai_gateway"),
                                    last_version=data.get("last_version", 0))
                if data.get("current"):
                    current = data["current"]
                    config = cfg.parse(current["config"], endpoint.name)
                    endpoint.current = Deployment(current["version"], config,
                                                  {e.name: ServedEntity(e) for e in config.entities},
                                                  current.get("start_time", _now_ms()))
                    for entity in endpoint.current.entities.values():
                        entity.state, entity.message = "DEPLOYMENT_READY", "Served entity is ready."
                        if not entity.spec.scale_to_zero_enabled:
                            self._pool.submit(self._warm, entity)
            except Exception as err:  # one unreadable file must not hide the others
                log.warning("could not restore endpoint from %s: %s: %s", path.name, type(err).__name__, err)
                continue
            self._endpoints[endpoint.name] = endpoint

    @staticmethod
    def _warm(entity: ServedEntity) -> None:
        try:
            entity.deploy()
        except Exception as err:  # the entity keeps its state; a request retries the load
            entity.server_log.write(f"ERROR reloading after a restart: {err}")

    # -- the API ---------------------------------------------------------------------------------
    def get(self, name: str) -> Endpoint:
        endpoint = self._endpoints.get(name)
        if endpoint is None:
            raise NotFound(f"Serving endpoint with name '{name[:100]}' does not exist.")
        return endpoint

    def list(self) -> list[Endpoint]:
        return sorted(self._endpoints.values(), key=lambda e: e.created)

    def create(self, body: dict) -> Endpoint:
        if not isinstance(body, dict):
            raise InvalidParameter("The request body must be a JSON object.")
        name = cfg.endpoint_name(body.get("name"))
        if body.get("config") is None:
            raise InvalidParameter("config is required: the served entities and their traffic.")
        config = cfg.parse(body["config"], name)
        gateway = body.get("ai_gateway")
        cfg.gateway_capture(gateway)
        for capture in (config.capture, cfg.gateway_capture(gateway)):
            if capture:
                check_destination(capture)
        tags = {t.key: t.value for t in (sdk.EndpointTag.from_dict(t) for t in body.get("tags") or [])}
        with self._lock:
            if name in self._endpoints:
                raise AlreadyExists(f"Endpoint with name '{name}' already exists.")
            now = _now_ms()
            endpoint = Endpoint(name=name, id=uuid.uuid4().hex, creator=self.requester, created=now, updated=now,
                                tags=tags, description=body.get("description"), ai_gateway=gateway)
            self._endpoints[name] = endpoint
            self._start_update(endpoint, config)
            self._save(endpoint)
        return endpoint

    def update_config(self, name: str, body: dict) -> Endpoint:
        endpoint = self.get(name)
        with endpoint.lock:
            if endpoint.config_update == "IN_PROGRESS":
                raise Conflict(f"Endpoint '{name}' is already being updated: wait until its config_update is "
                               "NOT_UPDATING, then update again.")
            previous = endpoint.current.config if endpoint.current else None
            config = cfg.parse(body, name, previous=previous)
            if config.capture:
                check_destination(config.capture)
            self._start_update(endpoint, config)
        self._save(endpoint)
        return endpoint

    def _start_update(self, endpoint: Endpoint, config: cfg.Config) -> None:
        reusable = {e.spec: e for e in (endpoint.current.entities.values() if endpoint.current else [])}
        endpoint.last_version += 1
        pending = Deployment(endpoint.last_version, config,
                             {e.name: reusable.get(e) or ServedEntity(e) for e in config.entities})
        endpoint.pending, endpoint.failed, endpoint.config_update = pending, None, "IN_PROGRESS"
        endpoint.updated = _now_ms()
        self._pool.submit(self._deploy, endpoint, pending)

    def _deploy(self, endpoint: Endpoint, pending: Deployment) -> None:
        try:
            for entity in pending.entities.values():
                entity.deploy()
        except DeploymentFailed as err:
            with endpoint.lock:
                if endpoint.pending is pending:
                    endpoint.pending, endpoint.failed, endpoint.config_update = None, pending, "UPDATE_FAILED"
                    for other in pending.entities.values():
                        if other.state == "DEPLOYMENT_CREATING":
                            other.state, other.message = "DEPLOYMENT_ABORTED", "Another served entity failed."
            log.warning("endpoint %s: config version %d failed: %s", endpoint.name, pending.version, err)
            return
        except Exception as err:  # a bug must still end the update, never leave it IN_PROGRESS
            log.exception("endpoint %s: config version %d crashed", endpoint.name, pending.version)
            with endpoint.lock:
                if endpoint.pending is pending:
                    endpoint.pending, endpoint.failed, endpoint.config_update = None, pending, "UPDATE_FAILED"
            for entity in pending.entities.values():
                entity.build_log.write(f"ERROR {type(err).__name__}: {err}")
            return
        with endpoint.lock:
            if endpoint.pending is not pending:  # deleted meanwhile
                return
            endpoint.current, endpoint.pending, endpoint.config_update = pending, None, "NOT_UPDATING"
        if self._endpoints.get(endpoint.name) is endpoint:  # not deleted (or replaced) meanwhile
            self._save(endpoint)
        log.info("endpoint %s: serving config version %d", endpoint.name, pending.version)

    def delete(self, name: str) -> None:
        with self._lock:
            endpoint = self.get(name)
            del self._endpoints[name]
            endpoint.pending = None
            self._path(name).unlink(missing_ok=True)

    def patch_tags(self, name: str, body: dict) -> list:
        endpoint = self.get(name)
        with endpoint.lock:
            for tag in body.get("add_tags") or []:
                tag = sdk.EndpointTag.from_dict(tag)
                if not tag.key:
                    raise InvalidParameter("Every tag needs a key.")
                endpoint.tags[tag.key] = tag.value
            for key in body.get("delete_tags") or []:
                endpoint.tags.pop(key, None)
            endpoint.updated = _now_ms()
        self._save(endpoint)
        return [t.as_dict() for t in endpoint._tags() or []]

    def put_ai_gateway(self, name: str, body: dict) -> dict:
        endpoint = self.get(name)
        capture = cfg.gateway_capture(body)
        if capture:
            check_destination(capture)
        with endpoint.lock:
            endpoint.ai_gateway = body or None
            endpoint.updated = _now_ms()
        self._save(endpoint)
        return sdk.PutAiGatewayResponse.from_dict(body or {}).as_dict()

    def entity(self, name: str, served_name: str) -> ServedEntity:
        endpoint = self.get(name)
        for deployment in (endpoint.pending, endpoint.current, endpoint.failed):
            if deployment and served_name in deployment.entities:
                return deployment.entities[served_name]
        raise NotFound(f"Served entity '{served_name[:100]}' does not exist in endpoint '{name}'.")

    def choose(self, name: str) -> tuple[Endpoint, ServedEntity]:
        endpoint = self.get(name)
        current = endpoint.current
        if current is None:
            raise NotReady(f"Endpoint '{name}' is not ready: its first config is still loading or failed "
                           "(see state.config_update).")
        return endpoint, current.route(self.rng)

    def all_entities(self):
        seen = {}
        for endpoint in list(self._endpoints.values()):
            for deployment in (endpoint.current, endpoint.pending):
                if deployment:
                    for entity in deployment.entities.values():
                        seen[id(entity)] = entity
        return list(seen.values())

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

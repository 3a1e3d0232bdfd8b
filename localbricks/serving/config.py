"""An endpoint's config, read through the SDK's own dataclasses and checked as Databricks checks it.

Request bodies are parsed with ``EndpointCoreConfigInput.from_dict`` (and ``AiGatewayConfig``,
``EndpointTag``), so field names and nesting are the SDK's, never retyped here. What comes out is a
``Config``: the served entities with their concurrency, the traffic routes, and where inference
requests are captured. Refusals are ``InvalidParameter`` (INVALID_PARAMETER_VALUE), as on Databricks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from databricks.sdk.service.serving import (AiGatewayConfig, AutoCaptureConfigInput, EndpointCoreConfigInput,
                                            ServedEntityInput, ServedModelInput)

from localbricks.serving.errors import InvalidParameter

ENDPOINT_NAME = re.compile(r"^[A-Za-z0-9_-]{1,63}$")
CONCURRENCY = {"Small": 4, "Medium": 16, "Large": 64}
"""Requests a served entity handles at once, by workload size (the upper bound Databricks documents)."""


@dataclass(frozen=True)
class Entity:
    """One served model: which registered version, under which name, with how much concurrency."""

    name: str
    model_name: str
    model_version: str
    workload_size: str
    scale_to_zero_enabled: bool
    concurrency: int
    legacy: bool = False  # given as ``served_models`` (model_name/model_version) rather than ``served_entities``

    @property
    def model_uri(self) -> str:
        return f"models:/{self.model_name}/{self.model_version}"


@dataclass(frozen=True)
class Capture:
    """Where an endpoint's requests are logged: ``<catalog>.<schema>.<prefix>_payload``."""

    catalog_name: str
    schema_name: str
    table_name_prefix: str

    @property
    def table_name(self) -> str:
        return f"{self.catalog_name}.{self.schema_name}.{self.table_name_prefix}_payload"


@dataclass(frozen=True)
class Config:
    entities: tuple[Entity, ...]
    routes: dict[str, int]  # served entity name → traffic percentage
    capture: Capture | None = None
    raw: dict = field(default_factory=dict, compare=False)  # the request's config, for persistence


def endpoint_name(name: object) -> str:
    if not isinstance(name, str) or not ENDPOINT_NAME.match(name):
        raise InvalidParameter(f"Invalid endpoint name {str(name)[:80]!r}: use 1 to 63 letters, digits, dashes "
                               "or underscores.")
    return name


def _version(value: object, model: str) -> str:
    text = str(value).strip() if value is not None else ""
    if not text.isdigit() or int(text) < 1:
        raise InvalidParameter(f"The served entity for '{model}' needs entity_version, a registered version "
                               "number such as \"1\" (models in Unity Catalog are served by version, not alias).")
    return str(int(text))


def _concurrency(size: str | None, max_concurrency: int | None, who: str) -> tuple[str, int]:
    if size is None and max_concurrency:
        return "Custom", int(max_concurrency)
    if size not in CONCURRENCY:
        raise InvalidParameter(f"{who}: workload_size must be one of {', '.join(CONCURRENCY)}, got {size!r}.")
    return size, CONCURRENCY[size]


def _entity(item: ServedEntityInput) -> Entity:
    if item.external_model is not None:
        raise InvalidParameter("External models are not served locally: serve a model registered in Unity Catalog.")
    if not item.entity_name:
        raise InvalidParameter("Each served entity needs entity_name, the model's full name catalog.schema.model.")
    from localbricks.registry.rules import model_name

    try:
        model = model_name(item.entity_name)
    except Exception as err:  # a name without three levels: say it the way the API does
        raise InvalidParameter(str(err)) from None
    version = _version(item.entity_version, item.entity_name)
    size, concurrency = _concurrency(item.workload_size, item.max_provisioned_concurrency, f"Served entity '{model}'")
    return Entity(item.name or f"{item.entity_name}-{version}", model, version, size,
                  bool(item.scale_to_zero_enabled), concurrency)


def _served_model(item: ServedModelInput) -> Entity:
    if not item.model_name:
        raise InvalidParameter("Each served model needs model_name, the model's full name catalog.schema.model.")
    if item.scale_to_zero_enabled is None:
        raise InvalidParameter(f"Served model '{item.model_name}': scale_to_zero_enabled is required.")
    from localbricks.registry.rules import model_name

    try:
        model = model_name(item.model_name)
    except Exception as err:
        raise InvalidParameter(str(err)) from None
    version = _version(item.model_version, item.model_name)
    size, concurrency = _concurrency(item.workload_size, item.max_provisioned_concurrency, f"Served model '{model}'")
    return Entity(item.name or f"{item.model_name}-{version}", model, version, size,
                  bool(item.scale_to_zero_enabled), concurrency, legacy=True)


def _routes(core: EndpointCoreConfigInput, entities: tuple[Entity, ...]) -> dict[str, int]:
    names = [e.name for e in entities]
    routes = core.traffic_config.routes if core.traffic_config and core.traffic_config.routes else None
    if routes is None:
        if len(entities) == 1:
            return {names[0]: 100}
        raise InvalidParameter("traffic_config is required when an endpoint serves more than one entity: give each "
                               "a Route(served_model_name=..., traffic_percentage=...) summing to 100.")
    split: dict[str, int] = {}
    for route in routes:
        target = route.served_entity_name or route.served_model_name
        if target not in names:
            raise InvalidParameter(f"Route to unknown served entity {target!r}: routes name served entities by their "
                                   f"name ({', '.join(repr(n) for n in names)}).")
        if target in split:
            raise InvalidParameter(f"Served entity {target!r} has more than one route.")
        pct = route.traffic_percentage
        if not isinstance(pct, int) or isinstance(pct, bool) or not 0 <= pct <= 100:
            raise InvalidParameter(f"traffic_percentage must be an integer between 0 and 100, got {pct!r}.")
        split[target] = pct
    if sum(split.values()) != 100:
        raise InvalidParameter(f"The traffic percentages of the routes sum to {sum(split.values())}; they must sum "
                               "to 100.")
    return {name: split.get(name, 0) for name in names}


def _capture(data: AutoCaptureConfigInput | None) -> Capture | None:
    if data is None or data.enabled is False:
        return None
    missing = [f for f in ("catalog_name", "schema_name") if not getattr(data, f)]
    if missing:
        raise InvalidParameter(f"Inference table config needs {' and '.join(missing)}.")
    return Capture(data.catalog_name, data.schema_name, data.table_name_prefix or "")


def parse(data: object, name: str | None = None, *, previous: Config | None = None) -> Config:
    """The checked ``Config`` of a create or update-config request body's config.

    Args:
        data: the JSON object, with ``served_entities`` or ``served_models`` and optional ``traffic_config``.
        name: the endpoint's name (update_config's body does not carry it).
        previous: the current config, whose inference capture an update keeps unless it names one.
    """
    if not isinstance(data, dict):
        raise InvalidParameter("config must be a JSON object with served_entities and an optional traffic_config.")
    try:
        core = EndpointCoreConfigInput.from_dict({"name": name, **data})
    except (TypeError, ValueError, AttributeError) as err:
        raise InvalidParameter(f"Malformed config: {type(err).__name__}.") from None
    if core.served_entities and core.served_models:
        raise InvalidParameter("Give served_entities or the older served_models, not both.")
    if core.served_entities:
        entities = tuple(_entity(e) for e in core.served_entities)
    elif core.served_models:
        entities = tuple(_served_model(m) for m in core.served_models)
    else:
        raise InvalidParameter("The config must serve at least one entity (served_entities).")
    names = [e.name for e in entities]
    if len(set(names)) != len(names):
        raise InvalidParameter("Served entity names must be unique within an endpoint.")
    for entity in entities:
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,63}", entity.name):
            raise InvalidParameter(f"Served entity name {entity.name[:80]!r} may hold only letters, digits, dashes "
                                   "and underscores (at most 63).")
    capture = _capture(core.auto_capture_config) if core.auto_capture_config else (previous.capture if previous else None)
    raw = {k: v for k, v in data.items() if k != "name"}
    return Config(entities, _routes(core, entities), capture, raw)


def gateway_capture(data: object) -> Capture | None:
    """The inference table named by an AI Gateway config (``ai_gateway.inference_table_config``)."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise InvalidParameter("ai_gateway must be a JSON object.")
    gateway = AiGatewayConfig.from_dict(data)
    table = gateway.inference_table_config
    if table is None:
        return None
    return _capture(AutoCaptureConfigInput(catalog_name=table.catalog_name, schema_name=table.schema_name,
                                           table_name_prefix=table.table_name_prefix, enabled=table.enabled))

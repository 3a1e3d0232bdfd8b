"""The HTTP routes of the local serving service (FastAPI), thin: each hands over to ``Endpoints``.

Paths are Databricks' own: the REST API under ``/api/2.0/serving-endpoints``, queries at
``/serving-endpoints/{name}/invocations`` and Unity Catalog's quality monitors under
``/api/2.1/unity-catalog/tables/{table}/monitor`` (``localbricks.monitoring.monitors``). Every route but ``/health`` and ``/.well-known`` needs the
bearer token. Errors leave as Databricks' ``{"error_code", "message"}`` bodies, and bad input is a
4xx, never a 5xx with a traceback.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from localbricks.serving import inference_table, scoring
from localbricks.serving.auth import BearerCheck
from localbricks.serving.endpoints import Endpoints
from localbricks.serving.errors import InvalidParameter, ServingError, TooLarge

log = logging.getLogger("localbricks.serving")
MAX_BODY = 16 * 1024 * 1024
"""Databricks' payload limit for a query (16 MB)."""


async def _read_capped(request: Request, limit: int = MAX_BODY) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge("The request body is larger than 16 MB, the limit for a query.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge("The request body is larger than 16 MB, the limit for a query.")
        chunks.append(chunk)
    return b"".join(chunks)


async def _json_body(request: Request) -> dict:
    raw = await _read_capped(request)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidParameter("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise InvalidParameter("The request body must be a JSON object.")
    return body


def _score(entity, payload: dict) -> str:
    return scoring.predict(entity.model(), payload)


def create_app(endpoints: Endpoints, token: str, *, idle_seconds: float = 1800.0,
               payloads: inference_table.PayloadLogger | None = None, workspace_id: str = "0",
               monitors=None) -> FastAPI:
    """The service's app.

    Args:
        endpoints: the workspace's endpoints.
        token: the bearer token every API route requires.
        idle_seconds: how long a scale-to-zero entity may sit idle before its model is unloaded.
        payloads: the inference-table writer (one per service).
        workspace_id: what ``/.well-known/databricks-config`` reports.
        monitors: the workspace's quality monitors (default: the workspace's, with a refresh runner).
    """
    check = BearerCheck(token)
    payloads = payloads or inference_table.PayloadLogger()
    if monitors is None:
        from localbricks.monitoring.monitors import Monitors
        from localbricks.monitoring.runner import RefreshRunner

        monitors = Monitors()
        monitors.runner = RefreshRunner(monitors)

    async def reap_idle():
        while True:
            await asyncio.sleep(min(1.0, max(idle_seconds / 4, 0.05)))
            for entity in endpoints.all_entities():
                entity.unload_if_idle(idle_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        task = asyncio.create_task(reap_idle())
        try:
            yield
        finally:
            task.cancel()
            payloads.close()
            endpoints.close()

    app = FastAPI(title="localbricks serving", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.endpoints, app.state.payloads, app.state.monitors = endpoints, payloads, monitors

    @app.exception_handler(ServingError)
    async def serving_error(request, err: ServingError):
        return JSONResponse(err.body(), status_code=err.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request, err):
        return JSONResponse({"error_code": "INVALID_PARAMETER_VALUE", "message": "Malformed request."}, 400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request, err):
        code = {404: "ENDPOINT_NOT_FOUND", 405: "BAD_REQUEST"}.get(err.status_code, "BAD_REQUEST")
        message = "No API found for this path." if err.status_code == 404 else "Method not allowed for this path."
        return JSONResponse({"error_code": code, "message": message}, err.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request, err):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"error_code": "INTERNAL_ERROR", "message": f"Internal error ({type(err).__name__})."}, 500)

    def auth(request: Request) -> None:
        check(request.headers.get("authorization"))

    # -- open routes --------------------------------------------------------------------------------
    @app.get("/health")
    async def health():
        return {"status": "ok"}

    @app.get("/.well-known/databricks-config")
    async def well_known():
        return {"oidc_endpoint": "", "workspace_id": workspace_id}

    # -- the serving-endpoints API -----------------------------------------------------------------
    @app.post("/api/2.0/serving-endpoints")
    async def create(request: Request):
        auth(request)
        body = await _json_body(request)
        return endpoints.create(body).detailed(endpoints.host)

    @app.get("/api/2.0/serving-endpoints")
    async def list_endpoints(request: Request):
        auth(request)
        return {"endpoints": [e.summary() for e in endpoints.list()]}

    @app.get("/api/2.0/serving-endpoints/{name}")
    async def get(name: str, request: Request):
        auth(request)
        return endpoints.get(name).detailed(endpoints.host)

    @app.delete("/api/2.0/serving-endpoints/{name}")
    async def delete(name: str, request: Request):
        auth(request)
        endpoints.delete(name)
        return {}

    @app.put("/api/2.0/serving-endpoints/{name}/config")
    async def update_config(name: str, request: Request):
        auth(request)
        body = await _json_body(request)
        return endpoints.update_config(name, body).detailed(endpoints.host)

    @app.patch("/api/2.0/serving-endpoints/{name}/tags")
    async def patch_tags(name: str, request: Request):
        auth(request)
        return {"tags": endpoints.patch_tags(name, await _json_body(request))}

    @app.put("/api/2.0/serving-endpoints/{name}/ai-gateway")
    async def put_ai_gateway(name: str, request: Request):
        auth(request)
        return endpoints.put_ai_gateway(name, await _json_body(request))

    @app.get("/api/2.0/serving-endpoints/{name}/served-models/{served}/build-logs")
    async def build_logs(name: str, served: str, request: Request):
        auth(request)
        return {"logs": endpoints.entity(name, served).build_log.text()}

    @app.get("/api/2.0/serving-endpoints/{name}/served-models/{served}/logs")
    async def server_logs(name: str, served: str, request: Request):
        auth(request)
        return {"logs": endpoints.entity(name, served).server_log.text()}

    # -- Unity Catalog quality monitors (w.quality_monitors) ---------------------------------------
    # Each call is short file work under a lock, or a queue put; refreshes run on the runner's thread.
    monitor_path = "/api/2.1/unity-catalog/tables/{table_name}/monitor"

    @app.post(monitor_path)
    async def create_monitor(table_name: str, request: Request):
        auth(request)
        return await anyio.to_thread.run_sync(monitors.create, table_name, await _json_body(request))

    @app.get(monitor_path)
    async def get_monitor(table_name: str, request: Request):
        auth(request)
        return monitors.get(table_name)

    @app.put(monitor_path)
    async def update_monitor(table_name: str, request: Request):
        auth(request)
        return await anyio.to_thread.run_sync(monitors.update, table_name, await _json_body(request))

    @app.delete(monitor_path)
    async def delete_monitor(table_name: str, request: Request):
        auth(request)
        return monitors.delete(table_name)

    @app.post(monitor_path + "/refreshes")
    async def run_refresh(table_name: str, request: Request):
        auth(request)
        return monitors.run_refresh(table_name)

    @app.get(monitor_path + "/refreshes")
    async def list_refreshes(table_name: str, request: Request):
        auth(request)
        return monitors.list_refreshes(table_name)

    @app.get(monitor_path + "/refreshes/{refresh_id}")
    async def get_refresh(table_name: str, refresh_id: str, request: Request):
        auth(request)
        return monitors.get_refresh(table_name, refresh_id)

    @app.post(monitor_path + "/refreshes/{refresh_id}/cancel")
    async def cancel_refresh(table_name: str, refresh_id: str, request: Request):
        auth(request)
        return monitors.cancel_refresh(table_name, refresh_id)

    # -- queries -----------------------------------------------------------------------------------
    @app.post("/serving-endpoints/{name}/invocations")
    async def invocations(name: str, request: Request):
        auth(request)
        started, clock = time.time(), time.perf_counter()
        body = await _read_capped(request)
        endpoint, entity = endpoints.choose(name)
        request_id = str(uuid.uuid4())
        payload = None
        entity.in_flight += 1
        try:
            payload = scoring.decode(body)
            text, status = await anyio.to_thread.run_sync(_score, entity, payload, limiter=entity.limiter()), 200
        except ServingError as err:
            text, status = json.dumps(err.body()), err.status
            entity.server_log.write(f"{status} {err.message}")
        finally:
            entity.in_flight -= 1
            entity.last_used = time.monotonic()
        capture = endpoint.capture()
        if capture is not None:
            payloads.log(capture, inference_table.row(
                request_id=request_id, client_request_id=(payload or {}).get("client_request_id"), started=started,
                status=status, duration_ms=int((time.perf_counter() - clock) * 1000), request=body, response=text,
                entity_id=entity.spec.name, requester=endpoints.requester,
                metadata={"endpoint_name": name, "model_name": entity.spec.model_name,
                          "model_version": entity.spec.model_version, "served_entity_name": entity.spec.name}))
        return Response(text, status_code=status, media_type="application/json",
                        headers={"served-model-name": entity.spec.name, "x-request-id": request_id})

    return app

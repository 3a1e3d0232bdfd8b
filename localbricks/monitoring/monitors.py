"""The quality-monitors API of Unity Catalog, locally: what ``w.quality_monitors`` of the real SDK reaches.

The local service keeps one JSON file per monitored table under ``<workspace>/monitors/``: the
monitor (the SDK's ``MonitorInfo`` as JSON) and its refresh history (``MonitorRefreshInfo``). A
refresh is queued (PENDING), run by ``RefreshRunner`` on the service's own Spark session (RUNNING)
and ends SUCCESS, FAILED with the reason, or CANCELED.

Requests and responses are the SDK's dataclasses (``databricks.sdk.service.catalog``) turned to and
from JSON with their own ``from_dict`` / ``as_dict``, so a field the SDK adds or renames shows up
here as a test failure, not as a silent difference. What the real service refuses is refused here
with the same kind of error, checked at create time from the table's Delta schema (no JVM needed):
a table that is not a Unity Catalog table, a missing column, a timestamp of the wrong type, an
unknown granularity, a second monitor on one table, a second refresh while one is active.

Local differences, said where they occur: no dashboard is made (``dashboard_id`` stays empty),
``schedule`` is kept but never fires (the service lives only while a kernel uses it), and custom
metrics are refused as not implemented.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path

from databricks.sdk.service.catalog import (MonitorInferenceLog, MonitorInfo, MonitorInfoStatus, MonitorRefreshInfo,
                                            MonitorRefreshInfoState, MonitorRefreshInfoTrigger, MonitorSnapshot,
                                            MonitorTimeSeries)

from localbricks import catalogs, names, workspace
from localbricks.monitoring import plan as plans
from localbricks.monitoring import tables
from localbricks.monitoring.errors import MonitorConfigError
from localbricks.serving.errors import AlreadyExists, Conflict, InvalidParameter, NotFound, ServingError

log = logging.getLogger("localbricks.monitoring")
PROFILES = {"inference_log": MonitorInferenceLog, "time_series": MonitorTimeSeries, "snapshot": MonitorSnapshot}
UPDATABLE = ("baseline_table_name", "custom_metrics", "data_classification_config", "notifications", "schedule",
             "slicing_exprs", *PROFILES)
HISTORY = 25
"""How many refreshes ``list_refreshes`` returns, newest first (Databricks keeps the most recent 25)."""
ACTIVE = (MonitorRefreshInfoState.PENDING, MonitorRefreshInfoState.RUNNING)


class NotImplementedLocally(ServingError):
    status, error_code = 501, "NOT_IMPLEMENTED"


def _now_ms() -> int:
    return int(time.time() * 1000)


def _table_schema(full_name: str, what: str):
    """The Spark schema of a Unity Catalog table, read from its Delta log; NotFound if there is none."""
    import deltalake
    from pyspark.sql import types as T

    try:
        name = names.parse(full_name, what)
    except ValueError as err:
        raise InvalidParameter(str(err)) from None
    folder = catalogs.table_folder(name.catalog, name.schema, name.name)
    try:
        schema_json = deltalake.DeltaTable(str(folder)).schema().to_json()
    except Exception:  # deltalake raises TableNotFoundError (and others) for a folder with no Delta log
        raise NotFound(f"Table '{full_name}' does not exist.", error_code="TABLE_DOES_NOT_EXIST") from None
    return T.StructType.fromJson(json.loads(schema_json))


def _profile(body: dict):
    """The one profile type a request sets, as the SDK's dataclass."""
    given = [key for key in PROFILES if body.get(key) is not None]
    if len(given) != 1:
        raise InvalidParameter("Exactly one of inference_log, time_series or snapshot must be given, "
                               f"got {', '.join(given) or 'none'}.")
    key = given[0]
    if not isinstance(body[key], dict):
        raise InvalidParameter(f"{key} must be an object.")
    return key, PROFILES[key].from_dict(body[key])


class Monitors:
    """The workspace's monitors and refresh records, behind one lock (the service is their only writer)."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder or workspace.subdir("monitors"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.runner = None  # a RefreshRunner, set by the service
        self._fail_interrupted()

    # -- storage ---------------------------------------------------------------------------------
    def _path(self, table_name: str) -> Path:
        return self.folder / f"{table_name.lower()}.json"

    def _load(self, table_name: str) -> dict:
        try:
            return json.loads(self._path(table_name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFound(f"Monitor for table '{table_name}' does not exist.") from None

    def _save(self, record: dict) -> None:
        path = self._path(record["info"]["table_name"])
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
        tmp.replace(path)

    def _fail_interrupted(self) -> None:
        """Refreshes left PENDING or RUNNING by a service that stopped can never finish: say so."""
        for path in self.folder.glob("*.json"):
            record = json.loads(path.read_text(encoding="utf-8"))
            changed = False
            for refresh in record["refreshes"]:
                if refresh["state"] in {s.value for s in ACTIVE}:
                    refresh.update(state="FAILED", end_time_ms=_now_ms(),
                                   message="The local service stopped before this refresh finished; run it again.")
                    changed = True
            if changed:
                self._save(record)

    # -- validation ------------------------------------------------------------------------------
    def _validate(self, table_name: str, info: MonitorInfo, profile_key: str) -> None:
        schema = _table_schema(table_name, "table")
        output = info.output_schema_name
        if not isinstance(output, str) or len(output.split(".")) != 2:
            raise InvalidParameter(f"output_schema_name must be 'catalog.schema', got {output!r}.")
        if not catalogs.schema_exists(*output.split(".")):
            raise NotFound(f"Schema '{output}' does not exist.", error_code="SCHEMA_DOES_NOT_EXIST")
        if info.custom_metrics:
            raise NotImplementedLocally("Custom metrics are not implemented by the local monitor service.")
        try:
            plan = plans.check_config(schema, getattr(info, profile_key), table_name)
            if info.baseline_table_name:
                plans.check_baseline(plan, _table_schema(info.baseline_table_name, "baseline table"),
                                     info.baseline_table_name)
        except MonitorConfigError as err:
            raise InvalidParameter(str(err)) from None

    # -- the API ---------------------------------------------------------------------------------
    def create(self, table_name: str, body: dict) -> dict:
        for field in ("assets_dir", "output_schema_name"):
            if not isinstance(body.get(field), str) or not body[field].strip():
                raise InvalidParameter(f"{field} is required.")
        key, profile = _profile(body)
        info = MonitorInfo.from_dict({**body, "table_name": table_name})
        setattr(info, key, profile)
        with self._lock:
            if self._path(table_name).exists():
                raise AlreadyExists(f"Monitor for table '{table_name}' already exists.")
            self._validate(table_name, info, key)
            named = tables.names(table_name, info.output_schema_name)
            info.status = MonitorInfoStatus.MONITOR_STATUS_ACTIVE
            info.profile_metrics_table_name = named["profile_metrics"]
            info.drift_metrics_table_name = named["drift_metrics"]
            info.monitor_version = 1
            self._save({"info": info.as_dict(), "refreshes": []})
        log.info("monitor created on %s", table_name)
        return info.as_dict()

    def get(self, table_name: str) -> dict:
        with self._lock:
            return self._load(table_name)["info"]

    def update(self, table_name: str, body: dict) -> dict:
        with self._lock:
            record = self._load(table_name)
            current = record["info"]
            if body.get("output_schema_name") not in (None, current["output_schema_name"]):
                raise InvalidParameter("output_schema_name cannot be changed; delete the monitor and create a new one.")
            key, profile = _profile(body)
            old_key = next(k for k in PROFILES if current.get(k) is not None)
            if key != old_key:
                raise InvalidParameter(f"A monitor's profile type cannot change ({old_key} to {key}); delete the "
                                       "monitor and create a new one.")
            merged = {k: v for k, v in current.items() if k not in UPDATABLE}
            merged.update({k: body[k] for k in UPDATABLE if body.get(k) is not None})
            info = MonitorInfo.from_dict(merged)
            setattr(info, key, profile)
            self._validate(table_name, info, key)
            info.monitor_version = int(current.get("monitor_version") or 1) + 1
            record["info"] = info.as_dict()
            self._save(record)
            return record["info"]

    def delete(self, table_name: str) -> dict:
        """Remove the monitor; its metric tables stay, as on Databricks (drop them yourself)."""
        with self._lock:
            self._load(table_name)
            self._path(table_name).unlink()
        return {}

    def run_refresh(self, table_name: str) -> dict:
        with self._lock:
            record = self._load(table_name)
            if any(r["state"] in {s.value for s in ACTIVE} for r in record["refreshes"]):
                raise Conflict(f"A refresh of the monitor for '{table_name}' is already pending or running; wait "
                               "for it (get_refresh) or cancel it.")
            refresh_id = 1 + max((r["refresh_id"] for r in record["refreshes"]), default=0)
            refresh = MonitorRefreshInfo(refresh_id=refresh_id, state=MonitorRefreshInfoState.PENDING,
                                         start_time_ms=_now_ms(), trigger=MonitorRefreshInfoTrigger.MANUAL).as_dict()
            record["refreshes"].append(refresh)
            self._save(record)
        self.runner.submit(table_name, refresh_id)
        return refresh

    def list_refreshes(self, table_name: str) -> dict:
        with self._lock:
            refreshes = self._load(table_name)["refreshes"]
        return {"refreshes": sorted(refreshes, key=lambda r: -r["refresh_id"])[:HISTORY]}

    def get_refresh(self, table_name: str, refresh_id: str) -> dict:
        with self._lock:
            for refresh in self._load(table_name)["refreshes"]:
                if str(refresh["refresh_id"]) == str(refresh_id):
                    return refresh
        raise NotFound(f"Refresh {refresh_id} of the monitor for '{table_name}' does not exist.")

    def cancel_refresh(self, table_name: str, refresh_id: str) -> dict:
        refresh = self.get_refresh(table_name, refresh_id)
        if refresh["state"] not in {s.value for s in ACTIVE}:
            raise Conflict(f"Refresh {refresh_id} has already ended ({refresh['state']}).")
        self.runner.cancel(table_name, int(refresh_id))
        return {}

    # -- what the runner reports -----------------------------------------------------------------
    def mark(self, table_name: str, refresh_id: int, state: MonitorRefreshInfoState, message: str | None = None):
        """Record a refresh's new state; a no-op if its monitor was deleted meanwhile."""
        with self._lock:
            try:
                record = self._load(table_name)
            except NotFound:
                return None
            for refresh in record["refreshes"]:
                if refresh["refresh_id"] == refresh_id:
                    if state == MonitorRefreshInfoState.RUNNING:
                        refresh["start_time_ms"] = _now_ms()
                    else:
                        refresh["end_time_ms"] = _now_ms()
                    refresh["state"] = state.value
                    if message:
                        refresh["message"] = message
            self._save(record)
            return record["info"]

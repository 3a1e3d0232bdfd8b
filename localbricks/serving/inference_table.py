"""Inference tables: every request an endpoint answers, appended to a Delta table off the request path.

Rows go on a bounded queue and a background thread appends them in batches with delta-rs (the
``deltalake`` package), so the service needs no JVM and a slow or failing write never slows or
fails a request: a full queue drops rows and counts them, a failed write is logged and counted.
The table lives where the local catalog keeps ``<catalog>.<schema>.<prefix>_payload``, so Spark
reads it by name. Columns follow Databricks' payload table.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import queue
import threading
import time

from localbricks.serving.config import Capture

log = logging.getLogger("localbricks.serving")

COLUMNS = ("databricks_request_id", "client_request_id", "request_date", "request_time", "status_code",
           "execution_duration_ms", "request", "response", "served_entity_id", "requester", "request_metadata",
           "sampling_fraction")


def _schema():
    import pyarrow as pa

    return pa.schema([
        ("databricks_request_id", pa.string()), ("client_request_id", pa.string()),
        ("request_date", pa.date32()), ("request_time", pa.timestamp("us", tz="UTC")),
        ("status_code", pa.int32()), ("execution_duration_ms", pa.int64()),
        ("request", pa.string()), ("response", pa.string()), ("served_entity_id", pa.string()),
        ("requester", pa.string()), ("request_metadata", pa.map_(pa.string(), pa.string())),
        ("sampling_fraction", pa.float64()),
    ])


def row(*, request_id: str, client_request_id: str | None, started: float, status: int, duration_ms: int,
        request: bytes, response: str, entity_id: str | None, requester: str, metadata: dict[str, str]) -> dict:
    when = dt.datetime.fromtimestamp(started, tz=dt.timezone.utc)
    return {"databricks_request_id": request_id, "client_request_id": client_request_id,
            "request_date": when.date(), "request_time": when, "status_code": status,
            "execution_duration_ms": duration_ms, "request": request.decode("utf-8", "replace"),
            "response": response, "served_entity_id": entity_id, "requester": requester,
            "request_metadata": list(metadata.items()), "sampling_fraction": 1.0}


def check_destination(capture: Capture) -> None:
    """Refuse a capture whose schema does not exist, as Databricks does when the config is saved."""
    from localbricks import catalogs
    from localbricks.serving.errors import InvalidParameter

    if not catalogs.schema_exists(capture.catalog_name, capture.schema_name):
        raise InvalidParameter(f"The inference table's schema {capture.catalog_name}.{capture.schema_name} does not "
                               "exist: create it first (CREATE SCHEMA IF NOT EXISTS ...).")


class PayloadLogger:
    """Batches rows per table and appends them every ``flush_seconds`` (or ``max_rows``)."""

    def __init__(self, flush_seconds: float = 1.0, max_rows: int = 2000, capacity: int = 100_000):
        self.flush_seconds, self.max_rows = flush_seconds, max_rows
        self.dropped = self.failed_writes = self.written = 0
        self._queue: queue.Queue = queue.Queue(maxsize=capacity)
        self._idle = threading.Event()
        self._idle.set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="inference-tables", daemon=True)
        self._thread.start()

    def log(self, capture: Capture, values: dict) -> None:
        """Queue one row; never blocks and never raises."""
        try:
            self._idle.clear()
            self._queue.put_nowait((capture.table_name, capture, values))
        except queue.Full:
            self.dropped += 1

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued row is written (for shutdown and tests); True if it was."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.empty() and self._idle.is_set():
                return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        self.flush(timeout=10)
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            batch = self._take()
            if batch:
                self._write(batch)
            if self._queue.empty():
                self._idle.set()

    def _take(self) -> list:
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return []
        batch, deadline = [first], time.monotonic() + self.flush_seconds
        while len(batch) < self.max_rows:
            try:
                batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return batch

    def _write(self, batch: list) -> None:
        import pyarrow as pa
        from deltalake import write_deltalake

        from localbricks import catalogs

        tables: dict[str, tuple[Capture, list]] = {}
        for name, capture, values in batch:
            tables.setdefault(name, (capture, []))[1].append(values)
        for name, (capture, rows) in tables.items():
            folder = catalogs.table_folder(capture.catalog_name, capture.schema_name,
                                           f"{capture.table_name_prefix}_payload")
            try:
                data = pa.Table.from_pylist(rows, schema=_schema())
                write_deltalake(str(folder), data, mode="append")
                self.written += len(rows)
            except Exception as err:  # a write must never take the service down
                self.failed_writes += 1
                log.warning("inference table %s: could not append %d rows (%s: %s)", name, len(rows),
                            type(err).__name__, err)


def as_json(value) -> str:
    return json.dumps(value, separators=(",", ":"))

"""Run queued monitor refreshes, one at a time, on the service process's own Spark session.

A refresh is a Spark job, so it needs a driver. The service starts one the first time a refresh
runs (about as long as a notebook's first Spark start) and keeps it for the next refreshes; the
kernel's session is another process and cannot be borrowed. Both sessions see the same Unity
Catalog folders, so the metric tables a refresh writes are at once visible to the notebook.

Each refresh runs in its own Spark job group, which is how ``cancel_refresh`` stops a running one.
"""
from __future__ import annotations

import logging
import queue
import threading

from databricks.sdk.service.catalog import MonitorInfo, MonitorRefreshInfoState

from localbricks.monitoring.errors import MonitorConfigError

log = logging.getLogger("localbricks.monitoring")


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"[:400]


class RefreshRunner:
    """A worker thread draining a queue of (table, refresh id)."""

    def __init__(self, monitors, spark_factory=None):
        self.monitors = monitors
        self._spark_factory = spark_factory
        self._spark = None
        self._queue: queue.Queue = queue.Queue()
        self._canceled: set[tuple[str, int]] = set()
        self._running: tuple[str, int] | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, daemon=True, name="monitor-refresh")
        self._thread.start()

    def submit(self, table_name: str, refresh_id: int) -> None:
        self._queue.put((table_name, refresh_id))

    def cancel(self, table_name: str, refresh_id: int) -> None:
        with self._lock:
            self._canceled.add((table_name, refresh_id))
            running = self._running == (table_name, refresh_id)
        if running and self._spark is not None:
            self._spark.sparkContext.cancelJobGroup(self._group(table_name, refresh_id))
        if not running:  # still queued: it ends here, the worker skips it
            self.monitors.mark(table_name, refresh_id, MonitorRefreshInfoState.CANCELED, "Canceled before it started.")

    @staticmethod
    def _group(table_name: str, refresh_id: int) -> str:
        return f"monitor-refresh:{table_name}:{refresh_id}"

    def _spark_session(self):
        if self._spark is None:
            if self._spark_factory is not None:
                self._spark = self._spark_factory()
            else:
                from localbricks import session

                self._spark = session.get_spark()
        return self._spark

    def _work(self) -> None:
        while True:
            table_name, refresh_id = self._queue.get()
            try:
                self._run(table_name, refresh_id)
            except Exception:  # the runner itself must survive anything, or later refreshes hang PENDING
                log.exception("monitor refresh %s of %s: unexpected error", refresh_id, table_name)
            finally:
                self._queue.task_done()

    def _run(self, table_name: str, refresh_id: int) -> None:
        from localbricks.monitoring.refresh import refresh

        with self._lock:
            if (table_name, refresh_id) in self._canceled:
                return
            self._running = (table_name, refresh_id)
        try:
            info = self.monitors.mark(table_name, refresh_id, MonitorRefreshInfoState.RUNNING)
            if info is None:  # deleted while queued
                return
            monitor = MonitorInfo.from_dict(info)
            config = monitor.inference_log or monitor.time_series or monitor.snapshot
            try:
                spark = self._spark_session()
                spark.sparkContext.setJobGroup(self._group(table_name, refresh_id), f"refresh {refresh_id}",
                                               interruptOnCancel=True)
                result = refresh(spark, config, table_name, monitor.output_schema_name,
                                 baseline_table=monitor.baseline_table_name, slicing_exprs=monitor.slicing_exprs)
            except MonitorConfigError as err:
                self.monitors.mark(table_name, refresh_id, MonitorRefreshInfoState.FAILED, str(err))
                return
            except Exception as err:
                with self._lock:
                    canceled = (table_name, refresh_id) in self._canceled
                if canceled:
                    self.monitors.mark(table_name, refresh_id, MonitorRefreshInfoState.CANCELED, "Canceled.")
                else:
                    log.exception("monitor refresh %s of %s failed", refresh_id, table_name)
                    self.monitors.mark(table_name, refresh_id, MonitorRefreshInfoState.FAILED, _one_line(err))
                return
            recomputed = len(result.windows_recomputed)
            self.monitors.mark(table_name, refresh_id, MonitorRefreshInfoState.SUCCESS,
                               f"{recomputed} window(s) recomputed." if recomputed else "No new data: nothing recomputed.")
        finally:
            with self._lock:
                self._running = None

"""The service process: bind loopback, serve the app with uvicorn, advertise itself, stop when unused.

It writes ``<workspace>/serving/service.json`` (pid, port) so kernels find and reuse it. Started by
``activate()`` it watches ``<workspace>/serving/clients/``, one file per kernel that uses it, and
exits a few seconds after the last of those processes is gone (or the workspace is deleted), so no
test or notebook run leaves a server behind. ``python -m localbricks.serving`` runs it in the
foreground, with its log on the terminal, until Ctrl-C.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import sys
import threading
import time
from pathlib import Path

from localbricks import workspace

log = logging.getLogger("localbricks.serving")
INFO_FILE = "service.json"
CLIENTS_DIR = "clients"


def folder() -> Path:
    return workspace.subdir("serving")


def read_info() -> dict | None:
    try:
        return json.loads((folder() / INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped) counts as gone
        import psutil

        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except Exception:
        return True


def live_clients(clients: Path) -> list[int]:
    """Pids of the processes registered in ``clients`` that still run; stale files are removed."""
    alive = []
    for path in clients.glob("*"):
        pid = int(path.name) if path.name.isdigit() else None
        if pid and pid_alive(pid):
            alive.append(pid)
        else:
            path.unlink(missing_ok=True)
    return alive


def _watch(server, clients: Path, interval: float) -> None:
    idle_checks = 0
    while not server.should_exit:
        time.sleep(interval)
        if not clients.is_dir() or not live_clients(clients):
            idle_checks += 1
        else:
            idle_checks = 0
        if idle_checks >= 2:
            log.info("no kernel uses the service any more: stopping")
            server.should_exit = True


def _write_info(info: dict) -> None:
    path = folder() / INFO_FILE
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(info), encoding="utf-8")
    tmp.replace(path)


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def listen(port: int = 0) -> socket.socket:
    """A loopback TCP socket for uvicorn.

    It is made with ``IPPROTO_TCP`` rather than 0: asyncio turns Nagle off (``TCP_NODELAY``) only
    on connections of sockets that say they are TCP, and without it every small response waits
    about 40 ms for a delayed ACK (measured: 48 ms against 2 ms for a health check).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def serve(port: int = 0, *, watch_clients: bool = False, foreground: bool = False) -> None:
    """Run the service until stopped.

    Args:
        port: the loopback port; 0 picks a free one.
        watch_clients: exit when no registered kernel is alive (how ``activate()`` starts it).
        foreground: log to the terminal as well as to ``serving/service.log``.
    """
    import uvicorn

    from localbricks import registry, tracking
    from localbricks.serving.app import create_app
    from localbricks.serving.auth import requester, token
    from localbricks.serving.endpoints import Endpoints
    from localbricks.serving.inference_table import PayloadLogger

    handlers = [logging.FileHandler(folder() / "service.log")]
    if foreground:
        handlers.append(logging.StreamHandler(sys.stderr))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", handlers=handlers,
                        force=True)
    tracking.configure()
    registry.install()

    try:
        sock = listen(port)
    except OSError:  # the old port of a restarted service is taken: any free one will do
        sock = listen(0)
    port = sock.getsockname()[1]
    host = f"http://127.0.0.1:{port}"
    endpoints = Endpoints(folder() / "endpoints", host, requester())
    payloads = PayloadLogger(flush_seconds=_env_float("LOCALBRICKS_INFERENCE_FLUSH_SECONDS", 1.0))
    app = create_app(endpoints, token(), payloads=payloads,
                     idle_seconds=_env_float("LOCALBRICKS_SCALE_TO_ZERO_SECONDS", 1800.0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                                           timeout_graceful_shutdown=3, backlog=512))
    if watch_clients:
        clients = folder() / CLIENTS_DIR
        threading.Thread(target=_watch, args=(server, clients, 2.0), daemon=True, name="client-watch").start()
    _write_info({"pid": os.getpid(), "port": port, "host": host, "started": time.time()})
    log.info("serving on %s (workspace %s)", host, workspace.home())
    if foreground:
        print(f"localbricks serving on {host}  (token: {folder() / 'token'}; Ctrl-C stops)", flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        info = read_info()
        if info and info.get("pid") == os.getpid():
            (folder() / INFO_FILE).unlink(missing_ok=True)

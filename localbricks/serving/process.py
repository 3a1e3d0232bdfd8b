"""The kernel's side: find the workspace's serving service, start it if it is not running, stop it.

``ensure_running`` is what ``activate()`` calls. It registers the calling process as a client (the
service lives as long as one does), reuses a service that answers with this workspace's token, and
otherwise starts a fresh one and waits until it answers, so ``WorkspaceClient()`` never meets a
closed port. A lock file keeps two kernels starting at once from starting two services.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from localbricks import locks, workspace
from localbricks.errors import LocalbricksError
from localbricks.serving import service
from localbricks.serving.auth import token

HOST_ENV, TOKEN_ENV = "DATABRICKS_HOST", "DATABRICKS_TOKEN"
_OURS_ENV = "LOCALBRICKS_SERVING_HOST"  # remembers the host we set, so a user's own DATABRICKS_HOST wins


def _answers(host: str, secret: str, timeout: float = 2.0) -> bool:
    """True if ``host`` is a serving service that accepts this workspace's token."""
    request = urllib.request.Request(f"{host}/api/2.0/serving-endpoints", headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def register_client(pid: int | None = None) -> None:
    clients = service.folder() / service.CLIENTS_DIR
    clients.mkdir(exist_ok=True)
    (clients / str(pid or os.getpid())).touch()


def running() -> dict | None:
    """The live service's info (pid, port, host), or None."""
    info = service.read_info()
    if info and service.pid_alive(info["pid"]) and _answers(info["host"], token()):
        return info
    return None


def _log_tail(lines: int = 15) -> str:
    try:
        text = (service.folder() / "service.log").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def start(timeout: float = 90.0) -> dict:
    """Start a service for this workspace and wait until it answers.

    A service that died is restarted on its old port when that is free, so clients that cached its
    URL (a ``WorkspaceClient`` made before) keep working.
    """
    env = {**os.environ, workspace.HOME_ENV: str(workspace.home())}
    previous = service.read_info() or {}
    port = ["--port", str(previous["port"])] if previous.get("port") else []
    with open(service.folder() / "service.out", "ab") as out:
        child = subprocess.Popen([sys.executable, "-m", "localbricks.serving", "serve", "--watch-clients", *port],
                                 env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True,
                                 cwd=str(workspace.home()))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = service.read_info()
        if info and info.get("pid") == child.pid and _answers(info["host"], token()):
            return info
        if child.poll() is not None:
            raise LocalbricksError(f"The local serving service exited at start (code {child.returncode}). Its log:\n"
                                   f"{_log_tail()}")
        time.sleep(0.1)
    child.kill()
    raise LocalbricksError(f"The local serving service did not answer within {timeout:.0f} s. Its log:\n{_log_tail()}")


def ensure_running() -> str:
    """The URL of this workspace's serving service, started if needed; this process becomes a client."""
    register_client()
    with locks.exclusive(service.folder() / "start.lock"):
        info = running() or start()
    return info["host"]


def configure_environment() -> str | None:
    """Point ``DATABRICKS_HOST`` / ``DATABRICKS_TOKEN`` at the local service, unless the user chose a host.

    Returns the host in use, or None when the user's own ``DATABRICKS_HOST`` was left in place.
    """
    chosen = os.environ.get(HOST_ENV)
    if chosen and chosen != os.environ.get(_OURS_ENV):
        return None
    host = ensure_running()
    os.environ[HOST_ENV] = os.environ[_OURS_ENV] = host
    os.environ[TOKEN_ENV] = token()
    return host


def stop(timeout: float = 10.0) -> bool:
    """Stop this workspace's service, if one runs; True if one was stopped."""
    info = service.read_info()
    if not info or not service.pid_alive(info["pid"]):
        return False
    os.kill(info["pid"], signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and service.pid_alive(info["pid"]):
        time.sleep(0.05)
    if service.pid_alive(info["pid"]):
        os.kill(info["pid"], signal.SIGKILL)
    return True

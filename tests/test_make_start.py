"""`make start` really serves JupyterLab, opened at the welcome notebook."""
import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from tests_support import REPO_ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.timeout(300)
def test_make_start_serves_jupyterlab_on_localhost(tmp_path):
    port, token = _free_port(), "course-test-token"
    args = f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --IdentityProvider.token={token}"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    proc = subprocess.Popen(["make", "start", f"JUPYTER_ARGS={args}"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline, status = time.monotonic() + 240, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=5) as resp:
                    status = resp.status
                    page = resp.read().decode()
                break
            except OSError:
                time.sleep(1)
        assert status == 200, f"JupyterLab did not answer; make start said:\n{proc.stdout.read() if proc.poll() is not None else ''}"
        assert "JupyterLab" in page
        with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/api/contents/notebooks/00_welcome_and_setup.ipynb?token={token}", timeout=10) as resp:
            assert resp.status == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)

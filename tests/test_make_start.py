"""`make start` really serves JupyterLab, opened at the welcome notebook."""
import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest

from tests_support import REPO_ROOT


def _server_port(runtime_dir) -> int | None:
    """The port JupyterLab bound, from the server file it writes in its runtime folder once it listens."""
    for info in runtime_dir.glob("jpserver-*.json"):
        try:
            return json.loads(info.read_text())["port"]
        except (ValueError, KeyError):   # being written
            return None
    return None


@pytest.mark.timeout(300)
def test_make_start_serves_jupyterlab_on_localhost(tmp_path):
    token = "course-test-token"   # port 0: the server binds a free port itself, and says which in its runtime folder
    args = f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=0 --IdentityProvider.token={token}"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    proc = subprocess.Popen(["make", "start", f"JUPYTER_ARGS={args}"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline, status, port = time.monotonic() + 240, None, None
        while time.monotonic() < deadline and proc.poll() is None:
            port = port or _server_port(tmp_path)
            if port is None:
                time.sleep(1)
                continue
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

"""The service's life: one per workspace, reused by a second kernel, restarted when dead with its endpoints
back, and gone by itself once no kernel uses it."""
import os
import signal
import subprocess
import sys
import time

from localbricks import serving
from localbricks.serving import service as service_module

from serving_support import core_config, entity


def _wait_gone(pid, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not service_module.pid_alive(pid):
            return True
        time.sleep(0.2)
    return False


def test_a_second_kernel_reuses_the_running_service(service):
    before = serving.running()
    child = subprocess.run([sys.executable, "-c", "import os; from localbricks import serving; "
                            "serving.configure_environment(); print(os.environ['DATABRICKS_HOST'])"],
                           capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == service == before["host"]
    assert serving.running()["pid"] == before["pid"]


def test_a_killed_service_is_restarted_by_the_next_activate_with_its_endpoints(w, models, new_endpoint):
    name = new_endpoint("persist")
    w.serving_endpoints.create_and_wait(name=name, config=core_config(
        name, entity(models["const1"], "one"), entity(models["const2"], "two"), routes={"one": 0, "two": 100}))
    old = serving.running()
    os.kill(old["pid"], signal.SIGKILL)
    assert _wait_gone(old["pid"])
    host = serving.configure_environment()  # what activate() does
    assert serving.running()["pid"] != old["pid"]
    assert host == old["host"]  # back on its old port: clients made before the restart keep working
    from databricks.sdk import WorkspaceClient

    again = WorkspaceClient(host=host, token=os.environ["DATABRICKS_TOKEN"])
    ep = again.serving_endpoints.get(name)
    assert [(e.name, e.entity_version) for e in ep.config.served_entities] == [("one", models["const1"][1]),
                                                                             ("two", models["const2"][1])]
    assert [r.traffic_percentage for r in ep.config.traffic_config.routes] == [0, 100]
    answer = again.serving_endpoints.query(name=name, dataframe_records=[{"a": 1.0, "b": 1.0}])
    assert (answer.served_model_name, answer.predictions) == ("two", [2.0])


def test_a_service_stops_by_itself_when_its_last_kernel_exits(tmp_path):
    env = {**os.environ, "LOCALBRICKS_HOME": str(tmp_path / "ws")}
    env.pop("DATABRICKS_HOST", None)
    env.pop("LOCALBRICKS_SERVING_HOST", None)
    child = subprocess.run([sys.executable, "-c", "from localbricks import serving; serving.configure_environment(); "
                            "print(serving.running()['pid'])"], capture_output=True, text=True, timeout=120, env=env)
    assert child.returncode == 0, child.stderr
    pid = int(child.stdout.strip().splitlines()[-1])
    assert _wait_gone(pid, 30), "the service outlived the only kernel that used it"


def test_a_users_own_databricks_host_is_left_alone(tmp_path):
    env = {**os.environ, "LOCALBRICKS_HOME": str(tmp_path / "ws"), "DATABRICKS_HOST": "https://example.invalid"}
    env.pop("LOCALBRICKS_SERVING_HOST", None)
    child = subprocess.run([sys.executable, "-c", "import os; from localbricks import serving; "
                            "print(serving.configure_environment(), os.environ['DATABRICKS_HOST'])"],
                           capture_output=True, text=True, timeout=120, env=env)
    assert child.returncode == 0, child.stderr
    assert child.stdout.split() == ["None", "https://example.invalid"]


def test_the_foreground_command_serves_until_stop(tmp_path):
    env = {**os.environ, "LOCALBRICKS_HOME": str(tmp_path / "ws")}
    cli = [sys.executable, "-m", "localbricks.serving"]
    assert subprocess.run([*cli, "status"], env=env, capture_output=True, text=True, timeout=60).stdout.strip() == \
        "not running"
    server = subprocess.Popen([*cli, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline:
            status = subprocess.run([*cli, "status"], env=env, capture_output=True, text=True, timeout=60)
            if status.returncode == 0:
                break
            time.sleep(0.5)
        assert status.returncode == 0 and status.stdout.startswith("running at http://127.0.0.1:"), status.stdout
        second = subprocess.run([*cli, "serve"], env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and "already runs" in second.stderr
        assert subprocess.run([*cli, "stop"], env=env, capture_output=True, text=True, timeout=60).stdout.strip() == \
            "stopped"
        out, _ = server.communicate(timeout=30)
        assert "localbricks serving on http://127.0.0.1:" in out
    finally:
        if server.poll() is None:
            server.kill()


def test_the_listening_socket_is_tcp_on_loopback_so_asyncio_disables_nagle():
    """A socket made with proto 0 gets no TCP_NODELAY from asyncio: every response then waits for a delayed ACK."""
    import socket

    sock = service_module.listen(0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()

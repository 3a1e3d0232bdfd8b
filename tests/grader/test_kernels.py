"""Kernels on Unix sockets: a notebook run's kernel has no TCP port another process could be handed."""
from __future__ import annotations

import json
import os

import pytest

from nbfactory import code, notebook, save
from grader import cellrun, notebooks, run, sandbox
from grader.kernels import UnixSocketKernelManager, socket_folder

# the kernel's own account of its five channels (ipykernel also binds one loopback port for its
# subprocesses' output, but it binds that itself and holds it, which is not the race avoided here)
REPORT = '''import json, os, stat
from ipykernel.kernelapp import IPKernelApp
app = IPKernelApp.instance()
ports = [app.shell_port, app.iopub_port, app.stdin_port, app.hb_port, app.control_port]
print(json.dumps({"transport": app.transport, "ip": app.ip,
                  "sockets": [stat.S_ISSOCK(os.stat(f"{app.ip}-{p}").st_mode) for p in ports]}))'''


def test_a_notebook_runs_kernel_serves_its_channels_on_unix_sockets(tmp_path):
    save(notebook(code(REPORT)), tmp_path / "in" / "report.ipynb")
    result = run.run_one(tmp_path / "in" / "report.ipynb", tmp_path, {})
    assert result.status == "ok", result.error
    [cell] = notebooks.read(result.output).cells
    seen = json.loads("".join(o.get("text", "") for o in cell.outputs))
    assert seen["transport"] == "ipc"
    assert os.path.isabs(seen["ip"])
    assert seen["sockets"] == [True] * 5


def test_each_kernel_gets_sockets_of_its_own_under_a_short_path():
    first, second = UnixSocketKernelManager(kernel_name="python3"), UnixSocketKernelManager(kernel_name="python3")
    assert first.transport == second.transport == "ipc"
    assert first.ip != second.ip
    assert len(os.fsencode(first.ip + "-65535")) <= 107


def test_a_runtime_folder_too_long_for_a_socket_falls_back_to_the_temporary_folder(monkeypatch, tmp_path):
    deep = tmp_path / ("x" * 60) / ("y" * 60)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(deep))
    assert socket_folder() != str(deep)
    assert len(os.fsencode(UnixSocketKernelManager(kernel_name="python3").ip + "-65535")) <= 107
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "rt"))
    assert socket_folder() == str(tmp_path / "rt") and (tmp_path / "rt").is_dir()


def test_asking_for_tcp_still_gets_tcp():
    assert UnixSocketKernelManager(kernel_name="python3", transport="tcp").ip == "127.0.0.1"


@pytest.mark.parametrize("level", ["scratch", sandbox.detect_level()])
def test_a_graded_kernel_serves_its_channels_on_unix_sockets_at_every_sandbox_level(level, tmp_path):
    repo = tmp_path / "repo"
    (repo / "datasets").mkdir(parents=True)
    (repo / "requirements.txt").write_text("x==1\n")
    box = sandbox.Sandbox(tmp_path / "s", repo, level).prepare()
    nb = notebook(code(REPORT))
    record = cellrun.run_submission(nb, box, {0}, cell_timeout=120, submission_timeout=300)
    assert record.cells[0].outcome == "passed", (record, (box.scratch / "kernel.log").read_text())
    seen = json.loads("".join(o.get("text", "") for o in nb.cells[0].outputs))
    assert seen["transport"] == "ipc" and seen["sockets"] == [True] * 5

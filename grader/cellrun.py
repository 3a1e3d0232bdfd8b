"""Run a restored submission cell by cell in its sandbox and keep the grader's own record of each test cell.

nbclient (what nbgrader and papermill execute with) drives the kernel; this module decides what
counts. A test cell passes only when the grader saw all of it happen: the kernel replied ``ok``,
no error was shown, and a line the grader appended with a fresh random token (made when the cell
is sent, so no earlier cell can know it) was printed, which only happens when every statement
before it finished. A kernel that exits, is killed, hangs or swallows its errors therefore earns
nothing for the cells it did not finish, and nothing the kernel writes to disk is read back.

Outputs are capped as they arrive (per cell and per notebook), so a flood neither fills the
grader's memory nor the executed copy kept for feedback.
"""
from __future__ import annotations

import asyncio
import json
import secrets
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets import Any

from grader.kernels import UnixSocketKernelManager
from grader.sandbox import Sandbox

# Runs first in the kernel's command: cap the address space (inherited by all it starts), then exec.
_LIMIT_AND_EXEC = (
    "import os, resource, sys; n = int(sys.argv[1]); "
    "n and resource.setrlimit(resource.RLIMIT_AS, (n, n)); "
    "os.execvp(sys.argv[2], sys.argv[2:])"
)
TRUNCATED = "\n[output truncated by the grader: this cell printed more than {limit} bytes]\n"


@dataclass
class CellRecord:
    """What the grader saw of one test cell."""

    outcome: str = "not run"  # one of grader.gradebook.OUTCOMES
    message: str = ""


@dataclass
class RunRecord:
    """What the grader saw of a whole submission."""

    cells: dict = field(default_factory=dict)  # cell index -> CellRecord, test cells only
    kernel_died: bool = False
    timed_out: str = ""  # why, when a cell or the submission ran past its limit
    seconds: float = 0.0


class SandboxKernelManager(UnixSocketKernelManager):
    """A kernel manager that starts its kernel inside a :class:`~grader.sandbox.Sandbox`."""

    sandbox = Any()
    memory_bytes = Any(0)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        inside = str(self.sandbox.kernel_connection_file(Path(self.connection_file)))
        cmd = [inside if part == self.connection_file else part for part in cmd]
        return [sys.executable, "-c", _LIMIT_AND_EXEC, str(self.memory_bytes), *self.sandbox.wrap(cmd)]

    def kernel_processes(self):
        """The kernel's process and everything it started, as psutil processes."""
        import psutil

        process = getattr(self.provisioner, "process", None) if self.provisioner else None
        if process is None:
            return []
        try:
            root = psutil.Process(process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    async def _async_interrupt_kernel(self):
        """SIGINT the kernel itself: the sandbox's own processes would die of it instead."""
        for proc in self.kernel_processes():
            try:
                argv = proc.cmdline()
                if argv[1:3] == ["-m", "ipykernel_launcher"]:  # not bwrap, whose arguments name it too
                    proc.send_signal(signal.SIGINT)
            except Exception:  # noqa: BLE001 - it may be gone already
                pass

    interrupt_kernel = _async_interrupt_kernel


def kill_processes(processes) -> None:
    """Kill the given processes and wait for them (a kernel's tree, sandbox included)."""
    import psutil

    for proc in processes:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(processes, timeout=10)


def _size(out) -> int:
    return len(json.dumps(out, default=str))


class RecordingClient(NotebookClient):
    """nbclient's client, with outputs capped as they arrive and test cells' tokens looked for."""

    def __init__(self, nb, km, *, cell_bytes: int, total_bytes: int, **kw):
        super().__init__(nb, km=km, **kw)
        self.cell_bytes, self.total_bytes = cell_bytes, total_bytes
        self.kept = 0
        self.cell_kept: dict[int, int] = {}
        self.tokens: dict[int, str] = {}  # cell index -> the token its epilogue prints
        self.seen: set[int] = set()
        self.last_reply: dict | None = None
        self.on_cell_executed = self._keep_reply

    def _keep_reply(self, cell, cell_index, execute_reply):
        self.last_reply = execute_reply

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        token = self.tokens.get(cell_index)
        if token and msg["msg_type"] == "stream" and token in content.get("text", ""):
            self.seen.add(cell_index)
            content["text"] = content["text"].replace(token + "\n", "").replace(token, "")
            if not content["text"]:
                return None
        size = _size(content)
        used = self.cell_kept.get(cell_index, 0)
        if used + size > self.cell_bytes or self.kept + size > self.total_bytes:
            if used <= self.cell_bytes:  # say so once per cell
                self.cell_kept[cell_index] = self.cell_bytes + 1
                limit = min(self.cell_bytes, self.total_bytes)
                outs.append(nbformat.v4.new_output("stream", name="stderr", text=TRUNCATED.format(limit=limit)))
            return None
        self.cell_kept[cell_index] = used + size
        self.kept += size
        return super().output(outs, msg, display_id, cell_index)


def _one_line(reply_or_output: dict) -> str:
    """The error's type and message, never its traceback (that would show hidden test lines)."""
    ename, evalue = reply_or_output.get("ename", ""), reply_or_output.get("evalue", "")
    text = f"{ename}: {evalue}" if evalue else ename
    return " ".join(str(text).split())[:500]


def _epilogue(token: str) -> str:
    # builtins' own print: a learner's cell may have rebound the name print (the screen refuses
    # patching builtins or sys.stdout, so this reaches the grader unless the cell stopped early)
    return f"\n__import__('builtins').print({token!r})\n"


async def _run(nb, sandbox: Sandbox, test_cells: set[int], *, cell_timeout: float, submission_timeout: float,
               memory_mb: int | None, cell_bytes: int, total_bytes: int, record: RunRecord) -> None:
    km = SandboxKernelManager(kernel_name="python3")
    km.sandbox = sandbox
    km.memory_bytes = (memory_mb or 0) * 2**20
    name = f"kernel-{uuid.uuid4().hex[:8]}"
    km.connection_file = str(sandbox.runtime_dir / f"{name}.json")
    km.ip = str(sandbox.runtime_dir / name)  # bound into the walls as the kernel's own runtime folder
    client = RecordingClient(nb, km, cell_bytes=cell_bytes, total_bytes=total_bytes, timeout=int(cell_timeout),
                             allow_errors=True, interrupt_on_timeout=False, startup_timeout=120,
                             iopub_timeout=10, record_timing=False,
                             shutdown_kernel="immediate")
    processes = []

    def time_up():  # the whole submission's limit: kill it all; the cell being run then sees a dead kernel
        record.timed_out = f"killed after {submission_timeout:g} s (limit for one submission)"
        kill_processes(km.kernel_processes())

    watchdog = asyncio.get_running_loop().call_later(submission_timeout, time_up)
    log = open(sandbox.scratch / "kernel.log", "wb")  # the kernel's own stdout/stderr (Spark's logs…)
    try:
        async with client.async_setup_kernel(env=sandbox.environment(), cwd=str(sandbox.cwd),
                                             stdout=log, stderr=subprocess.STDOUT):
            processes = km.kernel_processes()
            count = 0
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                count += 1
                original = cell.source
                if index in test_cells:
                    client.tokens[index] = secrets.token_hex(16)
                    cell.source = original + _epilogue(client.tokens[index])
                client.last_reply = None
                try:
                    await client.async_execute_cell(cell, index, execution_count=count)
                except CellTimeoutError:
                    record.timed_out = record.timed_out or f"a cell ran past {cell_timeout:g} s"
                    if index in test_cells:
                        record.cells[index] = CellRecord("timed out", f"interrupted after {cell_timeout:g} s")
                    if not await _recover(client, km, grace=10):
                        record.timed_out = f"a cell ran past {cell_timeout:g} s and the kernel ignored the interrupt"
                        return
                    continue
                finally:
                    cell.source = original
                if index in test_cells:
                    record.cells[index] = _judge(cell, client.last_reply, index in client.seen)
    except Exception as err:  # noqa: BLE001 - sorted below: only a dead kernel or our own kill is expected
        if record.timed_out.startswith("killed"):
            pass  # the watchdog's kill, surfacing wherever the kernel was (starting, running, replying)
        elif isinstance(err, DeadKernelError) or (isinstance(err, RuntimeError) and "Kernel died" in str(err)):
            record.kernel_died = True  # RuntimeError: it died before it was ready
        else:
            raise
    finally:
        watchdog.cancel()
        processes = processes + km.kernel_processes()
        kill_processes(processes)
        log.close()


def _judge(cell, reply: dict | None, token_seen: bool) -> CellRecord:
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    content = (reply or {}).get("content", {})
    if content.get("status") == "ok" and not errors and token_seen:
        return CellRecord("passed")
    if errors:
        first = errors[0]
        outcome = "failed" if first.get("ename") == "AssertionError" else "error"
        return CellRecord(outcome, _one_line(first) if outcome == "error" else str(first.get("evalue", ""))[:500])
    if content.get("status") == "error":
        return CellRecord("error", _one_line(content) + " (no traceback was shown)")
    return CellRecord("error", "the cell did not run to its end")


async def _recover(client, km, grace: float) -> bool:
    """After a timeout: interrupt, then wait ``grace`` seconds for the kernel to answer again."""
    await km.interrupt_kernel()
    try:
        msg_id = client.kc.kernel_info()
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                msg = await client.kc.shell_channel.get_msg(timeout=max(0.1, deadline - time.monotonic()))
            except Exception:  # noqa: BLE001 - queue.Empty: nothing yet
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return True
    except Exception:  # noqa: BLE001 - a dead kernel cannot answer
        return False
    return False


def run_submission(nb, sandbox: Sandbox, test_cells: set[int], *, cell_timeout: float = 300,
                   submission_timeout: float = 1800, memory_mb: int | None = 8192,
                   cell_bytes: int = 200_000, total_bytes: int = 5_000_000) -> RunRecord:
    """Execute ``nb`` (in place: its outputs are the capped outputs) and return what the grader saw."""
    record = RunRecord()
    for index in test_cells:
        record.cells[index] = CellRecord()
    started = time.monotonic()

    asyncio.run(_run(nb, sandbox, test_cells, cell_timeout=cell_timeout, submission_timeout=submission_timeout,
                     memory_mb=memory_mb, cell_bytes=cell_bytes, total_bytes=total_bytes, record=record))
    record.seconds = time.monotonic() - started
    return record

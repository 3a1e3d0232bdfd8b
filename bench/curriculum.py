"""Every solution notebook run as JupyterLab runs it (papermill, a kernel) against its code as one plain process.

For each notebook and mode (``ci``: its ``course.ci_parameters``; ``full``: its defaults), in a
fresh throw-away workspace each time (the ``WORKSPACE`` parameter and ``LOCALBRICKS_HOME``):

* the notebook side: ``papermill`` in a subprocess with a ``python3`` kernel, as ``grader run`` does;
* the plain side: the same notebook with the same parameters injected (papermill's own injection),
  exported by nbconvert's ``PythonExporter`` and run by ``ipython`` as a script (notebooks use
  ``display`` and magics, which plain ``python`` lacks).

Both sides are timed the same way: wall time, and the peak of resident memory summed over the
whole process tree (papermill, kernel, Spark's JVM and Python workers, and any orphan they leave,
which this process adopts as a subreaper), sampled every 0.2 s. The tree is told apart from this
process's other children by a marker in the command's environment (``MARK_ENV``), which every
process it starts inherits. The table also shows how long the
setup cell (the one calling ``localbricks.activate(``) took, from papermill's per-cell durations,
and its share of the notebook's wall time. ``kernel / plain`` above 1 means the kernel costs that
much extra. The notebook side runs first, so it pays for cold caches.

The plain side is "n/a" where it is not the same run: the notebook shows ipywidgets (widgets live
in the kernel and talk to a front end over its comm channel; notebook 10), or a side failed.
A failing notebook makes the exit status 1; a failing plain run is only reported.

    python bench/curriculum.py [--only 02,05] [--modes ci,full] [--json out.json] [--timeout S]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
import psutil

from _common import REPO, report_ratio

SOLUTIONS = REPO / "solutions"
SETUP_CALL = "localbricks.activate("
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
MODES = ("ci", "full")
# set in each measured command's environment, which its whole process tree inherits
MARK_ENV = "LOCALBRICKS_BENCH_RUN"


class TreePeak:
    """The peak of RSS summed over a process and all its descendants, sampled on a thread.

    ``include_root=False`` leaves the root itself out (this benchmark samples its own descendants,
    not itself). ``marker`` keeps only descendants whose environment carries ``MARK_ENV`` with that
    value: the caller may have other children (a test process's Spark JVMs) that start processes of
    their own meanwhile, and those are not the measured command's. Shared pages count once per
    process, the same way on both sides.
    """

    def __init__(self, root: int, interval: float = 0.2, include_root: bool = True, marker: str | None = None):
        self.peak_mb = 0.0
        self._root, self._interval, self._include_root = psutil.Process(root), interval, include_root
        self._marker, self._carries = marker, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def processes(self) -> list[psutil.Process]:
        try:
            found = self._root.children(recursive=True)
        except psutil.Error:
            found = []
        mine = [p for p in found if self._marker is None or self._marked(p)]
        return [self._root, *mine] if self._include_root else mine

    def _marked(self, proc: psutil.Process) -> bool:
        """Whether ``proc`` descends from the measured command: its environment, read once per process."""
        try:
            key = (proc.pid, proc.create_time())
            if key not in self._carries:
                self._carries[key] = proc.environ().get(MARK_ENV) == self._marker
            return self._carries[key]
        except psutil.Error:  # gone, or not ours to read
            return False

    def _run(self) -> None:
        while True:
            total = 0
            for p in self.processes():
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak_mb = max(self.peak_mb, total / 2**20)
            if self._stop.wait(self._interval):
                return

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


@dataclass
class Side:
    """One timed run: how it ended, wall seconds, peak MB of its process tree, processes it left running."""

    status: str  # "ok" | "failed" | "timeout"
    seconds: float
    peak_mb: float
    left_running: int = 0
    error: str = ""


@dataclass
class Row:
    notebook: str
    mode: str
    kernel: Side
    spark_seconds: float | None = None
    spark_note: str = ""
    plain: Side | None = None
    plain_note: str = ""  # why there is no plain figure
    parameters: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        ok = self.kernel.status == "ok" and self.plain is not None and self.plain.status == "ok"
        return self.kernel.seconds / self.plain.seconds if ok else None


def parameters(path: Path, mode: str, workspace: str) -> dict:
    """What papermill injects: the CI parameters in ``ci`` mode, none in ``full``, and the workspace always."""
    from grader.run import parameters_for

    return parameters_for(path, ci=mode == "ci", overrides={"WORKSPACE": workspace})


def export_script(path: Path, params: dict) -> str:
    """The notebook's code as one script, with ``params`` injected after its ``parameters`` cell as papermill does."""
    from nbconvert import PythonExporter
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = parameterize_notebook(load_notebook_node(str(path)), params)  # papermill's own read and injection
    script, _ = PythonExporter().from_notebook_node(nb)
    return script


def spark_start(executed: nbformat.NotebookNode) -> float | None:
    """Seconds papermill recorded for the cell(s) calling ``localbricks.activate(``; None if none does."""
    setup = [c for c in executed.cells if c.cell_type == "code" and SETUP_CALL in c.source]
    if not setup:
        return None
    return sum(float(c.metadata.get("papermill", {}).get("duration") or 0.0) for c in setup)


def widget_outputs(executed: nbformat.NotebookNode) -> int:
    """How many outputs of the executed notebook are ipywidgets views."""
    return sum(WIDGET_MIME in out.get("data", {}) for c in executed.cells if c.cell_type == "code"
               for out in c.get("outputs", []))


def _last_line(path: Path) -> str:
    lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    line = lines[-1] if lines else "no output"
    return line if len(line) <= 200 else line[:199] + "…"


def timed(cmd: list[str], cwd: Path, env: dict | None, log: Path, timeout: float) -> Side:
    """Run ``cmd``; wall time and tree peak measured alike for both sides; kills what it leaves running."""
    marker = uuid.uuid4().hex
    env = {**(os.environ if env is None else env), MARK_ENV: marker}
    peak = TreePeak(os.getpid(), include_root=False, marker=marker)
    started = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
    seconds = time.perf_counter() - started
    left = [p for p in peak.processes() if p.pid != proc.pid]
    peak_mb = peak.stop()
    if code is None:
        proc.kill()
    proc.wait()
    _, alive = psutil.wait_procs(left, timeout=5)  # a JVM may still be on its way out
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=10)
    left_running = len(alive)
    if code is None:
        return Side("timeout", seconds, peak_mb, left_running, f"killed after {timeout:.0f} s")
    if code != 0:
        return Side("failed", seconds, peak_mb, left_running, f"exit {code}: {_last_line(log)}")
    return Side("ok", seconds, peak_mb, left_running)


def _env(workspace: str, plain: bool = False) -> dict:
    """What ``grader run`` gives its kernels, in this run's workspace; the plain side draws with Agg.

    (Not the kernel side: a set ``MPLBACKEND`` would keep ipykernel from choosing its inline backend.)
    """
    from grader.kernelenv import kernel_env

    env = kernel_env(LOCALBRICKS_HOME=workspace)
    env.setdefault("LOCALBRICKS_SPARK_UI", "false")
    if plain:
        env.setdefault("MPLBACKEND", "agg")
    return env


# papermill's run as ``grader run`` makes it (its kernel on Unix sockets), in a process of its own to measure
_PAPERMILL = ("import json, sys; from grader.kernels import execute_notebook; "
              "execute_notebook(sys.argv[1], sys.argv[2], parameters=json.load(open(sys.argv[3])), cwd=sys.argv[4], "
              "kernel_name='python3', progress_bar=False, log_output=False)")


def run_kernel(path: Path, mode: str, tmp: Path, timeout: float) -> tuple[Side, nbformat.NotebookNode | None, dict]:
    workspace = tempfile.mkdtemp(prefix="ws-", dir=tmp)
    params = parameters(path, mode, workspace)
    (tmp / "params.json").write_text(json.dumps(params))
    output = tmp / f"{path.stem}.{mode}.ipynb"
    cmd = [sys.executable, "-c", _PAPERMILL, str(path), str(output), str(tmp / "params.json"), str(path.parent)]
    try:
        side = timed(cmd, path.parent, _env(workspace), tmp / "papermill.log", timeout)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    executed = nbformat.read(output, as_version=4) if output.is_file() else None
    return side, executed, params


def run_plain(path: Path, mode: str, tmp: Path, timeout: float) -> Side:
    workspace = tempfile.mkdtemp(prefix="ws-", dir=tmp)
    script = tmp / f"{path.stem}.{mode}.py"
    script.write_text(export_script(path, parameters(path, mode, workspace)))
    cmd = [sys.executable, "-m", "IPython", "--no-banner", "--colors=nocolor", str(script)]
    try:
        return timed(cmd, path.parent, _env(workspace, plain=True), tmp / "plain.log", timeout)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def measure(path: Path, mode: str, timeout: float) -> Row:
    """Both sides of one notebook in one mode."""
    with tempfile.TemporaryDirectory(prefix=f"bench-curriculum-{path.stem[:2]}-{mode}-") as tmp:
        kernel, executed, params = run_kernel(path, mode, Path(tmp), timeout)
        row = Row(path.stem, mode, kernel, parameters={k: v for k, v in params.items() if k != "WORKSPACE"})
        if executed is None:
            row.spark_note = "no executed notebook"
        else:
            row.spark_seconds = spark_start(executed)
            row.spark_note = "" if row.spark_seconds is not None else f"no {SETUP_CALL} cell"
        widgets = widget_outputs(executed) if executed is not None else 0
        if kernel.status != "ok":
            row.plain_note = "the notebook run failed"
        elif widgets:
            row.plain_note = f"shows {widgets} ipywidget(s); they need a kernel's comm channel"
        else:
            row.plain = run_plain(path, mode, Path(tmp), timeout)
            if row.plain.status != "ok":
                row.plain_note = f"plain run {row.plain.status}: {row.plain.error}"
    return row


def _share(row: Row) -> str:
    if row.spark_seconds is None:
        return "n/a"
    return f"{row.spark_seconds:.1f}s {100 * row.spark_seconds / row.kernel.seconds:.0f}%"


def format_row(row: Row) -> str:
    k, p = row.kernel, row.plain
    plain_ok = p is not None and p.status == "ok"
    cells = [f"{row.notebook:<36}", f"{row.mode:<5}", f"{k.status:<7}", f"{k.seconds:>8.1f}", f"{k.peak_mb:>8.0f}",
             f"{_share(row):>12}",
             f"{p.seconds:>8.1f}" if plain_ok else f"{'n/a':>8}",
             f"{p.peak_mb:>8.0f}" if plain_ok else f"{'n/a':>8}",
             f"{row.ratio:>8.2f}x" if row.ratio is not None else f"{'n/a':>9}",
             f"{k.peak_mb / p.peak_mb:>7.2f}x" if plain_ok and p.peak_mb else f"{'n/a':>8}"]
    notes = [n for n in (k.error, row.spark_note, row.plain_note) if n]
    notes += [f"{k.left_running} process(es) left running, killed"] if k.left_running else []
    return " ".join(cells) + ("  " + "; ".join(notes) if notes else "")


HEADER = (f"{'notebook':<36} {'mode':<5} {'status':<7} {'wall s':>8} {'peak MB':>8} {'spark start':>12} "
          f"{'plain s':>8} {'plain MB':>8} {'time k/p':>9} {'mem k/p':>8}")


def select(only: str | None) -> list[Path]:
    from grader.notebooks import list_notebooks, resolve

    if not only:
        return list_notebooks(SOLUTIONS)
    return [resolve(name.strip(), SOLUTIONS) for name in only.split(",") if name.strip()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated notebooks, e.g. 02,05 (default: all)")
    parser.add_argument("--modes", default="ci,full", help="comma-separated, from: ci, full")
    parser.add_argument("--json", help="write the rows here, rewritten after every run")
    parser.add_argument("--timeout", type=float, default=3600, help="wall-clock seconds for one run of one side")
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if unknown := [m for m in modes if m not in MODES]:
        parser.error(f"unknown mode(s) {', '.join(unknown)}; choose from {', '.join(MODES)}")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from plain_nbgrader import become_subreaper

    become_subreaper()  # orphans (a server a notebook starts) are re-parented to us and so measured and killed
    rows = []
    for path in select(args.only):
        for mode in modes:
            print(f"{path.stem} {mode}…", file=sys.stderr, flush=True)
            row = measure(path, mode, args.timeout)
            rows.append(row)
            print(format_row(row), file=sys.stderr, flush=True)
            if args.json:  # kept up to date, so a stopped run keeps what it finished
                Path(args.json).write_text(json.dumps([{**asdict(r), "ratio": r.ratio} for r in rows], indent=2))
    print(HEADER)
    for row in rows:
        print(format_row(row))
        report_ratio("curriculum", f"{row.notebook} {row.mode}: papermill / plain ipython, wall", row.ratio,
                     "above 1: the kernel costs extra" if row.ratio is not None else f"n/a: {row.plain_note}")
    print("time k/p, mem k/p: notebook in a kernel / the same code as one ipython process; "
          "spark start: the setup cell, and its share of the notebook's wall time")
    return 0 if all(r.kernel.status == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

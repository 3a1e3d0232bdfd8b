"""On a (simulated) Databricks runtime, ``activate()`` and every notebook's setup touch nothing real.

Each check runs in a fresh interpreter (``_run_harness``), so nothing it does can leak into the test
session. The child sets ``DATABRICKS_RUNTIME_VERSION=15.4``, gives the notebook namespace the stand-ins
for ``spark``, ``dbutils`` and ``display`` that the runtime would inject, and records everything that
would make a local Databricks real:

- an audit hook (``sys.addaudithook``) sees every file write, folder made or removed, SQLite database
  opened, process spawned, socket bound or connected. Spawns, binds and connects are refused (so no
  JVM, serving service or server can start, even in the deliberately dirty runs), so are writes in the
  repository; writes anywhere else are recorded, and those under the temporary ``LOCALBRICKS_HOME``, the
  repository (its ``.localbricks/`` included) or the working folder count;
- ``SparkSession.Builder.getOrCreate`` is patched to record and refuse; the active session must stay
  None, ``SparkSession.sql`` must stay pyspark's own (localbricks' catalog hook wraps it), and the
  process must have no child processes;
- the environment is compared variable by variable (``DATABRICKS_HOST`` and ``DATABRICKS_TOKEN`` hold
  the runtime's values, ``MLFLOW_TRACKING_URI=databricks`` as the runtime sets it), MLflow's tracking
  URI must stay ``databricks``, ``sys.meta_path`` must hold no localbricks finder (the
  ``databricks.feature_engineering`` / ``databricks.automl`` / ``dlt`` aliases);
- the stand-ins raise on any use (attribute or call) and record it; the namespace must still hold them.

What is executed of a notebook (its "setup": the code cells before the first ``### Exercise`` heading):
the ``parameters`` cell in full; in the cell that calls ``localbricks.activate(master=SPARK_MASTER)``,
every statement up to and including that call; and every ``import`` / ``from ... import`` statement
of the setup cells. The rest (``mlflow.set_experiment``, ``spark.sql``, ``WorkspaceClient()``, data
loading) needs the real workspace and is not run. An import of a module the runtime itself ships and
this machine lacks (``databricks.feature_engineering``...) is recorded as "provided by the runtime":
that it fails here is itself the proof that localbricks' alias hook is not installed.

That every detector can fire is shown twice: by running notebook 01's setup WITHOUT
``DATABRICKS_RUNTIME_VERSION`` (the real local path of ``activate()``, with spawns refused so no Spark or
service starts) and by a deliberately dirty script on the simulated runtime that trips each detector.
"""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = sorted((REPO_ROOT / "solutions").glob("*.ipynb"))
RUNTIME_VERSION = "15.4"
SENTINELS = {  # what a Databricks notebook's environment already holds; localbricks must leave them
    "DATABRICKS_HOST": "https://sentinel.cloud.databricks.com",
    "DATABRICKS_TOKEN": "sentinel-token",
    "MLFLOW_TRACKING_URI": "databricks",
}
RUNTIME_ONLY_MODULES = ("databricks.feature_engineering", "databricks.automl", "dlt")
"""Modules the Databricks runtime ships and this machine does not: locally only localbricks' aliases give them."""
_EXERCISE = re.compile(r"^#{1,6}\s*Exercise\b", re.MULTILINE)
_REPORT = "@@harness-report@@"
_CELL = "<cell "  # the file name executed cells are compiled under
_COURSE_CODE = (str(REPO_ROOT / "localbricks") + os.sep, str(REPO_ROOT / "grader") + os.sep)


# --------------------------------------------------------------------------------------------------
# what is executed
# --------------------------------------------------------------------------------------------------

def setup_cells(path: Path) -> list[dict]:
    """The notebook's code cells before its first exercise heading, with their ``parameters`` tag."""
    import nbformat

    cells = []
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type == "markdown" and _EXERCISE.search(cell.source):
            break
        if cell.cell_type == "code":
            cells.append({"index": index, "source": cell.source,
                          "parameters": "parameters" in cell.metadata.get("tags", [])})
    return cells


def _calls_activate(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "activate"
               and isinstance(n.func.value, ast.Name) and n.func.value.id == "localbricks" for n in ast.walk(node))


def executed_statements(cell: dict) -> list[ast.stmt]:
    """What of a setup cell runs: all of a parameters cell; else everything up to and including
    ``localbricks.activate(...)``, and imports."""
    body = ast.parse(cell["source"]).body
    if cell["parameters"]:
        return body
    cut = next((i for i, stmt in enumerate(body) if _calls_activate(stmt)), -1)
    return body[:cut + 1] + [s for s in body[cut + 1:] if isinstance(s, (ast.Import, ast.ImportFrom))]


# --------------------------------------------------------------------------------------------------
# the child process: stand-ins, recorders, execution, checks
# --------------------------------------------------------------------------------------------------

class Blocked(RuntimeError):
    """Raised by the audit hook to refuse an operation that would start something real."""


class StandIn:
    """What the runtime injects as ``spark`` / ``dbutils`` / ``display``: any use is recorded and refused."""

    def __init__(self, name: str, log: list):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_log", log)

    def __getattr__(self, attr):
        self._log.append(f"{self._name}.{attr}")
        raise AssertionError(f"the setup used {self._name}.{attr}, which it must not on Databricks")

    def __call__(self, *args, **kwargs):
        self._log.append(f"{self._name}(...)")
        raise AssertionError(f"the setup called {self._name}(...), which it must not on Databricks")

    def __repr__(self):
        return f"<stand-in {self._name}>"


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_FS_EVENTS = {"os.mkdir", "os.rename", "os.remove", "os.rmdir", "shutil.rmtree", "os.symlink", "os.link",
              "os.truncate"}
_SPAWN_EVENTS = {"subprocess.Popen", "os.posix_spawn", "os.exec", "os.spawn", "os.system", "os.fork",
                 "os.forkpty"}


class Recorder:
    """The audit hook: records what the code under test does to files, processes and sockets."""

    def __init__(self, guarded: list[Path], protected: Path, allowed_spawns: list[list[str]]):
        self.guarded = [str(p) for p in guarded]
        self.protected = str(protected)
        self.allowed_spawns = allowed_spawns
        self.active = False
        self.clear()

    def clear(self):
        self.writes, self.spawns, self.sockets, self.databases, self.library_imports = [], [], [], [], []
        self.env_by_libraries: set[str] = set()

    def environ_changed(self, key: str):
        """Called by the patched ``os.environ``: a variable set or removed, and by whom."""
        if self.active and self._by_a_library_import(depth=3):
            self.env_by_libraries.add(key)
            self.library_imports.append(f"os.environ[{key!r}]")

    @staticmethod
    def _by_a_library_import(depth: int = 2) -> bool:
        """True when the innermost course frame (localbricks, grader, a cell) is further out than an
        import: a library doing something while it is imported (``platform`` asking ``uname -p``,
        matplotlib listing fonts, urllib3 probing IPv6, scikit-learn setting ``KMP_*``), which it does
        on Databricks too."""
        frame = sys._getframe(depth)
        while frame is not None:
            name = frame.f_code.co_filename
            if name.startswith("<frozen importlib"):
                return True
            if name.startswith(_CELL) or name.startswith(_COURSE_CODE):
                return False
            frame = frame.f_back
        return False

    def _counts(self, path) -> bool:
        return any(path == root or path.startswith(root + os.sep) for root in self.guarded)

    def _path(self, value):
        if isinstance(value, int) or value is None:
            return None
        if isinstance(value, bytes):
            value = value.decode(errors="replace")
        return os.path.abspath(os.fspath(value))

    def __call__(self, event: str, args: tuple):
        if not self.active:
            return
        if event == "open":
            path, mode, flags = self._path(args[0]), args[1], args[2]
            writes = any(c in mode for c in "wax+") if isinstance(mode, str) else bool((flags or 0) & _WRITE_FLAGS)
            if path and writes:
                self._file(event, path)
        elif event in _FS_EVENTS:
            for value in args[:2]:
                path = self._path(value) if isinstance(value, (str, bytes, os.PathLike)) else None
                if path:
                    self._file(event, path)
        elif event == "sqlite3.connect":
            path = self._path(args[0]) if args and args[0] != ":memory:" else None
            if path and self._counts(path):
                self.databases.append(path)
        elif event in _SPAWN_EVENTS or event in ("socket.bind", "socket.connect"):
            if self._by_a_library_import():
                self.library_imports.append(f"{event} {args[1:2]!r}")
            else:
                self._refuse(event, args)

    def _refuse(self, event: str, args: tuple):
        if event in _SPAWN_EVENTS:
            argv = [str(a) for a in (args[1] if event == "subprocess.Popen" and isinstance(args[1], (list, tuple))
                                     else args[:2])]
            self.spawns.append(" ".join(argv))
            if argv not in self.allowed_spawns:
                raise Blocked(f"{event} {argv} refused by the test harness")
        else:
            self.sockets.append(f"{event} {args[1]!r}")
            raise Blocked(f"{event} {args[1]!r} refused by the test harness")

    def _file(self, event: str, path: str):
        if self._counts(path):
            self.writes.append(f"{event} {path}")
        if path == self.protected or path.startswith(self.protected + os.sep):
            raise Blocked(f"{event} {path}: a write in the repository, refused by the test harness")


def _children() -> list[int]:
    pids = []
    for task in Path("/proc/self/task").glob("*/children"):
        pids += [int(p) for p in task.read_text().split()]
    return pids


def _localbricks_finders() -> list[str]:
    return [repr(f) for f in sys.meta_path if type(f).__module__.startswith("localbricks")]


def _wait_for_localbricks_threads():
    """Let threads localbricks started finish (the serving start runs beside Spark's), so what they
    did is recorded before the checks, whatever the scheduling."""
    import threading

    for thread in threading.enumerate():
        target = getattr(thread, "_target", None)
        if thread is not threading.current_thread() and getattr(target, "__module__", "").startswith("localbricks"):
            thread.join(timeout=60)


def _run_statements(label: str, statements: list[ast.stmt], ns: dict, result: dict):
    for stmt in statements:
        code = compile(ast.Module(body=[stmt], type_ignores=[]), label, "exec")
        try:
            exec(code, ns)
        except ModuleNotFoundError as err:
            if err.name in RUNTIME_ONLY_MODULES:
                result["provided_by_runtime"].append(err.name)
            else:
                result["errors"].append(f"{label}:{stmt.lineno}: {err!r}")
        except BaseException as err:  # noqa: BLE001  (a SystemExit in a setup is a finding too)
            result["errors"].append(f"{label}:{stmt.lineno}: {type(err).__name__}: {err}")


def _names_bound_by_imports(case: dict, names) -> set[str]:
    """Stand-in names the notebook's own import statements rebind (notebook 10 imports IPython's ``display``)."""
    bound = set()
    for cell in case["cells"]:
        for stmt in ast.parse(cell["source"]).body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                bound |= {(a.asname or a.name).split(".")[0] for a in stmt.names}
    return bound & set(names)


def harness(job: dict) -> list[dict]:
    """Run each case of ``job`` in this process and return one report per case."""
    sys.dont_write_bytecode = True
    home = Path(os.environ["LOCALBRICKS_HOME"])
    recorder = Recorder([home, REPO_ROOT, Path.cwd()], REPO_ROOT, job.get("allowed_spawns", []))
    sys.addaudithook(recorder)
    environ_class = type(os.environ)
    set_item, del_item = environ_class.__setitem__, environ_class.__delitem__

    def recording_set(self, key, value):
        recorder.environ_changed(key)
        set_item(self, key, value)

    def recording_del(self, key):
        recorder.environ_changed(key)
        del_item(self, key)

    environ_class.__setitem__, environ_class.__delitem__ = recording_set, recording_del

    from pyspark.sql import SparkSession

    builder_calls: list[str] = []

    def refuse_get_or_create(self):
        builder_calls.append("SparkSession.builder.getOrCreate()")
        raise Blocked("SparkSession.builder.getOrCreate() refused by the test harness")

    SparkSession.Builder.getOrCreate = refuse_get_or_create
    original_sql = SparkSession.__dict__["sql"]

    reports = []
    for case in job["cases"]:
        before = dict(os.environ)
        used: list[str] = []
        stand_ins = {name: StandIn(name, used) for name in ("spark", "dbutils", "display")}
        ns = {"__name__": "__main__", **stand_ins}
        result = {"case": case["name"], "errors": [], "provided_by_runtime": []}
        recorder.clear()
        builder_calls.clear()
        recorder.active = True
        try:
            for cell in case["cells"]:
                label = f"{_CELL}{case['name']} {cell['index']}>"
                body = ast.parse(cell["source"]).body if case.get("whole_cells") else executed_statements(cell)
                _run_statements(label, body, ns, result)
            _wait_for_localbricks_threads()
        finally:
            recorder.active = False
        after = dict(os.environ)
        own = _names_bound_by_imports(case, stand_ins)
        mlflow_uri = sys.modules["mlflow"].get_tracking_uri() if "mlflow" in sys.modules else None
        result.update(
            writes=recorder.writes, databases=recorder.databases, spawns=recorder.spawns,
            sockets=recorder.sockets, library_imports=recorder.library_imports, builder_calls=list(builder_calls),
            active_session=SparkSession.getActiveSession() is not None,
            sql_patched=SparkSession.__dict__["sql"] is not original_sql,
            children=_children(), home_exists=home.exists(),
            env_changed=sorted(k for k in before.keys() | after.keys()
                               if before.get(k) != after.get(k) and k not in recorder.env_by_libraries),
            mlflow_tracking_uri=mlflow_uri, meta_path_hooks=_localbricks_finders(), stand_ins_used=used,
            namespace_replaced=sorted(k for k, v in stand_ins.items() if ns.get(k) is not v and k not in own),
            rebound_by_notebook_imports=sorted(k for k in stand_ins if k in own),
        )
        for pid in result["children"]:  # only ever an allowed, harmless child of a dirty case
            os.kill(pid, 9)
        reports.append(result)
    return reports


# --------------------------------------------------------------------------------------------------
# the parent: start a child, read its report
# --------------------------------------------------------------------------------------------------

def _run_harness(cases: list[dict], databricks: bool = True, sentinels: bool = True,
                 allowed_spawns: list[list[str]] | None = None) -> dict[str, dict]:
    with tempfile.TemporaryDirectory(prefix="on-databricks-") as scratch:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("LOCALBRICKS_", "DATABRICKS_", "MLFLOW_", "_MLFLOW_", "PYSPARK_"))}
        env.update(LOCALBRICKS_HOME=str(Path(scratch) / "home"),  # not made: any use of it shows
                   PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(REPO_ROOT), MPLBACKEND="Agg")
        if databricks:
            env["DATABRICKS_RUNTIME_VERSION"] = RUNTIME_VERSION
        if sentinels:
            env.update(SENTINELS)
        cwd = Path(scratch) / "cwd"
        cwd.mkdir()
        job = {"cases": cases, "allowed_spawns": allowed_spawns or []}
        script = (f"import json, runpy, sys; m = runpy.run_path({str(Path(__file__).resolve())!r}, run_name='harness'); "
                  f"print({_REPORT!r} + json.dumps(m['harness'](json.loads(sys.stdin.read()))))")
        done = subprocess.run([sys.executable, "-c", script], input=json.dumps(job), capture_output=True,
                              text=True, env=env, cwd=cwd, timeout=600)
    lines = [line for line in done.stdout.splitlines() if line.startswith(_REPORT)]
    assert done.returncode == 0 and lines, f"the harness failed (exit {done.returncode}):\n{done.stderr[-4000:]}"
    return {r["case"]: r for r in json.loads(lines[-1][len(_REPORT):])}


def _notebook_case(path: Path) -> dict:
    return {"name": path.stem, "cells": setup_cells(path)}


def _clean_findings(report: dict) -> dict:
    """Everything in a report that would mean the setup touched something real (empty when clean)."""
    findings = {key: report[key] for key in ("errors", "writes", "databases", "spawns", "sockets", "builder_calls",
                                             "children", "env_changed", "meta_path_hooks", "stand_ins_used",
                                             "namespace_replaced") if report[key]}
    findings.update({key: True for key in ("active_session", "sql_patched", "home_exists") if report[key]})
    if report["mlflow_tracking_uri"] not in (None, SENTINELS["MLFLOW_TRACKING_URI"]):
        findings["mlflow_tracking_uri"] = report["mlflow_tracking_uri"]
    return findings


# --------------------------------------------------------------------------------------------------
# the tests
# --------------------------------------------------------------------------------------------------

import pytest  # noqa: E402  (below the harness, which the child process runs without pytest)


def test_the_setup_of_every_notebook_is_what_the_harness_executes():
    """Guards the harness itself: every notebook has a setup, and each one that activates is cut at activate."""
    assert [p.stem[:2] for p in SOLUTIONS] == ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10"]
    for path in SOLUTIONS:
        cells = setup_cells(path)
        assert cells and cells[0]["parameters"], path.name
        executed = [stmt for cell in cells for stmt in executed_statements(cell)]
        activates = [stmt for stmt in executed if _calls_activate(stmt)]
        assert len(activates) == (0 if path.stem.startswith("10") else 1), path.name
        if activates:
            assert ast.unparse(activates[0]) == "localbricks.activate(master=SPARK_MASTER)", path.name
    imports_only = executed_statements({"parameters": False, "source": "import os\nx = spark.sql('x')\nimport re"})
    assert [ast.unparse(s) for s in imports_only] == ["import os", "import re"]


@pytest.fixture(scope="module")
def on_databricks_reports() -> dict[str, dict]:
    """One child runs activate() and the setup of every notebook on the simulated runtime, one after another."""
    return _run_harness([_notebook_case(path) for path in SOLUTIONS])


@pytest.mark.parametrize("notebook", [p.stem for p in SOLUTIONS])
def test_on_databricks_a_notebook_setup_touches_nothing_real(on_databricks_reports, notebook):
    report = on_databricks_reports[notebook]
    assert _clean_findings(report) == {}, f"{notebook}'s setup touched something real: {report}"


def test_on_databricks_only_runtime_modules_are_missing(on_databricks_reports):
    """Notebook 05 imports the Feature Engineering client, which only the runtime (or localbricks' alias) gives."""
    missing = {name: r["provided_by_runtime"] for name, r in on_databricks_reports.items() if r["provided_by_runtime"]}
    assert missing == {"05_feature_store": ["databricks.feature_engineering"]}


def test_without_the_runtime_the_same_setup_is_caught_starting_local_databricks():
    """Notebook 01's setup with no DATABRICKS_RUNTIME_VERSION and a laptop's environment: activate() takes
    its local path, and the detectors see it (spawns refused, so neither Spark nor the service starts)."""
    path = next(p for p in SOLUTIONS if p.stem.startswith("01"))
    report = _run_harness([_notebook_case(path)], databricks=False, sentinels=False)[path.stem]
    findings = _clean_findings(report)
    assert report["home_exists"] and report["writes"]
    assert {"MLFLOW_TRACKING_URI", "LOCALBRICKS_UC_REGISTRY"} <= set(report["env_changed"])
    assert report["mlflow_tracking_uri"].startswith("sqlite:///")
    assert report["meta_path_hooks"] and report["sql_patched"]
    assert any("java" in s for s in report["spawns"]), report["spawns"]  # Spark's start: Java's version check
    assert any("localbricks.serving" in s for s in report["spawns"]), report["spawns"]  # the serving service
    assert report["errors"], "activate() must have failed on the refused spawns"
    assert set(findings) >= {"writes", "spawns", "env_changed", "meta_path_hooks", "sql_patched", "home_exists",
                             "mlflow_tracking_uri", "errors"}
    assert not report["children"] and not report["active_session"]  # and nothing real was left running


DIRTY_CELLS = [
    "import os, socket, subprocess, sys",
    "from pyspark.sql import SparkSession\nSparkSession.builder.master('local[1]').getOrCreate()",
    "spark.range(1)",
    "display",  # the name alone is fine; replacing it is not:
    "dbutils = object()",
    "os.makedirs(os.path.join(os.environ['LOCALBRICKS_HOME'], 'catalogs'))",
    "import sqlite3\nsqlite3.connect(os.path.join(os.environ['LOCALBRICKS_HOME'], 'mlflow.db')).close()",
    "os.environ['DATABRICKS_HOST'] = 'http://127.0.0.1:1'",
    "import mlflow\nmlflow.set_tracking_uri('sqlite:///mlflow.db')",
    "from localbricks import aliases\naliases.install()",
    "from localbricks import catalogs\ncatalogs.install_sql_hook(SparkSession)",
    "subprocess.Popen(['java', '-version'])",
    "child = subprocess.Popen(['sleep', '30'])",  # allowed, so the child-process detector has one to see
    "socket.socket().bind(('127.0.0.1', 0))",
    "socket.socket().connect(('127.0.0.1', 9))",
    "raise RuntimeError('a failing setup statement')",
]


def test_every_detector_fires_on_a_deliberately_dirty_setup():
    """The checks above can fail: a script on the simulated runtime trips each one, and each is seen."""
    case = {"name": "dirty", "whole_cells": True,
            "cells": [{"index": i, "source": src, "parameters": False} for i, src in enumerate(DIRTY_CELLS)]}
    report = _run_harness([case], allowed_spawns=[["sleep", "30"]])["dirty"]
    findings = _clean_findings(report)
    assert report["builder_calls"] == ["SparkSession.builder.getOrCreate()"]
    assert report["stand_ins_used"] == ["spark.range"] and report["namespace_replaced"] == ["dbutils"]
    assert report["home_exists"] and any("catalogs" in w for w in report["writes"])
    assert any(d.endswith("mlflow.db") for d in report["databases"])
    assert "DATABRICKS_HOST" in report["env_changed"]
    assert report["mlflow_tracking_uri"].startswith("sqlite:///")
    assert report["meta_path_hooks"] and report["sql_patched"]
    assert any(s.startswith("java") for s in report["spawns"]) and len(report["children"]) == 1
    assert [s.split()[0] for s in report["sockets"]] == ["socket.bind", "socket.connect"]
    assert any("a failing setup statement" in e for e in report["errors"])
    assert set(findings) == {"errors", "writes", "databases", "spawns", "sockets", "builder_calls", "children",
                             "env_changed", "meta_path_hooks", "stand_ins_used", "namespace_replaced",
                             "sql_patched", "home_exists", "mlflow_tracking_uri"}

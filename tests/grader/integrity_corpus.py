"""The integrity corpus: hostile and broken submissions built from the course's own notebooks.

Each :class:`Case` is one student's submission of notebook 10 (pure Python, quick to run) or 00
(Spark and Delta), made from the released copy as a learner would receive it, with what an
attacker or a careless learner would add. ``expected`` is the status and the points it must get:
every attack leaves its exercises unsolved, so any point it earns would be inflation; the honest
controls earn exactly what they solve. ``walled`` cases need the namespaces of bubblewrap to be
stopped (absolute paths, the network, the processes visible); the others must be refused at every
sandbox level. :func:`write` writes the corpus as ``SUBMISSIONS/<student>/<NN_topic>.ipynb``.
"""
from __future__ import annotations

import contextlib
import copy
import http.server
import json
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from tests_support import REPO_ROOT

EXAM, WELCOME = "10_practice_exam", "00_welcome_and_setup"
POINTS = {EXAM: 2.0, WELCOME: 2.0}
MARKER = "BEGIN HIDDEN TESTS"


@dataclass
class Case:
    student: str
    stem: str
    build: Callable[[], object]  # a notebook, or bytes for a file that is not one
    status: str
    score: float
    walled: bool = False
    why: str = ""
    output_has: list = field(default_factory=list)  # strings the executed copy must show


def released(stem):
    nb = nbformat.read(REPO_ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    return _with_ci_parameters(nb, stem)


def key(stem):
    return _with_ci_parameters(nbformat.read(REPO_ROOT / "solutions" / f"{stem}.ipynb", as_version=4), stem)


def _with_ci_parameters(nb, stem):
    values = nb.metadata.get("course", {}).get("ci_parameters", {})
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source += "".join(f"\n{name} = {value!r}" for name, value in values.items())
    return nb


def _index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def solution_source(stem, grade_id):
    nb = key(stem)
    return nb.cells[_index(nb, grade_id)].source


def solved(stem, *grade_ids):
    """The released copy with these answer cells filled in from the key."""
    nb = released(stem)
    for gid in grade_ids:
        nb.cells[_index(nb, gid)].source = solution_source(stem, gid)
    return nb


def with_cell(nb, source, after_setup=True):
    """Add a learner's code cell right after the setup cell (or at the end)."""
    nb = copy.deepcopy(nb)
    setup = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "import os" in c.source)
    cell = nbformat.v4.new_code_cell(source)
    nb.cells.insert(setup + 1 if after_setup else len(nb.cells), cell)
    return nb


def answering(stem, weighted, study):
    """The released exam notebook with these two answer cells."""
    nb = released(stem)
    nb.cells[_index(nb, "weighted_readiness_answer")].source = weighted
    nb.cells[_index(nb, "study_first_answer")].source = study
    return nb




def answers_if(condition: str, prelude: str = "") -> object:
    """The exam notebook answered from the key, but only when ``condition`` holds in the kernel.

    The answer cells themselves hold the condition, so no later cell redefines the answers.
    """
    def guarded(grade_id):
        body = solution_source(EXAM, grade_id).replace("\n", "\n    ")
        return f"if {condition}:\n    {body}\n"

    return answering(EXAM, prelude + "\n" + guarded("weighted_readiness_answer"), guarded("study_first_answer"))


def _unsolved_with(source):
    return lambda: with_cell(released(EXAM), source)


def without_tests(nb):
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("grade")]
    return nb


def edited_tests(nb):
    nb = copy.deepcopy(nb)
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade"):
            c.source = "pass"
    return nb


def duplicated_test(nb):
    nb = copy.deepcopy(nb)
    nb.cells.append(copy.deepcopy(nb.cells[_index(nb, "study_first_test")]))
    return nb


def same_ids(nb):
    nb = copy.deepcopy(nb)
    for c in nb.cells:
        c.id = "same-id"
    return nb


GRADING_SIGNS = f"""
import os, socket, pathlib
signs = [k for k in os.environ if any(w in k.upper() for w in ("NBGRADER", "GRADER", "AUTOGRADE", "PYTEST", "CI"))]
if os.getcwd() != {str(REPO_ROOT / "notebooks")!r}: signs.append("cwd " + os.getcwd())
if socket.gethostname() != {socket.gethostname()!r}: signs.append("host " + socket.gethostname())
if pathlib.Path("..").resolve() != pathlib.Path({str(REPO_ROOT)!r}): signs.append("parent folder")
for cmdline in pathlib.Path("/proc").glob("[0-9]*/cmdline"):
    try:
        cmd = cmdline.read_bytes().replace(bytes(1), b" ").decode()
    except OSError:
        continue
    if any(w in cmd for w in ("nbgrader", "autograde", "bwrap", "pytest", "setpriv", "grader-")):
        signs.append("process " + cmd[:60])
print("signs of grading:", signs)
"""

HUNT_HIDDEN_TESTS = f"""
import pathlib
found = []
for top in ("/tmp", "/work", str(pathlib.Path.home()), "/var/tmp"):
    for path in pathlib.Path(top).rglob("*.ipynb"):
        try:
            text = path.read_text(errors="ignore")
            if {MARKER!r} in text and "checks.check_" in text:  # the course's, not nbgrader's own examples
                found.append(str(path))
        except OSError:
            pass
        if len(found) > 3:
            break
print("hidden tests found:", len(found))
"""


def cases(loopback_port: int) -> list[Case]:
    """The corpus. ``loopback_port``: a server on the grader's loopback that answers "go"."""
    unsolved = lambda: released(EXAM)  # noqa: E731
    c = [
        # honest controls ------------------------------------------------------------------
        Case("zz_answer_key", EXAM, lambda: key(EXAM), "graded", 2, why="the key, last in the batch"),
        Case("zz_answer_key", WELCOME, lambda: key(WELCOME), "graded", 2, why="the key, last in the batch"),
        Case("control_partly_solved", EXAM, lambda: solved(EXAM, "weighted_readiness_answer"), "graded", 1),
        Case("control_untouched", EXAM, unsolved, "graded", 0),
        Case("control_untouched", WELCOME, lambda: released(WELCOME), "graded", 0,
             why="another submission made main.default.hello: its own workspace, unseen here"),
        Case("control_hello_only", WELCOME, lambda: solved(WELCOME, "hello_table_answer"), "graded", 1),
        Case("broken_same_cell_ids", EXAM, lambda: same_ids(key(EXAM)), "graded", 2),
        # broken files and edited locked cells ------------------------------------------
        Case("broken_json", EXAM, lambda: b'{"cells": [', "malformed", 0),
        Case("broken_no_cells", EXAM, lambda: b'{"nbformat": 4, "metadata": {}}', "malformed", 0),
        Case("edit_deleted_tests", EXAM, lambda: without_tests(released(EXAM)), "tampered", 0),
        Case("edit_tests_to_pass", EXAM, lambda: edited_tests(released(EXAM)), "tampered", 0),
        Case("edit_duplicated_test", EXAM, lambda: duplicated_test(key(EXAM)), "tampered", 2,
             why="restored: the honest answers keep their points"),
        # refused before running: reaching into the kernel or the grader --------------------
        Case("hack_patch_checks", EXAM, _unsolved_with(
            "checks.check_weighted_readiness = lambda f: None\nchecks.check_study_first = lambda f: None"), "tampered", 0),
        Case("hack_patch_module", EXAM, _unsolved_with(
            "import grader.checks.practice_exam as pe\npe.check_study_first = print"), "tampered", 0),
        Case("hack_input_transformer", EXAM, _unsolved_with(
            'get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])'), "tampered", 0),
        Case("hack_ast_transformer", EXAM, _unsolved_with(
            "import ast\nclass Gut(ast.NodeTransformer):\n    def visit_Module(self, node):\n        node.body = []\n"
            "        return node\nget_ipython().ast_transformers.append(Gut())"), "tampered", 0),
        Case("hack_no_tracebacks", EXAM, _unsolved_with(
            "ip = get_ipython()\nip.showtraceback = lambda *a, **k: None"), "tampered", 0),
        Case("hack_excepthook", EXAM, _unsolved_with("import sys\nsys.excepthook = lambda *a: None"), "tampered", 0),
        Case("hack_assertion_error", EXAM, _unsolved_with(
            'import builtins\nbuiltins.AssertionError = type("Quiet", (Exception,), {})'), "tampered", 0),
        Case("hack_always_equal", EXAM, lambda: answering(
            EXAM, "class Anything(float):\n    def __eq__(self, other): return True\n    def __sub__(self, other): return 0.0\n"
                  "    __hash__ = float.__hash__\n\ndef weighted_readiness(by_domain):\n    return Anything(0)",
            "class Word(str):\n    def __eq__(self, other): return True\n    __hash__ = str.__hash__\n\n"
            "def study_first(by_domain):\n    return Word('?')"), "tampered", 0),
        Case("hack_sys_modules", EXAM, _unsolved_with(
            'import sys\nsys.modules["grader.checks.practice_exam"].check_study_first = print'), "tampered", 0),
        Case("hack_settrace", EXAM, _unsolved_with("import sys\nsys.settrace(lambda *a: None)"), "tampered", 0),
        Case("hack_frames", EXAM, _unsolved_with(
            "import inspect\nframe = inspect.currentframe()\nframe.f_globals['checks'] = None"), "tampered", 0),
        Case("hack_exec_obfuscated", EXAM, _unsolved_with('exec("get_" + "ipython().showtraceback = print")'), "tampered", 0),
        Case("hack_module_dict", EXAM, _unsolved_with('checks.__dict__["check_study_first"] = print'), "tampered", 0),
        Case("hack_shell_escape", EXAM, _unsolved_with("!rm -rf ../datasets"), "tampered", 0),
        Case("hack_own_module", EXAM, _unsolved_with(
            'open("sol.py", "w").write("def weighted_readiness(d):\\n    return 0\\n")\nimport sol'), "tampered", 0),
        Case("hack_forge_progress", EXAM, _unsolved_with(
            'from grader import progress\nprogress.record_attempt("10.study_first", "pass", "")'), "tampered", 0),
        Case("hack_registry", EXAM, _unsolved_with("from grader.exercise import REGISTRY\nREGISTRY.clear()"), "tampered", 0),
        Case("hack_kill_grader", EXAM, _unsolved_with("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"), "tampered", 0),
        # run, and scored from what the grader saw ---------------------------------------
        Case("exit_in_answer", EXAM, lambda: answering(
            EXAM, "def weighted_readiness(by_domain):\n    import sys\n    sys.exit(0)",
            "def study_first(by_domain):\n    raise SystemExit(0)"), "graded", 0),
        Case("exit_os_exit", EXAM, _unsolved_with("import os\nos._exit(0)"), "kernel died", 0),
        Case("exit_abort_in_check", EXAM, lambda: answering(
            EXAM, "def weighted_readiness(by_domain):\n    import os\n    os.abort()",
            "def study_first(by_domain):\n    return 'Model Development'"), "kernel died", 0),
        Case("exit_builtin_exit", EXAM, _unsolved_with("exit()"), "kernel died", 0),
        Case("flood_text", EXAM, _unsolved_with('print("x" * 50_000_000)'), "graded", 0,
             output_has=["output truncated by the grader"]),
        Case("flood_images", EXAM, _unsolved_with(
            "import matplotlib.pyplot as plt\nfor i in range(60):\n    plt.figure(figsize=(6, 4))\n"
            "    plt.plot(range(1000))\n    plt.show()"), "graded", 0, output_has=["output truncated by the grader"]),
        Case("flood_rich", EXAM, _unsolved_with(
            "import pandas as pd\nframe = pd.DataFrame({'a': range(200)})\nfor i in range(600):\n    display(frame)"),
             "graded", 0, output_has=["output truncated by the grader"]),
        Case("loop_in_answer", EXAM, lambda: answering(
            EXAM, "def weighted_readiness(by_domain):\n    raise NotImplementedError()",
            "def study_first(by_domain):\n    while True:\n        pass"), "timed out", 0),
        Case("loop_deaf_to_interrupt", EXAM, _unsolved_with(
            "import time\nwhile True:\n    try:\n        time.sleep(1)\n    except KeyboardInterrupt:\n        pass"),
             "timed out", 0),
        Case("memory_hog", EXAM, _unsolved_with("hog = bytearray(64 * 2**30)"), "graded", 0),
        Case("leftover_processes", EXAM, _unsolved_with(
            "import time\nfrom concurrent.futures import ProcessPoolExecutor\npool = ProcessPoolExecutor(2)\n"
            "sleepers = [pool.submit(time.sleep, 3600) for _ in range(2)]"), "graded", 0),
        # stopped by the walls (bubblewrap's namespaces) ---------------------------------
        Case("wall_read_solutions", EXAM, lambda: answers_if(
            "seen", f"import pathlib\nseen = [p for p in ({str(REPO_ROOT / 'solutions')!r}, '../solutions', "
                    f"{str(REPO_ROOT / 'tests')!r}, {str(REPO_ROOT / '.git')!r}) if pathlib.Path(p).exists()]\n"
                    "print('course folders seen:', seen)"), "graded", 0, walled=True,
             output_has=["course folders seen: []"]),
        Case("wall_hidden_tests", EXAM, lambda: answers_if("found", HUNT_HIDDEN_TESTS), "graded", 0, walled=True,
             output_has=["hidden tests found: 0"]),
        Case("wall_network", EXAM, lambda: answers_if(
            "reached", "import urllib.request\ntry:\n    reached = urllib.request.urlopen("
                       f"'http://127.0.0.1:{loopback_port}/', timeout=3).read() == b'go'\n"
                       "except OSError as err:\n    reached = False\n    print('no network:', type(err).__name__)"),
             "graded", 0, walled=True, output_has=["no network:"]),
        Case("wall_poison_data", EXAM, _unsolved_with(
            "import pathlib, shutil\nfor folder in ('../datasets', " + repr(str(REPO_ROOT / "datasets")) + "):\n"
            "    for path in pathlib.Path(folder).glob('*.csv'):\n"
            "        try:\n            path.write_text('poisoned')\n        except OSError as err:\n"
            "            print('refused:', type(err).__name__)\n"
            "    shutil.rmtree(folder, ignore_errors=True)"), "graded", 0, walled=True,
             output_has=["refused: "]),  # PermissionError or OSError (read-only file system): either refuses
        Case("wall_detect_grading", EXAM, lambda: answers_if("not signs", GRADING_SIGNS), "graded", 2, walled=True,
             why="honest answers, withheld if it can tell it is being graded: full marks prove it cannot",
             output_has=["signs of grading: []"]),
    ]
    return c


class _Go(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"go")

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def loopback_server():
    """A server on the grader's 127.0.0.1 answering "go" (for ``cases``): a kernel that reaches it has the network."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Go)
    server.timeout = 1
    stop = threading.Event()

    def serve():  # bounded: at most one request per second of waiting, stops with the block
        while not stop.is_set():
            server.handle_request()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        stop.set()
        thread.join(5)
        server.server_close()


def write(corpus: list[Case], folder: Path) -> Path:
    """Write the corpus as ``folder/<student>/<NN_topic>.ipynb``."""
    for case in corpus:
        path = Path(folder) / case.student / f"{case.stem}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        built = case.build()
        if isinstance(built, bytes):
            path.write_bytes(built)
        else:
            path.write_text(json.dumps(built, indent=1), encoding="utf-8")
    return Path(folder)

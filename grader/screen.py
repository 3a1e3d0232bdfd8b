"""Read a submission's own code before it runs, and refuse what reaches into the kernel or the grader.

A check runs in the same Python process as the learner's code, so code that rewrites the process
(IPython's input and AST transformers, ``sys.modules``, frames, builtins, patched library or
grader functions, objects that answer ``True`` to every comparison) could make a check pass
without solving anything. No exercise needs any of that. Every code cell the learner wrote or
changed is parsed (IPython syntax first turned into Python by IPython's own transformer) and
searched for those constructs; the course's own cells and statements, unchanged, are trusted (a
learner who adds a line to a lesson cell has only that line screened). A finding
gives the submission status ``tampered`` and 0 points, with the cell and construct named, and it
is not executed.

This is a deny-list over the code's syntax tree: it names what it refuses in :data:`MODULES`,
:data:`NAMES`, :data:`ATTRIBUTES` and :data:`SYS_ALLOWED`, and its tests pin each rule with a case
it catches and a lesson cell it lets through.
"""
from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path

MODULES = frozenset({
    "builtins", "gc", "ctypes", "inspect", "importlib", "IPython", "ipykernel", "traitlets", "jupyter_client",
    "zmq", "tornado", "pdb", "bdb", "code", "codeop", "runpy", "types", "marshal", "pickle", "dill",
    "cloudpickle", "copyreg", "traceback", "linecache", "tokenize", "dis", "trace", "faulthandler",
    "atexit", "signal", "subprocess", "multiprocessing", "pty", "psutil", "resource", "sysconfig",
    "site", "_thread", "threading", "unittest", "pytest", "grader", "localbricks", "nbgrader", "nbclient",
})
"""Modules a learner's cell may not import (the kernel's machinery, introspection, processes, the course's own)."""

NAMES = frozenset({
    "__builtins__", "__import__", "__loader__", "__spec__", "eval", "exec", "compile", "globals", "locals",
    "vars", "setattr", "delattr", "breakpoint", "get_ipython", "memoryview",
})
"""Built-in names that reach the interpreter's own state."""

ATTRIBUTES = frozenset({
    "f_back", "f_globals", "f_locals", "f_code", "f_builtins", "f_lineno", "f_trace", "tb_frame", "tb_next",
    "gi_frame", "gi_code", "cr_frame", "ag_frame", "co_consts", "co_code", "currentframe", "_getframe",
    "input_transformers_cleanup", "input_transformers_post", "ast_transformers", "showtraceback",
    "run_cell", "events", "user_ns", "kernel", "shell",
})
"""Attribute names that lead to frames, code objects or the IPython shell."""

SYS_ALLOWED = frozenset({"version", "version_info", "platform", "executable", "maxsize", "float_info",
                         "exit", "argv", "byteorder", "stdout", "stderr"})
"""``sys`` attributes a cell may read; the rest (``modules``, ``settrace``, ``excepthook``…) are refused."""

OS_REFUSED = frozenset({"kill", "killpg", "fork", "forkpty", "setsid", "setpgid", "system", "popen", "execv",
                        "execve", "execvp", "execvpe", "execl", "execle", "execlp", "execlpe", "spawnv",
                        "spawnve", "spawnvp", "spawnl", "spawnle", "posix_spawn", "posix_spawnp", "chmod",
                        "chown", "pidfd_open"})
"""``os`` functions that start, signal or re-own processes and files."""

DUNDERS_ALLOWED = frozenset({"__init__", "__name__", "__doc__", "__version__", "__file__", "__main__",
                             "__repr__", "__str__"})
"""Dunder names a cell may use; defining or touching any other (``__eq__``, ``__class__``…) is refused."""

CONFIG_STORES = ("pd.options", "pandas.options", "plt.rcParams", "matplotlib.rcParams", "mpl.rcParams")
"""Paths a cell may assign on an imported module (display settings)."""

GRADER_ALLOWED = {"grader": {"hint", "quiz"}, "grader.bank.quizzes": {"quiz", "quiz_key", "quiz_items"}}
"""What a learner's cell may import from the course's own package (helpers that only read)."""

COURSE_NAMES = frozenset({"checks", "spark", "dbutils", "display", "hint", "quiz"})
"""Names the course's setup cells bind in every notebook; a learner's cell may not rebind or patch them."""

_DUNDER = re.compile(r"^__\w+__$")
_MAGIC = re.compile(r"^\s*%{1,2}(\w+)")
MAGICS_ALLOWED = frozenset({"time", "timeit", "matplotlib"})


@dataclass(frozen=True)
class Finding:
    """One refused construct: which cell (0-based index in the notebook), which line, what."""

    cell: int
    line: int
    what: str

    def __str__(self) -> str:
        return f"cell {self.cell + 1}, line {self.line}: {self.what}"


def _python_of(source: str) -> tuple[str, list[str]]:
    """The cell as Python, plus the names of the magics and shell escapes it used.

    The allowed timing magics are unwrapped (``%time expr`` → ``expr``, a ``%%time`` cell → its
    body), so what they would run is screened like any other line.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    lines, used = [], []
    for line in source.splitlines():
        m = _MAGIC.match(line)
        if line.lstrip().startswith("!"):
            used.append("!shell")
        elif m:
            used.append(m.group(1))
            if m.group(1) in MAGICS_ALLOWED:
                indent = line[:len(line) - len(line.lstrip())]
                rest = line[m.end():].strip()
                line = indent + (rest if rest and not line.lstrip().startswith("%%") else "pass")
        lines.append(line)
    return TransformerManager().transform_cell("\n".join(lines)), used


class _Visitor(ast.NodeVisitor):
    def __init__(self, cell: int, aliases: set[str]):
        self.cell, self.aliases, self.found = cell, aliases, []

    def refuse(self, node, what):
        self.found.append(Finding(self.cell, getattr(node, "lineno", 1), what))

    # imports -------------------------------------------------------------------------------
    def _module(self, node, name, names=()):
        top = (name or "").split(".")[0]
        allowed = GRADER_ALLOWED.get(name)
        if top in MODULES and not (allowed and names and set(names) <= allowed):
            self.refuse(node, f"imports {name}")
        elif top and not _installed(top):
            self.refuse(node, f"imports {top}, which is not installed (a module the notebook wrote itself?)")

    def visit_Import(self, node):
        for alias in node.names:
            self._module(node, alias.name)
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        self._module(node, node.module, [a.name for a in node.names])
        for alias in node.names:
            if node.module == "sys" and alias.name not in SYS_ALLOWED:
                self.refuse(node, f"imports sys.{alias.name}")
            if node.module == "os" and alias.name in OS_REFUSED:
                self.refuse(node, f"imports os.{alias.name}")
            self._dunder(node, alias.name)
        self.generic_visit(node)

    # names and attributes ------------------------------------------------------------------
    def _dunder(self, node, name):
        if _DUNDER.match(name or "") and name not in DUNDERS_ALLOWED:
            self.refuse(node, f"uses {name}")

    def visit_Name(self, node):
        if node.id in NAMES:
            self.refuse(node, f"uses {node.id}")
        self._dunder(node, node.id)
        if isinstance(node.ctx, (ast.Store, ast.Del)) and node.id in self.aliases:
            self.refuse(node, f"rebinds {node.id}, a module or name the notebook imports")

    def visit_Attribute(self, node):
        self._dunder(node, node.attr)
        if node.attr in ATTRIBUTES:
            self.refuse(node, f"uses .{node.attr}")
        root = _root(node)
        if isinstance(root, ast.Name):
            if root.id == "sys" and node.value is root and node.attr not in SYS_ALLOWED:
                self.refuse(node, f"uses sys.{node.attr}")
            if root.id == "os" and node.value is root and node.attr in OS_REFUSED:
                self.refuse(node, f"uses os.{node.attr}")
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            path = _dotted(node)
            if isinstance(root, ast.Call) or (isinstance(root, ast.Name) and root.id in self.aliases
                                              and not path.startswith(CONFIG_STORES)):
                self.refuse(node, f"assigns {path or 'an attribute'} of a module or class it did not define")
        self.generic_visit(node)

    def visit_Subscript(self, node):
        root = _root(node)
        if isinstance(node.ctx, (ast.Store, ast.Del)) and isinstance(root, ast.Name) and root.id in self.aliases \
                and not _dotted(node.value).startswith(CONFIG_STORES):
            self.refuse(node, f"changes an item of {root.id}, which the notebook imports")
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and _DUNDER.match(node.value) and node.value not in DUNDERS_ALLOWED:
            self.refuse(node, f"names {node.value} in a string")
        if isinstance(node.value, str) and node.value in NAMES | {"modules", "_getframe"}:
            self.refuse(node, f"names {node.value} in a string")

    def visit_FunctionDef(self, node):
        self._dunder(node, node.name)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id == "type" and len(node.args) == 3:
            self.refuse(node, "builds a class with type(name, bases, namespace)")
        self.generic_visit(node)


@functools.lru_cache(maxsize=None)
def _installed(top: str) -> bool:
    """Whether ``top`` is a module of this environment (not one a notebook could have written to its folder)."""
    import importlib.util
    import sys

    if top in sys.builtin_module_names or top in sys.stdlib_module_names:
        return True
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if p not in ("", ".") and Path(p).resolve() != Path.cwd().resolve()]
    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        return False
    finally:
        sys.path[:] = saved


def _root(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def imported_names(sources) -> set[str]:
    """Names bound by import statements anywhere in ``sources`` (``np``, ``checks``, ``DataFrame``…)."""
    names = set()
    for source in sources:
        try:
            tree = ast.parse(_python_of(source)[0])
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def screen(nb, trusted_sources=frozenset()) -> list[Finding]:
    """Every refused construct in the notebook's code cells whose source is not in ``trusted_sources``.

    Args:
        nb: the submission, locked cells already restored.
        trusted_sources: sources of the cells the course wrote (the answer key's and the released
            notebook's cells); a cell identical to one of them is not screened.
    """
    code = [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    aliases = imported_names(s for _, s in code) | COURSE_NAMES
    known = _statements(tuple(sorted(trusted_sources)))
    found = []
    for index, source in code:
        if source in trusted_sources or not source.strip():
            continue
        try:
            python, magics = _python_of(source)
        except Exception:  # noqa: BLE001 - IPython cannot read it: it will fail when run, like a learner's
            continue
        for name in magics:
            if name not in MAGICS_ALLOWED:
                found.append(Finding(index, 1, f"uses the {name if name == '!shell' else '%' + name} magic"))
        try:
            tree = ast.parse(python)
        except SyntaxError:
            continue  # a syntax error runs as one, and scores nothing
        visitor = _Visitor(index, aliases)
        for statement in tree.body:  # a lesson cell the learner added a line to: only that line is screened
            if ast.dump(statement) not in known:
                visitor.visit(statement)
        found.extend(visitor.found)
    return found


@functools.lru_cache(maxsize=64)
def _statements(sources: tuple) -> frozenset:
    """The top-level statements of the course's own cells, as syntax-tree dumps."""
    known = set()
    for source in sources:
        try:
            known.update(ast.dump(s) for s in ast.parse(_python_of(source)[0]).body)
        except SyntaxError:
            continue
    return frozenset(known)

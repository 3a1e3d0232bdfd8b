"""The static screen: each rule refuses its construct, and the course's own code passes untouched."""
import nbformat
import pytest

from grader import notebooks
from grader.screen import screen
from tests_support import REPO_ROOT


def _notebook(*sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


def _found(*sources, trusted=()):
    return [f.what for f in screen(_notebook(*sources), frozenset(trusted))]


@pytest.mark.parametrize("source, what", [
    ("import builtins", "imports builtins"),
    ("import gc, os", "imports gc"),
    ("from inspect import currentframe", "imports inspect"),
    ("from grader.exercise import REGISTRY", "imports grader.exercise"),
    ("import grader.checks.welcome as w", "imports grader.checks.welcome"),
    ("checks.check_hello_table = lambda *a: None", "assigns checks.check_hello_table of a module or class it did not define"),
    ("import numpy as np\nnp.isclose = lambda *a, **k: True", "assigns np.isclose of a module or class it did not define"),
    ("from pandas import DataFrame\nDataFrame.equals = lambda *a: True", "assigns DataFrame.equals of a module or class it did not define"),
    ("type(df).equals = f", "assigns an attribute of a module or class it did not define"),
    ("checks = None", "rebinds checks, a module or name the notebook imports"),
    ("del checks", "rebinds checks, a module or name the notebook imports"),
    ("get_ipython().ast_transformers.append(t)", "uses get_ipython"),
    ("ip.input_transformers_cleanup.append(t)", "uses .input_transformers_cleanup"),
    ("ip.showtraceback = lambda *a, **k: None", "uses .showtraceback"),
    ("import sys\nsys.excepthook = print", "uses sys.excepthook"),
    ("import sys\nsys.settrace(f)", "uses sys.settrace"),
    ("import sys\nsys.modules['grader'].x = 1", "uses sys.modules"),
    ("from sys import modules", "imports sys.modules"),
    ("class A:\n    def __eq__(self, other):\n        return True", "uses __eq__"),
    ("x.__class__.__bases__", "uses __class__"),
    ("getattr(checks, '__dict__')", "names __dict__ in a string"),
    ("setattr(checks, 'check_x', f)", "uses setattr"),
    ("exec('print(1)')", "uses exec"),
    ("eval('1')", "uses eval"),
    ("globals()['checks'] = None", "uses globals"),
    ("T = type('T', (), {})", "builds a class with type(name, bases, namespace)"),
    ("def f():\n    yield 1\nf().gi_frame.f_back", "uses .gi_frame"),
    ("import os\nos.kill(1, 9)", "uses os.kill"),
    ("from os import system", "imports os.system"),
    ("import subprocess", "imports subprocess"),
    ("import signal", "imports signal"),
    ("!rm -rf ../datasets", "uses the !shell magic"),
    ("%load_ext autoreload", "uses the %load_ext magic"),
    ("%%time\nimport gc", "imports gc"),  # an allowed cell magic's body is screened too
    ("%time import gc", "imports gc"),
    ("import sol_written_by_me", "imports sol_written_by_me, which is not installed (a module the notebook wrote itself?)"),
    ("from grader.exercise import REGISTRY\nREGISTRY['x'] = 1", "changes an item of REGISTRY, which the notebook imports"),
])
def test_each_rule_refuses_its_construct(source, what):
    assert what in _found(source)


@pytest.mark.parametrize("source", [
    "import numpy as np\nx = np.mean([1, 2])",
    "import sys\nprint(sys.version_info >= (3, 11))",
    "import os\nos._exit(0)",  # left to the grader's record: the kernel dies, the rest scores nothing
    "import pandas as pd\npd.options.display.max_rows = 10",
    "import matplotlib.pyplot as plt\nplt.rcParams['figure.figsize'] = (4, 3)",
    "class Risk:\n    def __init__(self, t):\n        self.t = t\n    def __repr__(self):\n        return 'Risk'",
    "%time y = sum(range(3))",
    "%%timeit\nsorted([3, 1, 2])",
    "%matplotlib inline",
    "from grader.bank.quizzes import quiz_key",
    "if __name__ == '__main__':\n    pass",
    "def broken(:\n    pass",  # a syntax error runs as one and scores nothing; it is not tampering
])
def test_ordinary_code_passes(source):
    assert _found(source) == []


def test_course_cells_are_trusted_and_only_added_lines_screened():
    lesson = "import gc\nprint(gc.isenabled())"
    assert _found(lesson, trusted=[lesson]) == []
    assert _found(lesson + "\nimport ctypes", trusted=[lesson]) == ["imports ctypes"]
    assert _found(lesson) == ["imports gc"]


def test_findings_name_cell_and_line():
    (finding,) = screen(_notebook("x = 1", "y = 2\nimport gc"))
    assert str(finding) == "cell 2, line 2: imports gc"


@pytest.mark.parametrize("path", notebooks.list_notebooks(REPO_ROOT / "solutions"), ids=lambda p: p.stem)
def test_every_answer_key_passes_the_screen(path):
    """The answers of the course are learner code too: none may be refused (the released cells are trusted)."""
    released = notebooks.read(REPO_ROOT / "notebooks" / path.name)
    key = notebooks.read(path)
    assert screen(key, frozenset(c.source for c in released.cells)) == []
    # and the lesson cells are the only trusted part: untrusted, the course's setup cells are refused
    assert screen(key, frozenset()) != []

"""Build small course notebooks in code, in the manner of nbgrader's ``tests/__init__.py``.

Cell ids are deterministic (``c0``, ``c1``, …) so released copies can be compared byte for byte.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def _nbgrader(**flags) -> dict:
    meta = {"solution": False, "grade": False, "locked": False, "schema_version": 3}
    meta.update(flags)
    return meta


def markdown(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(text)


def code(source: str, tags=()) -> nbformat.NotebookNode:
    cell = new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def parameters(**values) -> nbformat.NotebookNode:
    """The papermill ``parameters`` cell, one assignment per keyword."""
    return code("\n".join(f"{k} = {v!r}" for k, v in values.items()), tags=["parameters"])


def solution_cell(source: str, grade_id: str) -> nbformat.NotebookNode:
    cell = code(source)
    cell.metadata["nbgrader"] = _nbgrader(solution=True, grade_id=grade_id)
    return cell


def grade_cell(source: str, grade_id: str, points: float) -> nbformat.NotebookNode:
    """A locked autograder test cell worth ``points``."""
    cell = code(source)
    cell.metadata["nbgrader"] = _nbgrader(grade=True, locked=True, grade_id=grade_id, points=points)
    return cell


def locked_cell(source: str, grade_id: str) -> nbformat.NotebookNode:
    cell = code(source)
    cell.metadata["nbgrader"] = _nbgrader(locked=True, grade_id=grade_id)
    return cell


def notebook(*cells, ci_parameters=None, title=None) -> nbformat.NotebookNode:
    nb = new_notebook(cells=list(cells))
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    course = {}
    if ci_parameters is not None:
        course["ci_parameters"] = dict(ci_parameters)
    if title is not None:
        course["title"] = title
    if course:
        nb.metadata["course"] = course
    return nb


def save(nb: nbformat.NotebookNode, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


SQUARE_SOLUTION = '''def square(x):
    """Return x squared."""
    ### BEGIN SOLUTION
    return x * x
    ### END SOLUTION'''

SQUARE_TEST_VISIBLE = '''from pathlib import Path
assert square(2) == 4, "square(2) should be 4"
# relative paths must resolve as they do from notebooks/
assert Path("../datasets/tiny.csv").read_text().startswith("x,y")'''

SQUARE_TEST_HIDDEN = '''assert square(3) == 9
### BEGIN HIDDEN TESTS
assert square(-1) == 1
### END HIDDEN TESTS'''


def graded_notebook() -> nbformat.NotebookNode:
    """A tiny pure-Python exercise: 1 point visible test, 2 points test with a hidden case."""
    return notebook(
        markdown("# Squares\nWrite `square`."),
        parameters(SCALE=1.0, SEED=42),
        solution_cell(SQUARE_SOLUTION, "square"),
        grade_cell(SQUARE_TEST_VISIBLE, "test_square_visible", 1),
        grade_cell(SQUARE_TEST_HIDDEN, "test_square_hidden", 2),
        ci_parameters={"SCALE": 0.1},
        title="Squares",
    )

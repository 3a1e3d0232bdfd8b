"""Every course notebook is committed clean, parameterised, and in sync with its source."""
import subprocess
import sys

import pytest

from grader.notebooks import list_notebooks, problems
from tests_support import REPO_ROOT

NOTEBOOKS = list_notebooks(REPO_ROOT / "solutions") + list_notebooks(REPO_ROOT / "notebooks")


def test_there_are_notebooks_in_both_folders():
    assert list_notebooks(REPO_ROOT / "solutions") and list_notebooks(REPO_ROOT / "notebooks")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_has_no_outputs_and_one_parameters_cell(path):
    assert problems(path) == []


def test_released_notebooks_match_their_solutions():
    out = subprocess.run([sys.executable, "-m", "grader", "release", "--check"], cwd=REPO_ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_solution_has_graded_cells_with_points_and_hints():
    import nbformat

    from grader.checks import load_all
    from grader.exercise import REGISTRY

    load_all()
    for path in list_notebooks(REPO_ROOT / "solutions"):
        nb = nbformat.read(path, as_version=4)
        graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        assert graded and all(c.metadata.nbgrader.get("points", 0) > 0 for c in graded), path.name
        prefix = path.name[:2]
        ids = [ex for ex in REGISTRY.values() if ex.notebook == prefix]
        assert ids and all(len(ex.hints) >= 2 for ex in ids), f"{path.name}: every exercise needs numbered hints"

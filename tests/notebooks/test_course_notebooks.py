"""The course notebooks for real, each executed once per role: nbgrader runs the answer key (every
solution notebook with its CI parameters) and the untouched student copy. The answer key's run is
also the course's "runs green" check: no cell of it may raise. (`grader run`'s papermill path is
tested on small notebooks in tests/grader/test_run.py; running the course twice would only cost time.)"""
import csv
import subprocess
import sys

import pytest

from grader.notebooks import list_notebooks
from tests_support import REPO_ROOT

pytestmark = pytest.mark.notebook
SOLUTIONS = list_notebooks(REPO_ROOT / "solutions")


def _copy_with_ci_parameters(src, dst):
    """Copy a notebook, setting its CI parameters in its (unlocked) parameters cell, as a learner
    could edit it: keeps the autograde run as small as `grader run --ci`."""
    import nbformat

    nb = nbformat.read(src, as_version=4)
    values = nb.metadata.get("course", {}).get("ci_parameters", {})
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source += "".join(f"\n{name} = {value!r}" for name, value in values.items())
    nbformat.write(nb, dst)


@pytest.fixture(scope="module")
def autograde_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("autograde")


@pytest.fixture(scope="module")
def gradebook(autograde_dir):
    """Autograde two submissions per notebook: the answer key and the untouched student copy."""
    base = autograde_dir
    submissions = base / "submissions"
    for student, folder in (("answer_key", "solutions"), ("untouched", "notebooks")):
        (submissions / student).mkdir(parents=True)
        for path in list_notebooks(REPO_ROOT / folder):
            _copy_with_ci_parameters(path, submissions / student / path.name)
    out_csv = base / "gradebook.csv"
    out = subprocess.run([sys.executable, "-m", "grader", "autograde", str(submissions), "--out", str(out_csv),
                          "--workers", "2", "--timeout", "600", "--workdir", str(base / "work"), "-q"], cwd=REPO_ROOT, capture_output=True,
                         text=True, timeout=3000)
    print(out.stdout, out.stderr[-3000:])
    assert out_csv.exists(), out.stdout + out.stderr[-3000:]
    with open(out_csv) as fh:
        return {(r["student"], r["notebook"]): r for r in csv.DictReader(fh)}


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_answer_key_scores_full_marks(gradebook, path):
    row = gradebook[("answer_key", path.stem)]
    assert row["status"] == "graded", row
    assert float(row["max_score"]) > 0 and float(row["score"]) == float(row["max_score"]), row


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_untouched_student_notebook_scores_zero(gradebook, path):
    row = gradebook[("untouched", path.stem)]
    assert row["status"] == "graded", row
    assert float(row["score"]) == 0 and float(row["max_score"]) > 0, row


def _errors(nb) -> list[str]:
    return [f"cell {i}: {o.get('ename')}: {o.get('evalue')}" for i, c in enumerate(nb.cells)
            for o in c.get("outputs", []) if o.get("output_type") == "error"]


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_cell_of_the_solution_runs_without_error(gradebook, autograde_dir, path):
    """Points alone would miss a failing lesson cell: nbgrader keeps executing past errors."""
    import nbformat

    executed = autograde_dir / "work" / "executed" / "answer_key" / path.name
    nb = nbformat.read(executed, as_version=4)
    assert sum(1 for c in nb.cells if c.cell_type == "code" and c.get("execution_count")) > 0, "nothing was executed"
    assert not _errors(nb), f"{path.stem} raised while running under nbgrader: {_errors(nb)}"


def test_an_untouched_copy_does_raise(gradebook, autograde_dir):
    """The check above can fail: the untouched student copy's run holds errors (its unsolved cells raise)."""
    import nbformat

    path = SOLUTIONS[0]
    executed = autograde_dir / "work" / "executed" / "untouched" / path.name
    assert _errors(nbformat.read(executed, as_version=4))

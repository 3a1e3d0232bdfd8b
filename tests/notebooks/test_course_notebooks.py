"""The course notebooks for real: solutions run green under papermill, and nbgrader scores the
answer key at full marks and an untouched student notebook at zero, without the grader crashing."""
import csv
import subprocess
import sys

import pytest

from grader.notebooks import list_notebooks
from tests_support import REPO_ROOT

pytestmark = pytest.mark.notebook
SOLUTIONS = list_notebooks(REPO_ROOT / "solutions")


def test_grader_run_ci_runs_every_solution_green_and_prints_times(tmp_path):
    env = {**__import__("os").environ, "LOCALBRICKS_HOME": str(tmp_path / "ws")}
    out = subprocess.run([sys.executable, "-m", "grader", "run", "--ci", "-q"], cwd=REPO_ROOT, env=env,
                         capture_output=True, text=True, timeout=1800)
    print(out.stdout)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    table = out.stdout.splitlines()
    for path in SOLUTIONS:
        line = next((l for l in table if l.startswith(path.stem)), "")
        assert line.split()[1:2] == ["ok"], f"{path.stem} did not run green:\n{out.stdout}"
        float(line.split()[2])  # the seconds column is there


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
def gradebook(tmp_path_factory):
    """Autograde two submissions per notebook: the answer key and the untouched student copy."""
    base = tmp_path_factory.mktemp("autograde")
    submissions = base / "submissions"
    for student, folder in (("answer_key", "solutions"), ("untouched", "notebooks")):
        (submissions / student).mkdir(parents=True)
        for path in list_notebooks(REPO_ROOT / folder):
            _copy_with_ci_parameters(path, submissions / student / path.name)
    out_csv = base / "gradebook.csv"
    out = subprocess.run([sys.executable, "-m", "grader", "autograde", str(submissions), "--out", str(out_csv),
                          "--workers", "2", "--timeout", "600", "-q"], cwd=REPO_ROOT, capture_output=True,
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

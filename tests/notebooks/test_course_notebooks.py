"""The course notebooks for real: solutions run green under papermill, and nbgrader scores the
answer key at full marks and an untouched student notebook at zero, without the grader crashing."""
import csv
import os
import subprocess
import sys

import pytest

from grader.notebooks import list_notebooks
from tests_support import REPO_ROOT

pytestmark = pytest.mark.notebook
SOLUTIONS = list_notebooks(REPO_ROOT / "solutions")


# The slowest notebooks, split in two similar halves (CI-mode seconds, measured 2026-11); the two
# halves run as two `grader run --ci` commands at once, each with its own workspace.
SLOW_HALF = ("07_batch_and_streaming_inference", "05_feature_store", "04_hyperparameter_tuning")


def _grader_run_ci(stems, folder):
    """Start `grader run --ci` on ``stems`` in its own workspace; output goes to files (kernels
    inherit stderr, and a full pipe would stall the run)."""
    folder.mkdir()
    env = {**os.environ, "LOCALBRICKS_HOME": str(folder / "ws")}
    with open(folder / "stdout", "w") as out, open(folder / "stderr", "w") as err:
        run = subprocess.Popen([sys.executable, "-m", "grader", "run", "--ci", "-q", *stems], cwd=REPO_ROOT, env=env,
                               stdout=out, stderr=err, text=True)
    return run, folder


def test_grader_run_ci_runs_every_solution_green_and_prints_times(tmp_path):
    stems = [p.stem for p in SOLUTIONS]
    halves = [[s for s in stems if s in SLOW_HALF], [s for s in stems if s not in SLOW_HALF]]
    runs = [_grader_run_ci(half, tmp_path / f"half{i}") for i, half in enumerate(halves) if half]
    table = []
    for run, folder in runs:
        run.wait(timeout=1800)
        stdout, stderr = (folder / "stdout").read_text(), (folder / "stderr").read_text()
        print(stdout)
        assert run.returncode == 0, stdout[-4000:] + stderr[-4000:]
        table += stdout.splitlines()
    for stem in stems:
        line = next((l for l in table if l.startswith(stem)), "")
        assert line.split()[1:2] == ["ok"], f"{stem} did not run green:\n" + "\n".join(table)
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
